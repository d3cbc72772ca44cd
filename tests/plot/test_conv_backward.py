"""Tests for cnncourse.plot.conv_backward: one upstream gradient's parts, and dL/dX as a full convolution."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnncourse import plot


def _conv_case(seed, h=5, w=6, k=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(h, w)), rng.normal(size=(k, k)), rng.normal(size=(h - k + 1, w - k + 1))


def test_conv_backward_window_panels_and_highlights(drawn):
    x, w, dout = _conv_case(0)
    i, j = 2, 1
    fig = plot.conv_backward_window(x, w, dout, i, j)
    axes = drawn.axes(fig)
    assert drawn.box(drawn.patches(axes["x"], "window")[0]) == (i, i + 2, j, j + 2)
    assert drawn.box(drawn.patches(axes["dx part"], "window")[0]) == (i, i + 2, j, j + 2)
    assert drawn.cells(axes["dout"], "current") == [(i, j)]
    np.testing.assert_allclose(drawn.data(axes["dw part"]), dout[i, j] * x[i:i + 3, j:j + 3])
    part = drawn.data(axes["dx part"])
    np.testing.assert_allclose(part[i:i + 3, j:j + 3], dout[i, j] * w)
    assert np.count_nonzero(part) == np.count_nonzero(w)
    xt = torch.tensor(x[None, None], requires_grad=True)
    wt = torch.tensor(w[None, None], requires_grad=True)
    F.conv2d(xt, wt).backward(torch.tensor(dout[None, None]))
    np.testing.assert_allclose(drawn.data(axes["dw"]), wt.grad[0, 0].numpy())
    np.testing.assert_allclose(drawn.data(axes["dx"]), xt.grad[0, 0].numpy())
    assert f"dL/db = sum(dout) = {plot.format_number(dout.sum(), 3)}" in axes["dx"].get_title()


def test_conv_backward_parts_sum_to_the_totals():
    x, w, dout = _conv_case(1, 4, 4, 2)
    dw_sum, dx_sum = 0, 0
    for i in range(3):
        for j in range(3):
            parts = plot.conv_backward_parts(x, w, dout, i, j)
            dw_sum = dw_sum + parts["dw_part"]
            dx_sum = dx_sum + parts["dx_part"]
    totals = plot.conv_backward_parts(x, w, dout, 0, 0)
    np.testing.assert_allclose(dw_sum, totals["dw"])
    np.testing.assert_allclose(dx_sum, totals["dx"])
    assert totals["db"] == pytest.approx(dout.sum())
    assert plt.get_fignums() == []  # nothing drawn


@pytest.mark.parametrize("i, j", [(0, 0), (2, 1)])
def test_conv_backward_window_shows_the_parts(i, j, drawn):
    x, w, dout = _conv_case(1, 4, 4, 2)
    parts = plot.conv_backward_parts(x, w, dout, i, j)
    axes = drawn.axes(plot.conv_backward_window(x, w, dout, i, j))
    for label, key in (("x", "x"), ("w", "w"), ("dout", "dout"), ("dw part", "dw_part"), ("dw", "dw"),
                       ("dx part", "dx_part"), ("dx", "dx")):
        np.testing.assert_array_equal(drawn.data(axes[label]), parts[key])


@pytest.mark.parametrize("r, c", [(0, 0), (1, 3), (6, 7), (3, 0)])
def test_conv_backward_dx_step_is_the_full_convolution(r, c, drawn):
    _, w, dout = _conv_case(2, 7, 8, 3)  # dout (5, 6), dx (7, 8)
    fig = plot.conv_backward_dx_step(dout, w, r, c)
    axes = drawn.axes(fig)
    padded = drawn.data(axes["padded dout"])
    assert padded.shape == (9, 10)
    np.testing.assert_allclose(padded[2:7, 2:8], dout)
    assert np.all(padded[:2] == 0) and np.all(padded[:, -2:] == 0)
    np.testing.assert_allclose(drawn.data(axes["rot180(w)"]), w[::-1, ::-1])
    assert drawn.box(drawn.patches(axes["padded dout"], "window")[0]) == (r, r + 2, c, c + 2)
    assert drawn.cells(axes["dx"], "current") == [(r, c)]
    window = padded[r:r + 3, c:c + 3]
    np.testing.assert_allclose(drawn.data(axes["product"]), window * w[::-1, ::-1])
    dx = drawn.data(axes["dx"])
    assert np.isclose(dx[r, c], np.sum(window * w[::-1, ::-1]))
    xt = torch.zeros((1, 1, 7, 8), dtype=torch.float64, requires_grad=True)
    F.conv2d(xt, torch.tensor(w[None, None])).backward(torch.tensor(dout[None, None]))
    np.testing.assert_allclose(dx, xt.grad[0, 0].numpy())
    assert fig._suptitle.get_text().startswith(f"dx[{r}, {c}] = ")


def test_conv_backward_errors():
    x, w, dout = _conv_case(3)
    with pytest.raises(ValueError, match=r"`dout` must have the conv output's shape \(3, 4\) \(stride 1, no padding\); "
                                         r"got shape \(4, 4\)"):
        plot.conv_backward_window(x, w, np.zeros((4, 4)), 0, 0)
    with pytest.raises(ValueError, match=r"`i` must be an output row index in 0\.\.2 .*; got 3\. Pick i <= 2"):
        plot.conv_backward_window(x, w, dout, 3, 0)
    with pytest.raises(ValueError, match=r"`w` must fit inside x \(5, 6\); got kernel 7 x 3"):
        plot.conv_backward_window(x, np.zeros((7, 3)), dout, 0, 0)
    with pytest.raises(ValueError, match=r"`x` must be a 2-D array of shape \(H, W\); got shape \(1, 5, 6\)\. Pass one "
                                         r"channel, e.g\. x\[0, 0\]"):
        plot.conv_backward_window(x[None], w, dout, 0, 0)
    with pytest.raises(ValueError, match=r"`c` must be a dx column index in 0\.\.5 .*; got 6\. Pick c <= 5\."):
        plot.conv_backward_dx_step(dout, w, 0, 6)
    with pytest.raises(ValueError, match=r"`r` must be an integer >= 0; got -1\. dx rows are numbered from 0\."):
        plot.conv_backward_dx_step(dout, w, -1, 0)
    with pytest.raises(ValueError, match=r"`w` must be a 2-D array of shape \(KH, KW\)"):
        plot.conv_backward_dx_step(dout, w[None, None], 0, 0)
    assert plt.get_fignums() == []
