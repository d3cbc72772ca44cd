"""Tests for cnncourse.widgets.convolution: the explorer reacts to its controls, without a browser.

Tests of the state (slider ranges, settings, errors) build the explorer with ``render=False``, so
no PNG is rendered (that is what costs time); the tests that render check that what is drawn is
that state: ``update()`` draws ``settings()``.
"""

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import widgets
from cnncourse.ref import filters, layer_specs

PHOTO = np.linspace(0.0, 1.0, 24 * 24).reshape(24, 24)  # small, so redraws are fast


def test_conv_explorer_returns_a_box_with_both_views(png):
    box = widgets.conv_explorer(photo=PHOTO)
    assert isinstance(box, W.VBox)
    ex = box.explorer
    assert ex.render is True  # in JupyterLab every change redraws
    assert ex.preset.value == "sobel x"
    np.testing.assert_array_equal(ex.kernel(), filters.sobel_kernels()[0])
    assert png(ex.step_output).startswith(b"\x89PNG")
    assert png(ex.photo_output).startswith(b"\x89PNG")
    assert set(ex.preset.options) == {"identity", "mean 3x3", "sobel x", "sobel y", "sharpen", "laplacian",
                                      "custom"}
    assert (ex.stride.min, ex.stride.max, ex.padding.min, ex.padding.max) == (1, 3, 0, 3)
    assert plt.get_fignums() == []  # drawn figures are closed


def test_the_dropdown_lists_the_kernel_presets():
    assert widgets.PRESETS == tuple(widgets.kernel_presets()) + ("custom",)


def test_index_sliders_follow_the_output_size():
    ex = widgets.ConvExplorer(photo=PHOTO, render=False)  # 6x6 input, 3x3 kernel
    assert (ex.row.max, ex.col.max) == (3, 3)  # (6 - 3) // 1 + 1 = 4
    ex.stride.value = 2
    assert (ex.row.max, ex.col.max) == (1, 1)  # (6 - 3) // 2 + 1 = 2
    ex.padding.value = 3
    assert (ex.row.max, ex.col.max) == (4, 4)  # (6 + 2*3 - 3) // 2 + 1 = 5
    for stride, padding in [(1, 0), (1, 1), (2, 1), (3, 2), (3, 0)]:
        ex.stride.value, ex.padding.value = stride, padding
        n = layer_specs.conv_output_size(6, 3, stride, padding)
        assert (ex.row.max, ex.col.max) == (n - 1, n - 1), (stride, padding)


def test_index_value_is_clamped_when_the_output_shrinks(spy):
    calls = spy("conv_step")
    ex = widgets.ConvExplorer(photo=PHOTO, render=False)
    ex.row.value, ex.col.value = 3, 2
    ex.stride.value = 3  # (6 - 3) // 3 + 1 = 2 rows
    assert (ex.row.value, ex.col.value) == (1, 1)
    assert (ex.settings()["i"], ex.settings()["j"], ex.settings()["stride"]) == (1, 1, 3)
    assert calls == []  # nothing drawn so far
    ex.render = True
    ex.update()
    assert (calls[-1]["i"], calls[-1]["j"], calls[-1]["stride"]) == (1, 1, 3)


def test_every_change_redraws_with_current_settings(spy, png):
    calls = spy("conv_step")
    ex = widgets.ConvExplorer(photo=PHOTO)
    before = ex.n_draws
    first = png(ex.step_output)
    ex.padding.value = 1
    ex.mode.value = "constant (ones)"
    ex.row.value = 4
    assert ex.n_draws == before + 3
    last = calls[-1]
    assert (last["i"], last["padding"], last["mode"], last["value"]) == (4, 1, "constant", 1.0)
    settings = ex.settings()
    assert {k: last[k] for k in settings if k != "kernel"} == {k: val for k, val in settings.items() if k != "kernel"}
    np.testing.assert_array_equal(last["kernel"], settings["kernel"])
    assert png(ex.step_output) != first
    assert plt.get_fignums() == []


def test_preset_fills_the_kernel_grid(spy):
    calls = spy("conv_step")
    ex = widgets.ConvExplorer(photo=PHOTO, render=False)
    ex.preset.value = "mean 3x3"
    np.testing.assert_allclose(ex.kernel(), filters.mean_kernel(3))
    np.testing.assert_allclose(ex.settings()["kernel"], filters.mean_kernel(3))
    assert ex.preset.value == "mean 3x3"  # filling the grid does not switch to custom
    ex.preset.value = "sobel y"
    ex.render = True
    ex.update()
    np.testing.assert_array_equal(calls[-1]["kernel"], filters.sobel_kernels()[1])


def test_editing_a_cell_switches_to_custom_and_reaches_the_figure(spy, png):
    calls = spy("conv_step")
    ex = widgets.ConvExplorer(photo=PHOTO)
    before = png(ex.step_output)
    ex.cells[1][1].value = 7.5
    assert ex.preset.value == "custom"
    expected = filters.sobel_kernels()[0].copy()
    expected[1, 1] = 7.5
    np.testing.assert_array_equal(calls[-1]["kernel"], expected)
    assert png(ex.step_output) != before


def test_choosing_custom_keeps_the_edited_numbers():
    ex = widgets.ConvExplorer(photo=PHOTO, render=False)
    ex.cells[1][1].value = 7.5
    assert ex.preset.value == "custom"
    ex.preset.value = "identity"
    ex.preset.value = "custom"
    assert ex.kernel()[1, 1] == 1.0


def test_photo_view_uses_the_same_kernel(spy):
    calls = spy("filter_photo")
    ex = widgets.ConvExplorer(photo=PHOTO, preset="laplacian")
    ex.stride.value = 2
    last = calls[-1]
    assert last["image"].shape == (24, 24) and last["stride"] == 2
    np.testing.assert_array_equal(last["kernel"], widgets.kernel_presets()["laplacian"])


def test_invalid_settings_are_shown_not_raised(png):
    ex = widgets.ConvExplorer(image=np.arange(9.0).reshape(3, 3), photo=PHOTO, render=False)
    ex.mode.value = "reflect"
    ex.padding.value = 3  # reflect padding must be smaller than the image side
    assert ex.error is not None and "`padding` must be smaller" in ex.error
    (out,) = ex.step_output.outputs
    assert out["output_type"] == "stream" and "Cannot draw these settings" in out["text"]
    ex.render = True
    ex.padding.value = 1  # recovers
    assert ex.error is None
    assert png(ex.step_output).startswith(b"\x89PNG")


def test_without_render_nothing_is_drawn_until_asked(png):
    ex = widgets.ConvExplorer(photo=PHOTO, render=False)
    ex.stride.value = 2
    ex.preset.value = "sharpen"
    assert ex.n_draws == 3 and ex.error is None
    assert ex.step_output.outputs == () and ex.photo_output.outputs == ()
    ex.render = True
    ex.update()
    assert png(ex.step_output).startswith(b"\x89PNG") and png(ex.photo_output).startswith(b"\x89PNG")
    assert plt.get_fignums() == []


def test_custom_image_and_bad_arguments():
    ex = widgets.ConvExplorer(image=np.zeros((8, 5)), photo=PHOTO, render=False)
    assert (ex.row.max, ex.col.max) == (5, 2)
    with pytest.raises(ValueError, match="`preset` must be one of 'identity'"):
        widgets.conv_explorer(preset="blur")
    with pytest.raises(ValueError, match=r"`image` must be a 2-D array of shape \(H, W\)"):
        widgets.conv_explorer(image=np.zeros((6, 6, 3)), photo=PHOTO)


def test_default_photo_is_the_camera_in_gray():
    ex = widgets.ConvExplorer(render=False)
    assert ex.photo.shape == (128, 128) and ex.photo_name == "camera"
