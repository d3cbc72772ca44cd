"""Tests for cnncourse.widgets: the explorer reacts to its controls, without a browser."""

import base64

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import widgets
from cnncourse.ref import filters, layer_specs

PHOTO = np.linspace(0.0, 1.0, 24 * 24).reshape(24, 24)  # small, so redraws are fast


@pytest.fixture
def spy(monkeypatch):
    """Record the arguments of every plot.conv_step call the explorer makes."""
    calls = []
    original = widgets.plot.conv_step

    def conv_step(image, kernel, i, j, **kwargs):
        calls.append({"image": image, "kernel": np.array(kernel), "i": i, "j": j, **kwargs})
        return original(image, kernel, i, j, **kwargs)

    monkeypatch.setattr(widgets.plot, "conv_step", conv_step)
    return calls


def _png(output_widget):
    (out,) = output_widget.outputs
    assert out["output_type"] == "display_data"
    return base64.b64decode(out["data"]["image/png"])


def test_conv_explorer_returns_a_box_with_both_views():
    box = widgets.conv_explorer(photo=PHOTO)
    assert isinstance(box, W.VBox)
    ex = box.explorer
    assert ex.preset.value == "sobel x"
    np.testing.assert_array_equal(ex.kernel(), filters.sobel_kernels()[0])
    assert _png(ex.step_output).startswith(b"\x89PNG")
    assert _png(ex.photo_output).startswith(b"\x89PNG")
    assert set(ex.preset.options) == {"identity", "mean 3x3", "sobel x", "sobel y", "sharpen", "laplacian",
                                      "custom"}
    assert (ex.stride.min, ex.stride.max, ex.padding.min, ex.padding.max) == (1, 3, 0, 3)
    assert plt.get_fignums() == []  # drawn figures are closed


def test_index_sliders_follow_the_output_size():
    ex = widgets.ConvExplorer(photo=PHOTO)  # 6x6 input, 3x3 kernel
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
    ex = widgets.ConvExplorer(photo=PHOTO)
    ex.row.value, ex.col.value = 3, 2
    ex.stride.value = 3  # (6 - 3) // 3 + 1 = 2 rows
    assert (ex.row.value, ex.col.value) == (1, 1)
    assert (spy[-1]["i"], spy[-1]["j"], spy[-1]["stride"]) == (1, 1, 3)


def test_every_change_redraws_with_current_settings(spy):
    ex = widgets.ConvExplorer(photo=PHOTO)
    before = ex.n_draws
    first = _png(ex.step_output)
    ex.padding.value = 1
    ex.mode.value = "constant (ones)"
    ex.row.value = 4
    assert ex.n_draws == before + 3
    last = spy[-1]
    assert (last["i"], last["padding"], last["mode"], last["value"]) == (4, 1, "constant", 1.0)
    assert _png(ex.step_output) != first
    assert plt.get_fignums() == []


def test_preset_fills_the_kernel_grid(spy):
    ex = widgets.ConvExplorer(photo=PHOTO)
    ex.preset.value = "mean 3x3"
    np.testing.assert_allclose(ex.kernel(), filters.mean_kernel(3))
    np.testing.assert_allclose(spy[-1]["kernel"], filters.mean_kernel(3))
    assert ex.preset.value == "mean 3x3"  # filling the grid does not switch to custom
    ex.preset.value = "sobel y"
    np.testing.assert_array_equal(spy[-1]["kernel"], filters.sobel_kernels()[1])


def test_editing_a_cell_switches_to_custom_and_reaches_the_figure(spy):
    ex = widgets.ConvExplorer(photo=PHOTO)
    before = _png(ex.step_output)
    ex.cells[1][1].value = 7.5
    assert ex.preset.value == "custom"
    expected = filters.sobel_kernels()[0].copy()
    expected[1, 1] = 7.5
    np.testing.assert_array_equal(spy[-1]["kernel"], expected)
    assert _png(ex.step_output) != before
    # choosing "custom" keeps the edited numbers
    ex.preset.value = "identity"
    ex.preset.value = "custom"
    assert ex.kernel()[1, 1] == 1.0


def test_photo_view_uses_the_same_kernel(monkeypatch):
    calls = []
    original = widgets.plot.filter_photo

    def filter_photo(image, kernel, **kwargs):
        calls.append((image.shape, np.array(kernel), kwargs))
        return original(image, kernel, **kwargs)

    monkeypatch.setattr(widgets.plot, "filter_photo", filter_photo)
    ex = widgets.ConvExplorer(photo=PHOTO, preset="laplacian")
    ex.stride.value = 2
    shape, kernel, kwargs = calls[-1]
    assert shape == (24, 24) and kwargs["stride"] == 2
    np.testing.assert_array_equal(kernel, widgets.kernel_presets()["laplacian"])


def test_invalid_settings_are_shown_not_raised():
    ex = widgets.ConvExplorer(image=np.arange(9.0).reshape(3, 3), photo=PHOTO)
    ex.mode.value = "reflect"
    ex.padding.value = 3  # reflect padding must be smaller than the image side
    assert ex.error is not None and "`padding` must be smaller" in ex.error
    (out,) = ex.step_output.outputs
    assert out["output_type"] == "stream" and "Cannot draw these settings" in out["text"]
    ex.padding.value = 1  # recovers
    assert ex.error is None
    assert _png(ex.step_output).startswith(b"\x89PNG")


def test_custom_image_and_bad_arguments():
    ex = widgets.ConvExplorer(image=np.zeros((8, 5)), photo=PHOTO)
    assert (ex.row.max, ex.col.max) == (5, 2)
    with pytest.raises(ValueError, match="`preset` must be one of 'identity'"):
        widgets.conv_explorer(preset="blur")
    with pytest.raises(ValueError, match=r"`image` must be a 2-D array of shape \(H, W\)"):
        widgets.conv_explorer(image=np.zeros((6, 6, 3)), photo=PHOTO)


def test_default_photo_is_the_camera_in_gray():
    ex = widgets.ConvExplorer()
    assert ex.photo.shape == (128, 128) and ex.photo_name == "camera"
