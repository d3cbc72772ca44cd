"""Tests for cnncourse.plot.parameters: the layer table and dense vs conv weights per image side."""

import pytest

from cnncourse import plot
from cnncourse.ref import layer_specs


def cv(k, padding=0, stride=1):
    return {"type": "conv", "filters": 4, "kernel_size": k, "padding": padding, "stride": stride}


MAXPOOL = {"type": "maxpool", "kernel_size": 2}
RELU = {"type": "relu"}


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
    # the lecture CNN's convolutions: 7·9 + 11·7·9 + 3·11 = 789 weights at every side
    assert at("conv stack", 28) == at("conv stack", 256) == 7 * 9 + 11 * 7 * 9 + 3 * 11 == 789
    assert set(curves["conv stack"].get_ydata()) == {789}
    xs = list(curves["conv stack"].get_xdata())
    assert xs == sorted(set(range(8, 257, 8)) | {28})
    for side in (8, 100 // 8 * 8, 200):
        stack = [{"type": "flatten"}, {"type": "dense", "units": 20}, {"type": "dense", "units": 10}]
        expected = sum(w for _, w, _ in layer_specs.count_params(stack, (1, side, side)))
        assert at("dense: side\u00b2 \u2192 20 \u2192 10", side) == expected
    assert fig.axes[0].get_yscale() == "log"
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert {"15,880", "1,310,920", "7,840", "789"} <= set(texts)
    assert fig.axes[0].get_ylabel() == "weights (biases excluded), log scale"


def test_params_vs_image_side_with_biases_counts_every_parameter():
    fig = plot.params_vs_image_side(biases=True, sides=[28, 64])
    curves = _curves(fig)
    at = {label: dict(zip(line.get_xdata(), line.get_ydata())) for label, line in curves.items()}
    assert at["dense: side\u00b2 \u2192 10"] == {28: 7840 + 10, 64: 64 * 64 * 10 + 10, 256: 256 * 256 * 10 + 10}
    assert at["dense: side\u00b2 \u2192 20 \u2192 10"][28] == 15880 + 20 + 10
    # the lecture CNN's convolutions: (7·9 + 7) + (11·7·9 + 11) + (3·11 + 3) = 70 + 704 + 36
    assert set(at["conv stack"].values()) == {70 + 704 + 36} == {810}
    assert "810" in [t.get_text() for t in fig.axes[0].texts]
    assert fig.axes[0].get_ylabel() == "parameters (weights + biases), log scale"


def test_small_cnn_is_the_lecture_network_convolutions():
    """plot.SMALL_CNN + flatten + dense 10 gives the lecture's 810 conv parameters and 1,470-weight head."""
    stack = list(plot.SMALL_CNN) + [{"type": "flatten"}, {"type": "dense", "units": 10}]
    for side in (28, 256):
        rows = layer_specs.count_params(stack, (1, side, side))
        assert sum(w + b for _, w, b in rows[:-2]) == 810
    rows = layer_specs.count_params(stack, (1, 28, 28))
    assert rows[-2][0] == (147,) and rows[-1][1:] == (1470, 10)


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_params_vs_image_side_biases_must_be_a_bool(bad):
    with pytest.raises(TypeError, match="`biases` must be True or False"):
        plot.params_vs_image_side(biases=bad)


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
