"""``cnncourse autograde ASSIGNMENT``: grade a whole class with nbgrader, N students at a time.

Every student folder ``submitted/<student>/ASSIGNMENT/`` is graded by the real
``nbgrader autograde ASSIGNMENT --student <student>``, run as a subprocess, ``--jobs`` of them
at once. A tqdm bar counts students on stderr; a summary table (student, score, flags) goes to
stdout at the end. In the fallback sandbox (no bubblewrap, :mod:`.sandbox`) they are graded one
at a time: it restores what a submission changed only after that submission's run.

How the gradebook stays correct
-------------------------------
nbgrader's SQLite gradebook takes one writer at a time, and several ``nbgrader autograde``
processes on one SQLite file can fail with "database is locked". So no grading process ever
opens the course's gradebook:

1. Each student is graded in a private scratch course directory (a copy of
   ``nbgrader_config.py``, ``solutions/ASSIGNMENT/`` and the student's submission, laid out
   as in the course) whose ``gradebook.db`` is a snapshot of the course's gradebook taken at
   the start of the run (SQLite's backup API), so nbgrader sees exactly what a serial run
   would see for that student (other students' rows never matter).
2. The parent process alone writes the course's gradebook: as each job ends it copies that
   student's submission, through nbgrader's ``Gradebook`` API, from the scratch gradebook into
   the course's one (the fields autograde writes, ``MERGED_FIELDS``), then moves the
   autograded notebooks into ``autograded/<student>/ASSIGNMENT/``.

With a database server (``--db postgresql://…`` or ``c.CourseDirectory.db_url`` in
nbgrader_config.py) the server handles concurrent writers: the scratch directories are still
used for the files, but nbgrader writes the shared gradebook directly and nothing is merged.
Several machines may then grade disjoint ``--student`` lists into one gradebook.

Resuming
--------
A student counts as graded, and is skipped unless ``--force``, when every notebook in
``autograded/<student>/ASSIGNMENT/`` is newer than every file of the submission and the
gradebook holds scores for the submission. A student's old autograded folder is removed when
their job starts and the new one is moved in only after the gradebook has the new grades, so
a run stopped at any point (Ctrl-C) leaves each student either fully graded or ungraded, and
running the same command again grades the rest.

An assignment missing from the gradebook is added first with ``nbgrader generate_assignment
ASSIGNMENT --force``, writing its release into a temporary folder so that the committed
``assignments/`` is left untouched.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .._validate import message
from ..cli import GradeError, _fmt_points, _run_nbgrader, find_course_root
from . import sandbox

if TYPE_CHECKING:
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory

# Gradebook fields that `nbgrader autograde` writes; the merge copies these and nothing else, so a
# manual score or comment entered in the formgrader during a run is kept.
MERGED_FIELDS = {
    "submission": ("timestamp",),
    "notebook": ("late_submission_penalty",),
    "grade": ("auto_score", "needs_manual_grade"),
    "comment": ("auto_comment",),
}
EXIT_INTERRUPTED = 130


@dataclass
class StudentRow:
    """One row of the summary table.

    ``status`` is "graded" (graded in this run), "skipped" (already graded), "failed"
    (nbgrader failed; ``flags`` holds the error) or "pending" (the run was interrupted first).
    """

    student: str
    status: str
    score: float | None = None
    max_score: float | None = None
    flags: str = ""


@dataclass
class ClassResult:
    """What ``autograde`` did: one row per student, sorted by student id."""

    assignment: str
    rows: list[StudentRow]
    jobs: int
    seconds: float
    gradebook: str
    interrupted: bool = False
    log_path: Path | None = None

    @property
    def ungraded(self) -> list[StudentRow]:
        """Students nbgrader failed on, or not reached before an interrupt."""
        return [r for r in self.rows if r.status in ("failed", "pending")]


@dataclass
class _Job:
    student: str
    scratch: Path
    error: str | None = None
    log: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ course settings

def course_settings(course: Path, db_url: str | None = None) -> CourseDirectory:
    """The course's nbgrader ``CourseDirectory``, read from its nbgrader_config.py.

    Parameters
    ----------
    course : Path
        The course folder (holding nbgrader_config.py).
    db_url : str, optional
        A gradebook URL that overrides ``c.CourseDirectory.db_url`` (``--db``).

    Returns
    -------
    nbgrader.coursedir.CourseDirectory
        With ``root`` set to ``course`` and ``db_url`` resolved; a relative SQLite path is taken
        relative to the course folder, as nbgrader (run there) would.

    Notes
    -----
    Only the course's own nbgrader_config.py is read, not the per-user Jupyter config folders.
    """
    from nbgrader.coursedir import CourseDirectory
    from sqlalchemy.engine import make_url
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    coursedir = CourseDirectory(config=config, root=str(course))
    url = make_url(db_url or coursedir.db_url)
    if url.get_backend_name() == "sqlite" and url.database and not os.path.isabs(url.database):
        url = url.set(database=str(course / url.database))
    coursedir.db_url = _with_installed_driver(url).render_as_string(hide_password=False)
    return coursedir


def _with_installed_driver(url):
    """``postgresql://`` with the driver that is installed, when SQLAlchemy's default one is not.

    SQLAlchemy 2.0 reads ``postgresql://`` as psycopg2, 2.1 as psycopg (3); either package works.
    """
    if url.drivername != "postgresql" or importlib.util.find_spec(url.get_dialect().driver) is not None:
        return url
    for driver in ("psycopg2", "psycopg"):
        if importlib.util.find_spec(driver) is not None:
            return url.set(drivername=f"postgresql+{driver}")
    return url


def _is_sqlite(db_url: str) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(db_url).get_backend_name() == "sqlite"


def _shown_url(db_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)


def _path(coursedir: CourseDirectory, step: str, student: str, assignment: str) -> Path:
    return Path(os.path.normpath(coursedir.format_path(step, student, assignment)))


def find_submissions(coursedir: CourseDirectory, assignment: str, students: list[str] | None = None) -> list[str]:
    """The students with a folder ``submitted/<student>/ASSIGNMENT/``, sorted.

    Raises
    ------
    GradeError
        When there is none, or when ``students`` names one without a submission.
    """
    pattern = _path(coursedir, coursedir.submitted_directory, "*", assignment)
    found = sorted(p.parent.name for p in pattern.parent.parent.glob(f"*/{assignment}") if p.is_dir())
    if not found:
        raise GradeError(message(
            f"{pattern.relative_to(coursedir.root)}", "match at least one student's folder", "none",
            f"Put each student's notebooks in submitted/<student>/{assignment}/ "
            "(nbgrader collect or zip_collect does this)."))
    if not students:
        return found
    unknown = sorted(set(students) - set(found))
    if unknown:
        raise GradeError(message(
            "--student", f"name students with a folder submitted/<student>/{assignment}/",
            ", ".join(unknown), f"Students with a submission: {', '.join(found)}."))
    return sorted(set(students))


# ------------------------------------------------------------------ gradebook

def _unreachable(db_url: str, exc: Exception) -> GradeError:
    """The error for a gradebook that cannot be opened (missing driver, server down, bad URL)."""
    if isinstance(exc, ModuleNotFoundError):
        return GradeError(f"the gradebook {_shown_url(db_url)} needs the database driver {exc.name!r}, which is "
                          "not installed. For PostgreSQL: pip install psycopg2-binary.")
    detail = str(getattr(exc, "orig", None) or exc).strip()
    return GradeError(f"could not open the gradebook {_shown_url(db_url)}: {detail}. Check that the server runs "
                      "and the URL's user, password, host, port and database.")


@contextlib.contextmanager
def open_gradebook(db_url: str, course_id: str) -> Iterator[Gradebook]:
    """nbgrader's ``Gradebook`` on ``db_url``; connection problems become a ``GradeError``."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import OperationalError

    try:
        gb = Gradebook(db_url, course_id)
    except (ModuleNotFoundError, OperationalError) as exc:
        raise _unreachable(db_url, exc) from exc
    try:
        yield gb
    finally:
        gb.close()


def _assignment_in_gradebook(coursedir: CourseDirectory, assignment: str) -> bool:
    """Whether the gradebook knows ``assignment`` and its notebooks.

    Never creates the database: nbgrader's ``Gradebook`` would run ``alembic`` from PATH to
    stamp a new one, which ``nbgrader generate_assignment`` (run with the right PATH) does instead.
    """
    from nbgrader.api import MissingEntry
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    url = make_url(coursedir.db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return False
    try:
        engine = create_engine(url)
        try:
            if not inspect(engine).has_table("assignment"):
                return False  # an empty database
        finally:
            engine.dispose()
    except (ModuleNotFoundError, OperationalError) as exc:
        raise _unreachable(coursedir.db_url, exc) from exc
    with open_gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            return len(gb.find_assignment(assignment).notebooks) > 0
        except MissingEntry:
            return False


def ensure_assignment(coursedir: CourseDirectory, assignment: str) -> bool:
    """Add ``assignment`` to the gradebook with ``nbgrader generate_assignment`` if it is missing.

    The release goes to a temporary folder, so ``assignments/`` is not rewritten.

    Returns
    -------
    bool
        True when the assignment had to be generated.
    """
    if _assignment_in_gradebook(coursedir, assignment):
        return False
    with tempfile.TemporaryDirectory(prefix="cnncourse-release-") as release:
        _run_nbgrader(["generate_assignment", assignment, "--force",
                       f"--CourseDirectory.release_directory={release}",
                       f"--CourseDirectory.db_url={coursedir.db_url}"], coursedir.root, [])
    return True


class _Scores(NamedTuple):
    score: float
    max_score: float
    flags: str
    has_scores: bool  # some grade has an automatic or manual score


def _submission_scores(gb: Gradebook, assignment: str, student: str) -> _Scores | None:
    """A submission's total, maximum and flags, or None when it is not in the gradebook.

    ``flags`` joins the faults the trusted grader recorded (comment lines starting with
    ``FLAG_PREFIX``), else says "needs manual grade" when a grade needs one.
    """
    from nbgrader.api import MissingEntry

    from .nbgrader_ext import flag_texts

    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        return None
    grades = [g for nb in submission.notebooks for g in nb.grades]
    faults = flag_texts(c for nb in submission.notebooks for c in nb.comments)
    if faults:
        flags = "; ".join(faults)
    elif any(g.needs_manual_grade for g in grades):
        flags = "needs manual grade"
    else:
        flags = ""
    has_scores = any(g.auto_score is not None or g.manual_score is not None for g in grades)
    return _Scores(float(submission.score or 0.0), float(submission.max_score or 0.0), flags, has_scores)


def merge_submission(source: Gradebook, target: Gradebook, assignment: str, student: str) -> None:
    """Copy one student's autograde results from gradebook ``source`` into gradebook ``target``.

    Creates the student and the submission in ``target`` when missing (nbgrader's API commits
    those), then copies the fields in ``MERGED_FIELDS`` for the submission and each of its
    notebooks, grades and comments, and commits. Run again, it writes the same values.

    Parameters
    ----------
    source, target : nbgrader.api.Gradebook
        Both must hold ``assignment`` with the same notebooks and cells.
    assignment, student : str
        Which submission.
    """
    from nbgrader.api import MissingEntry
    from sqlalchemy.exc import SAWarning

    theirs = source.find_submission(assignment, student)
    try:
        target.find_student(student)
    except MissingEntry:
        who = theirs.student
        target.add_student(student, first_name=who.first_name, last_name=who.last_name, email=who.email,
                           lms_user_id=who.lms_user_id)
    with warnings.catch_warnings():
        # nbgrader's add_submission autoflushes half-built rows under SQLAlchemy 2.x and says so;
        # `nbgrader autograde` prints the same warning. The rows are added right after.
        warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session", category=SAWarning)
        ours = target.update_or_create_submission(assignment, student)
    _copy_fields(theirs, ours, "submission")
    for notebook in theirs.notebooks:
        _copy_fields(notebook, target.find_submission_notebook(notebook.name, assignment, student), "notebook")
        for grade in notebook.grades:
            _copy_fields(grade, target.find_grade(grade.name, notebook.name, assignment, student), "grade")
        for comment in notebook.comments:
            _copy_fields(comment, target.find_comment(comment.name, notebook.name, assignment, student), "comment")
    target.db.commit()


def _copy_fields(source, target, kind: str) -> None:
    for name in MERGED_FIELDS[kind]:
        setattr(target, name, getattr(source, name))


def _snapshot_sqlite(db_url: str, dest: Path) -> None:
    from sqlalchemy.engine import make_url

    with contextlib.closing(sqlite3.connect(make_url(db_url).database)) as src, \
            contextlib.closing(sqlite3.connect(dest)) as dst:
        src.backup(dst)


# ------------------------------------------------------------------ one student

def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def is_graded(coursedir: CourseDirectory, gb: Gradebook, assignment: str, student: str) -> bool:
    """Whether ``student``'s autograded notebooks are newer than their submission and scored in ``gb``."""
    submitted = _files(_path(coursedir, coursedir.submitted_directory, student, assignment))
    graded = list(_path(coursedir, coursedir.autograded_directory, student, assignment).glob("*.ipynb"))
    if not submitted or not graded:
        return False
    if min(p.stat().st_mtime for p in graded) <= max(p.stat().st_mtime for p in submitted):
        return False
    scores = _submission_scores(gb, assignment, student)
    return scores is not None and scores.has_scores


def _error_line(stderr: str) -> str:
    """The exception nbgrader reports (last line of its last traceback), else stderr's last line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    pattern = re.compile(r"^(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Timeout)):\s*(.*)$")
    for line in reversed(lines):
        match = pattern.match(line)
        if match:
            return f"{match.group(1)}: {match.group(2)}".rstrip(": ")
    return lines[-1] if lines else "no error output"


def _grade_in_scratch(coursedir: CourseDirectory, assignment: str, student: str, scratch: Path,
                      template: Path | None) -> _Job:
    """Worker thread: grade one student in a private course directory; the parent merges the result."""
    job = _Job(student, scratch)
    try:
        shutil.rmtree(_path(coursedir, coursedir.autograded_directory, student, assignment), ignore_errors=True)
        root = Path(coursedir.root)
        shutil.copy(root / "nbgrader_config.py", scratch / "nbgrader_config.py")
        for step, who in ((coursedir.source_directory, "."), (coursedir.submitted_directory, student)):
            folder = _path(coursedir, step, who, assignment)
            shutil.copytree(folder, scratch / folder.relative_to(root), symlinks=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        db_url = coursedir.db_url
        if template is not None:
            shutil.copy(template, scratch / "gradebook.db")
            db_url = f"sqlite:///{scratch / 'gradebook.db'}"
        _run_nbgrader(["autograde", assignment, "--student", student, "--force",
                       f"--CourseDirectory.root={scratch}", f"--CourseDirectory.db_url={db_url}"], scratch, job.log)
    except GradeError as exc:
        job.error = _error_line(str(exc).split("\n", 1)[-1])
    except Exception as exc:  # a broken copy or the like: report it for this student, grade the others
        job.error = f"{type(exc).__name__}: {exc}"
        job.log.append(traceback.format_exc())
    return job


def _finish(coursedir: CourseDirectory, assignment: str, job: _Job, template: Path | None) -> None:
    """Parent, one job at a time: merge the scratch gradebook, then move the autograded notebooks in."""
    if template is not None and (job.scratch / "gradebook.db").is_file():
        with open_gradebook(f"sqlite:///{job.scratch / 'gradebook.db'}", coursedir.course_id) as theirs, \
                open_gradebook(coursedir.db_url, coursedir.course_id) as ours:
            if _submission_scores(theirs, assignment, job.student) is not None:  # nbgrader got that far
                merge_submission(theirs, ours, assignment, job.student)
    graded = _path(coursedir, coursedir.autograded_directory, job.student, assignment)
    produced = job.scratch / graded.relative_to(coursedir.root)
    if job.error is None and produced.is_dir():
        partial = graded.with_name(f".{graded.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(produced, partial, symlinks=True)
        shutil.rmtree(graded, ignore_errors=True)
        os.replace(partial, graded)
    elif job.error is None:
        job.error = f"nbgrader wrote no autograded notebooks for {job.student}"


# ------------------------------------------------------------------ the class

def autograde(assignment: str, *, course: str | Path | None = None, jobs: int | None = None,
              force: bool = False, db_url: str | None = None, students: list[str] | None = None,
              progress: bool = True) -> ClassResult:
    """Grade every submission of ``assignment`` with ``nbgrader autograde``, ``jobs`` at a time.

    Parameters
    ----------
    assignment : str
        A folder of ``solutions/`` (nbgrader's source directory), e.g. "01_pixels_and_filters".
    course : str or Path, optional
        The course folder; default: found at or above the current folder.
    jobs : int, optional
        How many students to grade at once; default ``os.cpu_count()`` (2 if unknown), capped at
        the number of students to grade. One in the fallback sandbox (``sandbox.mode()``), which
        restores what a submission changed only after its run.
    force : bool
        Regrade students who are already graded.
    db_url : str, optional
        The gradebook, e.g. "postgresql://user:pass@host/grades"; default
        ``c.CourseDirectory.db_url`` from nbgrader_config.py, else ``<course>/gradebook.db``.
    students : list of str, optional
        Grade only these students.
    progress : bool
        Say what will be graded and show a tqdm bar over students, on stderr.

    Returns
    -------
    ClassResult
        One row per student; ``interrupted`` is True after Ctrl-C (finished students stay graded).

    Raises
    ------
    GradeError
        No course folder, no such assignment, no submissions, ``jobs`` < 1, an unreachable
        gradebook, or ``nbgrader generate_assignment`` failing.
    """
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise GradeError(message("--jobs", "be an integer >= 1", repr(jobs),
                                 "Leave it out to grade one student per CPU at a time."))
    root = Path(course).resolve() if course else find_course_root(Path.cwd().resolve())
    if root is None or not (root / "nbgrader_config.py").is_file():
        raise GradeError("could not find the course folder (with nbgrader_config.py and solutions/) at or above "
                         f"{Path(course or Path.cwd()).resolve()}. Run from the course folder or pass --course DIR.")
    coursedir = course_settings(root, db_url)
    source = _path(coursedir, coursedir.source_directory, ".", assignment)
    if not source.is_dir():
        known = sorted(p.name for p in source.parent.iterdir() if p.is_dir()) if source.parent.is_dir() else []
        raise GradeError(message("ASSIGNMENT", f"be a folder of {source.parent}", repr(assignment),
                                 f"Assignments: {', '.join(known) or 'none'}."))
    everyone = find_submissions(coursedir, assignment, students)

    started = time.perf_counter()
    generated = ensure_assignment(coursedir, assignment)
    with open_gradebook(coursedir.db_url, coursedir.course_id) as gb:
        done = set() if force else {s for s in everyone if is_graded(coursedir, gb, assignment, s)}
    todo = [s for s in everyone if s not in done]
    jobs = min(jobs or os.cpu_count() or 2, max(len(todo), 1))
    serial = ""
    if jobs > 1 and sandbox.mode() == "fallback":
        # The fallback sandbox finds what a submission changed (the package, settings, the data cache) only
        # after its run, and restores it then; a job running meanwhile would import or read the changes.
        jobs, serial = 1, " (one at a time: the fallback sandbox is in use; install bubblewrap to grade in parallel)"
    if progress:
        print(f"cnncourse autograde {assignment}: {len(everyone)} submission(s); "
              + (f"{len(done)} already graded (skipped; --force regrades them); " if done else "")
              + f"grading {len(todo)} with {jobs} job(s){serial} into {_shown_url(coursedir.db_url)}"
              + (" (added the assignment with nbgrader generate_assignment)" if generated else ""),
              file=sys.stderr, flush=True)
    finished, failures, interrupted = _grade_all(coursedir, assignment, todo, jobs, progress)
    rows = _summary_rows(coursedir, assignment, everyone, done, finished, failures)
    return ClassResult(assignment, rows, jobs, time.perf_counter() - started, _shown_url(coursedir.db_url),
                       interrupted, _write_failure_log(coursedir, assignment, failures))


def _grade_all(coursedir: CourseDirectory, assignment: str, todo: list[str], jobs: int,
               progress: bool) -> tuple[set[str], dict[str, _Job], bool]:
    """Grade ``todo`` in ``jobs`` worker threads, finishing each job here.

    Returns the students finished, the failed jobs by student, and whether Ctrl-C stopped the run.
    """
    from tqdm import tqdm

    finished: set[str] = set()
    failures: dict[str, _Job] = {}
    scratch_root = Path(tempfile.mkdtemp(prefix="cnncourse-autograde-"))
    bar = tqdm(total=len(todo), desc=assignment, unit="student", file=sys.stderr, disable=not progress or not todo)
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        template = None
        if _is_sqlite(coursedir.db_url):
            template = scratch_root / "gradebook-snapshot.db"
            _snapshot_sqlite(coursedir.db_url, template)
        futures = []
        for i, student in enumerate(todo):
            scratch = scratch_root / f"job-{i}"
            scratch.mkdir()
            futures.append(pool.submit(_grade_in_scratch, coursedir, assignment, student, scratch, template))
        for future in as_completed(futures):
            job = future.result()
            try:
                _finish(coursedir, assignment, job, template)
            except GradeError as exc:
                job.error = str(exc)
            finished.add(job.student)
            if job.error is not None:
                failures[job.student] = job
            shutil.rmtree(job.scratch, ignore_errors=True)
            bar.update()
    except KeyboardInterrupt:
        return finished, failures, True  # the running nbgrader processes got the same Ctrl-C: none of theirs is kept
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
        shutil.rmtree(scratch_root, ignore_errors=True)
    return finished, failures, False


def _summary_rows(coursedir: CourseDirectory, assignment: str, everyone: list[str], done: set[str],
                  finished: set[str], failures: dict[str, _Job]) -> list[StudentRow]:
    rows = []
    with open_gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for student in everyone:
            if student in failures:
                rows.append(StudentRow(student, "failed", flags=f"ERROR: {failures[student].error}"))
                continue
            scores = _submission_scores(gb, assignment, student)
            reached = student in done or student in finished or is_graded(coursedir, gb, assignment, student)
            if not reached:  # (is_graded: finished just as Ctrl-C came)
                rows.append(StudentRow(student, "pending", flags="not graded (interrupted)"))
            elif scores is None:
                rows.append(StudentRow(student, "failed", flags="ERROR: no grades in the gradebook"))
            else:
                rows.append(StudentRow(student, "skipped" if student in done else "graded", scores.score,
                                       scores.max_score, scores.flags))
    return rows


def _write_failure_log(coursedir: CourseDirectory, assignment: str, failures: dict[str, _Job]) -> Path | None:
    """nbgrader's full output for each failed student, in <course>/autograde-ASSIGNMENT.log (no passwords)."""
    if not failures:
        return None
    path = Path(coursedir.root) / f"autograde-{assignment}.log"
    text = "\n\n".join(f"===== {student}: {job.error}\n" + "\n".join(job.log)
                       for student, job in sorted(failures.items()))
    path.write_text(text.replace(coursedir.db_url, _shown_url(coursedir.db_url)) + "\n", encoding="utf-8")
    return path


def format_summary(result: ClassResult) -> str:
    """The summary table: one line per student with score / max and flags.

    Examples
    --------
    >>> rows = [StudentRow("ada", "graded", 12.0, 12.0), StudentRow("ben", "skipped", 4.0, 12.0, "needs manual grade"),
    ...         StudentRow("cy", "failed", flags="ERROR: NotJSONError: Notebook does not appear to be JSON")]
    >>> print(format_summary(ClassResult("01_pixels_and_filters", rows, jobs=2, seconds=9.5,
    ...                                  gradebook="sqlite:////course/gradebook.db")))
    cnncourse autograde: 01_pixels_and_filters, 3 student(s): 1 graded, 1 already graded, 1 failed (2 job(s), 9.5 s, gradebook sqlite:////course/gradebook.db)
    <BLANKLINE>
      student    score  flags
      ada      12 / 12
      ben       4 / 12  needs manual grade
      cy             -  ERROR: NotJSONError: Notebook does not appear to be JSON
    """
    counts = {status: sum(r.status == status for r in result.rows) for status in ("graded", "skipped", "failed")}
    parts = [f"{counts['graded']} graded", f"{counts['skipped']} already graded", f"{counts['failed']} failed"]
    if result.interrupted:
        parts.append(f"{sum(r.status == 'pending' for r in result.rows)} not graded (interrupted)")
    scores = [("-" if r.score is None else f"{_fmt_points(r.score)} / {_fmt_points(r.max_score)}")
              for r in result.rows]
    name_width = max([len("student")] + [len(r.student) for r in result.rows]) + 2
    score_width = max([len("score")] + [len(s) for s in scores])
    lines = [f"cnncourse autograde: {result.assignment}, {len(result.rows)} student(s): {', '.join(parts)} "
             f"({result.jobs} job(s), {result.seconds:.1f} s, gradebook {result.gradebook})", "",
             f"  {'student'.ljust(name_width)}{'score'.rjust(score_width)}  flags"]
    for row, score in zip(result.rows, scores):
        lines.append(f"  {row.student.ljust(name_width)}{score.rjust(score_width)}  {row.flags}".rstrip())
    if result.log_path is not None:
        lines += ["", f"(nbgrader's full output for the failed students: {result.log_path})"]
    if result.interrupted:
        lines += ["", "Interrupted: run the same command again to grade the rest."]
    return "\n".join(lines)


# ------------------------------------------------------------------ command line

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``cnncourse autograde`` options."""
    parser.add_argument("assignment", help="a folder of solutions/, e.g. 01_pixels_and_filters")
    parser.add_argument("--jobs", "-j", type=int, default=None,
                        help="students graded at once (default: one per CPU, at most the number of students)")
    parser.add_argument("--course", help="course folder (default: found at or above the current folder)")
    parser.add_argument("--force", action="store_true", help="regrade students who are already graded")
    parser.add_argument("--db", metavar="URL",
                        help="gradebook URL, e.g. postgresql://user:password@host/grades "
                             "(default: c.CourseDirectory.db_url in nbgrader_config.py, else <course>/gradebook.db)")
    parser.add_argument("--student", nargs="+", action="extend", metavar="S",
                        help="grade only these students (repeatable)")


def command(args: argparse.Namespace) -> int:
    """Run ``cnncourse autograde`` from parsed arguments; return the exit code.

    0 when every student is graded, 1 when nbgrader failed for some, 2 for a usage error,
    130 after Ctrl-C.
    """
    try:
        result = autograde(args.assignment, course=args.course, jobs=args.jobs, force=args.force,
                           db_url=args.db, students=args.student)
    except GradeError as exc:
        print(f"cnncourse autograde: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before grading started, or a second Ctrl-C while stopping
        print("cnncourse autograde: interrupted; run the same command again to grade the rest.", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(format_summary(result), flush=True)
    if result.interrupted:
        return EXIT_INTERRUPTED
    return 1 if result.ungraded else 0
