"""Module-02 references against independent oracles: torch.nn.functional, nn modules, autograd."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnncourse.ref import activations, conv, layer_specs, layers, pool


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


@pytest.mark.parametrize("impl", [conv.conv2d_forward, conv.conv2d_forward_naive])
def test_conv2d_matches_torch(impl):
    rng = np.random.default_rng(0)
    for _ in range(40):
        n, c, f = (int(v) for v in rng.integers(1, 4, size=3))
        h, w = (int(v) for v in rng.integers(3, 11, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        s, p = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        x, wt, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
        expected = F.conv2d(_t(x), _t(wt), _t(b), stride=s, padding=p).numpy()
        np.testing.assert_allclose(impl(x, wt, b, stride=s, padding=p), expected, rtol=1e-10, atol=1e-12)


def test_conv2d_float32_stays_float32():
    x, w, b = np.ones((1, 2, 4, 4), np.float32), np.ones((3, 2, 3, 3), np.float32), np.zeros(3, np.float32)
    assert conv.conv2d_forward(x, w, b).dtype == np.float32
    assert conv.conv2d_forward(x, w.astype(np.float64), b).dtype == np.float64


@pytest.mark.parametrize("ours, theirs", [
    (activations.relu, torch.relu),
    (lambda x: activations.leaky_relu(x, alpha=0.2), lambda t: F.leaky_relu(t, 0.2)),
    (lambda x: activations.elu(x, alpha=1.5), lambda t: F.elu(t, 1.5)),
    (activations.sigmoid, torch.sigmoid),
    (activations.tanh, torch.tanh),
])
def test_activations_match_torch_without_overflow_warnings(ours, theirs):
    x = np.concatenate([np.random.default_rng(1).normal(size=200) * 5, [-1000.0, -710.0, -1.0, 0.0, 1.0, 710.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning fails the test
        got = ours(x)
        got32 = ours(x.astype(np.float32))
    np.testing.assert_allclose(got, theirs(_t(x)).numpy(), rtol=1e-12, atol=1e-15)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, theirs(_t(x.astype(np.float32))).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ours, theirs", [(pool.max_pool2d_forward, F.max_pool2d), (pool.avg_pool2d_forward, F.avg_pool2d)])
def test_pooling_matches_torch(ours, theirs):
    rng = np.random.default_rng(2)
    for _ in range(40):
        x = rng.normal(size=(int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(3, 12)), int(rng.integers(3, 12))))
        k = int(rng.integers(1, min(x.shape[2:]) + 1))
        s = None if rng.random() < 0.4 else int(rng.integers(1, 4))
        expected = theirs(_t(x), kernel_size=k, stride=s).numpy()
        np.testing.assert_allclose(ours(x, kernel_size=k, stride=s), expected, rtol=1e-12)


def test_avg_pool_as_conv_equals_avg_pool():
    x = np.random.default_rng(3).normal(size=(2, 3, 9, 7))
    for k in (1, 2, 3):
        np.testing.assert_allclose(pool.avg_pool_as_conv(x, k), F.avg_pool2d(_t(x), k).numpy(), rtol=1e-12)


def test_flatten_matches_torch_flatten():
    x = np.random.default_rng(4).normal(size=(3, 2, 4, 5))
    np.testing.assert_array_equal(layers.flatten_forward(x), torch.flatten(_t(x), 1).numpy())


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
    (lambda: conv.conv2d_forward(np.zeros((3, 4, 4)), np.zeros((1, 3, 3, 3)), np.zeros(1)), ValueError,
     r"`x` must be a 4-D array of shape \(N, C, H, W\); got shape \(3, 4, 4\)\. For one image"),
    (lambda: conv.conv2d_forward(np.zeros((1, 3, 4, 4)), np.zeros((2, 2, 3, 3)), np.zeros(2)), ValueError,
     r"`w` must have C = 3 input channels to match x"),
    (lambda: conv.conv2d_forward(np.zeros((1, 3, 4, 4)), np.zeros((2, 3, 3, 3)), np.zeros(3)), ValueError,
     r"`b` must have one bias per filter, shape \(2,\); got shape \(3,\)\."),
    (lambda: conv.conv2d_forward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)), np.zeros(1)), ValueError,
     r"`w` must fit inside the padded input \(2 x 2\); got kernel 3 x 3\."),
    (lambda: layers.flatten_forward([1, 2]), TypeError, r"`x` must be a numpy array of shape \(N, \.\.\.\); got list\."),
    (lambda: layers.flatten_forward(np.array(1.0)), ValueError, r"`x` must be an array with a batch axis first"),
    (lambda: layer_specs.count_params([{"type": "maxpool", "kernel_size": 2, "padding": 1}], (1, 4, 4)), ValueError,
     r"`layers\[0\]\['padding'\]` must be 0 for a pooling layer in this course; got 1\."),
    (lambda: activations.relu("x"), TypeError, r"`x` must be a numpy array; got str\."),
    (lambda: activations.leaky_relu(np.zeros(2), alpha="a"), TypeError, r"`alpha` must be a real number"),
    (lambda: pool.max_pool2d_forward(np.zeros((1, 1, 2, 2)), kernel_size=3), ValueError,
     r"`kernel_size` must be at most the input's height and width \(2, 2\); got 3\."),
    (lambda: pool.avg_pool2d_forward(np.zeros((1, 1, 4, 4)), stride=0), ValueError, r"`stride` must be an integer >= 1"),
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
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
