"""The machinery every check uses: cases, the compare cascade, mistakes.

A check runs named :class:`Case` s, simplest first.  For each case it computes the reference
output, runs the student's function on *copies* of the inputs (with reference solutions
locked, see :mod:`cnncourse.ref._guard`), and compares in a cascade: returned something ->
right type -> shape -> dtype -> finite -> values (:func:`compare`, which raises
:class:`Mismatch`).  On a mismatch it tries the known-wrong variants (:class:`Mistake`) on
the same inputs; if the student's output equals one, the hint names that mistake.  Failures
raise :class:`CheckFailed` (an ``AssertionError``).  A check of a function that *builds*
something (a model) tests named properties of it instead (:mod:`cnncourse.checks._properties`).

A check in a course module::

    STRIDE_MISTAKES = [
        Mistake("stride ignored", args={"stride": 1}, hint="move the window `stride` pixels at a time."),
        Mistake("H/W swapped", output=lambda out, a: out.T, hint="rows come first."),
    ]

    def check_correlate2d(correlate2d, hidden=False):
        cases = [Case("stride 2", (image, kernel), {"stride": 2})]
        run_check(correlate2d, reference=filters.correlate2d, cases=cases, mistakes=STRIDE_MISTAKES)
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import inspect
import os
import pickle
import traceback
import types
import warnings
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..ref import _guard

__all__ = ["CheckFailed", "Mismatch", "Case", "Mistake", "run_check", "compare", "run_student",
           "require_student_function", "grading_seed", "hidden_rng", "random_array", "DEFAULT_GRADING_SEED"]

DEFAULT_GRADING_SEED = 20261122


class CheckFailed(AssertionError):
    """A student's function gave a wrong result; the message says where and why."""


class Mismatch(Exception):
    """What is wrong with one output: raised by :func:`compare`, by a case's ``project`` and by properties.

    ``message`` ends the student's "failed on case ..." line; ``hint``, when given, is shown unless
    a known mistake explains the output better; ``stage`` says where the cascade stopped
    (``"none"``, ``"type"``, ``"length"``, ``"shape"``, ``"dtype"``, ``"finite"``, ``"values"``) and
    picks the generic hint.

    >>> Mismatch("expected a tuple (kx, ky), got ndarray.", "end with `return kx, ky`.", stage="type").hint
    'end with `return kx, ky`.'
    """

    def __init__(self, message: str, hint: str = "", stage: str = "values"):
        super().__init__(message)
        self.message, self.hint, self.stage = message, hint, stage


# ``checks.fresh()`` reloads this module; keep one class of each exception, so that code holding
# the old names (``except CheckFailed``, a projection raising Mismatch) still works after the reload.
CheckFailed = globals().get("_CHECK_FAILED_CLASS", CheckFailed)
Mismatch = globals().get("_MISMATCH_CLASS", Mismatch)
_CHECK_FAILED_CLASS, _MISMATCH_CLASS = CheckFailed, Mismatch


@dataclasses.dataclass
class Case:
    """One named test input: the student's function is called as ``func(*args, **kwargs)``.

    ``hint`` is shown when the student fails this case and no known mistake matches.
    ``raises`` names the exception the function must raise (e.g. ``ValueError``).
    ``dtype_rule``: ``"float"`` (floating result, float64 when every float input is
    float64), ``"int"`` (a Python or numpy integer), or ``None`` (any numeric).
    ``item_names`` name the items of a tuple result in messages; ``project(output)`` turns an
    output into what is compared (it may raise :class:`Mismatch`); ``forbid_warnings`` fails
    on a RuntimeWarning (e.g. an overflow in a naive sigmoid); ``numeric(output)`` returns the
    relative error against a numerical gradient (backward checks report it).  ``raise_hint`` is
    the hint when the student's code *raises* on this case (the cases before it passed, so the
    exception says what is wrong, e.g. the first non-square image); default: read the traceback.
    """

    name: str
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    hint: str = ""
    raises: Any = None
    dtype_rule: Any = "float"
    item_names: tuple = ()
    project: Callable | None = None
    hidden: bool = False
    forbid_warnings: bool = False
    numeric: Callable | None = None
    raise_hint: str = ""

    def view(self, output):
        """What is compared: the output itself, or ``project(output)``."""
        return output if self.project is None else self.project(output)


@dataclasses.dataclass(frozen=True, eq=False)
class Mistake:
    """A known-wrong variant of the graded function and the hint that explains it.

    Give either ``func``, the whole wrong function (same signature as the graded one), or
    transforms of the reference: ``args`` changes the arguments (a dict of new values, or
    ``args(a) -> dict`` where ``a`` holds the call's arguments by name, defaults filled in) and
    ``output(out, a)`` changes the reference's result (``a``: the arguments as called).  Both
    may be given.  Prefer transforms: a variant built on the reference cannot drift from it.
    ``run_check`` builds the variants (:meth:`variant`) and runs them as trusted code, with
    floating-point warnings off.

    >>> def area(h, w=1):
    ...     return h * w
    >>> Mistake("width ignored", args={"w": 1}, hint="multiply by w.").variant(area)(3, w=4)
    3
    >>> Mistake("height twice", output=lambda out, a: out * a.h, hint="...").variant(area)(3, 4)
    36
    """

    name: str
    func: Callable | None = None
    hint: str = ""
    args: Mapping | Callable | None = None
    output: Callable | None = None

    def __post_init__(self):
        if (self.func is None) == (self.args is None and self.output is None):
            raise TypeError(f"Mistake {self.name!r}: give either func or args/output transforms of the reference")

    def variant(self, reference: Callable) -> Callable:
        """The wrong function: ``func``, or ``reference`` with ``args`` and ``output`` applied."""
        if self.func is not None:
            return self.func
        signature = inspect.signature(reference)

        def wrong(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            a = types.SimpleNamespace(**bound.arguments)
            if self.args is not None:
                bound.arguments.update(self.args(a) if callable(self.args) else self.args)
            out = reference(*bound.args, **bound.kwargs)
            return out if self.output is None else self.output(out, a)

        wrong.__signature__ = signature
        wrong.__name__ = f"{getattr(reference, '__name__', 'reference')}_with_{self.name.replace(' ', '_')}"
        return wrong


def grading_seed() -> int:
    """Seed of the hidden cases: ``CNNCOURSE_GRADING_SEED`` or a fixed default.

    >>> isinstance(grading_seed(), int)
    True
    """
    raw = os.environ.get("CNNCOURSE_GRADING_SEED", "").strip()
    if not raw:
        return DEFAULT_GRADING_SEED
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"CNNCOURSE_GRADING_SEED must be an integer; got {raw!r}. "
                         "Unset it to use the default seed.") from None


def hidden_rng() -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` for hidden cases (same seed, same cases).

    >>> bool(hidden_rng().integers(1 << 30) == hidden_rng().integers(1 << 30))
    True
    """
    return np.random.default_rng(grading_seed())


def random_array(shape: tuple[int, ...], seed: int, dtype: Any = np.float64,
                 integers: tuple[int, int] | None = None) -> np.ndarray:
    """A reproducible test input: standard normal values, or integers in [low, high) stored as floats.

    Small integers keep sums exact, and flips, transposes or swapped axes change the numbers.

    >>> random_array((2, 3), seed=0, integers=(-3, 4))
    array([[ 2.,  1.,  0.],
           [-2., -1., -3.]])
    >>> random_array((2,), seed=0).round(3)
    array([ 0.126, -0.132])
    """
    rng = np.random.default_rng(seed)
    values = rng.normal(size=shape) if integers is None else rng.integers(*integers, size=shape)
    return values.astype(dtype)


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


def _at(idx):
    """`` at index (i, j)`` for an entry of an array; nothing for a 0-d array's only value."""
    return " at index (" + ", ".join(str(int(i)) for i in idx) + ")" if len(idx) else ""


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


def compare(expected: Any, got: Any, case: Case, path: str = "") -> None:
    """Compare ``got`` with ``expected``; raise :class:`Mismatch` at the first failing stage.

    ``expected`` is an array (a float counts as a 0-d one, and so does a number the student
    returns for one), an int, a rendered string or a tuple of those (compared item by item,
    named by ``case.item_names``).

    >>> compare(np.zeros((2, 3)), np.zeros((3, 2)), Case("demo"))
    Traceback (most recent call last):
    ...
    cnncourse.checks._core.Mismatch: expected shape (2, 3), got (3, 2).
    >>> compare(4, 4.0, Case("demo"))
    Traceback (most recent call last):
    ...
    cnncourse.checks._core.Mismatch: expected an int, got float 4.
    """
    if got is None and expected is not None:
        raise Mismatch(f"expected {_describe_expected(expected)}{_where(path)}, got NoneType. "
                       "Did you forget a `return`?", "end the function with `return <result>`.", "none")
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)):
            raise Mismatch(f"expected a tuple of {len(expected)}{_where(path)}, got {_type_name(got)}.", stage="type")
        if len(got) != len(expected):
            raise Mismatch(f"expected a tuple of {len(expected)}{_where(path)}, got {len(got)} values.", stage="length")
        names = case.item_names or [f"item {i}" for i in range(len(expected))]
        for name, e, g in zip(names, expected, got):
            compare(e, g, case, path=f"{path}.{name}" if path else name)
        return
    if isinstance(expected, str):  # a rendered value, e.g. an output shape "(8, 26, 26)"
        if got != expected:
            raise Mismatch(f"wrong value{_where(path)}: expected {expected}, got {got}.")
        return
    if isinstance(expected, (int, np.integer)) and not isinstance(expected, (bool, np.bool_)):
        _compare_int(expected, got, path)
        return
    if isinstance(expected, (np.ndarray, np.floating, float)):  # a single float is a 0-d array
        _compare_array(np.asarray(expected), got, case, path)
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
        raise Mismatch(f"expected an int{_where(path)}, got {_type_name(got)} {got!r}.", stage="type")
    if isinstance(got, (float, np.floating)):
        raise Mismatch(f"expected an int{_where(path)}, got {_type_name(got)} {_fmt_num(got)}.",
                       "use // (floor division), not /, so the result is a whole number.", "type")
    if int(got) != int(expected):
        raise Mismatch(f"wrong value{_where(path)}: expected {int(expected)}, got {int(got)}.")


def _compare_array(expected, got, case, path):
    if isinstance(got, (np.generic, int, float)) and not isinstance(got, (bool, np.bool_)):
        got = np.asarray(got)  # a single number is a 0-d array: compared by shape, so a mistake can still be named
    if not isinstance(got, np.ndarray):
        hint = "wrap the result in np.array(...)." if isinstance(got, (list, tuple)) or np.isscalar(got) else ""
        raise Mismatch(f"expected a numpy array{_where(path)}, got {_type_name(got)}.", hint, "type")
    if got.shape != expected.shape:
        raise Mismatch(f"expected shape {expected.shape}{_where(path)}, got {got.shape}.", stage="shape")
    if got.dtype.kind not in "biuf":
        raise Mismatch(f"expected a real-valued array{_where(path)}, got dtype {got.dtype}.", stage="dtype")
    if case.dtype_rule == "float":
        if got.dtype.kind != "f":
            raise Mismatch(f"expected a floating-point array{_where(path)}, got dtype {got.dtype}.",
                           "a boolean array holds True/False, not values: multiply the mask with the values."
                           if got.dtype.kind == "b" else
                           "an integer array truncates fractions: create the output with dtype=float.", "dtype")
        if _float_inputs_are_64(case) and got.dtype != np.float64:
            _LOWER_PRECISION.add(str(got.dtype))  # fine within its own precision's tolerance (below); said on passing
    if got.dtype.kind == "f":
        bad = ~np.isfinite(got)
        if bad.any() and np.isfinite(expected).all():
            idx = np.argwhere(bad)[0]
            raise Mismatch(f"got {_fmt_num(got[tuple(idx)])}{_at(idx)}{_where(path)}; "
                           "expected only finite numbers.", stage="finite")
    rtol, atol = _tolerances(expected, got)
    exp64, got64 = expected.astype(np.float64), got.astype(np.float64)
    close = np.isclose(got64, exp64, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        err = np.where(close, 0.0, np.abs(got64 - exp64))
        err = np.nan_to_num(err, nan=np.inf)
        idx = np.unravel_index(np.argmax(err), err.shape)
        if not idx:  # a 0-d array: one value, no index
            raise Mismatch(f"wrong value{_where(path)}: expected {_fmt_num(exp64[idx])}, got {_fmt_num(got64[idx])}.")
        raise Mismatch(f"wrong values{_where(path)}; largest error {_fmt_num(err[idx])}{_at(idx)} "
                       f"(expected {_fmt_num(exp64[idx])}, got {_fmt_num(got64[idx])}).")


def _matches(variant_output, got, case):
    try:
        compare(variant_output, got, case)
    except (Mismatch, TypeError):  # TypeError: the variant's output is of another kind
        return False
    return True


def _generic_hint(mismatch):
    return {
        "shape": "compare your shape with the output-size formula in the exercise text.",
        "dtype": "look at how you create the output array.",
        "finite": "look for a division by zero or an overflow.",
    }.get(mismatch.stage, "print your output and the expected one on this case's inputs and compare them.")


# ---------------------------------------------------------------- calling functions

def _call(func, case):
    """Call ``func`` on deep copies of the case's inputs; return (output, copies)."""
    args = copy.deepcopy(case.args)
    kwargs = copy.deepcopy(case.kwargs)
    out = func(*args, **kwargs)
    copies = {("arg", i): a for i, a in enumerate(args)}
    copies.update({("kw", k): a for k, a in kwargs.items()})
    return out, copies


#: Outputs of references and mistake variants, by function and inputs: the same case gives the
#: same output, so a check run again (or a variant tried on every case) computes each once.
#: Cleared by ``checks.fresh()`` (which reloads this module).
_OUTPUTS: dict = {}
_OUTPUTS_MAX = 256


def _inputs_digest(case):
    try:
        return hashlib.sha256(pickle.dumps((case.args, case.kwargs), protocol=4)).hexdigest()
    except Exception:  # e.g. a lambda among the inputs: not cached
        return None


def _trusted_output(func, case, key, cache, quiet=False):
    """``func``'s output on the case (trusted code: a reference or a mistake's variant), cached by ``key``."""
    digest = _inputs_digest(case) if cache else None
    if digest is not None and (key, digest) in _OUTPUTS:
        return copy.deepcopy(_OUTPUTS[key, digest])
    if quiet:  # a wrong variant may overflow where the reference does not; that is not the student's business
        with np.errstate(all="ignore"):
            out = _call(func, case)[0]
    else:
        out = _call(func, case)[0]
    if digest is not None:
        if len(_OUTPUTS) >= _OUTPUTS_MAX:
            _OUTPUTS.pop(next(iter(_OUTPUTS)))
        _OUTPUTS[key, digest] = copy.deepcopy(out)
    return out


_CRASH_HINT = "run it on this case's inputs yourself and read the traceback."


def _student_failure(fname, case_name, exc, hint=""):
    """The ``CheckFailed`` for an exception the student's code raised; it keeps ``exc`` as ``student_error``.

    A notebook shows the student's own frames of it after the message
    (:func:`cnncourse.display.failure_lines`); the course's frames are never shown.
    """
    failure = CheckFailed(_student_error_message(fname, case_name, exc, hint))
    if not isinstance(exc, (NotImplementedError, _guard.ReferenceCalledError)):
        failure.student_error = exc
    return failure


def _student_error_message(fname, case_name, exc, hint=""):
    if isinstance(exc, NotImplementedError):
        return (f"{fname}() failed on case '{case_name}': it raised NotImplementedError.\n"
                "  Hint: replace `raise NotImplementedError()` with your code.")
    if isinstance(exc, _guard.ReferenceCalledError):
        return f"{fname}() failed on case '{case_name}': {exc}"
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
    return (f"{fname}() failed on case '{case_name}': it raised {type(exc).__name__}: {exc}{where}.\n"
            f"  Hint: {hint or _CRASH_HINT}")


def run_student(fname: str, case: str, func: Callable, *args, **kwargs) -> Any:
    """``func(*args, **kwargs)`` as student code (references locked); its exception becomes a CheckFailed.

    >>> run_student("mean_kernel", "size 3", lambda size: size, 3)
    3
    >>> run_student("mean_kernel", "size 3", lambda size: 1 / 0, 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnncourse.checks._core.CheckFailed: mean_kernel() failed on case 'size 3': it raised ZeroDivisionError: division by zero (line 1 of ...).
      Hint: run it on this case's inputs yourself and read the traceback.
    """
    __tracebackhide__ = True
    try:
        with _guard.student_code():
            return func(*args, **kwargs)
    except CheckFailed:
        raise
    except Exception as exc:
        raise _student_failure(fname, case, exc) from None


# ---------------------------------------------------------------- running cases

class _Run:
    """One ``run_check``: the student, the reference, the cases and the mistakes' variants."""

    def __init__(self, student, reference, cases, mistakes, fname, cache):
        self.student, self.reference, self.cases, self.fname, self.cache = student, reference, cases, fname, cache
        self.variants = [(m, m.variant(reference)) for m in mistakes]

    def reference_output(self, case):
        return _trusted_output(self.reference, case, self.reference, self.cache)

    def variant_output(self, mistake, variant, case):
        return _trusted_output(variant, case, (mistake, self.reference), self.cache, quiet=True)

    def case(self, case):
        """Run one case; raise ``CheckFailed`` with a specific message, or return the numeric error (or None)."""
        __tracebackhide__ = True  # IPython and pytest show the student the message, not these frames
        fname = self.fname
        if case.raises is not None:
            self._expect_raise(case)
            return None
        expected = case.view(self.reference_output(case))
        try:
            with _guard.student_code(), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                got, copies = _call(self.student, case)
        except Exception as exc:
            raise _student_failure(fname, case.name, exc, case.raise_hint) from None
        runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
        if case.forbid_warnings and runtime:
            raise CheckFailed(
                f"{fname}() failed on case '{case.name}': it emitted RuntimeWarning: {runtime[0].message}.\n"
                f"  Hint: {case.hint or 'rewrite the computation so that no intermediate value overflows.'}")
        for w in caught:  # anything else is shown as usual, once the student code has returned
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        changed = _mutated_inputs(case, copies, _arg_names(self.reference, case))
        if changed:
            raise CheckFailed(
                f"{fname}() failed on case '{case.name}': it changed its input `{changed[0]}` in place.\n"
                f"  Hint: work on a copy ({changed[0]}.copy()) or build a new array; the caller's data must not change."
            )
        try:
            compare(expected, case.view(got), case)
        except Mismatch as mismatch:
            hint = self._recognise(case, got, expected) or mismatch.hint or case.hint or _generic_hint(mismatch)
            raise CheckFailed(f"{fname}() failed on case '{case.name}': {mismatch.message}{_numeric_note(case, got)}\n"
                              f"  Hint: {hint}") from None
        return case.numeric(got) if case.numeric is not None else None

    def _expect_raise(self, case):
        __tracebackhide__ = True
        fname, name = self.fname, case.raises.__name__
        try:
            with _guard.student_code():
                out, _ = _call(self.student, case)
        except case.raises:
            return
        except Exception as exc:  # the wrong exception
            if isinstance(exc, NotImplementedError):
                raise _student_failure(fname, case.name, exc) from None
            raise CheckFailed(
                f"{fname}() failed on case '{case.name}': expected {name}, got {type(exc).__name__}: {exc}\n"
                f"  Hint: {case.hint or 'check the arguments first and raise ' + name + ' with a message.'}"
            ) from None
        raise CheckFailed(f"{fname}() failed on case '{case.name}': expected {name}, but it returned {out!r}.\n"
                          f"  Hint: {case.hint or 'raise ' + name + ' for impossible inputs.'}")

    def _variant_matches(self, mistake, variant, case, got, expected):
        """True when the mistake changes this case's result and the student's output equals it."""
        try:
            wrong = case.view(self.variant_output(mistake, variant, case))
            got_view = case.view(got)
        except Exception:
            return False
        return not _matches(wrong, expected, case) and _matches(wrong, got_view, case)

    def _agreement(self, mistake, variant):
        """On how many of the cases the student's output equals the mistake's output."""
        score = 0
        for case in self.cases:
            if case.raises is not None:
                continue
            try:
                with _guard.student_code(), warnings.catch_warnings(record=True):  # shown once, by case()
                    got = _call(self.student, case)[0]
                wrong = self.variant_output(mistake, variant, case)
                score += _matches(case.view(wrong), case.view(got), case)
            except Exception:
                continue
        return score

    def _recognise(self, case, got, expected):
        """The hint of the known mistake that explains the student's output, or ''.

        When several mistakes explain this case (e.g. one-sided padding and a short output
        agree when padding is 1), the one that agrees with the student on most cases wins.
        """
        candidates = [(m, v) for m, v in self.variants if self._variant_matches(m, v, case, got, expected)]
        if not candidates:
            return ""
        if len(candidates) > 1:
            candidates.sort(key=lambda mv: -self._agreement(*mv))  # stable: list order breaks ties
        return f"{candidates[0][0].name}: {candidates[0][0].hint}"


def _arg_names(reference, case):
    params = list(inspect.signature(reference).parameters)
    names = {("arg", i): params[i] if i < len(params) else f"argument {i + 1}" for i in range(len(case.args))}
    names.update({("kw", k): k for k in case.kwargs})
    return names


def _same_values(after, original):
    """Equal, or for floats equal to rounding: x[i] += h, then -= 2*h, then += h restores x only to an ulp or so."""
    if np.array_equal(after, original, equal_nan=True):
        return True
    return (original.dtype.kind == "f" and after.dtype == original.dtype
            and np.allclose(after, original, rtol=8 * np.finfo(original.dtype).eps, atol=0, equal_nan=True))


def _mutated_inputs(case, copies, names):
    originals = {("arg", i): a for i, a in enumerate(case.args)}
    originals.update({("kw", k): a for k, a in case.kwargs.items()})
    changed = []
    for key, original in originals.items():
        after = copies[key]
        if isinstance(original, np.ndarray):
            if not isinstance(after, np.ndarray) or after.shape != original.shape or not _same_values(after, original):
                changed.append(names[key])
    return changed


def _numeric_note(case, got):
    if case.numeric is None:
        return ""
    try:
        err = case.numeric(got)
    except Exception:  # the output is not even usable for the comparison
        return ""
    return f" Against a centred numerical gradient your result has relative error {_fmt_num(err)} (expect < 1e-6)."


def require_student_function(student: Any, fname: str) -> None:
    """Raise ``CheckFailed`` unless ``student`` is a function the student wrote (not a value, not the reference).

    >>> require_student_function(3, "pad2d")
    Traceback (most recent call last):
    ...
    cnncourse.checks._core.CheckFailed: pad2d: expected a function, got int. Pass the function itself: check_pad2d(pad2d), without calling it.
    """
    __tracebackhide__ = True
    if not callable(student):
        raise CheckFailed(f"{fname}: expected a function, got {_type_name(student)}. "
                          f"Pass the function itself: check_{fname}({fname}), without calling it.")
    if getattr(student, "is_reference", False):
        raise CheckFailed(f"{fname}: that is the course's reference solution, not your function. "
                          f"Pass the {fname} you wrote in this notebook.")


def run_check(student: Callable, *, reference: Callable, cases: Sequence[Case], mistakes: Sequence[Mistake] = (),
              name: str | None = None, cache: bool = True, then: Callable[[], None] | None = None) -> None:
    """Run ``cases`` against ``student``; print one line if all pass, else raise ``CheckFailed``.

    ``cache``: reuse reference and variant outputs computed for the same inputs before (off for
    references whose results depend on more than their inputs, e.g. torch's thread count).
    ``then``: a further requirement (e.g. ``_properties.require_no_position_loop``) checked after the
    cases and before the pass line, so a cell never says "passed" and then fails.

    >>> def double(x):
    ...     return 2 * x
    >>> cases = [Case("a few numbers", (np.array([1.0, 2.0]),)), Case("zeros", (np.zeros(3),))]
    >>> run_check(lambda x: x + x, reference=double, cases=cases)
    double: all 2 checks passed.
    >>> run_check(lambda x: x * x, reference=double, cases=cases,
    ...           mistakes=[Mistake("squared", output=lambda out, a: a.x ** 2, hint="double, don't square.")])
    Traceback (most recent call last):
    ...
    cnncourse.checks._core.CheckFailed: double() failed on case 'a few numbers': wrong values; largest error 1 at index (0) (expected 2, got 1).
      Hint: squared: double, don't square.
    """
    __tracebackhide__ = True
    fname = name or getattr(reference, "__name__", "function")
    require_student_function(student, fname)
    cases = list(cases)
    _LOWER_PRECISION.clear()
    run = _Run(student, reference, cases, mistakes, fname, cache)
    errors = [e for e in (run.case(case) for case in cases) if e is not None]
    n_hidden = sum(case.hidden for case in cases)
    extra = f" ({n_hidden} of them hidden)" if n_hidden else ""
    numeric = f"; largest relative error against numerical gradients {_fmt_num(max(errors))}" if errors else ""
    passed = f"all {len(cases)} checks passed" if len(cases) > 1 else "1 check passed"
    precision = (f" Your results came in {' and '.join(sorted(_LOWER_PRECISION))} for float64 inputs: accepted "
                 "within that precision's tolerance." if _LOWER_PRECISION else "")
    if then is not None:
        then()
    print(f"{fname}: {passed}{extra}{numeric}.{precision}")
