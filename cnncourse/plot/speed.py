"""Run times of several methods on several input shapes, as grouped bars (naive loops vs im2col vs torch).

Introduced in notebooks/04_training_cnns_lecture.ipynb; :func:`cnncourse.timing.conv_forward_times` measures them.
"""

from __future__ import annotations

import textwrap
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import _validate as v
from ._base import _positive, _records


def _seconds_text(s):
    if s >= 1:
        return f"{s:.2g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2g} ms"
    return f"{s * 1e6:.2g} \u00b5s"


def speed_bars(results: Sequence[dict]) -> Figure:
    """Grouped bar chart of run times: one group per input shape, one bar per method, log scale.

    Introduced in notebooks/04_training_cnns_lecture.ipynb (naive loops vs im2col vs torch).

    Parameters
    ----------
    results : list of dict
        Keys "shape" (str, the group), "method" (str) and "seconds" (> 0).  Groups and
        methods keep their first-seen order; a method may be missing for some shapes.

    Returns
    -------
    fig : matplotlib Figure
        One axes; its bars carry gids "<method> | <shape>".  When a method is named "torch",
        each bar is labelled with its time divided by torch's time on the same shape
        ("1.0×" for torch itself); otherwise with the time.

    Examples
    --------
    >>> fig = speed_bars([{"shape": "small", "method": "im2col", "seconds": 0.02},
    ...                   {"shape": "small", "method": "torch", "seconds": 0.001}])
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['20×', '1.0×']
    >>> plt.close(fig)
    """
    results = _records("results", results, ("shape", "method", "seconds"),
                       "{'shape': '64x16x32x32', 'method': 'torch', 'seconds': 0.004}")
    table = {}
    for k, row in enumerate(results):
        key = (str(row["shape"]), str(row["method"]))
        if key in table:
            raise ValueError(v.message("results", "hold one time per (shape, method)", f"two for {key}",
                                       "Keep the best time of each pair."))
        table[key] = _positive(f"results[{k}]['seconds']", row["seconds"])
    shapes = list(dict.fromkeys(s for s, _ in table))
    methods = list(dict.fromkeys(m for _, m in table))
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(max(6.0, 2.2 * len(shapes) + 2.0), 4.8), layout="constrained")
    for m_idx, method in enumerate(methods):
        present = [s for s in shapes if (s, method) in table]
        xs = [shapes.index(s) + (m_idx - (len(methods) - 1) / 2) * width for s in present]
        secs = [table[s, method] for s in present]
        bars = ax.bar(xs, secs, width * 0.95, label=method, color=f"C{m_idx % 10}")
        for bar, s, sec in zip(bars, present, secs):
            bar.set_gid(f"{method} | {s}")
            if (s, "torch") in table:
                ratio = sec / table[s, "torch"]
                text = f"{ratio:.0f}\u00d7" if ratio >= 10 else f"{ratio:.1f}\u00d7"
            else:
                text = _seconds_text(sec)
            ax.text(bar.get_x() + bar.get_width() / 2, sec * 1.15, text, ha="center", va="bottom", fontsize=8)
    ax.set_yscale("log")
    all_secs = list(table.values())
    ax.set_ylim(min(all_secs) / 3, max(all_secs) * 6)
    ax.set_xticks(np.arange(len(shapes)), [textwrap.fill(s, 24) for s in shapes], fontsize=8)
    ax.set_ylabel("seconds (log scale)")
    ratio_note = ", labels: time \u00f7 torch's time" if "torch" in methods else ""
    ax.set_title(f"run time per method{ratio_note}")
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.legend(fontsize=9)
    return fig
