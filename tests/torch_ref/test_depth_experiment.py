"""cnncourse.torch_ref.depth_experiment: the CIFAR-style nets against torchvision's BasicBlock and a parameter
formula, the plain block's missing shortcut, errors, and the experiment's determinism."""

import math
import re

import numpy as np
import pytest
import torch
from torch import nn
from torchvision.models import resnet

from cnncourse.ref import _guard
from cnncourse.torch_ref import depth_experiment as de

# One torch thread (tests/conftest.py): bit-reproducible, and on a busy machine far faster than
# torch's default threads, whose waiting threads spin.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _n_params(module):
    return sum(p.numel() for p in module.parameters())


def _formula_params(depth, width, residual, n_classes=10, in_channels=1):
    """He et al.'s CIFAR net counted by hand: 3x3 convs without bias, BN (2 per channel), the linear head."""
    n = (depth - 2) // 6
    total = 9 * in_channels * width + 2 * width  # stem
    c_in = width
    for c in (width, 2 * width, 4 * width):
        for i in range(n):
            total += 9 * c_in * c + 9 * c * c + 4 * c  # two 3x3 convs, two BNs
            if residual and c_in != c:
                total += c_in * c + 2 * c  # projection: 1x1 conv + BN
            c_in = c
    return total + 4 * width * n_classes + n_classes


def _torchvision_net(depth, width, n_classes=10, in_channels=1):
    """The same residual net from torchvision's BasicBlock, with the downsample ResNet._make_layer gives it."""
    n = (depth - 2) // 6
    layers = [nn.Conv2d(in_channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    c_in = width
    for stage, c in enumerate((width, 2 * width, 4 * width)):
        for i in range(n):
            stride = 2 if stage and i == 0 else 1
            down = None
            if stride != 1 or c_in != c:
                down = nn.Sequential(resnet.conv1x1(c_in, c, stride), nn.BatchNorm2d(c))
            layers.append(resnet.BasicBlock(c_in, c, stride=stride, downsample=down))
            c_in = c
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * width, n_classes))


def _randomize(module, seed=0):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if t.is_floating_point():
                if name.endswith("running_var"):
                    t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
                else:
                    t.copy_(torch.randn(t.shape, generator=gen) * 0.3)
    return module


@pytest.mark.parametrize("depth", [8, 20, 56])
@pytest.mark.parametrize("width", [4, 8, 16])
def test_parameter_counts_follow_the_formula(depth, width):
    plain = de.cifar_style_net(depth, residual=False, width=width)
    res = de.cifar_style_net(depth, residual=True, width=width)
    assert _n_params(plain) == _formula_params(depth, width, residual=False)
    assert _n_params(res) == _formula_params(depth, width, residual=True)
    assert _n_params(res) - _n_params(plain) == 10 * width ** 2 + 12 * width
    assert _n_params(res) == _n_params(_torchvision_net(depth, width))


def test_documented_parameter_counts():
    counts = {(d, r): _n_params(de.cifar_style_net(d, residual=r)) for d in (20, 56) for r in (False, True)}
    assert counts == {(20, False): 67_906, (20, True): 68_642, (56, False): 214_402, (56, True): 215_138}
    assert _formula_params(56, 8, residual=False, n_classes=3, in_channels=3) == _n_params(
        de.cifar_style_net(56, residual=False, n_classes=3, in_channels=3))


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_residual_net_equals_torchvision_basic_blocks(mode):
    mine = _randomize(de.cifar_style_net(14, residual=True, width=4, n_classes=5, in_channels=3))
    theirs = _torchvision_net(14, width=4, n_classes=5, in_channels=3)
    flat = [m for part in mine for m in (part if isinstance(part, nn.Sequential) else [part])]
    state = {}
    for i, module in enumerate(flat):
        for key, t in module.state_dict().items():
            state[f"{i}.{key.replace('shortcut.', 'downsample.')}"] = t
    theirs.load_state_dict(state, strict=True)
    mine.train(mode == "train")
    theirs.train(mode == "train")
    x = torch.randn(3, 3, 15, 12, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(mine(x), theirs(x))


@pytest.mark.parametrize("residual", [False, True])
def test_shapes_of_every_stage(residual):
    net = de.cifar_style_net(8, residual=residual, width=6, n_classes=7, in_channels=3)
    shapes = {}
    for name in ("stem", "stage1", "stage2", "stage3"):
        getattr(net, name).register_forward_hook(lambda m, a, out, name=name: shapes.__setitem__(name, out.shape))
    out = net(torch.zeros(2, 3, 15, 14))
    assert out.shape == (2, 7)
    assert shapes == {"stem": (2, 6, 15, 14), "stage1": (2, 6, 15, 14), "stage2": (2, 12, 8, 7),
                      "stage3": (2, 24, 4, 4)}
    blocks = [b for s in (net.stage1, net.stage2, net.stage3) for b in s]
    assert [b.conv1.stride[0] for b in blocks] == [1, 2, 2]
    # by name: checks.fresh() in another test of this worker may have reloaded the module, making new classes
    assert all(type(b).__name__ == ("ResidualBlock" if residual else "PlainBlock") for b in blocks)


def test_plain_net_has_no_shortcut_and_only_3x3_convs():
    plain = de.cifar_style_net(20, residual=False)
    convs = [m for m in plain.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 19 and all(c.kernel_size == (3, 3) for c in convs)  # + the linear head = 20 layers
    assert not any("shortcut" in name for name, _ in plain.named_modules())
    res = de.cifar_style_net(20, residual=True)
    assert sum(m.kernel_size == (1, 1) for m in res.modules() if isinstance(m, nn.Conv2d)) == 2


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_zeroing_the_last_bn_of_every_block_silences_only_the_plain_net(mode):
    """Without shortcuts each block's output is relu(bn2(...)) = 0 once bn2's scale and shift are 0, so the
    logits no longer depend on the image; with shortcuts the image still reaches the head."""
    x = torch.randn(4, 1, 12, 12, generator=torch.Generator().manual_seed(0))
    for residual in (False, True):
        net = de.cifar_style_net(8, residual=residual).train(mode == "train")
        with torch.no_grad():
            for block in (b for s in (net.stage1, net.stage2, net.stage3) for b in s):
                block.bn2.weight.zero_()
                block.bn2.bias.zero_()
            out = net(x)
        spread = (out - out[:1]).abs().max().item()
        if residual:
            assert spread > 1e-3
        else:
            assert spread == 0.0
            torch.testing.assert_close(out, net.fc.bias.expand(4, -1))


def test_plain_block_is_a_reference():
    with _guard.student_code(), pytest.raises(_guard.ReferenceCalledError):
        de.PlainBlock(4, 4)


@pytest.mark.parametrize("depth, suggestion", [(21, "Use 20 or 26"), (2, "Use 8"), (57, "Use 56 or 62"),
                                               (0, "Use 8")])
def test_depth_must_be_6n_plus_2(depth, suggestion):
    with pytest.raises(ValueError, match=re.escape(f"`depth` must be 6n + 2 for an integer n >= 1 (8, 14, 20, 26, "
                                                   f"..., 56, ..., 110); got {depth}. {suggestion}:")):
        de.cifar_style_net(depth, residual=False)


@pytest.mark.parametrize("kwargs, error, text", [
    ({"depth": 20.0, "residual": False}, TypeError, "`depth` must be an integer; got float 20.0."),
    ({"depth": 20, "residual": 1}, TypeError, "`residual` must be True or False; got int 1."),
    ({"depth": 20, "residual": True, "width": 0}, ValueError, "`width` must be an integer >= 1; got 0."),
])
def test_other_net_errors(kwargs, error, text):
    with pytest.raises(error, match=re.escape(text)):
        de.cifar_style_net(**kwargs)


def test_smooth_losses_is_a_trailing_mean():
    losses = list(np.random.default_rng(0).random(30) * 3)
    window = 7
    expected = [np.mean(losses[max(0, i - window + 1):i + 1]) for i in range(30)]
    np.testing.assert_allclose(de.smooth_losses(losses, window=window), expected, rtol=1e-12)
    assert de.smooth_losses([], window=3) == []
    assert de.smooth_losses([2.0, 4.0], window=1) == [2.0, 4.0]
    with pytest.raises(ValueError, match=re.escape("`window` must be an integer >= 1; got 0.")):
        de.smooth_losses([1.0], window=0)
    with pytest.raises(TypeError, match=re.escape("`losses[1]` must be a real number; got str 'x'.")):
        de.smooth_losses([1.0, "x"])


def test_batches_are_reshuffled_epochs_without_repeats():
    batches = de._batch_indices(10, 4, steps=5, seed=3)
    assert [len(b) for b in batches] == [4] * 5
    for epoch in (batches[0:2], batches[2:4]):  # 2 full batches per epoch of 10; the last 2 images wait
        seen = torch.cat(epoch)
        assert len(set(seen.tolist())) == 8 and seen.max() < 10
    assert [b.tolist() for b in batches] == [b.tolist() for b in de._batch_indices(10, 4, steps=5, seed=3)]
    assert [b.tolist() for b in batches] != [b.tolist() for b in de._batch_indices(10, 4, steps=5, seed=4)]


def _tiny(**kwargs):
    args = {"configs": ["plain-8", "res-8"], "steps": 2, "n_images": 64, "batch_size": 32, "progress": False}
    return de.depth_experiment(**{**args, **kwargs})


def test_tiny_run_repeats_exactly_and_changes_with_the_seed():
    first, again, other = _tiny(), _tiny(), _tiny(seed=1)
    assert list(first) == ["plain-8", "res-8"]
    for name, record in first.items():
        assert set(record) == {"losses", "final_loss", "params", "cpu_seconds", "wall_seconds"}
        assert len(record["losses"]) == 2 and all(isinstance(x, float) for x in record["losses"])
        assert record["losses"] == again[name]["losses"]
        assert record["losses"] != other[name]["losses"]
        assert record["final_loss"] == pytest.approx(sum(record["losses"]) / 2)
        assert record["params"] == _n_params(de.cifar_style_net(8, residual=name.startswith("res")))
        assert record["wall_seconds"] > 0 and record["cpu_seconds"] >= 0
        assert all(0 < x < 10 for x in record["losses"])
    assert first["plain-8"]["losses"] != first["res-8"]["losses"]


def test_tiny_run_with_progress_and_28_pixel_images(capsys):
    out = _tiny(configs=["res-8"], steps=1, image_size=28, progress=True)
    assert len(out["res-8"]["losses"]) == 1
    assert "res-8" in capsys.readouterr().err  # tqdm writes its bar to stderr


@pytest.mark.parametrize("kwargs, error, text", [
    ({"configs": "plain-20"}, TypeError, "`configs` must be a non-empty list of net names; got 'plain-20'."),
    ({"configs": []}, TypeError, "`configs` must be a non-empty list of net names; got []."),
    ({"configs": ["resnet-20"]}, ValueError,
     "`configs` must name nets as 'plain-<depth>' or 'res-<depth>'; got 'resnet-20'."),
    ({"configs": ["res-21"]}, ValueError, "`depth` must be 6n + 2"),
    ({"configs": ["res-8", "res-8"]}, ValueError, "`configs` must name each net once; got 'res-8' twice."),
    ({"n_images": 5001}, ValueError, "`n_images` must be at most 5,000, the images of the course subset"),
    ({"image_size": 10}, ValueError, "`image_size` must be one of 28, 14, 7; got 10."),
    ({"steps": 0}, ValueError, "`steps` must be an integer >= 1; got 0."),
    ({"full": 1}, TypeError, "`full` must be True or False; got int 1."),
])
def test_experiment_errors(kwargs, error, text):
    with pytest.raises(error, match=re.escape(text)):
        _tiny(**kwargs)


def test_lecture_defaults_fit_the_subset():
    settings = de.LECTURE_SETTINGS
    assert settings["n_images"] <= 5000 and set(settings["configs"]) >= {"plain-20", "plain-56", "res-56"}
    assert settings["steps"] * settings["batch_size"] >= settings["n_images"]  # every image is seen


@pytest.mark.slow
def test_lecture_run_shows_degradation_and_its_fix():
    """The lecture's default run (~40 s): plain-56 trains clearly worse than plain-20; res-56 does not."""
    out = de.depth_experiment(progress=False)
    final = {name: record["final_loss"] for name, record in out.items()}
    assert final["plain-56"] > final["plain-20"] + 0.5
    assert final["res-56"] < final["plain-56"] - 0.5
    assert abs(final["res-56"] - final["plain-20"]) < 0.3
    assert all(math.isfinite(x) for x in final.values())
