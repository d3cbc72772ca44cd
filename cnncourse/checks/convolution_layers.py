"""Checks for module 02_convolution_layers.

Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Each ``check_<function>`` takes the
student's function, runs named cases against the references (:mod:`cnncourse.ref.conv`,
:mod:`cnncourse.ref.activations`, :mod:`cnncourse.ref.pool`, :mod:`cnncourse.ref.layers`,
:mod:`cnncourse.ref.layer_specs`), names known mistakes in its hints (most as changed arguments
or outputs of the reference) and prints one line when everything passes.  ``hidden=True``
adds random cases drawn from ``CNNCOURSE_GRADING_SEED``.
"""

import dataclasses
import functools
from collections.abc import Callable

import numpy as np

from ..ref import activations, conv, layer_specs, layers, pool
from ..ref._common import _windows
from ._core import Case, Mismatch, Mistake, hidden_rng, random_array, run_check

#: Small distinct integers as floats: exact sums, and flips or swaps change the numbers.
_rand = functools.partial(random_array, integers=(-3, 4))


# ------------------------------------------------------------------ conv2d_forward_naive

def _bias(b):
    return np.asarray(b)[None, :, None, None]


def _conv_size(a, padding=None):
    """(OH, OW) of the call ``a`` (with ``padding`` instead of the call's, when given)."""
    p = a.padding if padding is None else padding
    (h, w_), (kh, kw) = a.x.shape[2:], a.w.shape[2:]
    return (h + 2 * p - kh) // a.stride + 1, (w_ + 2 * p - kw) // a.stride + 1


def _plus_one_inside(a):
    """(OH, OW) from (H + 2*padding - KH + 1) // stride: never more than the right size."""
    (h, w_), (kh, kw), p = a.x.shape[2:], a.w.shape[2:], a.padding
    return (h + 2 * p - kh + 1) // a.stride, (w_ + 2 * p - kw + 1) // a.stride


def _pad_hw(x, before, after, mode="constant"):
    return np.pad(x, ((0, 0), (0, 0), (before, after), (before, after)), mode=mode)


CONV_MISTAKES = [
    Mistake("channels not summed", args=lambda a: {"x": a.x[:, :1], "w": a.w[:, :1]},
            hint="filter f has one kernel per input channel: multiply the whole (C, KH, KW) window by w[f] and sum "
                 "over channels too, not just channel 0."),
    Mistake("only the last input channel counts", args=lambda a: {"x": a.x[:, -1:], "w": a.w[:, -1:]},
            hint="in a loop over channels, add each channel's sum to the output (out[n, f, i, j] += ...); with `=` "
                 "every channel overwrites the one before and only the last one is left."),
    Mistake("channels averaged instead of summed", args=lambda a: {"b": 0 * a.b},
            output=lambda out, a: out / a.x.shape[1] + _bias(a.b),
            hint="add the per-channel results: np.sum over (C, KH, KW), not np.mean."),
    Mistake("bias missing", args=lambda a: {"b": 0 * a.b}, hint="add b[f] to every output of filter f."),
    Mistake("bias added per channel", args=lambda a: {"b": a.x.shape[1] * a.b},
            hint="add the bias once per output value, after summing over channels, not once per channel."),
    Mistake("bias of the wrong filter", args=lambda a: {"b": np.full_like(a.b, a.b[0])},
            hint="output channel f gets its own bias b[f]."),
    Mistake("stride ignored", args={"stride": 1},
            hint="move the window `stride` pixels at a time: OH = (H + 2*padding - KH) // stride + 1."),
    Mistake("windows not strided", args={"stride": 1},
            output=lambda out, a: out[:, :, :_conv_size(a)[0], :_conv_size(a)[1]],
            hint="output (i, j) is the window that starts at row i*stride and column j*stride, not at (i, j)."),
    Mistake("padding ignored", args={"padding": 0},
            hint="pad H and W with `padding` zeros on each side first (np.pad on axes 2 and 3 only)."),
    Mistake("output size without padding",
            output=lambda out, a: out[:, :, :_conv_size(a, padding=0)[0], :_conv_size(a, padding=0)[1]],
            hint="the padded input is H + 2*padding high: OH = (H + 2*padding - KH) // stride + 1."),
    Mistake("padding on one side only", args=lambda a: {"x": _pad_hw(a.x, a.padding, 0), "padding": 0},
            hint="pad before and after: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) adds p zeros on every side."),
    Mistake("padded with edge values", args=lambda a: {"x": _pad_hw(a.x, a.padding, a.padding, "edge"), "padding": 0},
            hint="a conv layer pads with zeros: np.pad's default mode='constant', not mode='edge'."),
    Mistake("padded by reflection", args=lambda a: {"x": _pad_hw(a.x, a.padding, a.padding, "reflect"), "padding": 0},
            hint="a conv layer pads with zeros: np.pad's default mode='constant', not mode='reflect'."),
    Mistake("+1 missing in the output size", output=lambda out, a: out[:, :, :-1, :-1],
            hint="OH = (H + 2*padding - KH) // stride + 1: the + 1 counts the first window."),
    Mistake("+1 added before dividing by the stride",
            output=lambda out, a: out[:, :, :_plus_one_inside(a)[0], :_plus_one_inside(a)[1]],
            hint="divide first, then add 1: OH = (H + 2*padding - KH) // stride + 1; (H + 2*padding - KH + 1) // stride "
                 "drops the last window when the stride is above 1."),
    Mistake("mean instead of sum", output=lambda out, a: (out - _bias(a.b)) / a.w[0].size + _bias(a.b),
            hint="a conv layer sums window * w[f] (np.sum); np.mean divides by C*KH*KW."),
    Mistake("H/W swapped", output=lambda out, a: out.transpose(0, 1, 3, 2),
            hint="the output is (N, F, OH, OW): rows (from H, KH) before columns (from W, KW)."),
    Mistake("kernel flipped (true convolution)", args=lambda a: {"w": a.w[:, :, ::-1, ::-1]},
            hint="a conv layer computes cross-correlation: window[c, a, d] * w[f, c, a, d], no flipping."),
]


#: The first cases with a stride and with padding: code that passed every case before and raises here
#: has its stride or padding wrong (their ``raise_hint``).
CONV_RAISE_HINTS = {
    "stride 2": "with a stride, output row i is the window at input row i*stride: loop i over range(OH), slice "
                "xpad[..., i*stride:i*stride + KH, ...] and write out[n, f, i, j].",
    "zero padding 1": "pad only H and W, by `padding` on both sides: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) "
                      "(np.pad(x, p) pads N and C too), and use the padded array in every window.",
}


def conv_layer_cases(hidden: bool) -> list[Case]:
    """The convolution-layer cases (x, w, b, stride, padding), shared with module 04's im2col conv.

    >>> [(case.name, case.args[0].shape) for case in conv_layer_cases(hidden=False)][:2]
    [('1 image, 1 channel, 1 filter', (1, 1, 4, 4)), ('3 input channels are summed', (1, 3, 5, 5))]
    """
    c = lambda name, x, w, b, **kw: Case(name, (x, w, b), kw)  # noqa: E731
    cases = [
        c("1 image, 1 channel, 1 filter", _rand((1, 1, 4, 4), 0), _rand((1, 1, 3, 3), 1), np.array([0.5])),
        c("3 input channels are summed", _rand((1, 3, 5, 5), 2), _rand((1, 3, 3, 3), 3), np.array([1.0])),
        c("2 filters, each with its own bias", _rand((1, 2, 4, 5), 4), _rand((2, 2, 2, 3), 5), np.array([1.0, -2.0])),
        c("a batch of 3 images, 4 filters", _rand((3, 2, 5, 4), 6), _rand((4, 2, 3, 3), 7), _rand((4,), 8)),
        c("stride 2", _rand((2, 3, 7, 7), 9), _rand((2, 3, 3, 3), 10), np.array([0.0, 1.0]), stride=2),
        c("zero padding 1", _rand((1, 2, 5, 6), 11), _rand((3, 2, 3, 3), 12), _rand((3,), 13), padding=1),
        c("padding 2 and stride 3, non-square", _rand((2, 1, 9, 8), 14), _rand((2, 1, 4, 3), 15), np.array([1.0, 2.0]),
          stride=3, padding=2),
        c("float32 inputs", _rand((2, 2, 6, 5), 16, np.float32), _rand((3, 2, 3, 2), 17, np.float32),
          _rand((3,), 18, np.float32), padding=1),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(8):
            n, ch, f = (int(v) for v in rng.integers(1, 4, size=3))
            h, w_ = (int(v) for v in rng.integers(4, 10, size=2))
            kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
            s, p = int(rng.integers(1, 3)), int(rng.integers(0, 3))
            dtype = np.float32 if i % 2 else np.float64
            cases.append(Case(f"hidden #{i + 1} (x {(n, ch, h, w_)}, w {(f, ch, kh, kw)}, stride {s}, padding {p})",
                              (rng.normal(size=(n, ch, h, w_)).astype(dtype), rng.normal(size=(f, ch, kh, kw)).astype(dtype),
                               rng.normal(size=f).astype(dtype)), {"stride": s, "padding": p}, hidden=True))
    return cases


def check_conv2d_forward_naive(conv2d_forward_naive: Callable, hidden: bool = False) -> None:
    """Check ``conv2d_forward_naive(x, w, b, stride=1, padding=0)``."""
    __tracebackhide__ = True
    cases = [dataclasses.replace(case, raise_hint=CONV_RAISE_HINTS.get(case.name, "")) for case in conv_layer_cases(hidden)]
    run_check(conv2d_forward_naive, reference=conv.conv2d_forward_naive, cases=cases, mistakes=CONV_MISTAKES)


# ------------------------------------------------------------------ activations

_BIG = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])


def _act_cases(alpha_name=None, alpha=None, big=True, hint=""):
    kw = {alpha_name: alpha} if alpha_name else {}
    cases = [
        Case("a few numbers", (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),), dict(kw)),
        Case("a 2-D array", (_rand((3, 4), 20) / 2,), dict(kw)),
        Case("a batch of feature maps (N, C, H, W)", (_rand((2, 3, 4, 4), 21) / 3,), dict(kw)),
        Case("float32 input", (_rand((4, 5), 22, np.float32) / 2,), dict(kw)),
        Case("zeros", (np.zeros((2, 3)),), dict(kw)),
    ]
    if alpha_name:
        cases.append(Case(f"{alpha_name}={alpha * 20:g}", (np.array([-3.0, -1.0, 0.0, 1.0, 3.0]),), {alpha_name: alpha * 20}))
    if big:
        cases.append(Case("large |x| (no overflow)", (_BIG.copy(),), dict(kw), forbid_warnings=True, hint=hint))
    return cases


def _hidden_act_cases(cases, alpha_name=None):
    rng = hidden_rng()
    for i in range(4):
        shape = tuple(int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 5))))
        x = (rng.normal(size=shape) * 5).astype(np.float32 if i % 2 else np.float64)
        kw = {alpha_name: float(rng.uniform(0.05, 0.5))} if alpha_name else {}
        cases.append(Case(f"hidden #{i + 1} (shape {shape})", (x,), kw, hidden=True))
    return cases


RELU_MISTAKES = [
    Mistake("np.max instead of np.maximum", lambda x: np.max(x, 0),
            "np.max(x, 0) is the largest value along axis 0; np.maximum(x, 0) compares every element with 0."),
    Mistake("negative part kept as its size", lambda x: np.abs(x), "ReLU sets negative values to 0: np.maximum(x, 0)."),
    Mistake("minimum instead of maximum", lambda x: np.minimum(x, 0), "keep the positive part: np.maximum(x, 0)."),
    Mistake("clipped at 1", output=lambda out, a: np.minimum(out, 1),
            hint="ReLU has no upper limit: positive values pass unchanged."),
    Mistake("returns the mask", output=lambda out, a: (out > 0).astype(float),
            hint="return the values where x > 0, not a 0/1 mask: x * (x > 0)."),
]


def check_relu(relu: Callable, hidden: bool = False) -> None:
    """Check ``relu(x)``."""
    __tracebackhide__ = True
    cases = _act_cases(big=False)
    run_check(relu, reference=activations.relu, cases=_hidden_act_cases(cases) if hidden else cases,
              mistakes=RELU_MISTAKES)


LEAKY_MISTAKES = [
    Mistake("alpha ignored", args={"alpha": 0.01}, hint="use the `alpha` argument, not a fixed 0.01."),
    Mistake("plain ReLU", args={"alpha": 0.0}, hint="negative values become alpha * x, not 0."),
    Mistake("alpha on the positive side", lambda x, alpha=0.01: np.where(x > 0, alpha * x, x),
            "positive values pass unchanged; only negative ones are scaled by alpha."),
    Mistake("alpha instead of alpha * x", lambda x, alpha=0.01: np.where(x > 0, x, alpha),
            "the negative part is alpha * x (a line through 0), not the constant alpha."),
]


def check_leaky_relu(leaky_relu: Callable, hidden: bool = False) -> None:
    """Check ``leaky_relu(x, alpha=0.01)``."""
    __tracebackhide__ = True
    cases = _act_cases("alpha", 0.01, big=False)
    run_check(leaky_relu, reference=activations.leaky_relu,
              cases=_hidden_act_cases(cases, "alpha") if hidden else cases, mistakes=LEAKY_MISTAKES)


ELU_MISTAKES = [
    Mistake("alpha ignored", args={"alpha": 1.0}, hint="scale the negative part by `alpha`: alpha * (exp(x) - 1)."),
    Mistake("forgot the -1", output=lambda out, a: out + a.alpha * (a.x <= 0),
            hint="ELU is alpha * (exp(x) - 1) for x <= 0, so it is 0 at x = 0 and tends to -alpha."),
    Mistake("exponential on the positive side", lambda x, alpha=1.0: np.where(x > 0, alpha * np.expm1(x), x),
            "positive values pass unchanged; the exponential is for x <= 0."),
    Mistake("plain ReLU", args={"alpha": 0.0}, hint="negative values become alpha * (exp(x) - 1), not 0."),
    Mistake("alpha * exp(x) - 1", lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)) - 1),
            "brackets: alpha * (exp(x) - 1), so that ELU is 0 at x = 0 for every alpha."),
]

_ELU_OVERFLOW = ("np.where evaluates both branches, so exp(x) overflows for large positive x even where it is "
                 "not used: compute it on np.minimum(x, 0).")


def check_elu(elu: Callable, hidden: bool = False) -> None:
    """Check ``elu(x, alpha=1.0)``."""
    __tracebackhide__ = True
    cases = _act_cases("alpha", 1.0, hint=_ELU_OVERFLOW)
    run_check(elu, reference=activations.elu, cases=_hidden_act_cases(cases, "alpha") if hidden else cases,
              mistakes=ELU_MISTAKES)


SIGMOID_MISTAKES = [
    Mistake("sign error", args=lambda a: {"x": -a.x}, hint="sigmoid(x) = 1 / (1 + exp(-x)): it grows with x."),
    Mistake("forgot the 1 +", lambda x: 1 / np.exp(-x), "sigmoid(x) = 1 / (1 + exp(-x))."),
    Mistake("tanh instead of sigmoid", lambda x: np.tanh(x), "sigmoid maps to (0, 1); tanh maps to (-1, 1)."),
    Mistake("logistic of x/2", args=lambda a: {"x": a.x / 2}, hint="use exp(-x), not exp(-x/2)."),
    Mistake("negative branch missing", args=lambda a: {"x": np.abs(a.x)},
            hint="1/(1+z) with z = exp(-|x|) is sigmoid(|x|): for x < 0 return z/(1+z)."),
]

_SIGMOID_OVERFLOW = ("sigmoid overflow: exp(-x) overflows for x < -709 (exp(x) for x > 709), and np.where computes "
                     "both branches for every x. With z = exp(-|x|) (never above 1): 1/(1+z) for x >= 0, z/(1+z) "
                     "for x < 0.")


def check_sigmoid(sigmoid: Callable, hidden: bool = False) -> None:
    """Check ``sigmoid(x)``: right values and no overflow warning for large ``|x|``."""
    __tracebackhide__ = True
    cases = _act_cases(hint=_SIGMOID_OVERFLOW)
    run_check(sigmoid, reference=activations.sigmoid, cases=_hidden_act_cases(cases) if hidden else cases,
              mistakes=SIGMOID_MISTAKES)


TANH_MISTAKES = [
    Mistake("sigmoid instead of tanh", lambda x: 1 / (1 + np.exp(-x)), "tanh maps to (-1, 1) and tanh(0) = 0."),
    Mistake("2*sigmoid(x) - 1", args=lambda a: {"x": a.x / 2}, hint="tanh(x) = 2*sigmoid(2x) - 1: note the 2x."),
    Mistake("sign error", output=lambda out, a: -out,
            hint="tanh(x) = (e^x - e^-x) / (e^x + e^-x): positive for x > 0."),
    Mistake("sinh instead of tanh", lambda x: np.sinh(x), "divide by cosh: tanh = sinh / cosh."),
    Mistake("sign of x lost", args=lambda a: {"x": np.abs(a.x)},
            hint="(1 - z) / (1 + z) with z = exp(-2|x|) is tanh(|x|): multiply it by np.sign(x)."),
]

_TANH_OVERFLOW = ("overflow: e^x and e^-x overflow for |x| > 709 and inf/inf is nan. Use np.tanh, or "
                  "z = exp(-2|x|): tanh(x) = sign(x) * (1 - z) / (1 + z).")


def check_tanh(tanh: Callable, hidden: bool = False) -> None:
    """Check ``tanh(x)``."""
    __tracebackhide__ = True
    cases = _act_cases(hint=_TANH_OVERFLOW)
    run_check(tanh, reference=activations.tanh, cases=_hidden_act_cases(cases) if hidden else cases,
              mistakes=TANH_MISTAKES)


# ------------------------------------------------------------------ pooling

def _pool_ceil(x, kernel_size=2, stride=None, *, op):
    """Pooling that keeps a last, partial window (ceil mode), over the pixels it has."""
    k, s = kernel_size, kernel_size if stride is None else stride
    x = np.asarray(x, dtype=float)
    oh, ow = (-(-(n - k) // s) + 1 for n in x.shape[2:])
    padded = np.full(x.shape[:2] + ((oh - 1) * s + k, (ow - 1) * s + k), np.nan)
    padded[:, :, :x.shape[2], :x.shape[3]] = x
    nan_op = np.nanmax if op is np.max else np.nanmean
    return nan_op(_windows(padded, k, k, s), axis=(4, 5))


def _pool_size(a):
    """(OH, OW) of the pooling call ``a``."""
    k, s = a.kernel_size, a.kernel_size if a.stride is None else a.stride
    return tuple((n - k) // s + 1 for n in a.x.shape[2:])


def _broadcast(reduced, out):
    return np.broadcast_to(reduced, out.shape).copy()


def _pool_reshape_split_wrong(x, kernel_size=2, stride=None):
    """Non-overlapping mean pooling by a reshape that splits H into (K, OH) instead of (OH, K)."""
    n, c, h, w = x.shape
    k = kernel_size
    oh, ow = h // k, w // k
    return np.asarray(x, dtype=float)[:, :, :oh * k, :ow * k].reshape(n, c, k, oh, k, ow).mean(axis=(2, 4))


def _pool_mistakes(op, other, other_name):
    reduce = "np.max" if op is np.max else "np.mean"
    return [
        Mistake("pooling windows overlapping wrongly (stride ignored)", args={"stride": 1},
                hint="windows start every `stride` pixels; stride=None means stride = kernel_size, so the windows "
                     "tile the input without overlapping."),
        Mistake("pooling windows overlapping wrongly (stride always = kernel_size)", args={"stride": None},
                hint="when stride < kernel_size the windows overlap: start window (i, j) at (i*stride, j*stride)."),
        Mistake("windows not strided", args={"stride": 1},
                output=lambda out, a: out[:, :, :_pool_size(a)[0], :_pool_size(a)[1]],
                hint="output (i, j) is the window that starts at row i*stride and column j*stride, not at (i, j)."),
        Mistake("+1 missing in the output size", output=lambda out, a: out[:, :, :-1, :-1],
                hint="OH = (H - kernel_size) // stride + 1: the + 1 counts the first window."),
        Mistake("H/W swapped", output=lambda out, a: out.transpose(0, 1, 3, 2),
                hint="the output is (N, C, OH, OW): rows from H first."),
        Mistake("pooled across channels", output=lambda out, a: op(out, axis=1, keepdims=True),
                hint="pool each channel on its own: the output keeps all C channels."),
        Mistake("pooled across channels", output=lambda out, a: _broadcast(op(out, axis=1, keepdims=True), out),
                hint=f"pool each channel on its own: output channel c is {reduce} of x[n, c] in the window, "
                     "not of x[n, :]."),
        Mistake("window reduced over all images and channels",
                output=lambda out, a: _broadcast(op(out, axis=(0, 1), keepdims=True), out),
                hint=f"reduce over the window's rows and columns only: {reduce}(window, axis=(2, 3)) when the "
                     "window holds every image and channel."),
        Mistake(f"{other_name} instead", other,
                f"this function takes the {'maximum' if op is np.max else 'mean'} of each window."),
        Mistake("partial windows at the edge kept", functools.partial(_pool_ceil, op=op),
                "like torch, drop a last window that does not fit: OH = (H - kernel_size) // stride + 1."),
    ]


MAX_POOL_MISTAKES = _pool_mistakes(np.max, pool.avg_pool2d_forward, "average")
AVG_POOL_MISTAKES = _pool_mistakes(np.mean, pool.max_pool2d_forward, "max") + [
    Mistake("sum instead of mean", output=lambda out, a: out * a.kernel_size**2,
            hint="divide each window's sum by kernel_size**2 (or use .mean)."),
    Mistake("divided by K instead of K²", output=lambda out, a: out * a.kernel_size,
            hint="a KxK window has K² pixels: divide its sum by kernel_size**2."),
    Mistake("reshape splits the axes in the wrong order", _pool_reshape_split_wrong,
            "reshape to (N, C, OH, K, OW, K) and average axes 3 and 5: each window's K rows must stay together."),
]


def _pool_cases():
    p = lambda name, x, **kw: Case(name, (x,), kw)  # noqa: E731
    return [
        p("2x2 windows on a 4x4 map", _rand((1, 1, 4, 4), 30)),
        p("batch of 2, 3 channels, 4x6", _rand((2, 3, 4, 6), 31), kernel_size=2),
        p("3x3 windows on 6x9", _rand((1, 2, 6, 9), 32), kernel_size=3),
        p("odd size 5x7: the last row and column are dropped", _rand((1, 1, 5, 7), 33), kernel_size=2),
        p("overlapping windows: kernel 2, stride 1", _rand((1, 2, 4, 5), 34), kernel_size=2, stride=1),
        p("overlapping windows: kernel 3, stride 2", _rand((2, 1, 7, 7), 35), kernel_size=3, stride=2),
        p("stride larger than the window: kernel 2, stride 3", _rand((1, 1, 8, 8), 36), kernel_size=2, stride=3),
        p("ties in a window (a constant map)", np.full((1, 2, 4, 4), 3.0), kernel_size=2),
        p("float32 input", _rand((2, 2, 6, 6), 37, np.float32), kernel_size=2),
    ]


def _hidden_pool_cases(cases):
    rng = hidden_rng()
    for i in range(8):
        n, ch = (int(v) for v in rng.integers(1, 4, size=2))
        h, w = (int(v) for v in rng.integers(3, 12, size=2))
        k = int(rng.integers(1, min(h, w, 4) + 1))
        s = None if i % 3 == 0 else int(rng.integers(1, 4))
        x = rng.normal(size=(n, ch, h, w)).astype(np.float32 if i % 2 else np.float64)
        cases.append(Case(f"hidden #{i + 1} (x {(n, ch, h, w)}, kernel {k}, stride {s})", (x,),
                          {"kernel_size": k, "stride": s}, hidden=True))
    return cases


def check_max_pool2d_forward(max_pool2d_forward: Callable, hidden: bool = False) -> None:
    """Check ``max_pool2d_forward(x, kernel_size=2, stride=None)``."""
    __tracebackhide__ = True
    cases = _pool_cases()
    run_check(max_pool2d_forward, reference=pool.max_pool2d_forward,
              cases=_hidden_pool_cases(cases) if hidden else cases, mistakes=MAX_POOL_MISTAKES)


def check_avg_pool2d_forward(avg_pool2d_forward: Callable, hidden: bool = False) -> None:
    """Check ``avg_pool2d_forward(x, kernel_size=2, stride=None)``."""
    __tracebackhide__ = True
    cases = _pool_cases()
    run_check(avg_pool2d_forward, reference=pool.avg_pool2d_forward,
              cases=_hidden_pool_cases(cases) if hidden else cases, mistakes=AVG_POOL_MISTAKES)


AVG_AS_CONV_MISTAKES = [
    Mistake("channels mixed", output=lambda out, a: np.broadcast_to(out.sum(axis=1, keepdims=True), out.shape).copy(),
            hint="output channel c must only see input channel c: w[c, c] is the mean kernel, w[c, d] = 0 for "
                 "d != c."),
    Mistake("channels mixed (averaged over channels)",
            output=lambda out, a: np.broadcast_to(out.mean(axis=1, keepdims=True), out.shape).copy(),
            hint="pooling works per channel: w[c, c] = 1/K² and zeros on the other channels, not 1/(C·K²) "
                 "everywhere."),
    Mistake("kernel not normalized", output=lambda out, a: out * a.kernel_size**2,
            hint="the mean kernel is 1/K² everywhere (it sums to 1)."),
    Mistake("stride not set", lambda x, kernel_size: pool.avg_pool2d_forward(x, kernel_size, stride=1),
            "pooling windows do not overlap: call your conv with stride = kernel_size."),
    Mistake("divided by K instead of K²", output=lambda out, a: out * a.kernel_size,
            hint="a KxK window has K² pixels: each weight is 1/K²."),
]


def check_avg_pool_as_conv(avg_pool_as_conv: Callable, hidden: bool = False) -> None:
    """Check ``avg_pool_as_conv(x, kernel_size)`` (which uses the student's own convolution)."""
    __tracebackhide__ = True
    cases = [
        Case("1 channel, 2x2", (_rand((1, 1, 4, 4), 40), 2)),
        Case("3 channels stay separate", (_rand((1, 3, 4, 6), 41), 2)),
        Case("batch of 2, 3x3 windows", (_rand((2, 2, 6, 9), 42), 3)),
        Case("odd size 5x5, 2x2 windows", (_rand((1, 2, 5, 5), 43), 2)),
        Case("kernel 1 is the identity", (_rand((1, 2, 3, 3), 44), 1)),
        Case("float32 input", (_rand((1, 2, 4, 4), 45, np.float32), 2)),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            n, ch, k = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
            h, w = (int(v) for v in rng.integers(k, 10, size=2))
            cases.append(Case(f"hidden #{i + 1} (x {(n, ch, h, w)}, kernel {k})",
                              (rng.normal(size=(n, ch, h, w)), k), hidden=True))
    run_check(avg_pool_as_conv, reference=pool.avg_pool_as_conv, cases=cases, mistakes=AVG_AS_CONV_MISTAKES)


# ------------------------------------------------------------------ flatten_forward

FLATTEN_MISTAKES = [
    Mistake("batch flattened too", output=lambda out, a: out.ravel(), hint="keep the batch axis: the output is (N, C*H*W)."),
    Mistake("channels-last order", args=lambda a: {"x": np.moveaxis(a.x, 1, -1) if a.x.ndim == 4 else a.x},
            hint="flatten in (C, H, W) order like torch.flatten(x, 1): x.reshape(N, -1), no transpose first."),
    Mistake("H/W swapped", args=lambda a: {"x": np.swapaxes(a.x, -1, -2) if a.x.ndim == 4 else a.x},
            hint="flatten rows of W values one after the other: x.reshape(N, -1)."),
    Mistake("transposed result", output=lambda out, a: out.T,
            hint="one row per example: the output is (N, C*H*W), not (C*H*W, N)."),
    Mistake("features and batch mixed", output=lambda out, a: out.reshape(-1, len(out)),
            hint="reshape to (N, -1): the batch size goes first. reshape(-1, N) scrambles the examples."),
]


def check_flatten_forward(flatten_forward: Callable, hidden: bool = False) -> None:
    """Check ``flatten_forward(x) -> (N, C*H*W)``."""
    __tracebackhide__ = True
    cases = [
        Case("(2, 3, 4, 5) feature maps", (_rand((2, 3, 4, 5), 50),)),
        Case("a single example (1, 2, 3, 3)", (_rand((1, 2, 3, 3), 51),)),
        Case("1x1 maps (4, 6, 1, 1)", (_rand((4, 6, 1, 1), 52),)),
        Case("non-square maps (3, 2, 2, 5)", (_rand((3, 2, 2, 5), 53),)),
        Case("already flat (3, 7)", (_rand((3, 7), 54),),
             raise_hint="an (N, D) batch has only 2 axes: x.reshape(x.shape[0], -1) works for any number of axes "
                        "(don't unpack or index x.shape[1:4])."),
        Case("float32 input", (_rand((2, 2, 3, 3), 55, np.float32),)),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            shape = tuple(int(v) for v in rng.integers(1, 6, size=4))
            cases.append(Case(f"hidden #{i + 1} (shape {shape})", (rng.normal(size=shape),), hidden=True))
    run_check(flatten_forward, reference=layers.flatten_forward, cases=cases, mistakes=FLATTEN_MISTAKES)


# ------------------------------------------------------------------ count_params and receptive_field

def _rows(layers, n_fields, label, unchanged, shape_first=False):
    """A projection that turns the student's rows into named, comparable values.

    ``unchanged``: what an activation's row holds (for the hint when those rows are missing);
    ``shape_first``: the first field is an output shape, which must be a tuple or list.
    """
    n_layers = len(layers)
    n_activations = sum(layer["type"] == "relu" for layer in layers)

    def project(rows):
        if not isinstance(rows, (list, tuple)):
            raise Mismatch(f"expected a list with one row per layer, got {type(rows).__name__}.",
                           "return a list such as [(output_shape, weights, biases), ...].", stage="type")
        if len(rows) != n_layers:
            hint = (f"activation layers need a row too: append {unchanged} for a relu layer."
                    if n_activations and len(rows) == n_layers - n_activations else
                    "append one row for every layer, activations and flatten included.")
            raise Mismatch(f"expected {n_layers} rows (one per layer), got {len(rows)}.", hint, stage="length")
        values = []
        for i, row in enumerate(rows):
            if not isinstance(row, (list, tuple)) or len(row) != n_fields:
                raise Mismatch(f"expected each row to be a tuple {label}, got {row!r}.",
                               f"append a tuple {label} for each layer.", stage="type")
            if shape_first and isinstance(row[0], (int, np.integer)) and not isinstance(row[0], bool):
                raise Mismatch(f"expected layer {i} ({layers[i]['type']}) output shape to be a tuple, got the "
                               f"int {int(row[0])}.", "a one-element shape needs a comma: (n,), not (n), which is "
                               "just the int n.", stage="type")
            for item in row:
                if isinstance(item, (tuple, list)):
                    values.append(str(tuple(int(s) for s in item)))
                elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                    values.append(int(item))
                else:
                    values.append(item)
        return tuple(values)
    return project


def _names(layers, fields):
    return tuple(f"layer {i} ({layer['type']}) {field}" for i, layer in enumerate(layers) for field in fields)


CONV3 = {"type": "conv", "filters": 10, "kernel_size": 3}


def _layer_rows(rows, a):
    """(layer, its input shape, its row) for count_params' rows on the call's layers."""
    inputs = [tuple(a.input_shape)] + [tuple(row[0]) for row in rows[:-1]]
    return zip(a.layers, inputs, rows)


def _with_layers(a, change, kinds):
    return {"layers": [{**layer, **change} if layer["type"] in kinds else layer for layer in a.layers]}


_POOLS = ("maxpool", "avgpool")


def _pool_stride_one(a):
    """The call's layers with stride 1 for every pooling layer that gives none."""
    return {"layers": [{**layer, "stride": 1} if layer["type"] in _POOLS and layer.get("stride") is None else layer
                       for layer in a.layers]}


def _channels_last(shape):
    return (*shape[1:], shape[0]) if len(shape) == 3 else shape


_POOL_STRIDE_HINT = ("a pooling layer without 'stride' has stride = kernel_size (its windows tile the map), "
                     "not 1: layer.get('stride') or K.")

COUNT_MISTAKES = [
    Mistake("bias forgotten in counts", output=lambda rows, a: [(shape, w, 0) for shape, w, _ in rows],
            hint="every conv filter and every dense unit has one bias: biases = F (conv) or U (dense)."),
    Mistake("conv params counted per position",
            output=lambda rows, a: [(s, w * s[1] * s[2] if L["type"] == "conv" else w, b) for L, (s, w, b) in
                                    zip(a.layers, rows)],
            hint="a filter's weights are shared by all positions: F*C*K*K, whatever the output size."),
    Mistake("input channels ignored",
            output=lambda rows, a: [(s, w // i[0] if L["type"] == "conv" else w, b) for L, i, (s, w, b) in
                                    _layer_rows(rows, a)],
            hint="each filter has one KxK kernel per input channel: F*C*K*K weights."),
    Mistake("channels not updated after a conv layer",
            output=lambda rows, a: [(s, w // i[0] * a.input_shape[0] if L["type"] == "conv" else w, b)
                                    for L, i, (s, w, b) in _layer_rows(rows, a)],
            hint="C must become the previous conv's filters: a conv's input channels are the channels of the layer "
                 "before it (shape[0] of its output), not input_shape[0], so F*C*K*K uses that C."),
    Mistake("pooling given parameters",
            output=lambda rows, a: [(s, i[0] * L["kernel_size"] ** 2, 0) if L["type"].endswith("pool") else (s, w, b)
                                    for L, i, (s, w, b) in _layer_rows(rows, a)],
            hint="pooling has no weights: it only takes the max or mean of each window."),
    Mistake("padding ignored in the output size", args=lambda a: _with_layers(a, {"padding": 0}, ("conv",)),
            hint="OH = (H + 2*padding - K) // stride + 1."),
    Mistake("stride ignored in the output size",
            args=lambda a: _with_layers(a, {"stride": 1}, ("conv", "maxpool", "avgpool")),
            hint="divide by the stride: OH = (H + 2*padding - K) // stride + 1 (pooling's stride defaults to K)."),
    Mistake("pooling stride defaults to 1", args=_pool_stride_one, hint=_POOL_STRIDE_HINT),
    Mistake("pooling stride always = kernel_size", args=lambda a: _with_layers(a, {"stride": None}, _POOLS),
            hint="use the layer's 'stride' when it is given; only a missing stride means stride = kernel_size."),
    Mistake("biases counted in the weights", output=lambda rows, a: [(s, w + b, b) for s, w, b in rows],
            hint="count them apart: weights = inputs*U (dense) or F*C*K*K (conv), biases = U or F."),
    Mistake("channels-last shapes", output=lambda rows, a: [(_channels_last(s), w, b) for s, w, b in rows],
            hint="shapes are channels first like input_shape: (F, OH, OW) after a conv, (C, OH, OW) after pooling."),
]


#: The lecture's CNN for a 28x28 digit: its convolutions have 70 + 704 + 36 = 810 parameters at any
#: image size, its dense head 3*7*7*10 = 1,470 weights (+ 10 biases) thanks to the two poolings.
LECTURE_CNN = [
    {"type": "conv", "filters": 7, "kernel_size": 3, "padding": 1}, {"type": "relu"},
    {"type": "maxpool", "kernel_size": 2},
    {"type": "conv", "filters": 11, "kernel_size": 3, "padding": 1}, {"type": "relu"},
    {"type": "maxpool", "kernel_size": 2},
    {"type": "conv", "filters": 3, "kernel_size": 1},
    {"type": "flatten"}, {"type": "dense", "units": 10},
]
TWO_CONVS = [CONV3, {"type": "conv", "filters": 8, "kernel_size": 3}]
DENSE_NET = [{"type": "flatten"}, {"type": "dense", "units": 20}, {"type": "relu"}, {"type": "dense", "units": 10}]


def check_count_params(count_params: Callable, hidden: bool = False) -> None:
    """Check ``count_params(layers, input_shape)`` -> [(output_shape, weights, biases), ...]."""
    __tracebackhide__ = True
    fields = ("output shape", "weights", "biases")
    label = "(output_shape, weights, biases)"

    def case(name, layers, input_shape, is_hidden=False):
        return Case(name, (layers, input_shape), project=_rows(layers, 3, label, "(the unchanged shape, 0, 0)",
                                                                 shape_first=True), dtype_rule=None,
                    item_names=_names(layers, fields), hidden=is_hidden)

    cases = [
        case("dense layer on a 28x28 digit", [{"type": "flatten"}, {"type": "dense", "units": 10}], (1, 28, 28)),
        case("one 3x3 conv layer, 10 filters", [CONV3], (1, 28, 28)),
        case("conv on 3 input channels", [{"type": "conv", "filters": 4, "kernel_size": 5}], (3, 32, 32)),
        case("two 3x3 conv layers, 10 then 8 filters", TWO_CONVS, (1, 28, 28)),
        case("the same two layers on 256x256 images", TWO_CONVS, (1, 256, 256)),
        case("a small dense net 784-20-10", DENSE_NET, (1, 28, 28)),
        case("conv with padding 2 and stride 2", [{"type": "conv", "filters": 6, "kernel_size": 5, "stride": 2,
                                                   "padding": 2}], (1, 28, 28)),
        case("pooling has no parameters", [CONV3, {"type": "maxpool", "kernel_size": 2},
                                           {"type": "avgpool", "kernel_size": 3, "stride": 1}], (1, 28, 28)),
        case("the lecture's CNN (810 conv parameters, a 1,470-weight head)", LECTURE_CNN, (1, 28, 28)),
        case("the lecture's convolutions on 256x256 images", LECTURE_CNN[:-2], (1, 256, 256)),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            c, side = int(rng.integers(1, 4)), int(rng.integers(16, 40))
            layers = [{"type": "conv", "filters": int(rng.integers(2, 9)), "kernel_size": int(rng.integers(1, 6)),
                       "stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 3))}, {"type": "relu"},
                      {"type": "maxpool", "kernel_size": 2}, {"type": "flatten"},
                      {"type": "dense", "units": int(rng.integers(2, 12))}]
            cases.append(case(f"hidden #{i + 1} (input {(c, side, side)})", layers, (c, side, side), True))
    run_check(count_params, reference=layer_specs.count_params, cases=cases, mistakes=COUNT_MISTAKES)


def _receptive_fields(layers, grow):
    """(size, jump) rows with the size grown by ``grow(size, jump, K, stride, padding)`` (the jumps stay right)."""
    size, jump, rows = 1, 1, []
    for layer in layers:
        if layer["type"] != "relu":
            k = layer["kernel_size"]
            s = layer.get("stride") or (1 if layer["type"] == "conv" else k)
            size, jump = grow(size, jump, k, s, layer.get("padding", 0)), jump * s
        rows.append((size, jump))
    return rows


RF_MISTAKES = [
    Mistake("jump ignored", functools.partial(_receptive_fields, grow=lambda r, j, k, s, p: r + (k - 1)),
            "after a stride-s layer neighbouring units are s input pixels apart: size += (K - 1) * jump, "
            "then jump *= stride."),
    Mistake("adding K instead of K - 1", functools.partial(_receptive_fields, grow=lambda r, j, k, s, p: r + k * j),
            "a KxK window adds K - 1 pixels to what one unit sees: two 3x3 layers see 5x5, not 6x6."),
    Mistake("jump updated too early",
            functools.partial(_receptive_fields, grow=lambda r, j, k, s, p: r + (k - 1) * j * s),
            "use the jump *before* this layer when growing the size; update the jump afterwards."),
    Mistake("sizes multiplied", functools.partial(_receptive_fields, grow=lambda r, j, k, s, p: r * k),
            "receptive fields grow by addition: size += (K - 1) * jump (two 3x3 layers: 5, not 9)."),
    Mistake("padding counted", functools.partial(_receptive_fields, grow=lambda r, j, k, s, p: r + (k - 1) * j + 2 * p),
            "padding adds zeros around the input; it does not change how many input pixels a unit sees."),
    Mistake("pooling stride defaults to 1", args=_pool_stride_one, hint=_POOL_STRIDE_HINT),
    Mistake("started from size 0", output=lambda rows, a: [(size - 1, jump) for size, jump in rows],
            hint="start from (size, jump) = (1, 1): before any layer a unit sees its own pixel."),
]


def check_receptive_field(receptive_field: Callable, hidden: bool = False) -> None:
    """Check ``receptive_field(layers)`` -> [(size, jump), ...]."""
    __tracebackhide__ = True
    c3 = {"type": "conv", "filters": 4, "kernel_size": 3}
    pool2 = {"type": "maxpool", "kernel_size": 2}

    def case(name, layers, is_hidden=False):
        return Case(name, (layers,), project=_rows(layers, 2, "(size, jump)", "the unchanged (size, jump)"),
                    dtype_rule=None,
                    item_names=_names(layers, ("size", "jump")), hidden=is_hidden)

    cases = [
        case("one 3x3 conv", [c3]),
        case("two 3x3 convs see 5x5", [c3, c3]),
        case("three 3x3 convs see 7x7", [c3, {"type": "relu"}, c3, {"type": "relu"}, c3]),
        case("a 5x5 conv with padding 2", [{"type": "conv", "filters": 2, "kernel_size": 5, "padding": 2}]),
        case("conv, 2x2 max-pool, conv: the jump doubles", [c3, pool2, c3]),
        case("stride-2 conv then 3x3 conv", [{"type": "conv", "filters": 2, "kernel_size": 3, "stride": 2}, c3]),
        case("overlapping pooling: kernel 3, stride 2", [c3, {"type": "maxpool", "kernel_size": 3, "stride": 2}, c3]),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            layers = []
            for _ in range(int(rng.integers(2, 6))):
                if rng.random() < 0.6:
                    layers.append({"type": "conv", "filters": 2, "kernel_size": int(rng.integers(1, 6)),
                                   "stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 2))})
                else:
                    layers.append({"type": "maxpool", "kernel_size": int(rng.integers(2, 4)),
                                   "stride": int(rng.integers(1, 3))})
            cases.append(case(f"hidden #{i + 1} ({len(layers)} layers)", layers, True))
    run_check(receptive_field, reference=layer_specs.receptive_field, cases=cases, mistakes=RF_MISTAKES)
