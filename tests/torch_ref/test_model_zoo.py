"""cnncourse.torch_ref.model_zoo: meta-device counts against real CPU models and torchvision's documented figures."""

import re

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from torchvision import models

from cnncourse.torch_ref import model_zoo as zoo
from cnncourse.torch_ref.architectures import count_flops

# One torch thread (tests/conftest.py): bit-reproducible, and on a busy machine far faster than
# torch's default threads, whose waiting threads spin.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def rows():
    """Every default model, measured once for this module (~7 s)."""
    return {row["name"]: row for row in zoo.model_zoo()}


def _meta(name):
    return models.get_model_weights(name).IMAGENET1K_V1.meta


def test_every_default_model_is_listed_in_order_with_its_paper(rows):
    assert list(rows) == list(zoo.DEFAULT_MODELS)
    for name, row in rows.items():
        assert set(row) == {"name", "family", "year", "params", "gmacs", "image_size", "top1", "top5"}
        assert (row["family"], row["year"]) == zoo.PAPERS[name]
        assert 2012 <= row["year"] <= 2022


def test_params_equal_torchvisions_documented_counts(rows):
    for name, row in rows.items():
        assert row["params"] == _meta(name)["num_params"], name
    assert rows["resnet18"]["params"] == 11_689_512


def test_multiply_adds_match_torchvisions_documented_gflops(rows):
    """``_ops`` is rounded to 3 decimals; every default model agrees within that rounding (all to < 0.1 %)."""
    for name, row in rows.items():
        documented = _meta(name)["_ops"]
        assert row["gmacs"] == pytest.approx(documented, abs=6e-4, rel=1e-4), name
    assert rows["resnet18"]["gmacs"] == pytest.approx(1.814, abs=5e-4)
    assert rows["inception_v3"]["image_size"] == 299
    assert {row["image_size"] for name, row in rows.items() if name != "inception_v3"} == {224}


def test_accuracies_are_the_documented_ones(rows):
    for name, row in rows.items():
        metrics = _meta(name)["_metrics"]["ImageNet-1K"]
        assert (row["top1"], row["top5"]) == (metrics["acc@1"], metrics["acc@5"])
        assert 50 < row["top1"] < row["top5"] < 100
    assert rows["convnext_tiny"]["top1"] > rows["resnet50"]["top1"] > rows["alexnet"]["top1"]


@pytest.mark.parametrize("name", ["squeezenet1_1", "resnet18", "regnet_y_400mf"])
def test_meta_counts_equal_real_cpu_counts(name):
    """The meta device gives what real weights on the CPU give (regnet is built on the CPU and moved)."""
    meta_model = zoo.build_on_meta(name)
    assert next(meta_model.parameters()).is_meta
    torch.manual_seed(0)
    cpu_model = models.get_model(name, weights=None, **zoo._BUILD_ARGS.get(name, {})).eval()
    assert sum(p.numel() for p in meta_model.parameters()) == sum(p.numel() for p in cpu_model.parameters())
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        cpu_model(torch.zeros(1, 3, 128, 128))
    assert zoo.count_macs(meta_model, (1, 3, 128, 128)) == counter.get_total_flops() // 2
    assert cpu_model.training is False


@pytest.mark.parametrize("name", ["alexnet", "vgg16", "resnet50", "densenet121"])
def test_count_macs_agrees_with_the_hook_based_count_on_convnets(name):
    """count_flops (forward hooks on Conv2d and Linear) is an independent count of the same multiply-adds."""
    model = zoo.build_on_meta(name)
    assert zoo.count_macs(model, (1, 3, 224, 224)) == count_flops(model, (3, 224, 224))


def test_count_macs_restores_training_mode_and_counts_a_linear_layer():
    layer = torch.nn.Linear(5, 3).train()
    assert zoo.count_macs(layer, (4, 5)) == 4 * 5 * 3
    assert layer.training


def test_image_size_changes_the_count_not_the_params():
    small, = zoo.model_zoo(["resnet18"], image_size=112)
    default, = zoo.model_zoo(["resnet18"])
    assert small["params"] == default["params"] and small["image_size"] == 112
    assert 0.25 < small["gmacs"] / default["gmacs"] < 0.28  # a quarter of the pixels, rounded up at each stride 2


def test_a_model_outside_the_paper_table_has_no_family():
    row, = zoo.model_zoo(["wide_resnet50_2"])
    assert row["family"] is None and row["year"] is None and row["params"] == _meta("wide_resnet50_2")["num_params"]


def test_no_construction_warns():
    """pyproject makes warnings errors, so this fails if a constructor (googlenet's init_weights) warns."""
    for name in ("googlenet", "inception_v3"):
        zoo.build_on_meta(name)


@pytest.mark.parametrize("names, error, text", [
    ("resnet18", TypeError, "`names` must be a list of torchvision model names; got 'resnet18'."),
    (["resnet19"], ValueError, "`names` must hold torchvision classification models; got 'resnet19'."),
    (["fasterrcnn_resnet50_fpn"], ValueError, "`names` must hold torchvision classification models"),
    (["vit_h_14"], ValueError,
     "`names` must hold models with IMAGENET1K_V1 weights (their documented accuracy); got 'vit_h_14', whose weights"),
])
def test_name_errors(names, error, text):
    with pytest.raises(error, match=re.escape(text)):
        zoo.model_zoo(names)


def test_image_size_error():
    with pytest.raises(ValueError, match=re.escape("`image_size` must be an integer >= 1; got 0.")):
        zoo.model_zoo(["resnet18"], image_size=0)
