"""`cnncourse grade` and `cnncourse doctor`, run as a student would run them."""

import json
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, read_nb, write_nb

from cnncourse import cli

MODULE = "01_pixels_and_filters"


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "cnncourse.cli", *args], cwd=cwd, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=600)


@pytest.mark.slow
def test_grade_solution_full_marks_exit_0():
    proc = run_cli("grade", f"solutions/{MODULE}/{MODULE}.ipynb")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "test_correlate2d           4 / 4  passed" in proc.stdout
    assert "total                    12 / 12" in proc.stdout
    assert "hidden tests included" in proc.stdout


@pytest.mark.slow
def test_grade_blank_release_zero_with_messages_exit_1():
    proc = run_cli("grade", f"assignments/{MODULE}/{MODULE}.ipynb")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "test_pad2d                 0 / 3  FAILED" in proc.stdout
    assert "Hint: replace `raise NotImplementedError()` with your code." in proc.stdout
    assert "total                     0 / 12" in proc.stdout


@pytest.mark.slow
def test_grade_partial_submission_shows_the_hint(tmp_path):
    """A student's copy outside the repo, graded with --course; one function wrong in a known way."""
    nb = read_nb(ROOT / "solutions" / MODULE / f"{MODULE}.ipynb")
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "correlate2d":
            cell["source"] = "".join(cell["source"]).replace("window * kernel", "window * kernel[::-1, ::-1]")
    student = tmp_path / MODULE / f"{MODULE}.ipynb"
    write_nb(student, nb)
    proc = run_cli("grade", str(student), "--course", str(ROOT), cwd=tmp_path)
    assert proc.returncode == 1
    assert "test_correlate2d           0 / 4  FAILED" in proc.stdout
    assert "Hint: kernel flipped (true convolution)" in proc.stdout
    assert "total                     8 / 12" in proc.stdout


def test_grade_errors_are_clear(tmp_path):
    proc = run_cli("grade", "no/such/notebook.ipynb")
    assert proc.returncode == 2 and "NOTEBOOK must be an existing .ipynb file" in proc.stderr
    lost = tmp_path / "lost.ipynb"
    shutil.copy(ROOT / "assignments" / MODULE / f"{MODULE}.ipynb", lost)
    proc = run_cli("grade", str(lost), cwd=tmp_path)
    assert proc.returncode == 2 and "could not find the course folder" in proc.stderr
    proc = run_cli("grade", str(lost), "--course", str(ROOT), cwd=tmp_path)
    assert proc.returncode == 2 and "no source notebook for assignment 'lost'" in proc.stderr
    assert MODULE in proc.stderr


def test_doctor_reports_sources_and_torchvision_ops():
    proc = run_cli("doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "torchvision operators: OK" in proc.stdout
    for name in ("nbgrader", "torch", "torchvision"):
        assert name in proc.stdout
    assert "offline data sources" in proc.stdout and "CNNCOURSE_DATA" in proc.stdout
    assert "Fashion-MNIST (full set)" in proc.stdout and "Fashion-MNIST course subset" in proc.stdout


def test_doctor_flags_broken_torchvision_ops(monkeypatch, capsys):
    monkeypatch.setattr(cli, "torchvision_ops_status", lambda: (False, "RuntimeError: operator torchvision::nms does not exist"))
    assert cli.doctor() == 1
    out = capsys.readouterr().out
    assert "torchvision operators: BROKEN" in out and "1 problem(s) found" in out


def test_console_script_is_declared():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'cnncourse = "cnncourse.cli:main"' in text
    assert json.loads(json.dumps(cli.PACKAGES))  # plain strings
