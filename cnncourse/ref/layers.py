"""Flatten, dense and loss layers, forward and backward side by side.

Introduced in notebooks/02_convolution_layers_lecture.ipynb (``flatten_forward``) and
notebooks/03_backprop_lecture.ipynb (the backward passes and the sigmoid + binary cross-entropy loss).
"""

import numpy as np

from .. import _validate as v
from ._common import _array, _same_shape, _stable_sigmoid
from ._guard import reference


@reference
def flatten_forward(x: np.ndarray) -> np.ndarray:
    """Flatten each example of a batch into one vector, in C, H, W order.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Parameters
    ----------
    x : ndarray, shape (N, ...)
        A batch, e.g. feature maps (N, C, H, W).

    Returns
    -------
    out : ndarray, shape (N, C*H*W)
        ``out[n] = x[n].ravel()`` (C-order: the last axis varies fastest), as ``torch.flatten(x, 1)``.

    Examples
    --------
    >>> flatten_forward(np.zeros((2, 3, 4, 5))).shape
    (2, 60)
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(v.message("x", "be a numpy array of shape (N, ...)", type(x).__name__,
                                  "Convert it with np.asarray(x)."))
    if x.ndim < 1:
        raise ValueError(v.message("x", "be an array with a batch axis first, shape (N, ...)", f"shape {x.shape}",
                                   "For a single example pass x[None]."))
    return x.reshape(x.shape[0], -1)


@reference
def flatten_backward(dout: np.ndarray, x_shape: tuple[int, ...]) -> np.ndarray:
    """Gradient of flatten: reshape ``dout`` (N, D) back to the input's shape.

    Introduced in notebooks/03_backprop_lecture.ipynb.

    Examples
    --------
    >>> flatten_backward(np.arange(8.0).reshape(2, 4), (2, 1, 2, 2)).shape
    (2, 1, 2, 2)
    """
    dout = _array("dout", dout, "(N, D)")
    x_shape = v.require_shape("x_shape", x_shape, shape_text="(N, ...)",
                              fix="Pass the shape of flatten's input, x.shape.")
    if int(np.prod(x_shape)) != dout.size:
        raise ValueError(v.message("x_shape", f"hold as many values as dout ({dout.size})", repr(x_shape),
                                   "Pass the shape of flatten's input, x.shape."))
    return dout.reshape(x_shape)


@reference
def dense_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the dense layer ``out = x @ w + b``.

    Introduced in notebooks/03_backprop_lecture.ipynb.

    Parameters
    ----------
    dout : ndarray, shape (N, M)
    x : ndarray, shape (N, D)
    w : ndarray, shape (D, M)

    Returns
    -------
    dx : ndarray, shape (N, D)
        ``dout @ w.T``.
    dw : ndarray, shape (D, M)
        ``x.T @ dout`` (summed over the batch).
    db : ndarray, shape (M,)
        ``dout.sum(axis=0)``.

    Examples
    --------
    >>> dx, dw, db = dense_backward(np.ones((2, 1)), np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 1)))
    >>> dw.ravel(), db
    (array([4., 6.]), array([2.]))
    """
    dout = _array("dout", dout, "(N, M)", ndim=2)
    x = _array("x", x, "(N, D)", ndim=2)
    w = _array("w", w, "(D, M)", ndim=2)
    if x.shape[1] != w.shape[0] or dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(v.message("dout", f"have shape (N, M) = {(x.shape[0], w.shape[1])} for x {x.shape} and "
                                   f"w {w.shape}", f"shape {dout.shape}", "The layer computes x @ w + b."))
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


@reference
def sigmoid_bce_forward(z: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy of ``sigmoid(z)`` against labels ``y``, computed stably from the logits.

    Introduced in notebooks/03_backprop_lecture.ipynb.  ``L = mean(max(z, 0) - z*y + log(1 + exp(-|z|)))``.

    Examples
    --------
    >>> float(np.round(sigmoid_bce_forward(np.array([0.0]), np.array([1.0])), 4))
    0.6931
    """
    z, y = _array("z", z, "(N,)"), _array("y", y, "like z")
    _same_shape("y", y, "z", z)
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


@reference
def sigmoid_bce_backward(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of :func:`sigmoid_bce_forward` with respect to the logits ``z``.

    Introduced in notebooks/03_backprop_lecture.ipynb.

    Parameters
    ----------
    z : ndarray, shape (N,) or any shape
        Logits (the dense layer's output, before the sigmoid).
    y : ndarray, same shape
        Labels in {0, 1}.

    Returns
    -------
    dz : ndarray, same shape
        ``(sigmoid(z) - y) / z.size``: the sigmoid's and the cross-entropy's derivatives
        cancel to ``ŷ - y``; the ``1/N`` comes from the mean.

    Examples
    --------
    >>> sigmoid_bce_backward(np.array([0.0, 0.0]), np.array([1.0, 0.0]))
    array([-0.25,  0.25])
    """
    z, y = _array("z", z, "(N,)"), _array("y", y, "like z")
    _same_shape("y", y, "z", z)
    return (_stable_sigmoid(z) - y) / z.size
