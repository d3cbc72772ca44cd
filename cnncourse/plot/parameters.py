"""Parameter counts of layer stacks: a per-layer table, and dense vs conv weights as the image grows.

Introduced in notebooks/02_convolution_layers_lecture.ipynb.  The numbers come from
:func:`cnncourse.ref.layer_specs.count_params`.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import _validate as v
from ._base import _layer_name, _new_ax, _shape_text


def layer_table(layers: Sequence[dict], input_shape: tuple[int, int, int]) -> str:
    """A text table of a layer stack: output shape, weights, biases and parameters per layer.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Print it; the numbers come from
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
    from ..ref import layer_specs

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


#: The convolutions of the lecture's CNN for 28×28 digits: conv 7@3×3 (pad 1) → relu → max-pool 2 →
#: conv 11@3×3 (pad 1) → relu → max-pool 2 → conv 3@1×1; 70 + 704 + 36 = 810 parameters (789 weights,
#: 21 biases) at any image size.  The lecture adds flatten (3·7·7 = 147) → dense 10, a 1,470-weight head.
SMALL_CNN = (
    {"type": "conv", "filters": 7, "kernel_size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "kernel_size": 2},
    {"type": "conv", "filters": 11, "kernel_size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "kernel_size": 2},
    {"type": "conv", "filters": 3, "kernel_size": 1},
)


def params_vs_image_side(dense_hidden: int = 20, conv_layers: Sequence[dict] | None = None,
                         sides: Iterable[int] = range(8, 257, 8), classes: int = 10, ax: Axes | None = None,
                         biases: bool = False) -> Figure:
    """Weights (or all parameters) of dense networks vs a conv stack as the (square, grayscale) image grows.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb: a dense layer has one weight per
    input pixel and unit, so its size grows with ``side²``; a conv layer's does not depend
    on the image size at all.

    Parameters
    ----------
    dense_hidden : int, default 20
        Hidden units of the dense network ``side² → dense_hidden → classes``.
    conv_layers : list of dict, optional
        The conv stack; default :data:`SMALL_CNN`, the lecture CNN's convolutions (789 weights,
        810 parameters).
    sides : iterable of int, default range(8, 257, 8)
        Image sides to plot; 28 and 256 are always added (and marked).
    classes : int, default 10
        Units of the one-layer dense network ``side² → classes`` and of the dense output layer.
    ax : matplotlib Axes, optional
    biases : bool, default False
        Count the biases too, so every curve shows parameters (weights + biases).

    Returns
    -------
    fig : matplotlib Figure
        One axes (log y) with three lines (gid "curve") labelled ``"dense: side² → {classes}"``,
        ``"dense: side² → {dense_hidden} → {classes}"`` and ``"conv stack"``; each line's data is
        (side, count) with weights counted by :func:`cnncourse.ref.layer_specs.count_params`
        (biases excluded unless ``biases=True``).  Sides 28 and 256 carry markers and their numbers.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = params_vs_image_side(sides=[28])
    >>> curves = [line for line in fig.axes[0].get_lines() if line.get_gid() == "curve"]
    >>> {line.get_label(): int(line.get_ydata()[0]) for line in curves}
    {'dense: side² → 10': 7840, 'dense: side² → 20 → 10': 15880, 'conv stack': 789}
    >>> fig2 = params_vs_image_side(sides=[28], biases=True)
    >>> {line.get_label(): int(line.get_ydata()[0]) for line in fig2.axes[0].get_lines() if line.get_gid() == "curve"}
    {'dense: side² → 10': 7850, 'dense: side² → 20 → 10': 15910, 'conv stack': 810}
    >>> plt.close(fig); plt.close(fig2)
    """
    from ..ref import layer_specs

    dense_hidden = v.require_int("dense_hidden", dense_hidden, minimum=0,
                                 fix="Use 0 for no hidden layer.")
    classes = v.require_int("classes", classes, minimum=1)
    if not isinstance(biases, (bool, np.bool_)):
        raise TypeError(v.message("biases", "be True or False", repr(biases),
                                  "Pass biases=True to count weights and biases."))
    conv_layers = list(SMALL_CNN if conv_layers is None else conv_layers)
    sides = sorted({v.require_int("sides", s, minimum=1) for s in sides} | {28, 256})

    def weights(stack, side):
        return sum(w + (b if biases else 0) for _, w, b in layer_specs.count_params(stack, (1, side, side)))

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
    what = "parameters (weights + biases)" if biases else "weights (biases excluded)"
    ax.set_ylabel(f"{what}, log scale")
    ax.set_title("dense layers grow with the image; conv layers do not", pad=18)
    ax.legend(loc="center right")
    ax.grid(True, which="major", alpha=0.3)
    ax.figure.tight_layout()
    return ax.figure
