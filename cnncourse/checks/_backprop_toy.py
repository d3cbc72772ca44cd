"""Checks for module 03_backprop: the toy network's forward pass, its gradients and its training.

Introduced in notebooks/03_backprop_lecture.ipynb.  Part of :mod:`cnncourse.checks.backprop`,
which re-exports every check and mistake list here (one file per concept: the layers' backward
passes there, the 15-parameter network here).
"""

from collections.abc import Callable
from functools import partial

import numpy as np

from ..helpers import toy_net as toy_helpers
from ..ref import toy_net
from ..ref._common import _correlate as _conv, _stable_sigmoid as _sig, _windows
from ..ref.gradcheck import _centred_gradient as _num_grad, relative_error
from ._core import Case, Mismatch, Mistake, hidden_rng, run_check


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
