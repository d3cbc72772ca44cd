"""Numerical gradients and the relative error that compares them with analytic ones.

Introduced in notebooks/03_backprop_lecture.ipynb.  :func:`relative_error` is the one formula the
checks, the plots and the lectures use.
"""

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .. import _validate as v
from ._common import _array
from ._guard import reference


@reference
def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of a scalar function ``f`` at ``x``.

    Introduced in notebooks/03_backprop_lecture.ipynb.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.  Called ``2 * x.size`` times.
    x : ndarray
        The point; each entry is nudged by ``±h`` in turn and restored afterwards.
    h : float, default 1e-5

    Returns
    -------
    grad : ndarray, shape of ``x``, float64
        ``(f(x + h e_i) - f(x - h e_i)) / (2h)`` for every entry i: error O(h²).

    Examples
    --------
    >>> numerical_gradient(lambda x: float(np.sum(x ** 2)), np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    if not callable(f):
        raise TypeError(v.message("f", "be a function f(x) -> float", type(f).__name__))
    x = _array("x", x, "any shape")
    if x.dtype != np.float64:
        raise TypeError(v.message("x", "be a float64 array (float32 is too coarse for finite differences)",
                                  f"dtype {x.dtype}", "Use x.astype(np.float64)."))
    h = v.require_number("h", h)
    if h <= 0:
        raise ValueError(v.message("h", "be a small positive step", h, "The default 1e-5 suits float64."))
    return _centred_differences(f, x, h)


def _centred_gradient(f, x, h=1e-6):
    """Centred differences on a float64 copy of ``x`` (the checks' numerical gradient, unguarded)."""
    return _centred_differences(f, np.array(x, dtype=np.float64), h)


def _centred_differences(f, x, h):
    """:func:`numerical_gradient` without its checks and its guard (the checks grade with it).

    ``x`` is a float64 array, nudged in place and restored.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = float(f(x))
        x[i] = old - h
        minus = float(f(x))
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """Largest entry-wise relative error ``|a - b| / max(1e-8, |a| + |b|)`` of two arrays.

    Introduced in notebooks/03_backprop_lecture.ipynb.  The course's one formula (CS231n's): the checks
    grade backward passes with it, and the lecture's plots show it.  About 1e-7 or less means
    two gradients agree; 1e-2 or more means a bug.  Not a reference solution: plots call it.

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float
        0 for two empty arrays.

    Examples
    --------
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    >>> round(relative_error(np.array([1.0]), np.array([3.0])), 3)
    0.5
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(v.message("b", f"have the shape of a {a.shape}", f"shape {b.shape}"))
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
