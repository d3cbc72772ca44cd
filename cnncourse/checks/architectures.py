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
    Mistake("groups multiply the weights",
            output=lambda out, a: a.c_out * a.c_in * a.groups * _k_area(a) + (a.c_out if a.bias else 0),
            hint="groups split the input channels, they do not multiply them: each filter sees c_in // groups "
                 "channels: c_out * (c_in // groups) * KH * KW weights."),
    Mistake("one bias per input channel", output=lambda out, a: out - a.c_out + a.c_in if a.bias else out,
            hint="a bias belongs to a filter, i.e. to an output channel: + c_out biases, not + c_in."),
]

#: The hint when conv_param_count raises on an int or on a pair kernel_size (the two forms).
_KERNEL_FORMS = ("kernel_size is an int or a (KH, KW) pair: an int k means k x k, so read both forms: "
                 "kh, kw = (k, k) if isinstance(k, int) else k.")


def check_conv_param_count(conv_param_count: Callable, hidden: bool = False) -> None:
    """Check ``conv_param_count(c_in, c_out, kernel_size, bias=True, groups=1)`` -> int."""
    __tracebackhide__ = True
    c = lambda name, *args, is_hidden=False, raise_hint="", **kw: Case(  # noqa: E731
        name, args, kw, dtype_rule="int", project=_int_view("the parameter count"), hidden=is_hidden,
        raise_hint=raise_hint)
    cases = [
        c("3 -> 8 channels, 3x3, with bias", 3, 8, 3, raise_hint=_KERNEL_FORMS),
        c("bias=False", 16, 32, 3, bias=False),
        c("a 1x1 conv", 64, 16, 1),
        c("kernel (1, 7)", 8, 8, (1, 7), raise_hint=_KERNEL_FORMS),
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
    Mistake("channels not squared", output=lambda out, a: _with(out, 2, (2 * a.n + 1) ** 2 * a.channels + a.channels),
            hint="the single conv c -> c has c * c weights per kernel position too: (2n+1)^2 c^2 + c."),
    Mistake("receptive fields multiplied", output=lambda out, a: _with(out, 0, 3 ** a.n),
            hint="receptive fields add up, they do not multiply: each further 3x3 conv (stride 1) widens the field "
                 "by 2: 3, 5, 7, ... = 2n + 1."),
    Mistake("receptive field 2n - 1",
            output=lambda out, a: (2 * a.n - 1, out[1], (2 * a.n - 1) ** 2 * a.channels ** 2 + a.channels),
            hint="one 3x3 conv already sees 3 pixels (n = 1 gives 3), each further one 2 more: 2n + 1; the single "
                 "conv is (2n+1) x (2n+1)."),
    Mistake("the stack's biases counted once", output=lambda out, a: _with(out, 1, out[1] - (a.n - 1) * a.channels),
            hint="each of the n convs has its own c biases: n * (9c^2 + c), not n * 9c^2 + c."),
    Mistake("params_stacked and params_single swapped", output=lambda out, a: (out[0], out[2], out[1]),
            hint="return (receptive_field, params_stacked, params_single): the stack's count second, the single "
                 "conv's third."),
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

def _flops(model, input_shape, *, linear_once=False, per_weight=False, bias=False, groups=True, linear=True, factor=1, once=False,
           channels=True, kernel=True, input_positions=False, square=False, norm=False, top_level=False,
           every_filter=False, input_channels=True):
    """Multiply-adds of conv and linear layers, with one slip per keyword (trusted: the mistakes' variants).

    Like the reference it leaves the model as it found it (modes restored, hooks removed), so a
    variant handed in as a student's function shows its own slip.
    """
    import torch
    from torch import nn

    total, seen = 0, set()

    def conv_hook(m, args, out):
        nonlocal total
        if once and m in seen:
            return
        seen.add(m)
        kh, kw = m.kernel_size
        if square:
            kw = kh
        c = m.in_channels // (m.groups if groups else 1) if input_channels else 1
        if per_weight or every_filter:
            total += m.weight.numel() * (out.numel() if every_filter else 1)
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
        if per_weight or every_filter or linear_once:
            total += m.weight.numel() * (out.numel() if every_filter else 1)
        else:
            total += out.numel() * m.in_features
        if bias and m.bias is not None:
            total += out.numel()

    def norm_hook(m, args, out):
        nonlocal total
        total += out.numel()

    hooks = []
    for m in (model.children() if top_level else model.modules()):
        if isinstance(m, nn.Conv2d):
            hooks.append((m, conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append((m, linear_hook))
        elif norm and isinstance(getattr(m, "weight", None), torch.Tensor):
            hooks.append((m, norm_hook))
    modes = {m: m.training for m in model.modules()}
    handles = [m.register_forward_hook(hook) for m, hook in hooks]
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *input_shape)))
    finally:
        for h in handles:
            h.remove()
        for m, training in modes.items():
            m.training = training
    return int(total * factor)


def _on_spec(func):
    """``func(model, input_shape)`` as a function of (spec, input_shape, train), the model built from the spec."""
    def run(spec, input_shape, train=True):
        from ..worker.fixtures import spec_model

        return func(spec_model(spec, train=train), tuple(input_shape))
    run.inner = func  # the function as a student would pass it
    return run


def _student_on_spec(count_flops):
    drive = FixtureDriver(count_flops)

    def run(spec, input_shape, train=True):
        result, problem = drive("count_on_spec", count_flops, spec, input_shape, train=train)
        if problem:
            return ("count_flops problem", tuple(problem), result)
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
    _flops_mistake("a linear layer counted as in_features x out_features", "a linear layer does in_features "
                   "multiply-adds for each output value: out.numel() * in_features, which is in x out only when it "
                   "runs on one vector (it runs once per position of every axis but the last).", linear_once=True),
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
    _flops_mistake("kernel read as square", "module.kernel_size is (KH, KW): a (1, 7) kernel has 7 weights per "
                   "channel, a (3, 1) one 3: kh, kw = module.kernel_size, then multiply by kh * kw.", square=True),
    _flops_mistake("batch norm counted", "hook only nn.Conv2d and nn.Linear (isinstance): a BatchNorm layer has a "
                   ".weight too, but its per-channel scale is no dot product.", norm=True),
    _flops_mistake("only the top-level modules hooked", "model.children() lists only the top-level modules; "
                   "model.modules() walks into nested Sequentials and blocks (every conv of a ResNet is inside one).",
                   top_level=True),
    _flops_mistake("every filter's weights per output value", "one output value is the dot product of one filter "
                   "with its window: out.numel() * weight[0].numel() = out.numel() * (C / groups) * KH * KW; "
                   "weight.numel() holds all F filters.", every_filter=True),
    _flops_mistake("input channels not counted", "each dot product runs over all (C / groups) input channels of "
                   "the window: out.numel() * (C / groups) * KH * KW.", input_channels=False),
]

#: The hint when count_flops raises on the first case with a linear layer.
_LINEAR_CASE_RAISE_HINT = (
    "this is the first case with nn.Flatten and nn.Linear: hook nn.Linear separately (it has in_features, no "
    "kernel_size or in_channels), and run the model on a batch of one, torch.zeros(1, *input_shape): a conv "
    "accepts a (C, H, W) input without the batch axis, but nn.Flatten then flattens the wrong axes.")

_FLOP_CASES = [  # (name, spec, input shape[, train mode]): spec_model builds the model, in training mode unless False
    ("one conv 3 -> 4, 3x3", [["conv", 3, 4, 3, 1, 0, 1, True]], (3, 8, 8)),
    ("stride 2, padding 1", [["conv", 2, 6, 3, 2, 1, 1, False]], (2, 9, 9)),
    ("a (1, 7) conv, padding (0, 3)", [["conv", 4, 6, [1, 7], 1, [0, 3], 1, False]], (4, 5, 9)),
    ("a (3, 1) conv, stride 2", [["conv", 3, 5, [3, 1], 2, 0, 1, True]], (3, 9, 7)),
    ("conv, ReLU, pool, then a linear layer", [["conv", 1, 4, 3, 1, 1, 1, True], ["relu"], ["maxpool", 2],
                                              ["flatten"], ["linear", 4 * 4 * 4, 10, True]], (1, 8, 8)),
    ("grouped conv (groups=2)", [["conv", 4, 6, 3, 1, 1, 2, False]], (4, 6, 6)),
    ("depthwise separable: 3x3 depthwise, 1x1 pointwise", [["conv", 8, 8, 3, 1, 1, 8, False], ["bn", 8], ["relu"],
                                                          ["conv", 8, 16, 1, 1, 0, 1, False]], (8, 7, 7)),
    ("a conv called twice", [["twice", 3, 3]], (3, 6, 6)),
    ("a residual block with a projection", [["block", 4, 8, 2], ["avgpool"], ["flatten"], ["linear", 8, 3, True]],
     (4, 8, 8)),
    ("a model in eval mode: conv, BN, ReLU, linear", [["conv", 2, 4, 3, 1, 1, 1, False], ["bn", 4], ["relu"],
                                                      ["flatten"], ["linear", 4 * 5 * 5, 3, True]], (2, 5, 5), False),
    ("a linear layer on the last axis (no flatten)", [["conv", 2, 3, 3, 1, 1, 1, False], ["linear", 6, 4, True]],
     (2, 5, 6)),
    ("a frozen batch norm (eval mode) in a model in training mode", [["conv", 2, 4, 3, 1, 1, 1, False],
                                                                     ["frozen_bn", 4], ["relu"]], (2, 5, 5)),
    ("torchvision resnet18, 3 x 32 x 32", ["torchvision", "resnet18"], (3, 32, 32)),
    ("torchvision mobilenet_v2, 3 x 32 x 32", ["torchvision", "mobilenet_v2"], (3, 32, 32)),
]


def _flop_problem(problem, first):
    """The Mismatch for what count_flops did to the model (see :func:`cnncourse.worker.fixtures.count_on_spec`)."""
    kind, what, detail = problem
    module = f"module `{what}`" if what else "the model"
    if kind == "modes":
        return Mismatch(f"count_flops left {module} in {detail}.",
                        "train/eval mode not restored: note each module's mode before model.eval() (modes = {m: "
                        "m.training for m in model.modules()}) and restore each module's .training afterwards: the "
                        "caller's model must come back as it was handed over.")
    if kind == "buffers":
        return Mismatch(f"count_flops changed the model's buffer `{what}` (the batch-norm statistics).",
                        "batch-norm statistics updated: a forward pass in training mode updates the running mean, "
                        "variance and num_batches_tracked, even under torch.no_grad(): call model.eval() before "
                        "the pass, and restore the modes afterwards.")
    if kind == "parameters":
        return Mismatch(f"count_flops changed the model's parameter `{what}` (its values, dtype, device or "
                        "requires_grad).",
                        "weights changed: count without touching the parameters: no optimizer step, no in-place "
                        "writes, no .requires_grad_(False) or dtype change; torch.no_grad() alone avoids gradients.")
    if kind == "second call":
        return Mismatch(f"count_flops returned {first!r} on a first call and {what!r} on a second call on the same "
                        "model.",
                        "count not reset or hooks kept: a second call on the same model gives a different count: "
                        "reset the count inside the function and remove the hooks after the pass (h.remove() for "
                        "each handle, in a finally block).")
    return Mismatch(f"count_flops left a forward hook on {module}.",
                    "hooks kept: remove every hook after the pass (h.remove() for each handle "
                    "register_forward_hook returned, in a finally block): left on the model, it runs on every "
                    "later forward pass.")


def _flop_view(value):
    if isinstance(value, tuple) and len(value) == 3 and value[0] == "count_flops problem":
        raise _flop_problem(value[1], value[2])
    return _int_view("the number of multiply-adds")(value)


def check_count_flops(count_flops: Callable, hidden: bool = False) -> None:
    """Check ``count_flops(model, input_shape)`` -> int, the multiply-adds of conv and linear layers.

    Each case builds a fresh model (in training mode, one in eval mode) and calls ``count_flops``
    on it twice: it must count the same both times and leave the model as it was (modes,
    parameters, buffers, hooks).
    """
    __tracebackhide__ = True
    require_student_function(count_flops, "count_flops")
    c = lambda name, spec, shape, train=True, is_hidden=False: Case(  # noqa: E731
        name, (spec, list(shape), train), dtype_rule="int", project=_flop_view, hidden=is_hidden,
        raise_hint=_LINEAR_CASE_RAISE_HINT if name.startswith("conv, ReLU, pool") else "")
    cases = [c(*case) for case in _FLOP_CASES]
    if hidden:
        rng = hidden_rng()
        for i in range(3):
            g = int(rng.choice([1, 2]))
            c_in, c_out = g * int(rng.integers(1, 5)), g * int(rng.integers(1, 5))
            kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
            s, p, size = int(rng.integers(1, 3)), int(rng.integers(0, 2)), int(rng.integers(max(kh, kw) + 2, 12))
            oh, ow = (size + 2 * p - kh) // s + 1, (size + 2 * p - kw) // s + 1
            spec = [["conv", c_in, c_out, [kh, kw], s, p, g, bool(i % 2)], ["relu"], ["flatten"],
                    ["linear", c_out * oh * ow, int(rng.integers(2, 9)), True]]
            cases.append(c(f"hidden #{i + 1} (conv {c_in} -> {c_out}, {kh}x{kw}, stride {s}, groups {g})", spec,
                           (c_in, size, size), train=i != 1, is_hidden=True))
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
               ("c_out = 8 c_mid (8 -> 2 -> 16), train mode", (8, 2, 16), (2, 8, 4, 5), True, "float32"),
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
               ("39 channels, reduction 5: 7 units", (39, 5), (2, 39, 3, 4), False, "float32"),
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
