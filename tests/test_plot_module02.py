"""Tests for the module-02 helpers of cnncourse.plot: receptive-field map, parameter plot, tables."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnncourse import plot
from cnncourse.ref import activations, conv, filters, layer_specs, pool


def _patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def _patch(ax, gid):
    found = _patches(ax, gid)
    assert len(found) == 1, f"expected one patch with gid {gid!r}, found {len(found)}"
    return found[0]


def _box(patch):
    """(first row, last row, first col, last col) of a cell-aligned rectangle."""
    x, y = patch.get_xy()
    c0, r0 = int(round(x + 0.5)), int(round(y + 0.5))
    return r0, r0 + int(patch.get_height()) - 1, c0, c0 + int(patch.get_width()) - 1


def _axes_by_label(fig):
    return {ax.get_label(): ax for ax in fig.axes}


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
def test_receptive_field_map_highlights_the_right_input_region(layers, side, i, j, index, region, size, jump):
    fig = plot.receptive_field_map(layers, side, i, j, layer_index=index)
    axes = _axes_by_label(fig)
    assert _box(_patch(axes["input"], "region")) == region
    assert region == _brute_force_region(layers, side, i, j, index % len(layers))
    assert region[1] - region[0] + 1 == size == layer_specs.receptive_field(layers[:index % len(layers) + 1])[-1][0]
    title = fig._suptitle.get_text()
    assert f"receptive field {size}\u00d7{size}, jump {jump}" in title
    assert "padding" not in title
    assert not _patches(axes["input"], "region_full")
    assert len(plt.get_fignums()) == 1


def test_receptive_field_map_panels_unit_and_intermediate_regions():
    layers = [cv(3), MAXPOOL, cv(3)]
    fig = plot.receptive_field_map(layers, 16, 0, 4)
    axes = _axes_by_label(fig)
    assert list(axes) == ["input", "layer 0", "layer 1", "layer 2"]
    sides = [ax.images[0].get_array().shape[0] for ax in axes.values()]
    assert sides == [16, 14, 7, 5]  # from count_params
    assert _box(_patch(axes["layer 2"], "unit")) == (0, 0, 4, 4)
    assert _box(_patch(axes["layer 1"], "region")) == (0, 2, 4, 6)  # 3×3 window of the last conv
    assert _box(_patch(axes["layer 0"], "region")) == (0, 5, 8, 13)  # each pooled cell = 2×2 below
    assert not _patches(axes["layer 2"], "region")


def test_relu_panels_are_skipped_and_later_layers_fade():
    layers = [cv(3), RELU, cv(3), cv(3)]
    fig = plot.receptive_field_map(layers, 12, 1, 1, layer_index=1)  # the relu: same grid as layer 0
    axes = _axes_by_label(fig)
    assert list(axes) == ["input", "layer 0", "layer 2", "layer 3"]
    assert _box(_patch(axes["layer 0"], "unit")) == (1, 1, 1, 1)
    assert _box(_patch(axes["input"], "region")) == (1, 3, 1, 3)
    assert not axes["layer 2"].patches and not axes["layer 3"].patches
    assert axes["layer 3"].images[0].get_array().max() < 1.0  # drawn faded


def test_region_into_the_padding_is_clipped_and_said_in_the_title():
    layers = [cv(3, padding=1), cv(3, padding=1)]
    fig = plot.receptive_field_map(layers, 16, 0, 0)
    axes = _axes_by_label(fig)
    assert _box(_patch(axes["input"], "region")) == (0, 2, 0, 2)  # clipped to the image
    assert _box(_patch(axes["input"], "region_full")) == (-2, 2, -2, 2)  # the full 5×5 region
    assert _box(_patch(axes["layer 0"], "region")) == (0, 1, 0, 1)
    title = fig._suptitle.get_text()
    assert "receptive field 5\u00d75, jump 1" in title and "extends into the padding" in title
    assert "rows \u22122..2" in title.replace("-", "\u2212")
    assert axes["input"].get_xlim() == (-2.5, 17.5)  # room for the padding ring


def test_region_past_the_bottom_right_edge():
    fig = plot.receptive_field_map([cv(3, padding=1), MAXPOOL, cv(3, padding=1)], 16, 7, 7)
    input_ax = _axes_by_label(fig)["input"]
    # start = 7*jump - offset = 7*2 - (1 + 1*2) = 11; R = 8
    assert _box(_patch(input_ax, "region")) == (11, 15, 11, 15)
    assert _box(_patch(input_ax, "region_full")) == (11, 18, 11, 18)


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


# ------------------------------------------------------------------ parameters


def _curves(fig):
    return {line.get_label(): line for line in fig.axes[0].get_lines() if line.get_gid() == "curve"}


def test_params_vs_image_side_data_points_equal_count_params():
    fig = plot.params_vs_image_side()
    curves = _curves(fig)
    assert list(curves) == ["dense: side\u00b2 \u2192 10", "dense: side\u00b2 \u2192 20 \u2192 10", "conv stack"]

    def at(label, side):
        line = curves[label]
        return int(line.get_ydata()[list(line.get_xdata()).index(side)])

    assert at("dense: side\u00b2 \u2192 10", 28) == 7840
    assert at("dense: side\u00b2 \u2192 20 \u2192 10", 28) == 15880
    assert at("dense: side\u00b2 \u2192 20 \u2192 10", 256) == 1310920
    assert at("conv stack", 28) == at("conv stack", 256) == 810
    assert set(curves["conv stack"].get_ydata()) == {810}
    xs = list(curves["conv stack"].get_xdata())
    assert xs == sorted(set(range(8, 257, 8)) | {28})
    for side in (8, 100 // 8 * 8, 200):
        stack = [{"type": "flatten"}, {"type": "dense", "units": 20}, {"type": "dense", "units": 10}]
        expected = sum(w for _, w, _ in layer_specs.count_params(stack, (1, side, side)))
        assert at("dense: side\u00b2 \u2192 20 \u2192 10", side) == expected
    assert fig.axes[0].get_yscale() == "log"
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert {"15,880", "1,310,920", "7,840", "810"} <= set(texts)


def test_params_vs_image_side_custom_stacks():
    layers = [cv(5), MAXPOOL, cv(3)]  # 4*1*25 + 4*4*9 = 244 weights
    fig = plot.params_vs_image_side(dense_hidden=0, conv_layers=layers, sides=[16, 32], classes=5)
    curves = _curves(fig)
    assert list(curves) == ["dense: side\u00b2 \u2192 5", "conv stack"]
    assert list(curves["conv stack"].get_ydata()) == [244] * 4  # 16, 28, 32, 256
    assert list(curves["dense: side\u00b2 \u2192 5"].get_ydata()) == [s * s * 5 for s in (16, 28, 32, 256)]


def test_layer_table_seed_example_and_totals():
    layers = [{"type": "conv", "filters": 3, "kernel_size": 5, "padding": 2}, RELU, MAXPOOL,
              {"type": "conv", "filters": 3, "kernel_size": 3, "padding": 1}, RELU, MAXPOOL,
              {"type": "flatten"}, {"type": "dense", "units": 10}]
    lines = plot.layer_table(layers, (1, 28, 28)).splitlines()
    assert len(lines) == 2 + len(layers) + 1
    assert lines[1].split()[:2] == ["-", "input"]
    assert "3\u00d77\u00d77" in lines[7] and "147" in lines[8]
    assert lines[9].split()[-3:] == ["1,470", "10", "1,480"]
    assert lines[-1].split() == ["total", "1,626", "16", "1,642"]
    with pytest.raises(ValueError, match="follow a flatten layer"):
        plot.layer_table([{"type": "dense", "units": 3}], (1, 4, 4))


# ------------------------------------------------------------------ activations, filter bank, pooling


def test_activation_curves_use_the_references():
    x = np.linspace(-3, 3, 13)
    fig = plot.activation_curves(x, alpha=0.2)
    axes = _axes_by_label(fig)
    assert list(axes) == ["relu", "leaky_relu", "elu", "sigmoid", "tanh"]
    expected = {"relu": activations.relu(x), "leaky_relu": activations.leaky_relu(x, 0.2),
                "elu": activations.elu(x), "sigmoid": activations.sigmoid(x), "tanh": activations.tanh(x)}
    for name, ax in axes.items():
        np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), expected[name])


def test_activation_maps_panels():
    fmap = np.array([[-2.0, 0.0], [1.0, 4.0]])
    fig = plot.activation_maps(fmap, alpha=0.5, title="edges")
    axes = _axes_by_label(fig)
    np.testing.assert_array_equal(axes["relu"].images[0].get_array(), [[0, 0], [1, 4]])
    np.testing.assert_array_equal(axes["leaky_relu"].images[0].get_array(), [[-1, 0], [1, 4]])
    assert axes["relu"].images[0].get_clim() == (-4.0, 4.0)
    assert axes["sigmoid"].images[0].get_clim() == (-1.0, 1.0)
    assert fig._suptitle.get_text() == "edges"


def test_filter_bank_maps_equal_conv2d_forward():
    rng = np.random.default_rng(1)
    image = rng.random((10, 12, 3))
    w = rng.normal(size=(3, 3, 3, 3))
    b = np.array([0.0, 1.0, -1.0])
    fig = plot.filter_bank(image, w, b, names=["a", "b", "c"])
    axes = _axes_by_label(fig)
    out = conv.conv2d_forward(image.transpose(2, 0, 1)[None], w, b, padding=1)[0]
    for f in range(3):
        np.testing.assert_allclose(axes[f"map {f}"].images[0].get_array(), out[f])
        for c in range(3):
            np.testing.assert_array_equal(axes[f"kernel {f} {c}"].images[0].get_array(), w[f, c])
    with pytest.raises(ValueError, match=r"`image` must have shape \(H, W, 3\)"):
        plot.filter_bank(image[..., 0], w)
    with pytest.raises(ValueError, match="`names` must have one name per filter"):
        plot.filter_bank(image, w, names=["a"])


@pytest.mark.parametrize("k, stride, i, j", [(2, None, 1, 0), (2, None, 1, 1), (3, 2, 1, 0), (3, 1, 2, 2)])
def test_pool_step_window_and_outputs(k, stride, i, j):
    values = np.arange(25.0).reshape(5, 5) % 7
    fig = plot.pool_step(values, i, j, kernel_size=k, stride=stride)
    axes = _axes_by_label(fig)
    s = k if stride is None else stride
    assert _box(_patch(axes["input"], "window")) == (i * s, i * s + k - 1, j * s, j * s + k - 1)
    x = values[None, None]
    np.testing.assert_array_equal(axes["max"].images[0].get_array(), pool.max_pool2d_forward(x, k, stride)[0, 0])
    np.testing.assert_allclose(axes["avg"].images[0].get_array(), pool.avg_pool2d_forward(x, k, stride)[0, 0])
    assert ("overlap" in fig._suptitle.get_text()) == (s < k)
    with pytest.raises(ValueError, match="`i` must be an output row index"):
        plot.pool_step(values, 9, 0, kernel_size=k, stride=stride)


def test_sobel_filter_bank_sums_channels():
    """Sobel x on every channel equals 3 × Sobel x on the channel mean (linearity)."""
    kx, _ = filters.sobel_kernels()
    image = np.random.default_rng(2).random((8, 8, 3))
    w = np.stack([kx] * 3)[None]  # (1, 3, 3, 3)
    fig = plot.filter_bank(image, w)
    got = _axes_by_label(fig)["map 0"].images[0].get_array()
    np.testing.assert_allclose(got, 3 * filters.correlate2d(image.mean(axis=2), kx, padding=1))
