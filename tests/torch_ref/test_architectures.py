"""cnncourse.torch_ref.architectures against torchvision's own blocks, nn.Conv2d and torch.utils.flop_counter.

Every block test builds the torchvision counterpart, copies the reference block's (randomized)
weights and batch-norm statistics into it through an explicit state-dict key mapping
(``load_state_dict(strict=True)``, so a missing or extra layer fails), and compares outputs,
the gradient of the input and of every parameter, and the updated running statistics, in train
and in eval mode, in float32 and float64.
"""

import importlib
import inspect
import itertools

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models import densenet, resnet, squeezenet

from cnncourse.ref import _guard
from cnncourse.torch_ref import architectures as ref

DTYPES = (torch.float32, torch.float64)
googlenet = importlib.import_module("torchvision.models.googlenet")  # the module; the attribute is the builder


def _randomize(module, seed=0):
    """Random weights, BN affine parameters and running statistics, so that no layer is an identity."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) * 1.5 + 0.5)
            elif name.endswith("weight") and t.ndim == 1:  # BN scale
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=gen) * 0.5)
    return module


def _mapped_state(mine, mapping):
    """``mine``'s state dict under torchvision's keys: ``mapping(key) -> (their_key, transform or None)``."""
    out = {}
    for key, t in mine.state_dict().items():
        their_key, transform = mapping(key)
        out[their_key] = transform(t) if transform else t
    return out


def _same_key(key):
    return key, None


def _compare(mine, theirs, mapping, x_shapes, dtype):
    """Load ``mine``'s weights into ``theirs``; compare forward, backward and BN statistics in both modes."""
    _randomize(mine)
    for mode in ("train", "eval"):
        for i, shape in enumerate(x_shapes):
            a, b = mine.to(dtype), theirs.to(dtype)
            b.load_state_dict(_mapped_state(a, mapping), strict=True)
            a.train(mode == "train")
            b.train(mode == "train")
            gen = torch.Generator().manual_seed(100 + i)
            x = torch.randn(shape, generator=gen, dtype=dtype)
            xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
            out_a, out_b = a(xa), b(xb)
            assert out_a.shape == out_b.shape, (mode, shape)
            torch.testing.assert_close(out_a, out_b, msg=lambda m, at=f"{mode} {tuple(shape)} {dtype}": f"{at}: {m}")
            r = torch.randn(out_a.shape, generator=gen, dtype=dtype)
            a.zero_grad()
            b.zero_grad()
            out_a.backward(r)
            out_b.backward(r)
            torch.testing.assert_close(xa.grad, xb.grad)
            their_params = dict(b.named_parameters())
            for name, p in a.named_parameters():
                their_key, transform = mapping(name)
                grad = transform(p.grad) if transform else p.grad
                torch.testing.assert_close(grad, their_params[their_key].grad, msg=lambda m, at=name: f"grad {at}: {m}")
            torch.testing.assert_close(_mapped_state(a, mapping), b.state_dict())  # running stats updated alike
    return mine


def _n_params(module):
    return sum(p.numel() for p in module.parameters())


# --- ResNet blocks -----------------------------------------------------------------------------------

def _downsample(c_in, c_out, stride):
    if stride == 1 and c_in == c_out:
        return None
    return nn.Sequential(resnet.conv1x1(c_in, c_out, stride), nn.BatchNorm2d(c_out))  # as ResNet._make_layer


def _shortcut_to_downsample(key):
    return key.replace("shortcut.", "downsample.", 1), None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c_in, c_out, stride", [(4, 4, 1), (4, 8, 1), (4, 8, 2), (6, 6, 2), (8, 4, 3)])
def test_residual_block_matches_torchvision_basic_block(c_in, c_out, stride, dtype):
    mine = ref.ResidualBlock(c_in, c_out, stride=stride)
    theirs = resnet.BasicBlock(c_in, c_out, stride=stride, downsample=_downsample(c_in, c_out, stride))
    _compare(mine, theirs, _shortcut_to_downsample, [(2, c_in, 8, 8), (3, c_in, 7, 5)], dtype)
    assert _n_params(mine) == _n_params(theirs)
    assert isinstance(mine.shortcut, nn.Identity) == (stride == 1 and c_in == c_out)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c_in, c_mid, c_out, stride, base_width", [
    (16, 4, 16, 1, 64),  # identity shortcut
    (8, 4, 16, 1, 64),  # projection: channels change
    (16, 4, 16, 2, 64),  # projection: stride
    (8, 3, 16, 2, 48),  # c_mid != c_out / 4: torchvision's width = planes * base_width / 64
])
def test_bottleneck_matches_torchvision_bottleneck(c_in, c_mid, c_out, stride, base_width, dtype):
    planes = c_out // resnet.Bottleneck.expansion
    mine = ref.Bottleneck(c_in, c_mid, c_out, stride=stride)
    theirs = resnet.Bottleneck(c_in, planes, stride=stride, downsample=_downsample(c_in, c_out, stride),
                               base_width=base_width)
    assert theirs.conv2.stride == (stride, stride) and theirs.conv1.out_channels == c_mid
    _compare(mine, theirs, _shortcut_to_downsample, [(2, c_in, 8, 8), (2, c_in, 5, 7)], dtype)
    assert _n_params(mine) == _n_params(theirs)


# --- Inception ---------------------------------------------------------------------------------------

_INCEPTION_BRANCHES = {"branch1.": "branch1.", "branch3x3.": "branch2.", "branch5x5.": "branch3.",
                       "branch_pool.": "branch4."}


def _inception_key(key):
    for mine, theirs in _INCEPTION_BRANCHES.items():
        if key.startswith(mine):
            return theirs + key[len(mine):], None
    raise KeyError(key)


INCEPTION_CONFIGS = [(8, 4, 4, 6, 2, 3, 2), (6, 2, 3, 4, 1, 2, 3), (192, 64, 96, 128, 16, 32, 32)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", INCEPTION_CONFIGS[:2])
def test_inception_with_a_3x3_in_the_5x5_branch_equals_torchvision(config, dtype):
    """torchvision's "5x5" branch is a 3x3 conv (kept for its weights): swap ours for one and compare everything."""
    mine = ref.Inception(*config)
    c5_reduce, c5 = config[4], config[5]
    assert mine.branch5x5[1].conv.kernel_size == (5, 5)
    mine.branch5x5[1].conv = nn.Conv2d(c5_reduce, c5, 3, padding=1, bias=False)
    theirs = googlenet.Inception(*config)
    assert theirs.branch3[1].conv.kernel_size == (3, 3)  # the torchvision bug this test works around
    _compare(mine, theirs, _inception_key, [(2, config[0], 6, 6), (3, config[0], 5, 7)], dtype)
    assert _n_params(mine) == _n_params(theirs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", INCEPTION_CONFIGS[:2])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_inception_5x5_branch(config, mode, dtype):
    """The real block: branches 1, 3x3 and pool equal torchvision's channel slices exactly; the 5x5 branch equals
    torchvision's 1x1 reduce followed by F.conv2d (5x5, padding 2), F.batch_norm (eps 0.001) and ReLU."""
    c_in, c1, _, c3, _, c5, pool_proj = config
    mine = _randomize(ref.Inception(*config)).to(dtype)
    theirs = googlenet.Inception(*config).to(dtype)
    state = _mapped_state(mine, _inception_key)
    w5 = state.pop("branch3.1.conv.weight")
    assert w5.shape == (c5, config[4], 5, 5)
    missing = theirs.load_state_dict(state, strict=False)
    assert missing.missing_keys == ["branch3.1.conv.weight"] and not missing.unexpected_keys
    mine.train(mode == "train")
    theirs.train(mode == "train")
    x = torch.randn(3, c_in, 7, 6, generator=torch.Generator().manual_seed(5), dtype=dtype)
    out = mine(x)
    assert out.shape == (3, c1 + c3 + c5 + pool_proj, 7, 6)
    with torch.no_grad():
        expected_other = torch.cat([theirs.branch1(x), theirs.branch2(x), theirs.branch4(x)], dim=1)
        bn = mine.branch5x5[1].bn
        reduced = theirs.branch3[0](x)
        expected_5x5 = F.relu(F.batch_norm(F.conv2d(reduced, w5, padding=2), state["branch3.1.bn.running_mean"],
                                           state["branch3.1.bn.running_var"], bn.weight, bn.bias,
                                           training=mode == "train", eps=0.001))
    got = out.detach()
    torch.testing.assert_close(torch.cat([got[:, :c1 + c3], got[:, c1 + c3 + c5:]], dim=1), expected_other)
    torch.testing.assert_close(got[:, c1 + c3:c1 + c3 + c5], expected_5x5)


@pytest.mark.parametrize("config", INCEPTION_CONFIGS)
def test_inception_counts_torchvision_plus_the_5x5_weights(config):
    mine, theirs = ref.Inception(*config), googlenet.Inception(*config)
    c5_reduce, c5 = config[4], config[5]
    assert _n_params(mine) == _n_params(theirs) + (25 - 9) * c5_reduce * c5
    assert all(m.eps == 0.001 for m in mine.modules() if isinstance(m, nn.BatchNorm2d))
    assert all(m.bias is None for m in mine.modules() if isinstance(m, nn.Conv2d))


# --- Squeeze-and-Excitation, Fire ----------------------------------------------------------------------

def _linear_to_conv1x1(key):
    if key.endswith("weight"):
        return key, lambda w: w[:, :, None, None]
    return key, None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels, reduction, squeeze", [(32, 16, 2), (8, 16, 1), (12, 4, 3), (5, 1, 5)])
def test_squeeze_excitation_matches_torchvision_ops(channels, reduction, squeeze, dtype):
    mine = ref.SqueezeExcitation(channels, reduction=reduction)
    theirs = torchvision.ops.SqueezeExcitation(channels, squeeze)
    assert mine.fc1.out_features == squeeze
    _compare(mine, theirs, _linear_to_conv1x1, [(2, channels, 5, 5), (3, channels, 4, 7)], dtype)
    assert _n_params(mine) == _n_params(theirs)


def test_squeeze_excitation_default_reduction_and_scaling():
    se = _randomize(ref.SqueezeExcitation(64))
    assert se.fc1.out_features == 4
    x = torch.randn(2, 64, 3, 3)
    with torch.no_grad():
        scale = se(x) / x
    assert (scale > 0).all() and (scale < 1).all()
    torch.testing.assert_close(scale, scale[:, :, :1, :1].expand_as(scale))  # one weight per channel and image


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", [(8, 2, 4, 4), (6, 3, 2, 5), (96, 16, 64, 64)])
def test_fire_matches_torchvision_squeezenet_fire(config, dtype):
    mine, theirs = ref.Fire(*config), squeezenet.Fire(*config)
    _compare(mine, theirs, _same_key, [(2, config[0], 6, 6), (1, config[0], 5, 3)], dtype)
    assert _n_params(mine) == _n_params(theirs)


# --- DenseNet ------------------------------------------------------------------------------------------

def _dense_layer_key(key):
    return key.replace("bn1.", "norm1.", 1).replace("bn2.", "norm2.", 1), None


def _dense_block_key(key):
    _, index, rest = key.split(".", 2)  # layers.{i}.{rest}
    return f"denselayer{int(index) + 1}." + _dense_layer_key(rest)[0], None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c_in, growth", [(4, 2), (6, 3), (16, 8)])
def test_dense_layer_matches_torchvision(c_in, growth, dtype):
    mine = ref.DenseLayer(c_in, growth)
    theirs = densenet._DenseLayer(c_in, growth, bn_size=4, drop_rate=0)
    _compare(mine, theirs, _dense_layer_key, [(2, c_in, 5, 5), (3, c_in, 4, 6)], dtype)
    assert _n_params(mine) == _n_params(theirs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_layers, c_in, growth", [(1, 4, 2), (3, 4, 2), (4, 6, 3)])
def test_dense_block_matches_torchvision(n_layers, c_in, growth, dtype):
    mine = ref.DenseBlock(n_layers, c_in, growth)
    theirs = densenet._DenseBlock(n_layers, c_in, bn_size=4, growth_rate=growth, drop_rate=0)
    _compare(mine, theirs, _dense_block_key, [(2, c_in, 5, 5), (2, c_in, 3, 6)], dtype)
    assert _n_params(mine) == _n_params(theirs)
    x = torch.randn(2, c_in, 4, 4, dtype=dtype)
    out = mine.eval()(x)
    assert out.shape == (2, c_in + n_layers * growth, 4, 4)
    torch.testing.assert_close(out[:, :c_in], x)  # the input is passed on unchanged


# --- counting ------------------------------------------------------------------------------------------

def _conv_configs():
    for c_in, c_out, kernel, bias, groups in itertools.product((1, 4, 6), (2, 6, 12), (1, 3, (3, 5), (1, 7), [2, 2]),
                                                               (True, False), (1, 2, 3, 6)):
        if c_in % groups == 0 and c_out % groups == 0:
            yield c_in, c_out, kernel, bias, groups


def test_conv_param_count_matches_nn_conv2d():
    configs = list(_conv_configs())
    assert len(configs) > 100
    for c_in, c_out, kernel, bias, groups in configs:
        conv = nn.Conv2d(c_in, c_out, tuple(kernel) if isinstance(kernel, list) else kernel, bias=bias, groups=groups)
        assert ref.conv_param_count(c_in, c_out, kernel, bias=bias, groups=groups) == _n_params(conv), \
            (c_in, c_out, kernel, bias, groups)


def _measured_receptive_field(convs, channels, size):
    """Width of the input region that the centre output of ``convs`` depends on (its gradient's support)."""
    x = torch.zeros(1, channels, size, size, requires_grad=True)
    out = convs(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    support = x.grad.abs().sum(dim=(0, 1)) > 0  # (H, W)
    return int(support.any(dim=0).sum()), int(support.any(dim=1).sum())


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("channels", [1, 3, 8])
def test_stacked_3x3_matches_conv_stacks(n, channels):
    stack = nn.Sequential(*[nn.Conv2d(channels, channels, 3) for _ in range(n)])
    single = nn.Conv2d(channels, channels, 2 * n + 1)
    with torch.no_grad():
        for p in [*stack.parameters(), *single.parameters()]:
            p.fill_(1.0)  # all positive: no gradient cancels, the support is the receptive field
    field, params_stacked, params_single = ref.stacked_3x3(n, channels)
    assert (field, field) == _measured_receptive_field(stack, channels, 4 * n + 3) \
        == _measured_receptive_field(single, channels, 4 * n + 3)
    assert params_stacked == _n_params(stack) and params_single == _n_params(single)
    assert params_stacked < params_single if n > 1 else params_stacked == params_single  # n=1: the same conv


def _counted_by_layer(model):
    """Parameters of ``model`` counted layer by layer: convs by conv_param_count, linear, batch norm."""
    total = 0
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            total += ref.conv_param_count(m.in_channels, m.out_channels, m.kernel_size, bias=m.bias is not None,
                                          groups=m.groups)
        elif isinstance(m, nn.Linear):
            total += m.in_features * m.out_features + (m.out_features if m.bias is not None else 0)
        elif isinstance(m, nn.BatchNorm2d):
            total += 2 * m.num_features
    return total


@pytest.mark.parametrize("builder, expected", [("resnet18", 11_689_512), ("vgg16", 138_357_544),
                                               ("mobilenet_v2", 3_504_872), ("resnet50", 25_557_032)])
def test_torchvision_totals_counted_layer_by_layer(builder, expected):
    with torch.device("meta"):  # shapes only: no memory, no initialization cost
        model = getattr(torchvision.models, builder)(weights=None)
    assert _counted_by_layer(model) == _n_params(model) == expected


class _SmallCNN(nn.Module):
    """Grouped, strided, dilated and depthwise convs, with and without bias, a linear layer called twice."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 12, 3, padding=1), nn.ReLU(),
            nn.Conv2d(12, 12, (3, 5), stride=2, padding=(1, 2), groups=3, bias=False), nn.BatchNorm2d(12), nn.ReLU(),
            nn.Conv2d(12, 12, 3, groups=12, dilation=2), nn.Conv2d(12, 8, 1), nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.fc = nn.Linear(32, 32)
        self.head = nn.Linear(32, 5, bias=False)

    def forward(self, x):
        return self.head(torch.relu(self.fc(self.fc(self.features(x)))))


def _flop_counter_total(model, input_shape):
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *input_shape))
    return counter.get_total_flops()


@pytest.mark.parametrize("builder, input_shape", [
    (_SmallCNN, (3, 16, 16)), (_SmallCNN, (3, 13, 9)),
    (lambda: torchvision.models.resnet18(weights=None), (3, 64, 64)),
    (lambda: torchvision.models.mobilenet_v2(weights=None), (3, 64, 48)),
    (lambda: ref.Inception(8, 4, 4, 6, 2, 3, 2), (8, 6, 6)),
    (lambda: nn.Sequential(ref.ResidualBlock(4, 8, stride=2), ref.SqueezeExcitation(8, 4), ref.Fire(8, 2, 3, 3),
                           ref.DenseBlock(2, 6, 2), ref.Bottleneck(10, 2, 8)), (4, 9, 9)),
])
def test_count_flops_is_half_of_torch_flop_counter(builder, input_shape):
    torch.manual_seed(0)
    model = builder()
    assert 2 * ref.count_flops(model, input_shape) == _flop_counter_total(model, input_shape)


def test_count_flops_by_hand_and_torchvision_documented_gflops():
    conv = nn.Conv2d(4, 6, 3, padding=1, groups=2)
    assert ref.count_flops(conv, (4, 5, 5)) == 6 * 5 * 5 * (2 * 3 * 3)  # per output position, not per weight
    with torch.device("meta"):
        r18, mnv2 = torchvision.models.resnet18(weights=None), torchvision.models.mobilenet_v2(weights=None)
    assert round(ref.count_flops(r18, (3, 224, 224)) / 1e9, 3) == torchvision.models.ResNet18_Weights.DEFAULT.meta["_ops"]
    assert (round(ref.count_flops(mnv2, (3, 224, 224)) / 1e9, 3)
            == torchvision.models.MobileNet_V2_Weights.DEFAULT.meta["_ops"])


def test_count_flops_leaves_the_model_as_it_was():
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.Flatten(), nn.Linear(12, 2)).double()
    model.train()
    model[1].eval()
    before = {k: t.clone() for k, t in model.state_dict().items()}
    assert ref.count_flops(model, [2, 4, 4]) == 3 * 2 * 2 * 18 + 2 * 12
    assert model.training and [m.training for m in model] == [True, False, True, True]
    torch.testing.assert_close(model.state_dict(), before)
    assert not model[0]._forward_hooks and not model[3]._forward_hooks
    assert ref.count_flops(nn.Flatten(), (3, 2)) == 0  # no parameters: float32 zeros on the CPU


# --- guard and errors ----------------------------------------------------------------------------------

def test_references_are_guarded_during_checks():
    with _guard.student_code():
        with pytest.raises(_guard.ReferenceCalledError, match="ResidualBlock.__init__ is the course's reference"):
            ref.ResidualBlock(2, 2)
        with pytest.raises(_guard.ReferenceCalledError):
            ref.count_flops(nn.Linear(2, 2), (2,))
        with pytest.raises(_guard.ReferenceCalledError):
            ref.conv_param_count(2, 2, 3)
    for obj in (ref.ResidualBlock, ref.Bottleneck, ref.Inception, ref.SqueezeExcitation, ref.Fire, ref.DenseLayer,
                ref.DenseBlock, ref.conv_param_count, ref.stacked_3x3, ref.count_flops):
        assert obj.is_reference
    assert isinstance(ref.Fire(4, 2, 2, 2), ref.Fire)  # still a class
    assert str(inspect.signature(ref.Bottleneck)) == "(c_in: int, c_mid: int, c_out: int, stride: int = 1)"


@pytest.mark.parametrize("call, error, text", [
    (lambda: ref.conv_param_count(4, 6, 3, groups=4), ValueError,
     "`groups` must divide both c_in (4) and c_out (6); got 4. Each group needs a whole number"),
    (lambda: ref.conv_param_count(4, 6, (3, 3, 3)), ValueError,
     "`kernel_size` must be an int or a pair (KH, KW); got (3, 3, 3). Pass an int such as 3, or a pair such as (3, 5)."),
    (lambda: ref.conv_param_count(4, 6, 3.0), TypeError, "`kernel_size` must be an integer >= 1; got float 3.0."),
    (lambda: ref.conv_param_count(4, 6, (3, 0)), ValueError, "`kernel_size[1]` must be an integer >= 1; got 0."),
    (lambda: ref.conv_param_count(4, 6, 3, bias=1), TypeError, "`bias` must be True or False; got int 1."),
    (lambda: ref.conv_param_count(0, 6, 3), ValueError, "`c_in` must be an integer >= 1; got 0."),
    (lambda: ref.stacked_3x3(0, 8), ValueError, "`n` must be an integer >= 1; got 0."),
    (lambda: ref.stacked_3x3(2, "8"), TypeError, "`channels` must be an integer >= 1; got str '8'."),
    (lambda: ref.ResidualBlock(4, 4, stride=0), ValueError, "`stride` must be an integer >= 1; got 0."),
    (lambda: ref.Bottleneck(4, 0, 4), ValueError, "`c_mid` must be an integer >= 1; got 0."),
    (lambda: ref.Inception(8, 4, 4, 6, 2, 3, 0), ValueError, "`pool_proj` must be an integer >= 1; got 0."),
    (lambda: ref.SqueezeExcitation(8, reduction=0), ValueError, "`reduction` must be an integer >= 1; got 0."),
    (lambda: ref.Fire(8, 2.5, 4, 4), TypeError, "`squeeze` must be an integer >= 1; got float 2.5."),
    (lambda: ref.DenseLayer(8, 0), ValueError, "`growth_rate` must be an integer >= 1; got 0."),
    (lambda: ref.DenseBlock(0, 8, 4), ValueError, "`n_layers` must be an integer >= 1; got 0."),
    (lambda: ref.count_flops("resnet18", (3, 8, 8)), TypeError,
     "`model` must be a torch nn.Module; got str. Pass the model itself"),
    (lambda: ref.count_flops(nn.Linear(2, 2), 2), TypeError,
     "`input_shape` must be a shape (a tuple of sizes); got int 2. Pass one input's shape without the batch axis"),
])
def test_error_messages(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)
