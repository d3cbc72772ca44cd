"""Activation functions: their curves, and what each makes of a signed feature map.

Introduced in notebooks/02_convolution_layers_lecture.ipynb.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import _matrix, _symmetric_limit, format_number
from .panels import show_feature_map


def activation_curves(x: ArrayLike | None = None, alpha: float = 0.1) -> Figure:
    """Plot ReLU, leaky ReLU, ELU, sigmoid and tanh side by side.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

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
    from ..ref import activations

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


def activation_maps(fmap: ArrayLike, alpha: float = 0.1, title: str | None = None) -> Figure:
    """A signed feature map and what each activation makes of it.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Every panel uses the diverging
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
    from ..ref import activations

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
