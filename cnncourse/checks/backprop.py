"""Checks for module 03_backprop.

Introduced in notebooks/03_backprop_lecture.ipynb.  Backward checks compare with the reference
(:mod:`cnncourse.ref`) and report the relative error of the student's gradient against a
centred numerical gradient.  ``hidden=True`` adds random cases drawn from
``CNNCOURSE_GRADING_SEED``.
"""

import dataclasses
from collections.abc import Callable
from functools import partial

import numpy as np

from ..helpers import toy_net as toy_helpers
from ..ref import activations, conv, gradcheck, layers, pool, toy_net
from ..ref._common import _pad, _stable_sigmoid as _sig, _windows
from ..ref.gradcheck import relative_error
from ._core import Case, Mismatch, Mistake, hidden_rng, random_array, run_check

_rand = random_array  # standard normal inputs


def _num_grad(f, x):
    """Centred differences (h = 1e-6) on a float64 copy of ``x``: the reference's, without its guard."""
    return gradcheck._centred_differences(f, np.array(x, dtype=np.float64), 1e-6)


# ------------------------------------------------------------------ forward pieces (trusted numpy)

def _conv(x, w, stride=1, padding=0):
    return np.einsum("ncijkl,fckl->nfij", _windows(_pad(x, padding), *w.shape[2:], stride), w)


# ------------------------------------------------------------------ relu_backward

def _relu_numeric(dout, x):
    return lambda got: relative_error(got, _num_grad(lambda xx: float(np.sum(np.maximum(xx, 0) * dout)), x))


RELU_MISTAKES = [
    Mistake("mask taken from dout instead of the input", args=lambda a: {"x": a.dout},
            hint="the ReLU lets the gradient through where its *input* x was positive: dout * (x > 0)."),
    Mistake("returned the mask", args=lambda a: {"dout": np.ones(np.shape(a.x))},
            hint="multiply the upstream gradient by the mask: dout * (x > 0)."),
    Mistake("returned dout unchanged", output=lambda out, a: np.array(a.dout, dtype=float),
            hint="where x <= 0 the ReLU is flat, so the gradient there is 0."),
    Mistake("multiplied by x", output=lambda out, a: out * a.x,
            hint="the ReLU's slope is 1 where x > 0, not x: dout * (x > 0)."),
    Mistake("gradient at 0 taken as 1", output=lambda out, a: out + a.dout * (a.x == 0),
            hint="at x == 0 use slope 0 (x > 0, not x >= 0), as torch does."),
]


def check_relu_backward(relu_backward: Callable, hidden: bool = False) -> None:
    """Check ``relu_backward(dout, x)``."""
    __tracebackhide__ = True

    def case(name, dout, x, is_hidden=False):
        return Case(name, (dout, x), numeric=_relu_numeric(dout, x) if not np.any(x == 0) else None, hidden=is_hidden)

    x1 = np.array([-2.0, -0.5, 0.5, 3.0])
    cases = [
        case("a few numbers", np.array([1.0, 2.0, 3.0, 4.0]), x1),
        case("negative upstream gradients pass too", np.array([-1.0, -2.0, 3.0, -4.0]), x1),
        case("zeros in the input get gradient 0", np.array([1.0, 1.0, 1.0]), np.array([-1.0, 0.0, 1.0])),
        case("feature maps (2, 3, 4, 4)", _rand((2, 3, 4, 4), 1), _rand((2, 3, 4, 4), 2)),
        case("float32", _rand((3, 5), 3, np.float32), _rand((3, 5), 4, np.float32)),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            shape = tuple(int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 5))))
            cases.append(case(f"hidden #{i + 1} (shape {shape})", rng.normal(size=shape), rng.normal(size=shape), True))
    run_check(relu_backward, reference=activations.relu_backward, cases=cases, mistakes=RELU_MISTAKES)


# ------------------------------------------------------------------ flatten_backward

FLATTEN_MISTAKES = [
    Mistake("not reshaped", output=lambda out, a: np.array(a.dout, dtype=float),
            hint="give the gradient the shape of flatten's input: dout.reshape(x_shape)."),
    Mistake("channels-last order",
            output=lambda out, a: out.reshape(out.shape[0], *out.shape[2:], out.shape[1]).transpose(0, 3, 1, 2)
            if out.ndim == 4 else out,
            hint="undo flatten's C, H, W order exactly: dout.reshape(x_shape), no transpose."),
    Mistake("Fortran order", lambda dout, x_shape: np.reshape(dout, x_shape, order="F"),
            "use numpy's default (C) order, the same one flatten used."),
    Mistake("transposed first", lambda dout, x_shape: np.asarray(dout).T.reshape(x_shape),
            "reshape dout (N, D) directly; transposing it mixes up the examples."),
    Mistake("flattened everything", output=lambda out, a: out.ravel(),
            hint="keep the batch axis: the result has shape x_shape."),
    Mistake("H and W swapped",
            output=lambda out, a: np.asarray(a.dout, dtype=float).reshape(*a.x_shape[:2], a.x_shape[3], a.x_shape[2])
            if len(a.x_shape) == 4 else out,
            hint="x_shape is (N, C, H, W), in that order: dout.reshape(x_shape)."),
]


def check_flatten_backward(flatten_backward: Callable, hidden: bool = False) -> None:
    """Check ``flatten_backward(dout, x_shape)``."""
    __tracebackhide__ = True
    cases = [
        Case("(2, 12) back to (2, 3, 2, 2)", (_rand((2, 12), 10), (2, 3, 2, 2))),
        Case("one example (1, 4) back to (1, 1, 2, 2)", (_rand((1, 4), 11), (1, 1, 2, 2))),
        Case("non-square maps (3, 10) back to (3, 1, 2, 5)", (_rand((3, 10), 12), (3, 1, 2, 5))),
        Case("several channels (2, 18) back to (2, 2, 3, 3)", (_rand((2, 18), 13), (2, 2, 3, 3))),
        Case("already flat (4, 5) back to (4, 5)", (_rand((4, 5), 14), (4, 5))),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(3):
            shape = tuple(int(v) for v in rng.integers(1, 5, size=4))
            cases.append(Case(f"hidden #{i + 1} (x_shape {shape})",
                              (rng.normal(size=(shape[0], int(np.prod(shape[1:])))), shape), hidden=True))
    run_check(flatten_backward, reference=layers.flatten_backward, cases=cases, mistakes=FLATTEN_MISTAKES)


# ------------------------------------------------------------------ max_pool2d_backward

def _max_pool_backward(dout, x, kernel_size=2, stride=None, *, route, accumulate=True, ignore_stride=False,
                       stride_if_none=None, at_origin=False, skip_last=False):
    """Max-pool backward with a chosen routing rule ``route(window, dout) -> (N, C, K, K)``.

    ``accumulate=False`` assigns (``=``) instead of adding (``+=``); ``ignore_stride`` places
    window (i, j) at (i, j) * kernel_size whatever the stride; ``stride_if_none`` replaces the
    default stride (kernel_size); ``at_origin`` adds each window's share at the top-left corner
    of the map (the offset i*stride forgotten); ``skip_last`` leaves out the last row and column
    of windows (an output size without its + 1).  Windows that a wrong stride pushes past the
    edge are cut off there, as a student's slices are.
    """
    x = np.asarray(x, dtype=float)
    dout = np.asarray(dout, dtype=float)
    k = kernel_size
    s = k if ignore_stride else stride if stride is not None else stride_if_none or k
    dx = np.zeros_like(x)
    for i in range(dout.shape[2] - skip_last):
        for j in range(dout.shape[3] - skip_last):
            win = x[:, :, i * s:i * s + k, j * s:j * s + k]
            if win.size == 0:
                continue  # a window that a wrong stride pushed off the map
            share = route(win, dout[:, :, i, j])  # (N, C, K, K)
            r0, c0 = (0, 0) if at_origin else (i * s, j * s)
            region = dx[:, :, r0:r0 + win.shape[2], c0:c0 + win.shape[3]]
            if accumulate:
                region += share
            else:
                region[share != 0] = share[share != 0]
    return dx


def _first_max_mask(win):
    n, c = win.shape[:2]
    flat = win.reshape(n, c, -1)
    mask = np.zeros_like(flat)
    np.put_along_axis(mask, flat.argmax(axis=-1)[..., None], 1.0, axis=-1)
    return mask.reshape(win.shape)


def _last_max_mask(win):
    return _first_max_mask(win[:, :, ::-1, ::-1])[:, :, ::-1, ::-1]


def _pool_numeric(dout, x, kernel_size, stride):
    s = kernel_size if stride is None else stride
    return lambda got: relative_error(got, _num_grad(
        lambda xx: float(np.sum(_windows(xx, kernel_size, kernel_size, s).max(axis=(4, 5)) * dout)), x))


def _route_every_cell(win, d):
    return np.broadcast_to(d[..., None, None], win.shape)


def _route_first_max(win, d):
    return _first_max_mask(win) * d[..., None, None]


def _route_all_maxima(win, d):
    return (win == win.max(axis=(2, 3), keepdims=True)) * d[..., None, None]


def _route_last_max(win, d):
    return _last_max_mask(win) * d[..., None, None]


POOL_MISTAKES = [
    Mistake("gradient sent to every cell of the pooling window", partial(_max_pool_backward, route=_route_every_cell),
            "only the maximum of each window affected the output: give that one cell the gradient, zeros elsewhere."),
    Mistake("gradient spread evenly (average-pool backward)",
            partial(_max_pool_backward, route=lambda win, d: _route_every_cell(win, d) / win[0, 0].size),
            "that is average pooling's backward; max pooling routes the whole gradient to the argmax."),
    Mistake("ties counted twice", partial(_max_pool_backward, route=_route_all_maxima),
            "when several cells share the maximum, route the gradient once, to the first of them in row-major "
            "order (np.argmax over the flattened window), not to all of them."),
    Mistake("last maximum instead of the first", partial(_max_pool_backward, route=_route_last_max),
            "for ties, the convention is the first maximum in row-major order (what np.argmax returns)."),
    Mistake("overlapping windows overwrite instead of adding",
            partial(_max_pool_backward, route=_route_first_max, accumulate=False),
            "with overlapping windows a cell can be the max of several windows: add (+=) their gradients."),
    Mistake("stride ignored", partial(_max_pool_backward, route=_route_first_max, ignore_stride=True),
            "window (i, j) starts at (i*stride, j*stride); stride=None means stride = kernel_size."),
    Mistake("stride=None taken as 1", partial(_max_pool_backward, route=_route_first_max, stride_if_none=1),
            "stride=None means stride = kernel_size (non-overlapping windows), as in the forward pass."),
    Mistake("window offset forgotten", partial(_max_pool_backward, route=_route_first_max, at_origin=True),
            "np.argmax gives the position inside the window: add the window's corner, "
            "dx[n, c, i*stride + r, j*stride + q] += dout[n, c, i, j]."),
    Mistake("argmax unravelled the wrong way round",
            partial(_max_pool_backward, route=lambda win, d: np.swapaxes(_route_first_max(win, d), 2, 3)),
            "np.argmax of the flattened k x k window gives idx = r*k + q: the row is r = idx // k and the column "
            "q = idx % k (or r, q = np.unravel_index(idx, (k, k))), not the other way round."),
    Mistake("last row and column of windows skipped",
            partial(_max_pool_backward, route=_route_first_max, skip_last=True),
            "there are OH = (H - kernel_size) // stride + 1 windows per column (don't forget the + 1); "
            "simplest: take OH, OW from dout.shape."),
]


def check_max_pool2d_backward(max_pool2d_backward: Callable, hidden: bool = False) -> None:
    """Check ``max_pool2d_backward(dout, x, kernel_size=2, stride=None)``."""
    __tracebackhide__ = True

    def case(name, dout, x, is_hidden=False, **kw):
        k, s = kw.get("kernel_size", 2), kw.get("stride")
        tie_free = len(np.unique(x)) == x.size
        return Case(name, (dout, x), kw, numeric=_pool_numeric(dout, x, k, s) if tie_free else None, hidden=is_hidden)

    ties = np.array([[[[1.0, 3.0, 2.0, 2.0], [3.0, 0.0, 2.0, 2.0], [5.0, 5.0, 0.0, 1.0], [5.0, 5.0, 1.0, 0.0]]]])
    cases = [
        case("2x2 windows on a 4x4 map", _rand((1, 1, 2, 2), 20), _rand((1, 1, 4, 4), 21)),
        case("batch of 2, 3 channels", _rand((2, 3, 2, 3), 22), _rand((2, 3, 4, 6), 23)),
        case("ties: the first maximum gets the gradient", np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), ties),
        case("kernel 3, stride 2", _rand((2, 1, 3, 3), 26), _rand((2, 1, 7, 7), 27), kernel_size=3, stride=2),
        case("overlapping windows add up (kernel 2, stride 1)", _rand((1, 2, 3, 3), 24), _rand((1, 2, 4, 4), 25),
             kernel_size=2, stride=1),
        case("odd size 5x5: the last row and column get no gradient", _rand((1, 1, 2, 2), 28), _rand((1, 1, 5, 5), 29)),
        case("float32", _rand((1, 2, 3, 3), 30, np.float32), _rand((1, 2, 6, 6), 31, np.float32)),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            n, c = (int(v) for v in rng.integers(1, 3, size=2))
            h, w = (int(v) for v in rng.integers(3, 9, size=2))
            k = int(rng.integers(2, min(h, w) + 1))
            s = None if i % 2 else int(rng.integers(1, 3))
            oh, ow = (h - k) // (s or k) + 1, (w - k) // (s or k) + 1
            cases.append(case(f"hidden #{i + 1} (x {(n, c, h, w)}, kernel {k}, stride {s})",
                              rng.normal(size=(n, c, oh, ow)), rng.normal(size=(n, c, h, w)), True, kernel_size=k,
                              stride=s))
    run_check(max_pool2d_backward, reference=pool.max_pool2d_backward, cases=cases, mistakes=POOL_MISTAKES)


# ------------------------------------------------------------------ conv2d_backward

def _conv_numeric(dout, x, w, stride, padding):
    def error(got):
        dx, dw, db = got
        loss = lambda xx, ww, bb: float(np.sum((_conv(xx, ww, stride, padding) + bb[None, :, None, None]) * dout))  # noqa: E731
        b = np.zeros(w.shape[0])
        return max(relative_error(dx, _num_grad(lambda xx: loss(xx, w, b), x)),
                   relative_error(dw, _num_grad(lambda ww: loss(x, ww, b), w)),
                   relative_error(db, _num_grad(lambda bb: loss(x, w, bb), b)))
    return error


def _conv_bw(dout, x, w, stride=1, padding=0, window_step=None, shift=True):
    """Trusted conv backward (independent loops).  The knobs make the wrong variants:
    ``window_step=1`` places window (i, j) at (i, j) (stride ignored); ``shift=False`` takes the
    windows from the unshifted input (padding ignored)."""
    dout, x, w = (np.asarray(a, dtype=float) for a in (dout, x, w))
    kh, kw = w.shape[2:]
    step = stride if window_step is None else window_step
    before = padding if shift else 0
    xpad = np.pad(x, ((0, 0), (0, 0), (before, 2 * padding - before), (before, 2 * padding - before)))
    dxpad, dw = np.zeros_like(xpad), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * step, i * step + kh), slice(j * step, j * step + kw)
            dw += np.einsum("nf,nckl->fckl", dout[:, :, i, j], xpad[:, :, rows, cols])
            dxpad[:, :, rows, cols] += np.einsum("nf,fckl->nckl", dout[:, :, i, j], w)
    h, wd = x.shape[2:]
    return dxpad[:, :, before:before + h, before:before + wd], dw, dout.sum(axis=(0, 2, 3))


def _conv_dx_assigned(dout, x, w, stride, padding):
    """dx when each window's share is assigned (``=``) in the loop order n, f, i, j: the last write wins."""
    dout, x, w = (np.asarray(a, dtype=float) for a in (dout, x, w))
    kh, kw = w.shape[2:]
    dxpad = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * padding, x.shape[3] + 2 * padding))
    for n, f, i, j in np.ndindex(*dout.shape):
        dxpad[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw] = dout[n, f, i, j] * w[f]
    return dxpad[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]


def _conv_grads(a, **changes):
    """The reference's (dx, dw, db) on the call's arguments with some of them changed."""
    args = {"dout": a.dout, "x": a.x, "w": a.w, "stride": a.stride, "padding": a.padding, **changes}
    return conv.conv2d_backward(**args)


CONV_MISTAKES = [
    Mistake("db not summed over batch and space", output=lambda out, a: (*out[:2], a.dout[0].sum(axis=(1, 2))),
            hint="the bias touches every position of every image: db = dout.sum(axis=(0, 2, 3))."),
    Mistake("db averaged instead of summed", output=lambda out, a: (*out[:2], a.dout.mean(axis=(0, 2, 3))),
            hint="the loss adds up the contributions of every position: sum dout, don't average it."),
    Mistake("db averaged over the batch", output=lambda out, a: (*out[:2], out[2] / len(a.dout)),
            hint="the bias serves every image: db = dout.sum(axis=(0, 2, 3)), summed over the images, not averaged "
                 "(dout already carries the loss's own 1/N)."),
    Mistake("db not summed over the batch",
            output=lambda out, a: (*out[:2], np.asarray(a.dout, float).sum(axis=(2, 3))),
            hint="db has one entry per filter, shape (F,): sum over the images too, dout.sum(axis=(0, 2, 3))."),
    Mistake("dw missing the batch sum",
            output=lambda out, a: (out[0], _conv_grads(a, dout=a.dout[:1], x=a.x[:1])[1], out[2]),
            hint="every image of the batch uses the same filters: add the dw of all N images."),
    Mistake("dw only from the last image",
            output=lambda out, a: (out[0], _conv_grads(a, dout=a.dout[-1:], x=a.x[-1:])[1], out[2]),
            hint="create dw = np.zeros_like(w) once, before the loop over images, and add every image's "
                 "contribution to it."),
    Mistake("dx without the kernel flip", output=lambda out, a: (_conv_grads(a, w=a.w[:, :, ::-1, ::-1])[0], *out[1:]),
            hint="dx is a *full* convolution of dout with the kernel rotated by 180°: scatter dout[n, f, i, j] * w[f] "
                 "back onto the window it came from, and the flip happens by itself."),
    Mistake("dw with the kernel flipped", output=lambda out, a: (out[0], out[1][:, :, ::-1, ::-1], out[2]),
            hint="dw[f, c, a, b] = sum over n, i, j of dout[n, f, i, j] * xpad[n, c, i*stride + a, j*stride + b]: no "
                 "flip."),
    Mistake("stride ignored in backward", partial(_conv_bw, window_step=1),
            "output (i, j) came from the window at (i*stride, j*stride): send its gradient back there."),
    Mistake("dx windows not moved by the stride",
            output=lambda out, a: (_conv_bw(a.dout, a.x, a.w, a.stride, a.padding, window_step=1)[0], *out[1:]),
            hint="dw is right, dx is not: the gradient of output (i, j) goes back onto the window it came from, "
                 "dxpad[:, :, i*stride:i*stride + KH, j*stride:j*stride + KW], not onto the window at (i, j)."),
    Mistake("dw windows not moved by the stride",
            output=lambda out, a: (out[0], _conv_bw(a.dout, a.x, a.w, a.stride, a.padding, window_step=1)[1], out[2]),
            hint="dx is right, dw is not: dw adds dout[n, f, i, j] times the window that made output (i, j), "
                 "xpad[n, :, i*stride:i*stride + KH, j*stride:j*stride + KW], not the window at (i, j)."),
    Mistake("dw from windows of the unpadded x",
            output=lambda out, a: (out[0], _conv_bw(a.dout, a.x, a.w, a.stride, a.padding, shift=False)[1], out[2]),
            hint="dx is right, dw is not: the forward pass multiplied w by windows of the zero-padded input, so dw's "
                 "windows come from xpad (x padded by `padding` on every side), as dx's do."),
    Mistake("padding ignored in backward", partial(_conv_bw, shift=False),
            "the forward pass saw the zero-padded input: compute the gradients on xpad, then crop dx by `padding`."),
    Mistake("dx not cropped",
            output=lambda out, a: (_conv_grads(a, x=_pad(np.asarray(a.x, float), a.padding), padding=0)[0], *out[1:]),
            hint="dx has x's shape: crop the padding off dxpad, dxpad[:, :, p:p + H, p:p + W]."),
    Mistake("cropped with [p:-p]", output=lambda out, a: (out[0][:, :, :0, :0] if a.padding == 0 else out[0], *out[1:]),
            hint="with padding = 0, dxpad[:, :, 0:-0, 0:-0] is empty: crop with dxpad[:, :, p:p + H, p:p + W]."),
    Mistake("dx windows overwritten instead of added",
            output=lambda out, a: (_conv_dx_assigned(a.dout, a.x, a.w, a.stride, a.padding), *out[1:]),
            hint="neighbouring windows (and all the filters) share input cells: add into dxpad with +=, don't assign."),
]


def check_conv2d_backward(conv2d_backward: Callable, hidden: bool = False) -> None:
    """Check ``conv2d_backward(dout, x, w, stride=1, padding=0) -> (dx, dw, db)``."""
    __tracebackhide__ = True

    def case(name, x_shape, w_shape, seed, stride=1, padding=0, is_hidden=False, rng=None):
        gen = rng or np.random.default_rng(seed)
        x, w = gen.normal(size=x_shape), gen.normal(size=w_shape)
        oh = (x_shape[2] + 2 * padding - w_shape[2]) // stride + 1
        ow = (x_shape[3] + 2 * padding - w_shape[3]) // stride + 1
        dout = gen.normal(size=(x_shape[0], w_shape[0], oh, ow))
        return Case(name, (dout, x, w), {"stride": stride, "padding": padding}, item_names=("dx", "dw", "db"),
                    numeric=_conv_numeric(dout, x, w, stride, padding), hidden=is_hidden)

    cases = [
        case("1 image, 1 channel, 1 filter", (1, 1, 4, 4), (1, 1, 3, 3), 40),
        case("2 channels, 3 filters", (1, 2, 5, 5), (3, 2, 3, 3), 41),
        case("a batch of 3 images", (3, 2, 4, 5), (2, 2, 2, 2), 42),
        case("non-square kernel 2x3", (2, 1, 5, 6), (2, 1, 2, 3), 43),
        case("stride 2", (2, 2, 7, 7), (2, 2, 3, 3), 44, stride=2),
        dataclasses.replace(case("padding 1", (2, 2, 4, 4), (3, 2, 3, 3), 45, padding=1), raise_hint=(
            "the cases without padding passed: take the windows for dw *and* dx from xpad = np.pad(x, ((0, 0), "
            "(0, 0), (p, p), (p, p))), accumulate dx in a dxpad of xpad's shape, then crop it: "
            "dxpad[:, :, p:p + H, p:p + W].")),
        case("stride 2 and padding 2", (1, 3, 6, 5), (2, 3, 3, 3), 46, stride=2, padding=2),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            n, c, f = (int(v) for v in rng.integers(1, 4, size=3))
            h, w = (int(v) for v in rng.integers(3, 8, size=2))
            k = int(rng.integers(1, 4))
            cases.append(case(f"hidden #{i + 1}", (n, c, h, w), (f, c, k, k), 0, stride=int(rng.integers(1, 3)),
                              padding=int(rng.integers(0, 2)), is_hidden=True, rng=rng))
    run_check(conv2d_backward, reference=conv.conv2d_backward, cases=cases, mistakes=CONV_MISTAKES)


# ------------------------------------------------------------------ dense_backward and sigmoid_bce_backward

def _dense_numeric(dout, x, w):
    def error(got):
        dx, dw, db = got
        b = np.zeros(w.shape[1])
        loss = lambda xx, ww, bb: float(np.sum((xx @ ww + bb) * dout))  # noqa: E731
        return max(relative_error(dx, _num_grad(lambda xx: loss(xx, w, b), x)),
                   relative_error(dw, _num_grad(lambda ww: loss(x, ww, b), w)),
                   relative_error(db, _num_grad(lambda bb: loss(x, w, bb), b)))
    return error


DENSE_MISTAKES = [
    Mistake("dw transposed", output=lambda out, a: (out[0], out[1].T, out[2]), hint="dw has w's shape (D, M): x.T @ dout."),
    Mistake("dw missing the batch sum", output=lambda out, a: (out[0], np.outer(a.x[0], a.dout[0]), out[2]),
            hint="all N examples use the same w: x.T @ dout adds their contributions."),
    Mistake("dw averaged over the batch", output=lambda out, a: (out[0], out[1] / len(a.x), out[2]),
            hint="dout already carries any 1/N of the loss: dw = x.T @ dout, without dividing again."),
    Mistake("db not summed over the batch", output=lambda out, a: (*out[:2], np.array(a.dout[0], dtype=float)),
            hint="the bias is added to every example: db = dout.sum(axis=0)."),
    Mistake("db keeps the batch axis", output=lambda out, a: (*out[:2], np.array(a.dout, dtype=float)),
            hint="the bias is added to every example: db = dout.sum(axis=0), shape (M,)."),
    Mistake("db summed over the wrong axis", output=lambda out, a: (*out[:2], np.asarray(a.dout, float).sum(axis=1)),
            hint="sum over the examples, axis 0: db = dout.sum(axis=0) has one entry per output, shape (M,)."),
    Mistake("dx with w instead of w.T",
            output=lambda out, a: (a.dout @ a.w if a.w.shape[0] == a.w.shape[1] else out[0], *out[1:]),
            hint="dx = dout @ w.T: input d reaches the outputs through row d of w."),
]


def check_dense_backward(dense_backward: Callable, hidden: bool = False) -> None:
    """Check ``dense_backward(dout, x, w) -> (dx, dw, db)`` for ``out = x @ w + b``."""
    __tracebackhide__ = True

    def case(name, n, d, m, seed, is_hidden=False):
        gen = np.random.default_rng(seed)
        dout, x, w = gen.normal(size=(n, m)), gen.normal(size=(n, d)), gen.normal(size=(d, m))
        return Case(name, (dout, x, w), item_names=("dx", "dw", "db"), numeric=_dense_numeric(dout, x, w),
                    hidden=is_hidden)

    cases = [case("one example, 3 inputs, 3 outputs", 1, 3, 3, 54),  # square first: dout @ w then runs
             case("one example, 4 inputs, 1 output", 1, 4, 1, 50), case("3 examples, 4 inputs, 2 outputs", 3, 4, 2, 51),
             case("5 examples, 2 inputs, 3 outputs", 5, 2, 3, 52), case("a square layer 4x4, batch 4", 4, 4, 4, 53)]
    if hidden:
        rng = hidden_rng()
        for i in range(3):
            n, d, m = (int(v) for v in rng.integers(1, 7, size=3))
            cases.append(case(f"hidden #{i + 1} (N={n}, D={d}, M={m})", n, d, m, int(rng.integers(1 << 30)), True))
    run_check(dense_backward, reference=layers.dense_backward, cases=cases, mistakes=DENSE_MISTAKES)


def _yhat(z):
    return _sig(np.asarray(z, dtype=float))


BCE_MISTAKES = [
    Mistake("sum instead of mean", output=lambda out, a: out * np.size(a.z),
            hint="the loss is the mean over the batch, so its gradient carries a 1/N: (sigmoid(z) - y) / N."),
    Mistake("sign error", output=lambda out, a: -out, hint="dL/dz = (ŷ - y) / N: the loss grows when ŷ moves away from y."),
    Mistake("used z instead of sigmoid(z)", lambda z, y: (np.asarray(z, float) - y) / np.size(z),
            "the prediction is ŷ = sigmoid(z); the gradient is (ŷ - y) / N."),
    Mistake("sigmoid's derivative applied again", output=lambda out, a: _yhat(a.z) * (1 - _yhat(a.z)) * out,
            hint="for sigmoid + cross-entropy the ŷ(1 - ŷ) of the sigmoid cancels against the cross-entropy's "
                 "denominator: the gradient is just (ŷ - y) / N."),
    Mistake("averaged into one number", output=lambda out, a: np.array(np.sum(out)),
            hint="the gradient has one entry per example, shape (N,): (ŷ - y) / N, not np.mean(ŷ - y)."),
    Mistake("gradient w.r.t. ŷ instead of z", output=lambda out, a: out / np.clip(_yhat(a.z) * (1 - _yhat(a.z)), 1e-12, None),
            hint="the function returns dL/dz (the logits), which simplifies to (ŷ - y) / N."),
]


def check_sigmoid_bce_backward(sigmoid_bce_backward: Callable, hidden: bool = False) -> None:
    """Check ``sigmoid_bce_backward(z, y)`` = d mean BCE(sigmoid(z), y) / dz."""
    __tracebackhide__ = True

    def case(name, z, y, is_hidden=False, **kw):
        def loss(zz):
            return float(np.mean(np.maximum(zz, 0) - zz * y + np.log1p(np.exp(-np.abs(zz)))))
        return Case(name, (z, y), hidden=is_hidden,
                    numeric=lambda got: relative_error(got, _num_grad(loss, z)), **kw)

    cases = [
        case("one example, label 1", np.array([0.3]), np.array([1.0])),
        case("one example, label 0", np.array([-1.2]), np.array([0.0])),
        case("a batch of 4", np.array([2.0, -1.0, 0.0, 0.5]), np.array([1.0, 0.0, 1.0, 0.0])),
        case("confident and right", np.array([8.0, -8.0]), np.array([1.0, 0.0])),
        case("large logits (no overflow)", np.array([-800.0, 800.0, 0.0]), np.array([1.0, 0.0, 1.0]), forbid_warnings=True,
             hint="compute sigmoid without overflow: z = exp(-|z|) is never above 1."),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(3):
            n = int(rng.integers(1, 9))
            cases.append(case(f"hidden #{i + 1} (N={n})", rng.normal(size=n) * 3, rng.integers(0, 2, size=n).astype(float), True))
    run_check(sigmoid_bce_backward, reference=layers.sigmoid_bce_backward, cases=cases, mistakes=BCE_MISTAKES)


# ------------------------------------------------------------------ numerical_gradient

def _f_square(x):
    return float(np.sum(x ** 2))


def _f_cubic(x):
    return float(np.sum(x ** 3) + np.sum(x) ** 2)


def _f_exp(x):
    return float(np.sum(np.exp(x) * np.sin(3 * x)))


def _forward_differences(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad, fx = np.zeros_like(x), f(x)
    for i in np.ndindex(x.shape):
        y = x.copy()
        y[i] += h
        grad[i] = (f(y) - fx) / h
    return grad


def _minus_side_at_x(f, x, h=1e-5):
    """x[i] put back to its old value instead of x[i] - h before the second evaluation."""
    x = np.array(x, dtype=float)
    grad, fx = np.zeros_like(x), f(x)
    for i in np.ndindex(x.shape):
        y = x.copy()
        y[i] += h
        grad[i] = (f(y) - fx) / (2 * h)
    return grad


def _first_axis_nudged(f, x, h=1e-5):
    """``for i in range(len(x))``: a whole row (sub-array) nudged at a time."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(len(x)):
        plus, minus = x.copy(), x.copy()
        plus[i] += h
        minus[i] -= h
        grad[i] = (f(plus) - f(minus)) / (2 * h)
    return grad


NUMGRAD_MISTAKES = [
    Mistake("forward differences", _forward_differences,
            "use centred differences, (f(x + h) - f(x - h)) / (2h): their error shrinks like h², not h."),
    Mistake("divided by h instead of 2h", output=lambda grad, a: grad * 2, hint="x + h and x - h are 2h apart: divide by 2h."),
    Mistake("not divided by the step", output=lambda grad, a: grad * (2 * a.h),
            hint="a derivative is a difference *quotient*: divide by 2h."),
    *[Mistake("h ignored", args={"h": step}, hint="use the step `h` you were given, not a step of your own.")
      for step in (1e-5, 1e-4, 1e-3, 1e-6)],  # the steps students hard-code
    Mistake("f(x - h) evaluated at x", _minus_side_at_x,
            "after the plus side, set x[i] = old - h (not back to old) before calling f again; put old back at "
            "the end."),
    Mistake("gradient returned flat", output=lambda grad, a: grad.ravel(),
            hint="the gradient has x's shape: grad = np.zeros_like(x), filled at every index of np.ndindex(x.shape)."),
    Mistake("only the first axis looped over", _first_axis_nudged,
            "for i in range(len(x)) nudges whole rows of a 2-D x: loop over every entry, "
            "for idx in np.ndindex(x.shape)."),
    Mistake("every entry nudged at once", lambda f, x, h=1e-5: np.full(np.shape(x), (f(np.asarray(x, float) + h) - f(np.asarray(x, float) - h)) / (2 * h)),
            "nudge one entry at a time (np.ndindex) and keep the others fixed: each entry has its own partial derivative."),
]


def check_numerical_gradient(numerical_gradient: Callable, hidden: bool = False) -> None:
    """Check ``numerical_gradient(f, x, h=1e-5)``."""
    __tracebackhide__ = True
    cases = [
        Case("f(x) = sum(x²) on 3 numbers", (_f_square, np.array([1.0, -2.0, 0.5]))),
        Case("f(x) = sum(x²) on a 2-D array", (_f_square, _rand((2, 3), 60))),
        Case("a cubic: forward differences are not accurate enough", (_f_cubic, _rand((4,), 61))),
        Case("exp(x)·sin(3x), h = 1e-4", (_f_exp, _rand((3, 2), 62)), {"h": 1e-4},
             hint="use the step `h` you were given."),
        Case("a 4-D array (1, 2, 2, 2)", (_f_cubic, _rand((1, 2, 2, 2), 63))),
        Case("a large step h = 0.1: the centred difference of x³ is 3x² + h²", (_f_cubic, _rand((3,), 64)),
             {"h": 0.1}, hint="use the step `h` you were given."),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(3):
            shape = tuple(int(v) for v in rng.integers(1, 4, size=int(rng.integers(1, 4))))
            cases.append(Case(f"hidden #{i + 1} (shape {shape})", ((_f_square, _f_cubic, _f_exp)[i], rng.normal(size=shape)),
                              hidden=True))
    run_check(numerical_gradient, reference=gradcheck.numerical_gradient, cases=cases, mistakes=NUMGRAD_MISTAKES)


# ------------------------------------------------------------------ the toy network

def _toy_case_inputs(seed):
    rng = np.random.default_rng(seed)
    params = {"w": rng.normal(0, 0.5, size=(3, 3)), "b": np.array(rng.normal(0, 0.2)), "v": rng.normal(0, 1, size=4),
              "c": np.array(rng.normal(0, 0.2))}
    images, labels = toy_helpers.make_edges(2, seed=seed)
    k = int(rng.integers(len(images)))
    return params, images[k], int(labels[k])


def _toy_fwd(p, image, relu=True, pool="max", sigmoid=True, order="C"):
    """The toy network's forward pass (trusted numpy), with a knob for each way to get it wrong."""
    z1 = _conv(np.asarray(image, float)[None, None], np.asarray(p["w"], float)[None, None])[0, 0] + float(p["b"])
    a1 = np.maximum(z1, 0) if relu else z1
    win = _windows(a1[None, None], 2, 2, 2)[0, 0]
    pooled = win.max(axis=(2, 3)) if pool == "max" else win.mean(axis=(2, 3))
    h = pooled.ravel(order=order)
    z = float(h @ np.asarray(p["v"], float) + float(p["c"]))
    return float(_sig(np.array(z))) if sigmoid else z


def _params_with(a, **values):
    return {"params": {**a.params, **values}}


TOY_FORWARD_MISTAKES = [
    Mistake("ReLU forgotten", partial(_toy_fwd, relu=False), "apply the ReLU to the conv output before pooling."),
    Mistake("average pooling instead of max", partial(_toy_fwd, pool="avg"), "the network uses 2x2 *max* pooling."),
    Mistake("kernel flipped (true convolution)", args=lambda a: _params_with(a, w=np.asarray(a.params["w"])[::-1, ::-1]),
            hint="the conv layer computes cross-correlation: no kernel flip."),
    Mistake("biases forgotten", args=lambda a: _params_with(a, b=0.0, c=0.0),
            hint="add b after the convolution and c after the dense layer."),
    Mistake("conv bias b forgotten", args=lambda a: _params_with(a, b=0.0),
            hint="add b to every conv output before the ReLU: z1 = conv(image, w) + b."),
    Mistake("dense bias c forgotten", args=lambda a: _params_with(a, c=0.0),
            hint="add c after the dense layer: z = h · v + c."),
    Mistake("returned the logit", partial(_toy_fwd, sigmoid=False), "return the probability ŷ = sigmoid(z), not z."),
    Mistake("sigmoid with exp(+z)", output=lambda out, a: 1.0 - out,
            hint="sigmoid(z) = 1 / (1 + exp(-z)); with exp(+z) you get 1 - ŷ."),
    Mistake("flatten in the wrong order", partial(_toy_fwd, order="F"),
            "flatten the 2x2 pooled map row by row (pooled.ravel()), matching v's order."),
]


def _scalar_view(out):
    if isinstance(out, np.ndarray) and out.size == 1:
        out = out.item()
    if not isinstance(out, (float, int, np.floating, np.integer)) or isinstance(out, bool):
        raise Mismatch(f"expected a float (the probability ŷ), got {type(out).__name__}.",
                       "return a single number, e.g. float(y_hat).", stage="type")
    return np.array(float(out))


def check_toy_forward(toy_forward: Callable, hidden: bool = False) -> None:
    """Check ``toy_forward(params, image) -> ŷ``."""
    __tracebackhide__ = True
    cases = [Case(f"parameters and image #{s}", _toy_case_inputs(s)[:2], project=_scalar_view) for s in range(6)]
    if hidden:
        rng = hidden_rng()
        cases += [Case(f"hidden #{i + 1}", _toy_case_inputs(int(rng.integers(1 << 30)))[:2], project=_scalar_view,
                       hidden=True) for i in range(4)]
    run_check(toy_forward, reference=toy_net.toy_forward, cases=cases, mistakes=TOY_FORWARD_MISTAKES)


_KEYS = ("w", "b", "v", "c")


def _grads_view(out):
    if not isinstance(out, (tuple, list)) or len(out) != 2 or not isinstance(out[1], dict):
        raise Mismatch(f"expected a pair (loss, grads) with grads a dict, got {type(out).__name__}.",
                       "return loss, {'w': dw, 'b': db, 'v': dv, 'c': dc}.", stage="type")
    loss, grads = out
    missing = [k for k in _KEYS if k not in grads]
    if missing:
        raise Mismatch(f"grads is missing {missing}.", "include a gradient for every parameter: w, b, v, c.", stage="type")
    return (np.array(float(loss)), *(np.asarray(grads[k], dtype=float).reshape(toy_helpers.TOY_PARAMS[k]) for k in _KEYS))


def _toy_numeric(params, image, label):
    def error(got):
        _, grads = got
        errs = []
        for key in _KEYS:
            def loss_of(value, key=key):
                p = dict(params)
                p[key] = value
                yhat = _toy_fwd(p, image)
                z = np.log(yhat) - np.log1p(-yhat)
                return float(np.maximum(z, 0) - z * label + np.log1p(np.exp(-abs(z))))
            got_grad = np.asarray(grads[key], dtype=float).reshape(toy_helpers.TOY_PARAMS[key])
            errs.append(relative_error(got_grad, _num_grad(loss_of, np.asarray(params[key], dtype=float))))
        return max(errs)
    return error


def _toy_first_max(window, d):
    routed = np.zeros_like(window)
    routed.flat[np.argmax(window)] = d
    return routed


def _toy_backprop(params, image, label, *, route=_toy_first_max, relu=None, db=None, swap_dv=False):
    """The toy network's loss and gradients (trusted numpy) with one backward step replaced:
    ``route(window, d)`` for the max-pool, ``relu(d, z1)`` for the ReLU, ``db(dz1)`` for the conv bias;
    ``swap_dv`` mixes up dL/dv = dz·h and dL/dh = dz·v."""
    p = {k: np.asarray(v, float) for k, v in params.items()}
    x = np.asarray(image, float)
    z1 = _conv(x[None, None], p["w"][None, None])[0, 0] + float(p["b"])
    a1 = np.maximum(z1, 0)
    h = _windows(a1[None, None], 2, 2, 2)[0, 0].max(axis=(2, 3)).ravel()
    z = float(h @ p["v"] + float(p["c"]))
    loss = float(max(z, 0) - z * label + np.log1p(np.exp(-abs(z))))
    dz = float(_sig(np.array(z))) - label
    dv, dh = (dz * p["v"], dz * h) if swap_dv else (dz * h, dz * p["v"])
    dpooled = dh.reshape(2, 2)
    da1 = np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            da1[2 * i:2 * i + 2, 2 * j:2 * j + 2] += route(a1[2 * i:2 * i + 2, 2 * j:2 * j + 2], dpooled[i, j])
    dz1 = relu(da1, z1) if relu else da1 * (z1 > 0)
    dw = _conv(x[None, None], dz1[None, None])[0, 0]
    return loss, {"w": dw, "b": np.array(db(dz1) if db else dz1.sum()), "v": dv, "c": np.array(dz)}


TOY_GRADIENTS_MISTAKES = [
    Mistake("sign error in the loss gradient", output=lambda out, a: (out[0], {k: -g for k, g in out[1].items()}),
            hint="dL/dz = ŷ - y for sigmoid + binary cross-entropy."),
    Mistake("gradient sent to every cell of the pooling window",
            partial(_toy_backprop, route=lambda w2, d: np.full_like(w2, d)),
            "max-pool backward routes each gradient only to its window's argmax."),
    Mistake("ReLU mask taken from the gradient", partial(_toy_backprop, relu=lambda d, z1: d * (d > 0)),
            "mask with the ReLU's input: dz1 = da1 * (z1 > 0)."),
    Mistake("ReLU backward skipped", partial(_toy_backprop, relu=lambda d, z1: d),
            "multiply by the ReLU mask (z1 > 0) between pooling and the conv."),
    Mistake("dw with the kernel flipped", output=lambda out, a: (out[0], {**out[1], "w": out[1]["w"][::-1, ::-1]}),
            hint="dL/dw[a, b] = sum over i, j of dz1[i, j] * image[i + a, j + b]: the image correlated with dz1."),
    Mistake("db not summed over positions", partial(_toy_backprop, db=lambda dz1: dz1[0, 0]),
            "b is added at all 16 conv positions: db = dz1.sum()."),
    Mistake("db averaged over positions", partial(_toy_backprop, db=lambda dz1: dz1.mean()),
            "b is added at all 16 conv positions and each adds its gradient: db = dz1.sum(), not the mean."),
    Mistake("dv and dh swapped", partial(_toy_backprop, swap_dv=True),
            "for z = h · v + c: dL/dv = dz · h (the pooled features) and the gradient sent back to h is dz · v."),
    Mistake("loss for label 1 only", output=lambda out, a: (-np.log(_toy_fwd(a.params, a.image)), out[1]),
            hint="the binary cross-entropy is -(y log ŷ + (1 - y) log(1 - ŷ)): for label 0 it is -log(1 - ŷ)."),
]


def check_toy_gradients(toy_gradients: Callable, hidden: bool = False) -> None:
    """Check ``toy_gradients(params, image, label) -> (loss, grads)``."""
    __tracebackhide__ = True
    names = ("loss", "dL/dw", "dL/db", "dL/dv", "dL/dc")

    def case(name, seed, is_hidden=False):
        params, image, label = _toy_case_inputs(seed)
        return Case(name, (params, image, label), project=_grads_view, item_names=names, dtype_rule=None,
                    numeric=_toy_numeric(params, image, label), hidden=is_hidden)

    cases = [case(f"parameters and image #{s}", s) for s in range(6)]
    if hidden:
        rng = hidden_rng()
        cases += [case(f"hidden #{i + 1}", int(rng.integers(1 << 30)), True) for i in range(4)]
    run_check(toy_gradients, reference=toy_net.toy_gradients, cases=cases, mistakes=TOY_GRADIENTS_MISTAKES)


# ------------------------------------------------------------------ train_toy

def _toy_batch(p, images, labels):
    """Per-image losses (M,) and gradients {key: (M, *shape)} of the toy network, vectorized (trusted numpy)."""
    m = len(images)
    win = np.lib.stride_tricks.sliding_window_view(images, (3, 3), axis=(1, 2))  # (M, 4, 4, 3, 3)
    z1 = np.einsum("mijkl,kl->mij", win, p["w"]) + p["b"]
    a1 = np.maximum(z1, 0)
    blocks = a1.reshape(m, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4).reshape(m, 2, 2, 4)  # pooling windows, row-major
    first = blocks.argmax(axis=-1)[..., None]  # the first maximum of each window
    h = np.take_along_axis(blocks, first, axis=-1).reshape(m, 4)
    z = h @ p["v"] + p["c"]
    losses = np.maximum(z, 0) - z * labels + np.log1p(np.exp(-np.abs(z)))
    dz = _sig(z) - labels  # (M,)
    routed = np.zeros_like(blocks)
    np.put_along_axis(routed, first, (dz[:, None] * p["v"]).reshape(m, 2, 2, 1), axis=-1)
    dz1 = routed.reshape(m, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4).reshape(m, 4, 4) * (z1 > 0)
    dw = np.einsum("mijkl,mij->mkl", win, dz1)
    return losses, {"w": dw, "b": dz1.sum(axis=(1, 2)), "v": dz[:, None] * h, "c": dz}


def _train(images, labels, lr=0.5, steps=100, seed=0, *, mode="mean", lr_scale=1.0, fixed_lr=None,
           losses_after=False, losses_scale=1.0):
    """Full-batch gradient descent on the toy network (trusted, vectorized), with a knob for each way to get it wrong.

    ``mode``: ``"mean"`` (right), ``"not reset"`` (mean gradients added up over the steps), ``"last image"``
    (the last image's gradient only), ``"per image"`` (an update after every image, lr · its gradient).
    ``lr_scale`` multiplies the step (-1: wrong sign; M: summed gradients), ``fixed_lr`` replaces ``lr``,
    ``losses_after`` records the loss after each update, ``losses_scale`` multiplies the recorded losses.
    """
    images, labels = np.asarray(images, dtype=float), np.asarray(labels, dtype=float)
    p = toy_helpers.init_toy_params(seed)
    eta = (lr if fixed_lr is None else fixed_lr) * lr_scale
    running = {k: np.zeros_like(v) for k, v in p.items()}
    losses = []
    for _ in range(steps):
        if mode == "per image":
            total = 0.0
            for k in range(len(images)):
                loss, g = _toy_batch(p, images[k:k + 1], labels[k:k + 1])
                total += float(loss[0])
                p = {key: p[key] - eta * g[key][0] for key in p}
            losses.append(total / len(images))
            continue
        loss, g = _toy_batch(p, images, labels)
        losses.append(float(loss.mean()))
        step = {key: g[key][-1] if mode == "last image" else g[key].mean(axis=0) for key in p}
        if mode == "not reset":
            running = {key: running[key] + step[key] for key in p}
            step = running
        p = {key: p[key] - eta * step[key] for key in p}
    if losses_after:
        losses = [*losses[1:], float(_toy_batch(p, images, labels)[0].mean())]
    return p, [value * losses_scale for value in losses]


def _train_summed(images, labels, lr=0.5, steps=100, seed=0):
    return _train(images, labels, lr, steps, seed, lr_scale=len(images))


def _train_losses_summed(images, labels, lr=0.5, steps=100, seed=0):
    return _train(images, labels, lr, steps, seed, losses_scale=len(images))


# The variants train with the vectorized _train (a few ms per run, the reference takes about a second);
# tests/checks/test_backprop.py checks that _train follows the reference's path.
TRAIN_MISTAKES = [
    Mistake("sign error in the update", partial(_train, lr_scale=-1.0),
            "step *against* the gradient: param = param - lr * grad (the loss should go down)."),
    Mistake("gradients summed instead of averaged", _train_summed,
            "use the gradient of the *mean* loss: divide the summed gradients by the number of images."),
    Mistake("parameters never updated", partial(_train, fixed_lr=0.0),
            "assign the updated values back: params[key] = params[key] - lr * grads[key]."),
    Mistake("learning rate ignored", partial(_train, fixed_lr=0.1), "use the `lr` argument in the update."),
    Mistake("losses recorded after the update", partial(_train, losses_after=True),
            "append the mean loss computed *before* each update (the one the gradients came from)."),
    Mistake("gradients not reset between steps", partial(_train, mode="not reset"),
            "start every step from zero gradients: create the dict of summed gradients inside the loop over steps."),
    Mistake("gradient of the last image only", partial(_train, mode="last image"),
            "add up the gradients of all images (then divide by their number); `grads = ...` in the image loop "
            "keeps only the last one."),
    Mistake("updated after every image", partial(_train, mode="per image"),
            "full-batch gradient descent: one update per step, after averaging the gradients over all images."),
    Mistake("losses summed instead of averaged", _train_losses_summed,
            "record the *mean* loss over the images: divide the total by the number of images."),
]


def _train_view(images, labels):
    def view(out):
        if not isinstance(out, (tuple, list)) or len(out) != 2 or not isinstance(out[0], dict):
            raise Mismatch(f"expected a pair (params, losses), got {type(out).__name__}.", "return params, losses.",
                           stage="type")
        params, losses = out
        losses = np.asarray(losses, dtype=float)
        acc = np.mean([(_toy_fwd(_clean(params), im) > 0.5) == lb
                       for im, lb in zip(images, labels)])
        went_down = np.array(float(losses[-1] < losses[0])) if losses.size else np.array(0.0)
        return np.array(acc), went_down, losses[:10]  # early losses: before the sigmoid saturates
    return view


def _clean(params):
    missing = [k for k in _KEYS if k not in params]
    if missing:
        raise Mismatch(f"params is missing {missing}.", "return the trained dict with keys w, b, v, c.", stage="type")
    return {k: np.asarray(params[k], dtype=float).reshape(toy_helpers.TOY_PARAMS[k]) for k in _KEYS}


def check_train_toy(train_toy: Callable, hidden: bool = False) -> None:
    """Check ``train_toy(images, labels, lr=0.5, steps=100, seed=0) -> (params, losses)``."""
    __tracebackhide__ = True
    names = ("training accuracy", "loss went down (1 = yes)", "the first 10 losses")
    images, labels = toy_helpers.make_edges(8, seed=0)
    hint = ("start from init_toy_params(seed) and take `steps` steps of params - lr * (gradient of the mean loss "
            "over all images), recording the mean loss before each step. If your loss grows, the update has the "
            "wrong sign.")
    cases = [Case("the edge task, default settings", (images, labels), project=_train_view(images, labels),
                  item_names=names, dtype_rule=None, hint=hint)]
    if hidden:
        seed = int(hidden_rng().integers(1, 1000))
        images2, labels2 = toy_helpers.make_edges(6, seed=seed)
        cases.append(Case(f"hidden: other images, seed {seed}, 60 steps", (images2, labels2),
                          {"steps": 60, "seed": seed, "lr": 0.4}, project=_train_view(images2, labels2),
                          item_names=names, dtype_rule=None, hint=hint, hidden=True))
    run_check(train_toy, reference=toy_net.train_toy, cases=cases, mistakes=TRAIN_MISTAKES)
