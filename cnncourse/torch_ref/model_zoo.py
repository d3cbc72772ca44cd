"""Module 05's model zoo: parameters, multiply-adds and ImageNet accuracy of torchvision's classifiers.

Introduced in notebooks/05_architectures_lecture.ipynb, for the "accuracy vs FLOPs vs parameters"
bubble chart.  Parameters and multiply-adds are *measured* on models built without weights
(nothing is downloaded) on PyTorch's ``meta`` device, where tensors have shapes but no data:
building vgg16 allocates nothing and a forward pass computes nothing, yet
``torch.utils.flop_counter.FlopCounterMode`` sees every operation with its shapes.  The
accuracies are torchvision's documented ones (the ``IMAGENET1K_V1`` weights' metadata), not
measured.  All defaults take about 7 s together.
"""

import torch
from torch.utils.flop_counter import FlopCounterMode

from .. import _validate as v

#: Model -> (family, year of the paper's first public version, arXiv or conference).
PAPERS = {
    "alexnet": ("AlexNet", 2012),
    "vgg16": ("VGG", 2014),
    "vgg19": ("VGG", 2014),
    "vgg16_bn": ("VGG", 2014),
    "googlenet": ("Inception", 2014),
    "inception_v3": ("Inception", 2015),
    "resnet18": ("ResNet", 2015),
    "resnet34": ("ResNet", 2015),
    "resnet50": ("ResNet", 2015),
    "resnet101": ("ResNet", 2015),
    "resnet152": ("ResNet", 2015),
    "densenet121": ("DenseNet", 2016),
    "squeezenet1_0": ("SqueezeNet", 2016),
    "squeezenet1_1": ("SqueezeNet", 2016),
    "resnext50_32x4d": ("ResNeXt", 2016),
    "mobilenet_v2": ("MobileNet", 2018),
    "shufflenet_v2_x1_0": ("ShuffleNet", 2018),
    "mobilenet_v3_large": ("MobileNet", 2019),
    "efficientnet_b0": ("EfficientNet", 2019),
    "regnet_y_400mf": ("RegNet", 2020),
    "vit_b_16": ("ViT", 2020),
    "convnext_tiny": ("ConvNeXt", 2022),
}

#: The lecture's chart: one or more models of every family from AlexNet to ConvNeXt and ViT.
DEFAULT_MODELS = ("alexnet", "vgg16", "vgg19", "googlenet", "inception_v3", "resnet18", "resnet50", "resnet152",
                  "densenet121", "squeezenet1_0", "squeezenet1_1", "mobilenet_v2", "mobilenet_v3_large",
                  "shufflenet_v2_x1_0", "resnext50_32x4d", "efficientnet_b0", "regnet_y_400mf", "convnext_tiny",
                  "vit_b_16")

# Constructor arguments that keep weights=None quiet and match the documented models:
# googlenet's and inception_v3's init_weights default warns (FutureWarning); the pretrained
# googlenet drops its auxiliary classifiers (and its documented parameter count excludes them),
# the pretrained inception_v3 keeps its AuxLogits head (3.3 M of its 27.2 M parameters; eval skips it).
_BUILD_ARGS = {"googlenet": {"aux_logits": False, "init_weights": False}, "inception_v3": {"init_weights": False}}


def _weights(name):
    from torchvision import models

    enum = models.get_model_weights(name)
    if not hasattr(enum, "IMAGENET1K_V1"):
        raise ValueError(v.message("names", "hold models with IMAGENET1K_V1 weights (their documented accuracy)",
                                   f"{name!r}, whose weights are {', '.join(w.name for w in enum)}",
                                   "Pick another model, e.g. from DEFAULT_MODELS."))
    return enum.IMAGENET1K_V1


def _classification_models():
    import torchvision
    from torchvision import models

    return models.list_models(module=torchvision.models)  # classification only, not detection etc.


def build_on_meta(name: str) -> torch.nn.Module:
    """A torchvision classifier without weights on the ``meta`` device (no memory, no download).

    Introduced in notebooks/05_architectures_lecture.ipynb (for :func:`model_zoo`).

    Parameters
    ----------
    name : str
        A name of ``torchvision.models.list_models(module=torchvision.models)``.

    Returns
    -------
    nn.Module
        In evaluation mode, every parameter and buffer on the meta device.  A model whose
        constructor computes with tensors (the RegNets compute their widths) is built on the
        CPU and moved to meta.

    Examples
    --------
    >>> model = build_on_meta("resnet18")
    >>> model.fc.weight.device, sum(p.numel() for p in model.parameters())
    (device(type='meta'), 11689512)
    """
    from torchvision import models

    kwargs = {"weights": None, **_BUILD_ARGS.get(name, {})}
    try:
        with torch.device("meta"):
            model = models.get_model(name, **kwargs)
    except NotImplementedError:  # "Cannot copy out of meta tensor": the constructor reads a tensor's value
        model = models.get_model(name, **kwargs).to("meta")
    return model.eval()


def count_macs(model: torch.nn.Module, input_shape) -> int:
    """Multiply-adds of one forward pass, from ``FlopCounterMode``'s FLOPs / 2.

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    model : nn.Module
        Run in evaluation mode without gradients, on an empty input of shape ``input_shape``
        on the device (and dtype) of its first parameter, so a meta model costs nothing.
    input_shape : tuple of int
        With the batch axis, e.g. (1, 3, 224, 224).

    Returns
    -------
    int
        ``FlopCounterMode``'s total / 2.  It counts matrix products and convolutions (2 FLOPs
        per multiply-add) and scaled dot-product attention, not BN, activations or pooling:
        torchvision's documented "GFLOPS" are these multiply-adds.

    Examples
    --------
    >>> count_macs(torch.nn.Conv2d(3, 8, 3), (1, 3, 6, 6))  # 8 * 4 * 4 outputs, 27 each
    3456
    """
    input_shape = v.require_shape("input_shape", input_shape, fix="Pass the input's shape, e.g. (1, 3, 224, 224).")
    param = next(model.parameters(), None)
    x = torch.empty(input_shape, dtype=param.dtype if param is not None else torch.float32,
                    device=param.device if param is not None else None)
    training = model.training
    model.eval()
    try:
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(x)
    finally:
        model.train(training)
    return counter.get_total_flops() // 2


def model_zoo(names=DEFAULT_MODELS, image_size=None) -> list[dict]:
    """Measured parameters and multiply-adds, and documented ImageNet accuracy, of torchvision classifiers.

    Introduced in notebooks/05_architectures_lecture.ipynb (the accuracy vs FLOPs vs parameters chart).

    Parameters
    ----------
    names : sequence of str, default :data:`DEFAULT_MODELS`
        torchvision classification models that have ``IMAGENET1K_V1`` weights.
    image_size : int, optional
        Side of the square RGB input.  Default: the crop torchvision evaluates each model's
        weights at (299 for inception_v3, 224 for the others), as in its documented figures.
        vit_b_16 accepts only 224.

    Returns
    -------
    list of dict, one per name, in order
        ``name``; ``family`` and ``year`` (of the paper; None for a model not in :data:`PAPERS`);
        ``params`` (int, measured); ``gmacs`` (float, measured multiply-adds of one image / 1e9,
        what torchvision calls GFLOPS); ``image_size``; ``top1`` and ``top5`` (ImageNet-1K
        validation accuracy in %, from torchvision's weights metadata).

    Raises
    ------
    TypeError, ValueError
        If ``names`` holds a name that is not a torchvision classifier, or ``image_size`` is
        not an integer >= 1.

    Notes
    -----
    Measured on the meta device, so no weights are downloaded or even allocated; the counts
    equal those of real CPU models (tests/torch_ref/test_model_zoo.py checks this, and every
    default against torchvision's documented ``num_params`` and ``_ops``).

    Examples
    --------
    >>> row = model_zoo(["resnet18"])[0]
    >>> row["params"], round(row["gmacs"], 3), row["top1"], row["year"]
    (11689512, 1.814, 69.758, 2015)
    """
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(v.message("names", "be a list of torchvision model names", repr(names),
                                  "Pass e.g. ['resnet18'] (a list, even for one model)."))
    names = list(names)
    known = set(_classification_models())
    for name in names:
        if name not in known:
            raise ValueError(v.message("names", "hold torchvision classification models", repr(name),
                                       "See torchvision.models.list_models(module=torchvision.models)."))
    if image_size is not None:
        image_size = v.require_int("image_size", image_size, minimum=1)
    rows = []
    for name in names:
        weights = _weights(name)
        size = image_size or weights.transforms.keywords.get("crop_size", 224)
        model = build_on_meta(name)
        metrics = weights.meta["_metrics"]["ImageNet-1K"]
        family, year = PAPERS.get(name, (None, None))
        rows.append({"name": name, "family": family, "year": year,
                     "params": sum(p.numel() for p in model.parameters()),
                     "gmacs": count_macs(model, (1, 3, size, size)) / 1e9, "image_size": size,
                     "top1": metrics["acc@1"], "top5": metrics["acc@5"]})
    return rows
