"""Helpers for the notebooks' figure cells (student side: imports nothing trusted, not even matplotlib).

Introduced in the graded notebooks (solutions/ and assignments/), whose figures show what the
student's own functions do::

    from cnncourse.display import when_implemented

    with when_implemented("pad2d"):
        plot.show_matrix(pad2d(small, 2), title="padding 2")
        plt.show()
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def when_implemented(what: str, to: str = "see this figure") -> Iterator[None]:
    """Run the block; while a function it uses still raises NotImplementedError, say what to write instead.

    Parameters
    ----------
    what : str
        The functions the block needs, as the message names them: ``"pad2d"``, ``"the
        activations"``.
    to : str, default "see this figure"
        What implementing them shows.

    Notes
    -----
    Only ``NotImplementedError`` (the exercise stubs') is caught; any other error shows its
    traceback as usual.  Figures the block had started are closed, so no half-drawn figure
    is shown.

    Examples
    --------
    >>> def pad2d(image, padding):
    ...     raise NotImplementedError()
    >>> with when_implemented("pad2d"):
    ...     pad2d([[1.0]], 1)
    Implement pad2d above to see this figure.
    >>> with when_implemented("im2col", to="see its memory cost"):
    ...     print("im2col works")
    im2col works
    """
    try:
        yield
    except NotImplementedError:
        pyplot = sys.modules.get("matplotlib.pyplot")  # only if the notebook drew with it
        if pyplot is not None:
            pyplot.close("all")
        print(f"Implement {what} above to {to}.")


# ---------------------------------------------------------------- failing test cells: the message first

_RED, _BOLD, _RESET = "\x1b[0;31m", "\x1b[1m", "\x1b[0m"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _is_students(filename: str) -> bool:
    """A frame of the student's code: a notebook cell or their own file, not the course or a library."""
    if filename.startswith(_PACKAGE_DIR):
        return False
    if "ipykernel_" in filename or filename.startswith("<ipython-input"):
        return True
    return not any(part in filename for part in ("/site-packages/", "/dist-packages/", "/lib/python", "<frozen"))


def failure_lines(failure: BaseException, code_name=None) -> list[str]:
    """What a failing check shows in a notebook: its message and hint, then the student's frames.

    Parameters
    ----------
    failure : BaseException
        The check's failure (``CheckFailed``).  When the student's own code raised, the check
        keeps that exception as ``failure.student_error``; its frames in the student's code
        are listed after the message, the course's and libraries' frames never.
    code_name : callable, optional
        ``filename -> (label, name) or None``, IPython's ``compile.format_code_name`` (which
        turns a cell's temporary file into ``Cell In[5]``).

    Returns
    -------
    list of str
        Lines (with ANSI colours), the first of which is the message.

    Examples
    --------
    >>> failure_lines(AssertionError("pad2d() failed on case 'zeros': wrong values.\\n  Hint: pad every side."))[1]
    '  Hint: pad every side.'
    """
    import traceback

    first, _, rest = str(failure).partition("\n")
    lines = [f"{_RED}{_BOLD}{first}{_RESET}", *rest.splitlines()]
    error = getattr(failure, "student_error", None)
    frames = [] if error is None else [f for f in traceback.extract_tb(error.__traceback__) if _is_students(f.filename)]
    if frames:
        lines += ["", f"Where your code raised {type(error).__name__}:"]
        for frame in frames:
            label = code_name(frame.filename) if code_name is not None else None
            place = f"{label[0]} {label[1]}" if label else frame.filename
            lines += [f"  {place}, line {frame.lineno}, in {frame.name}", f"    {_RED}{(frame.line or '').strip()}{_RESET}"]
    return lines


def show_failures_first(*exception_classes: type[BaseException]) -> bool:
    """In IPython, show these exceptions as :func:`failure_lines` (message first, no course frames).

    Called when ``cnncourse.checks`` is imported, for ``CheckFailed``.  Returns False outside
    IPython.  The cell still ends in an error (nbgrader and nbclient see a failed cell); only
    what is shown changes.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    code_name = getattr(getattr(shell, "compile", None), "format_code_name", None)

    def show(shell, etype, value, tb, tb_offset=None):
        shell._showtraceback(etype, value, failure_lines(value, code_name))  # the kernel sends it as the error output

    shell.set_custom_exc(tuple(exception_classes), show)
    return True
