"""Trains wgrt's two Fashion-MNIST models in PyTorch and exports them to ONNX.

    python3 train.py --data DIR --out DIR [--epochs 12]

DIR holds the four IDX files of Fashion-MNIST (train-/t10k-images-idx3-ubyte.gz,
train-/t10k-labels-idx1-ubyte.gz; Debian's dataset-fashion-mnist). Writes, per model:
  <name>.onnx          input 'image' f32[batch,1,28,28] with pixel values in [0, 1] (the
                       normalization is inside the model), output 'logits' f32[batch,10]
  <name>.top1.bin      PyTorch's fp32 predicted class of each of the 10,000 test images (u8)
  <name>.pt            the trained weights (state_dict; not committed)
and summary.json: test accuracy of PyTorch and of onnxruntime on the export, and how many
predictions they share. Seeded; on a GPU, cuDNN picks may still vary the last digits.
"""
import argparse, gzip, json, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.2860, 0.3530


def idx(path):
    with gzip.open(path, 'rb') as f:
        b = f.read()
    dims = b[3]
    shape = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class Normalize(nn.Module):
    def forward(self, x):
        return (x - MEAN) / STD


class SmallCnn(nn.Module):
    """conv-relu-pool twice, then two dense layers: the plain case for INT8."""
    def __init__(self):
        super().__init__()
        self.norm = Normalize()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(self.norm(x))), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class SmallResNet(nn.Module):
    """BatchNorm and residual adds: the case where fusion and INT8 meet."""
    def __init__(self):
        super().__init__()
        self.norm = Normalize()
        self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.layers = nn.Sequential(Block(32, 32, 1), Block(32, 64, 2), Block(64, 128, 2))
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = self.layers(self.stem(self.norm(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def train(model, x, y, epochs, device):
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * ((len(x) + 255) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    g = torch.Generator(device=device).manual_seed(0)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), device=device, generator=g)
        for i in range(0, len(x), 256):
            b = perm[i:i + 256]
            xb = x[b]
            flip = torch.rand(len(b), device=device, generator=g) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = F.cross_entropy(model(xb), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--epochs', type=int, default=12)
    a = p.parse_args()
    torch.manual_seed(0)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    load = lambda n: idx(f'{a.data}/{n}')
    xtr = torch.tensor(load('train-images-idx3-ubyte.gz'), dtype=torch.float32, device=device)[:, None] / 255
    ytr = torch.tensor(load('train-labels-idx1-ubyte.gz').astype(np.int64), device=device)
    xte = torch.tensor(load('t10k-images-idx3-ubyte.gz'), dtype=torch.float32)[:, None] / 255
    yte = load('t10k-labels-idx1-ubyte.gz')
    summary = {}
    for name, cls in [('small_cnn', SmallCnn), ('small_resnet', SmallResNet)]:
        torch.manual_seed(0)
        model = cls().to(device)
        t0 = time.time()
        train(model, xtr, ytr, a.epochs, device)
        secs = time.time() - t0
        model = model.cpu()
        with torch.no_grad():
            top1 = torch.cat([model(xte[i:i + 1000]).argmax(1) for i in range(0, len(xte), 1000)]).numpy().astype(np.uint8)
        path = f'{a.out}/{name}.onnx'
        dummy = torch.zeros(1, 1, 28, 28)
        # PRESERVE keeps BatchNormalization nodes (EVAL would fold them into the convs): folding
        # them is wgrt's job, and the notebooks show it.
        kw = dict(input_names=['image'], output_names=['logits'], dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}},
                  opset_version=17, training=torch.onnx.TrainingMode.PRESERVE)
        try:
            torch.onnx.export(model, dummy, path, dynamo=False, **kw)
        except TypeError:
            torch.onnx.export(model, dummy, path, **kw)
        top1.tofile(f'{a.out}/{name}.top1.bin')
        torch.save(model.state_dict(), f'{a.out}/{name}.pt')
        entry = {'epochs': a.epochs, 'train_seconds': round(secs, 1), 'torch_top1': float((top1 == yte).mean())}
        try:
            import onnxruntime as ort
            s = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
            ort_top1 = s.run(None, {'image': xte.numpy()})[0].argmax(1)
            entry['onnxruntime_top1'] = float((ort_top1 == yte).mean())
            entry['onnxruntime_agrees_with_torch'] = int((ort_top1 == top1).sum())
        except ImportError:
            pass
        summary[name] = entry
        print(name, entry, flush=True)
    summary['torch'] = torch.__version__
    with open(f'{a.out}/summary.json', 'w') as f:
        json.dump(summary, f, indent=2)


if __name__ == '__main__':
    main()
