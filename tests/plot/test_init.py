"""Tests for the cnncourse.plot facade: every name re-exported and typed, an import that stays light.

The sandbox test covers :mod:`cnncourse.widgets` and :mod:`cnncourse.timing` too: the student-side
modules a lecture or an assignment imports next to ``plot``.
"""

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest

from cnncourse import plot, widgets
from cnncourse.grading import sandbox

SUBMODULES = [f"cnncourse.plot.{info.name}" for info in pkgutil.iter_modules(plot.__path__)]
TRUSTED = tuple(f"cnncourse.{part}" for part in sandbox.TRUSTED_PARTS)


def test_importing_plot_does_not_import_torch():
    code = "import sys, cnncourse.plot; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_plot_and_widgets_imports_neither_torch_nor_trusted_code():
    code = ("import sys, cnncourse.plot, cnncourse.widgets, cnncourse.timing; "
            f"print(sorted(m for m in sys.modules if m == 'torch' or m.startswith({TRUSTED!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_plot_and_widgets_import_in_the_grading_sandbox(tmp_path):
    """The student copy replaces ref/torch_ref/checks/grading by stubs that raise ImportError."""
    pkg = sandbox.build_student_package(tmp_path / "student")
    code = ("import sys\nfrom cnncourse import plot, timing, widgets\nimport cnncourse\n"
            "assert cnncourse.__file__.startswith(sys.argv[1]), cnncourse.__file__\n"
            "plot.show_matrix([[1, 2], [3, 4]])  # needs no reference\n"
            "try:\n    plot.conv_step([[1.0, 2.0], [3.0, 4.0]], [[1.0]], 0, 0)\n"
            "except ImportError as exc:\n    print('stub:', exc)\n")
    done = subprocess.run([sys.executable, "-c", code, str(pkg)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={"PYTHONPATH": str(pkg), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
                               "HOME": str(tmp_path), "CNNCOURSE_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("stub: cnncourse.ref holds the course's reference solutions"), done.stdout


@pytest.mark.parametrize("name", SUBMODULES)
def test_the_facade_exports_every_public_function(name):
    module = importlib.import_module(name)
    public = [n for n, obj in vars(module).items()
              if not n.startswith("_") and inspect.isfunction(obj) and obj.__module__ == name]
    for n in public:
        assert getattr(plot, n) is getattr(module, n), f"plot.{n} is not {name}.{n}"
        assert n in plot.__all__


def test_every_exported_name_exists_once():
    assert len(plot.__all__) == len(set(plot.__all__))
    assert [n for n in plot.__all__ if not hasattr(plot, n)] == []
    assert {"MAX_ANNOTATED", "MAX_ANNOTATED_STEP", "SMALL_CNN"} <= set(plot.__all__)


@pytest.mark.parametrize("package", [plot, widgets], ids=lambda p: p.__name__)
def test_public_functions_have_type_hints(package):
    untyped = []
    for name in package.__all__:
        obj = getattr(package, name)
        functions = [obj] if inspect.isfunction(obj) else [
            f for n, f in vars(obj).items() if inspect.isfunction(f) and (not n.startswith("_") or n == "__init__")
        ] if inspect.isclass(obj) else []
        for f in functions:
            sig = inspect.signature(f)
            missing = [p for p in sig.parameters.values() if p.name != "self" and p.annotation is p.empty]
            if missing or sig.return_annotation is sig.empty:
                untyped.append(f.__qualname__)
    assert untyped == []
