"""Single-channel cross-correlation, one output pixel at a time; padding modes; a kernel on a photo.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Static twins of
:func:`cnncourse.widgets.conv_explorer`: :func:`conv_step` (the step view, its numbers from
:func:`conv_step_arrays`) and :func:`filter_photo` (the photo view).  :func:`conv_step_centred`
draws the same step the image-processing way, the kernel centred on a pixel, next to the
course's top-left-anchored output.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import (_MINUS, MAX_ANNOTATED_STEP, _auto_fmt, _check_index, _mark_padding, _paren, _symmetric_limit,
                    format_number)
from .panels import show_feature_map, show_image, show_kernel, show_matrix


def _dot_product_text(window, kernel, total, i, j):
    """'out[i, j] = a·b + c·d + … = total', one kernel row per line for 3x3 and smaller."""
    terms = [f"{format_number(a)}\u00b7{_paren(b)}" for a, b in zip(window.ravel(), kernel.ravel())]
    head = f"out[{i}, {j}] = "
    if len(terms) <= 9:
        kw = kernel.shape[1]
        rows = [" + ".join(terms[r:r + kw]) for r in range(0, len(terms), kw)]
        body = (" +\n" + " " * len(head)).join(rows)
    else:
        body = " + ".join(terms[:3]) + " + \u2026 + " + terms[-1]
    return head + body + f" = {format_number(total)}"


def _size_formula_text(h, w, kh, kw, stride, padding, oh, ow):
    return (f"OH = (H + 2\u00b7padding {_MINUS} KH) // stride + 1 = ({h} + 2\u00b7{padding} {_MINUS} {kh})"
            f" // {stride} + 1 = {oh};   OW = ({w} + 2\u00b7{padding} {_MINUS} {kw}) // {stride} + 1 = {ow}")


def conv_step_arrays(image: ArrayLike, kernel: ArrayLike, i: int, j: int, stride: int = 1, padding: int = 0,
                     mode: str = "zeros", value: float | None = None) -> dict[str, Any]:
    """The numbers :func:`conv_step` draws for one output pixel ``out[i, j]``, without drawing.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  :func:`cnncourse.widgets.conv_explorer`
    checks its settings with it on every change, and draws only what it accepts.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    kernel : ndarray, shape (KH, KW)
    i, j : int
        Output row and column, ``0 <= i < OH`` and ``0 <= j < OW``.
    stride : int, default 1
    padding : int, default 0
    mode : {"zeros", "constant", "reflect", "replicate"}, default "zeros"
    value : float, optional
        Fill value for ``mode="constant"`` (default 1.0 there).

    Returns
    -------
    dict
        ``"image"`` (H, W) and ``"kernel"`` (KH, KW): the inputs as float arrays;
        ``"padded"`` (H + 2*padding, W + 2*padding); ``"out"`` (OH, OW), the whole
        cross-correlation, ``OH = (H + 2*padding - KH) // stride + 1``; ``"window"`` (KH, KW),
        ``padded[i*stride : i*stride + KH, j*stride : j*stride + KW]``; ``"product"`` (KH, KW),
        ``window * kernel``; ``"total"``, the float ``out[i, j]`` (= ``product.sum()``);
        ``"value"``, the fill value used.

    Raises
    ------
    ValueError
        ``i`` or ``j`` outside the output, or bad image/kernel/stride/padding/mode (the same
        errors as :func:`conv_step`).

    Examples
    --------
    >>> step = conv_step_arrays(np.arange(16.0).reshape(4, 4), np.ones((3, 3)), 1, 0, padding=1)
    >>> step["window"]
    array([[0., 0., 1.],
           [0., 4., 5.],
           [0., 8., 9.]])
    >>> step["out"].shape, step["total"]
    ((4, 4), 27.0)
    """
    from ..ref import filters, layer_specs
    image = v.as_float(v.require_array("image", image, ndim=2, shape_text="(H, W)",
                                       fix="For an RGB image, pass one channel: image[..., c]."))
    kernel = v.as_float(v.require_array("kernel", kernel, ndim=2, shape_text="(KH, KW)"))
    stride = v.require_int("stride", stride, minimum=1)
    padding = v.require_int("padding", padding, minimum=0)
    v.require_choice("mode", mode, filters.PAD_MODES)
    if value is None:
        value = 1.0 if mode == "constant" else 0.0
    (h, w), (kh, kw) = image.shape, kernel.shape
    oh = layer_specs.conv_output_size(h, kh, stride, padding)
    ow = layer_specs.conv_output_size(w, kw, stride, padding)
    i = _check_index("i", i, oh, "row")
    j = _check_index("j", j, ow, "column")
    padded = filters.pad2d(image, padding, mode=mode, value=value)  # (H + 2p, W + 2p)
    out = filters.correlate2d(padded, kernel, stride=stride)  # (OH, OW)
    window = padded[i * stride:i * stride + kh, j * stride:j * stride + kw]  # (KH, KW)
    return {"image": image, "kernel": kernel, "padded": padded, "out": out, "window": window,
            "product": window * kernel, "total": float(out[i, j]), "value": value}


def conv_step(image: ArrayLike, kernel: ArrayLike, i: int, j: int, stride: int = 1, padding: int = 0,
              mode: str = "zeros", value: float | None = None, progressive: bool = True,
              figsize: tuple[float, float] | None = None) -> Figure:
    """Draw how one output pixel ``out[i, j]`` of a cross-correlation is computed.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Static twin of
    :func:`cnncourse.widgets.conv_explorer`: it draws the same figure for fixed settings.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Single-channel input.  Up to about 12 x 12 every cell shows its number; larger
        inputs (padded side over ``MAX_ANNOTATED_STEP`` = 18) are drawn without numbers.
    kernel : ndarray, shape (KH, KW)
    i, j : int
        Output row and column, ``0 <= i < OH`` and ``0 <= j < OW``.
    stride : int, default 1
    padding : int, default 0
        Pixels added on each side.
    mode : {"zeros", "constant", "reflect", "replicate"}, default "zeros"
        How to pad (see :func:`cnncourse.ref.filters.pad2d`).
    value : float, optional
        Fill value for ``mode="constant"`` (default 1.0 there, so it differs from zeros).
    progressive : bool, default True
        Show only the outputs computed so far (row by row up to ``(i, j)``); False shows
        the whole output map.
    figsize : tuple of float, optional

    Returns
    -------
    fig : matplotlib Figure
        Four panels, in ``fig.axes`` order and labelled (``ax.get_label()``) "input",
        "kernel", "product", "output".  The padded input marks padding cells with a blue
        tint and outlines the image with a dashed line; the window of ``out[i, j]`` is a
        red rectangle (gid "window") spanning padded rows ``i*stride .. i*stride + KH - 1``
        and columns ``j*stride .. j*stride + KW - 1``; output pixel ``(i, j)`` is a red
        rectangle (gid "current").  The suptitle writes the dot product out and the
        output-size formula ``OH = (H + 2*padding - KH) // stride + 1`` with the numbers.
        The numbers are those of :func:`conv_step_arrays`.

    Raises
    ------
    ValueError
        ``i`` or ``j`` outside the output, or bad image/kernel/stride/padding/mode.

    Examples
    --------
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> fig = conv_step(image, np.ones((3, 3)), 1, 0, stride=1, padding=1)
    >>> window = [p for p in fig.axes[0].patches if p.get_gid() == "window"][0]
    >>> window.get_xy(), window.get_width(), window.get_height()
    ((-0.5, 0.5), 3, 3)
    >>> plt.close(fig)
    """
    step = conv_step_arrays(image, kernel, i, j, stride=stride, padding=padding, mode=mode, value=value)
    image, kernel, padded, out = step["image"], step["kernel"], step["padded"], step["out"]
    window, product, total, value = step["window"], step["product"], step["total"], step["value"]
    i, j, stride, padding = int(i), int(j), int(stride), int(padding)
    (h, w), (kh, kw), (oh, ow) = image.shape, kernel.shape, out.shape
    r0, c0 = i * stride, j * stride

    annotate = max(padded.shape) <= MAX_ANNOTATED_STEP
    ph, pw = padded.shape
    small = max(kw, 3, max(pw, ow) / 4)  # keep the kernel legible next to a big input
    widths = [max(pw, 3), small, small, max(ow, 3)]
    dot = _dot_product_text(window, kernel, total, i, j)
    sizes = _size_formula_text(h, w, kh, kw, stride, padding, oh, ow)
    text = f"{dot}\n{sizes}"
    if figsize is None:
        cell = min(0.55, 13.0 / sum(widths))  # inches per cell
        rows = max(ph, kh, oh, 3)
        figsize = (cell * sum(widths) + 2.5, cell * rows + 0.2 * (text.count("\n") + 1) + 1.2)
    fig, axes = plt.subplots(1, 4, figsize=figsize, gridspec_kw={"width_ratios": widths},
                             layout="constrained")
    ax_in, ax_k, ax_p, ax_out = axes
    for ax, label in zip(axes, ("input", "kernel", "product", "output")):
        ax.set_label(label)
        ax.set_anchor("N")  # equal-aspect panels hug the title; spare height goes below

    # Panel 1: padded input, padding cells tinted, window outlined.
    lo, hi = float(min(padded.min(), 0.0)), float(max(padded.max(), 1.0))
    mode_text = {"zeros": "zeros", "constant": f"constant {format_number(value)}",
                 "reflect": "reflect", "replicate": "replicate"}[mode]
    title_in = f"input {h}\u00d7{w}" + (f", padded to {ph}\u00d7{pw} ({mode_text})" if padding else "")
    show_matrix(padded, ax=ax_in, title=title_in, fmt=_auto_fmt(padded), vmin=lo, vmax=hi,
                annotate=annotate, indices=annotate)
    if padding:
        _mark_padding(ax_in, padding, h, w, edgecolor="tab:blue", linewidth=1.5)
    ax_in.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), kw, kh, fill=False, edgecolor="red",
                              linewidth=3, gid="window"))

    # Panel 2: kernel.  Panel 3: element-wise product.
    show_kernel(kernel, ax=ax_k, title=f"kernel {kh}\u00d7{kw}", annotate=annotate)
    m = _symmetric_limit(product)
    show_matrix(product, ax=ax_p, title="window \u00d7 kernel", fmt=_auto_fmt(product), cmap="RdBu_r",
                vmin=-m, vmax=m, annotate=annotate and max(kernel.shape) <= 12, indices=False)

    # Panel 4: output so far, current pixel outlined.
    shown = out.copy()
    if progressive:
        shown.ravel()[i * ow + j + 1:] = np.nan
    mo = _symmetric_limit(out)
    show_matrix(shown, ax=ax_out, title=f"output {oh}\u00d7{ow}", fmt=_auto_fmt(out), cmap="RdBu_r",
                vmin=-mo, vmax=mo, annotate=annotate and max(out.shape) <= 12, indices=annotate)
    ax_out.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=3,
                               gid="current"))

    fig.suptitle(text, fontsize=10, family="monospace", multialignment="left")
    return fig


def padding_modes(image: ArrayLike, padding: int, value: float = 1.0) -> Figure:
    """Compare the four padding modes on a small matrix, side by side.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Small matrix (numbers are printed up to about 20 x 20 padded).
    padding : int
        Pixels added on each side.
    value : float, default 1.0
        Fill value of the "constant" panel (ones, so it differs from zeros).

    Returns
    -------
    fig : matplotlib Figure
        Panels "zeros", "constant", "reflect", "replicate" (``ax.get_label()``); padding
        cells are tinted and the original image is outlined with a dashed line.  A mode
        that cannot pad this much (reflect needs ``padding < min(H, W)``) shows why instead.

    Examples
    --------
    >>> fig = padding_modes(np.arange(9.0).reshape(3, 3), 1)
    >>> [ax.get_label() for ax in fig.axes]
    ['zeros', 'constant', 'reflect', 'replicate']
    >>> plt.close(fig)
    """
    from ..ref import filters
    image = v.as_float(v.require_array("image", image, ndim=2, shape_text="(H, W)"))
    padding = v.require_int("padding", padding, minimum=0)
    h, w = image.shape
    titles = {"zeros": "zeros", "constant": f"constant (value {format_number(value)})",
              "reflect": "reflect (torch; mirror,\nedge not repeated)",
              "replicate": "replicate (repeat edge;\nnumpy 'edge')"}
    fig, axes = plt.subplots(1, 4, figsize=(14, 4.2))
    lo = min(float(image.min()), 0.0, value)
    hi = max(float(image.max()), 1.0, value)
    for ax, mode in zip(axes, filters.PAD_MODES):
        ax.set_label(mode)
        try:
            padded = filters.pad2d(image, padding, mode=mode, value=value if mode == "constant" else 0.0)
        except ValueError:
            ax.text(0.5, 0.5, f"{mode}: not possible\n(padding must be < {min(h, w)})",
                    ha="center", va="center", transform=ax.transAxes, wrap=True)
            ax.set_axis_off()
            ax.set_title(titles[mode])
            continue
        show_matrix(padded, ax=ax, title=titles[mode], fmt=_auto_fmt(padded), vmin=lo, vmax=hi,
                    annotate=max(padded.shape) <= 20, indices=False)
        if padding:
            _mark_padding(ax, padding, h, w, edgecolor="tab:red", linewidth=2)
    fig.suptitle(f"padding = {padding} on each side: {h}\u00d7{w} \u2192 {h + 2 * padding}\u00d7{w + 2 * padding}"
                 " (tinted cells are padding)")
    fig.tight_layout()
    return fig


def filter_photo(image: ArrayLike, kernel: ArrayLike, stride: int = 1, padding: int | None = None,
                 mode: str = "zeros", value: float | None = None, title: str | None = None,
                 signed: bool | None = None) -> Figure:
    """Show a photo, the kernel and the filtered photo side by side.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Static twin of the photo view
    of :func:`cnncourse.widgets.conv_explorer`.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Grayscale photo in [0, 1].
    kernel : ndarray, shape (KH, KW)
    stride : int, default 1
    padding : int, optional
        Default ``KH // 2`` ("same" size for odd kernels at stride 1).
    mode : {"zeros", "constant", "reflect", "replicate"}, default "zeros"
    value : float, optional
        Fill value for ``mode="constant"`` (default 1.0 there, as in :func:`conv_step`).
    title : str, optional
        Suptitle; the default names the shapes.
    signed : bool, optional
        Draw the result with a diverging colormap centred at 0 (edge filters) instead of
        gray in [0, 1].  By default signed when the kernel has negative entries.

    Returns
    -------
    fig : matplotlib Figure
        Panels labelled "input", "kernel", "output"; the output is
        ``filters.correlate2d(filters.pad2d(image, padding, mode, value), kernel, stride)``,
        shape (OH, OW).

    Examples
    --------
    >>> from cnncourse.ref import filters
    >>> fig = filter_photo(np.random.default_rng(0).random((32, 32)), filters.mean_kernel(3))
    >>> fig.axes[2].images[0].get_array().shape
    (32, 32)
    >>> plt.close(fig)
    """
    from ..ref import filters
    image = v.as_float(v.require_array("image", image, ndim=2, shape_text="(H, W)",
                                       fix="Load it with gray=True or pass one channel: image[..., c]."))
    kernel = v.as_float(v.require_array("kernel", kernel, ndim=2, shape_text="(KH, KW)"))
    padding = kernel.shape[0] // 2 if padding is None else padding
    v.require_choice("mode", mode, filters.PAD_MODES)
    if value is None:
        value = 1.0 if mode == "constant" else 0.0
    padded = filters.pad2d(image, padding, mode=mode, value=value)  # (H + 2p, W + 2p)
    out = filters.correlate2d(padded, kernel, stride=stride)  # (OH, OW)
    signed = bool(np.any(kernel < 0)) if signed is None else signed
    fig, axes = plt.subplots(1, 3, figsize=(11, 4.2), gridspec_kw={"width_ratios": [4, 2, 4]})
    for ax, label in zip(axes, ("input", "kernel", "output")):
        ax.set_label(label)
    show_image(image, ax=axes[0], title=f"input {image.shape[0]}\u00d7{image.shape[1]}")
    show_kernel(kernel, ax=axes[1], title=f"kernel {kernel.shape[0]}\u00d7{kernel.shape[1]}")
    out_title = f"output {out.shape[0]}\u00d7{out.shape[1]}"
    if signed:
        show_feature_map(out, ax=axes[2], title=out_title + " (blue < 0 < red)", colorbar=True)
    else:
        show_image(out, ax=axes[2], title=out_title + " (clipped to [0, 1])")
    fig.suptitle(title or f"stride {stride}, padding {padding} ({mode})")
    fig.tight_layout()
    return fig


def conv_step_centred(image: ArrayLike, kernel: ArrayLike, r: int, c: int,
                      figsize: tuple[float, float] | None = None) -> Figure:
    """Draw one output pixel the image-processing way: the kernel centred on pixel ``(r, c)``.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Textbooks put the kernel's
    centre on a pixel and call the sum of its neighbourhood times the kernel *the new value of
    that pixel*.  The course's :func:`cnncourse.ref.filters.correlate2d` (like torch) numbers
    the output by the window's top-left corner instead: ``out[i, j]`` uses
    ``x[i:i+KH, j:j+KW]``, so the centred value of pixel ``(r, c)`` is
    ``out[r - KH//2, c - KW//2]``.  This figure shows both; :func:`conv_step` draws the
    top-left view alone.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Single-channel input, small enough to print (about 12 x 12).
    kernel : ndarray, shape (KH, KW)
        Odd height and width, so that it has a centre cell ``(KH//2, KW//2)``.
    r, c : int
        The pixel the kernel is centred on; its whole neighbourhood must lie inside the image:
        ``KH//2 <= r < H - KH//2`` and ``KW//2 <= c < W - KW//2``.
    figsize : tuple of float, optional

    Returns
    -------
    fig : matplotlib Figure
        Five panels, labelled (``ax.get_label()``) "input", "kernel", "product", "centred",
        "output".  "input" outlines the neighbourhood (gid "neighbourhood", rows
        ``r - KH//2 .. r + KH//2``) and the pixel itself (gid "centre"); "product" holds
        ``neighbourhood * kernel``; "centred" is an (H, W) grid holding each pixel's new value at
        the pixel's own position, empty on the border where the neighbourhood does not fit, with
        ``(r, c)`` outlined (gid "centre"); "output" is ``correlate2d(image, kernel)``, shape
        ``(H - KH + 1, W - KW + 1)``, the same numbers shifted up and left by ``(KH//2, KW//2)``,
        with ``(r - KH//2, c - KW//2)`` outlined (gid "current").
        The suptitle writes the sum out and where correlate2d stores it.

    Raises
    ------
    ValueError
        An even kernel side, a neighbourhood that sticks out of the image, or a bad image or
        kernel.

    Examples
    --------
    >>> image = np.arange(25.0).reshape(5, 5)
    >>> fig = conv_step_centred(image, np.ones((3, 3)), 2, 3)
    >>> [p.get_xy() for p in fig.axes[4].patches if p.get_gid() == "current"]
    [(1.5, 0.5)]
    >>> plt.close(fig)
    """
    image = v.as_float(v.require_array("image", image, ndim=2, shape_text="(H, W)",
                                       fix="For an RGB image, pass one channel: image[..., c]."))
    kernel = v.as_float(v.require_array("kernel", kernel, ndim=2, shape_text="(KH, KW)"))
    (h, w), (kh, kw) = image.shape, kernel.shape
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(v.message("kernel", "have an odd height and width, so that it has a centre cell",
                                   f"shape {kernel.shape}",
                                   "Use a 3x3 or 5x5 kernel, or plot.conv_step for the top-left view."))
    ar, ac = kh // 2, kw // 2
    for name, value, size, half, axis in (("r", r, h, ar, "row"), ("c", c, w, ac, "column")):
        value = v.require_int(name, value, minimum=0, fix=f"Pixel {axis}s are numbered from 0.")
        if not half <= value < size - half:
            raise ValueError(v.message(
                name, f"be a {axis} from {half} to {size - 1 - half}, so that the kernel's neighbourhood fits "
                      "inside the image", value,
                "To centre the kernel on a border pixel, pad the image first (filters.pad2d)."))
    r, c = int(r), int(c)
    i, j = r - ar, c - ac  # where correlate2d stores it: the window's top-left corner
    step = conv_step_arrays(image, kernel, i, j)
    out, window, product, total = step["out"], step["window"], step["product"], step["total"]
    oh, ow = out.shape

    centred = np.full((h, w), np.nan)  # (H, W): a value where the whole neighbourhood fits
    centred[ar:h - ar, ac:w - ac] = out
    widths = [w, max(kw, 3), max(kw, 3), w, max(ow, 3)]
    dot = _dot_product_text(window, kernel, total, i, j).replace(f"out[{i}, {j}] = ", f"pixel ({r}, {c}): ", 1)
    text = (f"new value of pixel ({r}, {c}) = sum of its {kh}\u00d7{kw} neighbourhood \u00d7 kernel\n{dot}\n"
            f"correlate2d stores it at out[r {_MINUS} KH//2, c {_MINUS} KW//2] = out[{i}, {j}]: "
            "the output is numbered by the window's top-left corner")
    if figsize is None:
        cell = min(0.5, 14.0 / sum(widths))
        figsize = (cell * sum(widths) + 3.0, cell * max(h, kh, 3) + 0.2 * (text.count("\n") + 1) + 1.4)
    fig, axes = plt.subplots(1, 5, figsize=figsize, gridspec_kw={"width_ratios": widths}, layout="constrained")
    for ax, label in zip(axes, ("input", "kernel", "product", "centred", "output")):
        ax.set_label(label)
        ax.set_anchor("N")
    ax_in, ax_k, ax_p, ax_c, ax_out = axes
    lo, hi = float(min(image.min(), 0.0)), float(max(image.max(), 255.0 if image.max() > 1 else 1.0))
    show_matrix(image, ax=ax_in, title=f"input {h}\u00d7{w}", fmt=_auto_fmt(image), vmin=lo, vmax=hi, indices=True)
    ax_in.add_patch(Rectangle((c - ac - 0.5, r - ar - 0.5), kw, kh, fill=False, edgecolor="red", linewidth=3,
                              gid="neighbourhood"))
    ax_in.add_patch(Rectangle((c - 0.45, r - 0.45), 0.9, 0.9, fill=False, edgecolor="gold", linewidth=2.5,
                              gid="centre"))
    show_kernel(kernel, ax=ax_k, title=f"kernel {kh}\u00d7{kw}")
    m = _symmetric_limit(product)
    show_matrix(product, ax=ax_p, title="neighbourhood \u00d7 kernel", fmt=_auto_fmt(product), cmap="RdBu_r",
                vmin=-m, vmax=m, indices=False)
    mo = _symmetric_limit(out)
    show_matrix(centred, ax=ax_c, title="centred: new value at each pixel", fmt=_auto_fmt(out), cmap="RdBu_r",
                vmin=-mo, vmax=mo, indices=True)
    ax_c.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=3, gid="centre"))
    show_matrix(out, ax=ax_out, title=f"correlate2d: out {oh}\u00d7{ow}, out[{i}, {j}]", fmt=_auto_fmt(out),
                cmap="RdBu_r", vmin=-mo, vmax=mo, indices=True)
    ax_out.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=3, gid="current"))
    fig.suptitle(text, fontsize=10, family="monospace", multialignment="left")
    return fig
