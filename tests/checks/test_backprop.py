"""The module-03 checks accept correct student code and reject known-wrong code with the right hint."""

import numpy as np
import pytest
from checks import bank_backprop, suite
from checks import impls_backprop as impl

from cnncourse.checks import CheckFailed
from cnncourse.checks import backprop as cb
from cnncourse.helpers.toy_net import make_edges
from cnncourse.ref import activations, conv, gradcheck, layers, pool, toy_net

CORRECT = [
    (cb.check_relu_backward, impl.relu_bw_ok), (cb.check_relu_backward, impl.relu_bw_where),
    (cb.check_flatten_backward, impl.flat_bw_ok), (cb.check_flatten_backward, impl.flat_bw_loop),
    (cb.check_max_pool2d_backward, impl.pool_bw_ok),
    (cb.check_conv2d_backward, impl.conv_bw_ok), (cb.check_conv2d_backward, impl.conv_bw_full_conv),
    (cb.check_dense_backward, impl.dense_bw_ok), (cb.check_dense_backward, impl.dense_bw_einsum),
    (cb.check_sigmoid_bce_backward, impl.bce_bw_ok), (cb.check_sigmoid_bce_backward, impl.bce_bw_tanh),
    (cb.check_numerical_gradient, impl.num_ok), (cb.check_numerical_gradient, impl.num_copies),
    (cb.check_numerical_gradient, impl.num_add_back),
    (cb.check_toy_forward, impl.toy_fwd_ok), (cb.check_toy_forward, impl.toy_fwd_array),
    (cb.check_toy_gradients, impl.toy_grads_ok),
    (cb.check_train_toy, impl.train_ok),
]

BUGGY = [
    (cb.check_relu_backward, impl.relu_bw_inplace, "it changed its input `dout` in place"),
    (cb.check_sigmoid_bce_backward, impl.bce_bw_naive, "RuntimeWarning: overflow encountered in exp"),
    (cb.check_numerical_gradient, impl.num_no_restore, "it changed its input `x` in place"),
    (cb.check_train_toy, impl.train_sign, "the update has the wrong sign"),
    (cb.check_max_pool2d_backward, impl.pool_bw_no_stride, "failed on case 'kernel 3, stride 2'"),
    (cb.check_sigmoid_bce_backward, impl.bce_bw_extra_derivative, "Hint: sigmoid's derivative applied again"),
]

REFERENCES = [(getattr(cb, f"check_{func.__name__}"), func) for func in (
    activations.relu_backward, layers.flatten_backward, pool.max_pool2d_backward, conv.conv2d_backward,
    layers.dense_backward, layers.sigmoid_bce_backward, gradcheck.numerical_gradient, toy_net.toy_forward,
    toy_net.toy_gradients, toy_net.train_toy)]

MISTAKE_TABLES = [(getattr(cb, f"check_{func.__name__}"), func, mistakes) for func, mistakes in (
    (activations.relu_backward, cb.RELU_MISTAKES), (layers.flatten_backward, cb.FLATTEN_MISTAKES),
    (pool.max_pool2d_backward, cb.POOL_MISTAKES), (conv.conv2d_backward, cb.CONV_MISTAKES),
    (layers.dense_backward, cb.DENSE_MISTAKES), (layers.sigmoid_bce_backward, cb.BCE_MISTAKES),
    (gradcheck.numerical_gradient, cb.NUMGRAD_MISTAKES), (toy_net.toy_forward, cb.TOY_FORWARD_MISTAKES),
    (toy_net.toy_gradients, cb.TOY_GRADIENTS_MISTAKES), (toy_net.train_toy, cb.TRAIN_MISTAKES))]


globals().update(suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES, reject_modes=(True,)))
globals().update(suite.bank_tests("backprop", bank_backprop.BANK))


@pytest.mark.parametrize("images, labels, kwargs", [
    (*make_edges(8, seed=0), {}), (*make_edges(3, seed=5), {"steps": 30, "seed": 4, "lr": 0.4})])
def test_the_fast_trainer_of_the_train_mistakes_follows_the_reference(images, labels, kwargs):
    """The train_toy variants run the vectorized cb._train; without a knob it is the reference's path."""
    params, losses = cb._train(images, labels, **kwargs)
    ref_params, ref_losses = toy_net.train_toy(images, labels, **kwargs)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-10, atol=1e-12)
    for key in ref_params:
        np.testing.assert_allclose(params[key], ref_params[key], rtol=1e-9, atol=1e-12)


def test_backward_checks_report_the_numerical_gradient_error(capsys):
    def dx_not_flipped(dout, x, w, stride=1, padding=0):
        _, dw, db = impl.conv_bw_ok(dout, x, w, stride, padding)
        return impl.conv_bw_ok(dout, x, w[:, :, ::-1, ::-1], stride, padding)[0], dw, db

    cb.check_conv2d_backward(impl.conv_bw_ok)
    assert "largest relative error against numerical gradients" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match=r"Against a centred numerical gradient your result has relative error"):
        cb.check_conv2d_backward(dx_not_flipped)


def test_a_crash_on_the_first_padded_case_names_the_padding():
    """dw's windows sliced from x itself (not xpad) run off its edge once there is padding, and the code raises."""
    def dw_from_x(dout, x, w, stride=1, padding=0):
        n, c, h, wd = x.shape
        kh, kw = w.shape[2:]
        xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
        dxpad, dw = np.zeros(xpad.shape), np.zeros(w.shape)
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                rows, cols = slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw)
                dw += np.einsum("nf,nckl->fckl", dout[:, :, i, j], x[:, :, rows, cols])  # x, not xpad
                dxpad[:, :, rows, cols] += np.einsum("nf,fckl->nckl", dout[:, :, i, j], w)
        return dxpad[:, :, padding:padding + h, padding:padding + wd], dw, dout.sum(axis=(0, 2, 3))

    with pytest.raises(CheckFailed, match=r"'padding 1': it raised ValueError: .*\n  Hint: the cases without padding "
                                          r"passed: take the windows for dw \*and\* dx from xpad"):
        cb.check_conv2d_backward(dw_from_x)
