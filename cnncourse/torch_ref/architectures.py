"""Module 05 references: parameter and FLOP counting, and the building blocks of classic CNNs.

Introduced in notebooks/05_architectures_lecture.ipynb.  Every function and every block here is a
reference solution: it refuses to run (or, for a block, to be built) while a check runs student
code.  The blocks follow torchvision's own building blocks layer for layer, so the same weights
give the same outputs (tests/torch_ref/test_architectures.py loads them into both):

==========================  ===============================================================
block                       torchvision counterpart
==========================  ===============================================================
:class:`ResidualBlock`      ``torchvision.models.resnet.BasicBlock`` (+ its ``downsample``)
:class:`Bottleneck`         ``torchvision.models.resnet.Bottleneck`` (stride on the 3x3)
:class:`Inception`          ``torchvision.models.googlenet.Inception``, except the 5x5 branch
:class:`SqueezeExcitation`  ``torchvision.ops.SqueezeExcitation`` (which has 1x1 convs for the FCs)
:class:`Fire`               ``torchvision.models.squeezenet.Fire``
:class:`DenseLayer`         ``torchvision.models.densenet._DenseLayer`` (bn_size=4, no dropout)
:class:`DenseBlock`         ``torchvision.models.densenet._DenseBlock``
==========================  ===============================================================
"""

from collections.abc import Sequence

import torch
from torch import nn

from .. import _validate as v
from ..ref._guard import reference
from ..ref.conv import _kernel_pair  # one kernel_size rule (and message) for the numpy and torch references


def _reference_module(cls):
    """Mark an ``nn.Module`` class as a reference: building one is refused while student code runs.

    The class stays a class (``isinstance`` and ``state_dict`` work as usual); only its
    ``__init__`` is guarded, as :func:`cnncourse.ref._guard.reference` guards a function.
    """
    cls.__init__ = reference(cls.__init__)
    cls.is_reference = True
    return cls


def _require_bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(v.message(name, "be True or False", f"{type(value).__name__} {value!r}"))
    return value


@reference
def conv_param_count(c_in: int, c_out: int, kernel_size, bias: bool = True, groups: int = 1) -> int:
    """Number of learnable parameters of a 2-D convolution layer (``nn.Conv2d``).

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    c_in, c_out : int
        Input channels C and output channels (filters) F, >= 1.
    kernel_size : int or pair (KH, KW)
        An int K means K x K.
    bias : bool, default True
        One bias per filter.
    groups : int, default 1
        Grouped convolution (ResNeXt, MobileNet's depthwise ``groups=c_in``): each filter sees
        ``c_in // groups`` channels.  Must divide both ``c_in`` and ``c_out``.

    Returns
    -------
    int
        ``c_out * (c_in // groups) * KH * KW + (c_out if bias else 0)``: weights of shape
        (F, C / groups, KH, KW) plus the biases (F,).

    Raises
    ------
    TypeError
        If a size is not an integer, or ``bias`` is not a bool.
    ValueError
        If a size is < 1, ``kernel_size`` is not an int or a pair, or ``groups`` does not divide
        ``c_in`` and ``c_out``.

    Examples
    --------
    >>> conv_param_count(3, 64, 3)
    1792
    >>> conv_param_count(32, 32, (3, 3), bias=False, groups=32)  # depthwise
    288
    """
    c_in = v.require_int("c_in", c_in, minimum=1)
    c_out = v.require_int("c_out", c_out, minimum=1)
    kh, kw = _kernel_pair(kernel_size)
    bias = _require_bool("bias", bias)
    groups = v.require_int("groups", groups, minimum=1)
    if c_in % groups or c_out % groups:
        raise ValueError(v.message("groups", f"divide both c_in ({c_in}) and c_out ({c_out})", groups,
                                   "Each group needs a whole number of input and output channels."))
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


@reference
def stacked_3x3(n: int, channels: int) -> tuple[int, int, int]:
    """Receptive field and parameters of n stacked 3x3 convs vs one conv with the same receptive field.

    Introduced in notebooks/05_architectures_lecture.ipynb (VGG's argument for small filters).

    Parameters
    ----------
    n : int
        Number of stacked 3x3 convolutions (stride 1), >= 1.
    channels : int
        C, the channels in and out of every conv (>= 1); every conv has a bias.

    Returns
    -------
    receptive_field : int
        ``2*n + 1``: each 3x3 conv (stride 1) widens the field by 2.
    params_stacked : int
        ``n * (9*C**2 + C)``, the n convs C -> C of 3x3.
    params_single : int
        ``(2n+1)**2 * C**2 + C``, one conv C -> C of (2n+1) x (2n+1).

    Raises
    ------
    TypeError, ValueError
        If ``n`` or ``channels`` is not an integer >= 1.

    Examples
    --------
    >>> stacked_3x3(2, 64)  # two 3x3 = one 5x5, 28 % fewer parameters
    (5, 73856, 102464)
    """
    n = v.require_int("n", n, minimum=1)
    channels = v.require_int("channels", channels, minimum=1)
    field = 2 * n + 1
    return field, n * conv_param_count(channels, channels, 3), conv_param_count(channels, channels, field)


def _require_channels(**sizes):
    return [v.require_int(name, value, minimum=1) for name, value in sizes.items()]


def _projection(c_in, c_out, stride):
    """The projection shortcut: 1x1 conv (stride, no bias) -> BN; the identity if the shape is kept."""
    if stride == 1 and c_in == c_out:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))


@_reference_module
class ResidualBlock(nn.Module):
    """ResNet's basic residual block: ``relu(F(x) + shortcut(x))`` with F = conv3x3-BN-ReLU-conv3x3-BN.

    Introduced in notebooks/05_architectures_lecture.ipynb.  Layer for layer
    ``torchvision.models.resnet.BasicBlock`` with the ``downsample`` that ``ResNet`` gives it.

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels, >= 1.
    stride : int, default 1
        Stride of the first 3x3 conv (and of the projection): 2 halves H and W.

    Notes
    -----
    Layers (attribute names): ``conv1`` 3x3 c_in -> c_out (stride, padding 1, no bias),
    ``bn1``, ReLU, ``conv2`` 3x3 c_out -> c_out (padding 1, no bias), ``bn2``; ``shortcut`` is
    ``nn.Identity`` when ``stride == 1 and c_in == c_out``, else the projection
    ``nn.Sequential(1x1 conv c_in -> c_out (stride, no bias), BN)``; the final ReLU comes
    *after* the addition.  Convs have no bias because the BN after them has one.

    Input (N, c_in, H, W), output (N, c_out, OH, OW) with ``OH = (H - 1) // stride + 1``.

    Examples
    --------
    >>> block = ResidualBlock(8, 16, stride=2)
    >>> block(torch.zeros(2, 8, 9, 9)).shape, sum(p.numel() for p in block.parameters())
    (torch.Size([2, 16, 5, 5]), 3680)
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        c_in, c_out = _require_channels(c_in=c_in, c_out=c_out)
        stride = v.require_int("stride", stride, minimum=1)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = _projection(c_in, c_out, stride)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))  # (N, c_out, OH, OW)
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


@_reference_module
class Bottleneck(nn.Module):
    """ResNet's bottleneck block: 1x1 reduce, 3x3 (stride), 1x1 expand, plus the shortcut, then ReLU.

    Introduced in notebooks/05_architectures_lecture.ipynb.  Layer for layer
    ``torchvision.models.resnet.Bottleneck`` ("ResNet V1.5": the stride sits on the 3x3 conv) with
    its ``downsample``; torchvision's ``Bottleneck(inplanes, planes)`` is
    ``Bottleneck(inplanes, planes, 4 * planes)`` here.

    Parameters
    ----------
    c_in, c_mid, c_out : int
        Input, inner (bottleneck) and output channels, >= 1.
    stride : int, default 1
        Stride of the 3x3 conv and of the projection.

    Notes
    -----
    Layers: ``conv1`` 1x1 c_in -> c_mid, ``bn1``, ReLU; ``conv2`` 3x3 c_mid -> c_mid (stride,
    padding 1), ``bn2``, ReLU; ``conv3`` 1x1 c_mid -> c_out, ``bn3``; all convs bias-free.
    ``shortcut``: identity, or the projection 1x1 conv (stride) -> BN when
    ``stride != 1 or c_in != c_out``.  ReLU after the addition.

    Input (N, c_in, H, W), output (N, c_out, OH, OW) with ``OH = (H - 1) // stride + 1``.

    Examples
    --------
    >>> block = Bottleneck(16, 4, 16)
    >>> block(torch.zeros(1, 16, 6, 6)).shape, sum(p.numel() for p in block.parameters())
    (torch.Size([1, 16, 6, 6]), 320)
    """

    def __init__(self, c_in: int, c_mid: int, c_out: int, stride: int = 1):
        super().__init__()
        c_in, c_mid, c_out = _require_channels(c_in=c_in, c_mid=c_mid, c_out=c_out)
        stride = v.require_int("stride", stride, minimum=1)
        self.conv1 = nn.Conv2d(c_in, c_mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_mid)
        self.conv2 = nn.Conv2d(c_mid, c_mid, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_mid)
        self.conv3 = nn.Conv2d(c_mid, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.shortcut = _projection(c_in, c_out, stride)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))  # (N, c_mid, H, W)
        out = self.relu(self.bn2(self.conv2(out)))  # (N, c_mid, OH, OW)
        out = self.bn3(self.conv3(out))  # (N, c_out, OH, OW)
        return self.relu(out + self.shortcut(x))


class _ConvBNReLU(nn.Sequential):
    """torchvision's ``BasicConv2d``: conv (no bias) -> BN (eps 0.001) -> ReLU; children ``conv``, ``bn``, ``relu``."""

    def __init__(self, c_in, c_out, kernel_size, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel_size, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=0.001)
        self.relu = nn.ReLU()


@_reference_module
class Inception(nn.Module):
    """GoogLeNet's Inception module: 1x1, 1x1->3x3, 1x1->5x5 and pool->1x1 branches, concatenated.

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    c_in : int
        Input channels.
    c1 : int
        Filters of the 1x1 branch.
    c3_reduce, c3 : int
        The 3x3 branch: a 1x1 conv down to ``c3_reduce`` channels, then a 3x3 conv (padding 1).
    c5_reduce, c5 : int
        The 5x5 branch: a 1x1 conv down to ``c5_reduce``, then a **5x5** conv (padding 2).
    pool_proj : int
        The pool branch: 3x3 max pool (stride 1, padding 1), then a 1x1 conv.

    Notes
    -----
    Every conv is followed by BN (eps 0.001) and ReLU, as torchvision's ``BasicConv2d``; convs
    have no bias.  Attributes ``branch1``, ``branch3x3``, ``branch5x5``, ``branch_pool``; each
    conv unit has children ``conv``, ``bn``, ``relu``.  Output: the four branches concatenated
    on the channel axis (dim 1) in that order, (N, c1 + c3 + c5 + pool_proj, H, W).

    torchvision's ``googlenet.Inception`` uses a 3x3 conv in its "5x5" branch (a known bug, kept
    so that its pretrained weights still load); this block has the paper's 5x5, so it has
    ``16 * c5_reduce * c5`` more parameters than torchvision's.

    Examples
    --------
    >>> block = Inception(192, 64, 96, 128, 16, 32, 32)  # GoogLeNet's inception (3a)
    >>> block(torch.zeros(1, 192, 28, 28)).shape, sum(p.numel() for p in block.parameters())
    (torch.Size([1, 256, 28, 28]), 164064)
    """

    def __init__(self, c_in: int, c1: int, c3_reduce: int, c3: int, c5_reduce: int, c5: int, pool_proj: int):
        super().__init__()
        c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj = _require_channels(
            c_in=c_in, c1=c1, c3_reduce=c3_reduce, c3=c3, c5_reduce=c5_reduce, c5=c5, pool_proj=pool_proj)
        self.branch1 = _ConvBNReLU(c_in, c1, 1)
        self.branch3x3 = nn.Sequential(_ConvBNReLU(c_in, c3_reduce, 1), _ConvBNReLU(c3_reduce, c3, 3, padding=1))
        self.branch5x5 = nn.Sequential(_ConvBNReLU(c_in, c5_reduce, 1), _ConvBNReLU(c5_reduce, c5, 5, padding=2))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), _ConvBNReLU(c_in, pool_proj, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1, self.branch3x3, self.branch5x5, self.branch_pool)
        return torch.cat([branch(x) for branch in branches], dim=1)  # (N, c1 + c3 + c5 + pool_proj, H, W)


@_reference_module
class SqueezeExcitation(nn.Module):
    """Squeeze-and-Excitation: rescale each channel by a weight in (0, 1) computed from the whole image.

    Introduced in notebooks/05_architectures_lecture.ipynb.  Equal to
    ``torchvision.ops.SqueezeExcitation(channels, max(1, channels // reduction))`` given the same
    weights (torchvision writes the two FC layers as 1x1 convs: weights (F, C, 1, 1) instead of
    (F, C)).

    Parameters
    ----------
    channels : int
        C, >= 1.
    reduction : int, default 16
        The bottleneck has ``max(1, channels // reduction)`` units.

    Notes
    -----
    ``s = sigmoid(fc2(relu(fc1(mean over H, W of x))))``, shape (N, C), with ``fc1`` Linear
    C -> C // reduction and ``fc2`` back to C (both with bias); the output is ``x * s[:, :, None,
    None]``: one weight per channel and image, the same at every pixel.  Shape unchanged.

    Examples
    --------
    >>> se = SqueezeExcitation(64, reduction=16)
    >>> se(torch.zeros(2, 64, 5, 5)).shape, sum(p.numel() for p in se.parameters())
    (torch.Size([2, 64, 5, 5]), 580)
    """

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        channels = v.require_int("channels", channels, minimum=1)
        reduction = v.require_int("reduction", reduction, minimum=1)
        squeeze = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, squeeze)
        self.fc2 = nn.Linear(squeeze, channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean(dim=(2, 3))  # squeeze: (N, C)
        s = torch.sigmoid(self.fc2(self.relu(self.fc1(s))))  # excitation: (N, C) in (0, 1)
        return x * s[:, :, None, None]


@_reference_module
class Fire(nn.Module):
    """SqueezeNet's Fire module: 1x1 squeeze, then 1x1 and 3x3 expand convs concatenated.

    Introduced in notebooks/05_architectures_lecture.ipynb.  Layer for layer
    ``torchvision.models.squeezenet.Fire`` (same attribute names).

    Parameters
    ----------
    c_in, squeeze, expand1x1, expand3x3 : int
        Input channels, squeeze filters (1x1), expand filters of 1x1 and of 3x3 (padding 1).

    Notes
    -----
    Every conv has a bias and is followed by ReLU (no BN).  Output: ``cat([relu(expand1x1(s)),
    relu(expand3x3(s))], dim=1)`` with ``s = relu(squeeze(x))``, shape
    (N, expand1x1 + expand3x3, H, W).

    Examples
    --------
    >>> fire = Fire(96, 16, 64, 64)  # SqueezeNet's fire2
    >>> fire(torch.zeros(1, 96, 7, 7)).shape, sum(p.numel() for p in fire.parameters())
    (torch.Size([1, 128, 7, 7]), 11920)
    """

    def __init__(self, c_in: int, squeeze: int, expand1x1: int, expand3x3: int):
        super().__init__()
        c_in, squeeze, expand1x1, expand3x3 = _require_channels(c_in=c_in, squeeze=squeeze, expand1x1=expand1x1,
                                                                expand3x3=expand3x3)
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.relu(self.squeeze(x))  # (N, squeeze, H, W)
        return torch.cat([self.relu(self.expand1x1(s)), self.relu(self.expand3x3(s))], dim=1)


#: DenseNet's bottleneck width: a dense layer's 1x1 conv has ``BN_SIZE * growth_rate`` filters.
BN_SIZE = 4


@_reference_module
class DenseLayer(nn.Module):
    """One DenseNet-B layer: BN-ReLU-1x1 conv (4k filters), BN-ReLU-3x3 conv (k filters); returns the k new maps.

    Introduced in notebooks/05_architectures_lecture.ipynb.  Layer for layer
    ``torchvision.models.densenet._DenseLayer`` with ``bn_size=4`` and ``drop_rate=0``.

    Parameters
    ----------
    c_in : int
        Channels of the input (everything concatenated so far), >= 1.
    growth_rate : int
        k, the feature maps this layer adds, >= 1.

    Notes
    -----
    Pre-activation order (BN and ReLU *before* each conv): ``bn1`` (c_in), ReLU, ``conv1`` 1x1
    c_in -> 4k, ``bn2``, ReLU, ``conv2`` 3x3 4k -> k (padding 1); convs bias-free.  As
    torchvision's ``_DenseLayer``, it returns only its **new** features, (N, k, H, W); the
    concatenation is :class:`DenseBlock`'s job.

    Examples
    --------
    >>> layer = DenseLayer(16, growth_rate=8)
    >>> layer(torch.zeros(2, 16, 5, 5)).shape, sum(p.numel() for p in layer.parameters())
    (torch.Size([2, 8, 5, 5]), 2912)
    """

    def __init__(self, c_in: int, growth_rate: int):
        super().__init__()
        c_in, growth_rate = _require_channels(c_in=c_in, growth_rate=growth_rate)
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, BN_SIZE * growth_rate, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(BN_SIZE * growth_rate)
        self.conv2 = nn.Conv2d(BN_SIZE * growth_rate, growth_rate, 3, padding=1, bias=False)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(self.relu(self.bn1(x)))  # (N, 4k, H, W)
        return self.conv2(self.relu(self.bn2(out)))  # (N, k, H, W)


@_reference_module
class DenseBlock(nn.Module):
    """A dense block of ``n_layers`` :class:`DenseLayer` modules, each fed the concatenation of all earlier maps.

    Introduced in notebooks/05_architectures_lecture.ipynb.  Equal to
    ``torchvision.models.densenet._DenseBlock`` with ``bn_size=4`` and ``drop_rate=0``.

    Parameters
    ----------
    n_layers : int
        Number of dense layers, >= 1.
    c_in : int
        Channels of the block's input, >= 1.
    growth_rate : int
        k: layer i (from 0) takes ``c_in + i*k`` channels and adds k.

    Notes
    -----
    ``layers`` is an ``nn.ModuleList``.  Returns the concatenation (dim 1) of the input and
    every layer's new maps, in order: (N, c_in + n_layers * k, H, W).

    Examples
    --------
    >>> block = DenseBlock(3, 16, growth_rate=8)
    >>> block(torch.zeros(1, 16, 4, 4)).shape
    torch.Size([1, 40, 4, 4])
    """

    def __init__(self, n_layers: int, c_in: int, growth_rate: int):
        super().__init__()
        n_layers = v.require_int("n_layers", n_layers, minimum=1)
        c_in, growth_rate = _require_channels(c_in=c_in, growth_rate=growth_rate)
        self.layers = nn.ModuleList(DenseLayer(c_in + i * growth_rate, growth_rate) for i in range(n_layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))  # (N, k, H, W) each
        return torch.cat(features, dim=1)  # (N, c_in + n_layers * k, H, W)


@reference
def count_flops(model: nn.Module, input_shape: Sequence[int]) -> int:
    """Multiply-adds of the ``nn.Conv2d`` and ``nn.Linear`` layers in one forward pass of one input.

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    model : nn.Module
    input_shape : tuple of int
        One input without the batch axis, e.g. (3, 224, 224); the model runs on zeros of
        shape (1, *input_shape), with the dtype and device of its parameters.

    Returns
    -------
    int
        Sum over every call of a conv layer of ``out.numel() * (C / groups) * KH * KW`` (each
        output value is a dot product of that length; biases, BN, activations and pooling are
        not counted), and over every call of a linear layer of ``out.numel() * in_features``.
        A layer called twice counts twice.  ``torch.utils.flop_counter`` reports twice this
        (one multiply and one add per multiply-add); torchvision's documented "GFLOPS" are these
        multiply-adds.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module`` or ``input_shape`` is not a tuple of integers.

    Notes
    -----
    The pass runs in evaluation mode without gradients (batch-norm running statistics are left
    untouched), and the model's training flags are restored afterwards.

    Examples
    --------
    >>> count_flops(nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(8 * 4 * 4, 10)), (3, 6, 6))
    4736
    """
    if not isinstance(model, nn.Module):
        raise TypeError(v.message("model", "be a torch nn.Module", type(model).__name__,
                                  "Pass the model itself, e.g. torchvision.models.resnet18(weights=None)."))
    input_shape = v.require_shape("input_shape", input_shape, fix="Pass one input's shape without the batch axis, "
                                                                   "e.g. (3, 224, 224).")
    total = 0

    def conv_hook(module, args, out):
        nonlocal total
        kh, kw = module.kernel_size
        total += out.numel() * (module.in_channels // module.groups) * kh * kw

    def linear_hook(module, args, out):
        nonlocal total
        total += out.numel() * module.in_features

    param = next(model.parameters(), None)
    x = torch.zeros((1, *input_shape), dtype=param.dtype if param is not None else torch.float32,
                    device=param.device if param is not None else None)
    modes = {m: m.training for m in model.modules()}
    handles = []
    try:
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                handles.append(m.register_forward_hook(conv_hook))
            elif isinstance(m, nn.Linear):
                handles.append(m.register_forward_hook(linear_hook))
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
        for m, training in modes.items():
            m.training = training
    return int(total)
