"""Classic CNN architectures compared: ILSVRC winners, per-layer memory and parameters, accuracy vs cost, depth.

Introduced in notebooks/05_architectures_lecture.ipynb.  The figures take plain numbers (lists of dicts)
that the lecture measures with torch and torchvision; torch is never imported here.  The published
ILSVRC results the first figure draws are in :data:`ILSVRC_TOP5`, with their sources.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from .. import _validate as v
from ._base import _positive, _records

#: ILSVRC classification winners (and VGG, 2nd in 2014): published top-5 error on the test set, in %.
#: Sources: the ILSVRC result pages (image-net.org/challenges/LSVRC/2010 ... 2017) and Russakovsky et
#: al., "ImageNet Large Scale Visual Recognition Challenge", IJCV 2015.  AlexNet's 16.4 % is the entry
#: trained on the ILSVRC data only (15.3 % with extra ImageNet data); ZFNet's is Clarifai's 11.7 %;
#: SENet's is the "WMW" team's 2.25 %.  "cnn" is False for the shallow methods (hand-made features,
#: Fisher vectors and SVMs).
ILSVRC_TOP5 = (
    {"year": 2010, "name": "NEC-UIUC", "top5": 28.2, "cnn": False},
    {"year": 2011, "name": "XRCE", "top5": 25.8, "cnn": False},
    {"year": 2012, "name": "AlexNet", "top5": 16.4, "cnn": True},
    {"year": 2013, "name": "ZFNet", "top5": 11.7, "cnn": True},
    {"year": 2014, "name": "VGG (2nd)", "top5": 7.3, "cnn": True},
    {"year": 2014, "name": "GoogLeNet", "top5": 6.7, "cnn": True},
    {"year": 2015, "name": "ResNet", "top5": 3.57, "cnn": True},
    {"year": 2016, "name": "Trimps-Soushen", "top5": 2.99, "cnn": True},
    {"year": 2017, "name": "SENet", "top5": 2.25, "cnn": True},
)

#: Top-5 error of one trained human annotator (A. Karpathy) on 1,500 test images, in % (Russakovsky et al. 2015).
HUMAN_TOP5 = 5.1

_ILSVRC_EXAMPLE = "{'year': 2012, 'name': 'AlexNet', 'top5': 16.4, 'cnn': True}"


def ilsvrc_top5(results: Sequence[dict] = ILSVRC_TOP5, human: float | None = HUMAN_TOP5) -> Figure:
    """Bar chart of the ILSVRC classification winners' top-5 error, year by year, with the human estimate.

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    results : list of dict, default :data:`ILSVRC_TOP5`
        One per entry, in the order to draw: "year" (int), "name" (str), "top5" (error in %,
        in (0, 100]) and "cnn" (bool: a convolutional network, else a shallow method).
    human : float or None, default :data:`HUMAN_TOP5`
        Draw a dashed horizontal line at this error (label "human (Karpathy)"); None: no line.

    Returns
    -------
    fig : matplotlib Figure
        One axes (label "ilsvrc"): one bar per entry with gid = its name, grey for shallow
        methods and blue for CNNs, each labelled with its error ("16.4 %"); the tick labels are
        "year\\nname".

    Examples
    --------
    >>> fig = ilsvrc_top5()
    >>> [t.get_text() for t in fig.axes[0].texts][:3]
    ['28.2 %', '25.8 %', '16.4 %']
    >>> plt.close(fig)
    """
    results = _records("results", results, ("year", "name", "top5", "cnn"), _ILSVRC_EXAMPLE)
    tops = []
    for k, row in enumerate(results):
        top5 = _positive(f"results[{k}]['top5']", row["top5"])
        if top5 > 100:
            raise ValueError(v.message(f"results[{k}]['top5']", "be an error in percent, in (0, 100]", top5,
                                       "Pass 16.4 for 16.4 %."))
        tops.append(top5)
    fig, ax = plt.subplots(figsize=(11, 4.6), layout="constrained")
    ax.set_label("ilsvrc")
    x = np.arange(len(results))
    for k, (row, top5) in enumerate(zip(results, tops)):
        color = "C0" if row["cnn"] else "0.6"
        ax.bar(x[k], top5, width=0.7, color=color, gid=str(row["name"]))
        ax.annotate(f"{top5:.3g} %", (x[k], top5), xytext=(0, 3), textcoords="offset points", ha="center",
                    fontsize=9)
    if human is not None:
        human = _positive("human", human)
        ax.axhline(human, color="C3", ls="--", lw=1.2, label=f"human (Karpathy): {human:g} %")
    handles = [Patch(color="0.6", label="shallow methods (hand-made features + SVMs)"),
               Patch(color="C0", label="convolutional networks")]
    ax.set_xticks(x, [f"{row['year']}\n{row['name']}" for row in results], fontsize=9)
    ax.set_ylabel("top-5 error on the test set (%)")
    ax.set_ylim(0, max(tops) * 1.15)
    ax.set_title("ImageNet (ILSVRC) classification: the winners' top-5 error (published figures)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(handles=handles + [ln for ln in ax.get_lines()], loc="upper right", fontsize=9)
    return fig


def stacked_vs_single(counts: Sequence[Sequence[int]], channels: int) -> Figure:
    """Parameters of n stacked 3x3 convs against one conv with the same receptive field, for n = 1, 2, ...

    Introduced in notebooks/05_architectures_lecture.ipynb (VGG's argument for 3x3 filters).

    Parameters
    ----------
    counts : list of (receptive_field, params_stacked, params_single)
        One per n, as :func:`cnncourse.torch_ref.architectures.stacked_3x3` returns them.
    channels : int
        C, the channels in and out of every conv (for the title).

    Returns
    -------
    fig : matplotlib Figure
        One axes (label "params"): for each receptive field a pair of bars with gids
        "stacked <k>x<k>" and "single <k>x<k>"; each pair is labelled with the ratio
        single / stacked ("2.8×").

    Examples
    --------
    >>> fig = stacked_vs_single([(3, 36928, 36928), (5, 73856, 102464)], channels=64)
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['1.0×', '1.4×']
    >>> plt.close(fig)
    """
    channels = v.require_int("channels", channels, minimum=1)
    if not isinstance(counts, (list, tuple)) or not counts:
        raise TypeError(v.message("counts", "be a non-empty list of (receptive_field, params_stacked, "
                                  "params_single)", type(counts).__name__,
                                  "Pass [stacked_3x3(n, C) for n in (1, 2, 3)]."))
    rows = []
    for k, row in enumerate(counts):
        if not isinstance(row, (list, tuple)) or len(row) != 3:
            raise ValueError(v.message(f"counts[{k}]", "be a triple (receptive_field, params_stacked, params_single)",
                                       repr(row), "Pass what stacked_3x3(n, C) returns."))
        rows.append(tuple(v.require_int(f"counts[{k}][{i}]", x, minimum=1) for i, x in enumerate(row)))
    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    ax.set_label("params")
    x = np.arange(len(rows))
    for k, (field, stacked, single) in enumerate(rows):
        ax.bar(x[k] - 0.2, stacked, width=0.4, color="C0", gid=f"stacked {field}x{field}",
               label="n stacked 3×3 convs" if k == 0 else None)
        ax.bar(x[k] + 0.2, single, width=0.4, color="C1", gid=f"single {field}x{field}",
               label="one conv with the same receptive field" if k == 0 else None)
        ax.annotate(f"{single / stacked:.1f}×", (x[k] + 0.2, single), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=9)
    ax.set_xticks(x, [f"n = {(f - 1) // 2}\n{f}×{f}" for f, _, _ in rows])
    ax.set_xlabel("number of stacked 3×3 convs, and their receptive field")
    ax.set_ylabel("parameters (weights + biases)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y / 1e6:g} M" if y else "0"))
    ax.set_title(f"{channels} → {channels} channels: stacked 3×3 convs vs one large conv "
                 "(labels: large / stacked)", fontsize=10)
    ax.set_ylim(0, max(r[2] for r in rows) * 1.12)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
    return fig


_COSTS_EXAMPLE = "{'name': 'conv1_1', 'kind': 'conv', 'activations': 3211264, 'im2col': 1354752, 'params': 1792}"
_KIND_COLORS = {"conv": "C0", "pool": "0.6", "fc": "C3"}


def _millions(x):
    return f"{x / 1e6:.3g} M"


def _share(part, total):
    """'89.4 %', or '< 0.1 %' for a tiny share."""
    share = 100 * part / total
    return "< 0.1 %" if 0 < share < 0.1 else f"{share:.3g} %"


def layer_costs(rows: Sequence[dict], title: str = "", bytes_per_value: int = 4) -> Figure:
    """Per-layer memory and parameters of a network: output values, im2col matrix size and parameters.

    Introduced in notebooks/05_architectures_lecture.ipynb (VGG16 at 224 × 224: the memory sits in the
    early conv layers, the parameters in the fully connected ones).

    Parameters
    ----------
    rows : list of dict
        One per layer, in order: "name" (str), "kind" ("conv", "pool" or "fc"), "activations"
        (values in the layer's output for one image, >= 1), "im2col" (values of its im2col
        matrix ``C*KH*KW × OH*OW`` for one image; 0 for layers that are not convolutions) and
        "params" (>= 0).
    title : str, default ""
        Figure title (suptitle).
    bytes_per_value : int, default 4
        Bytes per stored value (4 for float32), for the MiB in the panel titles.

    Returns
    -------
    fig : matplotlib Figure
        Three panels sharing the layer axis, labelled "activations", "im2col", "params", one bar
        per layer (gid = the layer's name; conv blue, pool grey, fc red), values in millions.
        Each panel's title gives the total and the share of the conv and the fc layers.

    Raises
    ------
    ValueError
        An unknown kind, or a negative count.

    Examples
    --------
    >>> fig = layer_costs([{"name": "c", "kind": "conv", "activations": 300, "im2col": 900, "params": 30},
    ...                    {"name": "f", "kind": "fc", "activations": 10, "im2col": 0, "params": 90}])
    >>> fig.axes[2].get_title()
    'parameters: 120 in total; conv 25 %, fc 75 %'
    >>> plt.close(fig)
    """
    rows = _records("rows", rows, ("name", "kind", "activations", "im2col", "params"), _COSTS_EXAMPLE)
    bytes_per_value = v.require_int("bytes_per_value", bytes_per_value, minimum=1)
    names, kinds = [], []
    values = {key: [] for key in ("activations", "im2col", "params")}
    for k, row in enumerate(rows):
        names.append(str(row["name"]))
        kinds.append(v.require_choice(f"rows[{k}]['kind']", row["kind"], tuple(_KIND_COLORS)))
        for key in values:
            values[key].append(v.require_int(f"rows[{k}][{key!r}]", row[key], minimum=0))
    kinds_arr = np.array(kinds)
    x = np.arange(len(rows))
    colors = [_KIND_COLORS[kind] for kind in kinds]
    fig, axes = plt.subplots(3, 1, figsize=(max(8.0, 0.42 * len(rows) + 2), 8.2), sharex=True, layout="constrained")
    what = {"activations": "output values per image (activations)",
            "im2col": "im2col matrix of the conv layers per image",
            "params": "parameters"}
    for ax, key in zip(axes, values):
        ax.set_label(key)
        vals = np.array(values[key], dtype=float)
        for k in range(len(rows)):
            ax.bar(x[k], vals[k] / 1e6, color=colors[k], gid=names[k])
        total = vals.sum()
        shares = ", ".join(f"{kind} {_share(vals[kinds_arr == kind].sum(), total)}"
                           for kind in ("conv", "fc") if total > 0 and vals[kinds_arr == kind].sum() > 0)
        if key == "params":
            text = f"{total:,.0f}" if total < 1e6 else _millions(total)
            ax.set_title(f"{what[key]}: {text} in total; {shares}", fontsize=10)
        else:
            mib = total * bytes_per_value / 2**20
            ax.set_title(f"{what[key]}: {_millions(total)} values = {mib:,.0f} MiB in float32; {shares}"
                         if bytes_per_value == 4 else
                         f"{what[key]}: {_millions(total)} values = {mib:,.0f} MiB; {shares}", fontsize=10)
        ax.set_ylabel("millions")
        ax.grid(axis="y", alpha=0.3)
        top = int(np.argmax(vals))
        if vals[top] > 0:
            ax.annotate(f"{names[top]}: {_millions(vals[top])}", (x[top] - 0.4, vals[top] / 1e6), xytext=(0, 3),
                        textcoords="offset points", fontsize=9, va="bottom", ha="left")
            ax.set_ylim(0, vals[top] / 1e6 * 1.2)
    legend = {"conv": "convolution", "pool": "max-pool", "fc": "fully connected"}
    axes[0].legend(handles=[Patch(color=c, label=legend[kind]) for kind, c in _KIND_COLORS.items() if kind in kinds],
                   fontsize=9, loc="upper right")
    axes[-1].set_xticks(x, names, rotation=60, ha="right", rotation_mode="anchor", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


_ZOO_EXAMPLE = "{'name': 'resnet18', 'family': 'ResNet', 'params': 11689512, 'gmacs': 1.81, 'top1': 69.76}"


def pareto_front(rows: Sequence[dict], cost: str = "gmacs", score: str = "top1") -> list[str]:
    """Names of the models that no other model beats: none is both cheaper (or equal) and more accurate.

    Introduced in notebooks/05_architectures_lecture.ipynb (the "sweet spot" of accuracy vs FLOPs).

    Parameters
    ----------
    rows : list of dict
        One per model, with "name" and the numeric keys ``cost`` and ``score``.
    cost, score : str
        The key to minimise and the key to maximise.

    Returns
    -------
    list of str
        The models on the front, from the cheapest to the most expensive.  A model is on it when
        every model at most as costly scores lower.

    Examples
    --------
    >>> pareto_front([{"name": "a", "gmacs": 1, "top1": 70}, {"name": "b", "gmacs": 2, "top1": 65},
    ...               {"name": "c", "gmacs": 4, "top1": 76}])
    ['a', 'c']
    """
    rows = _records("rows", rows, ("name", cost, score), _ZOO_EXAMPLE)
    order = sorted(rows, key=lambda r: (float(r[cost]), -float(r[score])))
    front, best = [], -np.inf
    for row in order:
        if float(row[score]) > best:
            front.append(str(row["name"]))
            best = float(row[score])
    return front


def accuracy_vs_cost(rows: Sequence[dict], cost: str = "gmacs", score: str = "top1") -> Figure:
    """Bubble chart of ImageNet models: accuracy against multiply-adds, bubble area proportional to parameters.

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    rows : list of dict
        One per model: "name", "family" (the colour), "params" (>= 1), and the numbers ``cost``
        (> 0, drawn on a log axis) and ``score`` (accuracy in %), e.g. as
        :func:`cnncourse.torch_ref.model_zoo.model_zoo` returns them.
    cost : str, default "gmacs"
        Key of the x axis: multiply-adds per image, in billions.
    score : str, default "top1"
        Key of the y axis: ImageNet top-1 accuracy in %.

    Returns
    -------
    fig : matplotlib Figure
        One axes (label "bubbles"); one scatter collection per family (label = the family), one
        text label per model (its name), and the Pareto front (:func:`pareto_front`) as a dashed
        grey line labelled "best accuracy for its cost".  A second legend gives bubble sizes
        for 5 M, 25 M and 100 M parameters.

    Examples
    --------
    >>> fig = accuracy_vs_cost([{"name": "a", "family": "A", "params": 5e6, "gmacs": 0.3, "top1": 71.9},
    ...                         {"name": "b", "family": "B", "params": 25e6, "gmacs": 4.1, "top1": 76.1}])
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['a', 'b']
    >>> plt.close(fig)
    """
    rows = _records("rows", rows, ("name", "family", "params", cost, score), _ZOO_EXAMPLE)
    xs, ys, ps = [], [], []
    for k, row in enumerate(rows):
        xs.append(_positive(f"rows[{k}][{cost!r}]", float(row[cost])))
        ys.append(v.require_number(f"rows[{k}][{score!r}]", float(row[score])))
        ps.append(_positive(f"rows[{k}]['params']", float(row["params"])))
    xs, ys, ps = map(np.asarray, (xs, ys, ps))

    def area(p):  # points^2: 25 M parameters -> a bubble of 350 pt^2
        return 350.0 * np.asarray(p) / 25e6

    fig, ax = plt.subplots(figsize=(11, 7), layout="constrained")
    ax.set_label("bubbles")
    families = list(dict.fromkeys(str(row["family"]) for row in rows))
    palette = plt.get_cmap("tab20").colors if len(families) > 10 else [f"C{i}" for i in range(10)]
    for i, family in enumerate(families):
        idx = [k for k, row in enumerate(rows) if str(row["family"]) == family]
        ax.scatter(xs[idx], ys[idx], s=area(ps[idx]), color=palette[i % len(palette)], alpha=0.55, edgecolors="k",
                   linewidths=0.6, label=family, zorder=3)
    front = pareto_front(rows, cost, score)
    pos = {str(row["name"]): k for k, row in enumerate(rows)}
    fx, fy = [xs[pos[n]] for n in front], [ys[pos[n]] for n in front]
    ax.plot(fx, fy, "--", color="0.4", lw=1, label="best accuracy for its cost", zorder=2)
    ax.set_xscale("log")
    ax.set_xlabel("multiply-adds per image at the model's evaluation size (billions, log scale)" if cost == "gmacs"
                  else cost)
    ax.set_ylabel("ImageNet top-1 accuracy (%)" if score == "top1" else score)
    lo, hi = ys.min(), ys.max()
    ax.set_ylim(lo - 0.12 * (hi - lo + 1), hi + 0.18 * (hi - lo + 1))
    ax.set_xlim(xs.min() / 1.8, xs.max() * 1.8)
    ax.grid(alpha=0.3, which="both")
    ax.set_title("accuracy vs compute; bubble area = parameters")
    family_handles, family_labels = ax.get_legend_handles_labels()
    first = fig.legend(family_handles, family_labels, loc="outside right upper", fontsize=8, title="family",
                       title_fontsize=8)
    for handle in first.legend_handles:
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([40.0])  # one marker size in the family legend: colour is what it tells
    handles = [ax.scatter([], [], s=area(p), color="0.8", edgecolors="k", linewidths=0.6) for p in (5e6, 25e6, 100e6)]
    fig.legend(handles, ["5 M", "25 M", "100 M"], loc="outside right lower", fontsize=8, title="parameters",
               title_fontsize=8, labelspacing=3.4, borderpad=2.2, handletextpad=2.0)
    _place_labels(ax, [str(row["name"]) for row in rows], xs, ys, np.sqrt(area(ps)) / 2)
    return fig


def _place_labels(ax, names, xs, ys, radii):
    """Put each name next to its bubble: the first side (above, below, right, left, diagonals) whose text
    overlaps no earlier label and no other bubble, else the side with the fewest overlaps."""
    from matplotlib.transforms import Bbox

    fig = ax.figure
    fig.canvas.draw()  # the layout, so text extents and data-to-pixel positions are final
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72.0
    centres = ax.transData.transform(np.column_stack([xs, ys]))
    bubbles = [Bbox.from_extents(cx - r * px, cy - r * px, cx + r * px, cy + r * px)
               for (cx, cy), r in zip(centres, radii)]
    placed = []
    for k in np.argsort(-np.asarray(radii)):  # big bubbles first: they have the fewest free sides
        r = float(radii[k]) + 2
        d = r * 0.75
        candidates = [((0, r), "center", "bottom"), ((0, -r), "center", "top"), ((r, 0), "left", "center"),
                      ((-r, 0), "right", "center"), ((d, d), "left", "bottom"), ((-d, d), "right", "bottom"),
                      ((d, -d), "left", "top"), ((-d, -d), "right", "top")]
        best = None
        for offset, ha, va in candidates:
            text = ax.annotate(names[k], (xs[k], ys[k]), xytext=offset, textcoords="offset points", ha=ha, va=va,
                               fontsize=8, zorder=4)
            box = text.get_window_extent(renderer)
            score = 10 * sum(box.overlaps(o) for o in placed) + sum(
                box.overlaps(b) for j, b in enumerate(bubbles) if j != k)
            if best is None or score < best[0]:
                if best is not None:
                    best[1].remove()
                best = (score, text, box)
            else:
                text.remove()
            if score == 0:
                break
        placed.append(best[2])


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Moving average over the last ``window`` values (fewer at the start), same length as ``values``.

    Introduced in notebooks/05_architectures_lecture.ipynb, for noisy per-step training losses.

    Parameters
    ----------
    values : sequence of float, shape (T,)
    window : int
        >= 1; 1 returns the values unchanged.

    Returns
    -------
    ndarray, shape (T,)
        ``out[t] = mean(values[max(0, t - window + 1) : t + 1])``.

    Examples
    --------
    >>> smooth([1.0, 3.0, 5.0, 7.0], 2).tolist()
    [1.0, 2.0, 4.0, 6.0]
    """
    x = v.require_array("values", np.asarray(values, dtype=float), ndim=1, shape_text="(T,)")
    window = v.require_int("window", window, minimum=1)
    c = np.concatenate([[0.0], np.cumsum(x)])
    t = np.arange(1, len(x) + 1)
    start = np.maximum(0, t - window)
    return (c[t] - c[start]) / (t - start)


def _losses(name, run):
    for key in ("losses", "train_loss", "loss"):
        if isinstance(run, dict) and key in run:
            return v.require_array(f"results[{name!r}][{key!r}]", np.asarray(run[key], dtype=float), ndim=1,
                                   shape_text="(steps,)")
    got = f"keys {sorted(run)}" if isinstance(run, dict) else type(run).__name__
    raise ValueError(v.message(f"results[{name!r}]", "be a dict with the per-step training losses under 'losses'",
                               got, "Pass what depth_experiment() returned."))


def depth_curves(results: dict, window: int = 20) -> Figure:
    """Training loss per step of plain and residual networks of several depths, smoothed.

    Introduced in notebooks/05_architectures_lecture.ipynb (the degradation problem and its fix).

    Parameters
    ----------
    results : dict
        ``{name: run}``, e.g. ``{"plain-20": ..., "plain-56": ..., "res-56": ...}``; each run a dict
        with the per-step losses under "losses" (or "train_loss"), and optionally "params" and
        "seconds" or "wall_seconds" (shown in the legend), as
        :func:`cnncourse.torch_ref.depth_experiment.depth_experiment` returns them.  Names starting with "res" are drawn solid, the others
        dashed; one colour per run.
    window : int, default 20
        Moving-average window (:func:`smooth`); the raw losses are drawn faintly behind.

    Returns
    -------
    fig : matplotlib Figure
        One axes (label "loss"): per run a faint raw line and a smoothed line whose label is
        the run's name (plus its parameters and seconds when given); the title gives each run's
        smoothed final loss.

    Examples
    --------
    >>> fig = depth_curves({"plain-8": {"losses": [2.3, 2.0, 1.9]}, "res-8": {"losses": [2.3, 1.5, 1.2]}}, window=1)
    >>> [ln.get_label() for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")]
    ['plain-8', 'res-8']
    >>> plt.close(fig)
    """
    if not isinstance(results, dict) or not results:
        raise TypeError(v.message("results", "be a non-empty dict {name: run}", type(results).__name__,
                                  "Pass what depth_experiment() returned."))
    window = v.require_int("window", window, minimum=1)
    fig, ax = plt.subplots(figsize=(10, 4.8), layout="constrained")
    ax.set_label("loss")
    finals = []
    for k, (name, run) in enumerate(results.items()):
        loss = _losses(name, run)
        steps = np.arange(1, len(loss) + 1)
        color = f"C{k % 10}"
        style = "-" if str(name).startswith("res") else "--"
        label = str(name)
        extra = []
        if isinstance(run, dict) and run.get("params") is not None:
            extra.append(f"{int(run['params']):,} parameters")
        seconds = run.get("seconds", run.get("wall_seconds")) if isinstance(run, dict) else None
        if seconds is not None:
            extra.append(f"{float(seconds):.1f} s")
        ax.plot(steps, loss, color=color, alpha=0.15, lw=0.8, label="_raw")
        smoothed = smooth(loss, window)
        ax.plot(steps, smoothed, style, color=color, lw=2, label=label,
                gid=label + (f" ({', '.join(extra)})" if extra else ""))
        finals.append(f"{name} {smoothed[-1]:.2f}")
    handles = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    ax.legend(handles, [ln.get_gid() for ln in handles], fontsize=9, loc="upper right")
    ax.set_xlabel("training step (one batch)")
    ax.set_ylabel(f"training loss (cross-entropy, mean of the last {window} steps)" if window > 1
                  else "training loss (cross-entropy)")
    ax.set_title("final training loss: " + ", ".join(finals), fontsize=10)
    ax.grid(alpha=0.3)
    return fig


def predictions(images: Sequence, results: Sequence[Sequence[tuple]], titles: Sequence[str] | None = None) -> Figure:
    """Photos and a classifier's top-k classes with their probabilities, one photo per column.

    Introduced in notebooks/05_architectures_lecture.ipynb (ImageNet predictions of a pretrained network).

    Parameters
    ----------
    images : list of ndarray, each (H, W, 3) (uint8 or floats in [0, 1]) or (H, W)
    results : list of list of (str, float)
        For each image, (class name, probability) pairs, most likely first, as
        :func:`cnncourse.pretrained.predict` returns them.
    titles : list of str, optional
        A title per photo.

    Returns
    -------
    fig : matplotlib Figure
        Two rows: the photos (labels "image 0", ...), and under each a horizontal bar chart
        (labels "top 0", ...) of its classes, the most likely on top, probabilities as text.

    Examples
    --------
    >>> fig = predictions([np.zeros((4, 4, 3))], [[("tabby", 0.6), ("tiger cat", 0.3)]])
    >>> [t.get_text() for t in fig.axes[1].texts]
    ['0.60', '0.30']
    >>> plt.close(fig)
    """
    if not isinstance(images, (list, tuple)) or not isinstance(results, (list, tuple)) or len(images) != len(results) \
            or not images:
        raise ValueError(v.message("images, results", "be two non-empty lists of the same length (one result per "
                                   "image)", f"{type(images).__name__} and {type(results).__name__}",
                                   "Pass [photo, ...] and [predict(..., photo), ...]."))
    if titles is not None and len(titles) != len(images):
        raise ValueError(v.message("titles", f"hold one title per image ({len(images)})", f"{len(titles)} titles"))
    n = len(images)
    fig, axes = plt.subplots(2, n, figsize=(3.3 * n, 5.6), squeeze=False, layout="constrained",
                             gridspec_kw={"height_ratios": [1.25, 1]})
    for k in range(n):
        img = np.asarray(images[k])
        ax_img, ax_bar = axes[0, k], axes[1, k]
        ax_img.set_label(f"image {k}")
        ax_bar.set_label(f"top {k}")
        ax_img.imshow(img, cmap="gray" if img.ndim == 2 else None)
        ax_img.set_axis_off()
        if titles is not None:
            ax_img.set_title(str(titles[k]), fontsize=10)
        names = [str(name) for name, _ in results[k]]
        probs = [float(p) for _, p in results[k]]
        y = np.arange(len(names))
        ax_bar.barh(y, probs, color="C0")
        for yk, p in zip(y, probs):
            ax_bar.text(min(p, 1.0) + 0.02, yk, f"{p:.2f}", va="center", fontsize=8)
        ax_bar.set_yticks(y, [nm if len(nm) <= 18 else nm[:17] + "…" for nm in names], fontsize=8)
        ax_bar.invert_yaxis()
        ax_bar.set_xlim(0, 1.25)
        ax_bar.set_xticks([0, 0.5, 1])
        ax_bar.set_xlabel("probability", fontsize=8)
        ax_bar.tick_params(labelsize=8)
    return fig


_MERGE_SYMBOLS = {"add": "+", "concat": "concat", "multiply": "×"}


def block_diagram(branches: Sequence[Sequence[str]], merge: str = "add", stem: Sequence[str] = (),
                  after: Sequence[str] = (), title: str = "", input_label: str = "input x",
                  output_label: str = "output", branch_names: Sequence[str] | None = None) -> Figure:
    """Draw a building block as boxes and arrows: a stem, parallel branches, a merge, and layers after it.

    Introduced in notebooks/05_architectures_lecture.ipynb (residual, bottleneck, Inception, SE and Fire blocks).

    Parameters
    ----------
    branches : list of list of str
        The parallel paths from the stem to the merge, left to right, each a list of layer
        labels from top to bottom; an empty list is a shortcut that passes its input on unchanged
        (drawn as an arrow labelled "identity").
    merge : {"add", "concat", "multiply"}, default "add"
        How the branches' outputs are combined ("+", channel concatenation, or "×").
    stem : list of str, optional
        Layers before the split (applied once, their output fed to every branch).
    after : list of str, optional
        Layers after the merge (e.g. ["ReLU"]).
    title : str, default ""
    input_label, output_label : str
        Text of the first and last box.
    branch_names : list of str, optional
        A caption above each branch.

    Returns
    -------
    fig : matplotlib Figure
        One axes (label "block") without ticks; every box is a patch whose gid is its text
        (``"branch k: <label>"`` for the layers of branch k, ``"stem: ..."``, ``"after: ..."``,
        ``"merge"``, ``"input"``, ``"output"``).

    Examples
    --------
    >>> fig = block_diagram([["conv 3×3", "BN", "ReLU", "conv 3×3", "BN"], []], merge="add", after=["ReLU"])
    >>> sorted(p.get_gid() for p in fig.axes[0].patches)[:3]
    ['after: ReLU', 'branch 0: BN', 'branch 0: BN']
    >>> plt.close(fig)
    """
    from matplotlib.patches import FancyBboxPatch

    if not isinstance(branches, (list, tuple)) or not branches or \
            not all(isinstance(b, (list, tuple)) for b in branches):
        raise TypeError(v.message("branches", "be a non-empty list of lists of layer labels", repr(branches)[:60],
                                  "For a residual block: [['conv 3×3', 'BN', 'ReLU', 'conv 3×3', 'BN'], []]."))
    merge = v.require_choice("merge", merge, tuple(_MERGE_SYMBOLS))
    if branch_names is not None and len(branch_names) != len(branches):
        raise ValueError(v.message("branch_names", f"hold one name per branch ({len(branches)})",
                                   f"{len(branch_names)} names"))
    n = len(branches)
    depth = max(len(b) for b in branches)
    col_w, box_w, box_h, gap = 2.3, 2.0, 0.55, 0.35
    width = max(n * col_w, 3.0)
    cx = width / 2
    xs = [col_w * (k + 0.5) + (width - n * col_w) / 2 for k in range(n)]
    rows = 1 + len(stem) + depth + 1 + len(after) + 1 + (0.6 if branch_names else 0)
    fig, ax = plt.subplots(figsize=(max(3.2, 1.25 * width + 0.4), 0.5 * rows * (box_h + gap) / 0.45 * 0.5 + 0.8),
                           layout="constrained")
    ax.set_label("block")
    ax.set_axis_off()

    def box(x, y, text, gid, color):
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.02,rounding_size=0.1", facecolor=color, edgecolor="0.3",
                                    gid=gid))
        ax.text(x, y, text, ha="center", va="center", fontsize=9)

    def arrow(x0, y0, x1, y1):
        ax.annotate("", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 1.1,
                                                        "shrinkA": 0, "shrinkB": 0})

    def line(xs_, ys_):
        ax.plot(xs_, ys_, color="0.3", lw=1.1, solid_capstyle="butt")

    step = box_h + gap
    y = 0.0
    box(cx, y, input_label, "input", "0.92")
    for label in stem:
        arrow(cx, y - box_h / 2, cx, y - step + box_h / 2)
        y -= step
        box(cx, y, label, f"stem: {label}", "#d9e8f5")
    split_y = y - box_h / 2
    top = y - step - (0.5 * step if branch_names else 0)
    merge_y = top - depth * step + box_h / 2 - 0.3 - gap
    merge_half = 0.6 if merge == "concat" else 0.3
    bus_in = split_y - gap / 2                       # where the input splits into the branches
    bus_out = merge_y + 0.3 + gap / 2                # where the branches' outputs gather
    line([cx, cx], [split_y, bus_in])
    for k, branch in enumerate(branches):
        x = xs[k]
        if branch_names:
            ax.text(x + 0.08, top + box_h / 2 + 0.08, str(branch_names[k]), ha="left", va="bottom", fontsize=8,
                    color="0.25", style="italic")
        line([cx, x], [bus_in, bus_in])
        if not branch:                               # a shortcut: down the side, into the merge from the side
            line([x, x], [bus_in, merge_y])
            side = cx + (merge_half if x > cx else -merge_half)
            arrow(x, merge_y, side, merge_y)
            ax.text(x + 0.08, (bus_in + merge_y) / 2, "identity", fontsize=8, color="0.3", ha="left", va="center",
                    style="italic")
            continue
        for j, label in enumerate(branch):
            yj = top - j * step
            arrow(x, (bus_in if j == 0 else yj + step - box_h / 2), x, yj + box_h / 2)
            box(x, yj, label, f"branch {k}: {label}", "#fde5cc" if "conv" in label or "fc" in label else "#eeeeee")
        bottom = top - (len(branch) - 1) * step - box_h / 2
        line([x, x, cx], [bottom, bus_out, bus_out])
    arrow(cx, bus_out, cx, merge_y + 0.3)
    symbol = _MERGE_SYMBOLS[merge]
    ax.add_patch(FancyBboxPatch((cx - merge_half, merge_y - 0.3), 2 * merge_half, 0.6,
                                boxstyle="round,pad=0.02,rounding_size=0.3", facecolor="white", edgecolor="0.2",
                                gid="merge"))
    ax.text(cx, merge_y, symbol, ha="center", va="center", fontsize=12 if merge != "concat" else 9, weight="bold")
    y = merge_y - 0.3 + box_h / 2
    for label in after:
        arrow(cx, y - box_h / 2, cx, y - step + box_h / 2)
        y -= step
        box(cx, y, label, f"after: {label}", "#eeeeee")
    arrow(cx, y - box_h / 2, cx, y - step + box_h / 2)
    y -= step
    box(cx, y, output_label, "output", "0.92")
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(y - box_h, box_h + 0.1)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def gradient_norms(norms: dict, title: str = "") -> Figure:
    """The gradient's size at every layer of several networks, from the input to the output, on a log scale.

    Introduced in notebooks/05_architectures_lecture.ipynb (plain vs residual networks at initialization).

    Parameters
    ----------
    norms : dict
        ``{name: sequence of float}``: for each network, the norm of the loss gradient with
        respect to each layer's weights, first layer first (all > 0).
    title : str, default ""
        Appended to the automatic title.

    Returns
    -------
    fig : matplotlib Figure
        One axes (label "norms"), one line per network (label = its name), y on a log scale;
        the title gives each network's ratio first layer / last layer.

    Examples
    --------
    >>> fig = gradient_norms({"plain": [8.0, 2.0, 1.0], "res": [1.0, 1.0, 1.0]})
    >>> fig.axes[0].get_title()
    'gradient norm, first layer / last layer: plain 8, res 1'
    >>> plt.close(fig)
    """
    if not isinstance(norms, dict) or not norms:
        raise TypeError(v.message("norms", "be a non-empty dict {name: per-layer gradient norms}",
                                  type(norms).__name__, "For example {'plain-56': [63.6, ..., 0.3]}."))
    fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
    ax.set_label("norms")
    ratios = []
    for k, (name, values) in enumerate(norms.items()):
        vals = v.require_array(f"norms[{name!r}]", np.asarray(values, dtype=float), ndim=1, shape_text="(layers,)")
        if not np.all(np.isfinite(vals)) or vals.min() <= 0:
            raise ValueError(v.message(f"norms[{name!r}]", "hold positive, finite norms", f"minimum {vals.min():g}",
                                       "A zero norm means the layer got no gradient: call backward() first."))
        style = "-" if str(name).startswith("res") else "--"
        ax.plot(np.arange(1, len(vals) + 1), vals, style, marker=".", color=f"C{k % 10}", label=str(name))
        ratios.append(f"{name} {vals[0] / vals[-1]:.3g}")
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("norm of dLoss/dweights (log scale)")
    ax.set_title("gradient norm, first layer / last layer: " + ", ".join(ratios) + (f"; {title}" if title else ""),
                 fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    return fig
