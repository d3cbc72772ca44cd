"""Tests for cnncourse.plot.speed: grouped run-time bars with ratios to torch."""

import matplotlib.pyplot as plt
import pytest

from cnncourse import plot


SPEEDS = [{"shape": "small", "method": "naive", "seconds": 0.5},
          {"shape": "small", "method": "im2col", "seconds": 0.004},
          {"shape": "small", "method": "torch", "seconds": 0.0005},
          {"shape": "large", "method": "im2col", "seconds": 0.2},
          {"shape": "large", "method": "torch", "seconds": 0.04}]


def test_speed_bars_groups_and_ratios_to_torch():
    fig = plot.speed_bars(SPEEDS)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    bars = {p.get_gid(): p for p in ax.patches}
    assert set(bars) == {f"{r['method']} | {r['shape']}" for r in SPEEDS}
    for r in SPEEDS:
        assert bars[f"{r['method']} | {r['shape']}"].get_height() == r["seconds"]
    assert [t.get_text() for t in ax.texts] == ["1000\u00d7", "8.0\u00d7", "5.0\u00d7", "1.0\u00d7", "1.0\u00d7"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["small", "large"]
    small = sorted(p.get_x() for gid, p in bars.items() if gid.endswith("small"))
    assert all(x < 0.5 for x in small) and all(p.get_x() > 0.5 for gid, p in bars.items() if gid.endswith("large"))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["naive", "im2col", "torch"]


def test_speed_bars_without_torch_labels_the_times():
    fig = plot.speed_bars([{"shape": "s", "method": "naive", "seconds": 2.5},
                           {"shape": "s", "method": "im2col", "seconds": 0.0031}])
    assert [t.get_text() for t in fig.axes[0].texts] == ["2.5 s", "3.1 ms"]


def test_speed_bars_errors():
    with pytest.raises(ValueError, match=r"`results` must hold one time per \(shape, method\); got two for "
                                         r"\('small', 'naive'\)"):
        plot.speed_bars(SPEEDS + SPEEDS[:1])
    with pytest.raises(ValueError, match=r"`results\[0\]\['seconds'\]` must be a positive number; got -1\.0"):
        plot.speed_bars([dict(SPEEDS[0], seconds=-1.0)])
    with pytest.raises(ValueError, match=r"`results\[0\]` must be a dict with keys 'shape', 'method', 'seconds'"):
        plot.speed_bars([{"shape": "s", "seconds": 1.0}])
    with pytest.raises(TypeError, match=r"`results` must be a non-empty list of dicts; got dict"):
        plot.speed_bars(SPEEDS[0])
    assert plt.get_fignums() == []
