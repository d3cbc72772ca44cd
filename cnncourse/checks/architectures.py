"""Checks for module 05_architectures.

Introduced in notebooks/05_architectures_lecture.ipynb.  ``conv_param_count`` and
``stacked_3x3`` are compared with :mod:`cnncourse.torch_ref.architectures`; ``count_flops`` runs
on models the grader builds next to the student's code (small ``nn.Sequential`` stacks and
torchvision's resnet18 and mobilenet_v2) against the reference, which
``torch.utils.flop_counter`` confirms (tests/torch_ref/test_architectures.py).  The blocks
(``ResidualBlock``, ``Bottleneck``, ``Inception``, ``SqueezeExcitation``, ``Fire``,
``DenseLayer``, ``DenseBlock``) are compared with torchvision's own blocks on weights the grader
draws, in train and eval mode (:mod:`cnncourse.checks._blocks`).  ``hidden=True`` adds random
cases drawn from ``CNNCOURSE_GRADING_SEED``.  torch is imported on first use.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable

import numpy as np

from ._architecture_blocks import SPECS
from ._blocks import BlockCase, check_block
from ._core import Case, Mismatch, Mistake, hidden_rng, require_student_function, run_check
from ._properties import FixtureDriver


def _ref():
    from ..torch_ref import architectures

    return architectures


def _int_view(what):
    def view(value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, float, np.floating)):
            raise Mismatch(f"expected an int ({what}), got {type(value).__name__}.", stage="type")
        return value
    return view


# ------------------------------------------------------------------ conv_param_count

def _k_area(a):
    k = a.kernel_size
    kh, kw = (k, k) if isinstance(k, numbers.Integral) else tuple(k)
    return kh * kw


CONV_PARAM_MISTAKES = [
    Mistake("bias forgotten", args={"bias": False},
            hint="a conv layer with bias=True has one bias per filter: add c_out."),
    Mistake("bias counted with bias=False", args={"bias": True},
            hint="bias=False means no biases: count only the weights c_out * (c_in // groups) * KH * KW."),
    Mistake("one bias for the whole layer", output=lambda out, a: out - a.c_out + 1 if a.bias else out,
            hint="each of the c_out filters has its own bias: + c_out, not + 1."),
    Mistake("groups ignored", args={"groups": 1},
            hint="with groups=g each filter sees only c_in // g channels: c_out * (c_in // g) * KH * KW weights."),
    Mistake("groups divide both channel counts",
            output=lambda out, a: (a.c_out // a.groups) * (a.c_in // a.groups) * _k_area(a) + (a.c_out if a.bias
                                                                                                 else 0),
            hint="only the input channels are split: every one of the c_out filters has (c_in // groups) * KH * KW "
                 "weights."),
    Mistake("kernel counted once, not KH x KW",
            output=lambda out, a: out - a.c_out * (a.c_in // a.groups) * (_k_area(a) - int(np.sqrt(_k_area(a)))),
            hint="a K x K kernel has K * K weights per input channel: multiply by KH * KW, not K."),
    Mistake("kernel_size pair read as its first number",
            args=lambda a: {"kernel_size": a.kernel_size if isinstance(a.kernel_size, numbers.Integral)
                            else a.kernel_size[0]},
            hint="kernel_size=(KH, KW) is KH rows by KW columns: KH * KW weights per channel."),
]


def check_conv_param_count(conv_param_count: Callable, hidden: bool = False) -> None:
    """Check ``conv_param_count(c_in, c_out, kernel_size, bias=True, groups=1)`` -> int."""
    __tracebackhide__ = True
    c = lambda name, *args, is_hidden=False, **kw: Case(name, args, kw, dtype_rule="int",  # noqa: E731
                                                        project=_int_view("the parameter count"), hidden=is_hidden)
    cases = [
        c("3 -> 8 channels, 3x3, with bias", 3, 8, 3),
        c("bias=False", 16, 32, 3, bias=False),
        c("a 1x1 conv", 64, 16, 1),
        c("kernel (1, 7)", 8, 8, (1, 7)),
        c("groups=2 (AlexNet's two GPUs)", 8, 12, 3, groups=2),
        c("depthwise: groups = c_in", 32, 32, 3, bias=False, groups=32),
        c("ResNeXt: 128 -> 128, 3x3, 32 groups", 128, 128, 3, groups=32),
        c("VGG's first conv", 3, 64, 3),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(6):
            g = int(rng.choice([1, 1, 2, 4]))
            c_in, c_out = g * int(rng.integers(1, 20)), g * int(rng.integers(1, 20))
            k = int(rng.integers(1, 8)) if i % 2 else (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
            cases.append(c(f"hidden #{i + 1} ({c_in} -> {c_out}, kernel {k}, groups {g})", c_in, c_out, k,
                           bias=bool(i % 3), groups=g, is_hidden=True))
    run_check(conv_param_count, reference=_ref().conv_param_count, cases=cases, mistakes=CONV_PARAM_MISTAKES)


# ------------------------------------------------------------------ stacked_3x3

def _with(out, i, value):
    out = list(out)
    out[i] = value
    return tuple(out)


STACKED_MISTAKES = [
    Mistake("receptive field 3n", output=lambda out, a: _with(out, 0, 3 * a.n),
            hint="each extra 3x3 conv (stride 1) widens the field by 2, not 3: 3, 5, 7, ... = 2n + 1."),
    Mistake("receptive field 2n", output=lambda out, a: _with(out, 0, 2 * a.n),
            hint="one 3x3 conv sees 3 pixels, each further one 2 more: 2n + 1."),
    Mistake("biases forgotten", output=lambda out, a: (out[0], out[1] - a.n * a.channels, out[2] - a.channels),
            hint="every conv has c biases: n * (9c^2 + c) for the stack, (2n+1)^2 c^2 + c for the single conv."),
    Mistake("one conv's parameters for the whole stack", output=lambda out, a: _with(out, 1, out[1] // a.n),
            hint="the stack has n convs of 9c^2 + c parameters each: multiply by n."),
    Mistake("single conv of size 3n", output=lambda out, a: _with(out, 2, (3 * a.n) ** 2 * a.channels ** 2 + a.channels),
            hint="the single conv with the same receptive field is (2n+1) x (2n+1)."),
    Mistake("channels not squared", output=lambda out, a: (out[0], a.n * (9 * a.channels + a.channels),
                                                         (2 * a.n + 1) ** 2 * a.channels + a.channels),
            hint="a conv c -> c has c * c weights per kernel position: 9c^2 for a 3x3."),
]


def check_stacked_3x3(stacked_3x3: Callable, hidden: bool = False) -> None:
    """Check ``stacked_3x3(n, channels)`` -> (receptive_field, params_stacked, params_single)."""
    __tracebackhide__ = True
    names = ("the receptive field", "params_stacked", "params_single")
    c = lambda name, n, ch, is_hidden=False: Case(name, (n, ch), dtype_rule="int", item_names=names,  # noqa: E731
                                                  hidden=is_hidden)
    cases = [c("one 3x3 conv, 1 channel", 1, 1), c("two 3x3 = one 5x5, 64 channels", 2, 64),
             c("three 3x3 = one 7x7, 16 channels", 3, 16), c("5 convs, 3 channels", 5, 3)]
    if hidden:
        rng = hidden_rng()
        cases += [c(f"hidden #{i + 1}", int(rng.integers(1, 9)), int(rng.integers(1, 300)), True) for i in range(4)]
    run_check(stacked_3x3, reference=_ref().stacked_3x3, cases=cases, mistakes=STACKED_MISTAKES)


# ------------------------------------------------------------------ count_flops

def _flops(model, input_shape, *, per_weight=False, bias=False, groups=True, linear=True, factor=1, once=False,
           channels=True, kernel=True, input_positions=False):
    """Multiply-adds of conv and linear layers, with one slip per keyword (trusted: the mistakes' variants)."""
    import torch
    from torch import nn

    total, seen = 0, set()

    def conv_hook(m, args, out):
        nonlocal total
        if once and m in seen:
            return
        seen.add(m)
        kh, kw = m.kernel_size
        c = m.in_channels // (m.groups if groups else 1)
        if per_weight:
            total += m.weight.numel()
            return
        positions = args[0][0, 0].numel() if input_positions else out[0, 0].numel()
        total += positions * (out.shape[1] if channels else 1) * c * (kh * kw if kernel else 1)
        if bias and m.bias is not None:
            total += out.numel()

    def linear_hook(m, args, out):
        nonlocal total
        if not linear or (once and m in seen):
            return
        seen.add(m)
        total += m.weight.numel() if per_weight else out.numel() * m.in_features
        if bias and m.bias is not None:
            total += out.numel()

    handles = [m.register_forward_hook(conv_hook if isinstance(m, nn.Conv2d) else linear_hook)
               for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *input_shape)))
    finally:
        for h in handles:
            h.remove()
    return int(total * factor)


def _on_spec(func):
    """``func(model, input_shape)`` turned into a function of (spec, input_shape), the model built from the spec."""
    def run(spec, input_shape):
        from ..worker.fixtures import spec_model

        return func(spec_model(spec), tuple(input_shape))
    run.inner = func  # the function as a student would pass it
    return run


def _student_on_spec(count_flops):
    drive = FixtureDriver(count_flops)

    def run(spec, input_shape):
        result, changed = drive("count_on_spec", count_flops, spec, input_shape)
        if changed:
            return ("changed the model", result)
        return result
    run.inner = count_flops
    return run


def _flops_mistake(name, hint, **slip):
    return Mistake(name, _on_spec(functools.partial(_flops, **slip)), hint)


FLOPS_MISTAKES = [
    _flops_mistake("counted per weight, not per output position", "every output value of a conv is a dot product "
                   "of (C / groups) * KH * KW multiply-adds: out.numel() * (C / groups) * KH * KW, in a forward hook.",
                   per_weight=True),
    _flops_mistake("biases counted", "count multiply-adds of the weights only: the bias additions, BN, activations "
                   "and pooling are left out.", bias=True),
    _flops_mistake("groups ignored", "with groups=g each output is a dot product over C / g channels: use "
                   "module.in_channels // module.groups.", groups=False),
    _flops_mistake("linear layers not counted", "nn.Linear layers count too: out.numel() * in_features.",
                   linear=False),
    _flops_mistake("FLOPs, not multiply-adds", "count multiply-adds: torch's FlopCounterMode counts 2 FLOPs per "
                   "multiply-add.", factor=2),
    _flops_mistake("a layer called twice counted once", "count in a forward hook, once per call: a layer the "
                   "forward pass calls twice does its work twice.", once=True),
    _flops_mistake("output channels not counted", "each of the F output channels at each position is its own dot "
                   "product: out.numel() (= F * OH * OW) times (C / groups) * KH * KW.", channels=False),
    _flops_mistake("kernel size ignored", "each dot product runs over (C / groups) * KH * KW inputs: multiply by "
                   "the kernel area too.", kernel=False),
    _flops_mistake("input positions counted, not output positions", "a strided or unpadded conv has fewer outputs "
                   "than inputs: count from the output's shape (the hook's `out`), OH * OW.", input_positions=True),
]

_FLOP_CASES = [
    ("one conv 3 -> 4, 3x3", [["conv", 3, 4, 3, 1, 0, 1, True]], (3, 8, 8)),
    ("stride 2, padding 1", [["conv", 2, 6, 3, 2, 1, 1, False]], (2, 9, 9)),
    ("conv, ReLU, pool, then a linear layer", [["conv", 1, 4, 3, 1, 1, 1, True], ["relu"], ["maxpool", 2],
                                              ["flatten"], ["linear", 4 * 4 * 4, 10, True]], (1, 8, 8)),
    ("grouped conv (groups=2)", [["conv", 4, 6, 3, 1, 1, 2, False]], (4, 6, 6)),
    ("depthwise separable: 3x3 depthwise, 1x1 pointwise", [["conv", 8, 8, 3, 1, 1, 8, False], ["bn", 8], ["relu"],
                                                          ["conv", 8, 16, 1, 1, 0, 1, False]], (8, 7, 7)),
    ("a conv called twice", [["twice", 3, 3]], (3, 6, 6)),
    ("a residual block with a projection", [["block", 4, 8, 2], ["avgpool"], ["flatten"], ["linear", 8, 3, True]],
     (4, 8, 8)),
    ("torchvision resnet18, 3 x 32 x 32", ["torchvision", "resnet18"], (3, 32, 32)),
    ("torchvision mobilenet_v2, 3 x 32 x 32", ["torchvision", "mobilenet_v2"], (3, 32, 32)),
]


def _flop_view(value):
    if isinstance(value, tuple) and value and value[0] == "changed the model":
        raise Mismatch("count_flops changed the model's weights, statistics or train/eval flags.",
                       "count with forward hooks, run the pass under torch.no_grad() in eval mode, remove the hooks and "
                       "restore each module's .training afterwards.")
    return _int_view("the number of multiply-adds")(value)


def check_count_flops(count_flops: Callable, hidden: bool = False) -> None:
    """Check ``count_flops(model, input_shape)`` -> int, the multiply-adds of conv and linear layers."""
    __tracebackhide__ = True
    require_student_function(count_flops, "count_flops")
    c = lambda name, spec, shape, is_hidden=False: Case(name, (spec, list(shape)), dtype_rule="int",  # noqa: E731
                                                        project=_flop_view, hidden=is_hidden)
    cases = [c(*case) for case in _FLOP_CASES]
    if hidden:
        rng = hidden_rng()
        for i in range(3):
            g = int(rng.choice([1, 2]))
            c_in, c_out, k = g * int(rng.integers(1, 5)), g * int(rng.integers(1, 5)), int(rng.integers(1, 5))
            s, p, size = int(rng.integers(1, 3)), int(rng.integers(0, 2)), int(rng.integers(k + 2, 12))
            out = (size + 2 * p - k) // s + 1
            spec = [["conv", c_in, c_out, k, s, p, g, bool(i % 2)], ["relu"], ["flatten"],
                    ["linear", c_out * out * out, int(rng.integers(2, 9)), True]]
            cases.append(c(f"hidden #{i + 1} (conv {c_in} -> {c_out}, {k}x{k}, stride {s}, groups {g})", spec,
                           (c_in, size, size), True))
    run_check(_student_on_spec(count_flops), reference=_on_spec(_ref().count_flops), cases=cases,
              mistakes=FLOPS_MISTAKES, name="count_flops")


# ------------------------------------------------------------------ the blocks

def _block_cases(name, visible, hidden, draw):
    cases = [BlockCase(n, args, shape, train, dtype, seed=i) for i, (n, args, shape, train, dtype) in enumerate(visible)]
    if hidden:
        rng = hidden_rng()
        for i in range(2):
            args, shape = draw(rng)
            cases.append(BlockCase(f"hidden #{i + 1} ({name}{args}, input {shape}, {'train' if i % 2 else 'eval'} "
                                   "mode)", args, shape, bool(i % 2), "float32", seed=int(rng.integers(1 << 30)),
                                   hidden=True))
    return cases


def check_ResidualBlock(ResidualBlock: Callable, hidden: bool = False) -> None:  # noqa: N802, N803 - the class's name
    """Check ``ResidualBlock(c_in, c_out, stride=1)`` against torchvision's ``BasicBlock`` (+ its projection)."""
    __tracebackhide__ = True
    visible = [("identity shortcut, eval mode", (4, 4), (2, 4, 6, 6), False, "float32"),
               ("identity shortcut, train mode", (4, 4), (3, 4, 5, 5), True, "float32"),
               ("stride 2: projection shortcut", (4, 8, 2), (2, 4, 7, 7), False, "float32"),
               ("channels 4 -> 6, stride 1: projection, train mode", (4, 6, 1), (2, 4, 5, 5), True, "float32"),
               ("float64, stride 2, train mode", (3, 5, 2), (2, 3, 6, 6), True, "float64")]

    def draw(rng):
        c_in, c_out, s = int(rng.integers(2, 7)), int(rng.integers(2, 7)), int(rng.integers(1, 3))
        return (c_in, c_out, s), (2, c_in, int(rng.integers(4, 9)), int(rng.integers(4, 9)))
    check_block(ResidualBlock, SPECS["ResidualBlock"], _block_cases("ResidualBlock", visible, hidden, draw))


def check_Bottleneck(Bottleneck: Callable, hidden: bool = False) -> None:  # noqa: N802, N803
    """Check ``Bottleneck(c_in, c_mid, c_out, stride=1)`` against torchvision's ``Bottleneck`` (+ its projection)."""
    __tracebackhide__ = True
    visible = [("identity shortcut (16 -> 4 -> 16), eval mode", (16, 4, 16), (2, 16, 5, 5), False, "float32"),
               ("identity shortcut, train mode", (8, 2, 8), (3, 8, 4, 4), True, "float32"),
               ("stride 2: projection shortcut", (8, 4, 16, 2), (2, 8, 6, 6), False, "float32"),
               ("float64, 6 -> 3 -> 12, train mode", (6, 3, 12), (2, 6, 5, 5), True, "float64")]

    def draw(rng):
        c_mid = int(rng.integers(1, 5))
        c_out, c_in, s = 4 * c_mid, int(rng.integers(2, 12)), int(rng.integers(1, 3))
        return (c_in, c_mid, c_out, s), (2, c_in, int(rng.integers(4, 8)), int(rng.integers(4, 8)))
    check_block(Bottleneck, SPECS["Bottleneck"], _block_cases("Bottleneck", visible, hidden, draw))


def check_Inception(Inception: Callable, hidden: bool = False) -> None:  # noqa: N802, N803
    """Check ``Inception(c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj)`` against torchvision's (5x5 restored)."""
    __tracebackhide__ = True
    visible = [("small module, eval mode", (4, 2, 3, 4, 2, 3, 2), (2, 4, 6, 6), False, "float32"),
               ("train mode", (5, 3, 2, 4, 3, 2, 1), (3, 5, 5, 7), True, "float32"),
               ("equal branch widths", (3, 2, 2, 2, 2, 2, 2), (2, 3, 5, 5), False, "float32"),
               ("float64, train mode", (4, 1, 2, 3, 1, 2, 3), (2, 4, 6, 5), True, "float64")]

    def draw(rng):
        sizes = tuple(int(v) for v in rng.integers(1, 6, 7))
        return sizes, (2, sizes[0], int(rng.integers(4, 8)), int(rng.integers(4, 8)))
    check_block(Inception, SPECS["Inception"], _block_cases("Inception", visible, hidden, draw))


def check_SqueezeExcitation(SqueezeExcitation: Callable, hidden: bool = False) -> None:  # noqa: N802, N803
    """Check ``SqueezeExcitation(channels, reduction=16)`` against ``torchvision.ops.SqueezeExcitation``."""
    __tracebackhide__ = True
    visible = [("32 channels, reduction 16", (32,), (2, 32, 4, 4), False, "float32"),
               ("12 channels, reduction 4", (12, 4), (3, 12, 5, 3), False, "float32"),
               ("reduction larger than the channels", (6, 8), (2, 6, 3, 3), True, "float32"),
               ("float64", (8, 2), (2, 8, 4, 4), False, "float64")]

    def draw(rng):
        ch, r = int(rng.integers(2, 40)), int(rng.integers(1, 9))
        return (ch, r), (2, ch, int(rng.integers(2, 7)), int(rng.integers(2, 7)))
    check_block(SqueezeExcitation, SPECS["SqueezeExcitation"], _block_cases("SqueezeExcitation", visible, hidden, draw))


def check_Fire(Fire: Callable, hidden: bool = False) -> None:  # noqa: N802, N803
    """Check ``Fire(c_in, squeeze, expand1x1, expand3x3)`` against torchvision's ``squeezenet.Fire``."""
    __tracebackhide__ = True
    visible = [("equal expand widths", (6, 2, 4, 4), (2, 6, 5, 5), False, "float32"),
               ("different expand widths", (8, 3, 4, 6), (2, 8, 4, 6), False, "float32"),
               ("float64", (4, 2, 3, 3), (2, 4, 5, 5), False, "float64")]

    def draw(rng):
        c_in, s, e1, e3 = (int(v) for v in rng.integers(1, 9, 4))
        return (c_in, s, e1, e3), (2, c_in, int(rng.integers(3, 8)), int(rng.integers(3, 8)))
    check_block(Fire, SPECS["Fire"], _block_cases("Fire", visible, hidden, draw))


def check_DenseLayer(DenseLayer: Callable, hidden: bool = False) -> None:  # noqa: N802, N803
    """Check ``DenseLayer(c_in, growth_rate)`` against torchvision's ``densenet._DenseLayer`` (bn_size 4)."""
    __tracebackhide__ = True
    visible = [("8 channels, growth rate 3, eval mode", (8, 3), (2, 8, 5, 5), False, "float32"),
               ("train mode", (5, 2), (3, 5, 4, 4), True, "float32"),
               ("float64", (6, 4), (2, 6, 4, 5), True, "float64")]

    def draw(rng):
        c_in, k = int(rng.integers(2, 12)), int(rng.integers(1, 6))
        return (c_in, k), (2, c_in, int(rng.integers(3, 7)), int(rng.integers(3, 7)))
    check_block(DenseLayer, SPECS["DenseLayer"], _block_cases("DenseLayer", visible, hidden, draw))


def check_DenseBlock(DenseBlock: Callable, hidden: bool = False) -> None:  # noqa: N802, N803
    """Check ``DenseBlock(n_layers, c_in, growth_rate)`` against torchvision's ``densenet._DenseBlock``."""
    __tracebackhide__ = True
    visible = [("3 layers, growth rate 2, eval mode", (3, 5, 2), (2, 5, 4, 4), False, "float32"),
               ("one layer", (1, 4, 2), (2, 4, 4, 4), False, "float32"),
               ("2 layers, train mode", (2, 3, 3), (3, 3, 5, 4), True, "float32"),
               ("float64", (2, 4, 2), (2, 4, 3, 3), True, "float64")]

    def draw(rng):
        n, c_in, k = int(rng.integers(1, 4)), int(rng.integers(2, 8)), int(rng.integers(1, 4))
        return (n, c_in, k), (2, c_in, int(rng.integers(3, 6)), int(rng.integers(3, 6)))
    check_block(DenseBlock, SPECS["DenseBlock"], _block_cases("DenseBlock", visible, hidden, draw))
