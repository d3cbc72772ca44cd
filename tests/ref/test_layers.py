"""cnncourse.ref.layers against torch: flatten, dense and sigmoid + binary cross-entropy, forward and backward."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import as_tensor, leaf

from cnncourse.ref import layers


def test_flatten_matches_torch_flatten():
    x = np.random.default_rng(4).normal(size=(3, 2, 4, 5))
    np.testing.assert_array_equal(layers.flatten_forward(x), torch.flatten(as_tensor(x), 1).numpy())


def test_dense_and_bce_backward_match_autograd():
    rng = np.random.default_rng(3)
    x, w, b, y = rng.normal(size=(5, 4)), rng.normal(size=(4, 1)), rng.normal(size=1), rng.integers(0, 2, 5).astype(float)
    tx, tw, tb = leaf(x, True), leaf(w, True), leaf(b, True)
    z = (tx @ tw + tb)[:, 0]
    loss = F.binary_cross_entropy_with_logits(z, leaf(y))
    loss.backward()
    zn = (x @ w + b)[:, 0]
    assert layers.sigmoid_bce_forward(zn, y) == pytest.approx(loss.item(), rel=1e-12)
    dz = layers.sigmoid_bce_backward(zn, y)
    dx, dw, db = layers.dense_backward(dz[:, None], x, w)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: layers.flatten_forward([1, 2]), TypeError, r"`x` must be a numpy array of shape \(N, \.\.\.\); got list\."),
    (lambda: layers.flatten_forward(np.array(1.0)), ValueError, r"`x` must be an array with a batch axis first"),
    (lambda: layers.flatten_backward(np.ones((2, 4)), (2, 3)), ValueError, r"`x_shape` must hold as many values as dout \(8\)"),
    (lambda: layers.flatten_backward(np.ones((1, 7)), 7), TypeError,
     r"`x_shape` must be a shape \(N, \.\.\.\); got int 7\. Pass the shape of flatten's input, x\.shape\."),
    (lambda: layers.dense_backward(np.ones((2, 3)), np.ones((2, 4)), np.ones((4, 2))), ValueError,
     r"`dout` must have shape \(N, M\) = \(2, 2\)"),
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
