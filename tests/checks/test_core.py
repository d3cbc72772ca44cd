"""cnncourse.checks._core: mistakes as transforms of the reference, the output cache, quiet variants, properties.

The cascade, the messages and every course check are exercised through the module tests
(test_pixels_and_filters.py ...); these tests pin what those do not show directly.
"""

import numpy as np
import pytest

from cnncourse.checks import Case, CheckFailed, Mismatch, Mistake, Property, check_properties, run_check


def _double(x):
    return 2 * x


CASES = [Case("two numbers", (np.array([1.0, 3.0]),))]


def test_a_mistake_is_a_function_or_transforms_of_the_reference_not_both():
    with pytest.raises(TypeError, match="give either func or args/output transforms"):
        Mistake("nothing", hint="...")
    with pytest.raises(TypeError, match="give either func or args/output transforms"):
        Mistake("both", lambda x: x, "...", args={"x": 1})


def test_transforms_see_the_arguments_by_name_with_defaults_filled_in():
    def pad(x, width=1):
        return np.pad(x, width)

    seen = {}
    mistake = Mistake("twice", args=lambda a: seen.update(width=a.width) or {"width": 2 * a.width},
                      output=lambda out, a: (out, a.width), hint="...")
    out, width = mistake.variant(pad)(np.ones(1))
    assert seen == {"width": 1} and width == 1 and out.shape == (5,)  # the output transform sees the original args


def test_reference_and_variant_outputs_are_computed_once_for_the_same_inputs():
    calls = []

    def reference(x):
        calls.append("reference")
        return _double(x)

    squared = Mistake("squared", output=lambda out, a: calls.append("variant") or a.x ** 2, hint="double it.")
    for _ in range(2):
        with pytest.raises(CheckFailed, match="Hint: squared: double it."):
            run_check(lambda x: x * x, reference=reference, cases=CASES, mistakes=[squared])
    assert calls == ["reference", "reference", "variant"]  # expected output, then the variant (built on the reference)
    calls.clear()
    for _ in range(2):
        with pytest.raises(CheckFailed, match="Hint: squared"):
            run_check(lambda x: x * x, reference=reference, cases=CASES, mistakes=[squared], cache=False)
    assert calls == ["reference", "reference", "variant"] * 2


def test_a_variant_that_overflows_warns_no_one():
    """Variants are the course's business: their floating-point warnings never reach the student (here they
    would be errors: warnings are errors in the test suite)."""
    saturated = Mistake("saturated", lambda x: np.minimum(np.exp(x), 1.0), "...")
    with pytest.raises(CheckFailed, match="Hint: saturated"):
        run_check(lambda x: np.ones_like(x), reference=lambda x: x * 0, cases=[Case("huge", (np.array([1e3, 2e3]),))],
                  mistakes=[saturated])


def test_properties_stop_at_the_first_failure_and_use_its_hint_or_their_own(capsys):
    def built(s):
        s.value = s.run("call", s.student)

    def long_enough(s):
        if len(s.value) < 3:
            raise Mismatch(f"got {len(s.value)} items.")

    def sorted_(s):
        if list(s.value) != sorted(s.value):
            raise Mismatch("not sorted.", "use sorted(...).")

    props = [Property("build", built), Property("three items", long_enough, "append more."),
             Property("sorted", sorted_, "this hint is replaced by the Mismatch's own.")]
    with pytest.raises(CheckFailed) as info:
        check_properties(lambda: [1], props, name="make_list")
    assert str(info.value) == "make_list() failed on case 'three items': got 1 items.\n  Hint: append more."
    with pytest.raises(CheckFailed) as info:
        check_properties(lambda: [3, 2, 1], props, name="make_list")
    assert str(info.value) == "make_list() failed on case 'sorted': not sorted.\n  Hint: use sorted(...)."
    subject = check_properties(lambda: [1, 2, 3], props, name="make_list", summary=lambda s: f"{len(s.value)} items")
    assert subject.value == [1, 2, 3] and capsys.readouterr().out == "make_list: all checks passed (3 items).\n"


def test_an_exception_in_the_students_code_names_the_property_being_tested():
    def built(s):
        s.value = s.run("call", s.student)

    with pytest.raises(CheckFailed, match=r"^make_list\(\) failed on case 'build': it raised ZeroDivisionError"):
        check_properties(lambda: 1 / 0, [Property("build", built)], name="make_list")


def test_a_scalar_result_is_compared_without_an_index():
    with pytest.raises(CheckFailed) as info:
        run_check(lambda x: np.array(float(x.sum()) + 1), reference=lambda x: np.array(float(x.sum())), cases=CASES,
                  name="total")
    assert "wrong value: expected 4, got 5." in str(info.value) and "index" not in str(info.value)
    with pytest.raises(CheckFailed, match=r"got nan; expected only finite numbers\.") as info:
        run_check(lambda x: np.array(np.nan), reference=lambda x: np.array(float(x.sum())), cases=CASES, name="total")
    assert "index" not in str(info.value)


def test_a_further_requirement_runs_before_the_pass_line(capsys):
    def loop_rule():
        raise CheckFailed("double() is correct, but it loops over output positions.")

    with pytest.raises(CheckFailed, match="loops over output positions"):
        run_check(_double, reference=_double, cases=CASES, then=loop_rule)
    assert "passed" not in capsys.readouterr().out  # never "passed", then a failure in the same cell
    run_check(_double, reference=_double, cases=CASES, then=lambda: None)
    assert capsys.readouterr().out == "_double: 1 check passed.\n"


def test_an_input_restored_to_rounding_is_not_reported_as_changed():
    """A numerical gradient that adds h, subtracts 2h and adds h back leaves x off by an ulp: not a mutation."""
    def reference(x):
        return x * 2

    def restores(x):
        x[0] += 0.1
        x[0] -= 0.2
        x[0] += 0.1
        return x * 2

    x = np.array([0.3, 0.7])
    restored = x.copy()
    restores(restored)
    assert not np.array_equal(restored, x)  # the case this test is about
    run_check(restores, reference=reference, cases=[Case("ulp", (x,))])

    def zeroes(x):
        out = x * 2
        x[0] = 0.0
        return out

    with pytest.raises(CheckFailed, match="changed its input `x` in place"):
        run_check(zeroes, reference=reference, cases=[Case("zeroed", (x,))])


def test_fresh_reloads_facades_after_their_submodules():
    """After ``checks.fresh()`` (what hidden tests call) a facade re-exports the reloaded functions."""
    import cnncourse.checks
    import cnncourse.plot
    import cnncourse.plot._base

    cnncourse.checks.fresh()
    assert cnncourse.plot.format_number is cnncourse.plot._base.format_number
