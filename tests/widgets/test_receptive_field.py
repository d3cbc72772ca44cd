"""Tests for cnncourse.widgets.receptive_field: the explorer reacts to its controls, without a browser.

As for the convolution explorer, state tests use ``render=False`` and a few tests render to check
that the map drawn is the current state.
"""

import ipywidgets as W
import matplotlib.pyplot as plt
import pytest

from cnncourse import widgets
from cnncourse.ref import layer_specs

THREE = "three 3\u00d73 convs (= 7\u00d77)"
POOLED = "3\u00d73 conv + 2\u00d72 max-pool + 3\u00d73 conv"


def test_explorer_returns_a_box_and_draws_once(png):
    box = widgets.receptive_field_explorer()
    assert isinstance(box, W.VBox)
    ex = box.explorer
    assert ex.render is True
    assert ex.preset.options == widgets.RF_PRESETS
    assert widgets.RF_PRESETS == ("one 3\u00d73 conv", "two 3\u00d73 convs (= 5\u00d75)", THREE, POOLED,
                                  "one 5\u00d75 conv")
    assert ex.preset.value == THREE and ex.layer.value == ex.layer.max == 2
    assert (ex.row.max, ex.col.max) == (9, 9)  # 16 - 3*2 = 10
    assert png(ex.output).startswith(b"\x89PNG")
    assert ex.n_draws == 1 and ex.error is None
    assert plt.get_fignums() == []  # drawn figures are closed


def test_presets_give_the_promised_receptive_fields():
    fields = {name: layer_specs.receptive_field(layers)[-1] for name, layers in
              widgets.receptive_field_presets().items()}
    assert list(fields.values()) == [(3, 1), (5, 1), (7, 1), (8, 2), (5, 1)]


def test_preset_change_resets_layer_and_sliders(spy):
    calls = spy("receptive_field_map")
    ex = widgets.ReceptiveFieldExplorer(render=False)
    ex.preset.value = POOLED
    assert (ex.layer.max, ex.layer.value) == (2, 2)
    assert (ex.row.max, ex.col.max) == (4, 4)  # 16 -> 14 -> 7 -> 5
    settings = ex.settings()
    assert [layer["type"] for layer in settings["layers"]] == ["conv", "maxpool", "conv"]
    assert settings["layer_index"] == 2 and settings["input_side"] == 16
    ex.preset.value = "one 5\u00d75 conv"
    assert (ex.layer.max, ex.row.max) == (0, 11)
    assert calls == []
    ex.render = True
    ex.update()
    assert calls[-1]["layers"][0]["kernel_size"] == 5


def test_sliders_reach_the_figure(spy, png):
    calls = spy("receptive_field_map")
    ex = widgets.ReceptiveFieldExplorer()
    before, draws = png(ex.output), ex.n_draws
    ex.row.value = 0
    ex.col.value = 7
    assert ex.n_draws == draws + 2
    assert (calls[-1]["i"], calls[-1]["j"], calls[-1]["layer_index"]) == (0, 7, 2)
    assert calls[-1] == ex.settings()
    assert png(ex.output) != before
    assert plt.get_fignums() == []


def test_layer_slider_follows_the_output_size(spy):
    calls = spy("receptive_field_map")
    ex = widgets.ReceptiveFieldExplorer(render=False)
    ex.preset.value = POOLED
    ex.row.value, ex.col.value = 4, 4
    ex.layer.value = 0  # conv output 14×14: the unit stays valid
    assert (ex.row.max, ex.col.max) == (13, 13) and (ex.row.value, ex.col.value) == (4, 4)
    ex.row.value = 13
    ex.layer.value = 1  # pooled 7×7: row clamped
    assert ex.row.max == 6 and ex.row.value == 6
    assert (ex.settings()["i"], ex.settings()["layer_index"]) == (6, 1)
    assert ex.error is None
    ex.render = True
    ex.update()
    assert (calls[-1]["i"], calls[-1]["layer_index"]) == (6, 1)


def test_same_padding_checkbox_pads_every_conv(spy, png):
    calls = spy("receptive_field_map")
    ex = widgets.ReceptiveFieldExplorer(render=False)
    ex.same_padding.value = True
    assert ex.row.max == 15  # 3×3 convs with padding 1 keep 16×16
    assert [layer["padding"] for layer in ex.settings()["layers"]] == [1, 1, 1]
    ex.row.value, ex.col.value = 0, 0
    ex.render = True
    ex.update()
    assert ex.error is None and png(ex.output).startswith(b"\x89PNG")
    assert [layer["padding"] for layer in calls[-1]["layers"]] == [1, 1, 1]
    ex.render = False
    ex.same_padding.value = False
    assert [layer["padding"] for layer in ex.settings()["layers"]] == [0, 0, 0]
    # the presets themselves are not modified
    assert all(layer.get("padding", 0) == 0 for layer in widgets.receptive_field_presets()[THREE])


def test_custom_layers_and_input_side():
    layers = [{"type": "conv", "filters": 2, "kernel_size": 3, "stride": 2}, {"type": "relu"},
              {"type": "conv", "filters": 2, "kernel_size": 3}]
    ex = widgets.ReceptiveFieldExplorer(layers=layers, input_side=11, render=False)
    assert ex.preset.options[0] == "custom" and ex.preset.value == "custom"
    assert ex.layer.max == 2 and ex.row.max == 2  # 11 -> 5 -> 5 -> 3
    ex.layer.value = 1
    assert ex.row.max == 4
    ex.preset.value = "one 3\u00d73 conv"
    assert ex.row.max == 8


def test_stack_too_deep_for_the_input_is_shown_not_raised(png):
    ex = widgets.ReceptiveFieldExplorer(input_side=6, render=False)  # three 3×3 convs: 6 -> 4 -> 2 -> 0
    assert ex.error is not None and "must fit the input" in ex.error
    (out,) = ex.output.outputs
    assert out["output_type"] == "stream" and "Cannot draw these settings" in out["text"]
    ex.render = True
    ex.preset.value = "one 3\u00d73 conv"  # recovers
    assert ex.error is None and png(ex.output).startswith(b"\x89PNG")


def test_without_render_nothing_is_drawn_until_asked(png):
    ex = widgets.ReceptiveFieldExplorer(render=False)
    ex.row.value = 3
    assert ex.n_draws == 2 and ex.output.outputs == ()
    ex.render = True
    ex.update()
    assert png(ex.output).startswith(b"\x89PNG") and plt.get_fignums() == []


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"`layers\[0\]` must be a dict with 'type'"):
        widgets.receptive_field_explorer(layers=[{"type": "pool"}])
    with pytest.raises(ValueError, match=r"`layers\[1\]` must be a conv, pooling or activation layer"):
        widgets.receptive_field_explorer(layers=[{"type": "conv", "filters": 1, "kernel_size": 3},
                                                 {"type": "flatten"}])
    with pytest.raises(ValueError, match="`input_side` must be an integer >= 1"):
        widgets.receptive_field_explorer(input_side=0)
