"""The module-02 checks accept correct student code and reject known-wrong code with the right hint."""

import check_suite
import impls_convolution_layers as impl
import numpy as np
import pytest

from cnncourse.checks import convolution_layers as cl
from cnncourse.ref import activations, conv, layer_specs, layers, pool

CORRECT = [
    (cl.check_conv2d_forward_naive, impl.conv_loop), (cl.check_conv2d_forward_naive, impl.conv_taps),
    (cl.check_relu, impl.relu_ok), (cl.check_relu, impl.relu_ok_mask),
    (cl.check_leaky_relu, impl.leaky_ok), (cl.check_leaky_relu, impl.leaky_max),
    (cl.check_elu, impl.elu_ok),
    (cl.check_sigmoid, impl.sigmoid_ok), (cl.check_sigmoid, impl.sigmoid_tanh_identity),
    (cl.check_tanh, impl.tanh_ok), (cl.check_tanh, impl.tanh_via_sigmoid),
    (cl.check_max_pool2d_forward, impl.max_ok), (cl.check_max_pool2d_forward, impl.max_windows),
    (cl.check_avg_pool2d_forward, impl.avg_ok), (cl.check_avg_pool2d_forward, impl.avg_reshape),
    (cl.check_avg_pool_as_conv, impl.as_conv_ok), (cl.check_avg_pool_as_conv, impl.as_conv_eye),
    (cl.check_flatten_forward, impl.flatten_ok), (cl.check_flatten_forward, impl.flatten_loop),
    (cl.check_count_params, impl.count_ok), (cl.check_count_params, impl.count_lists),
    (cl.check_receptive_field, impl.rf_ok), (cl.check_receptive_field, impl.rf_backward),
]

BUGGY = [
    (cl.check_conv2d_forward_naive, impl.conv_first_channel_only, "Hint: channels not summed"),
    (cl.check_conv2d_forward_naive, impl.conv_mean_channels, "Hint: channels averaged instead of summed"),
    (cl.check_conv2d_forward_naive, impl.conv_no_bias, "Hint: bias missing"),
    (cl.check_conv2d_forward_naive, impl.conv_bias_per_channel, "Hint: bias added per channel"),
    (cl.check_conv2d_forward_naive, impl.conv_no_stride, "'stride 2': expected shape (2, 2, 3, 3), got (2, 2, 5, 5).\n  Hint: stride ignored"),
    (cl.check_conv2d_forward_naive, impl.conv_no_padding, "Hint: padding ignored"),
    (cl.check_conv2d_forward_naive, impl.conv_hw_swapped, "Hint: H/W swapped"),
    (cl.check_relu, impl.relu_abs, "Hint: negative part kept"),
    (cl.check_relu, impl.relu_minimum, "Hint: minimum instead of maximum"),
    (cl.check_relu, impl.relu_clip, "Hint: clipped at 1"),
    (cl.check_relu, impl.relu_bool, "got dtype bool.\n  Hint: a boolean array holds True/False"),
    (cl.check_relu, impl.relu_inplace, "it changed its input `x` in place"),
    (cl.check_leaky_relu, impl.leaky_fixed_alpha, "Hint: alpha ignored"),
    (cl.check_leaky_relu, impl.leaky_plain_relu, "Hint: plain ReLU"),
    (cl.check_leaky_relu, impl.leaky_swapped, "Hint: alpha on the positive side"),
    (cl.check_leaky_relu, impl.leaky_const, "Hint: max(x, alpha)"),
    (cl.check_leaky_relu, impl.leaky_int_output, "expected a floating-point array, got dtype int64"),
    (cl.check_elu, impl.elu_no_alpha, "Hint: alpha ignored"),
    (cl.check_elu, impl.elu_no_minus_one, "Hint: forgot the -1"),
    (cl.check_elu, impl.elu_positive_side, "Hint: exponential on the positive side"),
    (cl.check_elu, impl.elu_relu, "Hint: plain ReLU"),
    (cl.check_elu, impl.elu_where_overflow, "RuntimeWarning: overflow encountered in exp.\n  Hint: np.where evaluates both"),
    (cl.check_sigmoid, impl.sigmoid_naive, "RuntimeWarning: overflow encountered in exp.\n  Hint: sigmoid overflow"),
    (cl.check_sigmoid, impl.sigmoid_sign, "Hint: sign error"),
    (cl.check_sigmoid, impl.sigmoid_no_one, "Hint: forgot the 1 +"),
    (cl.check_sigmoid, impl.sigmoid_as_tanh, "Hint: tanh instead of sigmoid"),
    (cl.check_sigmoid, impl.sigmoid_half, "Hint: logistic of x/2"),
    (cl.check_tanh, impl.tanh_naive, "RuntimeWarning: overflow encountered in exp.\n  Hint: overflow"),
    (cl.check_tanh, impl.tanh_sigmoid_x, "Hint: 2*sigmoid(x) - 1"),
    (cl.check_tanh, impl.tanh_is_sigmoid, "Hint: sigmoid instead of tanh"),
    (cl.check_tanh, impl.tanh_negated, "Hint: sign error"),
    (cl.check_tanh, impl.tanh_sinh, "Hint: sinh instead of tanh"),
    (cl.check_max_pool2d_forward, impl.max_stride_one, "Hint: pooling windows overlapping wrongly (stride ignored)"),
    (cl.check_max_pool2d_forward, impl.max_stride_is_kernel, "Hint: pooling windows overlapping wrongly (stride always"),
    (cl.check_max_pool2d_forward, impl.max_over_channels, "Hint: pooled across channels"),
    (cl.check_max_pool2d_forward, impl.max_is_mean, "Hint: average instead"),
    (cl.check_max_pool2d_forward, impl.max_transposed, "Hint: H/W swapped"),
    (cl.check_max_pool2d_forward, impl.max_ceil, "Hint: partial windows at the edge kept"),
    (cl.check_avg_pool2d_forward, impl.avg_sum, "Hint: sum instead of mean"),
    (cl.check_avg_pool2d_forward, impl.avg_stride_one, "Hint: pooling windows overlapping wrongly (stride ignored)"),
    (cl.check_avg_pool2d_forward, impl.avg_stride_is_kernel, "Hint: pooling windows overlapping wrongly (stride always"),
    (cl.check_avg_pool2d_forward, impl.avg_is_max, "Hint: max instead"),
    (cl.check_avg_pool2d_forward, impl.avg_over_channels, "Hint: pooled across channels"),
    (cl.check_avg_pool_as_conv, impl.as_conv_mixed, "Hint: channels mixed: "),
    (cl.check_avg_pool_as_conv, impl.as_conv_mean_all, "Hint: channels mixed (averaged over channels)"),
    (cl.check_avg_pool_as_conv, impl.as_conv_unnormalized, "Hint: kernel not normalized"),
    (cl.check_avg_pool_as_conv, impl.as_conv_stride_one, "Hint: stride not set"),
    (cl.check_avg_pool_as_conv, impl.as_conv_over_k, "Hint: divided by K instead of K²"),
    (cl.check_flatten_forward, impl.flatten_all, "Hint: batch flattened too"),
    (cl.check_flatten_forward, impl.flatten_channels_last, "Hint: channels-last order"),
    (cl.check_flatten_forward, impl.flatten_hw, "Hint: H/W swapped"),
    (cl.check_flatten_forward, impl.flatten_transposed, "Hint: transposed result"),
    (cl.check_flatten_forward, impl.flatten_wrong_reshape, "expected shape (2, 60), got (60, 2)"),
    (cl.check_count_params, impl.count_no_bias, "layer 1 (dense) biases: expected 10, got 0.\n  Hint: bias forgotten in counts"),
    (cl.check_count_params, impl.count_per_position, "Hint: conv params counted per position"),
    (cl.check_count_params, impl.count_no_channels, "Hint: input channels ignored"),
    (cl.check_count_params, impl.count_pool_params, "Hint: pooling given parameters"),
    (cl.check_count_params, impl.count_no_padding, "Hint: padding ignored in the output size"),
    (cl.check_receptive_field, impl.rf_no_jump, "Hint: jump ignored"),
    (cl.check_receptive_field, impl.rf_plus_k, "Hint: adding K instead of K - 1"),
    (cl.check_receptive_field, impl.rf_jump_early, "Hint: jump updated too early"),
    (cl.check_receptive_field, impl.rf_multiply, "Hint: sizes multiplied"),
    (cl.check_receptive_field, impl.rf_padding, "Hint: padding counted"),
    (cl.check_receptive_field, impl.rf_relu_skipped, "expected 5 rows (one per layer), got 3"),
]

REFERENCES = [
    (cl.check_conv2d_forward_naive, conv.conv2d_forward_naive), (cl.check_conv2d_forward_naive, conv.conv2d_forward),
    (cl.check_relu, activations.relu), (cl.check_leaky_relu, activations.leaky_relu), (cl.check_elu, activations.elu),
    (cl.check_sigmoid, activations.sigmoid), (cl.check_tanh, activations.tanh),
    (cl.check_max_pool2d_forward, pool.max_pool2d_forward), (cl.check_avg_pool2d_forward, pool.avg_pool2d_forward),
    (cl.check_avg_pool_as_conv, pool.avg_pool_as_conv), (cl.check_flatten_forward, layers.flatten_forward),
    (cl.check_count_params, layer_specs.count_params), (cl.check_receptive_field, layer_specs.receptive_field),
]

MISTAKE_TABLES = [
    (cl.check_conv2d_forward_naive, cl.CONV_MISTAKES), (cl.check_relu, cl.RELU_MISTAKES),
    (cl.check_leaky_relu, cl.LEAKY_MISTAKES), (cl.check_elu, cl.ELU_MISTAKES), (cl.check_sigmoid, cl.SIGMOID_MISTAKES),
    (cl.check_tanh, cl.TANH_MISTAKES), (cl.check_max_pool2d_forward, cl.MAX_POOL_MISTAKES),
    (cl.check_avg_pool2d_forward, cl.AVG_POOL_MISTAKES), (cl.check_avg_pool_as_conv, cl.AVG_AS_CONV_MISTAKES),
    (cl.check_flatten_forward, cl.FLATTEN_MISTAKES), (cl.check_count_params, cl.COUNT_MISTAKES),
    (cl.check_receptive_field, cl.RF_MISTAKES),
]


globals().update(check_suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES))


def test_warnings_outside_forbidden_cases_reach_the_student():
    def noisy_relu(x):
        with np.errstate(divide="warn"):
            np.log(np.zeros(1))  # a divide-by-zero RuntimeWarning, unrelated to the result
        return np.maximum(x, 0)

    with pytest.warns(RuntimeWarning, match="divide by zero"):
        cl.check_relu(noisy_relu)
