"""Speed of module 01's correlate2d: loop vs vectorized (sliding windows) vs torch.

Reported, not asserted.  Run: .venv/bin/python benchmarks/correlate2d_speed.py
"""

import os
import timeit

from cnncourse.helpers import runtime

# First, before torch is imported: OpenMP reads OMP_WAIT_POLICY then (see cnncourse.helpers.runtime).
THREADS = runtime.configure_threads()

import numpy as np
import torch
import torch.nn.functional as F

from cnncourse.ref import filters


def best_of(fn, repeat=5):
    number = max(1, int(0.2 / max(timeit.timeit(fn, number=1), 1e-6)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main():
    print(f"torch {torch.__version__}: {THREADS} thread(s) (runtime.configure_threads; CNNCOURSE_THREADS to change), "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    rng = np.random.default_rng(0)
    print(f"{'image':>9} {'kernel':>7} {'loop ms':>9} {'vectorized ms':>14} {'torch ms':>9} {'loop/torch':>11} {'vec/torch':>10}")
    for side, k in [(64, 3), (128, 3), (256, 5), (512, 3)]:
        image, kernel = rng.normal(size=(side, side)), rng.normal(size=(k, k))
        t_image, t_kernel = torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None]
        loop = best_of(lambda: filters.correlate2d_naive(image, kernel, padding=k // 2), repeat=3)
        vec = best_of(lambda: filters.correlate2d(image, kernel, padding=k // 2))
        ref = best_of(lambda: F.conv2d(t_image, t_kernel, padding=k // 2))
        print(f"{side:>4}x{side:<4} {k}x{k:<5} {loop * 1e3:>9.2f} {vec * 1e3:>14.3f} {ref * 1e3:>9.3f} "
              f"{loop / ref:>11.0f} {vec / ref:>10.1f}")


if __name__ == "__main__":
    main()
