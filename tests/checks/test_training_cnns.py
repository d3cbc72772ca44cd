"""The module-04 checks accept correct student code and reject known-wrong code with the right hint."""

import pytest
from checks import bank_training_cnns
from checks import impls_training_cnns as impl
from checks import suite
from conftest import Spy

from cnncourse.checks import CheckFailed
from cnncourse.checks import training_cnns as cb
from cnncourse.checks._properties import count_student_lines
from cnncourse.ref import conv
from cnncourse.torch_ref import training as ref

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # as the grader: bit-reproducible, fast on a busy machine

CORRECT = [
    (cb.check_im2col, impl.im2col_offsets), (cb.check_im2col, impl.im2col_view),
    (cb.check_conv2d_forward_im2col, impl.conv_im2col_ok), (cb.check_conv2d_forward_im2col, impl.conv_im2col_tensordot),
    (cb.check_build_cnn, impl.cnn_sequential), (cb.check_build_cnn, impl.cnn_subclass),
    (cb.check_build_cnn, impl.cnn_functional_activations),
    (cb.check_train_one_epoch, impl.train_ok), (cb.check_train_one_epoch, impl.train_tensor_total),
    (cb.check_evaluate, impl.evaluate_ok), (cb.check_evaluate, impl.evaluate_inference_mode),
    (cb.check_build_cnn, impl.cnn_dropout_head), (cb.check_train_one_epoch, impl.train_over_dataset_len),
    (cb.check_evaluate, impl.evaluate_over_dataset_len),
    (cb.check_build_cnn, impl.cnn_many_activations), (cb.check_build_cnn, impl.cnn_activation_before_batchnorm),
    (cb.check_build_cnn, impl.cnn_fully_convolutional),
]

BUGGY = [
    (cb.check_im2col, impl.im2col_positions_loop, "so it loops over output positions"),
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
    (cb.check_train_one_epoch, impl.train_returns_tensor, "got a torch.Tensor"),
    (cb.check_evaluate, impl.evaluate_tensor, "got a torch.Tensor"),
    (cb.check_train_one_epoch, impl.train_last_loss, "Hint: returned the last batch's loss"),
    (cb.check_train_one_epoch, impl.train_step_first, "Hint: weights never updated"),
    (cb.check_im2col, impl.im2col_keeps_integers, "'an integer image: float columns': expected a floating-point array, got dtype int64."),
    (cb.check_evaluate, impl.evaluate_over_len_loader, "Hint: divided by the number of batches"),
    (cb.check_evaluate, impl.evaluate_count, "Hint: returned the number of correct predictions"),
    (cb.check_build_cnn, impl.cnn_max_pool_only, "max pooling is its only nonlinearity.\n  Hint: put an activation"),
    (cb.check_build_cnn, impl.cnn_second_conv_without_activation, ("'an activation after each convolution': no "
     "activation between the 2nd convolution and the linear layer after it.\n  Hint: the 2nd convolution's output "
     "goes on without an activation")),
    (cb.check_build_cnn, impl.cnn_two_convs_back_to_back, ("no activation between the 1st convolution and the next "
     "convolution.\n  Hint: the 1st convolution's output goes on without an activation")),
    (cb.check_build_cnn, impl.cnn_dropout_after_last_conv,
     "Hint: the 2nd convolution's output goes on without an activation"),
]

REFERENCES = [
    (cb.check_im2col, conv.im2col), (cb.check_conv2d_forward_im2col, conv.conv2d_forward_im2col),
    (cb.check_build_cnn, ref.build_cnn), (cb.check_train_one_epoch, ref.train_one_epoch),
    (cb.check_evaluate, ref.evaluate),
]


MISTAKE_TABLES = [
    (cb.check_im2col, conv.im2col, cb.IM2COL_MISTAKES),
    (cb.check_conv2d_forward_im2col, conv.conv2d_forward_im2col, cb.CONV_IM2COL_MISTAKES),
    (cb.check_train_one_epoch, None, cb.TRAIN_MISTAKES), (cb.check_evaluate, None, cb.EVAL_MISTAKES),  # whole loops
]

globals().update(suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES))
globals().update(suite.bank_tests("training_cnns", bank_training_cnns.BANK))


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


@pytest.mark.parametrize("train, evaluate, expected, epochs_run", [
    (impl.train_step_first, impl.evaluate_ok, "the loss did not go down", 1),
    (impl.train_ok, impl.evaluate_percent, "not an accuracy in [0, 1]", 0),  # would clear 0.80
    (impl.train_ok, impl.evaluate_count, "not an accuracy in [0, 1]", 0),
])
def test_training_run_rejects_broken_loops(monkeypatch, train, evaluate, expected, epochs_run):
    """One short epoch is enough to tell a loop that does not learn (the full run is in the notebooks), and a
    wrong evaluate fails before any training: the check first compares it with the untrained model's logits."""
    monkeypatch.setitem(cb.TRAINING_RUN, "epochs", 1)
    train = Spy(train)
    with pytest.raises(CheckFailed) as info:
        cb.check_training_run(impl.cnn_sequential, train, evaluate, progress=False)
    assert expected in str(info.value)
    assert len(train.calls) == epochs_run


@pytest.mark.parametrize("check, looped", [(cb.check_im2col, impl.im2col_positions_loop),
                                           (cb.check_conv2d_forward_im2col, impl.conv_im2col_positions_loop)])
def test_a_looped_version_is_never_told_it_passed(check, looped, capsys):
    with pytest.raises(CheckFailed, match="loops over output positions"):
        check(looped)
    assert "passed" not in capsys.readouterr().out
