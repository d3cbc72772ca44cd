"""Module 03's toy CNN: its diagram, and every intermediate array and gradient on one image.

Introduced in notebooks/03_backprop_lecture.ipynb.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import _MINUS, _auto_fmt, _symmetric_limit, format_number
from .panels import _show_signed, show_kernel, show_matrix


def _grad_fmt(values):
    """Cell format for gradients: 3 decimals, or 2 significant digits when every entry is tiny."""
    scale = float(np.max(np.abs(values))) if np.size(values) else 0.0
    if 0 < scale < 0.01:
        return lambda x: f"{x:.1e}".replace("e-0", "e-").replace("-", _MINUS) if x else "0"
    return lambda x: format_number(x, 3)


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


def toy_network_diagram() -> Figure:
    """Draw the module-03 toy network as a row of boxes with shapes and parameter counts.

    Introduced in notebooks/03_backprop_lecture.ipynb.  The network: 6×6 image → 3×3 conv (w, b) →
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


def toy_network_pass(params: dict, image: ArrayLike, label: int | None = None) -> Figure:
    """Draw every intermediate array of the toy network on one image, and its gradients.

    Introduced in notebooks/03_backprop_lecture.ipynb.

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
    from ..ref import _common, activations, pool, toy_net

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
