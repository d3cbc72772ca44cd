"""The machinery every check uses: cases, the compare cascade, mistake recognition.

A check runs named cases, simplest first.  For each case it computes the reference
output, runs the student's function on *copies* of the inputs (with reference solutions
locked, see ``cnncourse.ref._guard``), and compares in a cascade: returned something ->
right type -> shape -> dtype -> finite -> values.  On a mismatch it runs the known-wrong
variants ("mistakes") on the same inputs; if the student's output matches one, the hint
names that mistake.  Failures raise ``CheckFailed`` (an ``AssertionError``).
"""

import copy
import dataclasses
import inspect
import os
import traceback
import warnings
from typing import Any, Callable

import numpy as np

from ..ref import _guard

DEFAULT_GRADING_SEED = 20261122


class CheckFailed(AssertionError):
    """A student's function gave a wrong result; the message says where and why."""


# ``checks.fresh()`` reloads this module; keep one CheckFailed class so that code holding
# the old name (``except CheckFailed``) still catches failures raised after the reload.
CheckFailed = globals().get("_CHECK_FAILED_CLASS", CheckFailed)
_CHECK_FAILED_CLASS = CheckFailed


class _Mismatch(Exception):
    """Internal: a comparison failed at one stage of the cascade."""

    def __init__(self, stage, message, hint=""):
        super().__init__(message)
        self.stage = stage
        self.message = message
        self.hint = hint


@dataclasses.dataclass
class Case:
    """One named test input.

    ``hint`` is shown when the student fails this case and no known mistake matches.
    ``raises`` names the exception the function must raise (e.g. ``ValueError``).
    ``dtype_rule``: ``"float"`` (floating result, float64 when every float input is
    float64), ``"int"`` (a Python or numpy integer), or ``None`` (any numeric).
    """

    name: str
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    hint: str = ""
    raises: Any = None
    dtype_rule: Any = "float"
    item_names: tuple = ()
    project: Any = None
    hidden: bool = False
    forbid_warnings: bool = False  # e.g. an overflow RuntimeWarning from a naive sigmoid
    numeric: Any = None  # output -> relative error against a numerical gradient (backward checks)

    def view(self, output):
        """What is compared: the output itself, or ``project(output)``."""
        return output if self.project is None else self.project(output)


@dataclasses.dataclass
class Mistake:
    """A known-wrong variant of the function and the hint that explains it."""

    name: str
    func: Callable
    hint: str


def grading_seed():
    """Seed of the hidden cases: ``CNNCOURSE_GRADING_SEED`` or a fixed default."""
    raw = os.environ.get("CNNCOURSE_GRADING_SEED", "").strip()
    if not raw:
        return DEFAULT_GRADING_SEED
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"CNNCOURSE_GRADING_SEED must be an integer; got {raw!r}. "
                         "Unset it to use the default seed.") from None


def hidden_rng():
    """A fresh ``numpy.random.Generator`` for hidden cases (same seed, same cases)."""
    return np.random.default_rng(grading_seed())


# ---------------------------------------------------------------- formatting

def _fmt_num(x):
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if np.isnan(x) or np.isinf(x):
        return str(x)
    return f"{x:.4g}"


def _type_name(x):
    return type(x).__name__


def _index(idx):
    return "(" + ", ".join(str(int(i)) for i in idx) + ")"


def _where(path):
    return f" in {path}" if path else ""


# ---------------------------------------------------------------- the cascade

#: Lower-precision dtypes a passing student result came in during the current check (for the pass line).
_LOWER_PRECISION: set = set()


def _tolerances(*arrays):
    dtypes = {a.dtype for a in arrays if isinstance(a, np.ndarray)}
    if np.dtype(np.float16) in dtypes:
        return (2e-3, 1e-3)
    if np.dtype(np.float32) in dtypes:
        return (1e-4, 1e-5)
    return (1e-7, 1e-9)


def _float_inputs_are_64(case):
    floats = [a for a in (*case.args, *case.kwargs.values()) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    return bool(floats) and all(a.dtype == np.float64 for a in floats)


def compare(expected, got, case, path=""):
    """Compare ``got`` with ``expected``; raise ``_Mismatch`` at the first failing stage."""
    if got is None and expected is not None:
        raise _Mismatch("none", f"expected {_describe_expected(expected)}{_where(path)}, got NoneType. "
                                "Did you forget a `return`?", "end the function with `return <result>`.")
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)):
            raise _Mismatch("type", f"expected a tuple of {len(expected)}{_where(path)}, got {_type_name(got)}.")
        if len(got) != len(expected):
            raise _Mismatch("length", f"expected a tuple of {len(expected)}{_where(path)}, got {len(got)} values.")
        names = case.item_names or [f"item {i}" for i in range(len(expected))]
        for name, e, g in zip(names, expected, got):
            compare(e, g, case, path=f"{path}.{name}" if path else name)
        return
    if isinstance(expected, str):  # a rendered value, e.g. an output shape "(8, 26, 26)"
        if got != expected:
            raise _Mismatch("values", f"wrong value{_where(path)}: expected {expected}, got {got}.")
        return
    if isinstance(expected, (int, np.integer)) and not isinstance(expected, (bool, np.bool_)):
        _compare_int(expected, got, path)
        return
    if isinstance(expected, np.ndarray):
        _compare_array(expected, got, case, path)
        return
    raise TypeError(f"cannot compare expected value of type {_type_name(expected)}")  # a bug in the check


def _describe_expected(expected):
    if isinstance(expected, np.ndarray):
        return "a numpy array"
    if isinstance(expected, tuple):
        return f"a tuple of {len(expected)}"
    return f"an {_type_name(expected)}" if _type_name(expected)[0] in "aeiou" else f"a {_type_name(expected)}"


def _compare_int(expected, got, path):
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer, float, np.floating)):
        raise _Mismatch("type", f"expected an int{_where(path)}, got {_type_name(got)} {got!r}.")
    if isinstance(got, (float, np.floating)):
        raise _Mismatch("type", f"expected an int{_where(path)}, got {_type_name(got)} {_fmt_num(got)}.",
                        "use // (floor division), not /, so the result is a whole number.")
    if int(got) != int(expected):
        raise _Mismatch("values", f"wrong value{_where(path)}: expected {int(expected)}, got {int(got)}.")


def _compare_array(expected, got, case, path):
    if not isinstance(got, np.ndarray):
        if isinstance(got, (list, tuple)) or np.isscalar(got):
            raise _Mismatch("type", f"expected a numpy array{_where(path)}, got {_type_name(got)}.",
                            "wrap the result in np.array(...).")
        raise _Mismatch("type", f"expected a numpy array{_where(path)}, got {_type_name(got)}.")
    if got.shape != expected.shape:
        raise _Mismatch("shape", f"expected shape {expected.shape}{_where(path)}, got {got.shape}.")
    rule = case.dtype_rule
    if got.dtype.kind not in "biuf":
        raise _Mismatch("dtype", f"expected a real-valued array{_where(path)}, got dtype {got.dtype}.")
    if rule == "float":
        if got.dtype.kind != "f":
            raise _Mismatch("dtype", f"expected a floating-point array{_where(path)}, got dtype {got.dtype}.",
                            "a boolean array holds True/False, not values: multiply the mask with the values."
                            if got.dtype.kind == "b" else
                            "an integer array truncates fractions: create the output with dtype=float.")
        if _float_inputs_are_64(case) and got.dtype != np.float64:
            _LOWER_PRECISION.add(str(got.dtype))  # fine within its own precision's tolerance (below); said on passing
    if got.dtype.kind == "f":
        bad = ~np.isfinite(got)
        if bad.any() and np.isfinite(expected).all():
            idx = np.argwhere(bad)[0]
            raise _Mismatch("finite", f"got {_fmt_num(got[tuple(idx)])} at index {_index(idx)}{_where(path)}; "
                                      "expected only finite numbers.")
    rtol, atol = _tolerances(expected, got)
    exp64, got64 = expected.astype(np.float64), got.astype(np.float64)
    close = np.isclose(got64, exp64, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        err = np.where(close, 0.0, np.abs(got64 - exp64))
        err = np.nan_to_num(err, nan=np.inf)
        idx = np.unravel_index(np.argmax(err), err.shape)
        raise _Mismatch("values", f"wrong values{_where(path)}; largest error {_fmt_num(err[idx])} at index "
                                  f"{_index(idx)} (expected {_fmt_num(exp64[idx])}, got {_fmt_num(got64[idx])}).")


def _matches(variant_output, got, case):
    try:
        compare(variant_output, got, case)
    except (_Mismatch, TypeError):  # TypeError: the variant's output is of another kind
        return False
    return True


# ---------------------------------------------------------------- running cases

def _arg_names(reference, case):
    params = list(inspect.signature(reference).parameters)
    names = {}
    for i, _ in enumerate(case.args):
        names[("arg", i)] = params[i] if i < len(params) else f"argument {i + 1}"
    for k in case.kwargs:
        names[("kw", k)] = k
    return names


def _mutated_inputs(originals, copies, names):
    changed = []
    for key, original in originals.items():
        after = copies[key]
        if isinstance(original, np.ndarray):
            if not isinstance(after, np.ndarray) or after.shape != original.shape or not np.array_equal(
                    after, original, equal_nan=True):
                changed.append(names[key])
    return changed


def _call(func, case):
    """Call ``func`` on deep copies of the case's inputs; return (output, copies)."""
    args = copy.deepcopy(case.args)
    kwargs = copy.deepcopy(case.kwargs)
    out = func(*args, **kwargs)
    copies = {("arg", i): a for i, a in enumerate(args)}
    copies.update({("kw", k): a for k, a in kwargs.items()})
    return out, copies


def _student_error_message(fname, case, exc):
    if isinstance(exc, NotImplementedError):
        return (f"{fname}() failed on case '{case.name}': it raised NotImplementedError.\n"
                "  Hint: replace `raise NotImplementedError()` with your code.")
    if isinstance(exc, _guard.ReferenceCalledError):
        return f"{fname}() failed on case '{case.name}': {exc}"
    # Raised in the grading worker: the student's frames came along as (file, line, code).
    frames = getattr(exc, "student_frames", None)
    if frames is None:
        frames = [(f.filename, f.lineno, f.line) for f in traceback.extract_tb(exc.__traceback__)]
    where = ""
    if frames:
        filename, lineno, code = frames[-1]
        code = (code or "").strip()
        place = ("your notebook cell" if "ipykernel" in filename or filename.startswith("<ipython-input")
                 else os.path.basename(filename))  # a notebook cell's temporary file, in a kernel or the worker
        where = f" (line {lineno} of {place}: `{code}`)"
    return (f"{fname}() failed on case '{case.name}': it raised {type(exc).__name__}: {exc}{where}.\n"
            "  Hint: run it on this case's inputs yourself and read the traceback.")


def run_case(student, reference, case, mistakes, fname, all_cases=()):
    """Run one case; raise ``CheckFailed`` with a specific message, or return quietly."""
    __tracebackhide__ = True  # IPython and pytest show the student the message, not these frames
    originals = {("arg", i): a for i, a in enumerate(case.args)}
    originals.update({("kw", k): a for k, a in case.kwargs.items()})
    names = _arg_names(reference, case)

    if case.raises is not None:
        try:
            with _guard.student_code():
                out, _ = _call(student, case)
        except case.raises:
            return
        except Exception as exc:  # the wrong exception
            if isinstance(exc, NotImplementedError):
                raise CheckFailed(_student_error_message(fname, case, exc)) from None
            raise CheckFailed(
                f"{fname}() failed on case '{case.name}': expected {case.raises.__name__}, "
                f"got {type(exc).__name__}: {exc}\n"
                f"  Hint: {case.hint or 'check the arguments first and raise ' + case.raises.__name__ + ' with a message.'}"
            ) from None
        raise CheckFailed(
            f"{fname}() failed on case '{case.name}': expected {case.raises.__name__}, "
            f"but it returned {out!r}.\n  Hint: {case.hint or 'raise ' + case.raises.__name__ + ' for impossible inputs.'}"
        )

    expected = case.view(_call(reference, case)[0])
    try:
        with _guard.student_code(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got, copies = _call(student, case)
    except Exception as exc:
        raise CheckFailed(_student_error_message(fname, case, exc)) from None
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if case.forbid_warnings and runtime:
        raise CheckFailed(
            f"{fname}() failed on case '{case.name}': it emitted RuntimeWarning: {runtime[0].message}.\n"
            f"  Hint: {case.hint or 'rewrite the computation so that no intermediate value overflows.'}")
    for w in caught:  # anything else is shown as usual, once the student code has returned
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    changed = _mutated_inputs(originals, copies, names)
    if changed:
        raise CheckFailed(
            f"{fname}() failed on case '{case.name}': it changed its input `{changed[0]}` in place.\n"
            f"  Hint: work on a copy ({changed[0]}.copy()) or build a new array; the caller's data must not change."
        )

    try:
        compare(expected, case.view(got), case)
    except _Mismatch as mismatch:
        hint = (_recognise(mistakes, case, got, expected, student, all_cases or [case]) or mismatch.hint
                or case.hint or _generic_hint(mismatch))
        numeric = _numeric_note(case, got)
        raise CheckFailed(f"{fname}() failed on case '{case.name}': {mismatch.message}{numeric}\n"
                          f"  Hint: {hint}") from None
    return case.numeric(got) if case.numeric is not None else None


def _numeric_note(case, got):
    if case.numeric is None:
        return ""
    try:
        err = case.numeric(got)
    except Exception:  # the output is not even usable for the comparison
        return ""
    return f" Against a centred numerical gradient your result has relative error {_fmt_num(err)} (expect < 1e-6)."


def _variant_matches(mistake, case, got, expected):
    """True when ``mistake`` changes this case's result and the student's output equals it."""
    try:
        variant = case.view(_call(mistake.func, case)[0])
        got_view = case.view(got)
    except Exception:
        return False
    return not _matches(variant, expected, case) and _matches(variant, got_view, case)


def _agreement(mistake, student, cases):
    """On how many of ``cases`` the student's output equals the mistake's output."""
    score = 0
    for case in cases:
        if case.raises is not None:
            continue
        try:
            with _guard.student_code():
                got = _call(student, case)[0]
            variant = _call(mistake.func, case)[0]
            score += _matches(case.view(variant), case.view(got), case)
        except Exception:
            continue
    return score


def _recognise(mistakes, case, got, expected, student, cases):
    """The hint of the known mistake that explains the student's output, or ''.

    When several mistakes explain this case (e.g. one-sided padding and a short output
    agree when padding is 1), the one that agrees with the student on most cases wins.
    """
    candidates = [m for m in mistakes if _variant_matches(m, case, got, expected)]
    if not candidates:
        return ""
    if len(candidates) > 1:
        candidates.sort(key=lambda m: -_agreement(m, student, cases))  # stable: list order breaks ties
    return f"{candidates[0].name}: {candidates[0].hint}"


def _generic_hint(mismatch):
    return {
        "shape": "compare your shape with the output-size formula in the exercise text.",
        "dtype": "look at how you create the output array.",
        "finite": "look for a division by zero or an overflow.",
    }.get(mismatch.stage, "print your output and the expected one on this case's inputs and compare them.")


def require_student_function(student, fname):
    """Raise ``CheckFailed`` unless ``student`` is a function the student wrote (not a value, not the reference)."""
    __tracebackhide__ = True
    if not callable(student):
        raise CheckFailed(f"{fname}: expected a function, got {_type_name(student)}. "
                          f"Pass the function itself: check_{fname}({fname}), without calling it.")
    if getattr(student, "is_reference", False):
        raise CheckFailed(f"{fname}: that is the course's reference solution, not your function. "
                          f"Pass the {fname} you wrote in this notebook.")


def run_check(student, *, reference, cases, mistakes=(), name=None):
    """Run ``cases`` against ``student``; print one line if all pass, else raise ``CheckFailed``."""
    __tracebackhide__ = True
    fname = name or getattr(reference, "__name__", "function")
    require_student_function(student, fname)
    cases = list(cases)
    _LOWER_PRECISION.clear()
    errors = [run_case(student, reference, case, mistakes, fname, cases) for case in cases]
    errors = [e for e in errors if e is not None]
    n_hidden = sum(case.hidden for case in cases)
    extra = f" ({n_hidden} of them hidden)" if n_hidden else ""
    numeric = f"; largest relative error against numerical gradients {_fmt_num(max(errors))}" if errors else ""
    passed = f"all {len(cases)} checks passed" if len(cases) > 1 else "1 check passed"
    precision = (f" Your results came in {' and '.join(sorted(_LOWER_PRECISION))} for float64 inputs: accepted "
                 "within that precision's tolerance." if _LOWER_PRECISION else "")
    print(f"{fname}: {passed}{extra}{numeric}.{precision}")


# ---------------------------------------------------------------- "no Python loop over output positions"

from ..worker import fixtures  # noqa: E402 - helpers that run next to the student's code


class FixtureDriver:
    """Runs :mod:`cnncourse.worker.fixtures` next to the student's code.

    In the notebook the fixtures run here, on the student's objects; in the trusted grader
    the student's function is a :class:`~cnncourse.grading.client.RemoteFunction` and the
    fixtures run in its worker, so models, loaders and traced lines stay there and only plain
    data (shapes, logits, counts) comes back.  The checks are the same code either way.

    >>> FixtureDriver(len)("count_student_lines", len, [1, 2])
    0
    """

    def __init__(self, student):
        self.worker = student.worker if getattr(student, "remote", False) is True else None

    def __call__(self, name, *args, **kwargs):
        if self.worker is not None:
            return self.worker.fixture(name, *args, **kwargs)
        return getattr(fixtures, name)(*args, **kwargs)


count_student_lines = fixtures.count_student_lines  # the public name the tests know


def require_no_position_loop(student, fname, make_args, sizes=(4, 32)):
    """Fail when the student's Python line count grows with the number of output positions.

    ``make_args(size)`` returns (args, kwargs) for an output of size x size positions; the
    batch, channels and kernel stay the same, so a vectorized solution (loops over kernel
    offsets, channels or images are fine) runs the same lines for both sizes.
    """
    __tracebackhide__ = True
    counts = []
    for size in sizes:
        args, kwargs = make_args(size)
        try:
            with _guard.student_code():
                counts.append(int(FixtureDriver(student)("count_student_lines", student, *args, **kwargs)))
        except Exception as exc:
            case = Case(f"no Python loop over output positions ({size}x{size} output)", args, kwargs)
            raise CheckFailed(_student_error_message(fname, case, exc)) from None
    small, large = sizes
    if counts[1] - counts[0] >= large - small:
        raise CheckFailed(
            f"{fname}() failed on case 'no Python loop over output positions': it ran {counts[0]} lines of your "
            f"code for a {small}x{small} output and {counts[1]} for a {large}x{large} output, so it loops over "
            "output positions.\n  Hint: build all windows at once: loop only over the KH x KW kernel offsets "
            "(each step slices every output position, x[:, :, a:a + stride*OH:stride, d:d + stride*OW:stride]) "
            "or use np.lib.stride_tricks.sliding_window_view, then one matrix multiply.")
