"""Tests for cnncourse.plot.convolution: conv_step (and its numbers), padding modes, filter_photo."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import plot
from cnncourse.ref import filters, layer_specs


IMAGE6 = np.arange(36.0).reshape(6, 6)


@pytest.mark.parametrize("i, j, stride, padding", [
    (0, 0, 1, 0), (3, 3, 1, 0), (1, 2, 1, 0), (1, 2, 2, 1), (2, 0, 2, 1), (0, 3, 1, 2), (2, 2, 3, 3),
])
def test_conv_step_outlines_the_right_window(i, j, stride, padding, drawn):
    kernel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    fig = plot.conv_step(IMAGE6, kernel, i, j, stride=stride, padding=padding)
    axes = drawn.axes(fig)
    assert list(axes) == ["input", "kernel", "product", "output"]

    window = drawn.patch(axes["input"], "window")
    assert window.get_xy() == (j * stride - 0.5, i * stride - 0.5)
    assert (window.get_width(), window.get_height()) == (3, 3)
    current = drawn.patch(axes["output"], "current")
    assert current.get_xy() == (j - 0.5, i - 0.5)

    # the input panel shows the padded image; the output panel the output's shape
    n = 6 + 2 * padding
    assert axes["input"].images[0].get_array().shape == (n, n)
    oh = layer_specs.conv_output_size(6, 3, stride, padding)
    assert axes["output"].images[0].get_array().shape == (oh, oh)

    # the product panel holds window * kernel; the suptitle writes the dot product out
    padded = filters.pad2d(IMAGE6, padding)
    win = padded[i * stride:i * stride + 3, j * stride:j * stride + 3]
    np.testing.assert_allclose(axes["product"].images[0].get_array(), win * kernel)
    total = filters.correlate2d(IMAGE6, kernel, stride=stride, padding=padding)[i, j]
    title = fig._suptitle.get_text()
    assert title.startswith(f"out[{i}, {j}] = ")
    assert f"= {plot.format_number(total)}\n" in title
    assert f"// {stride} + 1 = {oh}" in title
    assert len(plt.get_fignums()) == 1


def test_conv_step_marks_padding_cells(drawn):
    fig = plot.conv_step(IMAGE6, np.ones((3, 3)), 0, 0, padding=2, mode="replicate")
    ax = drawn.axes(fig)["input"]
    outline = drawn.patch(ax, "image")
    assert outline.get_xy() == (1.5, 1.5) and (outline.get_width(), outline.get_height()) == (6, 6)
    tint = ax.images[1].get_array()  # RGBA overlay: transparent over the image, tinted on padding
    assert tint.shape == (10, 10, 4)
    assert np.all(tint[2:8, 2:8, 3] == 0) and np.all(tint[:2, :, 3] > 0) and np.all(tint[:, -2:, 3] > 0)
    np.testing.assert_array_equal(ax.images[0].get_array(), filters.pad2d(IMAGE6, 2, mode="replicate"))


def test_conv_step_no_padding_has_no_tint(drawn):
    fig = plot.conv_step(IMAGE6, np.ones((3, 3)), 0, 0)
    ax = drawn.axes(fig)["input"]
    assert len(ax.images) == 1 and not [p for p in ax.patches if p.get_gid() == "image"]


def test_conv_step_constant_mode_pads_with_ones_by_default(drawn):
    fig = plot.conv_step(IMAGE6, np.ones((3, 3)), 0, 0, padding=1, mode="constant")
    padded = drawn.axes(fig)["input"].images[0].get_array()
    assert padded[0, 0] == 1.0 and padded[1, 1] == IMAGE6[0, 0]
    assert "constant 1" in drawn.axes(fig)["input"].get_title()


def test_conv_step_rectangular_kernel_window(drawn):
    fig = plot.conv_step(IMAGE6, np.ones((2, 3)), 4, 1, stride=1)
    window = drawn.patch(drawn.axes(fig)["input"], "window")
    assert window.get_xy() == (0.5, 3.5)
    assert (window.get_width(), window.get_height()) == (3, 2)


def test_conv_step_progressive_hides_later_outputs(drawn):
    fig = plot.conv_step(IMAGE6, np.ones((3, 3)), 1, 2)
    shown = drawn.axes(fig)["output"].images[0].get_array()
    flat = np.ma.getmaskarray(shown).ravel() | np.isnan(np.asarray(shown, dtype=float)).ravel()
    assert not flat[:1 * 4 + 2 + 1].any() and flat[1 * 4 + 2 + 1:].all()
    full = plot.conv_step(IMAGE6, np.ones((3, 3)), 1, 2, progressive=False)
    assert np.all(np.isfinite(drawn.axes(full)["output"].images[0].get_array()))


def test_conv_step_numbers_only_for_small_inputs(drawn):
    small = plot.conv_step(IMAGE6, np.ones((3, 3)), 0, 0)
    assert len(drawn.axes(small)["input"].texts) == 36
    big = plot.conv_step(np.zeros((20, 20)), np.ones((3, 3)), 0, 0)
    assert len(drawn.axes(big)["input"].texts) == 0


@pytest.mark.parametrize("i, j, name, limit", [(4, 0, "i", 3), (0, 9, "j", 3)])
def test_conv_step_rejects_out_of_range_index(i, j, name, limit):
    with pytest.raises(ValueError) as info:
        plot.conv_step(IMAGE6, np.ones((3, 3)), i, j)
    message = str(info.value)
    assert message.startswith(f"`{name}` must be an output ")
    assert f"in 0..{limit}" in message and "; got " in message
    assert f"Pick {name} <= {limit}" in message
    assert plt.get_fignums() == []  # validated before drawing


def test_conv_step_index_depends_on_stride_and_padding():
    plot.conv_step(IMAGE6, np.ones((3, 3)), 2, 0, padding=1, stride=2)  # (6 + 2 - 3) // 2 + 1 = 3 rows
    with pytest.raises(ValueError, match=r"in 0\.\.1"):  # (6 - 3) // 2 + 1 = 2 rows
        plot.conv_step(IMAGE6, np.ones((3, 3)), 2, 0, stride=2)


def test_conv_step_rejects_negative_and_non_integer_index():
    with pytest.raises(ValueError, match="`j` must be an integer >= 0; got -1"):
        plot.conv_step(IMAGE6, np.ones((3, 3)), 0, -1)
    with pytest.raises(TypeError, match="`i` must be an integer >= 0"):
        plot.conv_step(IMAGE6, np.ones((3, 3)), 1.0, 0)


def test_conv_step_rejects_bad_mode_and_rgb():
    with pytest.raises(ValueError, match="`mode` must be one of 'zeros'"):
        plot.conv_step(IMAGE6, np.ones((3, 3)), 0, 0, mode="edge")
    with pytest.raises(ValueError, match=r"`image` must be a 2-D array of shape \(H, W\)"):
        plot.conv_step(np.zeros((6, 6, 3)), np.ones((3, 3)), 0, 0)


def test_padding_modes_panels_and_values(drawn):
    image = np.arange(1.0, 10.0).reshape(3, 3)
    fig = plot.padding_modes(image, 1)
    axes = drawn.axes(fig)
    assert list(axes) == ["zeros", "constant", "reflect", "replicate"]
    for mode, ax in axes.items():
        expected = filters.pad2d(image, 1, mode=mode, value=1.0 if mode == "constant" else 0.0)
        np.testing.assert_array_equal(ax.images[0].get_array(), expected)
        assert drawn.patch(ax, "image").get_xy() == (0.5, 0.5)
    assert "constant (value 1)" in axes["constant"].get_title()


def test_padding_modes_explains_impossible_reflect(drawn):
    fig = plot.padding_modes(np.arange(6.0).reshape(2, 3), 2)
    ax = drawn.axes(fig)["reflect"]
    assert len(ax.images) == 0 and "not possible" in ax.texts[0].get_text()
    assert drawn.axes(fig)["replicate"].images[0].get_array().shape == (6, 7)


def test_filter_photo_panels(drawn):
    photo = np.random.default_rng(0).random((20, 30))
    kx, _ = filters.sobel_kernels()
    fig = plot.filter_photo(photo, kx, stride=2, padding=1, mode="reflect")
    axes = drawn.axes(fig)
    out = axes["output"].images[0].get_array()
    np.testing.assert_allclose(out, filters.correlate2d(photo, kx, stride=2, padding=1, mode="reflect"))
    assert out.shape == (10, 15)
    assert axes["output"].images[0].get_cmap().name == "RdBu_r"  # signed kernel -> diverging
    blur = plot.filter_photo(photo, filters.mean_kernel(3))
    assert drawn.axes(blur)["output"].images[0].get_cmap().name == "gray"


# ------------------------------------------------------------------ conv_step_arrays: the numbers without the figure


SOBEL_X = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


@pytest.mark.parametrize("i, j, stride, padding, mode", [(0, 0, 1, 0, "zeros"), (3, 3, 1, 0, "zeros"),
                                                         (1, 2, 2, 1, "reflect"), (2, 0, 1, 2, "constant"),
                                                         (2, 2, 3, 3, "replicate")])
def test_conv_step_arrays_are_the_numbers_of_one_step(i, j, stride, padding, mode):
    step = plot.conv_step_arrays(IMAGE6, SOBEL_X, i, j, stride=stride, padding=padding, mode=mode)
    value = 1.0 if mode == "constant" else 0.0
    padded = filters.pad2d(IMAGE6, padding, mode=mode, value=value)
    np.testing.assert_array_equal(step["padded"], padded)
    np.testing.assert_allclose(step["out"], filters.correlate2d(padded, SOBEL_X, stride=stride))
    oh = layer_specs.conv_output_size(6, 3, stride, padding)
    assert step["out"].shape == (oh, oh)
    window = padded[i * stride:i * stride + 3, j * stride:j * stride + 3]
    np.testing.assert_array_equal(step["window"], window)
    np.testing.assert_array_equal(step["product"], window * SOBEL_X)
    assert step["total"] == pytest.approx(float(np.sum(window * SOBEL_X))) == step["out"][i, j]
    assert step["value"] == value
    np.testing.assert_array_equal(step["image"], IMAGE6)
    np.testing.assert_array_equal(step["kernel"], SOBEL_X)
    assert plt.get_fignums() == []  # nothing drawn


def test_conv_step_draws_the_numbers_of_conv_step_arrays(drawn):
    step = plot.conv_step_arrays(IMAGE6, SOBEL_X, 1, 2, stride=2, padding=1, mode="reflect")
    fig = plot.conv_step(IMAGE6, SOBEL_X, 1, 2, stride=2, padding=1, mode="reflect", progressive=False)
    axes = drawn.axes(fig)
    for label, key in (("input", "padded"), ("kernel", "kernel"), ("product", "product"), ("output", "out")):
        np.testing.assert_array_equal(drawn.data(axes[label]), step[key])
    assert f"= {plot.format_number(step['total'])}\n" in fig._suptitle.get_text()


def test_conv_step_arrays_reject_what_conv_step_rejects():
    with pytest.raises(ValueError, match=r"`i` must be an output row index in 0\.\.3"):
        plot.conv_step_arrays(IMAGE6, np.ones((3, 3)), 4, 0)
    with pytest.raises(ValueError, match="`padding` must be smaller than the image's height and width"):
        plot.conv_step_arrays(np.zeros((3, 3)), np.ones((3, 3)), 0, 0, padding=3, mode="reflect")
    with pytest.raises(ValueError, match="`mode` must be one of 'zeros'"):
        plot.conv_step_arrays(IMAGE6, np.ones((3, 3)), 0, 0, mode="edge")
