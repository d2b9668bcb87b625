# Baseline for test/bench/core.ts on a CUDA machine: the demo network's architecture
# (src/cli/demo-network.ts) in PyTorch eager, fp32 (TF32 off), batch 1, timed with CUDA events.
#   python3 test/bench/baselines/torch_demo.py [iterations]
import sys
import torch
from torch import nn

iters = int(sys.argv[1]) if len(sys.argv) > 1 else 30
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def cbr(cin, cout, k, stride=1, bn=True, relu=True):
    layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Demo(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = cbr(3, 16, 3)
        self.block = nn.Sequential(cbr(16, 16, 3), cbr(16, 16, 3, relu=False))
        self.pool = nn.MaxPool2d(2, 2)
        self.a = cbr(16, 16, 1, bn=False)
        self.b = cbr(16, 16, 3, bn=False)
        self.down = cbr(32, 64, 3, stride=2)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        s = self.stem(x)
        r = self.pool(torch.relu(self.block(s) + s))
        d = self.down(torch.cat([self.a(r), self.b(r)], 1))
        return torch.softmax(self.fc(torch.flatten(torch.mean(d, (2, 3), keepdim=True), 1)), 1)


model = Demo().cuda().eval()
x = torch.rand(1, 3, 32, 32, device="cuda")
with torch.inference_mode():
    for _ in range(5):
        model(x)
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        model(x)
        e.record()
        torch.cuda.synchronize()
        times.append(s.elapsed_time(e))
times.sort()
print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}: demo-cnn eager fp32 batch 1 median {times[len(times) // 2]:.4f} ms")
