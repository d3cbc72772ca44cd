"""Module-03 references against torch.autograd and numerical gradients."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnncourse.helpers import toy_net as toy_helpers
from cnncourse.ref import activations, conv, gradcheck, layers, pool, toy_net


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_relu_backward_matches_autograd():
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(2, 3, 4, 4))
    tx = _t(x, True)
    torch.relu(tx).backward(_t(dout))
    np.testing.assert_allclose(activations.relu_backward(dout, x), tx.grad.numpy())


@pytest.mark.parametrize("k, s", [(2, None), (2, 1), (3, 2), (3, None)])
def test_max_pool2d_backward_matches_autograd(k, s):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 7, 8))
    tx = _t(x, True)
    out = F.max_pool2d(tx, k, s)
    dout = rng.normal(size=tuple(out.shape))
    out.backward(_t(dout))
    np.testing.assert_allclose(pool.max_pool2d_backward(dout, x, k, s), tx.grad.numpy(), rtol=1e-12)


def test_max_pool2d_backward_ties_go_to_the_first_maximum_like_torch():
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    tx = _t(x, True)
    F.max_pool2d(tx, 2).backward(_t([[[[5.0]]]]))
    np.testing.assert_array_equal(pool.max_pool2d_backward(np.array([[[[5.0]]]]), x), tx.grad.numpy())
    assert pool.max_pool2d_backward(np.array([[[[5.0]]]]), x)[0, 0].tolist() == [[0, 5], [0, 0]]


def test_conv2d_backward_matches_autograd():
    rng = np.random.default_rng(2)
    for _ in range(25):
        n, c, f = (int(v) for v in rng.integers(1, 4, size=3))
        h, w = (int(v) for v in rng.integers(3, 9, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        s, p = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        x, wt, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
        tx, tw, tb = _t(x, True), _t(wt, True), _t(b, True)
        out = F.conv2d(tx, tw, tb, stride=s, padding=p)
        dout = rng.normal(size=tuple(out.shape))
        out.backward(_t(dout))
        dx, dw, db = conv.conv2d_backward(dout, x, wt, stride=s, padding=p)
        np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_dense_and_bce_backward_match_autograd():
    rng = np.random.default_rng(3)
    x, w, b, y = rng.normal(size=(5, 4)), rng.normal(size=(4, 1)), rng.normal(size=1), rng.integers(0, 2, 5).astype(float)
    tx, tw, tb = _t(x, True), _t(w, True), _t(b, True)
    z = (tx @ tw + tb)[:, 0]
    loss = F.binary_cross_entropy_with_logits(z, _t(y))
    loss.backward()
    zn = (x @ w + b)[:, 0]
    assert layers.sigmoid_bce_forward(zn, y) == pytest.approx(loss.item(), rel=1e-12)
    dz = layers.sigmoid_bce_backward(zn, y)
    dx, dw, db = layers.dense_backward(dz[:, None], x, w)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10)


def test_numerical_gradient_agrees_with_autograd_and_restores_x():
    x = np.random.default_rng(4).normal(size=(3, 2))
    before = x.copy()
    f = lambda a: float(np.sum(np.sin(a) * a ** 2))  # noqa: E731
    tx = _t(x, True)
    torch.sum(torch.sin(tx) * tx ** 2).backward()
    np.testing.assert_allclose(gradcheck.numerical_gradient(f, x), tx.grad.numpy(), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, before)


def _torch_toy(params, image, label):
    tp = {k: _t(v, True) for k, v in params.items()}
    z1 = F.conv2d(_t(image)[None, None], tp["w"][None, None]) + tp["b"]
    h = F.max_pool2d(torch.relu(z1), 2).reshape(4)
    z = h @ tp["v"] + tp["c"]
    loss = F.binary_cross_entropy_with_logits(z, torch.tensor(float(label), dtype=torch.float64))
    loss.backward()
    return torch.sigmoid(z).item(), loss.item(), {k: t.grad.numpy() for k, t in tp.items()}


@pytest.mark.parametrize("seed", range(5))
def test_toy_network_matches_autograd(seed):
    rng = np.random.default_rng(seed)
    params = {"w": rng.normal(size=(3, 3)), "b": np.array(rng.normal() * 0.3), "v": rng.normal(size=4),
              "c": np.array(rng.normal() * 0.3)}
    images, labels = toy_helpers.make_edges(3, seed=seed)
    for image, label in zip(images, labels):
        yhat, loss, grads = _torch_toy(params, image, int(label))
        assert toy_net.toy_forward(params, image) == pytest.approx(yhat, rel=1e-12)
        got_loss, got = toy_net.toy_gradients(params, image, int(label))
        assert got_loss == pytest.approx(loss, rel=1e-12)
        for key in params:
            np.testing.assert_allclose(got[key], grads[key], rtol=1e-10, atol=1e-12)
    assert sum(np.asarray(params[k]).size for k in params) == 15


def test_train_toy_reaches_full_training_accuracy_and_learns():
    images, labels = toy_helpers.make_edges(8, seed=0)
    params, losses = toy_net.train_toy(images, labels)
    accuracy = np.mean([(toy_net.toy_forward(params, im) > 0.5) == lb for im, lb in zip(images, labels)])
    assert accuracy == 1.0
    assert losses[-1] < 0.1 * losses[0] and len(losses) == 100
    held_out, held_labels = toy_helpers.make_edges(20, seed=123)
    assert np.mean([(toy_net.toy_forward(params, im) > 0.5) == lb for im, lb in zip(held_out, held_labels)]) >= 0.9


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: activations.relu_backward([1.0], np.ones(1)), TypeError, r"`dout` must be a numpy array"),
    (lambda: activations.relu_backward(np.ones(2), np.ones(3)), ValueError, r"`dout` must have the same shape as `x` \(3,\)"),
    (lambda: layers.flatten_backward(np.ones((2, 4)), (2, 3)), ValueError, r"`x_shape` must hold as many values as dout \(8\)"),
    (lambda: pool.max_pool2d_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4))), ValueError,
     r"`dout` must have the pooled shape \(1, 1, 2, 2\); got shape \(1, 1, 3, 3\)"),
    (lambda: conv.conv2d_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))), ValueError,
     r"`dout` must have the conv output's shape \(1, 1, 2, 2\)"),
    (lambda: layers.dense_backward(np.ones((2, 3)), np.ones((2, 4)), np.ones((4, 2))), ValueError,
     r"`dout` must have shape \(N, M\) = \(2, 2\)"),
    (lambda: gradcheck.numerical_gradient(lambda x: 0.0, np.ones(2, dtype=np.float32)), TypeError,
     r"`x` must be a float64 array \(float32 is too coarse for finite differences\)"),
    (lambda: gradcheck.numerical_gradient("f", np.ones(2)), TypeError, r"`f` must be a function f\(x\) -> float"),
    (lambda: toy_net.toy_forward({"w": np.ones((3, 3))}, np.ones((6, 6))), ValueError,
     r"`params` must be a dict with keys 'w' \(3, 3\), 'b', 'v' \(4,\), 'c'"),
    (lambda: toy_net.toy_forward(toy_helpers.init_toy_params(), np.ones((5, 5))), ValueError, r"`image` must have shape \(6, 6\)"),
    (lambda: toy_net.toy_gradients(toy_helpers.init_toy_params(), np.ones((6, 6)), 2), ValueError, r"`label` must be 0 or 1; got 2"),
    (lambda: toy_net.train_toy(np.ones((4, 6, 6)), np.ones(3)), ValueError, r"`labels` must have shape \(4,\), one per image"),
    (lambda: toy_net.train_toy(np.ones((2, 6, 6)), np.array([0.7, 1.0])), ValueError, r"`labels` must be 0 or 1"),
    (lambda: toy_net.toy_gradients(toy_helpers.init_toy_params(), np.ones((6, 6)), True), ValueError, r"`label` must be 0 or 1"),
    (lambda: gradcheck.numerical_gradient(lambda x: 0.0, np.ones(2), h=0), ValueError, r"`h` must be a small positive step"),
    (lambda: conv.conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 2, 4, 4)), np.ones((1, 1, 3, 3))), ValueError,
     r"`w` must have C = 2 input channels"),
    (lambda: conv.conv2d_backward(np.ones((1, 1, 1, 1)), np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))), ValueError,
     r"`w` must fit inside the padded input \(2 x 2\)"),
    (lambda: pool.max_pool2d_backward(np.ones((1, 1, 1, 1)), np.ones((1, 1, 2, 2)), kernel_size=3), ValueError,
     r"`kernel_size` must be at most the input's height and width \(2, 2\)"),
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
