"""The standard tests every module's checks get: accept correct code, reject buggy code with the
intended message, accept the reference's own code, reach every listed mistake, and agree with
the trusted grader.

A test module defines its tables and calls ``globals().update(suite.standard_tests(...))``.
"""

import atexit
import inspect
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import as_student

from checks import bank as bank_

from cnncourse.checks import CheckFailed

_WORKERS = {}


def remote(student):
    """``student`` as the trusted grader sees it: its module's source runs in a sandboxed worker."""
    from cnncourse.grading import client, sandbox

    source_file = inspect.getsourcefile(sys.modules[student.__module__])
    if source_file not in _WORKERS:
        pkg = sandbox.build_student_package(Path(tempfile.mkdtemp(prefix="suite-pkg-")))
        worker = client.Worker(Path(tempfile.mkdtemp(prefix="suite-work-")), pkg)
        reply = worker.run_cell(Path(source_file).read_text(encoding="utf-8"))
        assert reply["error"] is None, reply["error"]
        _WORKERS[source_file] = worker
        atexit.register(worker.close)
    return _WORKERS[source_file].function(student.__name__)


def _sendable(student):
    module = sys.modules.get(getattr(student, "__module__", ""))
    return (module is not None and module.__name__.rpartition(".")[2].startswith("impls_")
            and getattr(module, getattr(student, "__name__", ""), None) is student)


def _outcome(check, student, hidden):
    try:
        check(student, hidden=hidden)
    except CheckFailed as exc:
        return str(exc)
    return "passed"


def _id(item):
    return f"{item[0].__name__[6:]}-{getattr(item[1], '__name__', '')}"


def mistake_student(mistake, reference):
    """The mistake's variant as a student's function (for the module-04 runners, the function they run)."""
    variant = mistake.variant(reference)
    return as_student(getattr(variant, "inner", variant))


def standard_tests(correct, buggy, references, mistake_tables, reject_modes=(False, True)):
    """Test functions for one module's checks (pytest collects them from the module's globals).

    correct: [(check, student)], buggy: [(check, student, text the failure must contain)],
    references: [(check, reference)], mistake_tables: [(check, reference, [Mistake, ...])]
    (reference None where the mistakes are whole functions).
    """

    @pytest.mark.parametrize("hidden", [False, True])
    @pytest.mark.parametrize("check, student", correct, ids=[_id(c) for c in correct])
    def test_check_accepts_correct_code(check, student, hidden, capsys):
        assert check(student, hidden=hidden) is None  # a value would become nbgrader partial credit
        assert " passed" in capsys.readouterr().out

    @pytest.mark.parametrize("check, reference", references, ids=[_id(r) for r in references])
    def test_check_accepts_the_reference_code(check, reference):
        assert check(as_student(reference), hidden=True) is None

    @pytest.mark.parametrize("hidden", list(reject_modes))
    @pytest.mark.parametrize("check, student, expected", buggy, ids=[_id(b) for b in buggy])
    def test_check_rejects_buggy_code_with_the_right_hint(check, student, expected, hidden):
        with pytest.raises(CheckFailed) as info:
            check(student, hidden=hidden)
        assert expected in str(info.value)
        assert str(info.value).startswith(check.__name__[6:] + "() failed on case '")

    def test_every_graded_function_has_at_least_five_known_wrong_variants():
        """Buggy student code and listed mistakes together: at least five for every checked function."""
        counts = {check: 0 for check, _ in correct}
        for check, _, _ in buggy:
            counts[check] += 1
        for check, _, mistakes in mistake_tables:
            counts[check] += len(mistakes)
        assert min(counts.values()) >= 5, {check.__name__: n for check, n in counts.items() if n < 5}

    @pytest.mark.parametrize("check, reference, mistakes", mistake_tables, ids=[t[0].__name__ for t in mistake_tables])
    def test_every_listed_mistake_is_reachable(check, reference, mistakes):
        """Each mistake's variant, handed in as the student's code, fails with that mistake's hint."""
        for mistake in mistakes:
            with pytest.raises(CheckFailed) as info:
                check(mistake_student(mistake, reference))
            message = str(info.value)
            assert message.startswith(check.__name__[6:] + "() failed on case '"), (mistake.name, message)
            assert f"Hint: {mistake.name}: {mistake.hint}" in message, (mistake.name, message)

    # Every student-style implementation written at the top level of an impls_* module (the grader
    # can send those to the worker as source; closures made in a test module it cannot).
    sendable = [(item[0], item[1]) for item in [*correct, *buggy] if _sendable(item[1])]

    @pytest.mark.parametrize("check, student", sendable, ids=[_id(item) for item in sendable])
    def test_trusted_grader_agrees_with_the_notebook(check, student, capsys):
        """The same verdict and message when the function runs in the grading sandbox (DESIGN.md §5).

        Both sides use one torch thread, as the grader does (``runner._one_thread``): Adam turns
        the last-bit differences of another thread count into visible ones on tiny gradients.
        """
        from cnncourse.grading import runner

        runner._one_thread()
        local = _outcome(check, student, hidden=True)
        local_out = capsys.readouterr().out
        assert _outcome(check, remote(student), hidden=True) == local
        assert capsys.readouterr().out == local_out

    return {name: value for name, value in locals().items() if name.startswith("test_")}


def bank_tests(module, bank):
    """Test functions for a module's bank of realistic bugs (see :mod:`checks.bank`).

    Every bug is rejected; a bug that declares the hint naming its mistake gets that hint; at
    least ``NAMED_SHARE_GOAL`` of the bank declares one (so at least that share is named).
    """

    @pytest.mark.parametrize("bug", bank, ids=[bug.func.__name__ for bug in bank])
    def test_bank_bug_is_rejected_with_the_hint_naming_it(bug):
        message = bank_.outcome(module, bug)
        assert message is not None, f"{bug.check} passed {bug.func.__name__} ({bug.what})"
        if bug.names is not None:
            assert bank_.is_named(bug, message), (bug.what, bug.names, message)

    def test_bank_is_large_and_mostly_named():
        assert len(bank) >= bank_.MIN_BANK_SIZE, len(bank)
        assert len({bug.func for bug in bank}) == len(bank), "a function is listed twice"
        unnamed = [bug.what for bug in bank if bug.names is None]
        assert 1 - len(unnamed) / len(bank) >= bank_.NAMED_SHARE_GOAL, unnamed

    return {name: value for name, value in locals().items() if name.startswith("test_")}
