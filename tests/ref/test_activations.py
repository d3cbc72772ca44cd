"""cnncourse.ref.activations against torch, forward and backward."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import as_tensor, leaf

from cnncourse.ref import activations


@pytest.mark.parametrize("ours, theirs", [
    (activations.relu, torch.relu),
    (lambda x: activations.leaky_relu(x, alpha=0.2), lambda t: F.leaky_relu(t, 0.2)),
    (lambda x: activations.elu(x, alpha=1.5), lambda t: F.elu(t, 1.5)),
    (activations.sigmoid, torch.sigmoid),
    (activations.tanh, torch.tanh),
])
def test_activations_match_torch_without_overflow_warnings(ours, theirs):
    x = np.concatenate([np.random.default_rng(1).normal(size=200) * 5, [-1000.0, -710.0, -1.0, 0.0, 1.0, 710.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning fails the test
        got = ours(x)
        got32 = ours(x.astype(np.float32))
    np.testing.assert_allclose(got, theirs(as_tensor(x)).numpy(), rtol=1e-12, atol=1e-15)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, theirs(as_tensor(x.astype(np.float32))).numpy(), rtol=1e-5, atol=1e-6)


def test_relu_backward_matches_autograd():
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(2, 3, 4, 4))
    tx = leaf(x, True)
    torch.relu(tx).backward(leaf(dout))
    np.testing.assert_allclose(activations.relu_backward(dout, x), tx.grad.numpy())


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: activations.relu("x"), TypeError, r"`x` must be a numpy array; got str\."),
    (lambda: activations.leaky_relu(np.zeros(2), alpha="a"), TypeError, r"`alpha` must be a real number"),
    (lambda: activations.relu_backward([1.0], np.ones(1)), TypeError, r"`dout` must be a numpy array"),
    (lambda: activations.relu_backward(np.ones(2), np.ones(3)), ValueError, r"`dout` must have the same shape as `x` \(3,\)"),
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
