"""Tests for cnncourse.plot.receptive_field: the regions one unit sees, and the map that draws them."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import plot
from cnncourse.ref import conv, layer_specs, pool


def cv(k, padding=0, stride=1):
    return {"type": "conv", "filters": 4, "kernel_size": k, "padding": padding, "stride": stride}


MAXPOOL = {"type": "maxpool", "kernel_size": 2}
RELU = {"type": "relu"}


def _brute_force_region(layers, side, i, j, index):
    """Input pixels whose change moves unit (i, j) of layer `index`, by finite differences on a linear stack."""
    rng = np.random.default_rng(0)

    def forward(x):
        for layer in layers[:index + 1]:
            if layer["type"] == "conv":
                w = np.ones((1, 1, layer["kernel_size"], layer["kernel_size"]))
                x = conv.conv2d_forward(x, w, np.zeros(1), stride=layer.get("stride", 1),
                                        padding=layer.get("padding", 0))
            elif layer["type"] in ("maxpool", "avgpool"):  # avg: linear, same window as max
                x = pool.avg_pool2d_forward(x, layer["kernel_size"], layer.get("stride"))
        return x[0, 0, i, j]

    x = rng.random((1, 1, side, side))
    base = forward(x)
    seen = np.zeros((side, side), dtype=bool)
    for r in range(side):
        for c in range(side):
            y = x.copy()
            y[0, 0, r, c] += 1.0
            seen[r, c] = abs(forward(y) - base) > 1e-9
    rows, cols = np.nonzero(seen)
    return rows.min(), rows.max(), cols.min(), cols.max()


CASES = [  # layers, side, i, j, layer_index, expected input region (rows, cols), R, jump
    ([cv(3)], 8, 0, 0, -1, (0, 2, 0, 2), 3, 1),
    ([cv(3)], 8, 5, 2, 0, (5, 7, 2, 4), 3, 1),
    ([cv(3), cv(3)], 10, 1, 3, -1, (1, 5, 3, 7), 5, 1),
    ([cv(3), cv(3), cv(3)], 16, 2, 3, -1, (2, 8, 3, 9), 7, 1),
    ([cv(3), cv(3), cv(3)], 16, 2, 3, 1, (2, 6, 3, 7), 5, 1),
    ([cv(3), MAXPOOL, cv(3)], 16, 0, 4, -1, (0, 7, 8, 15), 8, 2),
    ([cv(3), MAXPOOL, cv(3)], 16, 3, 1, 1, (6, 9, 2, 5), 4, 2),
    ([cv(3), RELU, MAXPOOL, RELU, cv(3)], 16, 2, 2, -1, (4, 11, 4, 11), 8, 2),
    ([cv(5)], 12, 7, 0, -1, (7, 11, 0, 4), 5, 1),
    ([cv(3, stride=2), cv(3)], 15, 1, 2, -1, (2, 8, 4, 10), 7, 2),
]


@pytest.mark.parametrize("layers, side, i, j, index, region, size, jump", CASES)
def test_receptive_field_map_highlights_the_right_input_region(layers, side, i, j, index, region, size, jump, drawn):
    fig = plot.receptive_field_map(layers, side, i, j, layer_index=index)
    axes = drawn.axes(fig)
    assert drawn.box(drawn.patch(axes["input"], "region")) == region
    assert region == _brute_force_region(layers, side, i, j, index % len(layers))
    assert region[1] - region[0] + 1 == size == layer_specs.receptive_field(layers[:index % len(layers) + 1])[-1][0]
    title = fig._suptitle.get_text()
    assert f"receptive field {size}\u00d7{size}, jump {jump}" in title
    assert "padding" not in title
    assert not drawn.patches(axes["input"], "region_full")
    assert len(plt.get_fignums()) == 1


def test_receptive_field_map_panels_unit_and_intermediate_regions(drawn):
    layers = [cv(3), MAXPOOL, cv(3)]
    fig = plot.receptive_field_map(layers, 16, 0, 4)
    axes = drawn.axes(fig)
    assert list(axes) == ["input", "layer 0", "layer 1", "layer 2"]
    sides = [ax.images[0].get_array().shape[0] for ax in axes.values()]
    assert sides == [16, 14, 7, 5]  # from count_params
    assert drawn.box(drawn.patch(axes["layer 2"], "unit")) == (0, 0, 4, 4)
    assert drawn.box(drawn.patch(axes["layer 1"], "region")) == (0, 2, 4, 6)  # 3×3 window of the last conv
    assert drawn.box(drawn.patch(axes["layer 0"], "region")) == (0, 5, 8, 13)  # each pooled cell = 2×2 below
    assert not drawn.patches(axes["layer 2"], "region")


def test_relu_panels_are_skipped_and_later_layers_fade(drawn):
    layers = [cv(3), RELU, cv(3), cv(3)]
    fig = plot.receptive_field_map(layers, 12, 1, 1, layer_index=1)  # the relu: same grid as layer 0
    axes = drawn.axes(fig)
    assert list(axes) == ["input", "layer 0", "layer 2", "layer 3"]
    assert drawn.box(drawn.patch(axes["layer 0"], "unit")) == (1, 1, 1, 1)
    assert drawn.box(drawn.patch(axes["input"], "region")) == (1, 3, 1, 3)
    assert not axes["layer 2"].patches and not axes["layer 3"].patches
    assert axes["layer 3"].images[0].get_array().max() < 1.0  # drawn faded


def test_region_into_the_padding_is_clipped_and_said_in_the_title(drawn):
    layers = [cv(3, padding=1), cv(3, padding=1)]
    fig = plot.receptive_field_map(layers, 16, 0, 0)
    axes = drawn.axes(fig)
    assert drawn.box(drawn.patch(axes["input"], "region")) == (0, 2, 0, 2)  # clipped to the image
    assert drawn.box(drawn.patch(axes["input"], "region_full")) == (-2, 2, -2, 2)  # the full 5×5 region
    assert drawn.box(drawn.patch(axes["layer 0"], "region")) == (0, 1, 0, 1)
    title = fig._suptitle.get_text()
    assert "receptive field 5\u00d75, jump 1" in title and "extends into the padding" in title
    assert "rows \u22122..2" in title.replace("-", "\u2212")
    assert axes["input"].get_xlim() == (-2.5, 17.5)  # room for the padding ring


def test_region_past_the_bottom_right_edge(drawn):
    fig = plot.receptive_field_map([cv(3, padding=1), MAXPOOL, cv(3, padding=1)], 16, 7, 7)
    input_ax = drawn.axes(fig)["input"]
    # start = 7*jump - offset = 7*2 - (1 + 1*2) = 11; R = 8
    assert drawn.box(drawn.patch(input_ax, "region")) == (11, 15, 11, 15)
    assert drawn.box(drawn.patch(input_ax, "region_full")) == (11, 18, 11, 18)


def test_receptive_field_region_matches_the_formula():
    layers = [cv(3, padding=1), MAXPOOL, cv(3, padding=1), MAXPOOL, cv(3, padding=1)]
    sizes = layer_specs.receptive_field(layers)
    offset = 1 + 1 * 2 + 1 * 4  # padding of each conv times the jump before it
    for i, j in [(0, 0), (1, 3), (3, 2)]:
        region = plot.receptive_field_region(layers, 16, i, j)
        (_, _, rows, cols) = region[0]
        size, jump = sizes[-1]
        assert rows == (i * jump - offset, i * jump - offset + size - 1)
        assert cols == (j * jump - offset, j * jump - offset + size - 1)
        assert region[-1][2:] == ((i, i), (j, j))


@pytest.mark.parametrize("i, j, name", [(7, 0, "i"), (0, 9, "j")])
def test_receptive_field_map_rejects_units_outside_the_layer(i, j, name):
    with pytest.raises(ValueError) as info:
        plot.receptive_field_map([cv(3), MAXPOOL, cv(3)], 16, i, j, layer_index=1)  # 7×7 pooled map
    message = str(info.value)
    assert message.startswith(f"`{name}` must be an output ")
    assert "in 0..6" in message and f"; got {max(i, j)}." in message
    assert f"Pick {name} <= 6" in message
    assert plt.get_fignums() == []


def test_receptive_field_map_other_errors():
    with pytest.raises(ValueError, match="`i` must be an integer >= 0; got -1"):
        plot.receptive_field_map([cv(3)], 8, -1, 0)
    with pytest.raises(TypeError, match="`j` must be an integer >= 0"):
        plot.receptive_field_map([cv(3)], 8, 0, 1.5)
    with pytest.raises(ValueError, match=r"`layer_index` must be in -2\.\.1 \(the stack has 2 layers\); got 2"):
        plot.receptive_field_map([cv(3), cv(3)], 8, 0, 0, layer_index=2)
    with pytest.raises(ValueError, match="`layer_index` must be an integer >= -2"):
        plot.receptive_field_map([cv(3), cv(3)], 8, 0, 0, layer_index=-3)
    with pytest.raises(ValueError, match="`layers` must contain at least one layer"):
        plot.receptive_field_map([], 8, 0, 0)
    with pytest.raises(ValueError, match=r"`layers\[1\]` must be a conv, pooling or activation layer"):
        plot.receptive_field_map([cv(3), {"type": "flatten"}], 8, 0, 0)
    with pytest.raises(ValueError, match=r"`layers\[2\]\['kernel_size'\]` must fit the input"):
        plot.receptive_field_map([cv(3), cv(3), cv(5)], 8, 0, 0)
    assert plt.get_fignums() == []
