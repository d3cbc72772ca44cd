"""Shared fixtures: the repository layout and a scratch nbgrader course directory."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from cnncourse import course

matplotlib.use("Agg")  # before any test module imports pyplot: figures render off-screen
# Nothing at test time may use the network: loaders skip their download step.  Set in the
# environment, so notebook kernels and nbgrader subprocesses inherit it.
os.environ["CNNCOURSE_OFFLINE"] = "1"

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # shared test modules (submissions, checks.suite, ...)

MODULES = list(course.ids())  # tests/test_course.py checks solutions/ holds exactly these


def nbgrader(args, cwd, check=True):
    """Run the nbgrader command line (with this venv's scripts, e.g. alembic, on PATH)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def read_nb(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_nb(path, nb):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


@pytest.fixture(scope="session")
def course_dir(tmp_path_factory):
    """A copy of the course (config + solutions) with every assignment generated once."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", course / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for module in MODULES:
        nbgrader(["generate_assignment", module, "--force"], cwd=course)
    return course


@pytest.fixture(autouse=True)
def close_figures():
    """No figure outlives its test."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def as_student(func):
    """``func`` (a reference, or a mistake's variant built on one) as if a student had written it.

    A new function, not marked as the reference, that runs ``func`` with the reference guard
    lifted, so that a check accepts it as the student's and its calls to references work.
    """
    from cnncourse.ref import _guard

    def student(*args, **kwargs):
        with _guard.trusted_code():
            return func(*args, **kwargs)

    student.__name__ = getattr(func, "__name__", "student")
    return student


unguarded = as_student  # the name the reference tests use: a reference's code, callable during a check


class Spy:
    """Wraps a function and records the arguments of every call (``calls``: a list of (args, kwargs)).

    >>> spy = Spy(max)
    >>> spy(1, 2), spy.calls
    (2, [((1, 2), {})])
    """

    def __init__(self, func):
        self.func, self.calls = func, []
        self.__name__ = getattr(func, "__name__", "spy")

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.func(*args, **kwargs)


@pytest.fixture
def one_torch_thread():
    """Torch on one thread, as in the grader (``runner._one_thread``): reproducible to the bit, and on a
    busy machine many times faster than torch's default for the course's small models."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def as_tensor(a):
    """``a`` as a torch tensor of the same dtype (no copy): the input side of an oracle comparison."""
    import numpy as np
    import torch

    return torch.from_numpy(np.ascontiguousarray(a))


def leaf(a, grad=False):
    """``a`` as a float64 torch tensor, a leaf for autograd when ``grad``."""
    import numpy as np
    import torch

    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def stop_process_group(proc, timeout=20):
    """Stop a server started with ``start_new_session=True`` (e.g. `make lab`) and all its children."""
    import signal

    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
