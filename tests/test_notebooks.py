"""Every notebook is stored without outputs, in the form JupyterLab saves, and executes headless.

The solutions execute here; the lectures execute in `make book` (tests/test_book.py), which
renders their outputs into the course site, so no lecture runs twice in the suite.
"""

import importlib.util
import json
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

from cnncourse import course

NOTEBOOKS = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*/*.ipynb"),
                    *ROOT.glob("assignments/*/*.ipynb"), ROOT / "index.ipynb"])
EXECUTED = [p for p in NOTEBOOKS if p.relative_to(ROOT).parts[0] == "solutions"]


def _notebook_format():
    spec = importlib.util.spec_from_file_location("notebook_format", ROOT / "jupyter" / "notebook_format.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


notebook_format = _notebook_format()


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
    assert module.solution in {_rel(p) for p in EXECUTED}  # the lecture: tests/test_book.py


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{_rel(path)}: clear outputs before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_stored_as_jupyterlab_saves_it(path):
    """Else the notebook is marked modified as soon as it opens (jupyter/notebook_format.py says why)."""
    text = path.read_text(encoding="utf-8")
    assert notebook_format.stored_text(json.loads(text)) == text, (
        f"{_rel(path)} is not in the course's stored form: run `make normalize` (then commit it and assignments/)")


def _old_notebook():
    # as the notebooks were stored before `make normalize`: JupyterLab rewrites both metadata
    # entries when the kernel connects, and nbformat 4.4 has no cell ids
    return {"nbformat": 4, "nbformat_minor": 4,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}},
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# 01 · Title"]},
                      {"cell_type": "code", "metadata": {"trusted": True}, "source": "x = 1",
                       "outputs": [], "execution_count": None}]}


def test_normalize_gives_the_stored_form_once_and_for_all():
    old = _old_notebook()
    text = json.dumps(old, indent=1) + "\n"
    stored = notebook_format.stored_text(old)
    assert stored != text  # the stored-form test above fails on an unnormalised notebook
    assert notebook_format.stored_text(json.loads(stored)) == stored  # idempotent
    nb = json.loads(stored)
    assert nb["nbformat_minor"] == 5 and all(c.get("id") for c in nb["cells"])
    assert nb["metadata"]["kernelspec"] == notebook_format.KERNELSPEC
    assert nb["metadata"]["language_info"] == notebook_format.LANGUAGE_INFO  # no machine-dependent version
    assert "trusted" not in nb["cells"][1]["metadata"]
    assert ["".join(c["source"]) for c in nb["cells"]] == ["# 01 · Title", "x = 1"]
    assert old == _old_notebook()  # the input is not changed


def test_normalize_keeps_another_kernels_metadata():
    nb = dict(_old_notebook(), metadata={"kernelspec": {"display_name": "R", "language": "R", "name": "ir"},
                                         "language_info": {"name": "R"}})
    assert json.loads(notebook_format.stored_text(nb))["metadata"] == nb["metadata"]


def test_served_notebooks_carry_the_kernels_language_info():
    import sys

    nb = notebook_format.as_served(_old_notebook())
    assert nb["metadata"]["kernelspec"] == notebook_format.KERNELSPEC
    assert nb["metadata"]["language_info"] == {**notebook_format.LANGUAGE_INFO, "version": sys.version.split()[0]}


def test_normalize_command_checks_and_rewrites(tmp_path, capsys):
    path = tmp_path / "nb" / "old.ipynb"
    path.parent.mkdir()
    path.write_text(json.dumps(_old_notebook(), indent=1) + "\n", encoding="utf-8")
    assert notebook_format.main(["--check", str(tmp_path)]) == 1
    assert notebook_format.main([str(tmp_path)]) == 0
    assert notebook_format.main(["--check", str(path)]) == 0
    assert "normalised: " in capsys.readouterr().out


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
