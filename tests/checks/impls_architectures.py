"""Student-style correct implementations of module 05's graded functions, in several styles.

Every one must pass its check (tests/checks/test_architectures.py): different attribute names,
registration orders, nn.Sequential or functional activations, shortcut computed first, lists
instead of tuples.  Buggy ones live in tests/checks/bank_architectures.py.
"""

import torch
import torch.nn.functional as F
from torch import nn

# ------------------------------------------------------------------ counts


def conv_param_count(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


def conv_param_count_via_torch(c_in, c_out, kernel_size, bias=True, groups=1):
    layer = nn.Conv2d(c_in, c_out, kernel_size, bias=bias, groups=groups)
    return sum(p.numel() for p in layer.parameters())


def stacked_3x3(n, channels):
    field = 2 * n + 1
    return field, n * (9 * channels * channels + channels), field * field * channels * channels + channels


def stacked_3x3_list(n, channels):
    return [1 + 2 * n, n * conv_param_count(channels, channels, 3), conv_param_count(channels, channels, 2 * n + 1)]


def count_flops(model, input_shape):
    total = 0

    def hook(module, inputs, out):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += out.numel() * module.in_channels // module.groups * kh * kw
        else:
            total += out.numel() * module.in_features

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


def count_flops_weights_times_positions(model, input_shape):
    """Per layer: weights (without bias) times output positions; a pre-hook list of calls."""
    calls = []
    handles = [m.register_forward_hook(lambda m, i, o: calls.append((m, o.shape)))
               for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was = {m: m.training for m in model.modules()}
    model.eval()
    with torch.no_grad():
        model(torch.zeros((1,) + tuple(input_shape)))
    for h in handles:
        h.remove()
    for m, t in was.items():
        m.training = t
    total = 0
    for m, shape in calls:
        if isinstance(m, nn.Conv2d):
            positions = shape[2] * shape[3]  # one image: N = 1
        else:  # a linear layer runs once per position of every axis but the last
            positions = int(torch.tensor(shape[:-1]).prod()) if len(shape) > 1 else 1
        total += m.weight.numel() * positions
    return int(total)


# ------------------------------------------------------------------ blocks

class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResidualBlockShortcutFirst(nn.Module):
    """Projection registered and computed first, layers in Sequentials, other names."""

    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.proj = None
        if stride != 1 or c_in != c_out:
            self.proj = nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size=1, stride=stride, bias=False),
                                      nn.BatchNorm2d(c_out))
        self.body = nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                                  nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                                  nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        identity = x if self.proj is None else self.proj(x)
        return torch.relu(self.body(x) + identity)


class Bottleneck(nn.Module):
    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        self.reduce = nn.Sequential(nn.Conv2d(c_in, c_mid, 1, bias=False), nn.BatchNorm2d(c_mid), nn.ReLU())
        self.spatial = nn.Sequential(nn.Conv2d(c_mid, c_mid, 3, stride, 1, bias=False), nn.BatchNorm2d(c_mid),
                                     nn.ReLU())
        self.expand = nn.Sequential(nn.Conv2d(c_mid, c_out, 1, bias=False), nn.BatchNorm2d(c_out))
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return F.relu(self.expand(self.spatial(self.reduce(x))) + self.shortcut(x))


def _unit(c_in, c_out, k):
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False), nn.BatchNorm2d(c_out, eps=0.001),
                         nn.ReLU(inplace=True))


class Inception(nn.Module):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.b1 = _unit(c_in, c1, 1)
        self.b3 = nn.Sequential(_unit(c_in, c3_reduce, 1), _unit(c3_reduce, c3, 3))
        self.b5 = nn.Sequential(_unit(c_in, c5_reduce, 1), _unit(c5_reduce, c5, 5))
        self.pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), _unit(c_in, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.pool(x)], 1)


class InceptionPoolFirst(nn.Module):
    """Branches registered in another order (pool first), outputs still concatenated 1, 3, 5, pool."""

    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.branches = nn.ModuleDict({
            "pool": nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1), _unit(c_in, pool_proj, 1)),
            "five": nn.Sequential(_unit(c_in, c5_reduce, 1), _unit(c5_reduce, c5, 5)),
            "three": nn.Sequential(_unit(c_in, c3_reduce, 1), _unit(c3_reduce, c3, 3)),
            "one": _unit(c_in, c1, 1)})

    def forward(self, x):
        outs = {name: branch(x) for name, branch in self.branches.items()}
        return torch.cat([outs["one"], outs["three"], outs["five"], outs["pool"]], dim=1)


class SqueezeExcitation(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1).flatten(1)
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s.view(x.shape[0], x.shape[1], 1, 1)


class SqueezeExcitationSequential(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.excite = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, max(1, channels // reduction)),
                                    nn.ReLU(), nn.Linear(max(1, channels // reduction), channels), nn.Sigmoid())

    def forward(self, x):
        return x * self.excite(x)[:, :, None, None]


class Fire(nn.Module):
    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.s = nn.Conv2d(c_in, squeeze, 1)
        self.e1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.e3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.s(x))
        return torch.cat((F.relu(self.e1(x)), F.relu(self.e3(x))), dim=1)


class DenseLayer(nn.Module):
    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.net = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False),
                                 nn.BatchNorm2d(4 * growth_rate), nn.ReLU(),
                                 nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False))

    def forward(self, x):
        return self.net(x)


class DenseBlock(nn.Module):
    def __init__(self, n_layers, c_in, growth_rate):
        super().__init__()
        self.layers = nn.ModuleList([DenseLayer(c_in + i * growth_rate, growth_rate) for i in range(n_layers)])

    def forward(self, x):
        features = x
        for layer in self.layers:
            features = torch.cat([features, layer(features)], dim=1)
        return features


CORRECT = {
    "check_conv_param_count": [conv_param_count, conv_param_count_via_torch],
    "check_stacked_3x3": [stacked_3x3, stacked_3x3_list],
    "check_count_flops": [count_flops, count_flops_weights_times_positions],
    "check_ResidualBlock": [ResidualBlock, ResidualBlockShortcutFirst],
    "check_Bottleneck": [Bottleneck],
    "check_Inception": [Inception, InceptionPoolFirst],
    "check_SqueezeExcitation": [SqueezeExcitation, SqueezeExcitationSequential],
    "check_Fire": [Fire],
    "check_DenseLayer": [DenseLayer],
    "check_DenseBlock": [DenseBlock],
}


# ------------------------------------------------------------------ buggy ones with a specific message

class ResidualBlockSpareLayer(ResidualBlock):
    """Correct, plus a layer forward never uses."""

    def __init__(self, c_in, c_out, stride=1):
        super().__init__(c_in, c_out, stride)
        self.spare = nn.Conv2d(c_out, c_out, 1)


class ResidualBlockNoReturn(ResidualBlock):
    def forward(self, x):
        F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))) + self.shortcut(x))


class FireLazy(nn.Module):
    def __init__(self, c_in, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.s = nn.LazyConv2d(squeeze, 1)
        self.e1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.e3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.s(x))
        return torch.cat((F.relu(self.e1(x)), F.relu(self.e3(x))), dim=1)


class InceptionStridedPool(Inception):
    def __init__(self, c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__(c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj)
        self.pool[0] = nn.MaxPool2d(3, 2, 1)


def count_flops_float(model, input_shape):
    return float(count_flops(model, input_shape))


BUGGY = [
    ("check_ResidualBlock", ResidualBlockSpareLayer, "layer `spare` is never used in forward."),
    ("check_ResidualBlock", ResidualBlockNoReturn, "forward returned None. Did you forget a `return`?"),
    ("check_Fire", FireLazy, "the block has lazy layers.\n  Hint: give every layer its sizes"),
    ("check_Inception", InceptionStridedPool, "Hint: every branch must keep H x W"),
    ("check_count_flops", count_flops_float, "expected an int, got float"),
]
