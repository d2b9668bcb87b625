# Baseline for test/bench/core.ts on a CUDA machine: the same 1024^3 f32 GEMM in PyTorch
# (cuBLAS, TF32 off so both sides do true fp32), timed with CUDA events, median of N.
#   python3 test/bench/baselines/torch_gemm.py [size] [iterations]
import sys
import torch

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 30
torch.backends.cuda.matmul.allow_tf32 = False
a = torch.rand(n, n, device="cuda") - 0.5
b = torch.rand(n, n, device="cuda") - 0.5
for _ in range(5):
    torch.matmul(a, b)
torch.cuda.synchronize()
times = []
for _ in range(iters):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    torch.matmul(a, b)
    e.record()
    torch.cuda.synchronize()
    times.append(s.elapsed_time(e))
times.sort()
med = times[len(times) // 2]
print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}: gemm {n}^3 f32 (no TF32) median {med:.4f} ms, {2 * n**3 / (med * 1e6):.0f} GFLOP/s")
