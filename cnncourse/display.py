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
