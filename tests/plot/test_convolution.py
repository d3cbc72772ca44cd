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


def _centred_by_hand(image, kernel, r, c):
    """The image-processing definition: the kernel's centre on pixel (r, c), nine products added."""
    ar, ac = kernel.shape[0] // 2, kernel.shape[1] // 2
    return sum(image[r + a - ar, c + d - ac] * kernel[a, d]
               for a in range(kernel.shape[0]) for d in range(kernel.shape[1]))


@pytest.mark.parametrize("shape, kernel_shape, r, c", [
    ((6, 6), (3, 3), 2, 3), ((6, 6), (3, 3), 1, 1), ((6, 6), (3, 3), 4, 4), ((5, 7), (3, 3), 3, 1),
    ((7, 7), (5, 5), 3, 2), ((6, 8), (3, 5), 1, 5),
])
def test_conv_step_centred_puts_the_sum_at_the_pixel_and_at_the_top_left_index(shape, kernel_shape, r, c, drawn):
    rng = np.random.default_rng(sum(shape) + r + c)
    image = rng.integers(0, 256, size=shape).astype(float)
    kernel = rng.integers(-2, 3, size=kernel_shape).astype(float)
    fig = plot.conv_step_centred(image, kernel, r, c)
    axes = drawn.axes(fig)
    assert list(axes) == ["input", "kernel", "product", "centred", "output"]
    (kh, kw), (h, w) = kernel_shape, shape

    assert drawn.box(drawn.patch(axes["input"], "neighbourhood")) == (r - kh // 2, r + kh // 2, c - kw // 2, c + kw // 2)
    assert drawn.box(drawn.patch(axes["input"], "centre")) == (r, r, c, c)
    neighbourhood = image[r - kh // 2:r + kh // 2 + 1, c - kw // 2:c + kw // 2 + 1]
    np.testing.assert_array_equal(drawn.data(axes["product"]), neighbourhood * kernel)

    centred = drawn.data(axes["centred"])
    assert centred.shape == shape
    assert drawn.box(drawn.patch(axes["centred"], "centre")) == (r, r, c, c)
    for rr in range(h):
        for cc in range(w):
            inside = kh // 2 <= rr < h - kh // 2 and kw // 2 <= cc < w - kw // 2
            if inside:
                assert centred[rr, cc] == _centred_by_hand(image, kernel, rr, cc)
            else:
                assert np.isnan(centred[rr, cc])

    out = drawn.data(axes["output"])
    assert out.shape == (h - kh + 1, w - kw + 1)
    np.testing.assert_array_equal(out, filters.correlate2d(image, kernel))
    i, j = r - kh // 2, c - kw // 2
    assert drawn.cells(axes["output"], "current") == [(i, j)]
    total = _centred_by_hand(image, kernel, r, c)
    assert out[i, j] == total
    title = fig._suptitle.get_text()
    assert f"pixel ({r}, {c}): " in title and f"= {plot.format_number(total)}\n" in title
    assert f"out[{i}, {j}]" in title
    assert len(plt.get_fignums()) == 1


def test_conv_step_centred_on_a_float32_list_image(drawn):
    image = np.arange(16, dtype=np.float32).reshape(4, 4).tolist()
    fig = plot.conv_step_centred(image, [[-1, 0, 0], [0, 1, 0], [0, 0, 0]], 2, 1)
    assert drawn.data(drawn.axes(fig)["centred"])[2, 1] == 9.0 - 4.0


@pytest.mark.parametrize("kernel, r, c, match", [
    (np.ones((2, 2)), 1, 1, r"`kernel` must have an odd height and width.*got shape \(2, 2\)"),
    (np.ones((3, 4)), 1, 2, r"`kernel` must have an odd height and width.*got shape \(3, 4\)"),
    (np.ones((3, 3)), 0, 2, r"`r` must be a row from 1 to 4, so that the kernel's neighbourhood fits.*got 0\. "
                            r"To centre the kernel on a border pixel, pad the image first"),
    (np.ones((3, 3)), 2, 5, r"`c` must be a column from 1 to 4.*got 5\."),
    (np.ones((5, 5)), 2, 1, r"`c` must be a column from 2 to 3.*got 1\."),
    (np.ones((3, 3)), -1, 2, r"`r` must be"),
])
def test_conv_step_centred_rejects_kernels_without_a_centre_and_pixels_at_the_border(kernel, r, c, match):
    with pytest.raises(ValueError, match=match):
        plot.conv_step_centred(IMAGE6, kernel, r, c)
    assert plt.get_fignums() == []
