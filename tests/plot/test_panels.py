"""Tests for cnncourse.plot.panels: images, number grids, kernels, feature maps, grids of panels."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import plot


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
