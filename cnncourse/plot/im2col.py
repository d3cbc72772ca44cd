"""Convolution as one matrix multiply: im2col drawn on one tiny image.

Introduced in notebooks/04_training_cnns_lecture.ipynb.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import _auto_fmt, _mark_padding, _shape_text, _to_numpy
from .panels import show_matrix

if TYPE_CHECKING:
    import torch


_WINDOW_COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange")


def im2col_picture(x: ArrayLike | torch.Tensor, kernel_size: int | tuple[int, int], stride: int = 1, padding: int = 0,
                   n_windows: int = 3) -> Figure:
    """Draw im2col on one tiny image: its windows outlined, and the same numbers as columns of ``cols``.

    Introduced in notebooks/04_training_cnns_lecture.ipynb: convolution as one matrix multiply,
    ``out = w.reshape(F, -1) @ cols``.

    Parameters
    ----------
    x : ndarray, shape (1, C, H, W)
        One small image (at most 3 channels, padded side at most 12).
    kernel_size : int or (int, int)
    stride : int, default 1
    padding : int, default 0
    n_windows : int, default 3
        How many of the first windows (row-major output positions) to outline, at most 4.

    Returns
    -------
    fig : matplotlib Figure
        Panels labelled "x[0, c]" (the zero-padded channel c, padding tinted; window k
        outlined with gid "window k") and "cols" (``cnncourse.ref.conv.im2col(x, ...)``, rows
        labelled (c, kh, kw), columns (i, j); column k outlined in the same colour with gid
        "column k").  The suptitle gives the shapes and the memory factor ``cols.size / x.size``.

    Examples
    --------
    >>> fig = im2col_picture(np.arange(16.0).reshape(1, 1, 4, 4), 3)
    >>> fig.axes[1].images[0].get_array().shape
    (9, 4)
    >>> plt.close(fig)
    """
    from ..ref import conv

    x = _to_numpy(x)
    x = v.require_array("x", x, ndim=4, shape_text="(1, C, H, W)",
                        fix="For one grayscale image (H, W) pass x[None, None].")
    if x.shape[0] != 1:
        raise ValueError(v.message("x", "hold exactly one image, shape (1, C, H, W)", f"shape {x.shape}",
                                   "Pass x[:1]: the picture shows one image's windows."))
    cols = conv.im2col(x, kernel_size, stride=stride, padding=padding)  # validates everything else
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    kh, kw, stride, padding = int(kh), int(kw), int(stride), int(padding)
    n_windows = v.require_int("n_windows", n_windows, minimum=1)
    _, c, h, w = x.shape
    ph, pw = h + 2 * padding, w + 2 * padding
    if c > 3 or max(ph, pw) > 12 or cols.shape[0] > 36 or cols.shape[1] > 49:
        raise ValueError(v.message("x", "be small enough to draw: at most 3 channels, a padded side of at most 12, "
                                   "and cols at most 36 x 49", f"x {x.shape} and cols {cols.shape}",
                                   "Use e.g. a 1x1x4x4 input with a 2x2 or 3x3 kernel."))
    oh, ow = (ph - kh) // stride + 1, (pw - kw) // stride + 1
    n_windows = min(n_windows, len(_WINDOW_COLORS), cols.shape[1])
    padded = np.pad(v.as_float(x[0]), ((0, 0), (padding, padding), (padding, padding)))  # (C, PH, PW)
    lo, hi = float(min(padded.min(), 0.0)), float(padded.max())
    vmax = hi + 0.6 * (hi - lo) + 1e-9  # light cells: every number stays readable
    fmt = _auto_fmt(padded)
    rows_n, cols_n = cols.shape
    widths = [pw] * c + [cols_n]
    cell = min(0.42, 15.0 / (sum(widths) + 2 * c))
    fig, axes = plt.subplots(1, c + 1, figsize=(cell * sum(widths) + 1.4 * (c + 1) + 0.6,
                                                cell * max(ph, rows_n) + 2.0),
                             gridspec_kw={"width_ratios": widths}, layout="constrained")
    for ch in range(c):
        ax = axes[ch]
        ax.set_label(f"x[0, {ch}]")
        show_matrix(padded[ch], ax=ax, fmt=fmt, cmap="Greys", vmin=lo, vmax=vmax, indices=True,
                    title=f"x[0, {ch}]" + (f", zero-padded to {ph}\u00d7{pw}" if padding else f", {h}\u00d7{w}"))
        if padding:
            _mark_padding(ax, padding, h, w, edgecolor="0.4", linewidth=1.0)
        for k in range(n_windows):
            i, j = divmod(k, ow)
            inset = 0.06 * (k + 1)  # overlapping windows stay visible side by side
            ax.add_patch(Rectangle((j * stride - 0.5 + inset, i * stride - 0.5 + inset), kw - 2 * inset,
                                   kh - 2 * inset, fill=False, edgecolor=_WINDOW_COLORS[k], linewidth=2.5,
                                   gid=f"window {k}"))
        ax.set_anchor("N")
    ax = axes[-1]
    ax.set_label("cols")
    show_matrix(cols, ax=ax, fmt=fmt, cmap="Greys", vmin=lo, vmax=vmax, indices=False,
                title=f"cols = im2col(x): {rows_n}\u00d7{cols_n}\nrow = (c, kh, kw), column = output (i, j)")
    ax.set_yticks(np.arange(rows_n), [f"{r // (kh * kw)},{r % (kh * kw) // kw},{r % kw}" for r in range(rows_n)])
    ax.set_xticks(np.arange(cols_n), [f"{k // ow},{k % ow}" for k in range(cols_n)])
    ax.tick_params(which="major", length=0, labelsize=7)
    plt.setp(ax.get_xticklabels(), rotation=90)
    for k in range(n_windows):
        ax.add_patch(Rectangle((k - 0.5 + 0.08, -0.5 + 0.08), 1 - 0.16, rows_n - 0.16, fill=False,
                               edgecolor=_WINDOW_COLORS[k], linewidth=2.5, gid=f"column {k}"))
    ax.set_anchor("N")
    factor = cols.size / x.size
    fig.suptitle(f"x {_shape_text(x.shape)}, kernel {kh}\u00d7{kw}, stride {stride}, padding {padding} \u2192 "
                 f"output {oh}\u00d7{ow}; cols {rows_n}\u00d7{cols_n}: one column per output position\n"
                 f"memory factor cols.size / x.size = {cols.size} / {x.size} = {factor:.2f}  "
                 f"(tends to KH\u00b7KW / stride\u00b2 = {kh * kw / stride ** 2:g} for large images)", fontsize=10)
    return fig
