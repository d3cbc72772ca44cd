"""Speed of the convolution layer: naive loops vs im2col + GEMM vs einsum vs torch, forward and backward.

"im2col in blocks" is ``conv.conv2d_forward_fast``: im2col + GEMM a few images at a time, so
the unrolled matrix stays in cache.  Times are minima over interleaved rounds.

Reported, not asserted.  Every method runs on the same float32 inputs in the same process, and
each time is also given as a ratio to torch's time measured in the same run.  Target (issue 5):
the course's fastest numpy forward within 2x of torch on (N=64, C=16, 32x32, F=32, 3x3, padding 1)
on 2 cores.  Naive loops are timed on the first 2 images only and scaled to N (marked "~").

Run: .venv/bin/python benchmarks/conv_speed.py
"""

import os
import timeit

from cnncourse.helpers import runtime

# First, before torch is imported: OpenMP reads OMP_WAIT_POLICY then (see cnncourse.helpers.runtime).
THREADS = runtime.configure_threads()

import numpy as np
import torch
import torch.nn.functional as F

from cnncourse.ref import conv

SHAPES = [  # N, C, H (= W), F, K, padding
    (8, 3, 32, 16, 3, 1),
    (64, 16, 32, 32, 3, 1),  # the target shape
    (64, 32, 16, 64, 3, 1),
    (32, 1, 28, 16, 5, 2),
]
NAIVE_IMAGES = 2


def best_times(methods, rounds=7):
    """Minimum time per call of each method, measured round-robin so that every method sees the
    same machine conditions (timings on a shared 2-core VM vary several-fold from run to run)."""
    numbers = {key: max(1, int(0.1 / max(timeit.timeit(fn, number=1), 1e-6))) for key, fn in methods.items()}
    best = {key: float("inf") for key in methods}
    for _ in range(rounds):
        for key, fn in methods.items():
            best[key] = min(best[key], timeit.timeit(fn, number=numbers[key]) / numbers[key])
    return best


def naive_backward(dout, x, w, padding):
    """Loop backward (one window at a time), the counterpart of conv2d_forward_naive."""
    n, f, oh, ow = dout.shape
    kh, kw = w.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxpad, dw = np.zeros_like(xpad), np.zeros_like(w)
    for i_n in range(n):
        for i in range(oh):
            for j in range(ow):
                window = xpad[i_n, :, i:i + kh, j:j + kw]
                g = dout[i_n, :, i, j]  # (F,)
                dw += g[:, None, None, None] * window
                dxpad[i_n, :, i:i + kh, j:j + kw] += np.tensordot(g, w, axes=(0, 0))
    return dxpad[:, :, padding:-padding or None, padding:-padding or None], dw, dout.sum(axis=(0, 2, 3))


def main():
    print(f"torch {torch.__version__}: {THREADS} thread(s) (runtime.configure_threads; CNNCOURSE_THREADS to change), "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    rng = np.random.default_rng(0)
    rows = []
    for n, c, side, f, k, p in SHAPES:
        x = rng.normal(size=(n, c, side, side)).astype(np.float32)
        w = (rng.normal(size=(f, c, k, k)) / np.sqrt(c * k * k)).astype(np.float32)
        b = rng.normal(size=f).astype(np.float32)
        dout = rng.normal(size=(n, f, side + 2 * p - k + 1, side + 2 * p - k + 1)).astype(np.float32)
        xt, wt, bt = (torch.from_numpy(a) for a in (x, w, b))

        def torch_backward():
            xg, wg, bg = (t.clone().requires_grad_(True) for t in (xt, wt, bt))
            F.conv2d(xg, wg, bg, padding=p).backward(torch.from_numpy(dout))

        scale = n / NAIVE_IMAGES
        times = best_times({
            ("forward", "im2col + GEMM"): lambda: conv.conv2d_forward_im2col(x, w, b, padding=p),
            ("forward", "einsum (module 02)"): lambda: conv.conv2d_forward(x, w, b, padding=p),
            ("forward", "im2col in blocks"): lambda: conv.conv2d_forward_fast(x, w, b, padding=p),
            ("forward", "torch"): lambda: F.conv2d(xt, wt, bt, padding=p),
            ("backward", "im2col + GEMM"): lambda: conv.conv2d_backward_im2col(dout, x, w, padding=p),
            ("backward", "einsum (module 03)"): lambda: conv.conv2d_backward(dout, x, w, padding=p),
            ("backward", "torch"): torch_backward,  # includes the forward pass autograd needs
        })
        naive = best_times({
            ("forward", "naive loops"): lambda: conv.conv2d_forward_naive(x[:NAIVE_IMAGES], w, b, padding=p),
            ("backward", "naive loops"): lambda: naive_backward(dout[:NAIVE_IMAGES], x[:NAIVE_IMAGES], w, p),
        }, rounds=1)
        times.update({key: seconds * scale for key, seconds in naive.items()})
        times = {key: times[key] for key in sorted(times, key=lambda k: (k[0] != "forward", k[1] != "naive loops"))}
        shape = f"N={n} C={c} {side}x{side} F={f} {k}x{k} pad {p}"
        for (direction, method), seconds in times.items():
            ratio = seconds / times[(direction, "torch")]
            rows.append((shape, direction, method, seconds, ratio))
    print(f"{'layer':<34} {'pass':<9} {'method':<20} {'ms':>10} {'x torch':>8}")
    for shape, direction, method, seconds, ratio in rows:
        approx = "~" if method == "naive loops" else " "
        print(f"{shape:<34} {direction:<9} {method:<20} {approx}{seconds * 1e3:>9.2f} {ratio:>8.1f}")
    target = [r for r in rows if r[0].startswith("N=64 C=16 32x32 F=32") and r[1] == "forward" and r[2] != "torch"]
    fastest = min((r for r in target if r[2] != "naive loops"), key=lambda r: r[3])
    print(f"\ntarget layer: fastest numpy forward = {fastest[2]}, {fastest[4]:.2f}x torch (target <= 2x)")


if __name__ == "__main__":
    main()
