"""The module-02 checks accept correct student code and reject known-wrong code with the right hint."""

import numpy as np
import pytest
from checks import bank_convolution_layers, suite
from checks import impls_convolution_layers as impl

from cnncourse.checks import CheckFailed
from cnncourse.checks import convolution_layers as cl
from cnncourse.ref import activations, conv, layer_specs, layers, pool



# Code that raises: kept out of impls_* (in the grading worker a traceback names "your notebook cell", here the file).
def flatten_assumes_4d(x):
    return x.reshape(x.shape[0], x.shape[1] * x.shape[2] * x.shape[3])  # IndexError on an (N, D) batch


def flatten_not_written(x):
    raise NotImplementedError()


def flatten_raises_elsewhere(x):
    if x.shape[1:] == (6, 1, 1):
        raise ValueError("1x1 maps are not supported")
    return x.reshape(x.shape[0], -1)


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
    (cl.check_relu, impl.relu_bool, "got dtype bool.\n  Hint: a boolean array holds True/False"),
    (cl.check_relu, impl.relu_inplace, "it changed its input `x` in place"),
    (cl.check_leaky_relu, impl.leaky_int_output, "expected a floating-point array, got dtype int64"),
    (cl.check_elu, impl.elu_where_overflow, "RuntimeWarning: overflow encountered in exp.\n  Hint: np.where evaluates both"),
    (cl.check_sigmoid, impl.sigmoid_naive, "RuntimeWarning: overflow encountered in exp.\n  Hint: sigmoid overflow"),
    (cl.check_tanh, impl.tanh_naive, "RuntimeWarning: overflow encountered in exp.\n  Hint: overflow"),
    (cl.check_receptive_field, impl.rf_relu_skipped, "expected 5 rows (one per layer), got 3"),
    (cl.check_count_params, impl.count_dense_bias_per_input, "layer 1 (dense) biases: expected 10, got 7840."),
    (cl.check_conv2d_forward_naive, impl.conv_no_stride, "'stride 2': expected shape (2, 2, 3, 3), got (2, 2, 5, 5).\n  Hint: stride ignored"),
    (cl.check_flatten_forward, impl.flatten_wrong_reshape, "expected shape (2, 60), got (60, 2)"),
    (cl.check_count_params, impl.count_no_bias, "layer 1 (dense) biases: expected 10, got 0.\n  Hint: bias forgotten in counts"),
    # the case's own hint when the code raises on it; other cases and unwritten code keep theirs
    (cl.check_flatten_forward, flatten_assumes_4d,
     "'already flat (3, 7)': it raised IndexError: tuple index out of range (line"),
    (cl.check_flatten_forward, flatten_assumes_4d, "\n  Hint: an (N, D) batch has only 2 axes: x.reshape(x.shape[0], -1)"),
    (cl.check_flatten_forward, flatten_not_written, "\n  Hint: replace `raise NotImplementedError()` with your code."),
    (cl.check_flatten_forward, flatten_raises_elsewhere,
     "'1x1 maps (4, 6, 1, 1)': it raised ValueError: 1x1 maps are not supported (line"),
    (cl.check_flatten_forward, flatten_raises_elsewhere, "\n  Hint: run it on this case's inputs yourself and read"),
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
    (cl.check_conv2d_forward_naive, conv.conv2d_forward_naive, cl.CONV_MISTAKES),
    (cl.check_relu, activations.relu, cl.RELU_MISTAKES), (cl.check_leaky_relu, activations.leaky_relu, cl.LEAKY_MISTAKES),
    (cl.check_elu, activations.elu, cl.ELU_MISTAKES), (cl.check_sigmoid, activations.sigmoid, cl.SIGMOID_MISTAKES),
    (cl.check_tanh, activations.tanh, cl.TANH_MISTAKES),
    (cl.check_max_pool2d_forward, pool.max_pool2d_forward, cl.MAX_POOL_MISTAKES),
    (cl.check_avg_pool2d_forward, pool.avg_pool2d_forward, cl.AVG_POOL_MISTAKES),
    (cl.check_avg_pool_as_conv, pool.avg_pool_as_conv, cl.AVG_AS_CONV_MISTAKES),
    (cl.check_flatten_forward, layers.flatten_forward, cl.FLATTEN_MISTAKES),
    (cl.check_count_params, layer_specs.count_params, cl.COUNT_MISTAKES),
    (cl.check_receptive_field, layer_specs.receptive_field, cl.RF_MISTAKES),
]


globals().update(suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES))
globals().update(suite.bank_tests("convolution_layers", bank_convolution_layers.BANK))


def test_warnings_outside_forbidden_cases_reach_the_student():
    def noisy_relu(x):
        with np.errstate(divide="warn"):
            np.log(np.zeros(1))  # a divide-by-zero RuntimeWarning, unrelated to the result
        return np.maximum(x, 0)

    with pytest.warns(RuntimeWarning, match="divide by zero"):
        cl.check_relu(noisy_relu)


def test_channels_not_updated_wins_over_input_channels_ignored():
    """C read once from input_shape matches "input channels ignored" on a 1-channel input too; the mistake that
    explains every case (a single conv on 3 channels is right) wins, and F*K*K code keeps its own hint."""
    message = _failure(cl.check_count_params, bank_convolution_layers.count_channels_not_updated)
    assert "Hint: channels not updated after a conv layer: C must become the previous conv's filters" in message
    assert "input channels ignored" not in message
    message = _failure(cl.check_count_params, bank_convolution_layers.count_conv_without_channels)
    assert "'conv on 3 input channels'" in message and "Hint: input channels ignored" in message


def _failure(check, student):
    with pytest.raises(CheckFailed) as info:
        check(student)
    return str(info.value)
