"""Single panels and grids of them: images, number matrices, kernels, signed feature maps.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Each ``show_*`` function draws on the
``Axes`` it is given (a new figure when omitted) and returns it; the other figures are built
from these panels.
"""

from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import (MAX_ANNOTATED, _annotate, _auto_fmt, _grid_lines, _image_array, _index_ticks, _matrix, _new_ax,
                    _symmetric_limit)


def show_image(image: ArrayLike, ax: Axes | None = None, title: str | None = None, cmap: str = "gray",
               vmin: float | None = 0, vmax: float | None = 1) -> Axes:
    """Draw a grayscale or RGB image without axes.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

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


def show_matrix(values: ArrayLike, ax: Axes | None = None, title: str | None = None,
                fmt: str | Callable[[float], str] = "{:.0f}", cmap: str = "gray", vmin: float | None = None,
                vmax: float | None = None, annotate: bool | None = None, fontsize: float | None = None,
                indices: bool | None = None) -> Axes:
    """Draw a 2-D array as a grid of cells with each cell's number printed in it.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb: "an image is a matrix of
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


def show_kernel(kernel: ArrayLike, ax: Axes | None = None, title: str | None = None, annotate: bool = True,
                fmt: str | Callable[[float], str] | None = None, fontsize: float | None = None) -> Axes:
    """Draw a kernel with a diverging colormap centred at 0 and its numbers in the cells.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Blue is negative, white is 0,
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


def show_feature_map(fmap: ArrayLike, ax: Axes | None = None, title: str | None = None, colorbar: bool = False,
                     vmax: float | None = None) -> Axes:
    """Draw a signed feature map: diverging colormap centred at 0 (blue < 0 < red).

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

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


def show_grid(images: Sequence[ArrayLike], titles: Sequence[str] | None = None, ncols: int = 4, kind: str = "image",
              figsize: tuple[float, float] | None = None) -> Figure:
    """Draw several images, kernels or feature maps side by side.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

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


def show_channels(image: ArrayLike,
                  titles: Sequence[str] = ("RGB image", "red channel", "green channel", "blue channel")) -> Figure:
    """Draw an RGB image next to its three channels, each as a grayscale matrix.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb: a colour image is three
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


def _show_signed(values, ax, title, m=None, fmt=None, indices=False):
    """A number grid on the diverging colormap centred at 0 (gradients, signed maps)."""
    values = np.asarray(values, dtype=float)
    m = _symmetric_limit(values) if m is None else m
    return show_matrix(values, ax=ax, title=title, fmt=fmt or _auto_fmt(values), cmap="RdBu_r", vmin=-m, vmax=m,
                       indices=indices)
