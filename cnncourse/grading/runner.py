"""Grade one notebook on the trusted side: student cells in the sandbox, test cells here.

The notebook is walked in order, as a kernel would run it.  A student cell (anything that
is not an nbgrader test cell) runs in the sandboxed worker, and its printed output and
error become the cell's outputs.  A test cell's source (the instructor's, restored by
nbgrader's ``OverwriteCells``) runs in *this* process, with ``checks`` the real checks
(imported before the first student cell runs and never reloaded from disk, see
:class:`_GraderChecks`) and every other name looked up in the student's notebook: a function becomes a
:class:`~cnncourse.grading.client.RemoteFunction`, a plain value is copied over.  So the
checks, the references, the expected values and the comparison never enter the
student's process, and the student's code never enters this one.

A fault of the worker (crash, timeout, memory, output flood) costs only the test cell that
was running; the worker is restarted and the student cells run so far are run again.
Every fault is returned as a :class:`Flag` for the instructor.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import io
import os
import pathlib
import re
import shutil
import sys
import tempfile
import time

import nbformat

from . import client, sandbox

#: Wall-clock safety net for the whole notebook (seconds), on top of the per-request one.
NOTEBOOK_SECONDS = 3600


@dataclasses.dataclass
class Flag:
    """Something the instructor should look at; ``grade_id`` is None for a student cell."""

    kind: str
    detail: str
    grade_id: str | None = None
    cell_index: int | None = None

    def text(self) -> str:
        where = f"test {self.grade_id}" if self.grade_id else f"cell {self.cell_index}"
        return f"{where}: {client.FAULT_KINDS.get(self.kind, self.kind)}: {self.detail}"


def is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def _error(ename, evalue, lines=None):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=lines or [f"{ename}: {evalue}"])


class _TestNamespace(dict):
    """Locals of a test cell: names the cell did not bind are looked up in the student's notebook."""

    def __init__(self, get_worker, preset):
        super().__init__(preset)
        self._get_worker = get_worker  # the live worker (restarted after a fault)

    def __missing__(self, name):
        if hasattr(builtins, name):
            raise KeyError(name)
        worker = self._get_worker()
        found = worker.lookup(name)
        kind = found.get("kind")
        if kind == "callable":
            return worker.function(name)
        if kind == "value":
            return worker.decode(found.get("value"))
        if kind == "object":  # not plain data and not callable: the checks only take functions
            raise TypeError(f"{name} is a {found.get('type', 'object')} in the notebook; a test cell can only "
                            "pass the notebook's functions and plain values to the checks")
        raise KeyError(name)


def _student_output(reply):
    outputs = []
    for name in ("stdout", "stderr"):
        text = reply.get(name) or ""
        if isinstance(text, str) and text:
            outputs.append(_stream(name, text))
    err = reply.get("error")
    if isinstance(err, dict):
        outputs.append(_error(str(err.get("type", "Error")), str(err.get("message", ""))))
    return outputs


def _one_thread():
    """Compute the references with the worker's thread count (1), so float results agree to the bit."""
    os.environ["OMP_NUM_THREADS"] = "1"  # read when torch is first imported
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # likewise: waiting threads sleep
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


class _GraderChecks:
    """``checks`` in a test cell the grader runs: the grader's own package, loaded before any student cell ran.

    In a notebook's kernel ``checks.hidden()`` reloads the package from disk, to undo what the
    notebook patched. Nothing a student writes reaches the grader's process, so here it returns
    the package as loaded: re-reading the source mid-run would pick up whatever a submission
    graded in the fallback sandbox, as the grading user, wrote into the package meanwhile
    (a concurrent run's, too), and reloading would also re-execute the grader's own modules.
    """

    def __init__(self, package):
        self._package = package

    def __getattr__(self, name):
        return getattr(self._package, name)

    def hidden(self):
        return self

    def fresh(self):
        return self


_CHECKS_USED = re.compile(r"\bchecks\.(?:(?:hidden|fresh)\(\)\.)?([A-Za-z_][A-Za-z0-9_]*)")


def load_checks(nb):
    """Import every checks module the notebook's test cells name, before any of its student cells runs."""
    from .. import checks

    for cell in nb.cells:
        if is_test_cell(cell):
            for name in set(_CHECKS_USED.findall(cell.source)) & set(checks.MODULES):
                getattr(checks, name)  # the package imports a checks module on first access
    return checks


class NotebookGrader:
    """Run one notebook's cells (see the module docstring); ``grade(nb)`` fills in outputs and returns flags."""

    def __init__(self, workdir, course=None, limits: sandbox.Limits | None = None, mode: str | None = None):
        self.workdir = pathlib.Path(workdir)
        self.course = pathlib.Path(course) if course else None
        self.limits = limits or sandbox.Limits.from_env()
        self.mode = mode or sandbox.mode()
        self.flags: list[Flag] = []
        self.worker: client.Worker | None = None
        self._replay: list[str] = []

    def _worker(self):
        if self.worker is None or self.worker.dead is not None:
            self.worker = client.Worker(self.workdir, self._pkg, self.limits, self.mode)
            for source in self._replay:  # the state the next cell expects
                self.worker.run_cell(source)
        return self.worker

    def grade(self, nb) -> list[Flag]:
        self._checks = _GraderChecks(load_checks(nb))
        scratch = pathlib.Path(tempfile.mkdtemp(prefix="cnncourse-student-pkg-"))
        self._pkg = sandbox.build_student_package(scratch)
        snapshot = sandbox.Snapshot(sandbox.fallback_watch_list(self.course)) if self.mode == "fallback" else None
        started = time.monotonic()
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                cell.outputs = []
                cell.execution_count = None
                if time.monotonic() - started > NOTEBOOK_SECONDS:
                    self._flag_cell(cell, index, client.WorkerFault(
                        "timeout", f"the notebook ran longer than {NOTEBOOK_SECONDS} s; this cell was not run"))
                    continue
                if is_test_cell(cell):
                    self._run_test(cell, index)
                else:
                    self._run_student(cell, index)
        finally:
            if self.worker is not None:
                self.worker.close()
            shutil.rmtree(scratch, ignore_errors=True)
            if snapshot is not None:
                changed = snapshot.changed()
                if changed:
                    snapshot.restore(changed)
                    shown = ", ".join(str(p) for p in changed[:5]) + (" …" if len(changed) > 5 else "")
                    self.flags.append(Flag("tampered", f"the submission changed {len(changed)} course file(s), "
                                                       f"restored: {shown}"))
        return self.flags

    def _flag_cell(self, cell, index, fault):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id") if is_test_cell(cell) else None
        first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
        detail = fault.detail if grade_id else f"{fault.detail} (the cell starting `{first[:60]}`)"
        flag = Flag(fault.kind, detail, grade_id, index)
        self.flags.append(flag)
        cell.outputs.append(_error("GradingFault", f"flagged for your instructor: {flag.text()}"))

    def _run_student(self, cell, index):
        source = cell.source
        try:
            reply = self._worker().run_cell(source)
        except client.WorkerFault as fault:
            self._flag_cell(cell, index, fault)
            return
        self._replay.append(source)
        cell.outputs.extend(_student_output(reply))

    def _run_test(self, cell, index):
        from .. import checks

        _one_thread()
        ns = _TestNamespace(self._worker, {"checks": self._checks})
        out = io.StringIO()
        error = None
        try:
            code = compile(cell.source, f"<test cell {cell.metadata.nbgrader.get('grade_id')}>", "exec")
            with contextlib.redirect_stdout(out):
                exec(code, {"__builtins__": builtins, "__name__": "__grader__"}, ns)  # noqa: S102 - instructor code
        except client.WorkerFault as fault:
            if out.getvalue():
                cell.outputs.append(_stream("stdout", out.getvalue()))
            self._flag_cell(cell, index, fault)
            return
        except checks.CheckFailed as exc:
            error = _error("CheckFailed", str(exc), [str(exc)])
        except Exception as exc:  # noqa: BLE001 - reported in the cell, like a kernel would (a student's NameError too)
            error = _error(type(exc).__name__, str(exc))
        if out.getvalue():
            cell.outputs.append(_stream("stdout", out.getvalue()))
        if error is not None:
            cell.outputs.append(error)
