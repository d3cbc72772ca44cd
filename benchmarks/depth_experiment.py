"""Module 05's degradation experiment (``torch_ref.depth_experiment``) as the lecture runs it, timed.

Reported, not asserted.  Budget (issue 12): the lecture cell <= 60 s on 2 cores, all nets
included; the curves must show plain-56 training worse than plain-20 and res-56 fixing it.
Prints the settings, each net's parameters, its smoothed loss at a few steps, its final loss
(mean of the last 20 steps) and its CPU and wall seconds, then the total wall time of the call
(data loading included).  Run it under ``taskset -c 0`` for one core, or with
``CNNCOURSE_THREADS=1``; the machine's load average is printed, since a busy machine is slower.

Run: .venv/bin/python benchmarks/depth_experiment.py [--seed 0] [--steps N] [--full] [--configs plain-20 res-20 ...]
"""

import argparse
import os
import time

from cnncourse.helpers import runtime

# First, before torch is imported: OpenMP reads OMP_WAIT_POLICY then (see cnncourse.helpers.runtime).
THREADS = runtime.configure_threads()

import torch

from cnncourse import data
from cnncourse.torch_ref import depth_experiment as de


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--image-size", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full", action="store_true", help="FULL_SETTINGS: the full set, 28 x 28, four nets")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    settings = dict(de.FULL_SETTINGS if args.full else de.LECTURE_SETTINGS)
    chosen = {"configs": args.configs, "steps": args.steps, "batch_size": args.batch_size, "lr": args.lr,
              "image_size": args.image_size}
    settings.update({k: val for k, val in chosen.items() if val is not None})
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {cores} core(s) usable, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}, load {loadavg()}")
    print(f"data: {data.fashion_mnist_source('train') if args.full else 'course subset'}; settings {settings}, "
          f"seed {args.seed}")
    start = time.perf_counter()
    out = de.depth_experiment(**settings, seed=args.seed, progress=args.progress, full=args.full)
    total = time.perf_counter() - start
    marks = [s for s in (25, 50, 75, 100, 150, 200, 300) if s <= settings["steps"]]
    print(f"{'net':10s} {'params':>9s} " + " ".join(f"{'@' + str(s):>6s}" for s in marks)
          + f" {'final':>6s} {'cpu s':>6s} {'wall s':>6s}")
    for name, record in out.items():
        smooth = de.smooth_losses(record["losses"], window=de.FINAL_WINDOW)
        print(f"{name:10s} {record['params']:>9,} " + " ".join(f"{smooth[s - 1]:6.3f}" for s in marks)
              + f" {record['final_loss']:6.3f} {record['cpu_seconds']:6.1f} {record['wall_seconds']:6.1f}")
    print(f"total wall {total:.1f} s (budget 60 s on 2 cores), load {loadavg()}")


if __name__ == "__main__":
    main()
