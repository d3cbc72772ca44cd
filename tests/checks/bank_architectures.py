"""Realistic buggy implementations of module 05's graded functions and blocks (conv_param_count,
stacked_3x3, count_flops, ResidualBlock, Bottleneck, Inception, SqueezeExcitation, Fire,
DenseLayer, DenseBlock), written the way students write them after the lecture: arithmetic with
one factor off, forward hooks that count the wrong thing or change the model, nn.Module
subclasses with a layer shared, a stride or a padding in the wrong place, a ReLU too many or too
few, in-place operations on the input, Python lists instead of ModuleLists.  Each is listed with
the text of the hint that names its mistake (see :mod:`checks.bank`).
"""

import math

import torch
import torch.nn.functional as F
from checks.bank import Bug
from torch import nn

# ------------------------------------------------------------------ conv_param_count


def params_one_bias(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return c_out * (c_in // groups) * kh * kw + (1 if bias else 0)  # one bias for the layer


def params_groups_ignored(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return c_out * c_in * kh * kw + (c_out if bias else 0)


def params_groups_divide_both(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return (c_out // groups) * (c_in // groups) * kh * kw + (c_out if bias else 0)


def params_groups_multiply(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return c_out * c_in * groups * kh * kw + (c_out if bias else 0)  # groups "widen" the layer


def params_square_kernel_only(c_in, c_out, kernel_size, bias=True, groups=1):
    k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]  # (3, 1) read as 3x3
    return c_out * (c_in // groups) * k * k + (c_out if bias else 0)


def params_bias_per_input_channel(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return c_out * (c_in // groups) * kh * kw + (c_in if bias else 0)


def params_bias_always(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return c_out * (c_in // groups) * kh * kw + c_out  # bias flag never read


def params_int_kernel_only(c_in, c_out, kernel_size, bias=True, groups=1):
    weights = c_out * (c_in // groups) * kernel_size * kernel_size  # TypeError for a pair
    return weights + c_out if bias else weights


def params_kernel_once(c_in, c_out, kernel_size, bias=True, groups=1):
    k = kernel_size if isinstance(kernel_size, int) else max(kernel_size)
    return c_out * (c_in // groups) * k + (c_out if bias else 0)  # K, not K * K


def params_pair_only(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = kernel_size  # an int kernel_size cannot be unpacked
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


# ------------------------------------------------------------------ stacked_3x3


def stacked_field_3n(n, channels):
    field = 3 * n  # "each 3x3 adds 3"
    return field, n * (9 * channels ** 2 + channels), (2 * n + 1) ** 2 * channels ** 2 + channels


def stacked_field_power(n, channels):
    field = 3 ** n  # receptive fields multiply?
    return field, n * (9 * channels ** 2 + channels), (2 * n + 1) ** 2 * channels ** 2 + channels


def stacked_without_biases(n, channels):
    field = 2 * n + 1
    return field, n * 9 * channels * channels, field * field * channels * channels


def stacked_one_bias_for_the_stack(n, channels):
    field = 2 * n + 1
    return field, n * 9 * channels * channels + channels, field * field * channels * channels + channels


def stacked_single_one_channel_factor(n, channels):
    field = 2 * n + 1
    return field, n * (9 * channels * channels + channels), field * field * channels + channels


def stacked_returns_single_then_stacked(n, channels):
    field = 2 * n + 1
    stacked = n * (9 * channels * channels + channels)
    single = field * field * channels * channels + channels
    return field, single, stacked


def stacked_single_kernel_3n(n, channels):
    field = 2 * n + 1
    return field, n * (9 * channels * channels + channels), (3 * n) ** 2 * channels * channels + channels


def stacked_field_2n_minus_1(n, channels):
    field = 2 * n - 1  # off by two: forgot the first conv sees 3 pixels
    return field, n * (9 * channels * channels + channels), field * field * channels * channels + channels


def stacked_field_2n(n, channels):
    field = 2 * n  # "each conv adds 2 pixels"
    return field, n * (9 * channels * channels + channels), (2 * n + 1) ** 2 * channels * channels + channels


# ------------------------------------------------------------------ count_flops


def _conv_or_linear(m):
    return isinstance(m, (nn.Conv2d, nn.Linear))


def flops_static_from_input_shape(model, input_shape):
    """No hooks: assumes every conv keeps the input's H x W ("same" padding, no stride, no pooling)."""
    _, h, w = input_shape
    total = 0
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            total += m.out_channels * h * w * (m.in_channels // m.groups) * kh * kw
        elif isinstance(m, nn.Linear):
            total += m.in_features * m.out_features
    return total


def flops_dict_per_module(model, input_shape):
    """One entry per module: a layer called twice is counted once."""
    counts = {}

    def hook(module, inputs, out):
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            counts[module] = out.numel() * (module.in_channels // module.groups) * kh * kw
        else:
            counts[module] = out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return sum(counts.values())


def flops_groups_ignored(model, input_shape):
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += out.numel() * module.in_channels * kh * kw
        else:
            total += out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


def flops_input_positions(model, input_shape):
    """Counts per *input* position (input numel x filters x kernel): wrong for strided convs."""
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += inputs[0].numel() // module.groups * module.out_channels * kh * kw
        else:
            total += out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


def flops_with_bias_adds(model, input_shape):
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        per_output = module.in_features if isinstance(module, nn.Linear) else (
            module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1])
        if module.bias is not None:
            per_output += 1  # the bias add
        total += out.numel() * per_output

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


def flops_convs_only(model, input_shape):
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        kh, kw = module.kernel_size
        total += out.numel() * module.in_channels // module.groups * kh * kw

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


def flops_every_module_with_weight(model, input_shape):
    """Hooks every module that has a weight: BatchNorm layers are counted too."""
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        total += out.numel() * module.weight[0].numel()

    handles = [m.register_forward_hook(hook) for m in model.modules() if getattr(m, "weight", None) is not None]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


def flops_leaves_eval_mode(model, input_shape):
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += out.numel() * module.in_channels // module.groups * kh * kw
        else:
            total += out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    model.eval()  # never switched back
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    for h in handles:
        h.remove()
    return total


def flops_forward_in_train_mode(model, input_shape):
    """No model.eval(): the forward pass on zeros updates the BatchNorm running statistics."""
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += out.numel() * module.in_channels // module.groups * kh * kw
        else:
            total += out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    for h in handles:
        h.remove()
    return total


def flops_children_only(model, input_shape):
    """Hooks only model.children(): layers inside nested Sequentials and blocks are missed."""
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += out.numel() * module.in_channels // module.groups * kh * kw
        else:
            total += out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.children() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


def flops_square_kernel(model, input_shape):
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0]
            total += out.numel() * module.in_channels // module.groups * k * k
        else:
            total += out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


def flops_weights_times_input_size(model, input_shape):
    """weight.numel() times the conv's *input* H x W (as if every conv kept H x W); linear: weight.numel()."""
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            h, w = inputs[0].shape[2:]
            total += module.weight.numel() * h * w
        else:
            total += module.weight.numel()

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


def flops_unbatched_input(model, input_shape):
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += out.numel() * module.in_channels // module.groups * kh * kw
        else:
            total += out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(input_shape))  # no batch dimension
    finally:
        model.train(was)
        for h in handles:
            h.remove()
    return total


def _hooked_count(model, input_shape, per_output):
    """The usual hook loop, with the student's own per-layer formula ``per_output(module, out)``."""
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        total += per_output(module, out)

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


def flops_weights_times_outputs(model, input_shape):
    """Every output value times *all* the layer's weights."""
    return _hooked_count(model, input_shape, lambda m, out: out.numel() * m.weight.numel())


def flops_no_input_channels(model, input_shape):
    return _hooked_count(model, input_shape, lambda m, out: out.numel() * (
        m.kernel_size[0] * m.kernel_size[1] if isinstance(m, nn.Conv2d) else m.in_features))


def flops_times_two(model, input_shape):
    """FLOPs (2 per multiply-add), as the lecture's FlopCounterMode prints them."""
    return _hooked_count(model, input_shape, lambda m, out: 2 * out.numel() * (
        m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1] if isinstance(m, nn.Conv2d)
        else m.in_features))


def flops_seen_set(model, input_shape):
    """Skips modules it has already counted ("so nothing is counted twice")."""
    seen, total = set(), 0

    def hook(module, inputs, out):
        nonlocal total
        if module in seen:
            return
        seen.add(module)
        if isinstance(module, nn.Conv2d):
            total += out.numel() * module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        else:
            total += out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


_FLOPS = {"total": 0}


def _global_hook(module, inputs, out):
    if isinstance(module, nn.Conv2d):
        _FLOPS["total"] += out.numel() * module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
    else:
        _FLOPS["total"] += out.numel() * module.in_features


def flops_global_counter_hooks_kept(model, input_shape):
    """A module-level counter and hooks never removed: a second call on the same model counts twice."""
    _FLOPS["total"] = 0
    for m in model.modules():
        if _conv_or_linear(m):
            m.register_forward_hook(_global_hook)
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    return _FLOPS["total"]


def flops_sets_train_at_the_end(model, input_shape):
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            total += out.numel() * module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        else:
            total += out.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if _conv_or_linear(m)]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train()  # "put it back in training mode", whatever it was
    for h in handles:
        h.remove()
    return total


# ------------------------------------------------------------------ ResidualBlock


class _ResidualBase(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))


class ResidualAddsIntoInput(_ResidualBase):
    """identity += out: with the identity shortcut this writes into the caller's x."""

    def forward(self, x):
        identity = self.shortcut(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity += out
        return F.relu(identity)


class ResidualOneBatchNorm(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)  # used after both convs
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn(self.conv1(x)))
        out = self.bn(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResidualBatchNormsRepeatedList(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bns = nn.ModuleList([nn.BatchNorm2d(c_out)] * 2)  # the same BatchNorm twice
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bns[0](self.conv1(x)))
        out = self.bns[1](self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResidualDetachedShortcut(_ResidualBase):
    def forward(self, x):
        identity = self.shortcut(x).detach()  # "the shortcut should not be trained"
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + identity)


class ResidualStrideOnSecondConv(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResidualReluBeforeAdd(_ResidualBase):
    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return out + self.shortcut(x)


class ResidualNoFinalRelu(_ResidualBase):
    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return self.bn2(self.conv2(out)) + self.shortcut(x)


class ResidualProjectOnlyWhenStrided(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1:  # forgot c_in != c_out
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResidualAlwaysProjects(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResidualProjectionWithoutBN(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Conv2d(c_in, c_out, 1, stride, bias=False)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResidualConvsWithBias(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResidualKerasMomentum(nn.Module):
    """BatchNorm2d(c, momentum=0.9), Keras's convention (PyTorch's momentum is 1 - Keras's)."""

    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out, momentum=0.9)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out, momentum=0.9)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                          nn.BatchNorm2d(c_out, momentum=0.9))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResidualInplaceReluOnInput(_ResidualBase):
    """A pre-activation attempt: relu_(x) first, which also changes the shortcut (and the caller's x)."""

    def forward(self, x):
        out = self.conv1(F.relu(x, inplace=True))
        out = self.bn2(self.conv2(F.relu(self.bn1(out))))
        return F.relu(out + self.shortcut(x))


class ResidualShadowedInput(_ResidualBase):
    """x reused as the running variable: the shortcut gets F(x), not x."""

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        return F.relu(x + self.shortcut(x))


class ResidualOptionAShortcut(nn.Module):
    """The CIFAR ResNet paper's option A: subsample x and pad the new channels with zeros, no projection."""

    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.stride, self.extra = stride, c_out - c_in
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        sc = x[:, :, ::self.stride, ::self.stride]
        if self.extra > 0:
            sc = F.pad(sc, (0, 0, 0, 0, 0, self.extra))
        return F.relu(out + sc)


# ------------------------------------------------------------------ Bottleneck


class BottleneckStrideOnFirst1x1(nn.Module):
    """The original ResNet v1 paper's place for the stride; torchvision (v1.5) strides the 3x3."""

    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_mid, 1, stride, bias=False)
        self.bn1 = nn.BatchNorm2d(c_mid)
        self.conv2 = nn.Conv2d(c_mid, c_mid, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_mid)
        self.conv3 = nn.Conv2d(c_mid, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(self.bn3(self.conv3(out)) + self.shortcut(x))


class _BottleneckBase(nn.Module):
    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_mid)
        self.conv2 = nn.Conv2d(c_mid, c_mid, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_mid)
        self.conv3 = nn.Conv2d(c_mid, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))


class BottleneckReluBeforeAdd(_BottleneckBase):
    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = F.relu(self.bn3(self.conv3(out)))
        return out + self.shortcut(x)


class BottleneckNoBnAfterExpand(_BottleneckBase):
    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(self.conv3(out) + self.shortcut(x))  # bn3 forgotten


class BottleneckMidTimesFour(nn.Module):
    """Expansion 4 hard-coded from the paper: the last 1x1 makes 4 * c_mid channels, not c_out."""

    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_mid)
        self.conv2 = nn.Conv2d(c_mid, c_mid, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_mid)
        self.conv3 = nn.Conv2d(c_mid, 4 * c_mid, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(4 * c_mid)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != 4 * c_mid:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, 4 * c_mid, 1, stride, bias=False),
                                          nn.BatchNorm2d(4 * c_mid))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(self.bn3(self.conv3(out)) + self.shortcut(x))


class BottleneckNoPadding(nn.Module):
    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_mid, 1, bias=False), nn.BatchNorm2d(c_mid), nn.ReLU(),
            nn.Conv2d(c_mid, c_mid, 3, stride, bias=False), nn.BatchNorm2d(c_mid), nn.ReLU(),  # padding forgotten
            nn.Conv2d(c_mid, c_out, 1, bias=False), nn.BatchNorm2d(c_out))
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


class BottleneckShortcutWithoutStride(nn.Module):
    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_mid, 1, bias=False), nn.BatchNorm2d(c_mid), nn.ReLU(),
            nn.Conv2d(c_mid, c_mid, 3, stride, 1, bias=False), nn.BatchNorm2d(c_mid), nn.ReLU(),
            nn.Conv2d(c_mid, c_out, 1, bias=False), nn.BatchNorm2d(c_out))
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


class BottleneckConvReluBn(nn.Module):
    """conv -> ReLU -> BN in every unit."""

    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_mid, 1, bias=False), nn.ReLU(), nn.BatchNorm2d(c_mid),
            nn.Conv2d(c_mid, c_mid, 3, stride, 1, bias=False), nn.ReLU(), nn.BatchNorm2d(c_mid),
            nn.Conv2d(c_mid, c_out, 1, bias=False), nn.BatchNorm2d(c_out))
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


class BottleneckSharedMidBatchNorm(nn.Module):
    """One BatchNorm2d(c_mid) after both the 1x1 reduce and the 3x3 (both have c_mid channels)."""

    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_mid, 1, bias=False)
        self.conv2 = nn.Conv2d(c_mid, c_mid, 3, stride, 1, bias=False)
        self.bn_mid = nn.BatchNorm2d(c_mid)
        self.conv3 = nn.Conv2d(c_mid, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn_mid(self.conv1(x)))
        out = F.relu(self.bn_mid(self.conv2(out)))
        return F.relu(self.bn3(self.conv3(out)) + self.shortcut(x))


class BottleneckInplaceAddOnInput(_BottleneckBase):
    """out = identity.add_(...): writes into the caller's x when the shortcut is the identity."""

    def forward(self, x):
        identity = self.shortcut(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(identity.add_(self.bn3(self.conv3(out))))


class BottleneckShadowedInput(_BottleneckBase):
    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.bn3(self.conv3(x))
        return F.relu(x + self.shortcut(x))


# ------------------------------------------------------------------ Inception


def _cbr(c_in, c_out, k, padding=None, eps=0.001, bias=False):
    padding = k // 2 if padding is None else padding
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=padding, bias=bias), nn.BatchNorm2d(c_out, eps=eps),
                         nn.ReLU(inplace=True))


class InceptionPoolWithoutPadding(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1)
        self.b3 = nn.Sequential(_cbr(c_in, c3_reduce, 1), _cbr(c3_reduce, c3, 3))
        self.b5 = nn.Sequential(_cbr(c_in, c5_reduce, 1), _cbr(c5_reduce, c5, 5))
        self.bp = nn.Sequential(nn.MaxPool2d(3, stride=1), _cbr(c_in, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class InceptionFivePaddingOne(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1)
        self.b3 = nn.Sequential(_cbr(c_in, c3_reduce, 1), _cbr(c3_reduce, c3, 3, padding=1))
        self.b5 = nn.Sequential(_cbr(c_in, c5_reduce, 1), _cbr(c5_reduce, c5, 5, padding=1))  # copied from b3
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, 1), _cbr(c_in, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class InceptionCatOrderPoolFirst(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1)
        self.b3 = nn.Sequential(_cbr(c_in, c3_reduce, 1), _cbr(c3_reduce, c3, 3))
        self.b5 = nn.Sequential(_cbr(c_in, c5_reduce, 1), _cbr(c5_reduce, c5, 5))
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, 1), _cbr(c_in, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.bp(x), self.b1(x), self.b3(x), self.b5(x)], 1)


class InceptionCatThreeFiveSwapped(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1)
        self.b3 = nn.Sequential(_cbr(c_in, c3_reduce, 1), _cbr(c3_reduce, c3, 3))
        self.b5 = nn.Sequential(_cbr(c_in, c5_reduce, 1), _cbr(c5_reduce, c5, 5))
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, 1), _cbr(c_in, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b5(x), self.b3(x), self.bp(x)], 1)


class InceptionDefaultEps(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1, eps=1e-5)
        self.b3 = nn.Sequential(_cbr(c_in, c3_reduce, 1, eps=1e-5), _cbr(c3_reduce, c3, 3, eps=1e-5))
        self.b5 = nn.Sequential(_cbr(c_in, c5_reduce, 1, eps=1e-5), _cbr(c5_reduce, c5, 5, eps=1e-5))
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, 1), _cbr(c_in, pool_proj, 1, eps=1e-5))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class InceptionProjectThenPool(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1)
        self.b3 = nn.Sequential(_cbr(c_in, c3_reduce, 1), _cbr(c3_reduce, c3, 3))
        self.b5 = nn.Sequential(_cbr(c_in, c5_reduce, 1), _cbr(c5_reduce, c5, 5))
        self.bp = nn.Sequential(_cbr(c_in, pool_proj, 1), nn.MaxPool2d(3, 1, 1))  # 1x1 before the pool

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class InceptionNoReluAfterReduce(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1)
        self.b3 = nn.Sequential(nn.Conv2d(c_in, c3_reduce, 1, bias=False), nn.BatchNorm2d(c3_reduce, eps=0.001),
                                _cbr(c3_reduce, c3, 3))
        self.b5 = nn.Sequential(nn.Conv2d(c_in, c5_reduce, 1, bias=False), nn.BatchNorm2d(c5_reduce, eps=0.001),
                                _cbr(c5_reduce, c5, 5))
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, 1), _cbr(c_in, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class InceptionAvgPool(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1)
        self.b3 = nn.Sequential(_cbr(c_in, c3_reduce, 1), _cbr(c3_reduce, c3, 3))
        self.b5 = nn.Sequential(_cbr(c_in, c5_reduce, 1), _cbr(c5_reduce, c5, 5))
        self.bp = nn.Sequential(nn.AvgPool2d(3, 1, 1), _cbr(c_in, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class InceptionConvBias(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1, bias=True)
        self.b3 = nn.Sequential(_cbr(c_in, c3_reduce, 1, bias=True), _cbr(c3_reduce, c3, 3, bias=True))
        self.b5 = nn.Sequential(_cbr(c_in, c5_reduce, 1, bias=True), _cbr(c5_reduce, c5, 5, bias=True))
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, 1), _cbr(c_in, pool_proj, 1, bias=True))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class InceptionInplaceReluOnInputPool(nn.Module):
    """The pool branch applies ReLU(inplace=True) to x first: later branches see the ReLU'd input."""

    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _cbr(c_in, c1, 1)
        self.b3 = nn.Sequential(_cbr(c_in, c3_reduce, 1), _cbr(c3_reduce, c3, 3))
        self.b5 = nn.Sequential(_cbr(c_in, c5_reduce, 1), _cbr(c5_reduce, c5, 5))
        self.bp = nn.Sequential(nn.ReLU(inplace=True), nn.MaxPool2d(3, 1, 1), _cbr(c_in, pool_proj, 1))

    def forward(self, x):
        pool = self.bp(x)
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), pool], 1)


# ------------------------------------------------------------------ SqueezeExcitation


class SEFlattenAll(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x):
        s = x.mean(dim=(2, 3), keepdim=True).flatten()  # flattens the batch axis too
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s.view(x.shape[0], -1, 1, 1)


class SEKeepdimIntoLinear(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)  # (N, C, 1, 1): Linear acts on the last axis
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s


class SENoMaxOne(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, channels // reduction)  # 0 units when channels < reduction
        self.fc2 = nn.Linear(channels // reduction, channels)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return x * s[:, :, None, None]


class SEReductionAsWidth(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, reduction)  # reduction read as the hidden width
        self.fc2 = nn.Linear(reduction, channels)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return x * s[:, :, None, None]


class SESoftmaxGate(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x):
        s = torch.softmax(self.fc2(F.relu(self.fc1(x.mean((2, 3))))), dim=1)
        return x * s[:, :, None, None]


class SENoReluBetween(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(self.fc1(x.mean((2, 3)))))
        return x * s[:, :, None, None]


class SEReturnsScale(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return s[:, :, None, None].expand_as(x)  # the weights, not the reweighted maps


class SEAddsScale(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return x + s[:, :, None, None]


class SEMaxSqueeze(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x):
        s = x.amax(dim=(2, 3))
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s[:, :, None, None]


class SELinearNoBias(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction), bias=False)
        self.fc2 = nn.Linear(max(1, channels // reduction), channels, bias=False)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return x * s[:, :, None, None]


class SEMultipliesInPlace(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return x.mul_(s[:, :, None, None])  # rescales the caller's tensor


class SECeilWidth(nn.Module):
    """math.ceil(channels / reduction) "so that it is never 0", instead of max(1, channels // reduction)."""

    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = math.ceil(channels / reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return x * s[:, :, None, None]


class SEGateFromInputShape(nn.Module):
    """x * s with s of shape (N, C): broadcasting lines it up with (H, W), not (N, C)."""

    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return x * s


# ------------------------------------------------------------------ Fire


class FireNoSqueezeRelu(nn.Module):
    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.expand1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)

    def forward(self, x):
        s = self.squeeze(x)
        return torch.cat([F.relu(self.expand1(s)), F.relu(self.expand3(s))], 1)


class FireExpandNoPadding(nn.Module):
    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.expand1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand3 = nn.Conv2d(squeeze, expand3x3, 3)

    def forward(self, x):
        s = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand1(s)), F.relu(self.expand3(s))], 1)


class FireCatOrderSwapped(nn.Module):
    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.expand1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)

    def forward(self, x):
        s = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand3(s)), F.relu(self.expand1(s))], 1)


class FireWithBatchNorm(nn.Module):
    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = nn.Sequential(nn.Conv2d(c_in, squeeze, 1, bias=False), nn.BatchNorm2d(squeeze), nn.ReLU())
        self.expand1 = nn.Sequential(nn.Conv2d(squeeze, expand1x1, 1, bias=False), nn.BatchNorm2d(expand1x1),
                                     nn.ReLU())
        self.expand3 = nn.Sequential(nn.Conv2d(squeeze, expand3x3, 3, padding=1, bias=False),
                                     nn.BatchNorm2d(expand3x3), nn.ReLU())

    def forward(self, x):
        s = self.squeeze(x)
        return torch.cat([self.expand1(s), self.expand3(s)], 1)


class FireNoBias(nn.Module):
    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1, bias=False)
        self.expand1 = nn.Conv2d(squeeze, expand1x1, 1, bias=False)
        self.expand3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1, bias=False)

    def forward(self, x):
        s = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand1(s)), F.relu(self.expand3(s))], 1)


class FireExpandsRawInput(nn.Module):
    """The expand convs read x (built for c_in channels), the squeeze is computed and never used."""

    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.expand1 = nn.Conv2d(c_in, expand1x1, 1)
        self.expand3 = nn.Conv2d(c_in, expand3x3, 3, padding=1)

    def forward(self, x):
        s = F.relu(self.squeeze(x))  # noqa: F841
        return torch.cat([F.relu(self.expand1(x)), F.relu(self.expand3(x))], 1)


class FireNoExpandRelu(nn.Module):
    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.expand1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)

    def forward(self, x):
        s = F.relu(self.squeeze(x))
        return torch.cat([self.expand1(s), self.expand3(s)], 1)


class FireAddsExpands(nn.Module):
    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.expand1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)

    def forward(self, x):
        s = F.relu(self.squeeze(x))
        return F.relu(self.expand1(s)) + F.relu(self.expand3(s))


# ------------------------------------------------------------------ DenseLayer


class DenseLayerReturnsConcat(nn.Module):
    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False),
                                 nn.BatchNorm2d(4 * growth_rate), nn.ReLU(),
                                 nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.net(x)], 1)


class DenseLayerPostActivation(nn.Module):
    """conv -> BN -> ReLU (ResNet's order) instead of DenseNet's BN -> ReLU -> conv."""

    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False), nn.BatchNorm2d(4 * growth_rate),
                                 nn.ReLU(), nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(growth_rate), nn.ReLU())

    def forward(self, x):
        return self.net(x)


class DenseLayerBottleneckWidthK(nn.Module):
    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, growth_rate, 1, bias=False),
                                 nn.BatchNorm2d(growth_rate), nn.ReLU(),
                                 nn.Conv2d(growth_rate, growth_rate, 3, padding=1, bias=False))

    def forward(self, x):
        return self.net(x)


class DenseLayerNoPadding(nn.Module):
    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False),
                                 nn.BatchNorm2d(4 * growth_rate), nn.ReLU(),
                                 nn.Conv2d(4 * growth_rate, growth_rate, 3, bias=False))

    def forward(self, x):
        return self.net(x)


class DenseLayerNoSecondRelu(nn.Module):
    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False),
                                 nn.BatchNorm2d(4 * growth_rate),
                                 nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False))

    def forward(self, x):
        return self.net(x)


class DenseLayerInplaceReluFirst(nn.Module):
    """ReLU(inplace=True) -> BN -> conv: the order is swapped and the ReLU overwrites the caller's x."""

    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.ReLU(inplace=True), nn.BatchNorm2d(c_in),
                                 nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False),
                                 nn.ReLU(inplace=True), nn.BatchNorm2d(4 * growth_rate),
                                 nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False))

    def forward(self, x):
        return self.net(x)


class DenseLayerConvBias(nn.Module):
    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 4 * growth_rate, 1),
                                 nn.BatchNorm2d(4 * growth_rate), nn.ReLU(),
                                 nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1))

    def forward(self, x):
        return self.net(x)


class DenseLayerFirstBnForgotten(nn.Module):
    """ReLU straight on the input: the first BatchNorm2d(c_in) is missing."""

    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.bn = nn.BatchNorm2d(4 * growth_rate)
        self.conv1 = nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False)
        self.conv2 = nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False)

    def forward(self, x):
        out = self.conv1(F.relu(x))  # first BN forgotten
        return self.conv2(F.relu(self.bn(out)))


class DenseLayerWithDropout(nn.Module):
    """torchvision's drop_rate copied in: F.dropout on the new maps in training mode."""

    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False),
                                 nn.BatchNorm2d(4 * growth_rate), nn.ReLU(),
                                 nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False))

    def forward(self, x):
        return F.dropout(self.net(x), p=0.2, training=self.training)


# ------------------------------------------------------------------ DenseBlock


class _DL(nn.Module):
    """A correct dense layer, as the student's own DenseLayer from the exercise before."""

    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False),
                                 nn.BatchNorm2d(4 * growth_rate), nn.ReLU(),
                                 nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False))

    def forward(self, x):
        return self.net(x)


class DenseBlockSharedLayerOnInput(nn.Module):
    """ModuleList([layer] * n): one layer n times, each fed only x (so the channel counts fit)."""

    def __init__(self, n_layers, c_in, growth_rate):
        super().__init__()
        self.layers = nn.ModuleList([_DL(c_in, growth_rate)] * n_layers)

    def forward(self, x):
        return torch.cat([x] + [layer(x) for layer in self.layers], 1)


class DenseBlockEachLayerOnInput(nn.Module):
    def __init__(self, n_layers, c_in, growth_rate):
        super().__init__()
        self.layers = nn.ModuleList([_DL(c_in, growth_rate) for _ in range(n_layers)])

    def forward(self, x):
        return torch.cat([x] + [layer(x) for layer in self.layers], 1)


class DenseBlockChain(nn.Module):
    """Each layer reads only the previous layer's new maps."""

    def __init__(self, n_layers, c_in, growth_rate):
        super().__init__()
        self.layers = nn.ModuleList([_DL(c_in if i == 0 else growth_rate, growth_rate) for i in range(n_layers)])

    def forward(self, x):
        outs, h = [x], x
        for layer in self.layers:
            h = layer(h)
            outs.append(h)
        return torch.cat(outs, 1)


class DenseBlockNewMapsOnly(nn.Module):
    def __init__(self, n_layers, c_in, growth_rate):
        super().__init__()
        self.layers = nn.ModuleList([_DL(c_in + i * growth_rate, growth_rate) for i in range(n_layers)])

    def forward(self, x):
        features, new = x, []
        for layer in self.layers:
            out = layer(features)
            new.append(out)
            features = torch.cat([features, out], 1)
        return torch.cat(new, 1)  # input left out


class DenseBlockPythonList(nn.Module):
    def __init__(self, n_layers, c_in, growth_rate):
        super().__init__()
        self.layers = [_DL(c_in + i * growth_rate, growth_rate) for i in range(n_layers)]  # not registered

    def forward(self, x):
        features = x
        for layer in self.layers:
            features = torch.cat([features, layer(features)], 1)
        return features


class DenseBlockNewFirst(nn.Module):
    def __init__(self, n_layers, c_in, growth_rate):
        super().__init__()
        self.layers = nn.ModuleList([_DL(c_in + i * growth_rate, growth_rate) for i in range(n_layers)])

    def forward(self, x):
        features = x
        for layer in self.layers:
            features = torch.cat([layer(features), features], 1)  # new maps in front
        return features


class DenseBlockOffByOne(nn.Module):
    def __init__(self, n_layers, c_in, growth_rate):
        super().__init__()
        self.layers = nn.ModuleList([_DL(c_in + i * growth_rate, growth_rate) for i in range(n_layers - 1)])

    def forward(self, x):
        features = x
        for layer in self.layers:
            features = torch.cat([features, layer(features)], 1)
        return features


class DenseBlockPreviousOutputAndInput(nn.Module):
    """Each layer reads x and the previous layer's maps only (not all earlier ones)."""

    def __init__(self, n_layers, c_in, growth_rate):
        super().__init__()
        self.layers = nn.ModuleList([_DL(c_in if i == 0 else c_in + growth_rate, growth_rate)
                                     for i in range(n_layers)])

    def forward(self, x):
        outs, prev = [x], None
        for layer in self.layers:
            prev = layer(x if prev is None else torch.cat([x, prev], 1))
            outs.append(prev)
        return torch.cat(outs, 1)


# ------------------------------------------------------------------ the bank

_P, _S, _F = "check_conv_param_count", "check_stacked_3x3", "check_count_flops"
_R, _B, _I, _E = "check_ResidualBlock", "check_Bottleneck", "check_Inception", "check_SqueezeExcitation"
_FI, _DL_, _DB = "check_Fire", "check_DenseLayer", "check_DenseBlock"

BANK = [
    # conv_param_count
    Bug(_P, params_one_bias, "one bias for the whole layer", "+ 1 bias for the layer"),
    Bug(_P, params_groups_ignored, "groups ignored", "groups never used"),
    Bug(_P, params_groups_divide_both, "groups divide both channel counts", "c_out // groups * c_in // groups"),
    Bug(_P, params_groups_multiply, "groups multiply the weights", "c_in * groups"),
    Bug(_P, params_square_kernel_only, "kernel_size pair read as its first number", "(KH, KW) read as KH x KH"),
    Bug(_P, params_bias_per_input_channel, "one bias per input channel", "+ c_in biases"),
    Bug(_P, params_bias_always, "bias counted with bias=False", "bias flag ignored"),
    Bug(_P, params_int_kernel_only, "kernel_size is an int or a (KH, KW) pair", "kernel_size * kernel_size: a pair raises"),
    Bug(_P, params_kernel_once, "kernel counted once, not KH x KW", "K, not K * K"),
    Bug(_P, params_pair_only, "kernel_size is an int or a (KH, KW) pair", "kh, kw = kernel_size: an int raises"),
    # stacked_3x3
    Bug(_S, stacked_field_3n, "receptive field 3n", "field 3n"),
    Bug(_S, stacked_field_power, "receptive fields multiplied", "field 3 ** n"),
    Bug(_S, stacked_without_biases, "biases forgotten", "no biases anywhere"),
    Bug(_S, stacked_one_bias_for_the_stack, "the stack's biases counted once", "stack's biases counted once"),
    Bug(_S, stacked_single_one_channel_factor, "channels not squared", "single conv: K*K*C + C"),
    Bug(_S, stacked_returns_single_then_stacked, "params_stacked and params_single swapped", "(field, single, stacked)"),
    Bug(_S, stacked_single_kernel_3n, "single conv of size 3n", "single conv of size 3n"),
    Bug(_S, stacked_field_2n_minus_1, "receptive field 2n - 1", "field 2n - 1"),
    Bug(_S, stacked_field_2n, "receptive field 2n", "field 2n"),
    # count_flops
    Bug(_F, flops_static_from_input_shape, "input positions counted, not output positions", "model.modules() statically, input H x W"),
    Bug(_F, flops_dict_per_module, "a layer called twice counted once", "dict per module: second call overwrites"),
    Bug(_F, flops_groups_ignored, "groups ignored", "in_channels, not in_channels // groups"),
    Bug(_F, flops_input_positions, "input positions counted, not output positions", "input numel x filters x kernel"),
    Bug(_F, flops_with_bias_adds, "biases counted", "+1 per output for the bias"),
    Bug(_F, flops_convs_only, "linear layers not counted", "nn.Linear not hooked"),
    Bug(_F, flops_every_module_with_weight, "batch norm counted", "BatchNorm counted (hasattr weight)"),
    Bug(_F, flops_leaves_eval_mode, "train/eval mode not restored", "model.eval() never undone"),
    Bug(_F, flops_forward_in_train_mode, "batch-norm statistics updated", "no eval(): BN running stats updated"),
    Bug(_F, flops_children_only, "only the top-level modules hooked", "model.children(), nested layers missed"),
    Bug(_F, flops_square_kernel, "kernel read as square", "kernel_size[0] ** 2"),
    Bug(_F, flops_weights_times_input_size, "input positions counted, not output positions", "weight.numel() x input H x W"),
    Bug(_F, flops_unbatched_input, "run the model on a batch of one", "zeros(input_shape) without the batch axis"),
    Bug(_F, flops_weights_times_outputs, "every filter's weights per output value", "out.numel() * weight.numel()"),
    Bug(_F, flops_no_input_channels, "input channels not counted", "out.numel() * KH * KW, no C"),
    Bug(_F, flops_times_two, "FLOPs, not multiply-adds", "2 FLOPs per multiply-add"),
    Bug(_F, flops_seen_set, "a layer called twice counted once", "seen set: second call skipped"),
    Bug(_F, flops_global_counter_hooks_kept, "count not reset or hooks kept", "global counter, hooks never removed"),
    Bug(_F, flops_sets_train_at_the_end, "train/eval mode not restored", "model.train() at the end"),
    # ResidualBlock
    Bug(_R, ResidualAddsIntoInput, "input changed in place", "identity += out writes into x"),
    Bug(_R, ResidualOneBatchNorm, "one layer used twice", "one BN after both convs"),
    Bug(_R, ResidualBatchNormsRepeatedList, "one layer used twice", "ModuleList([bn] * 2)"),
    Bug(_R, ResidualDetachedShortcut, "do not detach anything", "shortcut .detach()"),
    Bug(_R, ResidualStrideOnSecondConv, "stride on the second convolution", "stride on conv2"),
    Bug(_R, ResidualReluBeforeAdd, "shortcut added after the ReLU", "ReLU before the addition"),
    Bug(_R, ResidualNoFinalRelu, "final ReLU missing", "no ReLU after the addition"),
    Bug(_R, ResidualProjectOnlyWhenStrided, "projection missing when the shape changes", "projection only when stride != 1"),
    Bug(_R, ResidualAlwaysProjects, "projection where the identity fits", "1x1 projection always"),
    Bug(_R, ResidualProjectionWithoutBN, "projection without batch norm", "projection without BN"),
    Bug(_R, ResidualConvsWithBias, "convolutions with bias", "convs with bias"),
    Bug(_R, ResidualKerasMomentum, "batch norm momentum changed", "BN momentum=0.9"),
    Bug(_R, ResidualInplaceReluOnInput, "input changed in place", "relu_(x) first"),
    Bug(_R, ResidualShadowedInput, "shortcut taken from the overwritten x", "x overwritten: shortcut of F(x)"),
    Bug(_R, ResidualOptionAShortcut, "projection missing when the shape changes", "option A zero-padded shortcut"),
    # Bottleneck
    Bug(_B, BottleneckStrideOnFirst1x1, "stride on the first 1x1 convolution", "stride on the first 1x1"),
    Bug(_B, BottleneckReluBeforeAdd, "shortcut added after the ReLU", "ReLU before the addition"),
    Bug(_B, BottleneckNoBnAfterExpand, "batch norm forgotten", "bn3 forgotten"),
    Bug(_B, BottleneckMidTimesFour, "c_out ignored", "last 1x1 to 4 * c_mid"),
    Bug(_B, BottleneckNoPadding, "3x3 conv without padding", "3x3 without padding"),
    Bug(_B, BottleneckShortcutWithoutStride, "projection without the stride", "projection without stride"),
    Bug(_B, BottleneckConvReluBn, "ReLU before batch norm", "conv-ReLU-BN"),
    Bug(_B, BottleneckSharedMidBatchNorm, "one layer used twice", "one BN(c_mid) twice"),
    Bug(_B, BottleneckInplaceAddOnInput, "input changed in place", "identity.add_() writes into x"),
    Bug(_B, BottleneckShadowedInput, "shortcut taken from the overwritten x", "x overwritten: shortcut of F(x)"),
    # Inception
    Bug(_I, InceptionPoolWithoutPadding, "every branch must keep H x W", "maxpool without padding"),
    Bug(_I, InceptionFivePaddingOne, "every branch must keep H x W", "5x5 with padding 1"),
    Bug(_I, InceptionCatOrderPoolFirst, "branches concatenated in another order", "pool branch first in cat"),
    Bug(_I, InceptionCatThreeFiveSwapped, "branches concatenated in another order", "3x3 and 5x5 swapped in cat"),
    Bug(_I, InceptionDefaultEps, "batch norm eps left at 1e-5", "BN eps 1e-5"),
    Bug(_I, InceptionProjectThenPool, "1x1 projection before the pool", "1x1 before the pool"),
    Bug(_I, InceptionNoReluAfterReduce, "ReLU missing", "no ReLU after the reduce 1x1s"),
    Bug(_I, InceptionAvgPool, "average pooling in the pool branch", "average pooling"),
    Bug(_I, InceptionConvBias, "convolutions with bias", "convs with bias"),
    Bug(_I, InceptionInplaceReluOnInputPool, "input changed in place", "ReLU(inplace) on x in the pool branch"),
    # SqueezeExcitation
    Bug(_E, SEFlattenAll, "squeeze shape wrong for the FC layers", "flatten() flattens the batch"),
    Bug(_E, SEKeepdimIntoLinear, "squeeze shape wrong for the FC layers", "keepdim=True into Linear"),
    Bug(_E, SENoMaxOne, "bottleneck width 0", "C // r without max(1, .)"),
    Bug(_E, SEReductionAsWidth, "reduction used as the bottleneck width", "hidden width = reduction"),
    Bug(_E, SESoftmaxGate, "softmax instead of sigmoid", "softmax instead of sigmoid"),
    Bug(_E, SENoReluBetween, "ReLU missing between the FC layers", "no ReLU between the fcs"),
    Bug(_E, SEReturnsScale, "returned the channel weights", "returns the scale"),
    Bug(_E, SEAddsScale, "weights added, not multiplied", "x + s"),
    Bug(_E, SEMaxSqueeze, "squeeze by max, not mean", "max instead of mean"),
    Bug(_E, SELinearNoBias, "FC layers without bias", "Linear without bias"),
    Bug(_E, SEMultipliesInPlace, "input changed in place", "x.mul_(s)"),
    Bug(_E, SECeilWidth, "bottleneck width rounded up", "ceil(C / r) hidden units"),
    Bug(_E, SEGateFromInputShape, "channel weights not reshaped", "x * s with s (N, C)"),
    # Fire
    Bug(_FI, FireNoSqueezeRelu, "ReLU missing after the squeeze", "no ReLU after squeeze"),
    Bug(_FI, FireExpandNoPadding, "pad the 3x3 expand conv by 1", "3x3 expand without padding"),
    Bug(_FI, FireCatOrderSwapped, "expand outputs in the other order", "3x3 before 1x1 in cat"),
    Bug(_FI, FireWithBatchNorm, "batch norm added", "BN added"),
    Bug(_FI, FireNoBias, "biases forgotten", "convs without bias"),
    Bug(_FI, FireExpandsRawInput, "expand convs fed the input, not the squeeze output", "expands read x"),
    Bug(_FI, FireNoExpandRelu, "ReLU missing after the expand convs", "no ReLU on expands"),
    Bug(_FI, FireAddsExpands, "expand outputs summed instead of concatenated", "expands added, not concatenated"),
    # DenseLayer
    Bug(_DL_, DenseLayerReturnsConcat, "returned the concatenation", "returns cat([x, new])"),
    Bug(_DL_, DenseLayerPostActivation, "conv-BN-ReLU order", "conv-BN-ReLU order"),
    Bug(_DL_, DenseLayerBottleneckWidthK, "bottleneck width is k, not 4k", "bottleneck width k"),
    Bug(_DL_, DenseLayerNoPadding, "3x3 conv without padding", "3x3 without padding"),
    Bug(_DL_, DenseLayerNoSecondRelu, "ReLU missing", "no ReLU before the 3x3"),
    Bug(_DL_, DenseLayerInplaceReluFirst, "input changed in place", "ReLU(inplace)-BN-conv"),
    Bug(_DL_, DenseLayerConvBias, "convolutions with bias", "convs with bias"),
    Bug(_DL_, DenseLayerFirstBnForgotten, "batch norm forgotten", "first BN forgotten"),
    Bug(_DL_, DenseLayerWithDropout, "dropout added", "dropout 0.2 in train mode"),
    # DenseBlock
    Bug(_DB, DenseBlockSharedLayerOnInput, "one layer used twice", "ModuleList([layer] * n), each on x"),
    Bug(_DB, DenseBlockEachLayerOnInput, "each layer fed only the block's input", "each layer fed only x"),
    Bug(_DB, DenseBlockChain, "each layer fed only the previous layer's output", "each layer fed the previous output"),
    Bug(_DB, DenseBlockNewMapsOnly, "input left out of the output", "input left out of the output"),
    Bug(_DB, DenseBlockPythonList, "layers not registered", "Python list, not ModuleList"),
    Bug(_DB, DenseBlockNewFirst, "concatenated in reverse order", "new maps concatenated in front"),
    Bug(_DB, DenseBlockOffByOne, "one layer too few", "n - 1 layers"),
    Bug(_DB, DenseBlockPreviousOutputAndInput, "each layer fed the input and the previous layer's maps only", "x and the previous output only"),
]


# ------------------------------------------------------------------ found by an independent tester (out of sample)

def flops_linear_in_times_out(model, input_shape):
    """A linear layer counted as in_features * out_features, whatever its input's shape."""
    total = 0

    def hook(m, inputs, out):
        nonlocal total
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            total += out.numel() * (m.in_channels // m.groups) * kh * kw
        else:
            total += m.in_features * m.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    for m, training in modes:
        m.training = training
    for h in handles:
        h.remove()
    return total


def flops_restores_top_level_mode_only(model, input_shape):
    """model.train(was) afterwards: a frozen (eval-mode) batch norm inside comes back in training mode."""
    total = 0

    def hook(m, inputs, out):
        nonlocal total
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            total += out.numel() * (m.in_channels // m.groups) * kh * kw
        else:
            total += out.numel() * m.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was)
    for h in handles:
        h.remove()
    return total


class BottleneckExtraReluBeforeAdd(nn.Module):
    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_mid, 1, bias=False), nn.BatchNorm2d(c_mid), nn.ReLU(),
            nn.Conv2d(c_mid, c_mid, 3, stride, 1, bias=False), nn.BatchNorm2d(c_mid), nn.ReLU(),
            nn.Conv2d(c_mid, c_out, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())  # one ReLU too many
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


BANK += [
    Bug(_F, flops_linear_in_times_out, "a linear layer counted as in_features x out_features", "linear: in x out"),
    Bug(_F, flops_restores_top_level_mode_only, "train/eval mode not restored", "model.train(was) only"),
    Bug(_B, BottleneckExtraReluBeforeAdd, "extra ReLU before the addition", "ReLU after bn3 too"),
]
