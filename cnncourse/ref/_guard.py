"""Keep reference solutions out of student code while a check runs it.

A check runs student code inside ``student_code()``; a function decorated with
``@reference`` refuses to run inside it.  The state lives in this module's globals,
which ``importlib.reload`` keeps (it re-executes the module in the same namespace),
so references a student imported before ``checks.fresh()`` still see the guard.
"""

import contextlib
import functools
import inspect

_depth = globals().get("_depth", 0)


class ReferenceCalledError(RuntimeError):
    """Raised when student code calls a reference solution during a check."""


def active():
    """Return True while a check is running student code."""
    return _depth > 0


@contextlib.contextmanager
def student_code():
    """Mark the enclosed block as student code: reference functions refuse to run."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1


@contextlib.contextmanager
def trusted_code():
    """Lift the guard inside a check (e.g. to compute a reference value mid-call)."""
    global _depth
    saved, _depth = _depth, 0
    try:
        yield
    finally:
        _depth = saved


def reference(func):
    """Decorate a reference implementation so student code cannot call it during a check."""

    @functools.wraps(func)
    def guarded(*args, **kwargs):
        if _depth > 0:
            raise ReferenceCalledError(
                f"{func.__module__}.{func.__qualname__} is the course's reference solution; "
                "it cannot be called while your code is being checked. "
                "Write the computation yourself (your own helper functions are fine)."
            )
        return func(*args, **kwargs)

    del guarded.__wrapped__  # no back door to the unguarded function
    guarded.__signature__ = inspect.signature(func)
    guarded.is_reference = True
    return guarded
