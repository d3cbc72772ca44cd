"""The module-01 checks accept correct student code and reject known-wrong code with the right hint."""

import types

import numpy as np
import pytest
from checks import bank_pixels_and_filters, suite
from checks import impls_pixels_and_filters as impl
from conftest import Spy

from cnncourse.checks import CheckFailed
from cnncourse.checks import pixels_and_filters as pf
from cnncourse.ref import filters, layer_specs

CORRECT = [
    (pf.check_conv_output_size, impl.size_ok),
    (pf.check_conv_output_size, impl.size_ok_numpy),
    (pf.check_pad2d, impl.pad_loop),
    (pf.check_pad2d, impl.pad_numpy),
    (pf.check_pad2d, impl.pad_slices),
    (pf.check_correlate2d, impl.corr_loop),
    (pf.check_correlate2d, impl.corr_vectorized),
    (pf.check_correlate2d, impl.corr_sliding_windows),
    (pf.check_mean_kernel, impl.mean_ok),
    (pf.check_mean_kernel, impl.mean_ok_float32),
    (pf.check_sobel_kernels, impl.sobel_ok),
    (pf.check_sobel_kernels, impl.sobel_ok_int_list),
    (pf.check_sobel_kernels, impl.sobel_ok_nested_lists),
]

BUGGY = [
    # (check, buggy implementation, text the failure message must contain); the listed mistakes are
    # reached by test_every_listed_mistake_is_reachable
    (pf.check_conv_output_size, impl.size_true_division, "expected an int, got float 4."),
    (pf.check_conv_output_size, impl.size_no_error, "expected ValueError, but it returned -1"),
    (pf.check_pad2d, impl.pad_clobbers_input, "it changed its input `image` in place"),
    (pf.check_mean_kernel, impl.mean_int_array, "expected a floating-point array, got dtype int64"),
    (pf.check_mean_kernel, impl.mean_no_return, "got NoneType. Did you forget a `return`?"),
    (pf.check_sobel_kernels, impl.sobel_only_kx, "expected a tuple (kx, ky) of two arrays, got ndarray"),
    (pf.check_pad2d, impl.pad_transposed, "expected shape (4, 5), got (5, 4).\n  Hint: H/W swapped"),
    (pf.check_correlate2d, impl.corr_no_stride, "'stride 2': expected shape (4, 3), got (7, 6).\n  Hint: stride ignored"),
    (pf.check_pad2d, impl.pad_output_like_image, ("'an integer image, constant 0.5: a float result': expected a "
     "floating-point array, got dtype int64.\n  Hint: an integer array truncates fractions")),
    (pf.check_correlate2d, impl.corr_output_like_inputs, "'an 8-bit image and an integer kernel: a float result': expected a floating-point array, got dtype int64."),
]


REFERENCES = [
    (pf.check_conv_output_size, layer_specs.conv_output_size),
    (pf.check_pad2d, filters.pad2d),
    (pf.check_correlate2d, filters.correlate2d),
    (pf.check_correlate2d, filters.correlate2d_naive),
    (pf.check_mean_kernel, filters.mean_kernel),
    (pf.check_sobel_kernels, filters.sobel_kernels),
]

MISTAKE_TABLES = [
    (pf.check_conv_output_size, layer_specs.conv_output_size, pf.CONV_OUTPUT_SIZE_MISTAKES),
    (pf.check_pad2d, filters.pad2d, pf.PAD2D_MISTAKES),
    (pf.check_correlate2d, filters.correlate2d, pf.CORRELATE2D_MISTAKES),
    (pf.check_mean_kernel, filters.mean_kernel, pf.MEAN_KERNEL_MISTAKES),
    (pf.check_sobel_kernels, filters.sobel_kernels, pf.SOBEL_MISTAKES),
]

globals().update(suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES))
globals().update(suite.bank_tests("pixels_and_filters", bank_pixels_and_filters.BANK))


def test_student_calling_the_reference_is_refused():
    def sneaky(image, kernel, stride=1, padding=0, mode="zeros"):
        return filters.correlate2d(image, kernel, stride=stride, padding=padding, mode=mode)

    with pytest.raises(CheckFailed, match="is the course's reference solution; it cannot be called"):
        pf.check_correlate2d(sneaky)
    assert filters.correlate2d(np.ones((3, 3)), np.ones((1, 1))).shape == (3, 3)  # usable again afterwards


def test_passing_the_reference_itself_or_a_non_function_is_refused():
    with pytest.raises(CheckFailed, match="that is the course's reference solution"):
        pf.check_pad2d(filters.pad2d)
    with pytest.raises(CheckFailed, match=r"expected a function, got ndarray. Pass the function itself"):
        pf.check_pad2d(np.zeros(3))


def test_unimplemented_stub_gets_a_clear_message():
    def stub(n, kernel_size, stride=1, padding=0):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match=r"raised NotImplementedError.\n  Hint: replace `raise NotImplementedError\(\)`"):
        pf.check_conv_output_size(stub)


def test_a_crash_names_the_exception_and_line():
    def crashes(image, padding, mode="zeros", value=0.0):
        return image[padding + 100, 0]

    with pytest.raises(CheckFailed, match=r"it raised IndexError: .*line \d+ of test_pixels_and_filters.py"):
        pf.check_pad2d(crashes)


def test_a_crash_on_a_case_with_a_raise_hint_gets_that_hint_and_only_there():
    """A crash on the first non-square image names the height/width mix-up; a crash elsewhere keeps the generic
    hint, and an unimplemented stub keeps its own."""
    def crashes_on_non_square(image, kernel, stride=1, padding=0, mode="zeros"):
        if image.shape[0] != image.shape[1]:
            raise IndexError("index 5 is out of bounds")
        return impl.corr_loop(image, kernel, stride, padding, mode)

    with pytest.raises(CheckFailed, match=r"it raised IndexError: .*\n  Hint: height and width mixed up") as info:
        pf.check_correlate2d(crashes_on_non_square)
    assert isinstance(info.value.student_error, IndexError)  # a notebook still shows where the student's code raised

    def crashes_at_once(image, kernel, stride=1, padding=0, mode="zeros"):
        raise IndexError("index 5 is out of bounds")

    with pytest.raises(CheckFailed, match=r"'2x2 ones kernel on a 3x3 image': it raised IndexError: .*\n  Hint: run "):
        pf.check_correlate2d(crashes_at_once)

    def stub_for_pairs(size):
        if not isinstance(size, int):
            raise NotImplementedError()
        return impl.mean_ok(size)

    with pytest.raises(CheckFailed, match=r"raised NotImplementedError.\n  Hint: replace `raise NotImplementedError"):
        pf.check_mean_kernel(stub_for_pairs)


def test_list_instead_of_array_and_nan_are_named():
    with pytest.raises(CheckFailed, match="expected a numpy array, got list.\n  Hint: wrap the result in np.array"):
        pf.check_mean_kernel(lambda size: (np.ones((size, size)) / size**2).tolist())
    with pytest.raises(CheckFailed, match=r"got nan at index \(0, 0\); expected only finite numbers"):
        pf.check_mean_kernel(lambda size: np.full((size, size), np.nan) if size == 1 else impl.mean_ok(size))


def test_hidden_cases_follow_the_grading_seed(monkeypatch, capsys):
    def hidden_shapes():
        spy = Spy(impl.pad_numpy)
        pf.check_pad2d(spy, hidden=True)
        return [args[0].shape for args, _ in spy.calls]

    monkeypatch.delenv("CNNCOURSE_GRADING_SEED", raising=False)
    default = hidden_shapes()
    assert hidden_shapes() == default  # same seed, same cases: grades repeat exactly
    monkeypatch.setenv("CNNCOURSE_GRADING_SEED", "7")
    assert hidden_shapes() != default
    monkeypatch.setenv("CNNCOURSE_GRADING_SEED", "seven")
    with pytest.raises(ValueError, match="CNNCOURSE_GRADING_SEED must be an integer; got 'seven'"):
        hidden_shapes()
    assert "checks passed (12 of them hidden)" in capsys.readouterr().out


def test_hidden_undoes_a_notebooks_monkeypatching():
    """``checks.hidden()``, what hidden-test cells call, reloads itself, the checks and the references."""
    import cnncourse.checks

    def flipped(image, kernel, stride=1, padding=0, mode="zeros"):
        return impl.corr_loop(image, kernel[::-1, ::-1], stride, padding, mode)

    old_check, old_reference = pf.check_correlate2d, filters.correlate2d
    try:
        pf.check_correlate2d = lambda student, hidden=False: None  # a student "fixes" the check
        filters.correlate2d = flipped  # ... and the reference
        cnncourse.checks.fresh = lambda: types.SimpleNamespace(pixels_and_filters=pf)  # ... and the reload
        cnncourse.checks.run_check = lambda *args, **kwargs: None
        checks = cnncourse.checks.hidden()
        assert checks is cnncourse.checks and checks.run_check is checks._core.run_check
        with pytest.raises(CheckFailed, match="kernel flipped"):
            checks.pixels_and_filters.check_correlate2d(flipped, hidden=True)
        # a reference imported before the reload is still locked during checks
        with pytest.raises(CheckFailed, match="reference solution"):
            checks.pixels_and_filters.check_correlate2d(
                lambda image, kernel, stride=1, padding=0, mode="zeros": old_reference(image, kernel, stride, padding, mode))
    finally:
        cnncourse.checks.hidden()
    assert pf.check_correlate2d is not old_check  # the module was re-executed
