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
    >>> from cnncourse.ref import filters
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
    from .ref import filters, layer_specs
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
    oh = layer_specs.conv_output_size(h, kh, stride, padding)
    ow = layer_specs.conv_output_size(w, kw, stride, padding)
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
    from .ref import filters
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
    >>> from cnncourse.ref import filters
    >>> fig = filter_photo(np.random.default_rng(0).random((32, 32)), filters.mean_kernel(3))
    >>> fig.axes[2].images[0].get_array().shape
    (32, 32)
    >>> plt.close(fig)
    """
    from .ref import filters
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
    :func:`cnncourse.ref.layer_specs.count_params`.

    Parameters
    ----------
    layers : list of dict
        Layer specs (see :mod:`cnncourse.ref.layer_specs`).
    input_shape : tuple of int, (C, H, W)

    Returns
    -------
    str
        One row per layer after an "input" row, then a "total" row; numbers use thousands
        separators.

    Raises
    ------
    ValueError
        Whatever :func:`~cnncourse.ref.layer_specs.count_params` rejects.

    Examples
    --------
    >>> print(layer_table([{"type": "flatten"}, {"type": "dense", "units": 10}], (1, 28, 28)))
    #  layer            output shape  weights  biases  parameters
    -  input            1×28×28             0       0           0
    0  flatten          784                 0       0           0
    1  dense, 10 units  10              7,840      10       7,850
       total                            7,840      10       7,850
    """
    from .ref import layer_specs

    rows = layer_specs.count_params(layers, input_shape)
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
        (side, weights) with weights counted by :func:`cnncourse.ref.layer_specs.count_params`
        (biases excluded).  Sides 28 and 256 carry markers and their numbers.

    Examples
    --------
    >>> fig = params_vs_image_side(sides=[28])
    >>> curves = [line for line in fig.axes[0].get_lines() if line.get_gid() == "curve"]
    >>> {line.get_label(): int(line.get_ydata()[0]) for line in curves}
    {'dense: side² → 10': 7840, 'dense: side² → 20 → 10': 15880, 'conv stack': 810}
    >>> plt.close(fig)
    """
    from .ref import layer_specs

    dense_hidden = v.require_int("dense_hidden", dense_hidden, minimum=0,
                                 fix="Use 0 for no hidden layer.")
    classes = v.require_int("classes", classes, minimum=1)
    conv_layers = list(SMALL_CNN if conv_layers is None else conv_layers)
    sides = sorted({v.require_int("sides", s, minimum=1) for s in sides} | {28, 256})

    def weights(stack, side):
        return sum(w for _, w, _ in layer_specs.count_params(stack, (1, side, side)))

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
        curve (first line) computed by :mod:`cnncourse.ref.activations`.

    Examples
    --------
    >>> fig = activation_curves(np.array([-1.0, 0.0, 2.0]))
    >>> fig.axes[0].get_lines()[0].get_ydata()
    array([0., 0., 2.])
    >>> plt.close(fig)
    """
    from .ref import activations

    x = np.linspace(-5, 5, 401) if x is None else v.as_float(v.require_array("x", x, ndim=1, shape_text="(M,)"))
    alpha = v.require_number("alpha", alpha)
    curves = [("relu", activations.relu(x), "max(x, 0)"),
              ("leaky_relu", activations.leaky_relu(x, alpha), f"x if x > 0 else {format_number(alpha)}x"),
              ("elu", activations.elu(x), "x if x > 0 else exp(x) \u2212 1"),
              ("sigmoid", activations.sigmoid(x), "1 / (1 + exp(\u2212x))"),
              ("tanh", activations.tanh(x), "2\u00b7sigmoid(2x) \u2212 1")]
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
    from .ref import activations

    fmap = v.as_float(_matrix("fmap", fmap))
    m = _symmetric_limit(fmap)
    panels = [("input", fmap, m, "feature map"), ("relu", activations.relu(fmap), m, "ReLU"),
              ("leaky_relu", activations.leaky_relu(fmap, alpha), m, f"leaky ReLU ({format_number(alpha)})"),
              ("elu", activations.elu(fmap), m, "ELU"), ("sigmoid", activations.sigmoid(fmap), 1.0, "sigmoid"),
              ("tanh", activations.tanh(fmap), 1.0, "tanh")]
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
    from .ref import conv

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
    from .ref import pool

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
    from .ref import layer_specs

    shapes = layer_specs.count_params(layers, (1, input_side, input_side))
    layer_specs.receptive_field(layers)  # rejects flatten/dense with its own message
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
        conv, maxpool, avgpool and relu specs (see :mod:`cnncourse.ref.layer_specs`).
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
        of :func:`cnncourse.ref.layer_specs.receptive_field`, and starts at ``i*jump - offset``.

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
        conv, maxpool, avgpool and relu specs (see :mod:`cnncourse.ref.layer_specs`).
    input_side : int
        Side of the square, single-channel input (output sides come from
        :func:`cnncourse.ref.layer_specs.count_params` with input shape ``(1, side, side)``).
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
    from .ref import layer_specs

    panels, index = _rf_checked(layers, input_side, i, j, layer_index)
    layers = list(layers)
    regions = {p[0]: (rows, cols) for p, (_, _, rows, cols) in
               zip(panels, receptive_field_region(layers, input_side, i, j, index))}
    size, jump = layer_specs.receptive_field(layers[:index + 1])[-1]
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


# ------------------------------------------------------------------ module 03: backpropagation


def _cell_box(ax, r, c, h=1, w=1, gid=None, **style):
    """Outline (or fill) the cells rows r..r+h-1, cols c..c+w-1 of a matrix panel."""
    style = {"fill": False, "edgecolor": "red", "linewidth": 3, **style}
    return ax.add_patch(Rectangle((c - 0.5, r - 0.5), w, h, gid=gid, **style))


def _grad_fmt(values):
    """Cell format for gradients: 3 decimals, or 2 significant digits when every entry is tiny."""
    scale = float(np.max(np.abs(values))) if np.size(values) else 0.0
    if 0 < scale < 0.01:
        return lambda x: f"{x:.1e}".replace("e-0", "e-").replace("-", _MINUS) if x else "0"
    return lambda x: format_number(x, 3)


def _show_signed(values, ax, title, m=None, fmt=None, indices=False):
    """A number grid on the diverging colormap centred at 0 (gradients, signed maps)."""
    values = np.asarray(values, dtype=float)
    m = _symmetric_limit(values) if m is None else m
    return show_matrix(values, ax=ax, title=title, fmt=fmt or _auto_fmt(values), cmap="RdBu_r", vmin=-m, vmax=m,
                       indices=indices)


_TOY_LAYERS = (  # name, text in the box, output shape, parameters
    ("input", "input image\n6\u00d76", "6\u00d76", 0),
    ("conv", "conv 3\u00d73\nw (3, 3), bias b\n9 + 1 = 10 params", "4\u00d74", 10),
    ("relu", "ReLU\n0 params", "4\u00d74", 0),
    ("maxpool", "max-pool 2\u00d72\n0 params", "2\u00d72", 0),
    ("flatten", "flatten\n0 params", "4", 0),
    ("dense", "dense\nv (4,), bias c\n4 + 1 = 5 params", "1", 5),
    ("sigmoid", "sigmoid\n0 params", "\u0177 \u2208 (0, 1)", 0),
    ("loss", "binary\ncross-entropy\nL(\u0177, y)", "scalar L", 0),
)


def toy_network_diagram():
    """Draw the module-03 toy network as a row of boxes with shapes and parameter counts.

    Introduced in notebooks/03_backprop.ipynb.  The network: 6×6 image → 3×3 conv (w, b) →
    ReLU → 2×2 max-pool → flatten → dense (v, c) → sigmoid → binary cross-entropy.

    Returns
    -------
    fig : matplotlib Figure
        One axes.  Each layer is a box (gid ``"layer:<name>"``, names ``input conv relu maxpool
        flatten dense sigmoid loss``); boxes with trainable parameters are shaded orange.
        Arrows carry the shape of the array passed on (forward, black) and a dashed arrow
        underneath shows the gradients flowing back.  The title sums the parameters: 15.

    Examples
    --------
    >>> fig = toy_network_diagram()
    >>> sorted(p.get_gid() for p in fig.axes[0].patches if str(p.get_gid()).startswith("layer:"))[:2]
    ['layer:conv', 'layer:dense']
    >>> "15 trainable parameters" in fig.axes[0].get_title()
    True
    >>> plt.close(fig)
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    n = len(_TOY_LAYERS)
    fig, ax = plt.subplots(figsize=(15, 3.6))
    ax.set_xlim(-0.1, n * 1.6 - 0.4)
    ax.set_ylim(-1.35, 1.05)
    ax.set_axis_off()
    box_w, box_h = 1.15, 1.3
    for k, (name, text, out_shape, count) in enumerate(_TOY_LAYERS):
        x0 = k * 1.6
        color = "#fdd9a8" if count else "#e8eef7"
        ax.add_patch(FancyBboxPatch((x0, -0.6), box_w, box_h, boxstyle="round,pad=0.03", facecolor=color,
                                    edgecolor="0.3", linewidth=1.2, gid=f"layer:{name}"))
        ax.text(x0 + box_w / 2, 0.05, text, ha="center", va="center", fontsize=9.5)
        if k < n - 1:
            ax.add_patch(FancyArrowPatch((x0 + box_w + 0.02, 0.2), (x0 + 1.6 - 0.02, 0.2), arrowstyle="-|>",
                                         mutation_scale=14, color="black", gid="forward"))
            ax.text(x0 + box_w + 0.225, 0.3, out_shape, ha="center", va="bottom", fontsize=8.5)
            ax.add_patch(FancyArrowPatch((x0 + 1.6 - 0.02, -0.3), (x0 + box_w + 0.02, -0.3), arrowstyle="-|>",
                                         mutation_scale=12, color="tab:red", linestyle="--", gid="backward"))
    ax.text(0.5 * (n * 1.6 - 0.45), -1.0, "forward: arrays flow left to right (shapes above the arrows)      "
            "backward: dL/d(array) flows right to left (red, dashed), same shapes",
            ha="center", va="center", fontsize=9.5, color="0.25")
    total = sum(count for *_, count in _TOY_LAYERS)
    ax.set_title(f"the toy CNN: {total} trainable parameters (w: 9, b: 1, v: 4, c: 1; orange boxes)", fontsize=12)
    fig.tight_layout()
    return fig


def toy_network_pass(params, image, label=None):
    """Draw every intermediate array of the toy network on one image, and its gradients.

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    params : dict
        ``{"w": (3, 3), "b": scalar, "v": (4,), "c": scalar}`` (see
        :func:`cnncourse.helpers.toy_net.init_toy_params`).
    image : ndarray, shape (6, 6)
    label : {0, 1}, optional
        When given, a second row shows the backward pass: dL/dz, dL/dh, dL/d(pooled),
        dL/d(relu output), dL/dz1 and the parameter gradients dL/dw, dL/db, dL/dv, dL/dc.

    Returns
    -------
    fig : matplotlib Figure
        Forward panels labelled (``ax.get_label()``) "image", "w", "z1", "a1", "pooled", "h";
        with a label also "dh", "dpooled", "da1", "dz1", "dw".  Each shows its array's numbers
        (``ax.images[0].get_array()``).  The suptitle gives z, ŷ (and the loss and dL/dz).

    Examples
    --------
    >>> p = {"w": np.eye(3), "b": 0.0, "v": np.ones(4), "c": 0.0}
    >>> fig = toy_network_pass(p, np.ones((6, 6)))
    >>> [ax.get_label() for ax in fig.axes]
    ['image', 'w', 'z1', 'a1', 'pooled', 'h']
    >>> plt.close(fig)
    """
    from .ref import _common, activations, pool, toy_net

    p, image = toy_net._toy_params(params), toy_net._toy_image(image)
    if label is not None and (isinstance(label, (bool, np.bool_)) or label not in (0, 1)):
        raise ValueError(v.message("label", "be 0, 1 or None", repr(label),
                                   "1 = vertical edge, 0 = horizontal edge; None draws the forward pass only."))
    z1, a1, pooled, h, z = toy_net._toy_layers(p, image)  # (1,1,4,4) (1,1,4,4) (1,1,2,2) (1,4) (1,)
    y_hat = float(_common._stable_sigmoid(z)[0])
    fwd = [("image", image, "image x (6\u00d76)", "gray"), ("w", p["w"], f"w, b = {format_number(p['b'])}", "kernel"),
           ("z1", z1[0, 0], "z1 = x \u22c6 w + b (4\u00d74)", "signed"),
           ("a1", a1[0, 0], "a1 = relu(z1)", "signed"), ("pooled", pooled[0, 0], "max-pool 2\u00d72", "signed"),
           ("h", h, "h = flatten (1\u00d74)", "signed")]
    rows = 1 if label is None else 2
    widths = [6, 3, 4, 4, 2, 4]
    fig, axes = plt.subplots(rows, 6, figsize=(17, 3.3 * rows + 0.6), squeeze=False,
                             gridspec_kw={"width_ratios": widths})
    for ax, (name, arr, title, kind) in zip(axes[0], fwd):
        ax.set_label(name)
        if kind == "gray":
            show_matrix(arr, ax=ax, title=title, fmt=_auto_fmt(arr), vmin=0, vmax=1, indices=False)
        elif kind == "kernel":
            show_kernel(arr, ax=ax, title=title)
        else:
            _show_signed(arr, ax, title)
        ax.set_anchor("N")
    text = (f"forward: z = h \u00b7 v + c = {format_number(z[0], 3)},   "
            f"\u0177 = sigmoid(z) = {y_hat:.4g}")
    if label is not None:
        loss, grads = toy_net.toy_gradients(p, image, int(label))
        dz = y_hat - label
        dh = dz * p["v"][None]  # (1, 4)
        dpooled = dh.reshape(1, 1, 2, 2)
        da1 = pool.max_pool2d_backward(dpooled, a1, 2)
        dz1 = activations.relu_backward(da1, z1)
        bwd = [("dw", grads["w"], f"dL/dw = x \u22c6 dL/dz1\ndL/db = {float(grads['b']):.3g}".replace("-", _MINUS)),
               ("dz1", dz1[0, 0], "dL/dz1 = dL/da1 \u00b7 [z1 > 0]"), ("da1", da1[0, 0], "dL/da1: to the argmax"),
               ("dpooled", dpooled[0, 0], "dL/dpooled = reshape"), ("dh", dh, "dL/dh = (\u0177 \u2212 y) v")]
        axes[1, 0].set_axis_off()
        axes[1, 0].text(0.5, 0.6, f"label y = {label}\nloss L = {loss:.4g}\n"
                        f"dL/dz = \u0177 \u2212 y = {dz:.3g}\n"
                        f"dL/dv = (\u0177 \u2212 y) h\n  = {np.array2string(grads['v'], precision=3)}\n"
                        f"dL/dc = {float(grads['c']):.3g}".replace("-", _MINUS),
                        ha="center", va="center", fontsize=10, transform=axes[1, 0].transAxes)
        m = max(_symmetric_limit(arr) for _, arr, _ in bwd[1:])
        for ax, (name, arr, title) in zip(axes[1, 1:], bwd):
            ax.set_label(name)
            _show_signed(arr, ax, title, m=None if name == "dw" else m, fmt=_grad_fmt(arr))
            ax.set_anchor("N")
        text += (f"      backward (bottom row, right to left): label {label}, loss {loss:.4g}, "
                 f"dL/dz = {dz:.3g}")
    fig.suptitle(text.replace("-", _MINUS), fontsize=11)
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


def maxpool_routing(x, dout, kernel_size=2, stride=None):
    """Draw max-pool backward: each window's upstream gradient goes to the window's argmax.

    Introduced in notebooks/03_backprop.ipynb.

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
    from .ref import pool

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


def _conv_single(name_x, x, w, name_w="w"):
    x = v.as_float(v.require_array(name_x, x, ndim=2, shape_text="(H, W)",
                                   fix="Pass one channel, e.g. x[0, 0]; the picture is for one image and one filter."))
    w = v.as_float(v.require_array(name_w, w, ndim=2, shape_text="(KH, KW)", fix="Pass one kernel, e.g. w[0, 0]."))
    return x, w


def conv_backward_window(x, w, dout, i, j):
    """Draw what one upstream gradient ``dout[i, j]`` contributes to dL/dW and dL/dX.

    Introduced in notebooks/03_backprop.ipynb.  One channel, one filter, stride 1, no padding:
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
        :func:`cnncourse.ref.conv.conv2d_backward`).

    Examples
    --------
    >>> fig = conv_backward_window(np.arange(16.0).reshape(4, 4), np.ones((3, 3)), np.ones((2, 2)), 1, 0)
    >>> [p.get_xy() for p in fig.axes[0].patches if p.get_gid() == "window"]
    [(-0.5, 0.5)]
    >>> plt.close(fig)
    """
    from .ref import conv

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
    _show_signed(dw_part, ax_dwp, f"dout[{i}, {j}] \u00b7 window\n(added to dL/dw)", m=m_dw, fmt=fmt3)
    _show_signed(dw, ax_dw, f"dL/dw = x \u22c6 dout\n(sum over all {oh * ow} outputs)", m=m_dw, fmt=fmt3)
    m_dx = _symmetric_limit(dx)
    _show_signed(dx_part, ax_dxp, f"dout[{i}, {j}] \u00b7 w in the window\n(added to dL/dx)", m=m_dx, fmt=fmt3)
    _show_signed(dx, ax_dx, f"dL/dx (sum over all outputs)\ndL/db = sum(dout) = {format_number(db[0], 3)}",
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


def conv_backward_dx_step(dout, w, r, c):
    """Draw dL/dX as a *full* convolution: pad dout by K − 1 and correlate it with w rotated 180°.

    Introduced in notebooks/03_backprop.ipynb.  One channel, one filter, stride 1, no padding.

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
    from .ref import conv

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


def gradient_check_vs_h(f, x, grad, hs=None, ax=None):
    """Plot the relative error of centred differences against the step h (log-log).

    Introduced in notebooks/03_backprop.ipynb.  For each h, the numerical gradient
    ``(f(x + h e_i) − f(x − h e_i)) / 2h`` (:func:`cnncourse.ref.gradcheck.numerical_gradient`) is
    compared with ``grad`` by the relative error ``max_i |a_i − b_i| / max(|a_i|, |b_i|)``.
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
    >>> fig = gradient_check_vs_h(lambda x: float(np.sum(x ** 3)), np.array([1.0, 2.0]),
    ...                           np.array([3.0, 12.0]), hs=[1e-2, 1e-4])
    >>> [round(float(e), 6) for e in fig.axes[0].get_lines()[0].get_ydata()]
    [1.7e-05, 0.0]
    >>> plt.close(fig)
    """
    from .ref import gradcheck

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
    ax.set_ylabel("relative error |a \u2212 b| / max(|a|, |b|)")
    ax.set_title("centred differences: too large h \u2192 truncation, too small h \u2192 round-off")
    ax.legend(fontsize=8, loc="best")
    ax.grid(True, which="major", alpha=0.3)
    return ax.figure


# ------------------------------------------------------------------ module 04: training CNNs in PyTorch
#
# torch is imported inside the functions that need it, so ``import cnncourse.plot`` stays light.


def _is_tensor(x):
    """True for a torch tensor, without importing torch (it is loaded if x is one)."""
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _to_numpy(x):
    """A torch tensor as a numpy array (detached, on the CPU); anything else unchanged."""
    return x.detach().cpu().numpy() if _is_tensor(x) else x


def _image_stack(name, images):
    """Images (N, H, W) or (N, 1, H, W), uint8 or float, and the (vmin, vmax) to show them with.

    Integers are shown on 0..255; floats in [0, 1] on 0..1; other floats (e.g. normalized
    pixels) on the stack's own range.
    """
    x = _to_numpy(images)
    if getattr(x, "ndim", None) == 4 and x.shape[1] == 1:
        x = x[:, 0]
    x = v.require_array(name, x, ndim=3, shape_text="(N, H, W) or (N, 1, H, W)",
                        fix="Pass a stack of grayscale images, e.g. the images from data.load_fashion_mnist().")
    if x.dtype.kind in "biu":
        return x, (0.0, 255.0)
    lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
    if lo >= 0.0 and hi <= 1.0:
        return x, (0.0, 1.0)
    return x, (lo, hi if hi > lo else lo + 1.0)


def _class_names(class_names):
    """``class_names`` as a non-empty list of str."""
    if isinstance(class_names, str) or not isinstance(class_names, (list, tuple)) or not class_names:
        got = repr(class_names) if isinstance(class_names, str) else type(class_names).__name__
        raise TypeError(v.message("class_names", "be a non-empty list or tuple of str, one name per class", got,
                                  "Pass e.g. data.FASHION_MNIST_CLASSES."))
    return [str(name) for name in class_names]


def _class_labels(name, labels, n, n_classes):
    """Class indices as an int64 array of shape (n,), each in 0..n_classes - 1."""
    labels = _to_numpy(labels)
    labels = v.require_array(name, labels, ndim=1, shape_text=f"({n},)",
                             fix="Pass one class index per image.")
    if labels.dtype.kind not in "iu":
        raise TypeError(v.message(name, "hold integer class indices", f"dtype {labels.dtype}",
                                  "Convert with .astype(np.int64), or take argmax of the logits first."))
    if labels.shape != (n,):
        raise ValueError(v.message(name, f"have one class index per image, shape ({n},)", f"shape {labels.shape}",
                                   "Pass as many labels as images."))
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(v.message(name, f"hold class indices in 0..{n_classes - 1} (one per name in class_names)",
                                   f"values from {int(labels.min())} to {int(labels.max())}",
                                   "Check that class_names lists every class."))
    return labels.astype(np.int64)


def _records(name, rows, keys, example):
    """Validate a non-empty list of dicts that all have ``keys``."""
    if isinstance(rows, dict) or not isinstance(rows, (list, tuple)) or not rows:
        got = "an empty list" if isinstance(rows, (list, tuple)) else type(rows).__name__
        raise TypeError(v.message(name, "be a non-empty list of dicts", got, f"For example [{example}, ...]."))
    needed = ", ".join(repr(k) for k in keys)
    for k, row in enumerate(rows):
        if not isinstance(row, dict) or not set(keys) <= set(row):
            got = f"keys {sorted(row)}" if isinstance(row, dict) else type(row).__name__
            raise ValueError(v.message(f"{name}[{k}]", f"be a dict with keys {needed}", got,
                                       f"For example {example}."))
    return list(rows)


def _positive(name, value):
    value = v.require_number(name, value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(v.message(name, "be a positive number", value))
    return value


def fashion_grid(images, labels, class_names, per_class=1, seed=0):
    """Draw ``per_class`` random examples of every class, one column per class.

    Introduced in notebooks/04_training_cnns.ipynb.

    Parameters
    ----------
    images : ndarray or tensor, shape (N, H, W) or (N, 1, H, W)
        uint8 (shown on 0..255) or floats (in [0, 1], else stretched to the stack's range).
    labels : ndarray, shape (N,), int
        Class indices ``0 .. K - 1``.
    class_names : sequence of K str
    per_class : int, default 1
        Examples (rows) per class.
    seed : int or numpy.random.Generator, default 0
        Which examples are drawn.

    Returns
    -------
    fig : matplotlib Figure
        ``per_class`` rows and K columns of panels.  Each panel's label (``ax.get_label()``)
        is its class name and its gid the index of the image shown; the top row is titled
        with the class names.

    Raises
    ------
    ValueError
        A class has fewer than ``per_class`` examples, or bad shapes.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> fig = fashion_grid(rng.integers(0, 256, (6, 4, 4)), np.array([0, 1, 2, 0, 1, 2]), ["a", "b", "c"])
    >>> [ax.get_title() for ax in fig.axes]
    ['a', 'b', 'c']
    >>> plt.close(fig)
    """
    images, (lo, hi) = _image_stack("images", images)
    names = _class_names(class_names)
    labels = _class_labels("labels", labels, len(images), len(names))
    per_class = v.require_int("per_class", per_class, minimum=1)
    rng = np.random.default_rng(seed)
    picks = []
    for c, name in enumerate(names):
        pool = np.flatnonzero(labels == c)
        if len(pool) < per_class:
            raise ValueError(v.message("labels", f"contain at least per_class = {per_class} example(s) of every class",
                                       f"{len(pool)} of class {c} ({name!r})",
                                       "Lower per_class, or pass more images."))
        picks.append(np.sort(rng.choice(pool, per_class, replace=False)))
    k = len(names)
    fig, axes = plt.subplots(per_class, k, figsize=(1.45 * k, 1.5 * per_class + 0.4), squeeze=False,
                             layout="constrained")
    for c, name in enumerate(names):
        for r in range(per_class):
            ax = axes[r, c]
            show_image(images[picks[c][r]], ax=ax, vmin=lo, vmax=hi)
            ax.set_label(name)
            ax.set_gid(str(int(picks[c][r])))
            if r == 0:
                ax.set_title(name, fontsize=9)
    return fig


_HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "test_acc")


def _histories(histories):
    """{label: history} from one history or a dict of them; every list as a float array."""
    if isinstance(histories, dict) and "epoch" in histories:
        histories = {"model": histories}
    if not isinstance(histories, dict) or not histories:
        raise TypeError(v.message("histories", "be a fit() history or a non-empty dict {label: history}",
                                  type(histories).__name__ if not isinstance(histories, dict) else "an empty dict",
                                  "Pass e.g. {'dense': history_dense, 'cnn': history_cnn}."))
    out = {}
    for label, h in histories.items():
        name = f"histories[{label!r}]"
        if not isinstance(h, dict) or not set(_HISTORY_KEYS) <= set(h):
            got = f"keys {sorted(h)}" if isinstance(h, dict) else type(h).__name__
            raise ValueError(v.message(name, "be a fit() history: a dict with keys "
                                       + ", ".join(repr(k) for k in _HISTORY_KEYS), got,
                                       "Pass what training.fit() returned."))
        lengths = {len(h[k]) for k in _HISTORY_KEYS}
        if len(lengths) != 1 or 0 in lengths:
            raise ValueError(v.message(name, "have non-empty lists of equal length (one entry per epoch)",
                                       "lengths " + ", ".join(f"{k} {len(h[k])}" for k in _HISTORY_KEYS),
                                       "Pass what training.fit() returned."))
        out[str(label)] = {k: np.array([np.nan if x is None else float(x) for x in h[k]]) for k in _HISTORY_KEYS}
    return out


def training_curves(histories):
    """Plot training loss and accuracy per epoch for one or several training runs.

    Introduced in notebooks/04_training_cnns.ipynb.

    Parameters
    ----------
    histories : dict
        One history returned by :func:`cnncourse.torch_ref.training.fit` (keys "epoch",
        "train_loss", "train_acc", "test_acc"), or ``{label: history}`` to compare runs.
        ``test_acc`` entries may be None (not drawn).

    Returns
    -------
    fig : matplotlib Figure
        Two panels, labelled "loss" (train loss per epoch, one line per run) and "accuracy"
        (train running accuracy dashed, test accuracy solid, one colour per run), with legends.

    Examples
    --------
    >>> h = {"epoch": [1, 2], "train_loss": [0.9, 0.5], "train_acc": [0.7, 0.8], "test_acc": [0.75, 0.82]}
    >>> fig = training_curves({"cnn": h})
    >>> [line.get_label() for line in fig.axes[1].get_lines()]
    ['cnn train (running)', 'cnn test']
    >>> plt.close(fig)
    """
    from matplotlib.ticker import MaxNLocator

    runs = _histories(histories)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    ax_loss.set_label("loss")
    ax_acc.set_label("accuracy")
    for k, (label, h) in enumerate(runs.items()):
        color = f"C{k % 10}"
        ax_loss.plot(h["epoch"], h["train_loss"], "o-", color=color, label=label)
        ax_acc.plot(h["epoch"], h["train_acc"], "o--", color=color, label=f"{label} train (running)")
        if not np.all(np.isnan(h["test_acc"])):
            ax_acc.plot(h["epoch"], h["test_acc"], "s-", color=color, label=f"{label} test")
    ax_loss.set(xlabel="epoch", ylabel="mean cross-entropy per example", title="training loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy",
               title="accuracy: train (dashed, running) and test (solid)")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    return fig


_COMPARISON_EXAMPLE = "{'name': 'cnn', 'params': 29178, 'test_acc': 0.87, 'seconds': 12.5}"


def model_comparison(rows):
    """Compare models side by side: parameters (log scale), test accuracy and training time.

    Introduced in notebooks/04_training_cnns.ipynb.

    Parameters
    ----------
    rows : list of dict
        One per model, with keys "name" (str), "params" (int >= 1), "test_acc" (in [0, 1])
        and "seconds" (training time, > 0).

    Returns
    -------
    fig : matplotlib Figure
        Three panels sharing the model axis, labelled "params", "test_acc", "seconds"; one
        horizontal bar per model (first model on top) with its value written next to it.

    Examples
    --------
    >>> fig = model_comparison([{"name": "dense", "params": 235146, "test_acc": 0.84, "seconds": 5.0},
    ...                         {"name": "cnn", "params": 29178, "test_acc": 0.87, "seconds": 12.0}])
    >>> [t.get_text() for t in fig.axes[1].texts]
    ['84.0 %', '87.0 %']
    >>> plt.close(fig)
    """
    rows = _records("rows", rows, ("name", "params", "test_acc", "seconds"), _COMPARISON_EXAMPLE)
    names, params, accs, secs = [], [], [], []
    for k, row in enumerate(rows):
        names.append(str(row["name"]))
        params.append(v.require_int(f"rows[{k}]['params']", _to_numpy(row["params"]), minimum=1))
        acc = v.require_number(f"rows[{k}]['test_acc']", row["test_acc"])
        if not 0.0 <= acc <= 1.0:
            raise ValueError(v.message(f"rows[{k}]['test_acc']", "be a fraction in [0, 1]", acc,
                                       "Pass the accuracy as a fraction, e.g. 0.87 for 87 %."))
        accs.append(acc)
        secs.append(_positive(f"rows[{k}]['seconds']", row["seconds"]))
    n = len(rows)
    y = np.arange(n)
    colors = [f"C{k % 10}" for k in range(n)]
    fig, axes = plt.subplots(1, 3, figsize=(13, 0.5 * n + 1.8), sharey=True, layout="constrained")
    panels = (("params", params, "parameters (log scale)", lambda p: f"{p:,}"),
              ("test_acc", accs, "test accuracy", lambda a: f"{100 * a:.1f} %"),
              ("seconds", secs, "training time (s)", lambda s: f"{s:.1f} s"))
    for ax, (label, values, title, fmt) in zip(axes, panels):
        ax.set_label(label)
        bars = ax.barh(y, values, color=colors, height=0.6)
        for bar, value in zip(bars, values):
            ax.annotate(fmt(value), (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=9)
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_xscale("log")
    axes[0].set_xlim(min(params) / 3, max(params) * 12)
    axes[1].set_xlim(0, 1.2)  # room for the labels; ticks stop at 1
    axes[1].set_xticks(np.linspace(0.0, 1.0, 6))
    axes[2].set_xlim(0, max(secs) * 1.35)
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()
    return fig


def confusion_matrix(cm, class_names, normalize=True):
    """Draw a confusion matrix as a heat map: rows are true classes, columns predicted ones.

    Introduced in notebooks/04_training_cnns.ipynb.

    Parameters
    ----------
    cm : ndarray, shape (K, K)
        Counts, ``cm[t, p]`` = examples of class t predicted as p (e.g. from
        :func:`cnncourse.torch_ref.training.confusion_matrix`).
    class_names : sequence of K str
    normalize : bool, default True
        Show each row divided by its sum (the fraction of class t predicted as p; the
        diagonal is each class's recall), with 2 decimals; False shows the counts.

    Returns
    -------
    fig : matplotlib Figure
        ``fig.axes[0]`` is the matrix (label "confusion"); its ``texts`` hold one number per
        cell, row by row.  Tick labels are the class names (columns rotated 45°).  The title
        gives the overall accuracy ``trace / sum``.  ``fig.axes[1]`` is the colorbar.

    Examples
    --------
    >>> fig = confusion_matrix(np.array([[3, 1], [0, 4]]), ["cat", "dog"])
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['0.75', '0.25', '0', '1']
    >>> plt.close(fig)
    """
    cm = _to_numpy(cm)
    cm = v.require_array("cm", cm, ndim=2, shape_text="(K, K)", fix="Pass the matrix of counts, rows = true class.")
    names = _class_names(class_names)
    if cm.shape[0] != cm.shape[1] or cm.shape[0] != len(names):
        raise ValueError(v.message("cm", f"be square with one row and column per class name, shape "
                                   f"({len(names)}, {len(names)})", f"shape {cm.shape}",
                                   "Rows are true classes, columns predicted classes."))
    counts = cm.astype(float)
    if not np.all(np.isfinite(counts)) or counts.min() < 0:
        raise ValueError(v.message("cm", "hold non-negative counts",
                                   f"values from {counts.min():g} to {counts.max():g}",
                                   "Pass counts, not log-probabilities."))
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(v.message("normalize", "be True or False", repr(normalize)))
    k = len(names)
    if normalize:
        sums = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0)
        fmt, vmax = (lambda x: format_number(x, 2)), 1.0
    else:
        values, fmt, vmax = counts, _auto_fmt(counts), max(float(counts.max()), 1.0)
    side = 0.6 * k + 2.6
    fig, ax = plt.subplots(figsize=(side + 1.0, side), layout="constrained")
    ax.set_label("confusion")
    show_matrix(values, ax=ax, fmt=fmt, cmap="Blues", vmin=0.0, vmax=vmax, annotate=k <= MAX_ANNOTATED,
                indices=False)
    ax.set_xticks(np.arange(k), names)
    ax.set_yticks(np.arange(k), names)
    ax.tick_params(which="major", length=0, labelsize=9)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    total, right = counts.sum(), np.trace(counts)
    acc = right / total if total else 0.0
    what = "fraction of each true class (rows sum to 1)" if normalize else "counts"
    ax.set_title(f"confusion matrix: {what}\naccuracy {100 * acc:.1f} % ({format_number(right)} of "
                 f"{format_number(total)})", fontsize=10)
    fig.colorbar(ax.images[0], ax=ax, fraction=0.046, pad=0.03)
    return fig


def misclassified(images, labels, predicted, class_names, n=12):
    """Draw the first ``n`` wrongly classified images, titled "true → predicted".

    Introduced in notebooks/04_training_cnns.ipynb.

    Parameters
    ----------
    images : ndarray or tensor, shape (N, H, W) or (N, 1, H, W)
        uint8 or floats (normalized floats are stretched to the stack's range).
    labels, predicted : ndarray, shape (N,), int
    class_names : sequence of str
    n : int, default 12

    Returns
    -------
    fig : matplotlib Figure
        One panel per wrong prediction in index order (up to 6 per row), titled
        "<true class> → <predicted class>", with the image's index as its gid.  With no
        mistakes, one empty panel saying so.

    Examples
    --------
    >>> fig = misclassified(np.zeros((3, 4, 4)), np.array([0, 1, 1]), np.array([0, 0, 1]), ["a", "b"])
    >>> [ax.get_title() for ax in fig.axes]
    ['b \u2192 a']
    >>> plt.close(fig)
    """
    images, (lo, hi) = _image_stack("images", images)
    names = _class_names(class_names)
    labels = _class_labels("labels", labels, len(images), len(names))
    predicted = _class_labels("predicted", predicted, len(images), len(names))
    n = v.require_int("n", n, minimum=1)
    wrong = np.flatnonzero(labels != predicted)
    shown = wrong[:n]
    if len(shown) == 0:
        fig, ax = plt.subplots(figsize=(6, 1.2))
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"no misclassified images: all {len(images)} predictions are right",
                ha="center", va="center", transform=ax.transAxes)
        return fig
    ncols = min(6, len(shown))
    nrows = -(-len(shown) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.1 * ncols, 2.2 * nrows + 0.5), squeeze=False,
                             layout="constrained")
    for k, ax in enumerate(axes.flat):
        if k >= len(shown):
            ax.remove()
            continue
        idx = int(shown[k])
        show_image(images[idx], ax=ax, vmin=lo, vmax=hi)
        ax.set_title(f"{names[labels[idx]]} \u2192 {names[predicted[idx]]}", fontsize=9)
        ax.set_gid(str(idx))
    fig.suptitle(f"first {len(shown)} of {len(wrong)} misclassified images ({100 * len(wrong) / len(images):.1f} % "
                 f"of {len(images)}): true \u2192 predicted")
    return fig


def conv_filters(weight, ncols=8, title=None, channel=None):
    """Draw every filter of a conv layer as a small image on a diverging colormap.

    Introduced in notebooks/04_training_cnns.ipynb: what the first layer learned.

    Parameters
    ----------
    weight : ndarray or tensor, shape (F, C, KH, KW)
        E.g. ``model[0].weight``.
    ncols : int, default 8
    title : str, optional
        Suptitle; by default the shapes and what is shown.
    channel : int, optional
        Input channel to show; by default channel 0 when C = 1, else the mean over the C
        input channels.

    Returns
    -------
    fig : matplotlib Figure
        F panels labelled "filter 0", "filter 1", ... (titled with the filter index) on
        "RdBu_r" with one symmetric range ``[-m, m]``, ``m = max |shown weights|`` (blue < 0 <
        red; white = 0), then a colorbar axes labelled "colorbar".

    Examples
    --------
    >>> fig = conv_filters(np.arange(-4.0, 4.0).reshape(2, 1, 2, 2))
    >>> fig.axes[0].images[0].get_clim()
    (-4.0, 4.0)
    >>> plt.close(fig)
    """
    w = _to_numpy(weight)
    w = v.as_float(v.require_array("weight", w, ndim=4, shape_text="(F, C, KH, KW)",
                                   fix="Pass a conv layer's weight, e.g. model[0].weight."))
    n_filters, c, kh, kw = w.shape
    if channel is None:
        maps = w[:, 0] if c == 1 else w.mean(axis=1)  # (F, KH, KW)
        what = "" if c == 1 else f", mean over {c} input channels"
    else:
        channel = v.require_int("channel", channel, minimum=0)
        if channel >= c:
            raise ValueError(v.message("channel", f"be an input channel index in 0..{c - 1}", channel,
                                       "The weight has shape (F, C, KH, KW)."))
        maps, what = w[:, channel], f", input channel {channel}"
    ncols = min(v.require_int("ncols", ncols, minimum=1), n_filters)
    nrows = -(-n_filters // ncols)
    m = _symmetric_limit(maps)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.25 * ncols + 1.2, 1.3 * nrows + 0.7), squeeze=False,
                             layout="constrained")
    im = None
    for k, ax in enumerate(axes.flat):
        if k >= n_filters:
            ax.remove()
            continue
        im = ax.imshow(maps[k], cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(str(k), fontsize=8)
        ax.set_label(f"filter {k}")
    bar = fig.colorbar(im, ax=[ax for ax in axes.flat if ax.figure is fig], shrink=0.8)
    bar.ax.set_label("colorbar")
    fig.suptitle(title if title is not None else
                 f"{n_filters} filters {kh}\u00d7{kw}{what}: blue < 0 < red, one scale \u00b1{m:.2g}")
    return fig


def feature_maps(model, image, layers=None, max_channels=8):
    """Show one image's path through a CNN: the input, then each chosen layer's feature maps.

    Introduced in notebooks/04_training_cnns.ipynb ("exploring convolutions").  The model
    runs once in evaluation mode under ``torch.no_grad()``; forward hooks record the chosen
    layers' outputs.  Every module's train/eval mode is restored afterwards.

    Parameters
    ----------
    model : torch.nn.Sequential
    image : tensor or ndarray, shape (C, H, W) or (H, W)
        One image, preprocessed as the model expects (e.g. ``dataset[0][0]``).
    layers : sequence of int, optional
        Indices into ``model`` whose outputs to show (each must be (1, C, H, W)); by default
        every ``Conv2d``, ``ReLU`` and ``MaxPool2d``.
    max_channels : int, default 8
        Channels shown per row (the first ones).

    Returns
    -------
    fig : matplotlib Figure
        One row per shown output, top to bottom in forward order: the input, then the layers.
        Panels are labelled "input:<c>" or "<layer index>:<c>"; each row's first panel has
        the row name and the output shape ``C×H×W`` as its y-label.  Maps with negative
        values use "RdBu_r" (symmetric range per row), non-negative ones "magma" from 0.

    Raises
    ------
    TypeError
        ``model`` is not an ``nn.Sequential``.
    ValueError
        Bad layer indices, a chosen layer whose output is not (1, C, H, W), or an image the
        model cannot take.
    """
    import torch
    from torch import nn

    if not isinstance(model, nn.Sequential):
        raise TypeError(v.message("model", "be a torch.nn.Sequential", type(model).__name__,
                                  "Wrap the layers in nn.Sequential(...), or pass its convolutional part."))
    max_channels = v.require_int("max_channels", max_channels, minimum=1)
    x = _to_numpy(image)
    if getattr(x, "ndim", None) == 2:
        x = x[None]
    elif getattr(x, "ndim", None) == 4 and x.shape[0] == 1:
        x = x[0]
    x = v.as_float(v.require_array("image", x, ndim=3, shape_text="(C, H, W) or (H, W)",
                                   fix="Pass one image, e.g. dataset[0][0]; from a batch, pick one: x[0]."))
    if layers is None:
        layers = [i for i, m in enumerate(model) if isinstance(m, (nn.Conv2d, nn.ReLU, nn.MaxPool2d))]
        if not layers:
            raise ValueError(v.message("model", "contain Conv2d, ReLU or MaxPool2d layers (or pass layers=...)",
                                       "layers " + ", ".join(type(m).__name__ for m in model),
                                       "Pass the indices of the layers to show."))
    else:
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
            raise TypeError(v.message("layers", "be a sequence of layer indices", type(layers).__name__,
                                      "For example layers=[0, 2, 3]."))
        layers = sorted({v.require_int(f"layers[{k}]", i, minimum=0) for k, i in enumerate(layers)})
        if not layers or layers[-1] >= len(model):
            raise ValueError(v.message("layers", f"be a non-empty list of indices in 0..{len(model) - 1}",
                                       repr(layers), "The model's layers are numbered from 0."))
    param = next(model.parameters(), None)
    dtype = param.dtype if param is not None else torch.float32
    device = param.device if param is not None else "cpu"
    xt = torch.as_tensor(x).to(device=device, dtype=dtype)[None]  # (1, C, H, W)

    recorded = {}  # id(module) -> its outputs in call order (a module may appear twice)

    def hook(module, inputs, output):
        recorded.setdefault(id(module), []).append(output.detach())

    modes = {m: m.training for m in model.modules()}
    unique = {id(model[i]): model[i] for i in layers}
    handles = [m.register_forward_hook(hook) for m in unique.values()]
    try:
        model.eval()
        with torch.no_grad():
            model(xt)
    except RuntimeError as exc:
        raise ValueError(v.message("image", "fit the model's input", f"shape {tuple(x.shape)}; the model raised: {exc}",
                                   "Pass one image as the model was trained on, e.g. (1, 28, 28).")) from None
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
    calls, rows = {}, [("input", "input", x)]
    for i, m in enumerate(model):
        k = calls.get(id(m), 0)
        calls[id(m)] = k + 1
        if i in layers:
            out = recorded[id(m)][k]
            if out.ndim != 4:
                raise ValueError(v.message("layers", "pick layers whose outputs are feature maps (1, C, H, W)",
                                           f"layer {i} ({type(m).__name__}) with output shape {tuple(out.shape)}",
                                           "Pick conv, activation or pooling layers (before Flatten)."))
            rows.append((str(i), f"[{i}] {type(m).__name__}", out[0].float().cpu().numpy()))
    ncols = min(max_channels, max(r[2].shape[0] for r in rows))
    fig, axes = plt.subplots(len(rows), ncols, figsize=(1.45 * ncols + 1.6, 1.5 * len(rows) + 0.6), squeeze=False,
                             layout="constrained")
    titled = set()
    for r, (key, name, maps) in enumerate(rows):
        if key == "input":
            lo, hi, cmap = float(maps.min()), float(maps.max()), "gray"
        elif maps.min() < 0:
            hi = _symmetric_limit(maps[:ncols])
            lo, cmap = -hi, "RdBu_r"
        else:
            lo, hi, cmap = 0.0, float(maps[:ncols].max()) or 1.0, "magma"
        for c in range(ncols):
            ax = axes[r, c]
            if c >= maps.shape[0]:
                ax.remove()
                continue
            ax.imshow(maps[c], cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1.0, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_label(f"{key}:{c}")
            if c not in titled:  # each channel number once, on the first row that has it
                titled.add(c)
                ax.set_title(f"channel {c}", fontsize=7)
            if c == 0:
                ax.set_ylabel(f"{name}\n{_shape_text(maps.shape)}", rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(f"feature maps of one image, first {ncols} channels per row (red/bright = strong response)")
    return fig


_WINDOW_COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange")


def im2col_picture(x, kernel_size, stride=1, padding=0, n_windows=3):
    """Draw im2col on one tiny image: its windows outlined, and the same numbers as columns of ``cols``.

    Introduced in notebooks/04_training_cnns.ipynb: convolution as one matrix multiply,
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
    from .ref import conv

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


def _seconds_text(s):
    if s >= 1:
        return f"{s:.2g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2g} ms"
    return f"{s * 1e6:.2g} \u00b5s"


def speed_bars(results):
    """Grouped bar chart of run times: one group per input shape, one bar per method, log scale.

    Introduced in notebooks/04_training_cnns.ipynb (naive loops vs im2col vs torch).

    Parameters
    ----------
    results : list of dict
        Keys "shape" (str, the group), "method" (str) and "seconds" (> 0).  Groups and
        methods keep their first-seen order; a method may be missing for some shapes.

    Returns
    -------
    fig : matplotlib Figure
        One axes; its bars carry gids "<method> | <shape>".  When a method is named "torch",
        each bar is labelled with its time divided by torch's time on the same shape
        ("1.0×" for torch itself); otherwise with the time.

    Examples
    --------
    >>> fig = speed_bars([{"shape": "small", "method": "im2col", "seconds": 0.02},
    ...                   {"shape": "small", "method": "torch", "seconds": 0.001}])
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['20×', '1.0×']
    >>> plt.close(fig)
    """
    results = _records("results", results, ("shape", "method", "seconds"),
                       "{'shape': '64x16x32x32', 'method': 'torch', 'seconds': 0.004}")
    table = {}
    for k, row in enumerate(results):
        key = (str(row["shape"]), str(row["method"]))
        if key in table:
            raise ValueError(v.message("results", "hold one time per (shape, method)", f"two for {key}",
                                       "Keep the best time of each pair."))
        table[key] = _positive(f"results[{k}]['seconds']", row["seconds"])
    shapes = list(dict.fromkeys(s for s, _ in table))
    methods = list(dict.fromkeys(m for _, m in table))
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(max(6.0, 2.2 * len(shapes) + 2.0), 4.8), layout="constrained")
    for m_idx, method in enumerate(methods):
        present = [s for s in shapes if (s, method) in table]
        xs = [shapes.index(s) + (m_idx - (len(methods) - 1) / 2) * width for s in present]
        secs = [table[s, method] for s in present]
        bars = ax.bar(xs, secs, width * 0.95, label=method, color=f"C{m_idx % 10}")
        for bar, s, sec in zip(bars, present, secs):
            bar.set_gid(f"{method} | {s}")
            if (s, "torch") in table:
                ratio = sec / table[s, "torch"]
                text = f"{ratio:.0f}\u00d7" if ratio >= 10 else f"{ratio:.1f}\u00d7"
            else:
                text = _seconds_text(sec)
            ax.text(bar.get_x() + bar.get_width() / 2, sec * 1.15, text, ha="center", va="bottom", fontsize=8)
    ax.set_yscale("log")
    all_secs = list(table.values())
    ax.set_ylim(min(all_secs) / 3, max(all_secs) * 6)
    ax.set_xticks(np.arange(len(shapes)), [textwrap.fill(s, 24) for s in shapes], fontsize=8)
    ax.set_ylabel("seconds (log scale)")
    ratio_note = ", labels: time \u00f7 torch's time" if "torch" in methods else ""
    ax.set_title(f"run time per method{ratio_note}")
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.legend(fontsize=9)
    return fig
