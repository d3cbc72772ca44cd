"""Training a classifier: the data set, the learning-rate schedule, loss and accuracy curves, the train/validation gap, model comparison, confusion matrix, mistakes.

Introduced in notebooks/04_training_cnns_lecture.ipynb.  Images, labels and matrices may be numpy arrays
or torch tensors; torch is never imported here (a tensor is recognised if torch is loaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import MAX_ANNOTATED, _auto_fmt, _positive, _records, _to_numpy, format_number
from .panels import show_image, show_matrix

if TYPE_CHECKING:
    import torch


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


def fashion_grid(images: ArrayLike | torch.Tensor, labels: ArrayLike | torch.Tensor, class_names: Sequence[str],
                 per_class: int = 1, seed: int | np.random.Generator = 0) -> Figure:
    """Draw ``per_class`` random examples of every class, one column per class.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

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
#: Optional per-epoch accuracies of a fit() history, drawn when present (and not all None).
_OPTIONAL_KEYS = ("train_eval_acc", "val_acc")


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
        keys = _HISTORY_KEYS + tuple(k for k in _OPTIONAL_KEYS if k in h)
        lengths = {len(h[k]) for k in keys}
        if len(lengths) != 1 or 0 in lengths:
            raise ValueError(v.message(name, "have non-empty lists of equal length (one entry per epoch)",
                                       "lengths " + ", ".join(f"{k} {len(h[k])}" for k in keys),
                                       "Pass what training.fit() returned."))
        run = {k: np.array([np.nan if x is None else float(x) for x in h[k]]) for k in keys}
        for k in _OPTIONAL_KEYS:
            run.setdefault(k, np.full(len(run["epoch"]), np.nan))
        run["best_epoch"] = h.get("best_epoch")
        out[str(label)] = run
    return out


def training_curves(histories: dict) -> Figure:
    """Plot training loss and accuracy per epoch for one or several training runs.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Parameters
    ----------
    histories : dict
        One history returned by :func:`cnncourse.torch_ref.training.fit` (keys "epoch",
        "train_loss", "train_acc", "test_acc", optionally "train_eval_acc" and "val_acc"), or
        ``{label: history}`` to compare runs.  Accuracies that are None are not drawn.

    Returns
    -------
    fig : matplotlib Figure
        Two panels, labelled "loss" (train loss per epoch, one line per run) and "accuracy"
        (one colour per run: the running train accuracy dashed; where given, the train
        accuracy after the epoch dotted, validation solid with circles, test solid with
        squares), with legends.

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
    drawn = set()
    for k, (label, h) in enumerate(runs.items()):
        color = f"C{k % 10}"
        ax_loss.plot(h["epoch"], h["train_loss"], "o-", color=color, label=label)
        ax_acc.plot(h["epoch"], h["train_acc"], "o--", color=color, label=f"{label} train (running)")
        for key, style, what in (("train_eval_acc", "^:", "train (after epoch)"), ("val_acc", "o-", "validation"),
                                 ("test_acc", "s-", "test")):
            if not np.all(np.isnan(h[key])):
                ax_acc.plot(h["epoch"], h[key], style, color=color, label=f"{label} {what}")
                drawn.add(what)
    ax_loss.set(xlabel="epoch", ylabel="mean cross-entropy per example", title="training loss")
    held_out = " and ".join(w for w in ("validation", "test") if w in drawn)
    ax_acc.set(xlabel="epoch", ylabel="accuracy",
               title="accuracy: train (dashed, running" + (", dotted after the epoch" if "train (after epoch)" in drawn
                                                           else "") + ")" + (f" and {held_out} (solid)" if held_out
                                                                             else ""))
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    return fig


def generalization_gap(histories: dict) -> Figure:
    """Train against validation accuracy per epoch, one panel per run, the gap between them shaded.

    Introduced in notebooks/04_training_cnns_lecture.ipynb: overfitting is the gap between how well a
    model does on the images it was trained on and on images it never saw.

    Parameters
    ----------
    histories : dict
        One :func:`cnncourse.torch_ref.training.fit` history, or ``{label: history}``; each
        needs "train_eval_acc" and "val_acc" (fit's ``train_eval_loader`` and ``val_loader``).
        A history's "best_epoch" is marked.

    Returns
    -------
    fig : matplotlib Figure
        One panel per run, labelled with the run's name and sharing the accuracy axis: train
        accuracy after each epoch (evaluation mode) and validation accuracy as lines, the gap
        shaded, the best validation epoch marked by a dashed vertical line labelled "best
        validation epoch";
        the title gives both accuracies and the gap at the last epoch, in percentage points.

    Raises
    ------
    ValueError
        A history without train and validation accuracies.

    Examples
    --------
    >>> h = {"epoch": [1, 2, 3], "train_loss": [0.9, 0.5, 0.3], "train_acc": [0.7, 0.8, 0.9],
    ...      "test_acc": [None] * 3, "train_eval_acc": [0.75, 0.9, 0.97], "val_acc": [0.74, 0.84, 0.85],
    ...      "best_epoch": 3}
    >>> fig = generalization_gap({"dense": h})
    >>> fig.axes[0].get_title()
    'dense: train 97.0 %, validation 85.0 % at epoch 3 (gap 12.0 points)'
    >>> plt.close(fig)
    """
    from matplotlib.ticker import MaxNLocator

    runs = _histories(histories)
    for label, h in runs.items():
        missing = [k for k in ("train_eval_acc", "val_acc") if np.all(np.isnan(h[k]))]
        if missing:
            raise ValueError(v.message(f"histories[{label!r}]", "hold train and validation accuracies per epoch",
                                       "no " + " and no ".join(repr(k) for k in missing),
                                       "Train with fit(..., val_loader=..., train_eval_loader=...)."))
    n = len(runs)
    fig, axes = plt.subplots(1, n, figsize=(6.2 * n, 4), sharey=True, squeeze=False, layout="constrained")
    for k, (ax, (label, h)) in enumerate(zip(axes[0], runs.items())):
        color = f"C{k % 10}"
        ax.set_label(label)
        epochs, train, val = h["epoch"], h["train_eval_acc"], h["val_acc"]
        ax.plot(epochs, train, "^-", color=color, label="train (after each epoch)")
        ax.plot(epochs, val, "o-", color="0.25", label="validation")
        ax.fill_between(epochs, val, train, where=train >= val, color=color, alpha=0.18, interpolate=True,
                        label="gap (train − validation)")
        if h["best_epoch"] is not None:
            ax.axvline(h["best_epoch"], color="0.5", ls="--", lw=1, label="best validation epoch")
        last = int(np.flatnonzero(~np.isnan(train) & ~np.isnan(val))[-1])
        ax.set_title(f"{label}: train {100 * train[last]:.1f} %, validation {100 * val[last]:.1f} % at epoch "
                     f"{int(epochs[last])} (gap {100 * (train[last] - val[last]):.1f} points)", fontsize=10)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="lower right")
    axes[0, 0].set_ylabel("accuracy")
    return fig


def learning_rate_schedule(schedule: dict, steps_per_epoch: int | None = None) -> Figure:
    """Draw a learning-rate schedule and AdamW's beta1 against the optimizer step.

    Introduced in notebooks/04_training_cnns_lecture.ipynb, for the one-cycle schedule.

    Parameters
    ----------
    schedule : dict
        Lists "lr" and "beta1" of equal length, one value per step, as
        :func:`cnncourse.torch_ref.training.learning_rate_schedule` returns them.
    steps_per_epoch : int, optional
        Draw a thin vertical line at every epoch boundary.

    Returns
    -------
    fig : matplotlib Figure
        Two panels sharing the step axis, labelled "lr" and "beta1"; the lr panel marks the
        peak (a point labelled "peak") and its title gives the first, peak and last rates.

    Examples
    --------
    >>> fig = learning_rate_schedule({"lr": [0.1, 1.0, 0.5], "beta1": [0.95, 0.85, 0.9]})
    >>> fig.axes[0].get_lines()[0].get_ydata().tolist()
    [0.1, 1.0, 0.5]
    >>> plt.close(fig)
    """
    if not isinstance(schedule, dict) or not {"lr", "beta1"} <= set(schedule):
        got = f"keys {sorted(schedule)}" if isinstance(schedule, dict) else type(schedule).__name__
        raise TypeError(v.message("schedule", "be a dict with lists 'lr' and 'beta1'", got,
                                  "Pass what training.learning_rate_schedule() returned."))
    lr = np.asarray(schedule["lr"], dtype=float)
    beta1 = np.asarray(schedule["beta1"], dtype=float)
    if lr.ndim != 1 or lr.shape != beta1.shape or lr.size == 0:
        raise ValueError(v.message("schedule", "hold non-empty lists 'lr' and 'beta1' of equal length",
                                   f"lengths {lr.size} and {beta1.size}",
                                   "Pass what training.learning_rate_schedule() returned."))
    steps = np.arange(lr.size)
    fig, (ax_lr, ax_b) = plt.subplots(1, 2, figsize=(12, 3.6), layout="constrained")
    ax_lr.set_label("lr")
    ax_b.set_label("beta1")
    ax_lr.plot(steps, lr, color="C0")
    peak = int(np.argmax(lr))
    ax_lr.plot([peak], [lr[peak]], "o", color="C3", label="peak")
    ax_lr.annotate(f"peak {lr[peak]:.3g} at step {peak}", (peak, lr[peak]), xytext=(8, -4),
                   textcoords="offset points", fontsize=9, va="top")
    ax_lr.set(xlabel="optimizer step (one batch)", ylabel="learning rate",
              title=f"learning rate: {lr[0]:.2g} → {lr[peak]:.2g} → {lr[-1]:.2g}")
    ax_b.plot(steps, beta1, color="C1")
    ax_b.set(xlabel="optimizer step (one batch)", ylabel="beta1 (momentum of the gradient average)",
             title=f"AdamW's beta1: {beta1[0]:.3g} → {beta1.min():.3g} → {beta1[-1]:.3g}")
    if steps_per_epoch is not None:
        steps_per_epoch = v.require_int("steps_per_epoch", steps_per_epoch, minimum=1)
        for ax in (ax_lr, ax_b):
            for b in range(steps_per_epoch, lr.size, steps_per_epoch):
                ax.axvline(b - 0.5, color="0.8", lw=0.8, zorder=0)
    for ax in (ax_lr, ax_b):
        ax.grid(alpha=0.3)
    return fig


_COMPARISON_EXAMPLE = "{'name': 'cnn', 'params': 29178, 'test_acc': 0.87, 'seconds': 12.5}"


def model_comparison(rows: Sequence[dict]) -> Figure:
    """Compare models side by side: parameters (log scale), test accuracy and training time.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

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


def confusion_matrix(cm: ArrayLike | torch.Tensor, class_names: Sequence[str], normalize: bool = True) -> Figure:
    """Draw a confusion matrix as a heat map: rows are true classes, columns predicted ones.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

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


def misclassified(images: ArrayLike | torch.Tensor, labels: ArrayLike | torch.Tensor,
                  predicted: ArrayLike | torch.Tensor, class_names: Sequence[str], n: int = 12) -> Figure:
    """Draw the first ``n`` wrongly classified images, titled "true → predicted".

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

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
