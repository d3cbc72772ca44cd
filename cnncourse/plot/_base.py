"""What every figure of :mod:`cnncourse.plot` is drawn with: number text, cell grids, shared input checks.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Private to the package: the figure modules
import from here; the facade re-exports :func:`format_number`, :data:`MAX_ANNOTATED` and
:data:`MAX_ANNOTATED_STEP`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .. import _validate as v

#: Above this many rows or columns, number grids skip the per-cell numbers.
MAX_ANNOTATED = 30
#: ``conv_step`` prints numbers in cells only while the padded input is at most this big.
MAX_ANNOTATED_STEP = 18

_MINUS = "\u2212"


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


def format_number(x: float, decimals: int = 2) -> str:
    """Short text for a number: integers without decimals, others rounded; a real minus sign.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

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


def _paren(x):
    text = format_number(x)
    return f"({text})" if text.startswith(_MINUS) else text


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


def _cell_box(ax, r, c, h=1, w=1, gid=None, **style):
    """Outline (or fill) the cells rows r..r+h-1, cols c..c+w-1 of a matrix panel."""
    style = {"fill": False, "edgecolor": "red", "linewidth": 3, **style}
    return ax.add_patch(Rectangle((c - 0.5, r - 0.5), w, h, gid=gid, **style))


def _shape_text(shape):
    return "\u00d7".join(str(s) for s in shape)


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


def _is_tensor(x):
    """True for a torch tensor, without importing torch (it is loaded if x is one)."""
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _to_numpy(x):
    """A torch tensor as a numpy array (detached, on the CPU); anything else unchanged."""
    return x.detach().cpu().numpy() if _is_tensor(x) else x


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
