"""Checks of what a student's function *builds*, and code that runs next to the student's.

A model (or a block, a loader) is not compared with a reference output: :func:`check_properties`
tests named :class:`Property` s of it in order, through a :class:`Subject` that runs helpers of
:mod:`cnncourse.worker.fixtures` next to the student's code (:class:`FixtureDriver`: here in the
notebook, in the grading worker when grading).  :func:`require_no_position_loop` uses the same
driver to count the student's lines.  The cases, the compare cascade and the mistakes live in
:mod:`cnncourse.checks._core`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import numpy as np  # noqa: F401 - the doctests use it

from ..ref import _guard
from ..worker import fixtures
from ._core import CheckFailed, Mismatch, _student_failure, require_student_function, run_student

__all__ = ["FixtureDriver", "Property", "Subject", "check_properties", "count_student_lines",
           "require_no_position_loop"]


# ---------------------------------------------------------------- code that runs next to the student's



class FixtureDriver:
    """Runs :mod:`cnncourse.worker.fixtures` next to the student's code.

    In the notebook the fixtures run here, on the student's objects; in the trusted grader
    the student's function is a :class:`~cnncourse.grading.client.RemoteFunction` and the
    fixtures run in its worker, so models, loaders and traced lines stay there and only plain
    data (shapes, logits, counts) comes back.  The checks are the same code either way.

    >>> FixtureDriver(len)("count_student_lines", len, [1, 2])
    0
    """

    def __init__(self, student: Callable):
        self.worker = student.worker if getattr(student, "remote", False) is True else None

    def __call__(self, name: str, *args, **kwargs) -> Any:
        if self.worker is not None:
            return self.worker.fixture(name, *args, **kwargs)
        return getattr(fixtures, name)(*args, **kwargs)


count_student_lines = fixtures.count_student_lines  # the public name the tests know


def require_no_position_loop(student: Callable, fname: str, make_args: Callable,
                             sizes: tuple[int, int] = (4, 32)) -> None:
    """Fail when the student's Python line count grows with the number of output positions.

    ``make_args(size)`` returns (args, kwargs) for an output of size x size positions; the
    batch, channels and kernel stay the same, so a vectorized solution (loops over kernel
    offsets, channels or images are fine) runs the same lines for both sizes.

    >>> def doubled(x):
    ...     return 2 * x
    >>> require_no_position_loop(doubled, "doubled", lambda size: ((np.zeros((size, size)),), {}))
    >>> def looped(x):
    ...     return [[2 * v for v in row] for row in x]
    >>> require_no_position_loop(looped, "looped", lambda size: ((np.zeros((size, size)),), {}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnncourse.checks._core.CheckFailed: looped() failed on case 'no Python loop over output positions': it ran ...
    """
    __tracebackhide__ = True
    drive = FixtureDriver(student)
    counts = []
    for size in sizes:
        args, kwargs = make_args(size)
        case = f"no Python loop over output positions ({size}x{size} output)"
        counts.append(int(run_student(fname, case, drive, "count_student_lines", student, *args, **kwargs)))
    small, large = sizes
    if counts[1] - counts[0] >= large - small:
        raise CheckFailed(
            f"{fname}() failed on case 'no Python loop over output positions': it ran {counts[0]} lines of your "
            f"code for a {small}x{small} output and {counts[1]} for a {large}x{large} output, so it loops over "
            "output positions.\n  Hint: build all windows at once: loop only over the KH x KW kernel offsets "
            "(each step slices every output position, x[:, :, a:a + stride*OH:stride, d:d + stride*OW:stride]) "
            "or use np.lib.stride_tricks.sliding_window_view, then one matrix multiply.")


# ---------------------------------------------------------------- properties of what a function builds

@dataclasses.dataclass(frozen=True)
class Property:
    """A named property of what the student's function builds (a model, a block, ...).

    ``test(subject)`` returns when the property holds and raises :class:`Mismatch` saying what
    is wrong when it does not; ``hint`` is shown unless the Mismatch brings its own.  The name
    is the case name in the student's message.
    """

    name: str
    test: Callable[["Subject"], None]
    hint: str = ""


class Subject:
    """What property tests examine: the student's function, what it built, and a way to probe it.

    ``value`` is what the function returned (the first property usually builds it).  In the
    trusted grader it lives in the grading worker; ``run(fixture, *args)`` runs a helper of
    :mod:`cnncourse.worker.fixtures` next to it (:class:`FixtureDriver`: here in the notebook,
    in the worker when grading) with the references locked, and turns an exception of the
    student's code into a ``CheckFailed`` on the current case.  Tests may keep what later ones
    need as attributes (``subject.logits = ...``).
    """

    def __init__(self, student: Callable, name: str):
        self.student, self.name = student, name
        self.case = ""
        self.value: Any = None
        self.drive = FixtureDriver(student)

    def run(self, fixture: str, *args, case: str | None = None, name: str | None = None,
            explain: Callable[[Exception], tuple[str, str]] | None = None) -> Any:
        """``fixtures.<fixture>(*args)`` next to the student's code.

        ``case`` and ``name`` override the case and function named when the student's code
        raises; ``explain(exc) -> (message, hint)`` words that failure instead of the generic
        "it raised ..." message (``None``: keep the generic one for this exception).
        """
        __tracebackhide__ = True
        if explain is None:
            return run_student(name or self.name, case or self.case, self.drive, fixture, *args)
        try:
            with _guard.student_code():
                return self.drive(fixture, *args)
        except CheckFailed:
            raise
        except Exception as exc:
            failure = explain(exc)
            if failure is None:
                raise _student_failure(name or self.name, case or self.case, exc) from None
        self.fail(*failure, case=case)  # outside the except: no "during handling of the above exception"

    def fail(self, message: str, hint: str, case: str | None = None) -> None:
        """Raise the house-format ``CheckFailed`` for the current (or the given) case."""
        __tracebackhide__ = True
        raise CheckFailed(f"{self.name}() failed on case '{case or self.case}': {message}\n  Hint: {hint}")


def check_properties(student: Callable, properties: Sequence[Property], *, name: str,
                     summary: Callable[[Subject], str] | None = None) -> Subject:
    """Test ``properties`` in order on what ``student`` builds; stop at the first that fails.

    Prints ``"<name>: all checks passed (<summary>)."`` when ``summary`` is given and every
    property holds; returns the :class:`Subject` (for checks that go on with what was built).

    >>> def build_list():
    ...     return [3, 1, 2]
    >>> def built(s):
    ...     s.value = s.run("call", s.student)
    >>> def sorted_(s):
    ...     if s.value != sorted(s.value):
    ...         raise Mismatch(f"got {s.value}.")
    >>> props = [Property("build the list", built), Property("sorted", sorted_, hint="sort it before returning.")]
    >>> subject = check_properties(build_list, props[:1], name="build_list", summary=lambda s: f"{len(s.value)} items")
    build_list: all checks passed (3 items).
    >>> subject.value
    [3, 1, 2]
    >>> check_properties(build_list, props, name="build_list")
    Traceback (most recent call last):
    ...
    cnncourse.checks._core.CheckFailed: build_list() failed on case 'sorted': got [3, 1, 2].
      Hint: sort it before returning.
    """
    __tracebackhide__ = True
    require_student_function(student, name)
    subject = Subject(student, name)
    for prop in properties:
        subject.case = prop.name
        try:
            prop.test(subject)
            continue
        except Mismatch as mismatch:
            failure = mismatch
        subject.fail(failure.message, failure.hint or prop.hint)  # outside the except: one exception, not a chain
    if summary is not None:
        print(f"{name}: all checks passed ({summary(subject)}).")
    return subject
