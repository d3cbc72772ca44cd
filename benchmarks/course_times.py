"""Print how long each notebook takes to execute headless and each assignment to autograde.

Budgets (DESIGN.md §7): a solution notebook <= 60 s (training notebooks <= 120 s), one
autograde <= 30 s.  Reported, not asserted.  Run: .venv/bin/python benchmarks/course_times.py
"""

import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def execute(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


def main():
    print(f"{'notebook':<62}{'seconds':>9}")
    for path in sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*/*.ipynb")]):
        print(f"{str(path.relative_to(ROOT)):<62}{execute(path):>9.1f}", flush=True)
    print(f"\n{'cnncourse grade (generate_assignment + autograde)':<62}{'seconds':>9}")
    for path in sorted(ROOT.glob("solutions/*/*.ipynb")):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cnncourse.cli", "grade", str(path)], cwd=ROOT,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - started
        total = [ln for ln in proc.stdout.splitlines() if ln.strip().startswith("total")]
        print(f"{path.parent.name + ' (solution)':<62}{seconds:>9.1f}   {total[0].split(None, 1)[1] if total else proc.stderr[-200:]}")


if __name__ == "__main__":
    main()
