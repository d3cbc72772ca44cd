"""cnncourse.ref.gradcheck: numerical gradients against autograd; the relative error."""


import numpy as np
import pytest
import torch
from conftest import leaf

from cnncourse.ref import gradcheck


def test_numerical_gradient_agrees_with_autograd_and_restores_x():
    x = np.random.default_rng(4).normal(size=(3, 2))
    before = x.copy()
    f = lambda a: float(np.sum(np.sin(a) * a ** 2))  # noqa: E731
    tx = leaf(x, True)
    torch.sum(torch.sin(tx) * tx ** 2).backward()
    np.testing.assert_allclose(gradcheck.numerical_gradient(f, x), tx.grad.numpy(), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: gradcheck.numerical_gradient(lambda x: 0.0, np.ones(2, dtype=np.float32)), TypeError,
     r"`x` must be a float64 array \(float32 is too coarse for finite differences\)"),
    (lambda: gradcheck.numerical_gradient("f", np.ones(2)), TypeError, r"`f` must be a function f\(x\) -> float"),
    (lambda: gradcheck.numerical_gradient(lambda x: 0.0, np.ones(2), h=0), ValueError, r"`h` must be a small positive step"),
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_relative_error_is_the_cs231n_formula_and_symmetric():
    a, b = np.array([1.0, -2.0, 0.0, 1e-12]), np.array([1.5, -2.0, 0.0, 3e-12])
    expected = np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
    assert gradcheck.relative_error(a, b) == gradcheck.relative_error(b, a) == pytest.approx(expected)
    assert gradcheck.relative_error(a, b) == pytest.approx(0.2)  # |1 - 1.5| / 2.5; tiny entries use the 1e-8 floor
    assert gradcheck.relative_error(np.zeros(0), np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match=r"`b` must have the shape of a \(2,\); got shape \(3,\)"):
        gradcheck.relative_error(np.zeros(2), np.zeros(3))
