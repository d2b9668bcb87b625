# On the H100 machine: exports torchvision's ResNet-50 (random weights, eval mode) to ONNX for
# test/bench/fusion.ts, tune.ts and profile.ts, and times the same model in PyTorch fp32 (TF32
# off): eager, and with --compile also torch.compile (default mode, compiled and warmed up first);
# with --fp16 also fp16 channels-last eager (the INT8 target's baseline, test/bench/resnet50-int8.ts),
# one iteration at a time and back to back (20 iterations between two events, as wgrt's `repeat`).
#   python3 test/bench/baselines/torch_resnet50.py OUT.onnx [iterations] [--batch B] [--compile] [--fp16]
import argparse
import torch
import torchvision

ap = argparse.ArgumentParser()
ap.add_argument("path")
ap.add_argument("iterations", nargs="?", type=int, default=30)
ap.add_argument("--batch", type=int, default=1)
ap.add_argument("--compile", action="store_true")
ap.add_argument("--fp16", action="store_true")
args = ap.parse_args()
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
model = torchvision.models.resnet50().eval()
x = torch.rand(args.batch, 3, 224, 224)
try:
    torch.onnx.export(model, (x,), args.path, opset_version=17, dynamo=False, input_names=["input"], output_names=["logits"])
except TypeError:
    torch.onnx.export(model, (x,), args.path, opset_version=17, input_names=["input"], output_names=["logits"])
model = model.cuda()
xc = x.cuda()


def median_ms(fn):
    with torch.inference_mode():
        for _ in range(10):
            fn(xc)
        torch.cuda.synchronize()
        times = []
        for _ in range(args.iterations):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            fn(xc)
            e.record()
            torch.cuda.synchronize()
            times.append(s.elapsed_time(e))
    times.sort()
    return times[len(times) // 2]


def back_to_back_ms(fn, runs=20):
    # As resnet50-int8.ts times wgrt (ContextOptions.repeat): `runs` iterations between two events,
    # no synchronization between them, so the GPU never idles; per iteration, median of 5.
    with torch.inference_mode():
        for _ in range(10):
            fn(xc)
        torch.cuda.synchronize()
        times = []
        for _ in range(5):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            for _ in range(runs):
                fn(xc)
            e.record()
            torch.cuda.synchronize()
            times.append(s.elapsed_time(e) / runs)
    times.sort()
    return times[len(times) // 2]


head = f"torch {torch.__version__} on {torch.cuda.get_device_name()}: resnet50 fp32 batch {args.batch}"
print(f"{head} eager median {median_ms(model):.3f} ms; exported {args.path}", flush=True)
if args.compile:
    try:
        compiled = torch.compile(model)
        print(f"{head} torch.compile median {median_ms(compiled):.3f} ms", flush=True)
    except Exception as e:  # no triton or no compiler on the machine: say so, keep the eager figure
        print(f"{head} torch.compile unavailable: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)
if args.fp16:
    half = torchvision.models.resnet50().eval().cuda().half().to(memory_format=torch.channels_last)
    xh = xc.half().contiguous(memory_format=torch.channels_last)
    fp16 = lambda _: half(xh)
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}: resnet50 fp16 channels-last batch {args.batch} eager median {median_ms(fp16):.3f} ms, back to back {back_to_back_ms(fp16):.3f} ms", flush=True)
