"""Element-wise activation functions, and the ReLU's backward.

Introduced in notebooks/02_convolution_layers_lecture.ipynb (forward) and notebooks/03_backprop_lecture.ipynb
(``relu_backward``).
"""

import numpy as np

from .. import _validate as v
from ._common import _array, _same_shape, _stable_sigmoid
from ._guard import reference


def _float_array(x):
    if isinstance(x, (int, float, np.number)) and not isinstance(x, (bool, np.bool_)):
        x = np.asarray(x)
    if not isinstance(x, np.ndarray):
        raise TypeError(v.message("x", "be a numpy array", type(x).__name__, "Wrap it: np.asarray(x)."))
    if x.dtype.kind not in "biuf":
        raise TypeError(v.message("x", "be a real-valued array", f"dtype {x.dtype}", "Convert it with .astype(float)."))
    return v.as_float(x)


@reference
def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit, ``max(x, 0)``.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray, same shape as ``x``

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = _float_array(x)
    return np.maximum(x, 0)


@reference
def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of ReLU: pass ``dout`` where the *input* was positive, 0 elsewhere.

    Introduced in notebooks/03_backprop_lecture.ipynb.

    Parameters
    ----------
    dout : ndarray, any shape
        Upstream gradient dL/d(relu(x)).
    x : ndarray, same shape
        The ReLU's input.

    Returns
    -------
    dx : ndarray, same shape
        ``dout * (x > 0)``.  At ``x == 0`` the gradient is taken as 0 (torch's convention).

    Examples
    --------
    >>> relu_backward(np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 4.0]))
    array([0., 0., 3.])
    """
    dout, x = _array("dout", dout, "like x"), _array("x", x, "like dout")
    _same_shape("dout", dout, "x", x)
    return dout * (x > 0)


@reference
def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: ``x`` where ``x > 0``, ``alpha * x`` elsewhere.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Examples
    --------
    >>> leaky_relu(np.array([-2.0, 3.0]), alpha=0.1)
    array([-0.2,  3. ])
    """
    x = _float_array(x)
    alpha = v.require_number("alpha", alpha)
    return np.where(x > 0, x, alpha * x)


@reference
def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)`` elsewhere.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  ``expm1`` on the negative part only,
    so large positive inputs do not overflow.

    Examples
    --------
    >>> elu(np.array([-1000.0, 0.0, 2.0]))
    array([-1.,  0.,  2.])
    """
    x = _float_array(x)
    alpha = v.require_number("alpha", alpha)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


@reference
def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow for large ``|x|``.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Notes
    -----
    ``exp(-x)`` overflows for ``x < -709`` in float64 (``-88`` in float32).  With
    ``z = exp(-|x|)`` (always <= 1): ``sigmoid(x) = 1 / (1 + z)`` for ``x >= 0`` and
    ``z / (1 + z)`` for ``x < 0``.

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    return _stable_sigmoid(_float_array(x))


@reference
def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, ``(exp(x) - exp(-x)) / (exp(x) + exp(-x)) = 2*sigmoid(2x) - 1``.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Examples
    --------
    >>> tanh(np.array([-1000.0, 0.0, 1000.0]))
    array([-1.,  0.,  1.])
    """
    x = _float_array(x)
    z = np.exp(-2 * np.abs(x))  # <= 1: no overflow
    return np.sign(x) * (1 - z) / (1 + z)
