"""Tests for cnncourse.timing: best-of-n timing, loader epochs, the conv speed comparison and its table."""

import numpy as np
import pytest

from cnncourse import plot, timing
from cnncourse.ref import conv


class _Clock:
    """A stand-in for the time module: perf_counter() reads ``now``, which the timed function advances."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        return self.now


def test_best_time_keeps_the_smallest_time_and_the_last_result(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(timing, "time", clock)  # only timing's name for the module
    durations = iter([3.0, 1.0, 4.0])

    def run():
        clock.now += next(durations)
        return clock.now

    assert timing.best_time(run, max_runs=3, budget=100) == (1.0, 8.0)
    durations = iter([3.0, 1.0, 4.0])
    assert timing.best_time(run, max_runs=3, budget=3.5) == (1.0, 12.0)  # a third run would start after 4 s


def test_best_time_stops_at_the_budget_after_at_least_one_run():
    calls = []
    timing.best_time(lambda: calls.append(1), max_runs=5, budget=0)
    assert len(calls) == 1
    timing.best_time(lambda: calls.append(1), max_runs=4, budget=60)
    assert len(calls) == 1 + 4


def test_best_time_errors():
    with pytest.raises(TypeError, match=r"`fn` must be a function of no arguments; got int\. Wrap the call"):
        timing.best_time(3)
    with pytest.raises(ValueError, match=r"`max_runs` must be an integer >= 1; got 0"):
        timing.best_time(lambda: None, max_runs=0)


def test_loader_times_reads_one_epoch_of_every_loader():
    batches = [(np.zeros((4, 1)), np.arange(4)), (np.zeros((2, 1)), np.arange(2))]
    rows = timing.loader_times({"a": batches, "b": batches[:1]}, max_runs=2)
    assert [(r["name"], r["images"]) for r in rows] == [("a", 6), ("b", 4)]
    assert all(r["seconds"] >= 0 for r in rows)
    with pytest.raises(TypeError, match=r"`loaders` must be a dict \{name: loader\}; got list"):
        timing.loader_times([batches])


def test_conv_forward_times_measures_every_method_on_the_same_inputs():
    shapes = [(2, 1, 6, 3, True), (1, 2, 5, 2, False)]
    results = timing.conv_forward_times(shapes, max_runs=2, seed=np.random.default_rng(4))
    labels = ["x 2×1×6×6, w 3×1×3×3", "x 1×2×5×5, w 2×2×3×3"]
    assert [(r["shape"], r["method"]) for r in results] == [(labels[0], "naive"), (labels[0], "im2col"),
                                                            (labels[0], "torch"), (labels[1], "im2col"),
                                                            (labels[1], "torch")]
    assert all(r["seconds"] > 0 for r in results)
    assert len(plot.speed_bars(results).axes[0].patches) == 5  # what speed_bars takes


def test_conv_forward_times_draws_from_the_given_generator():
    rng = np.random.default_rng(7)
    timing.conv_forward_times([(1, 1, 4, 1, False)], max_runs=1, seed=rng)
    expected = np.random.default_rng(7)
    expected.normal(size=(1, 1, 4, 4)), expected.normal(size=(1, 1, 3, 3))
    assert rng.normal() == expected.normal()  # the notebook's rng moves on exactly as before


def test_conv_forward_times_rejects_a_method_that_disagrees_with_torch(monkeypatch):
    monkeypatch.setattr(conv, "conv2d_forward_im2col", lambda x, w, b, padding: np.zeros((1, 1, 4, 4)) + 1.0)
    with pytest.raises(RuntimeError, match=r"im2col and torch disagree on x 1\u00d71\u00d74\u00d74, w 1\u00d71"
                                           r"\u00d73\u00d73: largest difference"):
        timing.conv_forward_times([(1, 1, 4, 1, False)], max_runs=1)


def test_speed_table_divides_by_torch_on_the_same_shape():
    results = [{"shape": "small", "method": "naive", "seconds": 0.5},
               {"shape": "small", "method": "torch", "seconds": 0.0005},
               {"shape": "no torch", "method": "im2col", "seconds": 0.25}]
    lines = timing.speed_table(results).splitlines()
    assert lines[0].split() == ["shape", "method", "time", "\u00f7", "torch"]
    assert lines[1].split() == ["small", "naive", "500.00", "ms", "1000.0x"]
    assert lines[2].split() == ["small", "torch", "0.50", "ms", "1.0x"]
    assert lines[3].split() == ["no", "torch", "im2col", "250.00", "ms"]


def test_loader_summary_names_the_fastest_whichever_it_is():
    rows = [{"name": "plain", "seconds": 0.088}, {"name": "batched", "seconds": 0.551}]
    assert timing.loader_summary(rows) == ("fastest this time: plain (88.0 ms); batched took 6.3\u00d7 as long "
                                           "(551.0 ms).")
    rows[1]["seconds"] = 0.011
    assert timing.loader_summary(rows).startswith("fastest this time: batched (11.0 ms); plain took 8.0\u00d7")
    assert "took about as long (90.0 ms)" in timing.loader_summary([rows[0], {"name": "x", "seconds": 0.09}])
    assert timing.loader_summary(rows[:1]) == "fastest this time: plain (88.0 ms)."
    with pytest.raises(ValueError, match=r"`rows` must be a non-empty list of dicts with keys 'name' and 'seconds'"):
        timing.loader_summary([])


def test_speed_summary_reads_right_whatever_the_numbers():
    results = [{"shape": "a", "method": "naive", "seconds": 1.5}, {"shape": "a", "method": "im2col", "seconds": 0.001},
               {"shape": "a", "method": "torch", "seconds": 0.002}, {"shape": "b", "method": "im2col", "seconds": 0.3},
               {"shape": "b", "method": "torch", "seconds": 0.0031}, {"shape": "c", "method": "im2col", "seconds": 1}]
    assert timing.speed_summary(results).splitlines() == [
        ("a: naive took 750\u00d7 as long as torch (1,500\u00d7 as long as im2col); im2col took 0.5\u00d7 as long as "
         "torch."),
        "b: im2col took 96.8\u00d7 as long as torch.",
    ]  # shape c has no torch time: left out
    assert timing.speed_summary([{"shape": "d", "method": "im2col", "seconds": 1.05},
                                 {"shape": "d", "method": "torch", "seconds": 1.0}]) == \
        "d: im2col took about as long as torch."
