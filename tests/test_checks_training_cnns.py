"""The module-04 checks accept correct student code and reject known-wrong code with the right hint."""

import check_suite
import impls_training_cnns as impl
import pytest

from cnncourse.checks import CheckFailed
from cnncourse.checks import training_cnns as cb
from cnncourse.checks._core import Mistake, count_student_lines
from cnncourse.ref import conv
from cnncourse.torch_ref import training as ref

CORRECT = [
    (cb.check_im2col, impl.im2col_offsets), (cb.check_im2col, impl.im2col_view),
    (cb.check_conv2d_forward_im2col, impl.conv_im2col_ok), (cb.check_conv2d_forward_im2col, impl.conv_im2col_tensordot),
    (cb.check_build_cnn, impl.cnn_sequential), (cb.check_build_cnn, impl.cnn_subclass),
    (cb.check_train_one_epoch, impl.train_ok), (cb.check_train_one_epoch, impl.train_tensor_total),
    (cb.check_evaluate, impl.evaluate_ok), (cb.check_evaluate, impl.evaluate_inference_mode),
]

BUGGY = [
    (cb.check_im2col, impl.im2col_positions_loop, "so it loops over output positions"),
    (cb.check_im2col, impl.im2col_no_stride, "Hint: stride ignored"),
    (cb.check_im2col, impl.im2col_no_padding, "Hint: padding ignored"),
    (cb.check_im2col, impl.im2col_channels_last_rows, "Hint: rows in (kernel row, kernel column, channel) order"),
    (cb.check_im2col, impl.im2col_rows, "Hint: windows as rows (transposed)"),
    (cb.check_im2col, impl.im2col_batch_last, "Hint: columns in (row, column, image) order"),
    (cb.check_im2col, impl.im2col_pad_top_left, "Hint: padding on one side only"),
    (cb.check_conv2d_forward_im2col, impl.conv_im2col_no_transpose, "Hint: product reshaped to (N, F, OH, OW) without"),
    (cb.check_conv2d_forward_im2col, impl.conv_im2col_weights_channels_last,
     "Hint: weights reshaped in (kernel row, kernel column, channel) order"),
    (cb.check_conv2d_forward_im2col, impl.conv_im2col_no_bias, "Hint: bias missing"),
    (cb.check_conv2d_forward_im2col, impl.conv_im2col_no_stride, "Hint: stride ignored"),
    (cb.check_conv2d_forward_im2col, impl.conv_im2col_no_padding, "Hint: padding ignored"),
    (cb.check_conv2d_forward_im2col, impl.conv_im2col_positions_loop, "so it loops over output positions"),
    (cb.check_build_cnn, impl.cnn_dense_only, "the model has no nn.Conv2d layer"),
    (cb.check_build_cnn, impl.cnn_too_big, "parameters"),
    (cb.check_build_cnn, impl.cnn_softmax, "ends with a softmax"),
    (cb.check_build_cnn, impl.cnn_one_output, "Hint: one output per class"),
    (cb.check_build_cnn, impl.cnn_no_activation, "the model is affine"),
    (cb.check_build_cnn, impl.cnn_hard_coded_batch, "never hard-code the batch size"),
    (cb.check_build_cnn, impl.cnn_wrong_in_features, "needs in_features = channels x height x width"),
    (cb.check_build_cnn, impl.cnn_unused_layer, "got no gradient"),
    (cb.check_build_cnn, impl.cnn_rgb_input, "Fashion-MNIST images have 1 channel"),
    (cb.check_build_cnn, impl.cnn_no_return, "Did you forget a `return`?"),
    (cb.check_train_one_epoch, impl.train_no_zero_grad, "Hint: gradients not zeroed"),
    (cb.check_train_one_epoch, impl.train_no_train_mode, "Hint: model not put in training mode"),
    (cb.check_train_one_epoch, impl.train_batch_mean, "Hint: loss averaged over batches, not examples"),
    (cb.check_train_one_epoch, impl.train_returns_tensor, "got a torch.Tensor"),
    (cb.check_train_one_epoch, impl.train_step_first, "Hint: weights never updated"),
    (cb.check_train_one_epoch, impl.train_last_loss, "Hint: returned the last batch's loss"),
    (cb.check_train_one_epoch, impl.train_sum, "Hint: loss summed, not averaged"),
    (cb.check_evaluate, impl.evaluate_train_mode, "Hint: model left in train mode"),
    (cb.check_evaluate, impl.evaluate_with_grad, "Hint: autograd left on"),
    (cb.check_evaluate, impl.evaluate_batch_mean, "Hint: mean of per-batch accuracies"),
    (cb.check_evaluate, impl.evaluate_percent, "Hint: accuracy in percent"),
    (cb.check_evaluate, impl.evaluate_count, "Hint: returned the number of correct predictions"),
    (cb.check_evaluate, impl.evaluate_tensor, "got a torch.Tensor"),
]

REFERENCES = [
    (cb.check_im2col, conv.im2col), (cb.check_conv2d_forward_im2col, conv.conv2d_forward_im2col),
    (cb.check_build_cnn, ref.build_cnn), (cb.check_train_one_epoch, ref.train_one_epoch),
    (cb.check_evaluate, ref.evaluate),
]


def _students(mistakes):
    """The train/evaluate variants as a student would pass them (the tables hold wrapped runners)."""
    return [Mistake(m.name, getattr(m.func, "inner", m.func), m.hint) for m in mistakes]


MISTAKE_TABLES = [
    (cb.check_im2col, cb.IM2COL_MISTAKES), (cb.check_conv2d_forward_im2col, cb.CONV_IM2COL_MISTAKES),
    (cb.check_train_one_epoch, _students(cb.TRAIN_MISTAKES)), (cb.check_evaluate, _students(cb.EVAL_MISTAKES)),
]

globals().update(check_suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES))


def test_check_refuses_the_reference_itself():
    for check, reference in REFERENCES:
        with pytest.raises(CheckFailed, match="reference solution"):
            check(reference)


def test_line_counter_sees_student_loops_but_not_numpy():
    def vectorized(n):
        import numpy as np
        return np.arange(n).sum()

    def looped(n):
        total = 0
        for i in range(n):
            total += i
        return total

    assert count_student_lines(vectorized, 10) == count_student_lines(vectorized, 10_000)
    assert count_student_lines(looped, 1000) - count_student_lines(looped, 10) >= 2 * 990


def test_line_counter_restores_an_active_tracer():
    import sys

    def tracer(frame, event, arg):
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        count_student_lines(len, [1, 2])
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_training_run_budget_stops_a_costly_model(monkeypatch):
    """A model over the work budget (multiply-adds per image, not seconds) fails before training, with the hint."""
    monkeypatch.setitem(cb.TRAINING_RUN, "multiply_adds", 1_000_000)
    with pytest.raises(CheckFailed, match=r"M multiply-adds per image; the budget is 1 M") as info:
        cb.check_training_run(impl.cnn_sequential, impl.train_ok, impl.evaluate_ok, progress=False)
    assert "make the model cheaper" in str(info.value)


@pytest.mark.parametrize("train, evaluate, build, expected", [
    (impl.train_step_first, impl.evaluate_ok, impl.cnn_sequential, "the loss did not go down"),
    (impl.train_ok, impl.evaluate_percent, impl.cnn_sequential, "not an accuracy in [0, 1]"),  # would clear 0.80
    (impl.train_ok, impl.evaluate_count, impl.cnn_sequential, "not an accuracy in [0, 1]"),
])
def test_training_run_rejects_broken_loops(monkeypatch, train, evaluate, build, expected):
    """One short epoch is enough to tell a loop that does not learn (cheap; the full run is in the notebooks)."""
    monkeypatch.setitem(cb.TRAINING_RUN, "epochs", 1)
    with pytest.raises(CheckFailed) as info:
        cb.check_training_run(build, train, evaluate, progress=False)
    assert expected in str(info.value)
