"""Every notebook is stored without outputs and executes headless without an error."""

import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

from cnncourse import course

NOTEBOOKS = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*/*.ipynb"),
                    *ROOT.glob("assignments/*/*.ipynb"), ROOT / "index.ipynb"])
EXECUTED = [p for p in NOTEBOOKS if p.relative_to(ROOT).parts[0] in ("notebooks", "solutions")]


def _rel(path):
    return str(Path(path).relative_to(ROOT))


def test_there_are_notebooks_for_module_01():
    names = {_rel(p) for p in NOTEBOOKS}
    first = course.module("01")
    assert {first.lecture, first.solution, first.assignment, "index.ipynb"} <= names


@pytest.mark.parametrize("module", course.MODULES, ids=lambda m: m.id)
def test_every_manifest_module_has_its_notebooks(module):
    """Each module of cnncourse/course.py is collected here: stored without outputs, and executed."""
    names = {_rel(p) for p in NOTEBOOKS}
    assert set(module.paths) <= names, f"{module.id}: missing {sorted(set(module.paths) - names)}"
    assert {module.lecture, module.solution} <= {_rel(p) for p in EXECUTED}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{_rel(path)}: clear outputs before committing"


@pytest.mark.slow
@pytest.mark.parametrize("path", EXECUTED, ids=_rel)
def test_executes_headless(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    print(f"{_rel(path)} executed in {seconds:.1f} s")  # reported with -s; budgets live in benchmarks/


def test_index_links_to_existing_notebooks():
    nb = nbformat.read(ROOT / "index.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    for path in NOTEBOOKS:
        if path.name != "index.ipynb" and "solutions" not in path.parts:
            assert _rel(path) in text, f"index.ipynb does not link {_rel(path)}"
