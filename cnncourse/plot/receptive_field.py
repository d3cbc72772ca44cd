"""Receptive fields: which input rows and columns one unit of a conv/pool stack sees, and the picture.

Introduced in notebooks/02_convolution_layers_lecture.ipynb.  :func:`receptive_field_region` computes the
regions, :func:`receptive_field_map` draws them; the map is the static twin of
:func:`cnncourse.widgets.receptive_field_explorer`.
"""

from __future__ import annotations

import textwrap
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .. import _validate as v
from ._base import _index_ticks, _layer_name, format_number

_SPATIAL = ("conv", "maxpool", "avgpool")


def _rf_geometry(layers, input_side):
    """Panels (layer index, spec, side, kernel, stride, padding) for the input and each conv/pool layer."""
    from ..ref import layer_specs

    shapes = layer_specs.count_params(layers, (1, input_side, input_side))
    layer_specs.receptive_field(layers)  # rejects flatten/dense with its own message
    panels = [(None, None, input_side, 1, 1, 0)]
    for k, (layer, (shape, _, _)) in enumerate(zip(layers, shapes)):
        if layer["type"] in _SPATIAL:
            kernel = layer["kernel_size"]
            stride = layer.get("stride") or (1 if layer["type"] == "conv" else kernel)
            panels.append((k, layer, shape[1], kernel, stride, layer.get("padding", 0)))
    return panels


def receptive_field_region(layers: Sequence[dict], input_side: int, i: int, j: int, layer_index: int = -1
                           ) -> list[tuple[int | None, int, tuple[int, int], tuple[int, int]]]:
    """Rows and columns that output unit (i, j) of a layer sees in the input and in every map before it.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Walks back through the stack: a
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


def receptive_field_map(layers: Sequence[dict], input_side: int, i: int, j: int, layer_index: int = -1) -> Figure:
    """Draw the input region (and intermediate regions) that one output unit of a stack sees.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Static twin of
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
    from ..ref import layer_specs

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
