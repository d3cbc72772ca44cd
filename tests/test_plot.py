"""Tests for cnncourse.plot: panels, outlined windows, annotations, errors, no figure leaks."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import plot
from cnncourse.ref import filters, layer_specs


def _patch(ax, gid):
    found = [p for p in ax.patches if p.get_gid() == gid]
    assert len(found) == 1, f"expected one patch with gid {gid!r}, found {len(found)}"
    return found[0]


def _axes_by_label(fig):
    return {ax.get_label(): ax for ax in fig.axes}


IMAGE6 = np.arange(36.0).reshape(6, 6)


# ------------------------------------------------------------------ single panels


def test_show_image_gray_and_rgb_without_axes():
    ax = plot.show_image(np.zeros((4, 5)), title="gray")
    assert not ax.axison and ax.get_title() == "gray"
    assert ax.images[0].get_clim() == (0, 1)
    ax2 = plot.show_image(np.full((4, 5, 3), 2.0))  # out-of-range RGB is clipped, not an error
    assert ax2.images[0].get_array().max() == 1.0
    assert len(plt.get_fignums()) == 2


def test_show_image_draws_on_given_axes():
    fig, ax = plt.subplots()
    assert plot.show_image(np.zeros((3, 3)), ax=ax) is ax
    assert plt.get_fignums() == [fig.number]


@pytest.mark.parametrize("bad", [np.zeros((2, 3, 4)), np.zeros(5), np.zeros((2, 2, 2, 3))])
def test_show_image_rejects_bad_shapes(bad):
    with pytest.raises(ValueError, match=r"`image` must have shape \(H, W\) or \(H, W, 3\); got shape"):
        plot.show_image(bad)


def test_show_matrix_prints_every_number_with_readable_colour():
    values = np.array([[0, 255, 10], [200, 30, 128]])
    ax = plot.show_matrix(values, vmin=0, vmax=255)
    assert [t.get_text() for t in ax.texts] == ["0", "255", "10", "200", "30", "128"]
    colors = [t.get_color() for t in ax.texts]
    assert colors[:2] == ["white", "black"]  # white on black, black on white
    # each number sits at its cell's centre
    assert [t.get_position() for t in ax.texts[:3]] == [(0, 0), (1, 0), (2, 0)]


def test_show_matrix_skips_numbers_when_large():
    ax = plot.show_matrix(np.zeros((40, 40)))
    assert len(ax.texts) == 0


def test_show_matrix_custom_format():
    ax = plot.show_matrix(np.array([[0.25, -1.5]]), fmt="{:.2f}")
    assert [t.get_text() for t in ax.texts] == ["0.25", "\u22121.50"]


def test_show_kernel_is_symmetric_around_zero():
    ax = plot.show_kernel(np.array([[1.0, -3.0], [0.5, 2.0]]))
    assert ax.images[0].get_clim() == (-3.0, 3.0)
    assert ax.images[0].get_cmap().name == "RdBu_r"
    assert [t.get_text() for t in ax.texts] == ["1", "\u22123", "0.5", "2"]


def test_show_kernel_of_zeros_does_not_divide_by_zero():
    ax = plot.show_kernel(np.zeros((3, 3)))
    assert ax.images[0].get_clim() == (-1.0, 1.0)


def test_show_feature_map_centred_with_colorbar():
    ax = plot.show_feature_map(np.array([[-0.5, 2.0]]), colorbar=True, title="gx")
    assert ax.images[0].get_clim() == (-2.0, 2.0)
    assert len(ax.figure.axes) == 2  # map + colorbar


@pytest.mark.parametrize("kind", ["image", "kernel", "feature_map", "matrix"])
def test_show_grid_panels_and_titles(kind):
    images = [np.eye(3), -np.eye(3), np.ones((3, 3)), np.zeros((3, 3)), np.eye(3)]
    fig = plot.show_grid(images, titles=list("abcde"), ncols=3, kind=kind)
    assert [ax.get_title() for ax in fig.axes] == list("abcde")  # the sixth grid cell is removed
    assert len(plt.get_fignums()) == 1


def test_show_grid_errors():
    with pytest.raises(ValueError, match="`titles` must have one title per image"):
        plot.show_grid([np.eye(2)], titles=["a", "b"])
    with pytest.raises(ValueError, match="`kind` must be one of 'image'"):
        plot.show_grid([np.eye(2)], kind="photo")
    with pytest.raises(ValueError, match="`images` must contain at least one image"):
        plot.show_grid([])


def test_show_channels_four_panels():
    rgb = np.zeros((4, 5, 3))
    rgb[..., 1] = 1.0
    fig = plot.show_channels(rgb)
    assert len(fig.axes) == 4
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"`image` must have shape \(H, W, 3\)"):
        plot.show_channels(np.zeros((4, 5)))


def test_format_number():
    assert plot.format_number(7.0) == "7"
    assert plot.format_number(-0.25) == "\u22120.25"
    assert plot.format_number(-1e-12) == "0"


# ------------------------------------------------------------------ conv_step


@pytest.mark.parametrize("i, j, stride, padding", [
    (0, 0, 1, 0), (3, 3, 1, 0), (1, 2, 1, 0), (1, 2, 2, 1), (2, 0, 2, 1), (0, 3, 1, 2), (2, 2, 3, 3),
])
def test_conv_step_outlines_the_right_window(i, j, stride, padding):
    kernel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    fig = plot.conv_step(IMAGE6, kernel, i, j, stride=stride, padding=padding)
    axes = _axes_by_label(fig)
    assert list(axes) == ["input", "kernel", "product", "output"]

    window = _patch(axes["input"], "window")
    assert window.get_xy() == (j * stride - 0.5, i * stride - 0.5)
    assert (window.get_width(), window.get_height()) == (3, 3)
    current = _patch(axes["output"], "current")
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


def test_conv_step_marks_padding_cells():
    fig = plot.conv_step(IMAGE6, np.ones((3, 3)), 0, 0, padding=2, mode="replicate")
    ax = _axes_by_label(fig)["input"]
    outline = _patch(ax, "image")
    assert outline.get_xy() == (1.5, 1.5) and (outline.get_width(), outline.get_height()) == (6, 6)
    tint = ax.images[1].get_array()  # RGBA overlay: transparent over the image, tinted on padding
    assert tint.shape == (10, 10, 4)
    assert np.all(tint[2:8, 2:8, 3] == 0) and np.all(tint[:2, :, 3] > 0) and np.all(tint[:, -2:, 3] > 0)
    np.testing.assert_array_equal(ax.images[0].get_array(), filters.pad2d(IMAGE6, 2, mode="replicate"))


def test_conv_step_no_padding_has_no_tint():
    fig = plot.conv_step(IMAGE6, np.ones((3, 3)), 0, 0)
    ax = _axes_by_label(fig)["input"]
    assert len(ax.images) == 1 and not [p for p in ax.patches if p.get_gid() == "image"]


def test_conv_step_constant_mode_pads_with_ones_by_default():
    fig = plot.conv_step(IMAGE6, np.ones((3, 3)), 0, 0, padding=1, mode="constant")
    padded = _axes_by_label(fig)["input"].images[0].get_array()
    assert padded[0, 0] == 1.0 and padded[1, 1] == IMAGE6[0, 0]
    assert "constant 1" in _axes_by_label(fig)["input"].get_title()


def test_conv_step_rectangular_kernel_window():
    fig = plot.conv_step(IMAGE6, np.ones((2, 3)), 4, 1, stride=1)
    window = _patch(_axes_by_label(fig)["input"], "window")
    assert window.get_xy() == (0.5, 3.5)
    assert (window.get_width(), window.get_height()) == (3, 2)


def test_conv_step_progressive_hides_later_outputs():
    fig = plot.conv_step(IMAGE6, np.ones((3, 3)), 1, 2)
    shown = _axes_by_label(fig)["output"].images[0].get_array()
    flat = np.ma.getmaskarray(shown).ravel() | np.isnan(np.asarray(shown, dtype=float)).ravel()
    assert not flat[:1 * 4 + 2 + 1].any() and flat[1 * 4 + 2 + 1:].all()
    full = plot.conv_step(IMAGE6, np.ones((3, 3)), 1, 2, progressive=False)
    assert np.all(np.isfinite(_axes_by_label(full)["output"].images[0].get_array()))


def test_conv_step_numbers_only_for_small_inputs():
    small = plot.conv_step(IMAGE6, np.ones((3, 3)), 0, 0)
    assert len(_axes_by_label(small)["input"].texts) == 36
    big = plot.conv_step(np.zeros((20, 20)), np.ones((3, 3)), 0, 0)
    assert len(_axes_by_label(big)["input"].texts) == 0


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


# ------------------------------------------------------------------ padding_modes, filter_photo


def test_padding_modes_panels_and_values():
    image = np.arange(1.0, 10.0).reshape(3, 3)
    fig = plot.padding_modes(image, 1)
    axes = _axes_by_label(fig)
    assert list(axes) == ["zeros", "constant", "reflect", "replicate"]
    for mode, ax in axes.items():
        expected = filters.pad2d(image, 1, mode=mode, value=1.0 if mode == "constant" else 0.0)
        np.testing.assert_array_equal(ax.images[0].get_array(), expected)
        assert _patch(ax, "image").get_xy() == (0.5, 0.5)
    assert "constant (value 1)" in axes["constant"].get_title()


def test_padding_modes_explains_impossible_reflect():
    fig = plot.padding_modes(np.arange(6.0).reshape(2, 3), 2)
    ax = _axes_by_label(fig)["reflect"]
    assert len(ax.images) == 0 and "not possible" in ax.texts[0].get_text()
    assert _axes_by_label(fig)["replicate"].images[0].get_array().shape == (6, 7)


def test_filter_photo_panels():
    photo = np.random.default_rng(0).random((20, 30))
    kx, _ = filters.sobel_kernels()
    fig = plot.filter_photo(photo, kx, stride=2, padding=1, mode="reflect")
    axes = _axes_by_label(fig)
    out = axes["output"].images[0].get_array()
    np.testing.assert_allclose(out, filters.correlate2d(photo, kx, stride=2, padding=1, mode="reflect"))
    assert out.shape == (10, 15)
    assert axes["output"].images[0].get_cmap().name == "RdBu_r"  # signed kernel -> diverging
    blur = plot.filter_photo(photo, filters.mean_kernel(3))
    assert _axes_by_label(blur)["output"].images[0].get_cmap().name == "gray"
