"""The trust boundary in the tree: the student side imports the trusted packages only inside functions.

The grading sandbox leaves the trusted packages (references, checks, grader) out of the student's
process by package (``sandbox.TRUSTED_PARTS``), so every other module must import without them.
"""

import ast
import pathlib
import subprocess
import sys

import pytest
from conftest import ROOT

from cnncourse.grading import sandbox

PACKAGE = ROOT / "cnncourse"


def _student_side_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] not in sandbox.TRUSTED_PARTS:
            yield rel


def _module_level_imports(source, rel):
    """(line, imported module) of every import in ``source`` (cnncourse/``rel``) that runs at import time."""
    tree = ast.parse(source)
    folder = ["cnncourse", *rel.parts[:-1]]

    def walk(nodes):
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue  # runs only when called
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against the package
                    base = folder[: len(folder) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}" if module == "cnncourse" else module
            elif isinstance(node, ast.ClassDef):
                yield from walk(node.body)
            else:
                yield from walk(ast.iter_child_nodes(node))

    return list(walk(tree.body))


def _trusted(module):
    parts = module.split(".")
    return len(parts) >= 2 and parts[0] == "cnncourse" and parts[1] in sandbox.TRUSTED_PARTS


def test_trusted_parts_are_packages():
    for part in sandbox.TRUSTED_PARTS:
        assert (PACKAGE / part / "__init__.py").is_file(), part


@pytest.mark.parametrize("rel", list(_student_side_modules()), ids=str)
def test_student_side_module_imports_no_trusted_package_at_import_time(rel):
    source = (PACKAGE / rel).read_text(encoding="utf-8")
    bad = [(line, mod) for line, mod in _module_level_imports(source, rel) if _trusted(mod)]
    assert not bad, (f"cnncourse/{rel} imports trusted code when it is imported: {bad}. Import it inside the "
                     "function that needs it, so the module still imports in the grading sandbox.")


def test_the_checker_sees_relative_and_absolute_imports():
    """The AST walk above must catch every spelling (a check that could not fail would prove nothing)."""
    source = ("from ..ref import conv\nimport cnncourse.checks\nfrom cnncourse import grading\nfrom .. import torch_ref\n"
              "from . import _base\nclass A:\n    from ..ref import pool\ndef f():\n    from ..ref import layers\n")
    found = [mod for _, mod in _module_level_imports(source, pathlib.PurePath("plot", "x.py")) if _trusted(mod)]
    assert found == ["cnncourse.ref", "cnncourse.checks", "cnncourse.grading", "cnncourse.torch_ref", "cnncourse.ref"]
def test_every_student_side_module_imports_in_the_student_copy(tmp_path):
    pkg = sandbox.build_student_package(tmp_path)
    names = []
    for rel in _student_side_modules():
        if rel.name == "__main__.py":
            continue
        parts = ["cnncourse", *rel.with_suffix("").parts]
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    code = ("import importlib, sys\nbad = []\nfor name in sys.argv[1:]:\n    try:\n        importlib.import_module(name)\n"
            "    except Exception as exc:\n        bad.append(f'{name}: {type(exc).__name__}: {exc}')\n"
            f"assert importlib.import_module('cnncourse').__file__.startswith({str(pkg)!r}), 'the real package'\n"
            "print('\\n'.join(bad))")
    done = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(pkg), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
                               "HOME": str(tmp_path), "CNNCOURSE_OFFLINE": "1"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"student-side modules that fail to import without the trusted side:\n{done.stdout}"
    assert "cnncourse.plot" in names and "cnncourse.helpers.toy_net" in names


def test_trusted_packages_say_why_they_are_missing_in_the_student_copy(tmp_path):
    pkg = sandbox.build_student_package(tmp_path)
    code = "import cnncourse.ref.conv"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(pkg), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert "ImportError: cnncourse.ref holds the course's reference solutions; it is not available while your " \
           "notebook is graded" in done.stderr


@pytest.mark.parametrize("rel", list(_student_side_modules()), ids=str)
def test_no_reference_lives_on_the_student_side(rel):
    """References are hidden by package, so a ``@reference`` outside the trusted packages would reach the worker."""
    tree = ast.parse((PACKAGE / rel).read_text(encoding="utf-8"))
    decorated = [node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                 for d in node.decorator_list if "reference" in ast.unparse(d)]
    guard = [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
             and "_guard" in ast.unparse(node)]
    assert not decorated and not guard, f"cnncourse/{rel}: move {decorated or guard} into cnncourse/ref or torch_ref"


def test_student_copy_holds_code_and_shipped_data_only(tmp_path):
    pkg = sandbox.build_student_package(tmp_path / "pkg") / "cnncourse"
    files = [p.relative_to(pkg) for p in pkg.rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".py" or p.parts[0] == "datasets" for p in files), files
    assert not [p for p in files if any(part.startswith(".") for part in p.parts)]
    assert (pkg / "datasets" / "fashion_mnist_subset" / "train-images-idx3-ubyte.gz").is_file()
