"""The module-03 checks accept correct student code and reject known-wrong code with the right hint."""

import check_suite
import impls_backprop as impl
import pytest

from cnncourse.checks import CheckFailed
from cnncourse.checks import backprop as cb
from cnncourse.ref import activations, conv, gradcheck, layers, pool, toy_net

CORRECT = [
    (cb.check_relu_backward, impl.relu_bw_ok), (cb.check_relu_backward, impl.relu_bw_where),
    (cb.check_flatten_backward, impl.flat_bw_ok), (cb.check_flatten_backward, impl.flat_bw_loop),
    (cb.check_max_pool2d_backward, impl.pool_bw_ok),
    (cb.check_conv2d_backward, impl.conv_bw_ok), (cb.check_conv2d_backward, impl.conv_bw_full_conv),
    (cb.check_dense_backward, impl.dense_bw_ok), (cb.check_dense_backward, impl.dense_bw_einsum),
    (cb.check_sigmoid_bce_backward, impl.bce_bw_ok), (cb.check_sigmoid_bce_backward, impl.bce_bw_tanh),
    (cb.check_numerical_gradient, impl.num_ok), (cb.check_numerical_gradient, impl.num_copies),
    (cb.check_toy_forward, impl.toy_fwd_ok), (cb.check_toy_forward, impl.toy_fwd_array),
    (cb.check_toy_gradients, impl.toy_grads_ok),
    (cb.check_train_toy, impl.train_ok),
]

BUGGY = [
    (cb.check_relu_backward, impl.relu_bw_dout_mask, "Hint: mask taken from dout instead of the input"),
    (cb.check_relu_backward, impl.relu_bw_mask, "Hint: returned the mask"),
    (cb.check_relu_backward, impl.relu_bw_identity, "Hint: returned dout unchanged"),
    (cb.check_relu_backward, impl.relu_bw_times_x, "Hint: multiplied by x"),
    (cb.check_relu_backward, impl.relu_bw_geq, "Hint: gradient at 0 taken as 1"),
    (cb.check_relu_backward, impl.relu_bw_inplace, "it changed its input `dout` in place"),
    (cb.check_flatten_backward, impl.flat_bw_none, "Hint: not reshaped"),
    (cb.check_flatten_backward, impl.flat_bw_nhwc, "Hint: channels-last order"),
    (cb.check_flatten_backward, impl.flat_bw_fortran, "Hint: Fortran order"),
    (cb.check_flatten_backward, impl.flat_bw_transpose, "Hint: transposed first"),
    (cb.check_flatten_backward, impl.flat_bw_ravel, "Hint: flattened everything"),
    (cb.check_max_pool2d_backward, impl.pool_bw_every_cell, "Hint: gradient sent to every cell of the pooling window"),
    (cb.check_max_pool2d_backward, impl.pool_bw_average, "Hint: gradient spread evenly"),
    (cb.check_max_pool2d_backward, impl.pool_bw_all_ties, "Hint: ties counted twice"),
    (cb.check_max_pool2d_backward, impl.pool_bw_overwrite, "Hint: overlapping windows overwrite instead of adding"),
    (cb.check_max_pool2d_backward, impl.pool_bw_no_stride, "failed on case 'overlapping windows add up"),
    (cb.check_conv2d_backward, impl.conv_bw_db_first_image, "Hint: db not summed over batch and space"),
    (cb.check_conv2d_backward, impl.conv_bw_db_mean, "Hint: db averaged instead of summed"),
    (cb.check_conv2d_backward, impl.conv_bw_dw_first_image, "Hint: dw missing the batch sum"),
    (cb.check_conv2d_backward, impl.conv_bw_no_flip, "Hint: dx without the kernel flip"),
    (cb.check_conv2d_backward, impl.conv_bw_no_stride, "Hint: stride ignored in backward"),
    (cb.check_dense_backward, impl.dense_bw_dw_t, "Hint: dw transposed"),
    (cb.check_dense_backward, impl.dense_bw_first_example, "Hint: dw missing the batch sum"),
    (cb.check_dense_backward, impl.dense_bw_avg, "Hint: dw averaged over the batch"),
    (cb.check_dense_backward, impl.dense_bw_db, "Hint: db not summed over the batch"),
    (cb.check_dense_backward, impl.dense_bw_dx, "Hint: dx with w instead of w.T"),
    (cb.check_sigmoid_bce_backward, impl.bce_bw_sum, "Hint: sum instead of mean"),
    (cb.check_sigmoid_bce_backward, impl.bce_bw_sign, "Hint: sign error"),
    (cb.check_sigmoid_bce_backward, impl.bce_bw_logit, "Hint: used z instead of sigmoid(z)"),
    (cb.check_sigmoid_bce_backward, impl.bce_bw_naive, "RuntimeWarning: overflow encountered in exp"),
    (cb.check_sigmoid_bce_backward, impl.bce_bw_extra_derivative, "Hint: sigmoid's derivative applied again"),
    (cb.check_numerical_gradient, impl.num_forward, "Hint: forward differences"),
    (cb.check_numerical_gradient, impl.num_no_restore, "it changed its input `x` in place"),
    (cb.check_numerical_gradient, impl.num_over_h, "Hint: divided by h instead of 2h"),
    (cb.check_numerical_gradient, impl.num_fixed_h, "Hint: h ignored"),
    (cb.check_numerical_gradient, impl.num_all_at_once, "Hint: every entry nudged at once"),
    (cb.check_toy_forward, impl.toy_fwd_no_relu, "Hint: ReLU forgotten"),
    (cb.check_toy_forward, impl.toy_fwd_avg, "Hint: average pooling instead of max"),
    (cb.check_toy_forward, impl.toy_fwd_flip, "Hint: kernel flipped (true convolution)"),
    (cb.check_toy_forward, impl.toy_fwd_logit, "Hint: returned the logit"),
    (cb.check_toy_forward, impl.toy_fwd_no_bias, "Hint: biases forgotten"),
    (cb.check_toy_gradients, impl.toy_grads_sign, "Hint: sign error in the loss gradient"),
    (cb.check_toy_gradients, impl.toy_grads_every_cell, "Hint: gradient sent to every cell of the pooling window"),
    (cb.check_toy_gradients, impl.toy_grads_dout_mask, "Hint: ReLU mask taken from the gradient"),
    (cb.check_toy_gradients, impl.toy_grads_no_relu, "Hint: ReLU backward skipped"),
    (cb.check_toy_gradients, impl.toy_grads_flipped_dw, "Hint: dw with the kernel flipped"),
    (cb.check_toy_gradients, impl.toy_grads_db_one, "Hint: db not summed over positions"),
    (cb.check_train_toy, impl.train_sign, "the update has the wrong sign"),
    (cb.check_train_toy, impl.train_summed, "Hint: gradients summed instead of averaged"),
    (cb.check_train_toy, impl.train_no_update, "Hint: parameters never updated"),
    (cb.check_train_toy, impl.train_fixed_lr, "Hint: learning rate ignored"),
    (cb.check_train_toy, impl.train_loss_after, "Hint: losses recorded after the update"),
]

REFERENCES = [(getattr(cb, f"check_{func.__name__}"), func) for func in (
    activations.relu_backward, layers.flatten_backward, pool.max_pool2d_backward, conv.conv2d_backward,
    layers.dense_backward, layers.sigmoid_bce_backward, gradcheck.numerical_gradient, toy_net.toy_forward,
    toy_net.toy_gradients, toy_net.train_toy)]

MISTAKE_TABLES = [
    (cb.check_relu_backward, cb.RELU_MISTAKES), (cb.check_flatten_backward, cb.FLATTEN_MISTAKES),
    (cb.check_max_pool2d_backward, cb.POOL_MISTAKES), (cb.check_conv2d_backward, cb.CONV_MISTAKES),
    (cb.check_dense_backward, cb.DENSE_MISTAKES), (cb.check_sigmoid_bce_backward, cb.BCE_MISTAKES),
    (cb.check_numerical_gradient, cb.NUMGRAD_MISTAKES), (cb.check_toy_forward, cb.TOY_FORWARD_MISTAKES),
    (cb.check_toy_gradients, cb.TOY_GRADIENTS_MISTAKES), (cb.check_train_toy, cb.TRAIN_MISTAKES),
]


globals().update(check_suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES, reject_modes=(True,)))


def test_backward_checks_report_the_numerical_gradient_error(capsys):
    cb.check_conv2d_backward(impl.conv_bw_ok)
    assert "largest relative error against numerical gradients" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match=r"Against a centred numerical gradient your result has relative error"):
        cb.check_conv2d_backward(impl.conv_bw_no_flip)
