"""Print how fast `cnncourse autograde` grades a class: 40 submissions of module 01, --jobs 1 vs 2.

The class mixes honest and wrong work: full solutions, blank releases, one function solved,
and full solutions with a flipped kernel or an ignored stride in correlate2d. Each setting
grades a fresh copy of the class from an empty gradebook (including the one
`nbgrader generate_assignment` that adds the assignment). Reported, not asserted (DESIGN.md §7:
one autograde <= 30 s). Run: .venv/bin/python benchmarks/autograde_throughput.py [--jobs 1 2 4]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the submission builder the tests use

from submissions import submission, write_submission  # noqa: E402

MODULE = "01_pixels_and_filters"
FULL = ("conv_output_size", "pad2d", "correlate2d", "mean_kernel", "sobel_kernels")
KINDS = [
    ("full", lambda: submission(MODULE, FULL)),
    ("blank", lambda: submission(MODULE)),
    ("flipped", lambda: submission(MODULE, FULL, {"correlate2d": ("window * kernel", "window * kernel[::-1, ::-1]")})),
    ("no-stride", lambda: submission(MODULE, FULL, {"correlate2d": ("i * stride:i * stride + kh", "i:i + kh")})),
    ("only-pad2d", lambda: submission(MODULE, ("pad2d",))),
]


def build_class(course, n):
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions" / MODULE, course / "solutions" / MODULE,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for i in range(n):
        kind, make = KINDS[i % len(KINDS)]
        write_submission(course, f"student{i:02d}-{kind}", MODULE, make())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"{args.students} submissions of {MODULE}, {os.cpu_count()} CPUs")
    print(f"{'jobs':>4}  {'seconds':>8}  {'s / submission':>14}  {'submissions / min':>17}  {'load':>9}  result")
    for jobs in args.jobs:
        load_before = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="cnncourse-bench-") as tmp:
            course = Path(tmp)
            build_class(course, args.students)
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "cnncourse.cli", "autograde", MODULE, "--course", str(course),
                                   "--jobs", str(jobs)], cwd=course, capture_output=True, text=True)
            seconds = time.perf_counter() - started
        header = next((ln for ln in proc.stdout.splitlines() if ln.startswith("cnncourse autograde:")), "")
        result = header.split(": ", 2)[-1].split(" (")[0] if proc.returncode == 0 else proc.stderr.strip()[-300:]
        load = f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"  # 1-minute load average before and after
        print(f"{jobs:>4}  {seconds:>8.1f}  {seconds / args.students:>14.2f}  {60 * args.students / seconds:>17.1f}  "
              f"{load:>9}  {result}", flush=True)


if __name__ == "__main__":
    main()
