"""Matplotlib helpers shared by every module: images, number grids, kernels, conv steps.

Introduced in notebooks/01_pixels_and_filters.ipynb.  Every function draws and returns a
``Figure`` (or the ``Axes`` it drew on) and never calls ``plt.show()``, so the same code
runs in JupyterLab, in a script and headless under the Agg backend.  Each widget in
:mod:`cnncourse.widgets` has a static twin here (``conv_step`` for ``conv_explorer``,
``filter_photo`` for its photo view), so a notebook reads well on GitHub and in CI.

In a notebook, end a cell that returns a figure with ``;`` (or assign it) so JupyterLab
does not show it twice.
"""

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
