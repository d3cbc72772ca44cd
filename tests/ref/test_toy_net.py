"""cnncourse.ref.toy_net (module 03's toy network) against torch.autograd."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import leaf

from cnncourse.helpers import toy_net as toy_helpers
from cnncourse.ref import toy_net


def _torch_toy(params, image, label):
    tp = {k: leaf(v, True) for k, v in params.items()}
    z1 = F.conv2d(leaf(image)[None, None], tp["w"][None, None]) + tp["b"]
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
    (lambda: toy_net.toy_forward({"w": np.ones((3, 3))}, np.ones((6, 6))), ValueError,
     r"`params` must be a dict with keys 'w' \(3, 3\), 'b', 'v' \(4,\), 'c'"),
    (lambda: toy_net.toy_forward(toy_helpers.init_toy_params(), np.ones((5, 5))), ValueError, r"`image` must have shape \(6, 6\)"),
    (lambda: toy_net.toy_gradients(toy_helpers.init_toy_params(), np.ones((6, 6)), 2), ValueError, r"`label` must be 0 or 1; got 2"),
    (lambda: toy_net.train_toy(np.ones((4, 6, 6)), np.ones(3)), ValueError, r"`labels` must have shape \(4,\), one per image"),
    (lambda: toy_net.train_toy(np.ones((2, 6, 6)), np.array([0.7, 1.0])), ValueError, r"`labels` must be 0 or 1"),
    (lambda: toy_net.toy_gradients(toy_helpers.init_toy_params(), np.ones((6, 6)), True), ValueError, r"`label` must be 0 or 1"),
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
