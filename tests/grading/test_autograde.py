"""`cnncourse autograde`: a class graded N students at a time into one gradebook.

Submissions of module 01 (a few seconds per autograde) are built from the committed release
by pasting solution code (tests/submissions.py). The parallel run is compared with one plain
serial `nbgrader autograde`; a real PostgreSQL server is started for the shared-gradebook test.
"""

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT, nbgrader
from nbgrader.api import Gradebook
from submissions import submission, write_submission

from cnncourse import cli
from cnncourse.grading import autograde

MODULE = "01_pixels_and_filters"
FULL = ("conv_output_size", "pad2d", "correlate2d", "mean_kernel", "sobel_kernels")
FLIPPED = {"correlate2d": ("window * kernel", "window * kernel[::-1, ::-1]")}
BROKEN = '{"cells": [ this is not JSON'
# name -> (notebook, expected score; None: nbgrader fails on it)
CLASS = {
    "blank": (lambda: submission(MODULE), 0),
    "broken-json": (lambda: BROKEN, None),
    "correlate2d-with-helpers": (lambda: submission(MODULE, ("conv_output_size", "pad2d", "correlate2d")), 9),
    "flipped-kernel": (lambda: submission(MODULE, FULL, FLIPPED), 8),
    "full-1": (lambda: submission(MODULE, FULL), 12),
    "only-conv_output_size": (lambda: submission(MODULE, ("conv_output_size",)), 2),
    "only-mean_kernel": (lambda: submission(MODULE, ("mean_kernel",)), 1),
    "only-pad2d": (lambda: submission(MODULE, ("pad2d",)), 3),
    "only-sobel_kernels": (lambda: submission(MODULE, ("sobel_kernels",)), 2),
}
GRADED = [s for s, (_, score) in CLASS.items() if score is not None]
ROW = re.compile(r"^  (\S+)\s+(-|\d+(?:\.\d+)? / \d+(?:\.\d+)?)(?:  (.*))?$")


def make_course(root, students):
    """A course folder with module 01's source (no gradebook yet) and ``students``' submissions."""
    course = root / "course"
    course.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions" / MODULE, course / "solutions" / MODULE,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for student in students:
        write_submission(course, student, MODULE, CLASS[student][0]())
    return course


def run_autograde(course, *args):
    return subprocess.run([sys.executable, "-m", "cnncourse.cli", "autograde", MODULE, "--course", str(course),
                           *args], cwd=course, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)


def table(stdout):
    """student -> (score text, flags) from the summary table."""
    rows = {}
    for line in stdout.splitlines():
        match = ROW.match(line)
        if match and match.group(1) != "student":
            rows[match.group(1)] = (match.group(2), match.group(3) or "")
    return rows


def expected_score(student):
    return f"{CLASS[student][1]} / 12"


def gradebook_contents(db_url):
    """student -> everything autograde writes for them, cell by cell."""
    with Gradebook(db_url, "cnncourse") as gb:
        out = {}
        for sub in gb.find_assignment(MODULE).submissions:
            out[sub.student.id] = {
                "score": sub.score, "max_score": sub.max_score, "timestamp": sub.timestamp,
                "grades": {(nb.name, g.name): (g.auto_score, g.needs_manual_grade) for nb in sub.notebooks
                           for g in nb.grades},
                "comments": {(nb.name, c.name): c.auto_comment for nb in sub.notebooks for c in nb.comments},
                "penalties": {nb.name: nb.late_submission_penalty for nb in sub.notebooks},
            }
        return out


def sqlite_url(course):
    return f"sqlite:///{course / 'gradebook.db'}"


def autograded_stamp(course, student):
    return (course / "autograded" / student / MODULE / f"{MODULE}.ipynb").stat().st_mtime_ns


# ------------------------------------------------------------------ the class, graded in parallel

@pytest.mark.slow
def test_parallel_run_gives_a_serial_runs_gradebook_and_reports_every_student(tmp_path):
    """One test, so the class is graded once whatever the xdist scheduling."""
    course = make_course(tmp_path / "parallel", CLASS)  # no gradebook yet: the assignment is added first
    proc = run_autograde(course, "--jobs", "2")
    serial = make_course(tmp_path / "serial", CLASS)
    nbgrader(["generate_assignment", MODULE, "--force"], cwd=serial)
    nbgrader(["autograde", MODULE], cwd=serial, check=False)  # fails on broken-json, grades the rest

    # the gradebook and the autograded notebooks equal those of one serial `nbgrader autograde`
    parallel_grades, serial_grades = gradebook_contents(sqlite_url(course)), gradebook_contents(sqlite_url(serial))
    assert set(parallel_grades) == set(CLASS)  # every student, the broken one too (as nbgrader records it)
    assert parallel_grades == serial_grades
    for student in GRADED:
        assert parallel_grades[student]["score"] == CLASS[student][1], student
        graded = course / "autograded" / student / MODULE / f"{MODULE}.ipynb"
        assert graded.read_bytes() == (serial / "autograded" / student / MODULE / f"{MODULE}.ipynb").read_bytes()
    assert not (course / "autograded" / "broken-json" / MODULE).exists()
    assert not (course / "assignments").exists()  # the release went to a temporary folder

    # what the instructor sees: a bar, then one row per student; the broken one does not stop the others
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "with 2 job(s)" in proc.stderr and "added the assignment with nbgrader generate_assignment" in proc.stderr
    assert f"{MODULE}: 100%" in proc.stderr  # the tqdm bar
    assert "database is locked" not in proc.stdout + proc.stderr
    rows = table(proc.stdout)
    assert list(rows) == sorted(CLASS)
    for student in GRADED:
        assert rows[student] == (expected_score(student), ""), student
    score, flags = rows["broken-json"]
    assert score == "-" and flags.startswith("ERROR: NotJSONError: Notebook does not appear to be JSON")
    assert f"{len(GRADED)} graded, 0 already graded, 1 failed" in proc.stdout
    log = course / f"autograde-{MODULE}.log"
    assert f"(nbgrader's full output for the failed students: {log})" in proc.stdout
    assert "NotJSONError" in log.read_text(encoding="utf-8")


# ------------------------------------------------------------------ resuming

def _stop_group(proc):
    """Kill what is left of the process group the test started (the CLI and its nbgrader children)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _interrupt_after_first_student(course):
    """Run `cnncourse autograde --jobs 1` and press Ctrl-C once one student is graded; return (proc, out, err)."""
    cmd = [sys.executable, "-m", "cnncourse.cli", "autograde", MODULE, "--course", str(course), "--jobs", "1"]
    proc = subprocess.Popen(cmd, cwd=course, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not list((course / "autograded").glob(f"*/{MODULE}/*.ipynb")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no student was graded within 300 s"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
        out, err = proc.communicate(timeout=300)
    finally:
        _stop_group(proc)
    return proc, out, err


@pytest.mark.slow
def test_ctrl_c_then_reruns_grade_only_what_is_not_graded(tmp_path):
    students = ["blank", "full-1", "only-pad2d"]
    course = make_course(tmp_path, students)
    proc, out, err = _interrupt_after_first_student(course)
    assert proc.returncode == autograde.EXIT_INTERRUPTED, out + err
    graded = sorted(p.parent.parent.name for p in (course / "autograded").glob(f"*/{MODULE}/*.ipynb"))
    assert 1 <= len(graded) < len(students), (graded, out, err)
    assert "Interrupted: run the same command again to grade the rest." in out
    assert table(out) == {s: (expected_score(s), "") if s in graded else ("-", "not graded (interrupted)")
                          for s in students}

    resumed = run_autograde(course)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert (f"{len(graded)} already graded (skipped; --force regrades them); grading {3 - len(graded)}"
            in resumed.stderr)
    assert table(resumed.stdout) == {s: (expected_score(s), "") for s in students}
    stamps = {s: autograded_stamp(course, s) for s in students}

    again = run_autograde(course)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "3 already graded (skipped; --force regrades them); grading 0" in again.stderr
    assert table(again.stdout) == {s: (expected_score(s), "") for s in students}
    assert {s: autograded_stamp(course, s) for s in students} == stamps

    # blank resubmits with pad2d solved; only-pad2d's grades vanish from the gradebook: both are regraded
    write_submission(course, "blank", MODULE, submission(MODULE, ("pad2d",)))
    with Gradebook(sqlite_url(course), "cnncourse") as gb:
        gb.remove_submission(MODULE, "only-pad2d")
    third = run_autograde(course)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "1 already graded (skipped; --force regrades them); grading 2" in third.stderr
    assert table(third.stdout) == {"blank": ("3 / 12", ""), "full-1": ("12 / 12", ""), "only-pad2d": ("3 / 12", "")}
    assert autograded_stamp(course, "full-1") == stamps["full-1"]
    assert autograded_stamp(course, "blank") > stamps["blank"]

    forced = run_autograde(course, "--force", "--student", "full-1")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert table(forced.stdout) == {"full-1": ("12 / 12", "")}
    assert autograded_stamp(course, "full-1") > stamps["full-1"]
    assert set(gradebook_contents(sqlite_url(course))) == set(students)


# ------------------------------------------------------------------ flags, errors

# nbgrader's add_submission autoflushes half-built rows under SQLAlchemy 2.x and warns; not ours.
@pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")
def test_summary_flags_recorded_faults_and_manual_grading(tmp_path, monkeypatch):
    """Already-graded students are not regraded; their flags come from the gradebook."""
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))  # alembic
    students = ["blank", "full-1", "only-pad2d"]
    course = make_course(tmp_path, students)
    with Gradebook(sqlite_url(course), "cnncourse") as gb:
        gb.add_assignment(MODULE)
        gb.add_notebook(MODULE, MODULE)
        gb.add_grade_cell("test_pad2d", MODULE, MODULE, max_score=3, cell_type="code")
        gb.add_solution_cell("pad2d", MODULE, MODULE)
        for student in students:
            gb.add_student(student)
            gb.add_submission(MODULE, student)
            grade = gb.find_grade("test_pad2d", MODULE, MODULE, student)
            grade.auto_score, grade.needs_manual_grade = (0.0 if student == "blank" else 3.0), student != "full-1"
        gb.find_comment("pad2d", MODULE, MODULE, "only-pad2d").auto_comment = (
            "cnncourse flag: pad2d timed out\ncnncourse flag: output flood in test_pad2d")
        gb.db.commit()
    for student in students:
        graded = course / "autograded" / student / MODULE / f"{MODULE}.ipynb"
        graded.parent.mkdir(parents=True)
        shutil.copy(course / "submitted" / student / MODULE / f"{MODULE}.ipynb", graded)
        past = time.time() - 60
        os.utime(course / "submitted" / student / MODULE / f"{MODULE}.ipynb", (past, past))

    result = autograde.autograde(MODULE, course=course, progress=False)
    assert [(r.student, r.status, r.score, r.max_score, r.flags) for r in result.rows] == [
        ("blank", "skipped", 0.0, 3.0, "needs manual grade"),
        ("full-1", "skipped", 3.0, 3.0, ""),
        ("only-pad2d", "skipped", 3.0, 3.0, "pad2d timed out; output flood in test_pad2d"),
    ]
    text = autograde.format_summary(result)
    assert "0 graded, 3 already graded, 0 failed" in text
    assert ("\n  student     score  flags\n  blank       0 / 3  needs manual grade\n  full-1      3 / 3\n"
            "  only-pad2d  3 / 3  pad2d timed out; output flood in test_pad2d") in text


@pytest.mark.parametrize("mode, jobs", [("fallback", 1), ("bwrap", 2)])
def test_the_fallback_sandbox_grades_one_student_at_a_time(tmp_path, capsys, monkeypatch, mode, jobs):
    """It restores what a submission changed (the package included) only after that run: no job may run meanwhile."""
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))  # alembic
    course = make_course(tmp_path, ["blank", "full-1", "only-pad2d"])
    seen = []
    monkeypatch.setattr(autograde.sandbox, "mode", lambda: mode)
    monkeypatch.setattr(autograde, "_grade_all", lambda coursedir, assignment, todo, jobs, progress: (
        seen.append(jobs), (set(), {}, False))[1])
    result = autograde.autograde(MODULE, course=course, jobs=2)
    assert seen == [jobs] and result.jobs == jobs
    err = capsys.readouterr().err
    assert ("one at a time: the fallback sandbox is in use; install bubblewrap to grade in parallel" in err) == (
        mode == "fallback")


def test_errors_are_clear(tmp_path, capsys, monkeypatch):
    course = make_course(tmp_path, [])

    def fails(*args):
        assert cli.main(["autograde", *args]) == 2
        return capsys.readouterr().err

    err = fails("no_such_module", "--course", str(course))
    assert (f"`ASSIGNMENT` must be a folder of {course / 'solutions'}; got 'no_such_module'. "
            f"Assignments: {MODULE}.") in err
    err = fails(MODULE, "--course", str(course))
    assert (f"`submitted/*/{MODULE}` must match at least one student's folder; got none. "
            f"Put each student's notebooks in submitted/<student>/{MODULE}/") in err
    assert fails(MODULE, "--course", str(course), "--jobs", "0").strip().endswith(
        "`--jobs` must be an integer >= 1; got 0. Leave it out to grade one student per CPU at a time.")
    write_submission(course, "ada", MODULE, submission(MODULE))
    err = fails(MODULE, "--course", str(course), "--student", "ada", "ghost")
    assert (f"`--student` must name students with a folder submitted/<student>/{MODULE}/; got ghost. "
            "Students with a submission: ada.") in err
    monkeypatch.chdir(tmp_path)
    assert "could not find the course folder" in fails(MODULE)
    assert not (course / "gradebook.db").exists()  # nothing was graded or created


# ------------------------------------------------------------------ PostgreSQL

PG_PASSWORD = "pg-s3cret-for-the-test"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server on 127.0.0.1 with an empty database; its URL (with a password)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")) or (
        [Path(shutil.which("pg_ctl"))] if shutil.which("pg_ctl") else [])
    if not found:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found; install the Debian package "
                    "`postgresql` to run this test")
    try:
        import psycopg2
    except ImportError:
        pytest.skip("the PostgreSQL driver is not installed; pip install psycopg2-binary (in the `test` extra)")
    bin_dir, as_user, owner = found[-1].parent, [], None
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server as")
        as_user = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="cnncourse-pg-"))  # not under pytest's 0700 folders: `postgres` must enter
    (base / "pwfile").write_text(PG_PASSWORD + "\n", encoding="utf-8")
    (base / "sock").mkdir()
    if owner is not None:
        for path in (base, base / "pwfile", base / "sock"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    data, port = base / "data", _free_port()

    def pg(*args):
        return subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, check=True)

    started = False
    try:
        pg(str(bin_dir / "initdb"), "-D", str(data), "-U", "cnncourse", "-E", "UTF8", "--auth-local=trust",
           "--auth-host=scram-sha-256", f"--pwfile={base / 'pwfile'}")
        pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60", "-o",
           f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={base / 'sock'}", "start")
        started = True
        conn = psycopg2.connect(host="127.0.0.1", port=port, user="cnncourse", password=PG_PASSWORD,
                                dbname="postgres")
        try:
            conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
            conn.cursor().execute("CREATE DATABASE grades")
        finally:
            conn.close()
        yield f"postgresql://cnncourse:{PG_PASSWORD}@127.0.0.1:{port}/grades"
    finally:
        if started:
            pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_postgres_gradebook_shared_by_parallel_jobs(tmp_path, postgres_url):
    students = ["blank", "full-1", "only-sobel_kernels"]
    course = make_course(tmp_path, students)
    proc = run_autograde(course, "--jobs", "2", "--db", postgres_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert PG_PASSWORD not in proc.stdout + proc.stderr
    assert re.search(r"gradebook postgresql(\+psycopg2?)?://cnncourse:\*\*\*@127.0.0.1:", proc.stdout), proc.stdout
    assert not (course / "gradebook.db").exists()
    psycopg2_url = postgres_url.replace("postgresql://", "postgresql+psycopg2://")  # the `test` extra's driver
    grades = gradebook_contents(psycopg2_url)
    assert {s: grades[s]["score"] for s in grades} == {s: CLASS[s][1] for s in students}
    assert {s: r for s, r in table(proc.stdout).items()} == {s: (expected_score(s), "") for s in students}

    # without --db, c.CourseDirectory.db_url in nbgrader_config.py names the gradebook
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + f"\nc.CourseDirectory.db_url = {postgres_url!r}\n",
                      encoding="utf-8")
    write_submission(course, "blank", MODULE, submission(MODULE, ("mean_kernel",)))
    again = run_autograde(course)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "2 already graded (skipped; --force regrades them); grading 1" in again.stderr
    assert gradebook_contents(psycopg2_url)["blank"]["score"] == 1
    assert not (course / "gradebook.db").exists()
