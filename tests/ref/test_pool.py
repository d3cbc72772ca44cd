"""cnncourse.ref.pool against torch: max/average pooling forward and autograd for the backward."""


import numpy as np
import pytest
import torch.nn.functional as F
from conftest import as_tensor, leaf

from cnncourse.ref import pool


@pytest.mark.parametrize("ours, theirs", [(pool.max_pool2d_forward, F.max_pool2d), (pool.avg_pool2d_forward, F.avg_pool2d)])
def test_pooling_matches_torch(ours, theirs):
    rng = np.random.default_rng(2)
    for _ in range(40):
        x = rng.normal(size=(int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(3, 12)), int(rng.integers(3, 12))))
        k = int(rng.integers(1, min(x.shape[2:]) + 1))
        s = None if rng.random() < 0.4 else int(rng.integers(1, 4))
        expected = theirs(as_tensor(x), kernel_size=k, stride=s).numpy()
        np.testing.assert_allclose(ours(x, kernel_size=k, stride=s), expected, rtol=1e-12)


def test_avg_pool_as_conv_equals_avg_pool():
    x = np.random.default_rng(3).normal(size=(2, 3, 9, 7))
    for k in (1, 2, 3):
        np.testing.assert_allclose(pool.avg_pool_as_conv(x, k), F.avg_pool2d(as_tensor(x), k).numpy(), rtol=1e-12)


@pytest.mark.parametrize("k, s", [(2, None), (2, 1), (3, 2), (3, None)])
def test_max_pool2d_backward_matches_autograd(k, s):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 7, 8))
    tx = leaf(x, True)
    out = F.max_pool2d(tx, k, s)
    dout = rng.normal(size=tuple(out.shape))
    out.backward(leaf(dout))
    np.testing.assert_allclose(pool.max_pool2d_backward(dout, x, k, s), tx.grad.numpy(), rtol=1e-12)


def test_max_pool2d_backward_ties_go_to_the_first_maximum_like_torch():
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    tx = leaf(x, True)
    F.max_pool2d(tx, 2).backward(leaf([[[[5.0]]]]))
    np.testing.assert_array_equal(pool.max_pool2d_backward(np.array([[[[5.0]]]]), x), tx.grad.numpy())
    assert pool.max_pool2d_backward(np.array([[[[5.0]]]]), x)[0, 0].tolist() == [[0, 5], [0, 0]]


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: pool.max_pool2d_forward(np.zeros((1, 1, 2, 2)), kernel_size=3), ValueError,
     r"`kernel_size` must be at most the input's height and width \(2, 2\); got 3\."),
    (lambda: pool.avg_pool2d_forward(np.zeros((1, 1, 4, 4)), stride=0), ValueError, r"`stride` must be an integer >= 1"),
    (lambda: pool.max_pool2d_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4))), ValueError,
     r"`dout` must have the pooled shape \(1, 1, 2, 2\); got shape \(1, 1, 3, 3\)"),
    (lambda: pool.max_pool2d_backward(np.ones((1, 1, 1, 1)), np.ones((1, 1, 2, 2)), kernel_size=3), ValueError,
     r"`kernel_size` must be at most the input's height and width \(2, 2\)"),
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
