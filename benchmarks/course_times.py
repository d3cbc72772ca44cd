"""Print how long each notebook takes to execute headless and each assignment to autograde.

Budgets (DESIGN.md §7): a lecture <= 180 s, a solution notebook <= 60 s (training notebooks
<= 120 s), the whole course <= 10 min idle and <= 2x that on a busy machine, one autograde
<= 30 s.  Reported, not asserted.  ``--load N`` runs N busy-loop processes meanwhile (a busy
laptop); kernels get the course's ``OMP_WAIT_POLICY=PASSIVE`` as ``make lab`` gives them.

Run: .venv/bin/python benchmarks/course_times.py [--load 2] [--only notebooks|grade]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from threads import loadavg, start_load, stop_load  # noqa: E402  (the benchmarks' shared load generator)


def execute(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


def notebooks():
    print(f"{'notebook':<62}{'seconds':>9}{'loadavg':>9}")
    total = 0.0
    for path in sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*/*.ipynb")]):
        seconds = execute(path)
        total += seconds
        print(f"{str(path.relative_to(ROOT)):<62}{seconds:>9.1f}{loadavg() or 0:>9.2f}", flush=True)
    print(f"{'the whole course':<62}{total:>9.1f}")


def grade():
    print(f"\n{'cnncourse grade (generate_assignment + autograde)':<62}{'seconds':>9}")
    for path in sorted(ROOT.glob("solutions/*/*.ipynb")):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cnncourse.cli", "grade", str(path)], cwd=ROOT,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - started
        total = [ln for ln in proc.stdout.splitlines() if ln.strip().startswith("total")]
        print(f"{path.parent.name + ' (solution)':<62}{seconds:>9.1f}   {total[0].split(None, 1)[1] if total else proc.stderr[-200:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, default=0, help="busy-loop processes running meanwhile (default 0)")
    parser.add_argument("--only", choices=("notebooks", "grade"), help="time only the notebooks or only grading")
    args = parser.parse_args(argv)
    if args.load < 0:
        parser.error(f"--load must be non-negative; got {args.load}.")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # the kernels inherit it, as under `make lab`
    print(f"{args.load} busy-loop process(es); 1-min loadavg before: {loadavg()}")
    procs = start_load(args.load)
    try:
        if args.only != "grade":
            notebooks()
        if args.only != "notebooks":
            grade()
    finally:
        stop_load(procs)


if __name__ == "__main__":
    main()
