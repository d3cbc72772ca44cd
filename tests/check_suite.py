"""The standard tests every module's checks get: accept correct code, reject buggy code with the
intended hint, accept the reference's own code, reach every listed mistake.

A test module defines its tables and calls ``globals().update(check_suite.standard_tests(...))``.
"""

import pytest

from cnncourse.checks import CheckFailed
from conftest import unguarded


def _id(item):
    return f"{item[0].__name__[6:]}-{getattr(item[1], '__name__', '')}"


def standard_tests(correct, buggy, references, mistake_tables, reject_modes=(False, True)):
    """Test functions for one module's checks (pytest collects them from the module's globals).

    correct: [(check, student)], buggy: [(check, student, text the failure must contain)],
    references: [(check, reference)], mistake_tables: [(check, [Mistake, ...])].
    """

    @pytest.mark.parametrize("hidden", [False, True])
    @pytest.mark.parametrize("check, student", correct, ids=[_id(c) for c in correct])
    def test_check_accepts_correct_code(check, student, hidden, capsys):
        assert check(student, hidden=hidden) is None  # a value would become nbgrader partial credit
        assert " passed" in capsys.readouterr().out

    @pytest.mark.parametrize("check, reference", references, ids=[_id(r) for r in references])
    def test_check_accepts_the_reference_code(check, reference):
        assert check(unguarded(reference), hidden=True) is None

    @pytest.mark.parametrize("hidden", list(reject_modes))
    @pytest.mark.parametrize("check, student, expected", buggy, ids=[_id(b) for b in buggy])
    def test_check_rejects_buggy_code_with_the_right_hint(check, student, expected, hidden):
        with pytest.raises(CheckFailed) as info:
            check(student, hidden=hidden)
        assert expected in str(info.value)
        assert str(info.value).startswith(check.__name__[6:] + "() failed on case '")

    def test_every_graded_function_has_at_least_five_buggy_variants():
        counts = {}
        for check, _, _ in buggy:
            counts[check] = counts.get(check, 0) + 1
        assert set(counts) == {c for c, _ in correct} and min(counts.values()) >= 5

    @pytest.mark.parametrize("check, mistakes", mistake_tables, ids=[m[0].__name__ for m in mistake_tables])
    def test_every_listed_mistake_is_reachable(check, mistakes):
        for mistake in mistakes:
            with pytest.raises(CheckFailed) as info:
                check(mistake.func)
            assert f"Hint: {mistake.name}: " in str(info.value), (mistake.name, str(info.value))

    return {name: value for name, value in locals().items() if name.startswith("test_")}
