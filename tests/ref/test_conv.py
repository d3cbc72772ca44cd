"""cnncourse.ref.conv against torch: conv2d, unfold/fold (im2col/col2im) and autograd for the backward passes."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import as_tensor, leaf

from cnncourse.ref import conv


def _random_layer(rng, max_side):
    """A random conv layer's inputs (x, w, b) with stride and padding, drawn in a fixed order from ``rng``."""
    n, c, f = (int(v) for v in rng.integers(1, 4, size=3))
    h, w = (int(v) for v in rng.integers(3, max_side + 1, size=2))
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    s, p = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    return rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f), s, p


@pytest.mark.parametrize("impl", [conv.conv2d_forward, conv.conv2d_forward_naive])
def test_conv2d_matches_torch(impl):
    rng = np.random.default_rng(0)
    for _ in range(40):
        x, wt, b, s, p = _random_layer(rng, max_side=10)
        expected = F.conv2d(as_tensor(x), as_tensor(wt), as_tensor(b), stride=s, padding=p).numpy()
        np.testing.assert_allclose(impl(x, wt, b, stride=s, padding=p), expected, rtol=1e-10, atol=1e-12)


def test_conv2d_float32_stays_float32():
    x, w, b = np.ones((1, 2, 4, 4), np.float32), np.ones((3, 2, 3, 3), np.float32), np.zeros(3, np.float32)
    assert conv.conv2d_forward(x, w, b).dtype == np.float32
    assert conv.conv2d_forward(x, w.astype(np.float64), b).dtype == np.float64


def test_conv2d_backward_matches_autograd():
    rng = np.random.default_rng(2)
    for _ in range(25):
        x, wt, b, s, p = _random_layer(rng, max_side=8)
        tx, tw, tb = leaf(x, True), leaf(wt, True), leaf(b, True)
        out = F.conv2d(tx, tw, tb, stride=s, padding=p)
        dout = rng.normal(size=tuple(out.shape))
        out.backward(leaf(dout))
        dx, dw, db = conv.conv2d_backward(dout, x, wt, stride=s, padding=p)
        np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10, atol=1e-12)


SHAPES = [  # (N, C, H, W), F, (KH, KW), stride, padding
    ((1, 1, 5, 5), 1, (3, 3), 1, 0), ((2, 3, 7, 6), 4, (3, 2), 2, 1), ((3, 2, 8, 9), 5, (4, 3), 3, 2),
    ((2, 1, 4, 4), 2, (1, 1), 1, 0), ((1, 2, 6, 6), 3, (5, 5), 1, 2),
]


@pytest.mark.parametrize("x_shape, f, k, s, p", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_matches_torch_unfold(x_shape, f, k, s, p, dtype):
    x = np.random.default_rng(0).normal(size=x_shape).astype(dtype)
    cols = conv.im2col(x, k, stride=s, padding=p)
    unfolded = F.unfold(torch.from_numpy(x), k, padding=p, stride=s)  # (N, C*KH*KW, L), rows in (c, a, d) order
    expected = unfolded.permute(1, 0, 2).reshape(unfolded.shape[1], -1).numpy()
    assert cols.dtype == dtype
    np.testing.assert_array_equal(cols, expected)


@pytest.mark.parametrize("x_shape, f, k, s, p", SHAPES)
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-4), (np.float64, 1e-12)])
def test_conv2d_forward_im2col_matches_torch(x_shape, f, k, s, p, dtype, tol):
    rng = np.random.default_rng(1)
    x = rng.normal(size=x_shape).astype(dtype)
    w = rng.normal(size=(f, x_shape[1], *k)).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    out = conv.conv2d_forward_im2col(x, w, b, stride=s, padding=p)
    expected = F.conv2d(*(torch.from_numpy(a) for a in (x, w, b)), stride=s, padding=p).numpy()
    assert out.dtype == dtype and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(out, conv.conv2d_forward(x, w, b, stride=s, padding=p), rtol=tol, atol=tol)
    for chunk in (1, 2, 4):
        fast = conv.conv2d_forward_fast(x, w, b, stride=s, padding=p, chunk=chunk)
        assert fast.dtype == dtype and fast.shape == expected.shape
        np.testing.assert_allclose(fast, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("x_shape, f, k, s, p", SHAPES)
def test_col2im_matches_torch_fold(x_shape, f, k, s, p):
    n, c, h, w = x_shape
    cols = conv.im2col(np.zeros(x_shape), k, stride=s, padding=p)
    values = np.random.default_rng(2).normal(size=cols.shape)
    folded = F.fold(torch.from_numpy(values.reshape(cols.shape[0], n, -1).transpose(1, 0, 2).copy()),
                    (h, w), k, padding=p, stride=s).numpy()
    np.testing.assert_allclose(conv.col2im(values, x_shape, k, stride=s, padding=p), folded, atol=1e-12)


@pytest.mark.parametrize("x_shape, f, k, s, p", SHAPES)
def test_conv2d_backward_im2col_matches_autograd(x_shape, f, k, s, p):
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=x_shape), rng.normal(size=(f, x_shape[1], *k))
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.zeros(f, dtype=torch.float64, requires_grad=True)
    out = F.conv2d(xt, wt, bt, stride=s, padding=p)
    dout = rng.normal(size=tuple(out.shape))
    out.backward(torch.from_numpy(dout))
    dx, dw, db = conv.conv2d_backward_im2col(dout, x, w, stride=s, padding=p)
    for got, expected in ((dx, xt.grad), (dw, wt.grad), (db, bt.grad)):
        np.testing.assert_allclose(got, expected.numpy(), atol=1e-10)


def test_im2col_integer_input_becomes_float():
    assert conv.im2col(np.arange(9).reshape(1, 1, 3, 3), 2).dtype == np.float64


def test_conv2d_backward_im2col_checks_dout_like_module_03():
    x, w = np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"`dout` must have the conv output's shape \(1, 1, 2, 2\); got shape \(1, 1, 3, 3\)"):
        conv.conv2d_backward_im2col(np.zeros((1, 1, 3, 3)), x, w)
    with pytest.raises(TypeError, match=r"`dout` must be a numpy array of shape \(N, F, OH, OW\)"):
        conv.conv2d_backward_im2col([[0.0]], x, w)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: conv.conv2d_forward(np.zeros((3, 4, 4)), np.zeros((1, 3, 3, 3)), np.zeros(1)), ValueError,
     r"`x` must be a 4-D array of shape \(N, C, H, W\); got shape \(3, 4, 4\)\. For one image"),
    (lambda: conv.conv2d_forward(np.zeros((1, 3, 4, 4)), np.zeros((2, 2, 3, 3)), np.zeros(2)), ValueError,
     r"`w` must have C = 3 input channels to match x"),
    (lambda: conv.conv2d_forward(np.zeros((1, 3, 4, 4)), np.zeros((2, 3, 3, 3)), np.zeros(3)), ValueError,
     r"`b` must have one bias per filter, shape \(2,\); got shape \(3,\)\."),
    (lambda: conv.conv2d_forward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)), np.zeros(1)), ValueError,
     r"`w` must fit inside the padded input \(2 x 2\); got kernel 3 x 3\."),
    (lambda: conv.conv2d_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))), ValueError,
     r"`dout` must have the conv output's shape \(1, 1, 2, 2\)"),
    (lambda: conv.conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 2, 4, 4)), np.ones((1, 1, 3, 3))), ValueError,
     r"`w` must have C = 2 input channels"),
    (lambda: conv.conv2d_backward(np.ones((1, 1, 1, 1)), np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))), ValueError,
     r"`w` must fit inside the padded input \(2 x 2\)"),
    (lambda: conv.im2col(np.zeros((3, 3)), 2), ValueError, r"`x` must be a 4-D array of shape \(N, C, H, W\)"),
    (lambda: conv.im2col(np.zeros((1, 1, 3, 3)), 0), ValueError, "`kernel_size` must be an integer >= 1"),
    (lambda: conv.im2col(np.zeros((1, 1, 3, 3)), (2, 2, 2)), ValueError, r"`kernel_size` must be an int or a pair"),
    (lambda: conv.im2col(np.zeros((1, 1, 3, 3)), 5), ValueError, "fit inside the padded input"),
    (lambda: conv.im2col(np.zeros((1, 1, 3, 3)), 2, stride=0), ValueError, "`stride` must be an integer >= 1"),
    (lambda: conv.conv2d_forward_im2col(np.zeros((1, 2, 3, 3)), np.zeros((1, 3, 2, 2)), np.zeros(1)), ValueError,
     "input channels"),
    (lambda: conv.col2im(np.zeros((4, 5)), (1, 1, 3, 3), 2), ValueError, r"`cols` must have shape \(C\*KH\*KW, N\*OH\*OW\)"),
    (lambda: conv.col2im(np.zeros((9, 4)), (1, 3, 3), 2), ValueError,
     r"`x_shape` must have 4 sizes \(N, C, H, W\); got \(1, 3, 3\)\. Pass the shape of the input that im2col unrolled"),
    (lambda: conv.col2im(np.zeros((9, 4)), 7, 2), TypeError, r"`x_shape` must be a shape \(N, C, H, W\); got int 7\."),
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
