"""The grading sandbox: the student copy of the package and the worker, in each available mode."""

import pathlib

import numpy as np
import pytest

from cnncourse.grading import client, sandbox

# ------------------------------------------------------------------ the student copy of the package

def test_student_package_has_no_references_checks_or_test_labels(tmp_path):
    pkg = sandbox.build_student_package(tmp_path) / "cnncourse"
    for part in ("ref", "torch_ref", "grading"):  # left out by package: a stub that says why
        assert sorted(p.name for p in (pkg / part).iterdir()) == ["__init__.py"]
        assert "raise ImportError" in (pkg / part / "__init__.py").read_text()
    assert "run_check" not in (pkg / "checks" / "__init__.py").read_text()
    assert sorted(p.name for p in (pkg / "checks").iterdir()) == ["__init__.py"]
    assert not list(pkg.rglob("*t10k-labels*"))
    assert not list(pkg.rglob("filters.py")) and not (pkg / "ref" / "toy_net.py").exists()
    assert (pkg / "helpers" / "toy_net.py").is_file() and (pkg / "helpers" / "training.py").is_file()
    assert (pkg / "worker" / "wire.py").is_file() and (pkg / "worker" / "fixtures.py").is_file()


# ------------------------------------------------------------------ the worker, in each available mode

def _modes():
    modes = ["fallback"]
    if sandbox.bwrap_works():
        modes.append("bwrap")
    return modes


@pytest.fixture(scope="module", params=_modes())
def worker(request, tmp_path_factory):
    pkg = sandbox.build_student_package(tmp_path_factory.mktemp("pkg"))
    work = tmp_path_factory.mktemp("work")
    w = client.Worker(work, pkg, mode=request.param, limits=sandbox.Limits(request_seconds=30))
    yield w
    w.close()


def test_worker_runs_cells_and_calls_functions(worker):
    reply = worker.run_cell("import numpy as np\ndef f(x, k=2):\n    x[0] = 9\n    return x * k\nprint('hi')")
    assert reply["error"] is None and reply["stdout"] == "hi\n"
    x = np.arange(3.0)
    assert worker.function("f")(x, k=3).tolist() == [27.0, 3.0, 6.0]
    assert x.tolist() == [9.0, 1.0, 2.0]  # the in-place change came back


def test_student_exceptions_keep_their_builtin_class_and_line(worker):
    worker.run_cell("def g(n):\n    raise ValueError(f'bad n {n}')")
    with pytest.raises(ValueError, match="bad n 4") as info:
        worker.function("g")(4)
    assert info.value.student_frames[-1][2].strip() == "raise ValueError(f'bad n {n}')"


def test_references_and_checks_are_not_importable_in_the_worker(worker):
    reply = worker.run_cell("import cnncourse.ref.filters as F\nF.correlate2d(np.ones((3, 3)), np.ones((2, 2)))")
    assert reply["error"]["type"] == "ImportError"
    assert "holds the course's reference solutions; it is not available while your notebook is graded" \
        in reply["error"]["message"]
    reply = worker.run_cell("from cnncourse.torch_ref import training")
    assert "not available while your notebook is graded" in reply["error"]["message"]
    reply = worker.run_cell("from cnncourse import checks\nchecks.pixels_and_filters")
    assert "not available while your notebook is graded" in reply["error"]["message"]
    reply = worker.run_cell("import cnncourse.grading")
    assert reply["error"]["type"] == "ImportError" and "not available" in reply["error"]["message"]
    if worker.mode == "bwrap":  # and the real package is not there to be found by path
        reply = worker.run_cell(f"import os\nos.listdir({str(sandbox.PACKAGE)!r})")
        assert reply["error"]["type"] == "FileNotFoundError"
    # else: the documented weakness of the fallback: the real package stays importable by path


def test_callbacks_serve_trusted_functions_to_student_code(worker):
    worker.run_cell("def apply(f, x):\n    return f(x) + 1")
    assert worker.function("apply")(lambda v: float(np.sum(v ** 2)), np.array([1.0, 2.0])) == 6.0


def test_a_dead_worker_raises_a_fault_not_an_exception():
    pkg = sandbox.build_student_package(pathlib.Path(__import__("tempfile").mkdtemp()))
    w = client.Worker(pathlib.Path(__import__("tempfile").mkdtemp()), pkg, mode="fallback")
    try:
        w.run_cell("def die():\n    import os; os._exit(7)")
        with pytest.raises(client.WorkerFault) as info:
            w.function("die")()
        assert info.value.kind == "crashed" and "exit code 7" in info.value.detail
        assert not isinstance(info.value, Exception)  # passes through the checks' `except Exception`
    finally:
        w.close()


@pytest.mark.parametrize("frame, kind", [(b"\x00" * 7 + b"\x05nope!", "protocol"),  # not JSON
                                         (b"\x00" * 8, "protocol"),  # an empty reply
                                         (b"\xff" * 8, "output")])  # far beyond the frame limit
def test_a_garbled_reply_is_a_fault_not_a_test_failure(tmp_path, frame, kind):
    pkg = sandbox.build_student_package(tmp_path / "pkg")
    (tmp_path / "work").mkdir()
    with client.Worker(tmp_path / "work", pkg, mode="fallback") as w:
        with pytest.raises(client.WorkerFault) as info:  # the student writes to the reply channel itself
            w.run_cell(f"import os, sys\nos.write(int(sys.argv[2]), {frame!r})\nimport time; time.sleep(5)")
        assert info.value.kind == kind and w.dead is info.value


def test_sandbox_mode_is_validated(monkeypatch):
    monkeypatch.setenv("CNNCOURSE_SANDBOX", "docker")
    with pytest.raises(ValueError, match="CNNCOURSE_SANDBOX must be one of"):
        sandbox.mode()


def test_bwrap_shows_the_worker_nothing_of_the_machine_but_system_and_python(tmp_path):
    if not sandbox.bwrap_works():
        pytest.skip("bubblewrap is not installed or cannot run here (Debian: apt-get install bubblewrap)")
    from conftest import ROOT

    pkg = sandbox.build_student_package(tmp_path / "pkg")
    (tmp_path / "work").mkdir()
    with client.Worker(tmp_path / "work", pkg, mode="bwrap") as w:
        probe = (f"import os, pathlib\nprint(os.path.exists({str(ROOT / 'solutions')!r}), "
                 f"os.path.exists({str(pathlib.Path.home() / '.cache')!r}), os.getuid(), "
                 "sorted(os.listdir('/tmp')))")
        reply = w.run_cell(probe)
    assert reply["stdout"].strip() == "False False 1000 ['cnncourse-student', 'home', 'mpl', 'work']" or \
        reply["stdout"].startswith("False False 1000"), reply
