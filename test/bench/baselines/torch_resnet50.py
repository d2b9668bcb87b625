# On the H100 machine: exports torchvision's ResNet-50 (random weights, eval mode) to ONNX for
# test/bench/fusion.ts, and times the same model in PyTorch eager fp32 (TF32 off), batch 1.
#   python3 test/bench/baselines/torch_resnet50.py OUT.onnx [iterations]
import sys
import torch
import torchvision

path = sys.argv[1]
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 30
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
model = torchvision.models.resnet50().eval()
x = torch.rand(1, 3, 224, 224)
try:
    torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False, input_names=["input"], output_names=["logits"])
except TypeError:
    torch.onnx.export(model, (x,), path, opset_version=17, input_names=["input"], output_names=["logits"])
model = model.cuda()
xc = x.cuda()
with torch.inference_mode():
    for _ in range(5):
        model(xc)
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        model(xc)
        e.record()
        torch.cuda.synchronize()
        times.append(s.elapsed_time(e))
times.sort()
print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}: resnet50 eager fp32 batch 1 median {times[len(times) // 2]:.3f} ms; exported {path}")
