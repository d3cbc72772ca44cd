"""cnncourse.ref.layer_specs against torch: output shapes, parameter counts of nn modules, receptive fields by autograd."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnncourse.ref import layer_specs


def test_conv_output_size_matches_torch_output_shape():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n, k = int(rng.integers(1, 30)), int(rng.integers(1, 8))
        s, p = int(rng.integers(1, 5)), int(rng.integers(0, 4))
        if k > n + 2 * p:
            with pytest.raises(ValueError, match="kernel_size"):
                layer_specs.conv_output_size(n, k, s, p)
            continue
        shape = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p).shape
        assert layer_specs.conv_output_size(n, k, s, p) == shape[-1]


def _torch_stack(layers, input_shape):
    modules, c = [], input_shape[0]
    for layer in layers:
        kind = layer["type"]
        if kind == "conv":
            modules.append(nn.Conv2d(c, layer["filters"], layer["kernel_size"], stride=layer.get("stride", 1),
                                     padding=layer.get("padding", 0)))
            c = layer["filters"]
        elif kind == "maxpool":
            modules.append(nn.MaxPool2d(layer["kernel_size"], layer.get("stride")))
        elif kind == "avgpool":
            modules.append(nn.AvgPool2d(layer["kernel_size"], layer.get("stride")))
        elif kind == "relu":
            modules.append(nn.ReLU())
        elif kind == "flatten":
            modules.append(nn.Flatten())
        else:
            modules.append(nn.LazyLinear(layer["units"]))
    return nn.Sequential(*modules)


STACKS = [
    ([{"type": "flatten"}, {"type": "dense", "units": 10}], (1, 28, 28)),
    ([{"type": "conv", "filters": 10, "kernel_size": 3}, {"type": "conv", "filters": 8, "kernel_size": 3}], (1, 28, 28)),
    ([{"type": "conv", "filters": 3, "kernel_size": 5, "padding": 2}, {"type": "relu"}, {"type": "maxpool", "kernel_size": 2},
      {"type": "conv", "filters": 3, "kernel_size": 3, "padding": 1}, {"type": "relu"}, {"type": "maxpool", "kernel_size": 2},
      {"type": "flatten"}, {"type": "dense", "units": 10}], (1, 28, 28)),
    ([{"type": "conv", "filters": 6, "kernel_size": 5, "stride": 2, "padding": 2}, {"type": "avgpool", "kernel_size": 3, "stride": 1},
      {"type": "flatten"}, {"type": "dense", "units": 4}], (3, 32, 30)),
]


@pytest.mark.parametrize("layers, input_shape", STACKS)
def test_count_params_matches_torch_modules(layers, input_shape):
    torch.manual_seed(0)
    model = _torch_stack(layers, input_shape)
    x = torch.zeros(1, *input_shape)
    rows = layer_specs.count_params(layers, input_shape)
    for module, (shape, weights, biases) in zip(model, rows):
        x = module(x)
        assert tuple(x.shape[1:]) == shape
        params = dict(module.named_parameters())
        assert weights == (params["weight"].numel() if "weight" in params else 0)
        assert biases == (params["bias"].numel() if "bias" in params else 0)


def test_course_figures():
    dense = [{"type": "flatten"}, {"type": "dense", "units": 20}, {"type": "relu"}, {"type": "dense", "units": 10}]
    total = lambda rows: sum(w for _, w, _ in rows)  # noqa: E731
    assert layer_specs.count_params(dense[:1] + [{"type": "dense", "units": 10}], (1, 28, 28))[1][1] == 7_840
    assert total(layer_specs.count_params(dense, (1, 28, 28))) == 15_880
    assert total(layer_specs.count_params(dense, (1, 256, 256))) == 1_310_920
    assert total(layer_specs.count_params(STACKS[1][0], (1, 28, 28))) == 810
    assert total(layer_specs.count_params(STACKS[1][0], (1, 256, 256))) == 810
    assert layer_specs.count_params(STACKS[2][0], (1, 28, 28))[-1][1] == 1_470


def _empirical_receptive_field(layers, side=40):
    """Side of the input region that influences one central output unit, found with autograd."""
    modules = []
    c = 1
    for layer in layers:
        if layer["type"] == "conv":
            m = nn.Conv2d(c, 1, layer["kernel_size"], stride=layer.get("stride", 1), padding=layer.get("padding", 0),
                          bias=False)
            nn.init.constant_(m.weight, 1.0)
            modules.append(m)
            c = 1
        elif layer["type"] in ("maxpool", "avgpool"):
            modules.append(nn.AvgPool2d(layer["kernel_size"], layer.get("stride")))  # same footprint as max
    x = torch.ones(1, 1, side, side, requires_grad=True)
    out = nn.Sequential(*modules)(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1))
    return int(rows.max() - rows.min() + 1)


@pytest.mark.parametrize("layers", [
    [{"type": "conv", "filters": 1, "kernel_size": 3}] * 3,
    [{"type": "conv", "filters": 1, "kernel_size": 3}, {"type": "maxpool", "kernel_size": 2},
     {"type": "conv", "filters": 1, "kernel_size": 3}],
    [{"type": "conv", "filters": 1, "kernel_size": 5, "stride": 2}, {"type": "conv", "filters": 1, "kernel_size": 3},
     {"type": "maxpool", "kernel_size": 3, "stride": 2}, {"type": "conv", "filters": 1, "kernel_size": 3}],
])
def test_receptive_field_matches_autograd(layers):
    assert layer_specs.receptive_field(layers)[-1][0] == _empirical_receptive_field(layers)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: layer_specs.count_params([{"type": "maxpool", "kernel_size": 2, "padding": 1}], (1, 4, 4)), ValueError,
     r"`layers\[0\]\['padding'\]` must be 0 for a pooling layer in this course; got 1\."),
    (lambda: layer_specs.count_params([{"type": "dense", "units": 3}], (1, 4, 4)), ValueError,
     r"`layers\[0\]` must follow a flatten layer .* Insert \{\"type\": \"flatten\"\} before it\."),
    (lambda: layer_specs.count_params([{"type": "convolution"}], (1, 4, 4)), ValueError,
     r"`layers\[0\]` must be a dict with 'type' one of 'conv', 'maxpool'"),
    (lambda: layer_specs.count_params([], (1, 28)), ValueError, r"`input_shape` must be a tuple \(C, H, W\)"),
    (lambda: layer_specs.count_params([{"type": "conv", "filters": 2, "kernel_size": 9}], (1, 4, 4)), ValueError,
     r"`layers\[0\]\['kernel_size'\]` must fit the input of side 4"),
    (lambda: layer_specs.receptive_field([{"type": "flatten"}]), ValueError,
     r"`layers\[0\]` must be a conv, pooling or activation layer; got 'flatten'\."),
    (lambda: layer_specs.receptive_field([{"type": "conv", "filters": 2}]), TypeError,
     r"`layers\[0\]\['kernel_size'\]` must be an integer >= 1; got NoneType None\."),
    (lambda: layer_specs.conv_output_size(6, 3, stride=0), ValueError, r"`stride` must be an integer >= 1; got 0\."),
    (lambda: layer_specs.conv_output_size(6, 3, padding=-1), ValueError, r"`padding` must be an integer >= 0; got -1\."),
    (lambda: layer_specs.conv_output_size(6.0, 3), TypeError, r"`n` must be an integer >= 1; got float 6\.0\. Pass"),
    (lambda: layer_specs.conv_output_size(3, 5), ValueError,
     r"`kernel_size` must be at most n \+ 2\*padding = 3; got 5\. Use a smaller kernel or more padding\."),
    (lambda: layer_specs.conv_output_size(True, 1), TypeError, r"`n` must be an integer"),
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
