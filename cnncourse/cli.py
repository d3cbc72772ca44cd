"""The ``cnncourse`` command.

``cnncourse grade NOTEBOOK``  autograde one notebook with nbgrader, hidden tests included,
                             in a temporary course directory; print a score table.  The
                             course's nbgrader_config.py makes this the trusted grader:
                             the notebook's code runs sandboxed (cnncourse.grading).
``cnncourse doctor``          report versions, offline data sources and torchvision's operators.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

# the course's modules and points (imports only the standard library)
from . import course as manifest

STUDENT = "self-study"


class GradeError(Exception):
    """grade cannot run (bad path, no course directory, nbgrader failed)."""


# ------------------------------------------------------------------ grade

def find_course_root(start):
    """The nearest folder at or above ``start`` holding nbgrader_config.py and solutions/."""
    for folder in [start, *start.parents]:
        if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
            return folder
    return None


def _assignment_of(notebook, course):
    """The assignment a notebook belongs to: its folder, its file name, or a module id its name starts with.

    The last covers a renamed copy such as a browser's ``01_pixels_and_filters (1).ipynb``.
    """
    for name in (notebook.parent.name, notebook.stem):
        if (course / "solutions" / name).is_dir():
            return name
    found = manifest.module_for_notebook(notebook)
    if found is not None and (course / "solutions" / found.id).is_dir():
        return found.id
    return notebook.stem


def _source_notebook(course, assignment, name):
    source_dir = course / "solutions" / assignment
    if (source_dir / name).is_file():
        return source_dir / name
    notebooks = sorted(source_dir.glob("*.ipynb"))
    return notebooks[0] if len(notebooks) == 1 else None


#: The trusted side computes on one thread, as the worker does (sandbox.worker_env), so the references
#: agree with the student's results to the bit whatever the machine; waiting threads sleep.
GRADER_THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                  "OMP_WAIT_POLICY": "PASSIVE"}


def _run_nbgrader(args, cwd, log):
    cmd = [sys.executable, "-m", "nbgrader", *args]
    env = dict(os.environ)  # nbgrader runs `alembic` from PATH: put this Python's scripts first
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env.update(GRADER_THREADS)
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    log.append(f"$ nbgrader {' '.join(args)}\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        raise GradeError(f"nbgrader {args[0]} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def _error_text(cell):
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
            return text
    return ""


def grade(notebook, course=None, keep=False):
    """Autograde ``notebook``; return a dict with the rows of the score table."""
    notebook = Path(notebook).resolve()
    if notebook.suffix != ".ipynb" or not notebook.is_file():
        raise GradeError(f"NOTEBOOK must be an existing .ipynb file; got {notebook}.")
    course = Path(course).resolve() if course else (find_course_root(notebook.parent)
                                                     or find_course_root(Path.cwd()))
    if course is None:
        raise GradeError("could not find the course folder (with nbgrader_config.py and solutions/) above "
                         f"{notebook.parent} or the current folder. Run from the course folder or pass --course DIR.")
    assignment = _assignment_of(notebook, course)
    source = _source_notebook(course, assignment, notebook.name)
    if source is None:
        known = ", ".join(sorted(p.name for p in (course / "solutions").iterdir() if p.is_dir()))  # NN_ ids sort in course order
        raise GradeError(f"no source notebook for assignment {assignment!r} in {course / 'solutions'}. "
                         f"Keep the notebook in a folder named after its assignment ({known}).")

    workdir = Path(tempfile.mkdtemp(prefix="cnncourse-grade-"))
    log = []
    try:
        shutil.copy(course / "nbgrader_config.py", workdir / "nbgrader_config.py")
        shutil.copytree(course / "solutions" / assignment, workdir / "solutions" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        submitted = workdir / "submitted" / STUDENT / assignment
        submitted.mkdir(parents=True)
        shutil.copy(notebook, submitted / source.name)
        started = time.perf_counter()
        _run_nbgrader(["generate_assignment", assignment, "--force"], workdir, log)
        _run_nbgrader(["autograde", assignment, "--student", STUDENT, "--force"], workdir, log)
        seconds = time.perf_counter() - started
        result = _read_results(workdir, assignment, source.name)
        expected = manifest.module(assignment).total_points if assignment in manifest.ids() else None
        result.update(assignment=assignment, notebook=str(notebook), seconds=seconds, expected_max_score=expected)
        return result
    finally:
        if keep:
            print(f"(kept the temporary course directory {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _read_results(workdir, assignment, name):
    from nbgrader.api import Gradebook

    from .grading.nbgrader_ext import flag_texts

    graded = workdir / "autograded" / STUDENT / assignment / name
    if not graded.is_file():
        raise GradeError(f"nbgrader produced no autograded notebook at {graded}.")
    cells = json.loads(graded.read_text(encoding="utf-8"))["cells"]
    order, errors = [], {}
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            order.append(meta["grade_id"])
            errors[meta["grade_id"]] = _error_text(cell)
    rows = []
    with Gradebook(f"sqlite:///{workdir / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(Path(name).stem, assignment, STUDENT)
        scores = {g.name: (g.score, g.max_score) for g in notebook.grades}
        flagged = {g.name for g in notebook.grades if g.needs_manual_grade}
        flags = flag_texts(notebook.comments)
    for grade_id in order:
        score, max_score = scores.get(grade_id, (0.0, 0.0))
        rows.append({"test": grade_id, "score": float(score or 0.0), "max_score": float(max_score),
                     "message": errors.get(grade_id, ""), "flagged": grade_id in flagged})
    total = sum(r["score"] for r in rows)
    max_total = sum(r["max_score"] for r in rows)
    return {"rows": rows, "score": total, "max_score": max_total, "flags": flags}


def _fmt_points(x):
    return f"{x:g}"


def format_table(result):
    rows = result["rows"]
    width = max([len("test")] + [len(r["test"]) for r in rows]) + 2
    lines = [f"cnncourse grade: {result['assignment']} ({result['notebook']})", "",
             f"  {'test'.ljust(width)}{'points':>9}  result"]
    for r in rows:
        ok = r["score"] >= r["max_score"]
        points = f"{_fmt_points(r['score'])} / {_fmt_points(r['max_score'])}"
        verdict = ("passed" if ok else "FAILED") + (" (flagged for the instructor)" if r.get("flagged") else "")
        lines.append(f"  {r['test'].ljust(width)}{points:>9}  {verdict}")
        if not ok and r["message"]:
            lines.extend("      " + line for line in r["message"].splitlines())
    total = f"{_fmt_points(result['score'])} / {_fmt_points(result['max_score'])}"
    lines += [f"  {'total'.ljust(width)}{total:>9}"]
    expected = result.get("expected_max_score")
    if expected is not None and expected != result["max_score"]:
        lines += ["", (f"note: the course manifest (cnncourse/course.py) gives {result['assignment']} "
                       f"{_fmt_points(expected)} points, but this course folder's test cells give "
                       f"{_fmt_points(result['max_score'])}: the course folder and the installed cnncourse are "
                       "different versions.")]
    if result.get("flags"):
        lines += ["", "flagged for the instructor:",
                  *("  " + flag for flag in result["flags"])]
    lines += ["", f"(hidden tests included; graded in {result['seconds']:.1f} s)"]
    return "\n".join(lines)


# ------------------------------------------------------------------ doctor

PACKAGES = ("numpy", "scipy", "torch", "torchvision", "matplotlib", "ipywidgets", "jupyterlab", "nbgrader",
            "tqdm", "pillow", "scikit-image", "scikit-learn", "mlxtend")


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def torchvision_ops_status():
    """(ok, text): whether torchvision's compiled operators (nms, roi_align, …) load."""
    try:
        import torch
        import torchvision.ops
        boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 10.0, 10.0]])
        keep = torchvision.ops.nms(boxes, torch.tensor([0.9, 0.8]), 0.5)
        return keep.tolist() == [0], "torchvision.ops.nms runs"
    except Exception as exc:  # any failure here means the ops are unusable
        return False, (f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} — install torch and "
                       "torchvision together so their builds match: pip install --upgrade torch torchvision")


def doctor():
    """Print a report; return 0 when everything the course needs is there, else 1."""
    from . import __version__, data

    problems = 0
    print(f"cnncourse {__version__} on Python {platform.python_version()} ({sys.executable})")
    print("\npackages")
    for dist in PACKAGES:
        version = _version(dist)
        problems += version is None
        print(f"  {dist:<14} {version or 'MISSING — pip install ' + dist}")
    print("\noffline data sources")
    for name, where in data.sources().items():
        print(f"  {name:<34} {where or 'not found'}")
    print(f"  cache folder (CNNCOURSE_DATA) {data.data_dir()}")
    from . import pretrained

    try:
        weights = str(pretrained.find_checkpoint())
    except (FileNotFoundError, ValueError) as exc:
        problems += 1
        weights = f"MISSING — {str(exc).splitlines()[-1]}"
    print(f"  {'ImageNet classifier (module 05)':<34} {weights}")
    ok, text = torchvision_ops_status()
    problems += not ok
    print(f"\ntorchvision operators: {'OK' if ok else 'BROKEN'} — {text}")
    from .grading import sandbox

    try:
        mode = sandbox.mode()
    except (ValueError, RuntimeError) as exc:
        mode = f"unusable: {exc}"
    print(f"grading sandbox: {mode}" + (" (weaker; install bubblewrap to grade a class: apt-get install bubblewrap)"
                                       if mode == "fallback" else ""))
    seed = os.environ.get("CNNCOURSE_GRADING_SEED")
    print(f"grading seed: {seed if seed else 'default'}")
    print("\nall good" if not problems else f"\n{problems} problem(s) found")
    return 0 if not problems else 1


# ------------------------------------------------------------------ main

def main(argv=None):
    parser = argparse.ArgumentParser(prog="cnncourse", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_grade = sub.add_parser("grade", help="autograde one notebook (hidden tests included) and print a score table")
    p_grade.add_argument("notebook", help=f"the notebook to grade, e.g. {manifest.MODULES[0].assignment}")
    p_grade.add_argument("--course", help="course folder (default: found above the notebook or the current folder)")
    p_grade.add_argument("--keep", action="store_true", help="keep the temporary course directory for inspection")
    sub.add_parser("doctor", help="report versions, offline data sources and whether torchvision's operators load")
    from .grading import autograde  # imports this module: not at the top
    autograde.add_arguments(sub.add_parser("autograde", help="grade every submission of an assignment with "
                                           "nbgrader, N students at a time, into one gradebook"))
    args = parser.parse_args(argv)

    if args.command == "doctor":
        return doctor()
    if args.command == "autograde":
        return autograde.command(args)
    try:
        result = grade(args.notebook, course=args.course, keep=args.keep)
    except GradeError as exc:
        print(f"cnncourse grade: {exc}", file=sys.stderr)
        return 2
    print(format_table(result))
    return 0 if result["score"] >= result["max_score"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
