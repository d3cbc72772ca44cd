"""Pooling: one window forward, gradient routing backward, and what a max-pool keeps of a feature map.

Introduced in notebooks/02_convolution_layers_lecture.ipynb (:func:`pool_step`), notebooks/03_backprop_lecture.ipynb
(:func:`maxpool_routing`) and notebooks/04_training_cnns_lecture.ipynb (:func:`maxpool_survivors_map`, its
numbers from :func:`maxpool_survivors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import _auto_fmt, _cell_box, _check_index, _matrix, _symmetric_limit, _to_numpy, format_number
from .panels import _show_signed, show_matrix

if TYPE_CHECKING:
    import torch


def pool_step(values: ArrayLike, i: int = 0, j: int = 0, kernel_size: int = 2, stride: int | None = None) -> Figure:
    """Draw one pooling window on a small matrix and the max- and average-pooled outputs.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Parameters
    ----------
    values : ndarray, shape (H, W)
        A small feature map (numbers are printed).
    i, j : int
        Output row and column whose window is outlined.
    kernel_size : int, default 2
    stride : int, optional
        Default ``kernel_size`` (non-overlapping windows).

    Returns
    -------
    fig : matplotlib Figure
        Panels labelled "input", "max", "avg".  The window is a red rectangle (gid "window")
        at rows ``i*stride .. i*stride + kernel_size - 1``; the outputs outline ``(i, j)``
        (gid "current"); ``OH = (H - kernel_size) // stride + 1``.

    Examples
    --------
    >>> fig = pool_step(np.arange(16.0).reshape(4, 4), 1, 0)
    >>> [p.get_xy() for p in fig.axes[0].patches if p.get_gid() == "window"]
    [(-0.5, 1.5)]
    >>> plt.close(fig)
    """
    from ..ref import pool

    values = v.as_float(_matrix("values", values))
    kernel_size = v.require_int("kernel_size", kernel_size, minimum=1)
    stride = kernel_size if stride is None else v.require_int("stride", stride, minimum=1)
    x = values[None, None]
    mx = pool.max_pool2d_forward(x, kernel_size, stride)[0, 0]  # (OH, OW)
    av = pool.avg_pool2d_forward(x, kernel_size, stride)[0, 0]
    i = _check_index("i", i, mx.shape[0], "row")
    j = _check_index("j", j, mx.shape[1], "column")
    r0, c0 = i * stride, j * stride
    window = values[r0:r0 + kernel_size, c0:c0 + kernel_size]
    h, w = values.shape
    widths = [w, max(mx.shape[1], 2), max(mx.shape[1], 2)]
    fig, axes = plt.subplots(1, 3, figsize=(min(max(0.6 * sum(widths) + 2, 7.5), 16), 0.6 * h + 1.9),
                             gridspec_kw={"width_ratios": widths})
    lo, hi = float(values.min()), float(values.max())
    for ax, label, data, title in ((axes[0], "input", values, f"input {h}\u00d7{w}"),
                                   (axes[1], "max", mx, f"max pool: {mx.shape[0]}\u00d7{mx.shape[1]}"),
                                   (axes[2], "avg", av, f"average pool: {av.shape[0]}\u00d7{av.shape[1]}")):
        ax.set_label(label)
        show_matrix(data, ax=ax, title=title, fmt=_auto_fmt(data), vmin=lo, vmax=hi, cmap="viridis",
                    indices=False)
        ax.set_anchor("N")
    axes[0].add_patch(Rectangle((c0 - 0.5, r0 - 0.5), kernel_size, kernel_size, fill=False, edgecolor="red",
                                linewidth=3, gid="window"))
    for ax in axes[1:]:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=3, gid="current"))
    fig.suptitle(f"window {kernel_size}\u00d7{kernel_size}, stride {stride}\nout[{i}, {j}]: "
                 f"max = {format_number(window.max())}, mean = {format_number(window.mean())}"
                 + ("\n(windows overlap: stride < kernel size)" if stride < kernel_size else ""))
    fig.tight_layout()
    return fig


def _pool_argmax(x, kernel_size, stride):
    """Row and column of the first maximum (row-major) of every window, and all tied maxima."""
    oh, ow = (x.shape[0] - kernel_size) // stride + 1, (x.shape[1] - kernel_size) // stride + 1
    chosen, ties = {}, {}
    for i in range(oh):
        for j in range(ow):
            win = x[i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            rows, cols = np.nonzero(win == win.max())
            cells = [(i * stride + int(r), j * stride + int(c)) for r, c in zip(rows, cols)]
            chosen[i, j], ties[i, j] = cells[0], cells[1:]
    return chosen, ties


def maxpool_routing(x: ArrayLike, dout: ArrayLike, kernel_size: int = 2, stride: int | None = None) -> Figure:
    """Draw max-pool backward: each window's upstream gradient goes to the window's argmax.

    Introduced in notebooks/03_backprop_lecture.ipynb.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        The pooling layer's input (one channel; numbers are printed).
    dout : ndarray, shape (OH, OW)
        Upstream gradient, ``OH = (H - kernel_size) // stride + 1``.
    kernel_size : int, default 2
    stride : int, optional
        Default ``kernel_size``.

    Returns
    -------
    fig : matplotlib Figure
        Panels labelled "x", "dout", "dx".  In "x" every window is outlined in its own colour
        (gid "window") and the cell that receives the gradient has a thick red box (gid
        "argmax"); other cells that tie for the maximum get a dashed box (gid "tie") and no
        gradient.  In "dout" each cell is outlined in its window's colour (gid "out_cell"); in
        "dx" (= :func:`cnncourse.ref.pool.max_pool2d_backward`) the routed cells are boxed
        (gid "routed").  Overlapping windows that share an argmax add up.

    Notes
    -----
    Ties: the first maximum in row-major order (top row first, then left to right) gets the
    whole gradient, once — as ``torch.nn.functional.max_pool2d`` on the CPU.

    Examples
    --------
    >>> fig = maxpool_routing(np.array([[1.0, 3.0], [3.0, 0.0]]), np.array([[5.0]]))
    >>> [p.get_xy() for p in fig.axes[0].patches if p.get_gid() == "argmax"]
    [(0.5, -0.5)]
    >>> [p.get_xy() for p in fig.axes[0].patches if p.get_gid() == "tie"]
    [(-0.5, 0.5)]
    >>> plt.close(fig)
    """
    from ..ref import pool

    x = v.as_float(v.require_array("x", x, ndim=2, shape_text="(H, W)",
                                   fix="Pass one channel of the pooling input, e.g. x[0, 0]."))
    dout = v.as_float(v.require_array("dout", dout, ndim=2, shape_text="(OH, OW)",
                                      fix="Pass one channel of the upstream gradient, e.g. dout[0, 0]."))
    kernel_size = v.require_int("kernel_size", kernel_size, minimum=1)
    stride = kernel_size if stride is None else v.require_int("stride", stride, minimum=1)
    if kernel_size > min(x.shape):
        raise ValueError(v.message("kernel_size", f"be at most the input's height and width {x.shape}", kernel_size,
                                   "Use a smaller window."))
    oh, ow = (x.shape[0] - kernel_size) // stride + 1, (x.shape[1] - kernel_size) // stride + 1
    if dout.shape != (oh, ow):
        raise ValueError(v.message("dout", f"have the pooled shape {(oh, ow)} (kernel {kernel_size}, stride {stride})",
                                   f"shape {dout.shape}", "dout is the gradient of the pooling output: one "
                                   "number per window."))
    dx = pool.max_pool2d_backward(dout[None, None], x[None, None], kernel_size, stride)[0, 0]
    chosen, ties = _pool_argmax(x, kernel_size, stride)
    h, w = x.shape
    widths = [w, max(ow, 2), w]
    fig, axes = plt.subplots(1, 3, figsize=(min(0.62 * sum(widths) + 3, 17), 0.62 * h + 2.2),
                             gridspec_kw={"width_ratios": widths})
    ax_x, ax_d, ax_dx = axes
    for ax, label in zip(axes, ("x", "dout", "dx")):
        ax.set_label(label)
        ax.set_anchor("N")
    show_matrix(x, ax=ax_x, title=f"x: pooling input {h}\u00d7{w}", fmt=_auto_fmt(x), cmap="Greys", vmin=float(x.min()),
                vmax=float(x.max()) + 0.6 * (float(x.max()) - float(x.min()) + 1e-9), indices=False)
    m = _symmetric_limit(np.concatenate([dout.ravel(), dx.ravel()]))
    _show_signed(dout, ax_d, f"dout: upstream gradient {oh}\u00d7{ow}", m=m)
    _show_signed(dx, ax_dx, "dx: routed to the argmax", m=m)
    colors = plt.get_cmap("tab10")
    overlap = stride < kernel_size
    for k, ((i, j), (r, c)) in enumerate(chosen.items()):
        color = colors(k % 10)
        inset = 0.06 * (k % 3) if overlap else 0.04
        ax_x.add_patch(Rectangle((j * stride - 0.5 + inset, i * stride - 0.5 + inset), kernel_size - 2 * inset,
                                 kernel_size - 2 * inset, fill=False, edgecolor=color, linewidth=2, gid="window"))
        _cell_box(ax_d, i, j, gid="out_cell", edgecolor=color, linewidth=2.5)
        _cell_box(ax_x, r, c, gid="argmax", edgecolor="red", linewidth=3.5)
        for tr, tc in ties[i, j]:
            _cell_box(ax_x, tr, tc, gid="tie", edgecolor="tab:orange", linewidth=2.5, linestyle="--")
    for r, c in sorted(set(chosen.values())):
        _cell_box(ax_dx, r, c, gid="routed", edgecolor="red", linewidth=3)
    text = (f"max-pool backward (window {kernel_size}\u00d7{kernel_size}, stride {stride}): each dout value goes "
            "to its window's maximum (red box); every other cell gets 0")
    if any(ties.values()):
        text += "\nties (dashed): only the first maximum in row-major order gets the gradient, once"
    if overlap:
        text += "\nwindows overlap: a cell that is the maximum of several windows receives the sum"
    fig.suptitle(text, fontsize=10.5)
    fig.tight_layout()
    return fig


def maxpool_survivors(fmap: ArrayLike | torch.Tensor, pooled: ArrayLike | torch.Tensor | None = None,
                      kernel_size: int = 2, n: int = 10) -> dict[str, Any]:
    """Which of a feature map's ``n`` strongest activations survive max pooling unchanged.

    Introduced in notebooks/04_training_cnns_lecture.ipynb ("what max pooling keeps").  Windows are
    ``kernel_size × kernel_size`` with stride ``kernel_size``, as ``nn.MaxPool2d(kernel_size)``;
    an activation survives when it is the maximum of its window.  The numbers
    :func:`maxpool_survivors_map` draws.

    Parameters
    ----------
    fmap : ndarray or tensor, shape (H, W)
        One channel of a feature map, e.g. a ReLU output.
    pooled : ndarray or tensor, shape (H // kernel_size, W // kernel_size), optional
        Its max-pooled version (e.g. the model's); computed here when omitted.
    kernel_size : int, default 2
    n : int, default 10
        How many of the largest values to follow, at most ``H * W``.

    Returns
    -------
    dict
        ``"fmap"`` and ``"pooled"``: the two maps as arrays (dtype kept); ``"rows"``, ``"cols"``:
        int arrays (n,), the positions of fmap's n largest values, largest first;
        ``"survived"``: bool array (n,), ``fmap[r, c] == pooled[r // k, c // k]``; ``"covered"``:
        bool, every value of fmap (in full windows) is at most the pooled value of its window.

    Raises
    ------
    ValueError
        ``pooled`` not of the pooled shape, ``kernel_size`` larger than the map, ``n`` out of range.

    Examples
    --------
    >>> kept = maxpool_survivors(np.array([[1.0, 5.0, 0.0, 0.0], [4.0, 0.0, 0.0, 2.0]]), n=3)
    >>> kept["pooled"]
    array([[5., 2.]])
    >>> kept["rows"], kept["cols"], kept["survived"]
    (array([0, 1, 1]), array([1, 0, 3]), array([ True, False,  True]))
    """
    fmap = v.require_array("fmap", _to_numpy(fmap), ndim=2, shape_text="(H, W)",
                           fix="Pass one channel of the feature map, e.g. maps[c].")
    if fmap.dtype.kind not in "biuf":
        raise TypeError(v.message("fmap", "be real-valued", f"dtype {fmap.dtype}", "Convert it with .astype(float)."))
    k = v.require_int("kernel_size", kernel_size, minimum=1)
    if k > min(fmap.shape):
        raise ValueError(v.message("kernel_size", f"be at most the map's height and width {fmap.shape}", k,
                                   "Use a smaller window."))
    ph, pw = fmap.shape[0] // k, fmap.shape[1] // k
    full = fmap[:ph * k, :pw * k]  # the part that full windows cover
    if pooled is None:
        pooled = full.reshape(ph, k, pw, k).max(axis=(1, 3))  # (PH, PW)
    pooled = v.require_array("pooled", _to_numpy(pooled), ndim=2, shape_text="(PH, PW)")
    if pooled.shape != (ph, pw):
        raise ValueError(v.message("pooled", f"have the pooled shape {(ph, pw)} (kernel_size {k}, stride {k})",
                                   f"shape {pooled.shape}", "Pass the max-pooled map of the same channel, or None."))
    n = v.require_int("n", n, minimum=1)
    if n > fmap.size:
        raise ValueError(v.message("n", f"be at most the number of values in fmap ({fmap.size})", n))
    top = np.argsort(fmap, axis=None)[::-1][:n]
    rows, cols = np.unravel_index(top, fmap.shape)
    survived = fmap[rows, cols] == pooled[np.minimum(rows // k, ph - 1), np.minimum(cols // k, pw - 1)]
    survived &= (rows < ph * k) & (cols < pw * k)  # past the last full window: dropped by the pool
    covering = np.kron(pooled, np.ones((k, k), dtype=pooled.dtype))  # each pooled value back on its window
    return {"fmap": fmap, "pooled": pooled, "rows": rows, "cols": cols, "survived": survived,
            "covered": bool(np.all(full <= covering))}


def maxpool_survivors_map(fmap: ArrayLike | torch.Tensor, pooled: ArrayLike | torch.Tensor | None = None,
                          kernel_size: int = 2, n: int = 10, name: str = "feature map") -> Figure:
    """Draw a feature map and its max-pooled version with the ``n`` strongest activations circled in both.

    Introduced in notebooks/04_training_cnns_lecture.ipynb ("what max pooling keeps"): where an
    activation was the maximum of its window, it survives the pooling unchanged; a strong
    neighbour stands for the others.

    Parameters
    ----------
    fmap : ndarray or tensor, shape (H, W)
        A non-negative map, e.g. one channel of a ReLU output.
    pooled : ndarray or tensor, shape (H // kernel_size, W // kernel_size), optional
        Its max-pooled version; computed when omitted.
    kernel_size : int, default 2
    n : int, default 10
    name : str, default "feature map"
        Title of the first panel, followed by its size.

    Returns
    -------
    fig : matplotlib Figure
        Panels labelled "map" (titled ``"{name}: H × W"``) and "pooled" (``"after k × k
        max-pool: PH × PW"``), both on "magma" from 0 to ``max(fmap)``.  Each has one line with
        gid "strongest" whose points are the n strongest activations of fmap (row, col), in the
        pooled panel at ``(row // k, col // k)``: the positions of :func:`maxpool_survivors`.

    Examples
    --------
    >>> fig = maxpool_survivors_map(np.array([[1.0, 5.0, 0.0, 0.0], [4.0, 0.0, 0.0, 2.0]]), n=3)
    >>> [ax.get_title() for ax in fig.axes]
    ['feature map: 2 × 4', 'after 2 × 2 max-pool: 1 × 2']
    >>> fig.axes[1].get_lines()[0].get_xydata().tolist()
    [[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]]
    >>> plt.close(fig)
    """
    kept = maxpool_survivors(fmap, pooled, kernel_size=kernel_size, n=n)
    fmap, pooled, rows, cols = kept["fmap"], kept["pooled"], kept["rows"], kept["cols"]
    k = int(kernel_size)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    vmax = float(fmap.max())
    (h, w), (ph, pw) = fmap.shape, pooled.shape
    panels = ((axes[0], "map", fmap, f"{name}: {h} \u00d7 {w}", 1),
              (axes[1], "pooled", pooled, f"after {k} \u00d7 {k} max-pool: {ph} \u00d7 {pw}", k))
    for ax, label, values, title, scale in panels:
        ax.set_label(label)
        ax.imshow(values, cmap="magma", vmin=0, vmax=vmax)
        ax.plot(cols // scale, rows // scale, "o", markerfacecolor="none", markeredgecolor="cyan", markersize=9,
                gid="strongest")
        ax.set(title=title, xticks=[], yticks=[])
    fig.tight_layout()
    return fig
