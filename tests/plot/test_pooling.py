"""Tests for cnncourse.plot.pooling: one pooling window, max-pool routing, what a max-pool keeps."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnncourse import plot
from cnncourse.ref import pool


@pytest.mark.parametrize("k, stride, i, j", [(2, None, 1, 0), (2, None, 1, 1), (3, 2, 1, 0), (3, 1, 2, 2)])
def test_pool_step_window_and_outputs(k, stride, i, j, drawn):
    values = np.arange(25.0).reshape(5, 5) % 7
    fig = plot.pool_step(values, i, j, kernel_size=k, stride=stride)
    axes = drawn.axes(fig)
    s = k if stride is None else stride
    assert drawn.box(drawn.patch(axes["input"], "window")) == (i * s, i * s + k - 1, j * s, j * s + k - 1)
    x = values[None, None]
    np.testing.assert_array_equal(axes["max"].images[0].get_array(), pool.max_pool2d_forward(x, k, stride)[0, 0])
    np.testing.assert_allclose(axes["avg"].images[0].get_array(), pool.avg_pool2d_forward(x, k, stride)[0, 0])
    assert ("overlap" in fig._suptitle.get_text()) == (s < k)
    with pytest.raises(ValueError, match="`i` must be an output row index"):
        plot.pool_step(values, 9, 0, kernel_size=k, stride=stride)


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
def test_maxpool_routing_highlights_exactly_the_argmax_cells(seed, shape, k, s, drawn):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    stride = k if s is None else s
    oh, ow = (shape[0] - k) // stride + 1, (shape[1] - k) // stride + 1
    dout = rng.normal(size=(oh, ow))
    fig = plot.maxpool_routing(x, dout, kernel_size=k, stride=s)
    axes = drawn.axes(fig)
    assert list(axes) == ["x", "dout", "dx"]
    expected = _first_argmax(x, k, stride)
    assert sorted(set(drawn.cells(axes["x"], "argmax"))) == expected
    assert len(drawn.patches(axes["x"], "argmax")) == oh * ow  # one per window
    assert drawn.cells(axes["dx"], "routed") == expected
    assert len(drawn.patches(axes["x"], "window")) == len(drawn.patches(axes["dout"], "out_cell")) == oh * ow
    xt = torch.tensor(x[None, None], requires_grad=True)
    F.max_pool2d(xt, k, s).backward(torch.tensor(dout[None, None]))
    np.testing.assert_allclose(drawn.data(axes["dx"]), xt.grad[0, 0].numpy())
    nonzero = sorted(map(tuple, np.argwhere(drawn.data(axes["dx"]) != 0)))
    assert set(nonzero) <= set(expected)
    assert not drawn.patches(axes["x"], "tie")


def test_maxpool_routing_ties_go_to_the_first_maximum_once(drawn):
    x = np.array([[1.0, 3.0, 2.0, 0.0],
                  [0.0, 2.0, 5.0, 5.0],
                  [4.0, 1.0, 2.0, 2.0],
                  [2.0, 4.0, 2.0, 2.0]])
    dout = np.array([[0.5, -1.0], [2.0, 0.3]])
    fig = plot.maxpool_routing(x, dout)
    axes = drawn.axes(fig)
    assert drawn.cells(axes["x"], "argmax") == [(0, 1), (1, 2), (2, 0), (2, 2)]
    assert drawn.cells(axes["x"], "tie") == [(1, 3), (2, 3), (3, 1), (3, 2), (3, 3)]
    dx = drawn.data(axes["dx"])
    assert dx[1, 2] == -1.0 and dx[1, 3] == 0.0 and dx[2, 2] == 0.3 and np.count_nonzero(dx) == 4
    assert "first maximum in row-major order" in fig._suptitle.get_text()


def test_maxpool_routing_overlapping_windows_add_up(drawn):
    x = np.zeros((3, 3))
    x[1, 1] = 9.0
    fig = plot.maxpool_routing(x, np.array([[1.0, 2.0], [3.0, 4.0]]), kernel_size=2, stride=1)
    axes = drawn.axes(fig)
    assert drawn.cells(axes["dx"], "routed") == [(1, 1)]
    assert drawn.data(axes["dx"])[1, 1] == 10.0
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


# ------------------------------------------------------------------ what a max-pool keeps (module 04)


def _relu_map(seed=0, shape=(8, 6)):
    return np.maximum(np.random.default_rng(seed).normal(size=shape), 0).astype(np.float32)


def test_maxpool_survivors_follow_the_strongest_activations():
    fmap = _relu_map()
    kept = plot.maxpool_survivors(fmap, n=10)
    np.testing.assert_array_equal(kept["pooled"], pool.max_pool2d_forward(fmap[None, None], 2)[0, 0])
    rows, cols = kept["rows"], kept["cols"]
    assert list(fmap[rows, cols]) == sorted(fmap.ravel(), reverse=True)[:10]  # the 10 largest, largest first
    windows = [fmap[r // 2 * 2:r // 2 * 2 + 2, c // 2 * 2:c // 2 * 2 + 2] for r, c in zip(rows, cols)]
    assert list(kept["survived"]) == [fmap[r, c] == win.max() for r, c, win in zip(rows, cols, windows)]
    assert 0 < kept["survived"].sum() < 10 and kept["covered"] is True
    again = plot.maxpool_survivors(torch.from_numpy(fmap), torch.from_numpy(kept["pooled"]), n=10)  # tensors too
    for key in ("rows", "cols", "survived"):
        np.testing.assert_array_equal(again[key], kept[key])
    assert plt.get_fignums() == []  # nothing drawn


def test_maxpool_survivors_edge_cases():
    fmap = np.zeros((5, 5))
    fmap[4, 4], fmap[0, 0] = 9.0, 1.0  # row and column 4 lie past the last full 2×2 window
    kept = plot.maxpool_survivors(fmap, n=2)
    assert list(zip(kept["rows"], kept["cols"])) == [(4, 4), (0, 0)]
    assert list(kept["survived"]) == [False, True] and kept["pooled"].shape == (2, 2)
    assert plot.maxpool_survivors(fmap, kept["pooled"] - 1, n=2)["covered"] is False
    assert plot.maxpool_survivors(np.arange(36.0).reshape(6, 6), kernel_size=3, n=4)["survived"].tolist() == \
        [True, False, False, True]  # 35 and 32 are the maxima of their 3×3 windows


def test_maxpool_survivors_errors():
    with pytest.raises(ValueError, match=r"`pooled` must have the pooled shape \(4, 3\) \(kernel_size 2, stride 2\); "
                                         r"got shape \(3, 3\)"):
        plot.maxpool_survivors(_relu_map(), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"`n` must be at most the number of values in fmap \(48\); got 49"):
        plot.maxpool_survivors(_relu_map(), n=49)
    with pytest.raises(ValueError, match=r"`kernel_size` must be at most the map's height and width"):
        plot.maxpool_survivors(_relu_map(), kernel_size=7)
    with pytest.raises(ValueError, match=r"`fmap` must be a 2-D array of shape \(H, W\); got shape \(2, 8, 6\)"):
        plot.maxpool_survivors(np.stack([_relu_map()] * 2))


def test_maxpool_survivors_map_circles_the_same_cells(drawn):
    fmap = _relu_map(1)
    kept = plot.maxpool_survivors(fmap, n=5)
    fig = plot.maxpool_survivors_map(fmap, n=5, name="ReLU output, channel 3")
    axes = drawn.axes(fig)
    assert list(axes) == ["map", "pooled"]
    assert [ax.get_title() for ax in axes.values()] == ["ReLU output, channel 3: 8 \u00d7 6",
                                                        "after 2 \u00d7 2 max-pool: 4 \u00d7 3"]
    np.testing.assert_array_equal(drawn.data(axes["map"]), fmap)
    np.testing.assert_array_equal(drawn.data(axes["pooled"]), kept["pooled"])
    for label, scale in (("map", 1), ("pooled", 2)):
        ax = axes[label]
        assert ax.images[0].get_clim() == (0, float(fmap.max()))
        (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == "strongest"]
        np.testing.assert_array_equal(line.get_xdata(), kept["cols"] // scale)
        np.testing.assert_array_equal(line.get_ydata(), kept["rows"] // scale)
