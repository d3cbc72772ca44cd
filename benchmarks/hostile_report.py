"""Grade the hostile, faulty and honest module-01 submissions of the test suite and print a table.

    python benchmarks/hostile_report.py [--config nbgrader_config.py]

``--config`` picks the nbgrader configuration (default: the course's, i.e. the trusted
grader); pass an older one to compare.  Each row: the submission, its score for the
attacked function (``mean_kernel``, 1 point), its total (12 points), flags, seconds.
Not a test: the assertions live in tests/grading/test_hostile_submissions.py.
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
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "grading"))
os.environ.setdefault("CNNCOURSE_OFFLINE", "1")

import test_hostile_submissions as hs  # noqa: E402
from conftest import write_nb  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "nbgrader_config.py"))
    args = parser.parse_args()
    students = {name: hs.submission(hs.M01, {"mean_kernel": mean}, setup=setup) for name, (setup, mean) in hs.ATTACK.items()}
    students.update({name: hs.submission(hs.M01, setup=setup) for name, (setup, _) in hs.ALL_ZERO.items()})
    students.update({name: hs.submission(hs.M01, {"mean_kernel": mean}) for name, (mean, _) in hs.FAULTS.items()})
    students.update({name: hs.submission(hs.M01, replace, setup=setup, duplicate=dup)
                     for name, (replace, setup, dup) in hs.HONEST.items()})
    course = Path(tempfile.mkdtemp(prefix="hostile-report-"))
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]),
               CNNCOURSE_REQUEST_SECONDS="20", CNNCOURSE_MEMORY_MB="2048")
    try:
        shutil.copy(args.config, course / "nbgrader_config.py")
        shutil.copytree(ROOT / "solutions", course / "solutions")
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", hs.M01, "--force"], cwd=course,
                       env=env, capture_output=True, check=True)
        print(f"{'submission':<30} {'mean_kernel':>11} {'total':>7}  {'s':>5}  flags")
        for name, nb in students.items():
            write_nb(course / "submitted" / name / hs.M01 / f"{hs.M01}.ipynb", nb)
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", hs.M01, "--student", name, "--force"],
                                  cwd=course, env=env, capture_output=True, text=True, timeout=1800)
            seconds = time.perf_counter() - start
            try:
                scores, flagged, comments = hs._scores(course, hs.M01, name)
            except Exception:  # noqa: BLE001 - nbgrader failed on it: shown as such
                print(f"{name:<30} {'-':>11} {'ERROR':>7}  {seconds:5.1f}  exit {proc.returncode}")
                continue
            flags = ", ".join(sorted(flagged)) if flagged else ""
            print(f"{name:<30} {scores['test_mean_kernel']:>11g} {sum(scores.values()):>5g}/12  {seconds:5.1f}  {flags}",
                  flush=True)
    finally:
        shutil.rmtree(course, ignore_errors=True)


if __name__ == "__main__":
    main()
