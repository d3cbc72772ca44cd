"""Wall-clock timing for the lectures: the best of a few runs, one epoch of a loader, conv methods side by side, and the sentences that report them.

Introduced in notebooks/04_training_cnns_lecture.ipynb.  Student side: importing it imports neither torch
nor the trusted packages; :func:`conv_forward_times` imports them (``torch``,
:mod:`cnncourse.ref.conv`) when it is called.  :func:`cnncourse.plot.speed_bars` draws what
:func:`conv_forward_times` measures.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from . import _validate as v


def best_time(fn: Callable[[], Any], max_runs: int = 10, budget: float = 0.2) -> tuple[float, Any]:
    """The smallest wall-clock time of ``fn()`` over up to ``max_runs`` runs, and ``fn``'s result.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  The minimum is the run least disturbed by
    whatever else the computer was doing; runs stop early once ``budget`` seconds have passed
    (there is always at least one).  Times come from :func:`time.perf_counter`.

    Parameters
    ----------
    fn : callable
        Called with no arguments.
    max_runs : int, default 10
    budget : float, default 0.2
        Seconds after which no new run starts.

    Returns
    -------
    (seconds, result) : tuple of float and object
        ``result`` is what the last run of ``fn`` returned.

    Examples
    --------
    >>> calls = []
    >>> seconds, result = best_time(lambda: calls.append(1) or len(calls), max_runs=3, budget=60)
    >>> result, len(calls), seconds >= 0
    (3, 3, True)
    """
    if not callable(fn):
        raise TypeError(v.message("fn", "be a function of no arguments", type(fn).__name__,
                                  "Wrap the call in a lambda, e.g. lambda: conv2d_forward(x, w, b)."))
    max_runs = v.require_int("max_runs", max_runs, minimum=1)
    budget = v.require_number("budget", budget)
    times, started = [], time.perf_counter()
    while len(times) < max_runs and (not times or time.perf_counter() - started < budget):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def loader_times(loaders: Mapping[str, Iterable], max_runs: int = 3) -> list[dict[str, Any]]:
    """Time one epoch of just reading batches from each loader (the best of ``max_runs`` epochs).

    Introduced in notebooks/04_training_cnns_lecture.ipynb: a ``DataLoader`` over a ``Dataset`` that
    builds every example in Python, vs ``training.make_loader``, which indexes whole batches.

    Parameters
    ----------
    loaders : dict of str to iterable
        ``{name: loader}``; iterating a loader gives ``(x, y)`` batches.
    max_runs : int, default 3

    Returns
    -------
    list of dict
        One ``{"name", "images", "seconds"}`` per loader, in order; ``images`` is the number of
        labels read in one epoch.

    Examples
    --------
    >>> batches = [(None, [0, 1, 2]), (None, [3, 4])]
    >>> [(row["name"], row["images"]) for row in loader_times({"list": batches})]
    [('list', 5)]
    """
    if not isinstance(loaders, Mapping):
        raise TypeError(v.message("loaders", "be a dict {name: loader}", type(loaders).__name__,
                                  "For example {'make_loader': loader}."))
    rows = []
    for name, loader in loaders.items():
        seconds, count = best_time(lambda: sum(len(y) for _, y in loader), max_runs=max_runs)
        rows.append({"name": str(name), "images": int(count), "seconds": seconds})
    return rows


def _ratio_text(slow, fast):
    """How many times longer ``slow`` took than ``fast``, as words."""
    ratio = slow / fast if fast > 0 else float("inf")
    if 1 / 1.1 < ratio < 1.1:
        return "about as long as"
    decimals = 0 if ratio >= 100 else 1 if ratio >= 0.1 else 3
    return f"{ratio:,.{decimals}f}\u00d7 as long as"


def loader_summary(rows: Sequence[Mapping[str, Any]]) -> str:
    """What :func:`loader_times` measured, in words: which loader was fastest this time, and by how much.

    Introduced in notebooks/04_training_cnns_lecture.ipynb, so the lecture's text follows its own
    measurement whatever the machine was doing.

    Parameters
    ----------
    rows : list of dict
        ``{"name", "seconds"}`` per loader, as :func:`loader_times` returns them (at least one).

    Returns
    -------
    str
        One sentence naming the fastest loader and how long each other one took compared with it.

    Examples
    --------
    >>> loader_summary([{"name": "plain", "seconds": 0.120}, {"name": "batched", "seconds": 0.008}])
    'fastest this time: batched (8.0 ms); plain took 15.0× as long (120.0 ms).'
    >>> loader_summary([{"name": "a", "seconds": 0.010}, {"name": "b", "seconds": 0.0105}])
    'fastest this time: a (10.0 ms); b took about as long (10.5 ms).'
    """
    rows = list(rows)
    if not rows or not all(isinstance(r, Mapping) and {"name", "seconds"} <= set(r) for r in rows):
        raise ValueError(v.message("rows", "be a non-empty list of dicts with keys 'name' and 'seconds'",
                                   repr(rows)[:80], "Pass what loader_times() returned."))
    best = min(rows, key=lambda r: r["seconds"])
    others = [f"{r['name']} took {_ratio_text(r['seconds'], best['seconds']).replace(' as long as', ' as long')} "
              f"({1000 * r['seconds']:.1f} ms)" for r in rows if r is not best]
    text = f"fastest this time: {best['name']} ({1000 * best['seconds']:.1f} ms)"
    return text + ("; " + "; ".join(others) if others else "") + "."


def _conv_label(n, c, size, f, k):
    return f"x {n}\u00d7{c}\u00d7{size}\u00d7{size}, w {f}\u00d7{c}\u00d7{k}\u00d7{k}"


def conv_forward_times(shapes: Sequence[tuple[int, int, int, int, bool]], kernel_size: int = 3, padding: int = 1,
                       max_runs: int = 10, seed: int | np.random.Generator = 0,
                       atol: float = 1e-3) -> list[dict[str, Any]]:
    """Time conv forward three ways on the same float32 inputs: naive loops, im2col + GEMM, torch.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  For each shape, random inputs ``x (N, C, H, H)``
    and weights ``w (F, C, K, K)`` (zero bias) go through ``conv.conv2d_forward_naive`` (only where
    asked: it is slow, so it runs once), ``conv.conv2d_forward_im2col`` and
    ``torch.nn.functional.conv2d``, each timed with :func:`best_time`; every method's output is
    checked against torch's.

    Parameters
    ----------
    shapes : sequence of (N, C, H, F, naive)
        Batch size, input channels, input side, filters, and whether to time the naive loops.
    kernel_size : int, default 3
    padding : int, default 1
    max_runs : int, default 10
        Runs of im2col and torch (the naive loops run once).
    seed : int or numpy.random.Generator, default 0
        Where the inputs come from (a Generator is used, and advanced, as it is).
    atol : float, default 1e-3
        Largest difference from torch's output that counts as equal (float32).

    Returns
    -------
    list of dict
        ``{"shape", "method", "seconds"}`` in the order measured, ``shape`` a label such as
        ``"x 8×1×28×28, w 16×1×3×3"`` and ``method`` one of "naive", "im2col", "torch": what
        :func:`cnncourse.plot.speed_bars` and :func:`speed_table` take.

    Raises
    ------
    RuntimeError
        A method's output differs from torch's by more than ``atol``.

    Examples
    --------
    >>> results = conv_forward_times([(1, 1, 5, 2, True)], max_runs=1)
    >>> [(row["shape"], row["method"]) for row in results]  # doctest: +NORMALIZE_WHITESPACE
    [('x 1×1×5×5, w 2×1×3×3', 'naive'), ('x 1×1×5×5, w 2×1×3×3', 'im2col'),
     ('x 1×1×5×5, w 2×1×3×3', 'torch')]
    """
    import torch
    import torch.nn.functional as F

    from .ref import conv

    k = v.require_int("kernel_size", kernel_size, minimum=1)
    rng = np.random.default_rng(seed)
    results = []
    for n, c, size, f, with_naive in shapes:
        xs = rng.normal(size=(n, c, size, size)).astype(np.float32)
        ws = rng.normal(size=(f, c, k, k)).astype(np.float32)
        bs = np.zeros(f, dtype=np.float32)
        xt, wt, bt = torch.from_numpy(xs), torch.from_numpy(ws), torch.from_numpy(bs)
        methods = {"im2col": lambda: conv.conv2d_forward_im2col(xs, ws, bs, padding=padding),
                   "torch": lambda: F.conv2d(xt, wt, bt, padding=padding)}
        if with_naive:
            methods = {"naive": lambda: conv.conv2d_forward_naive(xs, ws, bs, padding=padding), **methods}
        label = _conv_label(n, c, size, f, k)
        outputs = {}
        for method, fn in methods.items():
            seconds, outputs[method] = best_time(fn, max_runs=1 if method == "naive" else max_runs)
            results.append({"shape": label, "method": method, "seconds": seconds})
        expected = np.asarray(outputs["torch"])
        for method, out in outputs.items():
            if not np.allclose(np.asarray(out), expected, atol=atol):
                worst = float(np.max(np.abs(np.asarray(out) - expected)))
                raise RuntimeError(f"{method} and torch disagree on {label}: largest difference {worst:.3g} "
                                   f"(atol {atol:g}).")
    return results


def speed_table(results: Sequence[dict]) -> str:
    """Run times as a text table: shape, method, time in ms and the time divided by torch's.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Parameters
    ----------
    results : list of dict
        Rows ``{"shape", "method", "seconds"}`` as :func:`conv_forward_times` returns them.

    Returns
    -------
    str
        A header and one line per row, in order; the ratio is left empty for a shape that
        has no "torch" row.

    Examples
    --------
    >>> print(speed_table([{"shape": "small", "method": "im2col", "seconds": 0.02},
    ...                    {"shape": "small", "method": "torch", "seconds": 0.001}]))
    shape                           method       time  ÷ torch
    small                           im2col    20.00 ms    20.0x
    small                            torch     1.00 ms     1.0x
    """
    torch_time = {r["shape"]: r["seconds"] for r in results if r["method"] == "torch"}
    lines = [f"{'shape':30s} {'method':>7s} {'time':>10s} {'÷ torch':>8s}"]
    for r in results:
        ratio = f"{r['seconds'] / torch_time[r['shape']]:>7.1f}x" if r["shape"] in torch_time else ""
        lines.append(f"{r['shape']:30s} {r['method']:>7s} {1000 * r['seconds']:>8.2f} ms {ratio}".rstrip())
    return "\n".join(lines)


def speed_summary(results: Sequence[Mapping[str, Any]]) -> str:
    """What :func:`conv_forward_times` measured, in words: each method's time against torch's, per shape.

    Introduced in notebooks/04_training_cnns_lecture.ipynb, so the lecture's text follows its own
    measurement.

    Parameters
    ----------
    results : list of dict
        Rows ``{"shape", "method", "seconds"}``; shapes without a "torch" row are skipped.

    Returns
    -------
    str
        One line per shape: how long each other method took compared with torch (and the
        naive loops compared with im2col, where both were timed).

    Examples
    --------
    >>> print(speed_summary([{"shape": "small", "method": "naive", "seconds": 2.0},
    ...                      {"shape": "small", "method": "im2col", "seconds": 0.004},
    ...                      {"shape": "small", "method": "torch", "seconds": 0.001}]))
    small: naive took 2,000× as long as torch (500× as long as im2col); im2col took 4.0× as long as torch.
    """
    by_shape: dict[str, dict[str, float]] = {}
    for r in results:
        by_shape.setdefault(r["shape"], {})[r["method"]] = r["seconds"]
    lines = []
    for shape, times in by_shape.items():
        if "torch" not in times:
            continue
        parts = []
        for method, seconds in times.items():
            if method == "torch":
                continue
            part = f"{method} took {_ratio_text(seconds, times['torch'])} torch"
            if method == "naive" and "im2col" in times:
                part += f" ({_ratio_text(seconds, times['im2col'])} im2col)"
            parts.append(part)
        lines.append(f"{shape}: " + "; ".join(parts) + ".")
    return "\n".join(lines)
