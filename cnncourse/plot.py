"""Matplotlib helpers shared by every module: images, number grids, kernels, conv steps.

Introduced in notebooks/01_pixels_and_filters.ipynb.  Every function draws and returns a
``Figure`` (or the ``Axes`` it drew on) and never calls ``plt.show()``, so the same code
runs in JupyterLab, in a script and headless under the Agg backend.  Each widget in
:mod:`cnncourse.widgets` has a static twin here (``conv_step`` for ``conv_explorer``,
``filter_photo`` for its photo view; ``receptive_field_map`` for ``receptive_field_explorer``,
module 02), so a notebook reads well on GitHub and in CI.

In a notebook, end a cell that returns a figure with ``;`` (or assign it) so JupyterLab
does not show it twice.
"""

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle

from . import _validate as v
from . import filters

#: Above this many rows or columns, number grids skip the per-cell numbers.
MAX_ANNOTATED = 30
#: ``conv_step`` prints numbers in cells only while the padded input is at most this big.
MAX_ANNOTATED_STEP = 18

_MINUS = "\u2212"


# ------------------------------------------------------------------ small helpers


def _image_array(name, image):
    """Validate a display image: (H, W) or (H, W, 3), real-valued."""
    arr = np.asarray(image) if not isinstance(image, np.ndarray) else image
    if arr.dtype.kind not in "biuf":
        raise TypeError(v.message(name, "be a real-valued array of shape (H, W) or (H, W, 3)",
                                   f"dtype {arr.dtype}", "Convert it with .astype(float)."))
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 3)) or arr.size == 0:
        raise ValueError(v.message(name, "have shape (H, W) or (H, W, 3)", f"shape {arr.shape}",
                                    "Pass one grayscale or RGB image; for a batch use show_grid."))
    return arr


def _matrix(name, values):
    return v.require_array(name, values, ndim=2, shape_text="(H, W)",
                           fix="Pass one 2-D array; for an RGB image show one channel, e.g. image[..., 0].")


def _new_ax(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def format_number(x, decimals=2):
    """Short text for a number: integers without decimals, others rounded; a real minus sign.

    Introduced in notebooks/01_pixels_and_filters.ipynb.

    Parameters
    ----------
    x : float
    decimals : int, default 2
        Decimals kept for non-integers (trailing zeros dropped).

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(3.0), format_number(-0.5), format_number(1 / 9)
    ('3', '\u22120.5', '0.11')
    """
    x = float(x)
    if abs(x - round(x)) < 1e-9:
        text = f"{round(x):d}"
    else:
        text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    if text in ("-0", "-0.0", ""):
        text = "0"
    return text.replace("-", _MINUS)


def _auto_fmt(values):
    """A format function: integers if every value is whole, else 2 decimals."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and np.all(np.abs(finite - np.round(finite)) < 1e-9):
        return lambda x: format_number(x, 0)
    return lambda x: format_number(x, 2)


def _text_color(rgba):
    """Black on light cells, white on dark cells (perceived luminance)."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _cell_fontsize(ax, shape, longest):
    """Font size (points) that fits ``longest`` characters in one cell of ``ax``."""
    fig = ax.figure
    bbox = ax.get_position()
    width_pt = bbox.width * fig.get_figwidth() * 72 / shape[1]
    height_pt = bbox.height * fig.get_figheight() * 72 / shape[0]
    cell = min(width_pt, height_pt)
    return float(np.clip(min(cell / (0.62 * max(longest, 1) + 0.5), cell * 0.5), 3, 12))


def _annotate(ax, values, fmt, cmap, norm, fontsize=None, colors=None):
    """Print each cell's number, in black or white depending on the cell colour."""
    fmt_fn = fmt if callable(fmt) else (lambda x: fmt.format(x).replace("-", _MINUS))
    texts = [[fmt_fn(x) if np.isfinite(x) else "" for x in row] for row in values]
    longest = max((len(t) for row in texts for t in row), default=1)
    size = fontsize or _cell_fontsize(ax, values.shape, longest)
    cmap = plt.get_cmap(cmap)
    for r in range(values.shape[0]):
        for c in range(values.shape[1]):
            if not texts[r][c]:
                continue
            color = colors[r][c] if colors is not None else _text_color(cmap(norm(values[r, c])))
            ax.text(c, r, texts[r][c], ha="center", va="center", fontsize=size, color=color)


def _grid_lines(ax, shape, color="0.6"):
    ax.set_xticks(np.arange(-0.5, shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, shape[0], 1), minor=True)
    ax.grid(which="minor", color=color, linewidth=0.5)
    ax.tick_params(which="minor", length=0)


def _index_ticks(ax, shape, show):
    if show:
        ax.set_xticks(np.arange(shape[1]))
        ax.set_yticks(np.arange(shape[0]))
        ax.tick_params(labelsize=7, length=0, labeltop=True, labelbottom=False)
    else:
        ax.set_xticks([])
        ax.set_yticks([])


def _symmetric_limit(values):
    m = float(np.nanmax(np.abs(values))) if np.size(values) else 0.0
    return m if m > 0 else 1.0


# ------------------------------------------------------------------ single panels


def show_image(image, ax=None, title=None, cmap="gray", vmin=0, vmax=1):
    """Draw a grayscale or RGB image without axes.

    Introduced in notebooks/01_pixels_and_filters.ipynb.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3)
        Floats in [0, 1] (``vmin``/``vmax`` set the gray range; RGB values are clipped).
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    title : str, optional
    cmap : str, default "gray"
        Colormap for a single-channel image (ignored for RGB).
    vmin, vmax : float or None, default 0 and 1
        Intensity shown as black and white.  ``None`` stretches to the data.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> ax = show_image(np.eye(4), title="identity")
    >>> ax.get_title()
    'identity'
    >>> plt.close(ax.figure)
    """
    image = _image_array("image", image)
    ax = _new_ax(ax)
    if image.ndim == 3:
        ax.imshow(np.clip(image.astype(float), 0.0, 1.0), interpolation="nearest")
    else:
        ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return ax


def show_matrix(values, ax=None, title=None, fmt="{:.0f}", cmap="gray", vmin=None, vmax=None,
                annotate=None, fontsize=None, indices=None):
    """Draw a 2-D array as a grid of cells with each cell's number printed in it.

    Introduced in notebooks/01_pixels_and_filters.ipynb: "an image is a matrix of
    intensities".  Numbers are black on light cells and white on dark cells.

    Parameters
    ----------
    values : ndarray, shape (H, W)
    ax : matplotlib Axes, optional
    title : str, optional
    fmt : str or callable, default "{:.0f}"
        Format of each number (``fmt.format(x)``), or a function ``x -> str``.
    cmap : str, default "gray"
    vmin, vmax : float, optional
        Color range; the data's range when omitted.
    annotate : bool, optional
        Print the numbers; by default only when ``max(H, W) <= MAX_ANNOTATED`` (30).
    fontsize : float, optional
        Size of the numbers; fitted to the cell size when omitted.
    indices : bool, optional
        Label rows and columns with their indices; by default when ``max(H, W) <= 16``.

    Returns
    -------
    ax : matplotlib Axes
        ``ax.texts`` holds one text per cell when annotated, row by row.

    Examples
    --------
    >>> ax = show_matrix(np.array([[0, 128], [255, 64]]), vmin=0, vmax=255)
    >>> [t.get_text() for t in ax.texts]
    ['0', '128', '255', '64']
    >>> [t.get_color() for t in ax.texts]
    ['white', 'black', 'black', 'white']
    >>> plt.close(ax.figure)
    """
    values = v.as_float(_matrix("values", values))
    ax = _new_ax(ax)
    vmin = float(np.nanmin(values)) if vmin is None else vmin
    vmax = float(np.nanmax(values)) if vmax is None else vmax
    if vmax <= vmin:
        vmax = vmin + 1.0
    norm = Normalize(vmin=vmin, vmax=vmax)
    ax.imshow(values, cmap=cmap, norm=norm, interpolation="nearest")
    big = max(values.shape)
    _index_ticks(ax, values.shape, big <= 16 if indices is None else indices)
    if big <= 64:
        _grid_lines(ax, values.shape)
    if annotate is None:
        annotate = big <= MAX_ANNOTATED
    if annotate:
        _annotate(ax, values, fmt, cmap, norm, fontsize)
    if title is not None:
        ax.set_title(title)
    return ax


def show_kernel(kernel, ax=None, title=None, annotate=True, fmt=None, fontsize=None):
    """Draw a kernel with a diverging colormap centred at 0 and its numbers in the cells.

    Introduced in notebooks/01_pixels_and_filters.ipynb.  Blue is negative, white is 0,
    red is positive (``"RdBu_r"`` from ``-m`` to ``m`` with ``m = max|kernel|``).

    Parameters
    ----------
    kernel : ndarray, shape (KH, KW)
    ax : matplotlib Axes, optional
    title : str, optional
    annotate : bool, default True
        Print the numbers (skipped when ``max(KH, KW) > 12``).
    fmt : str or callable, optional
        Number format; integers print without decimals, others with 2.
    fontsize : float, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> ax = show_kernel(filters.sobel_kernels()[0])
    >>> ax.images[0].get_clim()
    (-2.0, 2.0)
    >>> plt.close(ax.figure)
    """
    kernel = v.as_float(v.require_array("kernel", kernel, ndim=2, shape_text="(KH, KW)"))
    m = _symmetric_limit(kernel)
    fmt = fmt or _auto_fmt(kernel)
    return show_matrix(kernel, ax=ax, title=title, fmt=fmt, cmap="RdBu_r", vmin=-m, vmax=m,
                       annotate=annotate and max(kernel.shape) <= 12, fontsize=fontsize,
                       indices=False)


def show_feature_map(fmap, ax=None, title=None, colorbar=False, vmax=None):
    """Draw a signed feature map: diverging colormap centred at 0 (blue < 0 < red).

    Introduced in notebooks/01_pixels_and_filters.ipynb.

    Parameters
    ----------
    fmap : ndarray, shape (H, W)
        Any real values, e.g. the output of an edge filter.
    ax : matplotlib Axes, optional
    title : str, optional
    colorbar : bool, default False
        Add a colorbar next to the map.
    vmax : float, optional
        Color limit ``m`` (shown range ``[-m, m]``); ``max|fmap|`` when omitted.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> ax = show_feature_map(np.array([[-2.0, 1.0]]), colorbar=True)
    >>> ax.images[0].get_clim()
    (-2.0, 2.0)
    >>> plt.close(ax.figure)
    """
    fmap = v.as_float(_matrix("fmap", fmap))
    ax = _new_ax(ax)
    m = _symmetric_limit(fmap) if vmax is None else float(vmax)
    im = ax.imshow(fmap, cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if title is not None:
        ax.set_title(title)
    return ax


_KINDS = ("image", "kernel", "feature_map", "matrix")


def show_grid(images, titles=None, ncols=4, kind="image", figsize=None):
    """Draw several images, kernels or feature maps side by side.

    Introduced in notebooks/01_pixels_and_filters.ipynb.

    Parameters
    ----------
    images : sequence of ndarray
        Each ``(H, W)`` or ``(H, W, 3)`` for ``kind="image"``, ``(H, W)`` otherwise.
        Sizes may differ.
    titles : sequence of str, optional
        One per image.
    ncols : int, default 4
        Panels per row (fewer if there are fewer images).
    kind : {"image", "kernel", "feature_map", "matrix"}, default "image"
        Which of ``show_image``, ``show_kernel``, ``show_feature_map``, ``show_matrix``
        draws each panel.
    figsize : tuple of float, optional
        Default ``(3 * ncols, 3 * nrows)``.

    Returns
    -------
    fig : matplotlib Figure
        ``fig.axes`` are the panels in order (unused grid cells are removed).

    Examples
    --------
    >>> fig = show_grid([np.zeros((4, 4)), np.ones((4, 4))], titles=["black", "white"])
    >>> [ax.get_title() for ax in fig.axes]
    ['black', 'white']
    >>> plt.close(fig)
    """
    images = list(images)
    if not images:
        raise ValueError(v.message("images", "contain at least one image", "an empty sequence",
                                    "Pass a list such as [image1, image2]."))
    v.require_choice("kind", kind, _KINDS)
    ncols = v.require_int("ncols", ncols, minimum=1)
    if titles is not None:
        titles = list(titles)
        if len(titles) != len(images):
            raise ValueError(v.message("titles", f"have one title per image ({len(images)})",
                                        f"{len(titles)} titles", "Pass as many titles as images, or None."))
    ncols = min(ncols, len(images))
    nrows = -(-len(images) // ncols)
    figsize = figsize or (3 * ncols, 3 * nrows)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    draw = {"image": show_image, "kernel": show_kernel, "feature_map": show_feature_map,
            "matrix": show_matrix}[kind]
    for k, ax in enumerate(axes.flat):
        if k >= len(images):
            ax.remove()
            continue
        draw(images[k], ax=ax, title=None if titles is None else titles[k])
    fig.tight_layout()
    return fig


def show_channels(image, titles=("RGB image", "red channel", "green channel", "blue channel")):
    """Draw an RGB image next to its three channels, each as a grayscale matrix.

    Introduced in notebooks/01_pixels_and_filters.ipynb: a colour image is three
    matrices of intensities stacked along the last axis.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        RGB floats in [0, 1].
    titles : sequence of 4 str
        Titles of the image and the R, G, B panels.

    Returns
    -------
    fig : matplotlib Figure
        Four panels: the image, then ``image[..., 0]``, ``[..., 1]``, ``[..., 2]``.

    Examples
    --------
    >>> fig = show_channels(np.zeros((4, 4, 3)))
    >>> len(fig.axes)
    4
    >>> plt.close(fig)
    """
    image = _image_array("image", image)
    if image.ndim != 3:
        raise ValueError(v.message("image", "have shape (H, W, 3)", f"shape {image.shape}",
                                    "Pass an RGB image, e.g. data.load_photo('chelsea')."))
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.8))
    show_image(image, ax=axes[0], title=titles[0])
    for c, color in enumerate(("red", "green", "blue")):
        show_image(image[..., c], ax=axes[c + 1])
        axes[c + 1].set_title(titles[c + 1], color=color)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ convolution, step by step


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


def _paren(x):
    text = format_number(x)
    return f"({text})" if text.startswith(_MINUS) else text


def _size_formula_text(h, w, kh, kw, stride, padding, oh, ow):
    return (f"OH = (H + 2\u00b7padding {_MINUS} KH) // stride + 1 = ({h} + 2\u00b7{padding} {_MINUS} {kh})"
            f" // {stride} + 1 = {oh};   OW = ({w} + 2\u00b7{padding} {_MINUS} {kw}) // {stride} + 1 = {ow}")


def _check_index(name, value, size, axis_name):
    value = v.require_int(name, value, minimum=0,
                          fix=f"Output {axis_name}s are numbered from 0.")
    if value >= size:
        raise ValueError(v.message(
            name, f"be an output {axis_name} index in 0..{size - 1} (the output has {size} {axis_name}s "
                  "for this image size, kernel, stride and padding)", value,
            f"Pick {name} <= {size - 1}, or lower the stride / raise the padding to get a larger output."))
    return value


def _mark_padding(ax, padding, h, w, edgecolor, linewidth):
    """Tint the padding cells of a drawn (H + 2p, W + 2p) matrix and outline the image inside."""
    tint = np.zeros((h + 2 * padding, w + 2 * padding, 4))
    tint[..., :3] = (0.25, 0.45, 0.95)
    tint[..., 3] = 0.35
    tint[padding:padding + h, padding:padding + w, 3] = 0.0
    ax.imshow(tint, interpolation="nearest")
    ax.add_patch(Rectangle((padding - 0.5, padding - 0.5), w, h, fill=False, edgecolor=edgecolor,
                           linestyle="--", linewidth=linewidth, gid="image"))


def conv_step(image, kernel, i, j, stride=1, padding=0, mode="zeros", value=None,
              progressive=True, figsize=None):
    """Draw how one output pixel ``out[i, j]`` of a cross-correlation is computed.

    Introduced in notebooks/01_pixels_and_filters.ipynb.  Static twin of
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
        How to pad (see :func:`cnncourse.filters.pad2d`).
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
    image = v.as_float(v.require_array("image", image, ndim=2, shape_text="(H, W)",
                                       fix="For an RGB image, pass one channel: image[..., c]."))
    kernel = v.as_float(v.require_array("kernel", kernel, ndim=2, shape_text="(KH, KW)"))
    stride = v.require_int("stride", stride, minimum=1)
    padding = v.require_int("padding", padding, minimum=0)
    v.require_choice("mode", mode, filters.PAD_MODES)
    if value is None:
        value = 1.0 if mode == "constant" else 0.0
    h, w = image.shape
    kh, kw = kernel.shape
    oh = filters.conv_output_size(h, kh, stride, padding)
    ow = filters.conv_output_size(w, kw, stride, padding)
    i = _check_index("i", i, oh, "row")
    j = _check_index("j", j, ow, "column")

    padded = filters.pad2d(image, padding, mode=mode, value=value)  # (H + 2p, W + 2p)
    out = filters.correlate2d(padded, kernel, stride=stride)  # (OH, OW)
    r0, c0 = i * stride, j * stride
    window = padded[r0:r0 + kh, c0:c0 + kw]
    product = window * kernel
    total = out[i, j]

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


def padding_modes(image, padding, value=1.0):
    """Compare the four padding modes on a small matrix, side by side.

    Introduced in notebooks/01_pixels_and_filters.ipynb.

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


def filter_photo(image, kernel, stride=1, padding=None, mode="zeros", value=None, title=None, signed=None):
    """Show a photo, the kernel and the filtered photo side by side.

    Introduced in notebooks/01_pixels_and_filters.ipynb.  Static twin of the photo view
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
    >>> fig = filter_photo(np.random.default_rng(0).random((32, 32)), filters.mean_kernel(3))
    >>> fig.axes[2].images[0].get_array().shape
    (32, 32)
    >>> plt.close(fig)
    """
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


# ------------------------------------------------------------------ module 02: layers, parameters, receptive fields

_SPATIAL = ("conv", "maxpool", "avgpool")


def _layer_name(layer):
    """Short text for a layer spec, e.g. 'conv 3×3, 8 filters, padding 1' or 'maxpool 2×2'."""
    kind = layer.get("type") if isinstance(layer, dict) else None
    if kind == "conv":
        k = layer.get("kernel_size")
        text = f"conv {k}\u00d7{k}, {layer.get('filters')} filters"
        if layer.get("stride", 1) != 1:
            text += f", stride {layer['stride']}"
        if layer.get("padding", 0):
            text += f", padding {layer['padding']}"
        return text
    if kind in ("maxpool", "avgpool"):
        k = layer.get("kernel_size")
        s = layer.get("stride")
        return f"{kind} {k}\u00d7{k}" + ("" if s is None or s == k else f", stride {s}")
    if kind == "dense":
        return f"dense, {layer.get('units')} units"
    return str(kind)


def _shape_text(shape):
    return "\u00d7".join(str(s) for s in shape)


def layer_table(layers, input_shape):
    """A text table of a layer stack: output shape, weights, biases and parameters per layer.

    Introduced in notebooks/02_convolution_layers.ipynb.  Print it; the numbers come from
    :func:`cnncourse.architecture.count_params`.

    Parameters
    ----------
    layers : list of dict
        Layer specs (see :mod:`cnncourse.architecture`).
    input_shape : tuple of int, (C, H, W)

    Returns
    -------
    str
        One row per layer after an "input" row, then a "total" row; numbers use thousands
        separators.

    Raises
    ------
    ValueError
        Whatever :func:`~cnncourse.architecture.count_params` rejects.

    Examples
    --------
    >>> print(layer_table([{"type": "flatten"}, {"type": "dense", "units": 10}], (1, 28, 28)))
    #  layer            output shape  weights  biases  parameters
    -  input            1×28×28             0       0           0
    0  flatten          784                 0       0           0
    1  dense, 10 units  10              7,840      10       7,850
       total                            7,840      10       7,850
    """
    from . import architecture

    rows = architecture.count_params(layers, input_shape)
    table = [("#", "layer", "output shape", "weights", "biases", "parameters"),
             ("-", "input", _shape_text(input_shape), "0", "0", "0")]
    for k, (layer, (shape, weights, biases)) in enumerate(zip(layers, rows)):
        table.append((str(k), _layer_name(layer), _shape_text(shape), f"{weights:,}", f"{biases:,}",
                      f"{weights + biases:,}"))
    total_w = sum(r[1] for r in rows)
    total_b = sum(r[2] for r in rows)
    table.append(("", "total", "", f"{total_w:,}", f"{total_b:,}", f"{total_w + total_b:,}"))
    widths = [max(len(row[c]) for row in table) for c in range(6)]
    right = (False, False, False, True, True, True)
    lines = ["  ".join(cell.rjust(w) if r else cell.ljust(w) for cell, w, r in zip(row, widths, right)).rstrip()
             for row in table]
    return "\n".join(lines)


def _dense_stack(hidden, classes):
    stack = [{"type": "flatten"}]
    if hidden:
        stack.append({"type": "dense", "units": hidden})
    return stack + [{"type": "dense", "units": classes}]


#: The small CNN of the lecture: conv(10 filters 3×3) → relu → conv(8 filters 3×3): 810 weights.
SMALL_CNN = (
    {"type": "conv", "filters": 10, "kernel_size": 3},
    {"type": "relu"},
    {"type": "conv", "filters": 8, "kernel_size": 3},
)


def params_vs_image_side(dense_hidden=20, conv_layers=None, sides=range(8, 257, 8), classes=10, ax=None):
    """Weights of dense networks vs a conv stack as the (square, grayscale) image grows.

    Introduced in notebooks/02_convolution_layers.ipynb: a dense layer has one weight per
    input pixel and unit, so its size grows with ``side²``; a conv layer's does not depend
    on the image size at all.

    Parameters
    ----------
    dense_hidden : int, default 20
        Hidden units of the dense network ``side² → dense_hidden → classes``.
    conv_layers : list of dict, optional
        The conv stack; default :data:`SMALL_CNN` (conv 10 × 3×3, relu, conv 8 × 3×3: 810 weights).
    sides : iterable of int, default range(8, 257, 8)
        Image sides to plot; 28 and 256 are always added (and marked).
    classes : int, default 10
        Units of the one-layer dense network ``side² → classes`` and of the dense output layer.
    ax : matplotlib Axes, optional

    Returns
    -------
    fig : matplotlib Figure
        One axes (log y) with three lines (gid "curve") labelled ``"dense: side² → {classes}"``,
        ``"dense: side² → {dense_hidden} → {classes}"`` and ``"conv stack"``; each line's data is
        (side, weights) with weights counted by :func:`cnncourse.architecture.count_params`
        (biases excluded).  Sides 28 and 256 carry markers and their numbers.

    Examples
    --------
    >>> fig = params_vs_image_side(sides=[28])
    >>> curves = [line for line in fig.axes[0].get_lines() if line.get_gid() == "curve"]
    >>> {line.get_label(): int(line.get_ydata()[0]) for line in curves}
    {'dense: side² → 10': 7840, 'dense: side² → 20 → 10': 15880, 'conv stack': 810}
    >>> plt.close(fig)
    """
    from . import architecture

    dense_hidden = v.require_int("dense_hidden", dense_hidden, minimum=0,
                                 fix="Use 0 for no hidden layer.")
    classes = v.require_int("classes", classes, minimum=1)
    conv_layers = list(SMALL_CNN if conv_layers is None else conv_layers)
    sides = sorted({v.require_int("sides", s, minimum=1) for s in sides} | {28, 256})

    def weights(stack, side):
        return sum(w for _, w, _ in architecture.count_params(stack, (1, side, side)))

    curves = [(f"dense: side\u00b2 \u2192 {classes}", _dense_stack(0, classes), "tab:orange", "--"),
              (f"dense: side\u00b2 \u2192 {dense_hidden} \u2192 {classes}", _dense_stack(dense_hidden, classes),
               "tab:red", "-"),
              ("conv stack", conv_layers, "tab:blue", "-")]
    if dense_hidden == 0:
        curves.pop(1)
    ax = _new_ax(ax, figsize=(8.5, 5))
    for label, stack, color, style in curves:
        ys = np.array([weights(stack, s) for s in sides], dtype=float)
        ax.plot(sides, ys, style, color=color, label=label, linewidth=2, gid="curve")
        for s in (28, 256):
            y = ys[sides.index(s)]
            ax.plot([s], [y], "o", color=color)
            ax.annotate(f"{int(y):,}", (s, y), textcoords="offset points", xytext=(7, 4 if s == 28 else -12),
                        fontsize=9, color=color,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    for s in (28, 256):
        ax.axvline(s, color="0.7", linewidth=1, zorder=0)
        ax.text(s, 1.0, f" {s}\u00d7{s}", transform=ax.get_xaxis_transform(), va="bottom", ha="center",
                fontsize=9, color="0.35")
    ax.set_yscale("log")
    ax.set_xlabel("image side (pixels); the image is side \u00d7 side, one channel")
    ax.set_ylabel("weights (biases excluded), log scale")
    ax.set_title("dense layers grow with the image; conv layers do not", pad=18)
    ax.legend(loc="center right")
    ax.grid(True, which="major", alpha=0.3)
    ax.figure.tight_layout()
    return ax.figure


def activation_curves(x=None, alpha=0.1):
    """Plot ReLU, leaky ReLU, ELU, sigmoid and tanh side by side.

    Introduced in notebooks/02_convolution_layers.ipynb.

    Parameters
    ----------
    x : ndarray, shape (M,), optional
        Inputs; default 401 points from −5 to 5.
    alpha : float, default 0.1
        Slope of leaky ReLU for ``x < 0`` (0.1 rather than the usual 0.01 so it shows), and
        ELU's ``alpha`` is 1.

    Returns
    -------
    fig : matplotlib Figure
        Five axes labelled "relu", "leaky_relu", "elu", "sigmoid", "tanh"; each holds the
        curve (first line) computed by :mod:`cnncourse.activations`.

    Examples
    --------
    >>> fig = activation_curves(np.array([-1.0, 0.0, 2.0]))
    >>> fig.axes[0].get_lines()[0].get_ydata()
    array([0., 0., 2.])
    >>> plt.close(fig)
    """
    from . import activations as act

    x = np.linspace(-5, 5, 401) if x is None else v.as_float(v.require_array("x", x, ndim=1, shape_text="(M,)"))
    alpha = v.require_number("alpha", alpha)
    curves = [("relu", act.relu(x), "max(x, 0)"),
              ("leaky_relu", act.leaky_relu(x, alpha), f"x if x > 0 else {format_number(alpha)}x"),
              ("elu", act.elu(x), "x if x > 0 else exp(x) \u2212 1"),
              ("sigmoid", act.sigmoid(x), "1 / (1 + exp(\u2212x))"),
              ("tanh", act.tanh(x), "2\u00b7sigmoid(2x) \u2212 1")]
    fig, axes = plt.subplots(1, 5, figsize=(16, 3.4), sharex=True)
    for ax, (name, y, formula) in zip(axes, curves):
        ax.set_label(name)
        ax.plot(x, y, color="tab:blue", linewidth=2)
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.axvline(0, color="0.6", linewidth=0.8)
        ax.set_title(f"{name.replace('_', ' ')}\n{formula}", fontsize=10)
        ax.set_xlabel("x")
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def activation_maps(fmap, alpha=0.1, title=None):
    """A signed feature map and what each activation makes of it.

    Introduced in notebooks/02_convolution_layers.ipynb.  Every panel uses the diverging
    colormap centred at 0 (blue < 0 < red): ReLU keeps only the red part; sigmoid maps 0
    to 0.5, so it turns everything positive.

    Parameters
    ----------
    fmap : ndarray, shape (H, W)
        E.g. the output of an edge filter.
    alpha : float, default 0.1
        Leaky ReLU slope.
    title : str, optional
        Suptitle.

    Returns
    -------
    fig : matplotlib Figure
        Six panels labelled "input", "relu", "leaky_relu", "elu", "sigmoid", "tanh".  The
        first four share the colour limit ``max|fmap|``; sigmoid and tanh use 1.

    Examples
    --------
    >>> fig = activation_maps(np.array([[-1.0, 2.0]]))
    >>> fig.axes[1].images[0].get_array().tolist()
    [[0.0, 2.0]]
    >>> plt.close(fig)
    """
    from . import activations as act

    fmap = v.as_float(_matrix("fmap", fmap))
    m = _symmetric_limit(fmap)
    panels = [("input", fmap, m, "feature map"), ("relu", act.relu(fmap), m, "ReLU"),
              ("leaky_relu", act.leaky_relu(fmap, alpha), m, f"leaky ReLU ({format_number(alpha)})"),
              ("elu", act.elu(fmap), m, "ELU"), ("sigmoid", act.sigmoid(fmap), 1.0, "sigmoid"),
              ("tanh", act.tanh(fmap), 1.0, "tanh")]
    fig, axes = plt.subplots(1, 6, figsize=(17, 3.6))
    for ax, (label, values, vmax, name) in zip(axes, panels):
        ax.set_label(label)
        show_feature_map(values, ax=ax, vmax=vmax,
                         title=f"{name}\n[{format_number(values.min())}, {format_number(values.max())}]")
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 0.93 if title is not None else 1))
    return fig


def filter_bank(image, w, b=None, names=None, padding=None):
    """An RGB image, a bank of 3-channel filters and the feature map each filter makes.

    Introduced in notebooks/02_convolution_layers.ipynb: filter ``f`` is one 3-D array
    ``w[f]`` of shape (C, K, K); its feature map is the sum over channels of the per-channel
    cross-correlations, plus ``b[f]``.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        RGB floats in [0, 1] (transposed here to (1, 3, H, W)).
    w : ndarray, shape (F, 3, K, K)
    b : ndarray, shape (F,), optional
        Default zeros.
    names : sequence of str, optional
        One name per filter.
    padding : int, optional
        Default ``K // 2`` (same size).

    Returns
    -------
    fig : matplotlib Figure
        One column per filter: three kernel rows (labelled "kernel f c") and a feature map
        (labelled "map f") equal to ``conv.conv2d_forward(x, w, b, padding=padding)[0, f]``;
        the image is the first panel of the bottom row (labelled "image").

    Examples
    --------
    >>> w = np.zeros((2, 3, 3, 3)); w[0, 0, 1, 1] = 1; w[1, :, 1, 1] = 1 / 3
    >>> fig = filter_bank(np.ones((8, 8, 3)), w, names=["red", "gray"])
    >>> [ax.get_title() for ax in fig.axes if ax.get_label() == "map 1"]
    ['gray: 8×8']
    >>> plt.close(fig)
    """
    from . import conv

    image = _image_array("image", image)
    if image.ndim != 3:
        raise ValueError(v.message("image", "have shape (H, W, 3)", f"shape {image.shape}",
                                   "Load it with data.load_photo(name) (not gray=True)."))
    w = v.as_float(v.require_array("w", w, ndim=4, shape_text="(F, 3, K, K)"))
    n_filters, _, k, _ = w.shape
    b = np.zeros(n_filters) if b is None else b
    padding = k // 2 if padding is None else padding
    names = [f"filter {f}" for f in range(n_filters)] if names is None else list(names)
    if len(names) != n_filters:
        raise ValueError(v.message("names", f"have one name per filter ({n_filters})", f"{len(names)} names",
                                   "Pass as many names as filters, or None."))
    x = v.as_float(image).transpose(2, 0, 1)[None]  # (1, 3, H, W)
    out = conv.conv2d_forward(x, w, b, padding=padding)[0]  # (F, OH, OW)
    fig, axes = plt.subplots(4, n_filters + 1, figsize=(2.3 * (n_filters + 1), 7.8),
                             gridspec_kw={"height_ratios": [1, 1, 1, 2.6]}, squeeze=False)
    for c, color in enumerate(("R", "G", "B")):
        axes[c, 0].set_axis_off()
        axes[c, 0].text(0.9, 0.5, f"channel {color}\nkernels", ha="right", va="center", fontsize=10,
                        transform=axes[c, 0].transAxes)
    show_image(image, ax=axes[3, 0], title="input (3 channels)")
    axes[3, 0].set_label("image")
    for f in range(n_filters):
        for c in range(3):
            show_kernel(w[f, c], ax=axes[c, f + 1], annotate=k <= 5, fontsize=7,
                        title=names[f] if c == 0 else None)
            axes[c, f + 1].set_label(f"kernel {f} {c}")
        show_feature_map(out[f], ax=axes[3, f + 1], title=f"{names[f]}: {out.shape[1]}\u00d7{out.shape[2]}")
        axes[3, f + 1].set_label(f"map {f}")
    fig.suptitle(f"{n_filters} filters of shape 3\u00d7{k}\u00d7{k} \u2192 {n_filters} feature maps "
                 "(each map = sum of its 3 per-channel correlations + bias)")
    fig.tight_layout()
    return fig


def pool_step(values, i=0, j=0, kernel_size=2, stride=None):
    """Draw one pooling window on a small matrix and the max- and average-pooled outputs.

    Introduced in notebooks/02_convolution_layers.ipynb.

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
    from . import pool

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


def _rf_geometry(layers, input_side):
    """Panels (layer index, spec, side, kernel, stride, padding) for the input and each conv/pool layer."""
    from . import architecture

    shapes = architecture.count_params(layers, (1, input_side, input_side))
    architecture.receptive_field(layers)  # rejects flatten/dense with its own message
    panels = [(None, None, input_side, 1, 1, 0)]
    for k, (layer, (shape, _, _)) in enumerate(zip(layers, shapes)):
        if layer["type"] in _SPATIAL:
            kernel = layer["kernel_size"]
            stride = layer.get("stride") or (1 if layer["type"] == "conv" else kernel)
            panels.append((k, layer, shape[1], kernel, stride, layer.get("padding", 0)))
    return panels


def receptive_field_region(layers, input_side, i, j, layer_index=-1):
    """Rows and columns that output unit (i, j) of a layer sees in the input and in every map before it.

    Introduced in notebooks/02_convolution_layers.ipynb.  Walks back through the stack: a
    range ``[a, b]`` of a layer's outputs sees ``[a*stride - padding, b*stride - padding + K - 1]``
    of that layer's input.  The ranges are not clipped, so they may run into the padding
    (below 0 or past the map's side).

    Parameters
    ----------
    layers : list of dict
        conv, maxpool, avgpool and relu specs (see :mod:`cnncourse.architecture`).
    input_side : int
        Side of the square input image.
    i, j : int
        The unit's row and column in the output of ``layers[layer_index]``.
    layer_index : int, default -1
        Which layer (Python indexing: -1 is the last).  An activation has the geometry of the
        layer before it.

    Returns
    -------
    list of tuple (layer index or None, side, (r0, r1), (c0, c1))
        Inclusive row and column ranges, from the input (``None``) to the chosen layer, whose
        range is ``(i, i), (j, j)``.  The input's range has length ``R``, the receptive field
        of :func:`cnncourse.architecture.receptive_field`, and starts at ``i*jump - offset``.

    Raises
    ------
    ValueError
        ``i``/``j`` outside the layer's output, ``layer_index`` out of range, a flatten/dense layer.

    Examples
    --------
    >>> conv3 = {"type": "conv", "filters": 1, "kernel_size": 3}
    >>> [r for _, _, r, _ in receptive_field_region([conv3, conv3], 8, 1, 0)]
    [(1, 5), (1, 3), (1, 1)]
    """
    panels, index = _rf_checked(layers, input_side, i, j, layer_index)
    used = [p for p in panels if p[0] is None or p[0] <= index]
    rows, cols = (i, i), (j, j)
    result = [(used[-1][0], used[-1][2], rows, cols)]
    for q in range(len(used) - 1, 0, -1):
        _, _, _, k, s, pad = used[q]
        rows = (rows[0] * s - pad, rows[1] * s - pad + k - 1)
        cols = (cols[0] * s - pad, cols[1] * s - pad + k - 1)
        result.append((used[q - 1][0], used[q - 1][2], rows, cols))
    return result[::-1]


def _rf_checked(layers, input_side, i, j, layer_index):
    input_side = v.require_int("input_side", input_side, minimum=1)
    layers = list(layers)
    if not layers:
        raise ValueError(v.message("layers", "contain at least one layer", "an empty list",
                                   'For example [{"type": "conv", "filters": 8, "kernel_size": 3}].'))
    n = len(layers)
    layer_index = v.require_int("layer_index", layer_index, minimum=-n,
                                fix=f"The stack has {n} layers: use 0..{n - 1} or -1 for the last.")
    if layer_index >= n:
        raise ValueError(v.message("layer_index", f"be in {-n}..{n - 1} (the stack has {n} layers)", layer_index,
                                   "Use -1 for the last layer."))
    index = layer_index % n
    panels = _rf_geometry(layers, input_side)
    side = [p for p in panels if p[0] is None or p[0] <= index][-1][2]
    for name, value, axis in (("i", i, "row"), ("j", j, "column")):
        value = v.require_int(name, value, minimum=0, fix=f"Output {axis}s are numbered from 0.")
        if value >= side:
            raise ValueError(v.message(
                name, f"be an output {axis} index in 0..{side - 1} (layer {index} outputs a {side}\u00d7{side} "
                      f"map for a {input_side}\u00d7{input_side} input)", value,
                f"Pick {name} <= {side - 1}, or choose an earlier layer or a larger input_side."))
    return panels, index


_RF_COLORS = ("tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")


def receptive_field_map(layers, input_side, i, j, layer_index=-1):
    """Draw the input region (and intermediate regions) that one output unit of a stack sees.

    Introduced in notebooks/02_convolution_layers.ipynb.  Static twin of
    :func:`cnncourse.widgets.receptive_field_explorer`.

    Parameters
    ----------
    layers : list of dict
        conv, maxpool, avgpool and relu specs (see :mod:`cnncourse.architecture`).
    input_side : int
        Side of the square, single-channel input (output sides come from
        :func:`cnncourse.architecture.count_params` with input shape ``(1, side, side)``).
    i, j : int
        Row and column of the highlighted unit in the output of ``layers[layer_index]``.
    layer_index : int, default -1
        Which layer's unit; an activation layer uses the map of the layer before it.

    Returns
    -------
    fig : matplotlib Figure
        One grid per map, left to right: "input", then "layer k" for every conv/pool layer
        (``ax.get_label()``; activations have no panel of their own, layers after the chosen
        one are drawn faded).  The unit is a red square (gid "unit"); in every earlier map the
        region it sees is a filled rectangle (gid "region") clipped to the map, and a dashed
        outline (gid "region_full") shows the unclipped region when it runs into the padding,
        whose cells are drawn tinted around the map.
        The suptitle reads "receptive field R×R, jump J" and says when the region extends into
        the padding.

    Raises
    ------
    ValueError
        ``i``/``j`` outside the layer's output (the message gives the valid range),
        ``layer_index`` out of range, flatten/dense layers.

    Examples
    --------
    >>> conv3 = {"type": "conv", "filters": 1, "kernel_size": 3}
    >>> fig = receptive_field_map([conv3, conv3], 8, 1, 0)
    >>> region = [p for p in fig.axes[0].patches if p.get_gid() == "region"][0]
    >>> region.get_xy(), region.get_width(), region.get_height()
    ((-0.5, 0.5), 5, 5)
    >>> plt.close(fig)
    """
    from . import architecture

    panels, index = _rf_checked(layers, input_side, i, j, layer_index)
    layers = list(layers)
    regions = {p[0]: (rows, cols) for p, (_, _, rows, cols) in
               zip(panels, receptive_field_region(layers, input_side, i, j, index))}
    size, jump = architecture.receptive_field(layers[:index + 1])[-1]
    chosen = [p for p in panels if p[0] is None or p[0] <= index][-1][0]

    def margin(k, side):  # padding cells to show around a map: how far the region runs outside
        if k not in regions or k == chosen:
            return 0
        (r0, r1), (c0, c1) = regions[k]
        return max(0, -r0, -c0, r1 - side + 1, c1 - side + 1)

    margins = [margin(p[0], p[2]) for p in panels]
    widths = [p[2] + 2 * m for p, m in zip(panels, margins)]
    cell = min(0.32, 15.0 / (sum(widths) + len(widths)))
    fig, axes = plt.subplots(1, len(panels), figsize=(cell * (sum(widths) + len(widths)) + 1.0,
                                                      cell * max(widths) + 2.4),
                             gridspec_kw={"width_ratios": widths}, squeeze=False)
    axes = axes[0]
    outside = False
    for q, (ax, (k, layer, side, _, _, _), m) in enumerate(zip(axes, panels, margins)):
        active = k is None or k <= index
        ax.set_label("input" if k is None else f"layer {k}")
        ax.imshow(np.ones((side, side, 3)) * (1.0 if active else 0.93), interpolation="nearest")
        if m:  # the padding ring, tinted as in conv_step
            tint = np.zeros((side + 2 * m, side + 2 * m, 4))
            tint[..., :3] = (0.25, 0.45, 0.95)
            tint[..., 3] = 0.25
            tint[m:m + side, m:m + side, 3] = 0.0
            ax.imshow(tint, interpolation="nearest", extent=(-0.5 - m, side - 0.5 + m, side - 0.5 + m, -0.5 - m))
        ax.set_xlim(-0.5 - m, side - 0.5 + m)
        ax.set_ylim(side - 0.5 + m, -0.5 - m)
        _index_ticks(ax, (side, side), side <= 16 and active)
        ax.set_xticks(np.arange(-0.5 - m, side + m, 1), minor=True)
        ax.set_yticks(np.arange(-0.5 - m, side + m, 1), minor=True)
        ax.grid(which="minor", color="0.75" if active else "0.88", linewidth=0.5)
        ax.tick_params(which="minor", length=0)
        ax.set_anchor("N")
        for spine in ax.spines.values():
            spine.set_visible(active)
        chars = max(14, int(widths[q] * cell * 72 / 5.5))  # what fits over the panel at 9 pt
        title = f"input {side}\u00d7{side}" if k is None else f"layer {k}: {_layer_name(layer)}"
        title = textwrap.fill(title, chars) + ("" if k is None else f"\n{side}\u00d7{side}")
        if m:
            title += "\n(tinted: padding)"
        ax.set_title(title, fontsize=9, color="black" if active else "0.6")
        if k == chosen:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="red", edgecolor="darkred", linewidth=2,
                                   alpha=0.8, gid="unit"))
        elif active:
            (r0, r1), (c0, c1) = regions[k]
            color = "tab:orange" if k is None else _RF_COLORS[q % len(_RF_COLORS)]
            cr0, cr1, cc0, cc1 = max(r0, 0), min(r1, side - 1), max(c0, 0), min(c1, side - 1)
            ax.add_patch(Rectangle((cc0 - 0.5, cr0 - 0.5), cc1 - cc0 + 1, cr1 - cr0 + 1, facecolor=color,
                                   edgecolor=color, alpha=0.5, linewidth=2, gid="region"))
            if m:
                ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False, edgecolor=color,
                                       linestyle="--", linewidth=2, gid="region_full"))
                outside = outside or k is None
            if k is None:
                ax.set_xlabel(f"sees rows {cr0}..{cr1}, cols {cc0}..{cc1}", fontsize=9)
    name = "input pixel" if chosen is None else f"layer {index}"
    text = f"{name} unit ({i}, {j}): receptive field {size}\u00d7{size}, jump {jump}"
    if outside:
        (r0, r1), (c0, c1) = regions[None]
        fr0, fr1, fc0, fc1 = (format_number(n) for n in (r0, r1, c0, c1))
        text += (f"\nthe region (rows {fr0}..{fr1}, cols {fc0}..{fc1}) extends into the padding; "
                 "drawn clipped to the input (dashed: full region)")
    fig.suptitle(text, fontsize=11)
    fig.tight_layout()
    return fig
