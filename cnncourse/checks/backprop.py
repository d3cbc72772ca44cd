"""Checks for module 03_backprop.

Introduced in notebooks/03_backprop_lecture.ipynb.  The layers' backward passes are checked
here, the 15-parameter network's (forward, gradients, training) in
:mod:`cnncourse.checks._backprop_toy`, re-exported here.  Backward checks compare with the reference
(:mod:`cnncourse.ref`) and report the relative error of the student's gradient against a
centred numerical gradient.  ``hidden=True`` adds random cases drawn from
``CNNCOURSE_GRADING_SEED``.
"""

import dataclasses
from collections.abc import Callable
from functools import partial

import numpy as np

from ..ref import activations, conv, gradcheck, layers, pool
from ..ref._common import _correlate as _conv, _pad, _stable_sigmoid as _sig, _windows
from ..ref.gradcheck import _centred_gradient as _num_grad, relative_error
from ._core import Case, Mistake, hidden_rng, random_array, run_check

_rand = random_array  # standard normal inputs


# ------------------------------------------------------------------ forward pieces (trusted numpy)

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
    """x[i] put back to its old value instead of x[i] - h before the second evaluation: (f(x+h) - f(x)) / 2h."""
    return _forward_differences(f, x, h) / 2


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


from ._backprop_toy import (TOY_FORWARD_MISTAKES, TOY_GRADIENTS_MISTAKES, TRAIN_MISTAKES, _train,  # noqa: E402, F401
                            check_toy_forward, check_toy_gradients, check_train_toy)
