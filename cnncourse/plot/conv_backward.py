"""Conv backward, one channel and one filter: what one upstream gradient adds, and dL/dX as a full convolution.

Introduced in notebooks/03_backprop_lecture.ipynb.  :func:`conv_backward_parts` computes the numbers that
:func:`conv_backward_window` draws.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import _MINUS, _auto_fmt, _cell_box, _check_index, _paren, _symmetric_limit, format_number
from .panels import _show_signed, show_kernel, show_matrix


def _conv_single(name_x, x, w, name_w="w"):
    x = v.as_float(v.require_array(name_x, x, ndim=2, shape_text="(H, W)",
                                   fix="Pass one channel, e.g. x[0, 0]; the picture is for one image and one filter."))
    w = v.as_float(v.require_array(name_w, w, ndim=2, shape_text="(KH, KW)", fix="Pass one kernel, e.g. w[0, 0]."))
    return x, w


def conv_backward_parts(x: ArrayLike, w: ArrayLike, dout: ArrayLike, i: int, j: int) -> dict[str, Any]:
    """What one upstream gradient ``dout[i, j]`` adds to dL/dW and dL/dX, and the full gradients.

    Introduced in notebooks/03_backprop_lecture.ipynb.  The numbers :func:`conv_backward_window` draws,
    without drawing.  One channel, one filter, stride 1, no padding.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    w : ndarray, shape (KH, KW)
    dout : ndarray, shape (OH, OW)
        ``OH = H - KH + 1``, ``OW = W - KW + 1``.
    i, j : int
        The upstream-gradient entry to follow.

    Returns
    -------
    dict
        ``"x"``, ``"w"``, ``"dout"``: the inputs as float arrays; ``"dw_part"`` (KH, KW) =
        ``dout[i, j] * x[i:i+KH, j:j+KW]``; ``"dx_part"`` (H, W), zero but for
        ``dout[i, j] * w`` in that window; ``"dw"`` (KH, KW), ``"dx"`` (H, W) and ``"db"``
        (float): the full gradients from :func:`cnncourse.ref.conv.conv2d_backward`.  Summed over
        all (i, j), the ``dw_part`` give ``dw`` and the ``dx_part`` give ``dx``.

    Raises
    ------
    ValueError
        ``w`` larger than ``x``, ``dout`` not of the output's shape, ``i``/``j`` outside it.

    Examples
    --------
    >>> parts = conv_backward_parts(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), np.ones((2, 2)), 0, 1)
    >>> parts["dw_part"]
    array([[1., 2.],
           [4., 5.]])
    >>> parts["dw"]
    array([[ 8., 12.],
           [20., 24.]])
    """
    from ..ref import conv

    x, w = _conv_single("x", x, w)
    dout = v.as_float(v.require_array("dout", dout, ndim=2, shape_text="(OH, OW)",
                                      fix="Pass one channel of the upstream gradient, e.g. dout[0, 0]."))
    (h, wd), (kh, kw) = x.shape, w.shape
    if kh > h or kw > wd:
        raise ValueError(v.message("w", f"fit inside x {x.shape}", f"kernel {kh} x {kw}", "Use a smaller kernel."))
    oh, ow = h - kh + 1, wd - kw + 1
    if dout.shape != (oh, ow):
        raise ValueError(v.message("dout", f"have the conv output's shape {(oh, ow)} (stride 1, no padding)",
                                   f"shape {dout.shape}", "dout is the gradient of x \u22c6 w, one number per output."))
    i = _check_index("i", i, oh, "row")
    j = _check_index("j", j, ow, "column")
    dx, dw, db = conv.conv2d_backward(dout[None, None], x[None, None], w[None, None])
    dx, dw = dx[0, 0], dw[0, 0]
    g = dout[i, j]
    dw_part = g * x[i:i + kh, j:j + kw]
    dx_part = np.zeros_like(x)
    dx_part[i:i + kh, j:j + kw] = g * w
    return {"x": x, "w": w, "dout": dout, "dw_part": dw_part, "dx_part": dx_part, "dw": dw, "dx": dx,
            "db": float(db[0])}


def conv_backward_window(x: ArrayLike, w: ArrayLike, dout: ArrayLike, i: int, j: int) -> Figure:
    """Draw what one upstream gradient ``dout[i, j]`` contributes to dL/dW and dL/dX.

    Introduced in notebooks/03_backprop_lecture.ipynb.  One channel, one filter, stride 1, no padding:
    ``out[i, j] = sum(x[i:i+KH, j:j+KW] * w) + b``, so ``dout[i, j]`` adds
    ``dout[i, j] * x[i:i+KH, j:j+KW]`` to dL/dW, ``dout[i, j] * w`` to the same window of
    dL/dX, and ``dout[i, j]`` to dL/db.  Summed over all (i, j): dL/dW = x ⋆ dout (a
    correlation), dL/db = sum(dout).

    Parameters
    ----------
    x : ndarray, shape (H, W)
    w : ndarray, shape (KH, KW)
    dout : ndarray, shape (OH, OW)
        ``OH = H - KH + 1``, ``OW = W - KW + 1``.
    i, j : int
        The upstream-gradient entry to follow.

    Returns
    -------
    fig : matplotlib Figure
        Two rows.  Top: "x" (the window of out[i, j], gid "window"), "w", "dout" (cell (i, j),
        gid "current").  Bottom: "dw part" = dout[i, j]·window, "dw" = the full dL/dW, "dx part"
        = dout[i, j]·w placed in the window (gid "window"), "dx" = the full dL/dX (from
        :func:`cnncourse.ref.conv.conv2d_backward`); the numbers of :func:`conv_backward_parts`.

    Examples
    --------
    >>> fig = conv_backward_window(np.arange(16.0).reshape(4, 4), np.ones((3, 3)), np.ones((2, 2)), 1, 0)
    >>> [p.get_xy() for p in fig.axes[0].patches if p.get_gid() == "window"]
    [(-0.5, 0.5)]
    >>> plt.close(fig)
    """
    parts = conv_backward_parts(x, w, dout, i, j)
    x, w, dout, dw, dx = parts["x"], parts["w"], parts["dout"], parts["dw"], parts["dx"]
    (h, wd), (kh, kw), (oh, ow) = x.shape, w.shape, dout.shape
    i, j, g = int(i), int(j), dout[i, j]
    fig, axes = plt.subplots(2, 4, figsize=(14, 7.4), gridspec_kw={"width_ratios": [wd, kw, max(ow, kw), wd]})
    (ax_x, ax_w, ax_d, spare), (ax_dwp, ax_dw, ax_dxp, ax_dx) = axes
    spare.set_axis_off()

    def fmt3(t):
        return format_number(t, 3)

    show_matrix(x, ax=ax_x, title=f"x {h}\u00d7{wd}", fmt=_auto_fmt(x), cmap="Greys",
                vmin=float(x.min()), vmax=float(x.max()) + 0.6 * (float(np.ptp(x)) + 1e-9), indices=False)
    show_kernel(w, ax=ax_w, title=f"w {kh}\u00d7{kw}")
    _show_signed(dout, ax_d, f"dout {oh}\u00d7{ow}", fmt=fmt3)
    m_dw = _symmetric_limit(dw)
    _show_signed(parts["dw_part"], ax_dwp, f"dout[{i}, {j}] \u00b7 window\n(added to dL/dw)", m=m_dw, fmt=fmt3)
    _show_signed(dw, ax_dw, f"dL/dw = x \u22c6 dout\n(sum over all {oh * ow} outputs)", m=m_dw, fmt=fmt3)
    m_dx = _symmetric_limit(dx)
    _show_signed(parts["dx_part"], ax_dxp, f"dout[{i}, {j}] \u00b7 w in the window\n(added to dL/dx)", m=m_dx, fmt=fmt3)
    _show_signed(dx, ax_dx, f"dL/dx (sum over all outputs)\ndL/db = sum(dout) = {format_number(parts['db'], 3)}",
                 m=m_dx, fmt=fmt3)
    for ax, label in zip(axes.flat, ("x", "w", "dout", "", "dw part", "dw", "dx part", "dx")):
        ax.set_label(label)
        ax.set_anchor("N")
    _cell_box(ax_x, i, j, kh, kw, gid="window")
    _cell_box(ax_dxp, i, j, kh, kw, gid="window")
    _cell_box(ax_d, i, j, gid="current")
    fig.suptitle(f"out[{i}, {j}] = sum(x[{i}:{i + kh}, {j}:{j + kw}] \u00b7 w) + b, so dout[{i}, {j}] = "
                 f"{format_number(g, 3)} flows back to that window of x and to every weight".replace("-", _MINUS),
                 fontsize=11)
    fig.tight_layout()
    return fig


def conv_backward_dx_step(dout: ArrayLike, w: ArrayLike, r: int, c: int) -> Figure:
    """Draw dL/dX as a *full* convolution: pad dout by K − 1 and correlate it with w rotated 180°.

    Introduced in notebooks/03_backprop_lecture.ipynb.  One channel, one filter, stride 1, no padding.

    Parameters
    ----------
    dout : ndarray, shape (OH, OW)
        Upstream gradient of ``x ⋆ w``.
    w : ndarray, shape (KH, KW)
    r, c : int
        The entry ``dx[r, c]`` to compute, ``0 <= r < OH + KH - 1``.

    Returns
    -------
    fig : matplotlib Figure
        Panels labelled "padded dout" (zero ring of width KH − 1 / KW − 1 tinted, the window of
        dx[r, c] in red, gid "window", at padded rows r .. r + KH − 1), "rot180(w)", "product"
        and "dx" (entry (r, c) boxed, gid "current"; equal to ``conv2d_backward``'s dx).  The
        suptitle writes out the sum.

    Examples
    --------
    >>> fig = conv_backward_dx_step(np.ones((2, 2)), np.ones((2, 2)), 0, 0)
    >>> float(fig.axes[-1].images[0].get_array()[0, 0])
    1.0
    >>> plt.close(fig)
    """
    from ..ref import conv

    dout, w = _conv_single("dout", dout, w)
    (oh, ow), (kh, kw) = dout.shape, w.shape
    h, wd = oh + kh - 1, ow + kw - 1
    for name, value, size, axis in (("r", r, h, "row"), ("c", c, wd, "column")):
        value = v.require_int(name, value, minimum=0, fix=f"dx {axis}s are numbered from 0.")
        if value >= size:
            raise ValueError(v.message(name, f"be a dx {axis} index in 0..{size - 1} (dx has the input's size, "
                                       f"{h}\u00d7{wd} = dout {oh}\u00d7{ow} + kernel \u2212 1)", value,
                                       f"Pick {name} <= {size - 1}."))
    dx = conv.conv2d_backward(dout[None, None], np.zeros((1, 1, h, wd)), w[None, None])[0][0, 0]
    padded = np.pad(dout, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    rot = w[::-1, ::-1]
    window = padded[r:r + kh, c:c + kw]
    product = window * rot
    widths = [padded.shape[1], kw, kw, wd]
    fig, axes = plt.subplots(1, 4, figsize=(min(0.62 * sum(widths) + 3.5, 17), 0.62 * padded.shape[0] + 2.4),
                             gridspec_kw={"width_ratios": widths})
    ax_p, ax_k, ax_prod, ax_dx = axes
    for ax, label in zip(axes, ("padded dout", "rot180(w)", "product", "dx")):
        ax.set_label(label)
        ax.set_anchor("N")
    _show_signed(padded, ax_p, f"dout {oh}\u00d7{ow}, zero-padded by {kh - 1}")
    tint = np.zeros(padded.shape + (4,))
    tint[..., :3] = (0.25, 0.45, 0.95)
    tint[..., 3] = 0.3
    tint[kh - 1:kh - 1 + oh, kw - 1:kw - 1 + ow, 3] = 0.0
    ax_p.imshow(tint, interpolation="nearest")
    ax_p.add_patch(Rectangle((kw - 1.5, kh - 1.5), ow, oh, fill=False, edgecolor="tab:blue", linestyle="--",
                             linewidth=1.5, gid="dout"))
    show_kernel(rot, ax=ax_k, title="w rotated 180\u00b0")
    _show_signed(product, ax_prod, "window \u00d7 rot180(w)")
    _show_signed(dx, ax_dx, f"dL/dx {h}\u00d7{wd}")
    _cell_box(ax_p, r, c, kh, kw, gid="window")
    _cell_box(ax_dx, r, c, gid="current")
    terms = " + ".join(f"{_paren(a)}\u00b7{_paren(b)}" for a, b in zip(window.ravel(), rot.ravel())
                       if a != 0 and b != 0) or "0"
    if len(terms) > 110:
        terms = terms[:107] + "\u2026"
    fig.suptitle(f"dx[{r}, {c}] = {terms} = {format_number(dx[r, c], 3)}\nfull convolution: every dout entry "
                 f"whose window covered x[{r}, {c}], times the weight that touched it", fontsize=10.5)
    fig.tight_layout()
    return fig
