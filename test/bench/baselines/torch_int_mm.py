# Baseline for test/bench/int8-gemm.ts on a CUDA machine: torch._int_mm (int8 x int8 -> int32,
# cuBLASLt) on n x n x n, B column-major (its fast layout), and an fp16 torch.mm for scale, timed
# with CUDA events after a warm-up, median of N.
#   python3 test/bench/baselines/torch_int_mm.py [size] [iterations]
import sys
import torch

n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 50
a = torch.randint(-127, 128, (n, n), dtype=torch.int8, device="cuda")
b = torch.randint(-127, 128, (n, n), dtype=torch.int8, device="cuda").t()  # column-major
ah, bh = a.half(), b.half()


def median_ms(fn):
    t0 = torch.cuda.Event(enable_timing=True)
    for _ in range(20):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        times.append(s.elapsed_time(e))
    times.sort()
    return times[len(times) // 2]


# Exact against an int64 product on a corner (int32 sums of 4096 products of int8 cannot overflow).
c = torch._int_mm(a, b)
ref = a[:64].cpu().long() @ b[:, :64].cpu().long()  # CUDA has no int64 matmul
assert torch.equal(c[:64, :64].cpu().long(), ref), "torch._int_mm disagrees with the int64 product"
for name, fn in [("torch._int_mm int8", lambda: torch._int_mm(a, b)), ("torch.mm fp16", lambda: torch.mm(ah, bh))]:
    ms = median_ms(fn)
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}: {name} {n}^3 median {ms:.4f} ms, {2 * n**3 / (ms * 1e9):.1f} TOPS")
