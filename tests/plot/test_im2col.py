"""Tests for cnncourse.plot.im2col: the windows of one tiny image are the columns of cols."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import plot
from cnncourse.ref import conv


@pytest.mark.parametrize("shape, k, stride, padding", [((1, 1, 4, 4), 3, 1, 0), ((1, 1, 4, 4), 2, 1, 1),
                                                       ((1, 2, 3, 3), 2, 1, 0), ((1, 1, 5, 5), 3, 2, 1),
                                                       ((1, 1, 4, 5), (2, 3), 1, 0)])
def test_im2col_picture_outlined_columns_are_the_windows(shape, k, stride, padding, drawn):
    x = np.random.default_rng(1).integers(1, 10, size=shape).astype(float)
    fig = plot.im2col_picture(x, k, stride=stride, padding=padding)
    axes = drawn.axes(fig)
    c = shape[1]
    assert list(axes) == [f"x[0, {ch}]" for ch in range(c)] + ["cols"]
    cols = conv.im2col(x, k, stride=stride, padding=padding)
    shown = drawn.data(axes["cols"])
    np.testing.assert_array_equal(shown, cols)
    kh, kw = (k, k) if isinstance(k, int) else k
    for n in range(min(3, cols.shape[1])):
        values = []
        for ch in range(c):
            ax = axes[f"x[0, {ch}]"]
            padded = drawn.data(ax)
            np.testing.assert_array_equal(padded, np.pad(x[0, ch], padding))
            (patch,) = [p for p in ax.patches if p.get_gid() == f"window {n}"]
            r0, r1, c0, c1 = drawn.box(patch)
            assert (r1 - r0 + 1, c1 - c0 + 1) == (kh, kw)
            values.append(padded[r0:r1 + 1, c0:c1 + 1].ravel())
        (column,) = [p for p in axes["cols"].patches if p.get_gid() == f"column {n}"]
        r0, r1, c0, c1 = drawn.box(column)
        assert (r0, r1 - r0 + 1, c1 - c0 + 1) == (0, cols.shape[0], 1)
        np.testing.assert_array_equal(shown[:, c0], np.concatenate(values))
        colors = {p.get_edgecolor() for ax in fig.axes for p in ax.patches if p.get_gid() in (f"window {n}",
                                                                                              f"column {n}")}
        assert len(colors) == 1
    factor = cols.size / x.size
    assert f"cols.size / x.size = {cols.size} / {x.size} = {factor:.2f}" in fig._suptitle.get_text()


def test_im2col_picture_errors():
    with pytest.raises(ValueError, match=r"`x` must hold exactly one image, shape \(1, C, H, W\); got shape "
                                         r"\(2, 1, 4, 4\)\. Pass x\[:1\]"):
        plot.im2col_picture(np.zeros((2, 1, 4, 4)), 2)
    with pytest.raises(ValueError, match=r"`x` must be small enough to draw.*; got x \(1, 1, 20, 20\)"):
        plot.im2col_picture(np.zeros((1, 1, 20, 20)), 3)
    with pytest.raises(ValueError, match=r"`x` must be a 4-D array of shape \(1, C, H, W\); got shape \(4, 4\)\. "
                                         r"For one grayscale image"):
        plot.im2col_picture(np.zeros((4, 4)), 2)
    with pytest.raises(TypeError, match=r"`stride` must be an integer >= 1"):
        plot.im2col_picture(np.zeros((1, 1, 4, 4)), 2, stride=1.5)
    assert plt.get_fignums() == []
