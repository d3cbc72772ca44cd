"""nbgrader preprocessors that put the trusted grader into ``nbgrader autograde``.

``nbgrader_config.py`` replaces nbgrader's ``Execute`` (which runs the whole notebook, test
cells included, in one kernel the student's code controls) with :class:`TrustedExecute`,
adds :class:`RecordFlags` after ``SaveAutoGrades``, and replaces ``DeduplicateIds`` with
:class:`SafeDeduplicateIds`.  Everything else is nbgrader's own: ``OverwriteCells``
restores the instructor's test cells, ``SaveAutoGrades`` scores a test cell full marks
unless it has an error output, and the feedback shows the outputs written here.

Faults are flagged where the instructor looks: the grade gets ``needs_manual_grade`` (the
formgrader lists it), the function's solution cell gets an automatic comment starting with
:data:`FLAG_PREFIX` (the feedback shows it), and the test cell's output says what happened.
A crash in an ordinary cell costs nothing; it is explained in the first solution cell's
comment.  Files changed by a submission (fallback sandbox) flag its first grade.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from . import runner

FLAG_PREFIX = "cnncourse flag:"


def flag_texts(comments) -> list[str]:
    """What the grader flagged, from nbgrader comments (objects with ``auto_comment``), prefix removed."""
    return [line[len(FLAG_PREFIX):].strip() for c in comments for line in (c.auto_comment or "").splitlines()
            if line.startswith(FLAG_PREFIX)]


class TrustedExecute(NbGraderPreprocessor):
    """Run the student's cells in the sandboxed worker and the test cells on the trusted side."""

    sandbox = Unicode("", help="'bwrap', 'fallback', or '' for CNNCOURSE_SANDBOX / auto-detection.").tag(config=True)

    def preprocess(self, nb, resources):
        course = pathlib.Path(os.getcwd())
        workdir = pathlib.Path(tempfile.mkdtemp(prefix="cnncourse-work-"))  # the worker sees no submitted files
        try:
            grader = runner.NotebookGrader(workdir, course=course, mode=self.sandbox or None)
            if grader.mode == "fallback":
                self.log.warning("cnncourse: grading in the fallback sandbox (bubblewrap is missing or cannot run): "
                                 "files the grading user can read stay readable to the submission; install "
                                 "bubblewrap to grade a class (see cnncourse/grading/sandbox.py)")
            flags = grader.grade(nb)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        resources.setdefault("nbgrader", {})["cnncourse_flags"] = flags
        for flag in flags:
            self.log.warning("cnncourse: flagged %s", flag.text())
        return nb, resources


class RecordFlags(NbGraderPreprocessor):
    """Mark flagged grades ``needs_manual_grade`` and explain them in an automatic comment."""

    def preprocess(self, nb, resources):
        flags = resources.get("nbgrader", {}).get("cnncourse_flags") or []
        if not flags:
            return nb, resources
        info = resources["nbgrader"]
        notebook, assignment, student = info["notebook"], info["assignment"], info["student"]
        grades = [c.metadata.nbgrader["grade_id"] for c in nb.cells if utils.is_grade(c)]
        solutions = [c.metadata.nbgrader["grade_id"] for c in nb.cells if utils.is_solution(c)]
        with Gradebook(info["db_url"]) as gb:
            texts: dict[str, list[str]] = {}
            for flag in flags:
                # A fault in a test cell flags that test; tampering flags the submission (its first grade);
                # a crash in an ordinary cell cost nothing and is only explained in the comment.
                targets = ([flag.grade_id] if flag.grade_id in grades
                           else grades[:1] if flag.kind == "tampered" else [])
                for grade_id in targets:
                    grade = gb.find_grade(grade_id, notebook, assignment, student)
                    grade.needs_manual_grade = True
                solution = (flag.grade_id[len("test_"):] if flag.grade_id and flag.grade_id.startswith("test_")
                            else None)
                solution = solution if solution in solutions else (solutions[0] if solutions else None)
                if solution is not None:
                    texts.setdefault(solution, []).append(flag.text())
            for solution, lines in texts.items():
                try:
                    comment = gb.find_comment(solution, notebook, assignment, student)
                except MissingEntry:
                    continue
                comment.auto_comment = "\n".join(f"{FLAG_PREFIX} {line}" for line in lines)
            gb.db.commit()
        return nb, resources


class SafeDeduplicateIds(NbGraderPreprocessor):
    """Like nbgrader's ``DeduplicateIds``, but a duplicated cell loses its nbgrader metadata entirely.

    A student who copies a cell in JupyterLab copies its metadata too.  nbgrader keeps the
    last copy and blanks the others' metadata to ``{}``, which later preprocessors read as
    a grade cell without a ``grade_id`` (``KeyError: 'grade_id'``: the whole submission scores
    0).  Removing the key makes the copy an ordinary cell.
    """

    def preprocess(self, nb, resources):
        seen = set()
        for cell in reversed(nb.cells):
            meta = cell.get("metadata", {})
            if "nbgrader" not in meta:
                continue
            grade_id = meta["nbgrader"].get("grade_id")
            if grade_id is None or grade_id in seen:
                if grade_id is not None:
                    self.log.warning("Cell with id '%s' exists multiple times; the earlier copy is graded as an "
                                     "ordinary cell", grade_id)
                del meta["nbgrader"]
            else:
                seen.add(grade_id)
        return nb, resources
