"""Tests for cnncourse.plot.gradient_check: the relative error of centred differences against h."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import plot
from cnncourse.ref import gradcheck


def _cubic(x):
    return float(np.sum(np.sin(x) * x ** 2))


def _cubic_grad(x):
    return np.cos(x) * x ** 2 + 2 * x * np.sin(x)


def test_gradient_check_vs_h_plots_the_relative_errors():
    x = np.array([0.3, -1.2, 2.0])
    hs = np.logspace(-12, -1, 12)
    fig = plot.gradient_check_vs_h(_cubic, x, _cubic_grad(x), hs=hs)
    ax = fig.axes[0]
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == "error"]
    np.testing.assert_allclose(line.get_xdata(), hs)
    expected = []
    for h in hs:
        num = gradcheck.numerical_gradient(_cubic, x.copy(), h)
        a, b = num, _cubic_grad(x)
        expected.append(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))  # the course formula
    np.testing.assert_allclose(line.get_ydata(), np.maximum(expected, 1e-17), rtol=1e-12)
    errors = np.asarray(expected)
    best = int(np.argmin(errors))
    assert 0 < best < len(hs) - 1  # the V: round-off on the left, truncation on the right
    assert errors[0] > errors[best] * 100 and errors[-1] > errors[best] * 100
    (star,) = [ln for ln in ax.get_lines() if ln.get_gid() == "best"]
    assert star.get_xdata()[0] == hs[best]
    assert {ln.get_gid() for ln in ax.get_lines()} >= {"truncation", "roundoff"}
    assert ax.get_xscale() == ax.get_yscale() == "log"
    np.testing.assert_array_equal(x, [0.3, -1.2, 2.0])  # left unchanged


def test_gradient_check_vs_h_truncation_has_slope_two():
    x = np.array([0.7])
    hs = np.array([1e-1, 1e-2])
    fig = plot.gradient_check_vs_h(_cubic, x, _cubic_grad(x), hs=hs)
    errors = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "error"][0].get_ydata()
    assert 1.9 < np.log10(errors[0] / errors[1]) < 2.1


def test_gradient_check_vs_h_errors():
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError,
                       match=r"`grad` must have the shape of x \(2,\); got shape \(3,\)\. Pass the analytic"):
        plot.gradient_check_vs_h(_cubic, x, np.zeros(3))
    with pytest.raises(ValueError, match=r"`hs` must be a non-empty sequence of positive steps; got \[0\.0\]\. "
                                         r"For example np\.logspace"):
        plot.gradient_check_vs_h(_cubic, x, np.zeros(2), hs=[0.0])
    with pytest.raises(TypeError, match=r"`x` must be a float64 array .*; got dtype float32\. Use x\.astype"):
        plot.gradient_check_vs_h(_cubic, x.astype(np.float32), np.zeros(2))
    with pytest.raises(TypeError, match=r"`f` must be a function f\(x\) -> float; got int\."):
        plot.gradient_check_vs_h(3, x, np.zeros(2))
    assert plt.get_fignums() == []
