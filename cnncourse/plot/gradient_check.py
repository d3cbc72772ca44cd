"""Gradient checking: the relative error of centred differences against the step h.

Introduced in notebooks/03_backprop_lecture.ipynb.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import _new_ax


def gradient_check_vs_h(f: Callable[[np.ndarray], float], x: np.ndarray, grad: ArrayLike,
                        hs: Sequence[float] | None = None, ax: Axes | None = None) -> Figure:
    """Plot the relative error of centred differences against the step h (log-log).

    Introduced in notebooks/03_backprop_lecture.ipynb.  For each h, the numerical gradient
    ``(f(x + h e_i) − f(x − h e_i)) / 2h`` (:func:`cnncourse.ref.gradcheck.numerical_gradient`) is
    compared with ``grad`` by the course's relative error
    ``max_i |a_i − b_i| / max(1e-8, |a_i| + |b_i|)`` (:func:`cnncourse.ref.gradcheck.relative_error`).
    Large h: truncation error, ∝ h² (slope 2).  Small h: round-off, ∝ ε/h (slope −1), with
    ε ≈ 2.2e-16 the float64 spacing near 1.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : ndarray, float64
        The point (left unchanged).
    grad : ndarray, same shape as x
        The analytic gradient to check.
    hs : sequence of float, optional
        Positive steps; default 25 values from 1e-12 to 1 (log spaced).
    ax : matplotlib Axes, optional

    Returns
    -------
    fig : matplotlib Figure
        The error curve is the line with gid "error" (x data ``hs``, y data the relative
        errors); dotted guide lines gid "truncation" (slope 2) and "roundoff" (slope −1);
        the smallest error is a marker with gid "best".

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = gradient_check_vs_h(lambda x: float(np.sum(x ** 3)), np.array([1.0, 2.0]),
    ...                           np.array([3.0, 12.0]), hs=[1e-2, 1e-4])
    >>> [round(float(e), 6) for e in fig.axes[0].get_lines()[0].get_ydata()]
    [1.7e-05, 0.0]
    >>> plt.close(fig)
    """
    from ..ref import gradcheck

    if not callable(f):
        raise TypeError(v.message("f", "be a function f(x) -> float", type(f).__name__,
                                  "For example lambda w: loss_of(w)."))
    x = v.require_array("x", x, ndim=np.ndim(x), shape_text="any shape")
    if x.dtype != np.float64:
        raise TypeError(v.message("x", "be a float64 array (float32 is too coarse for finite differences)",
                                  f"dtype {x.dtype}", "Use x.astype(np.float64)."))
    grad = np.asarray(grad, dtype=float)
    if grad.shape != x.shape:
        raise ValueError(v.message("grad", f"have the shape of x {x.shape}", f"shape {grad.shape}",
                                   "Pass the analytic gradient dL/dx, one number per entry of x."))
    hs = np.logspace(-12, 0, 25) if hs is None else np.asarray(hs, dtype=float).ravel()
    if hs.size == 0 or not np.all(np.isfinite(hs)) or np.any(hs <= 0):
        raise ValueError(v.message("hs", "be a non-empty sequence of positive steps", repr(hs.tolist()),
                                   "For example np.logspace(-12, 0, 25)."))
    point = x.copy()
    errors = np.array([gradcheck.relative_error(gradcheck.numerical_gradient(f, point, h), grad) for h in hs])
    ax = _new_ax(ax, figsize=(7.5, 5))
    shown = np.maximum(errors, 1e-17)  # log scale: an exact match is drawn at the bottom
    ax.loglog(hs, shown, "o-", color="tab:blue", label="relative error", gid="error")
    k = int(np.argmin(errors))
    ax.loglog([hs[k]], [shown[k]], "*", color="red", markersize=16, gid="best",
              label=f"smallest: {errors[k]:.1e} at h = {hs[k]:.0e}")
    lo, hi = float(hs.min()), float(hs.max())
    line = np.logspace(np.log10(lo), np.log10(hi), 50)
    right, left = (hs > hs[k]) & (errors > 0), (hs < hs[k]) & (errors > 0)
    if right.any():  # anchor each guide at the median of the points on its side of the best h
        c2 = float(np.median(errors[right] / hs[right] ** 2))
        ax.loglog(line, c2 * line ** 2, ":", color="tab:orange", gid="truncation",
                  label="truncation \u221d h\u00b2 (slope 2)")
    if left.any():
        c1 = float(np.median(errors[left] * hs[left]))
        ax.loglog(line, c1 / line, ":", color="tab:green", gid="roundoff",
                  label="round-off \u221d \u03b5/h (slope \u22121)")
    ax.set_ylim(max(min(shown.min() / 10, 1e-3), 1e-17), max(shown.max() * 10, 1e-6))
    ax.axhline(1e-7, color="0.6", linewidth=0.8, linestyle="--")
    ax.text(lo, 1.3e-7, "1e-7: a correct gradient usually does better", fontsize=8, color="0.4")
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error |a \u2212 b| / (|a| + |b|)")
    ax.set_title("centred differences: too large h \u2192 truncation, too small h \u2192 round-off")
    ax.legend(fontsize=8, loc="best")
    ax.grid(True, which="major", alpha=0.3)
    return ax.figure
