"""Tests for the module-03 helpers of cnncourse.plot: network diagram, forward/backward pass, max-pool
routing, conv-backward pictures and the gradient-check-vs-h plot."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnncourse import plot
from cnncourse.helpers import toy_net as toy_helpers
from cnncourse.ref import conv, gradcheck, toy_net


def _patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def _cells(ax, gid):
    """(row, col) of every 1×1 cell box with this gid, sorted."""
    out = []
    for p in _patches(ax, gid):
        x, y = p.get_xy()
        assert p.get_width() == 1 and p.get_height() == 1
        out.append((int(round(y + 0.5)), int(round(x + 0.5))))
    return sorted(out)


def _box(patch):
    """(first row, last row, first col, last col) of a cell-aligned rectangle."""
    x, y = patch.get_xy()
    c0, r0 = int(round(x + 0.5)), int(round(y + 0.5))
    return r0, r0 + int(round(patch.get_height())) - 1, c0, c0 + int(round(patch.get_width())) - 1


def _axes(fig):
    return {ax.get_label(): ax for ax in fig.axes}


def _data(ax):
    return np.asarray(ax.images[0].get_array(), dtype=float)


# ------------------------------------------------------------------ the toy network


def test_toy_network_diagram_has_every_layer_and_15_parameters():
    fig = plot.toy_network_diagram()
    ax = fig.axes[0]
    layers = [p.get_gid() for p in ax.patches if str(p.get_gid()).startswith("layer:")]
    assert layers == ["layer:" + name for name in
                      ("input", "conv", "relu", "maxpool", "flatten", "dense", "sigmoid", "loss")]
    assert "15 trainable parameters" in ax.get_title()
    texts = [t.get_text() for t in ax.texts]
    assert any("9 + 1 = 10 params" in t for t in texts) and any("4 + 1 = 5 params" in t for t in texts)
    shapes = [t for t in texts if t in ("6\u00d76", "4\u00d74", "2\u00d72", "4", "1")]
    assert shapes == ["6\u00d76", "4\u00d74", "4\u00d74", "2\u00d72", "4", "1"]
    assert len(_patches(ax, "forward")) == len(_patches(ax, "backward")) == 7


def test_toy_network_pass_forward_panels_hold_the_intermediate_arrays():
    images, _ = toy_helpers.make_edges(2, seed=0)
    params = toy_helpers.init_toy_params(1)
    params["v"] = np.array([0.5, -1.0, 2.0, 0.1])
    x = images[0]
    fig = plot.toy_network_pass(params, x)
    axes = _axes(fig)
    assert list(axes) == ["image", "w", "z1", "a1", "pooled", "h"]
    z1 = conv.conv2d_forward(x[None, None], params["w"][None, None], np.array([params["b"]]))[0, 0]
    np.testing.assert_allclose(_data(axes["image"]), x)
    np.testing.assert_allclose(_data(axes["z1"]), z1)
    np.testing.assert_allclose(_data(axes["a1"]), np.maximum(z1, 0))
    pooled = _data(axes["pooled"])
    np.testing.assert_allclose(pooled, np.maximum(z1, 0).reshape(2, 2, 2, 2).max(axis=(1, 3)))
    np.testing.assert_allclose(_data(axes["h"]), pooled.reshape(1, 4))
    y_hat = toy_net.toy_forward(params, x)
    assert f"{y_hat:.4g}" in fig._suptitle.get_text()


def test_toy_network_pass_backward_panels_match_torch():
    images, labels = toy_helpers.make_edges(2, seed=3)
    params = toy_helpers.init_toy_params(2)
    params["v"] = np.array([0.5, -1.0, 2.0, 0.1])
    x, y = images[3], int(labels[3])
    fig = plot.toy_network_pass(params, x, label=y)
    axes = _axes(fig)
    assert {"dh", "dpooled", "da1", "dz1", "dw"} <= set(axes)
    t = {k: torch.tensor(np.array(val, dtype=float), requires_grad=True) for k, val in params.items()}
    z1 = F.conv2d(torch.tensor(x)[None, None], t["w"][None, None], t["b"].reshape(1))
    z1.retain_grad()
    h = F.max_pool2d(torch.relu(z1), 2).reshape(4)
    h.retain_grad()
    loss = F.binary_cross_entropy_with_logits(h @ t["v"] + t["c"], torch.tensor(float(y)))
    loss.backward()
    np.testing.assert_allclose(_data(axes["dw"]), t["w"].grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(_data(axes["dz1"]), z1.grad[0, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(_data(axes["dh"]), h.grad.numpy()[None], atol=1e-12)
    np.testing.assert_allclose(_data(axes["dpooled"]), h.grad.numpy().reshape(2, 2), atol=1e-12)
    assert f"label {y}" in fig._suptitle.get_text()


@pytest.mark.parametrize("label", [2, -1, True, "1"])
def test_toy_network_pass_rejects_bad_labels(label):
    with pytest.raises(ValueError, match=r"`label` must be 0, 1 or None; got .*1 = vertical edge"):
        plot.toy_network_pass(toy_helpers.init_toy_params(0), np.zeros((6, 6)), label=label)
    assert plt.get_fignums() == []


def test_toy_network_pass_rejects_bad_params_and_images():
    with pytest.raises(ValueError, match=r"`params` must be a dict with keys .*init_toy_params"):
        plot.toy_network_pass({"w": np.zeros((3, 3))}, np.zeros((6, 6)))
    with pytest.raises(ValueError, match=r"`image` must have shape \(6, 6\); got shape \(5, 5\)"):
        plot.toy_network_pass(toy_helpers.init_toy_params(0), np.zeros((5, 5)))
    assert plt.get_fignums() == []


# ------------------------------------------------------------------ max-pool routing


def _first_argmax(x, k, s):
    """Brute force: the first maximum in row-major order of every window."""
    oh, ow = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    cells = set()
    for i in range(oh):
        for j in range(ow):
            win = x[i * s:i * s + k, j * s:j * s + k]
            r, c = divmod(int(np.argmax(win)), k)
            cells.add((i * s + r, j * s + c))
    return sorted(cells)


@pytest.mark.parametrize("seed, shape, k, s", [(0, (4, 4), 2, None), (1, (6, 6), 2, 2), (2, (5, 5), 3, 2),
                                                (3, (5, 4), 2, 1), (4, (6, 6), 3, 3)])
def test_maxpool_routing_highlights_exactly_the_argmax_cells(seed, shape, k, s):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    stride = k if s is None else s
    oh, ow = (shape[0] - k) // stride + 1, (shape[1] - k) // stride + 1
    dout = rng.normal(size=(oh, ow))
    fig = plot.maxpool_routing(x, dout, kernel_size=k, stride=s)
    axes = _axes(fig)
    assert list(axes) == ["x", "dout", "dx"]
    expected = _first_argmax(x, k, stride)
    assert sorted(set(_cells(axes["x"], "argmax"))) == expected
    assert len(_patches(axes["x"], "argmax")) == oh * ow  # one per window
    assert _cells(axes["dx"], "routed") == expected
    assert len(_patches(axes["x"], "window")) == len(_patches(axes["dout"], "out_cell")) == oh * ow
    xt = torch.tensor(x[None, None], requires_grad=True)
    F.max_pool2d(xt, k, s).backward(torch.tensor(dout[None, None]))
    np.testing.assert_allclose(_data(axes["dx"]), xt.grad[0, 0].numpy())
    nonzero = sorted(map(tuple, np.argwhere(_data(axes["dx"]) != 0)))
    assert set(nonzero) <= set(expected)
    assert not _patches(axes["x"], "tie")


def test_maxpool_routing_ties_go_to_the_first_maximum_once():
    x = np.array([[1.0, 3.0, 2.0, 0.0],
                  [0.0, 2.0, 5.0, 5.0],
                  [4.0, 1.0, 2.0, 2.0],
                  [2.0, 4.0, 2.0, 2.0]])
    dout = np.array([[0.5, -1.0], [2.0, 0.3]])
    fig = plot.maxpool_routing(x, dout)
    axes = _axes(fig)
    assert _cells(axes["x"], "argmax") == [(0, 1), (1, 2), (2, 0), (2, 2)]
    assert _cells(axes["x"], "tie") == [(1, 3), (2, 3), (3, 1), (3, 2), (3, 3)]
    dx = _data(axes["dx"])
    assert dx[1, 2] == -1.0 and dx[1, 3] == 0.0 and dx[2, 2] == 0.3 and np.count_nonzero(dx) == 4
    assert "first maximum in row-major order" in fig._suptitle.get_text()


def test_maxpool_routing_overlapping_windows_add_up():
    x = np.zeros((3, 3))
    x[1, 1] = 9.0
    fig = plot.maxpool_routing(x, np.array([[1.0, 2.0], [3.0, 4.0]]), kernel_size=2, stride=1)
    axes = _axes(fig)
    assert _cells(axes["dx"], "routed") == [(1, 1)]
    assert _data(axes["dx"])[1, 1] == 10.0
    assert "receives the sum" in fig._suptitle.get_text()


def test_maxpool_routing_errors():
    with pytest.raises(ValueError, match=r"`dout` must have the pooled shape \(2, 2\) \(kernel 2, stride 2\); "
                                         r"got shape \(3, 3\)\. dout is the gradient of the pooling output"):
        plot.maxpool_routing(np.zeros((4, 4)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"`x` must be a 2-D array of shape \(H, W\); got shape \(1, 1, 4, 4\)\. "
                                         r"Pass one channel"):
        plot.maxpool_routing(np.zeros((1, 1, 4, 4)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"`kernel_size` must be at most the input's height and width"):
        plot.maxpool_routing(np.zeros((2, 2)), np.zeros((1, 1)), kernel_size=3)
    with pytest.raises(TypeError, match=r"`stride` must be an integer >= 1"):
        plot.maxpool_routing(np.zeros((4, 4)), np.zeros((2, 2)), stride=1.5)
    assert plt.get_fignums() == []


# ------------------------------------------------------------------ conv backward pictures


def _conv_case(seed, h=5, w=6, k=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(h, w)), rng.normal(size=(k, k)), rng.normal(size=(h - k + 1, w - k + 1))


def test_conv_backward_window_panels_and_highlights():
    x, w, dout = _conv_case(0)
    i, j = 2, 1
    fig = plot.conv_backward_window(x, w, dout, i, j)
    axes = _axes(fig)
    assert _box(_patches(axes["x"], "window")[0]) == (i, i + 2, j, j + 2)
    assert _box(_patches(axes["dx part"], "window")[0]) == (i, i + 2, j, j + 2)
    assert _cells(axes["dout"], "current") == [(i, j)]
    np.testing.assert_allclose(_data(axes["dw part"]), dout[i, j] * x[i:i + 3, j:j + 3])
    part = _data(axes["dx part"])
    np.testing.assert_allclose(part[i:i + 3, j:j + 3], dout[i, j] * w)
    assert np.count_nonzero(part) == np.count_nonzero(w)
    xt = torch.tensor(x[None, None], requires_grad=True)
    wt = torch.tensor(w[None, None], requires_grad=True)
    F.conv2d(xt, wt).backward(torch.tensor(dout[None, None]))
    np.testing.assert_allclose(_data(axes["dw"]), wt.grad[0, 0].numpy())
    np.testing.assert_allclose(_data(axes["dx"]), xt.grad[0, 0].numpy())
    assert f"dL/db = sum(dout) = {plot.format_number(dout.sum(), 3)}" in axes["dx"].get_title()


def test_conv_backward_window_parts_sum_to_the_totals():
    x, w, dout = _conv_case(1, 4, 4, 2)
    dw_sum, dx_sum = 0, 0
    for i in range(3):
        for j in range(3):
            axes = _axes(plot.conv_backward_window(x, w, dout, i, j))
            dw_sum = dw_sum + _data(axes["dw part"])
            dx_sum = dx_sum + _data(axes["dx part"])
            plt.close("all")
    axes = _axes(plot.conv_backward_window(x, w, dout, 0, 0))
    np.testing.assert_allclose(dw_sum, _data(axes["dw"]))
    np.testing.assert_allclose(dx_sum, _data(axes["dx"]))


@pytest.mark.parametrize("r, c", [(0, 0), (1, 3), (6, 7), (3, 0)])
def test_conv_backward_dx_step_is_the_full_convolution(r, c):
    _, w, dout = _conv_case(2, 7, 8, 3)  # dout (5, 6), dx (7, 8)
    fig = plot.conv_backward_dx_step(dout, w, r, c)
    axes = _axes(fig)
    padded = _data(axes["padded dout"])
    assert padded.shape == (9, 10)
    np.testing.assert_allclose(padded[2:7, 2:8], dout)
    assert np.all(padded[:2] == 0) and np.all(padded[:, -2:] == 0)
    np.testing.assert_allclose(_data(axes["rot180(w)"]), w[::-1, ::-1])
    assert _box(_patches(axes["padded dout"], "window")[0]) == (r, r + 2, c, c + 2)
    assert _cells(axes["dx"], "current") == [(r, c)]
    window = padded[r:r + 3, c:c + 3]
    np.testing.assert_allclose(_data(axes["product"]), window * w[::-1, ::-1])
    dx = _data(axes["dx"])
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


# ------------------------------------------------------------------ gradient check vs h


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
