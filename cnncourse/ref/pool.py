"""Pooling layers, forward and backward: max and average pooling, average pooling as a convolution.

Introduced in notebooks/02_convolution_layers_lecture.ipynb (forward) and notebooks/03_backprop_lecture.ipynb
(backward).
"""

import numpy as np

from .. import _validate as v
from ._common import _array, _out_size, _windows
from ._guard import reference
from .conv import conv2d_forward


def _check_pool_args(x, kernel_size, stride):
    x = v.require_array("x", x, ndim=4, shape_text="(N, C, H, W)",
                        fix="For one image (C, H, W) pass x[None].")
    kernel_size = v.require_int("kernel_size", kernel_size, minimum=1)
    stride = kernel_size if stride is None else v.require_int("stride", stride, minimum=1)
    if kernel_size > min(x.shape[2:]):
        raise ValueError(v.message("kernel_size", f"be at most the input's height and width {x.shape[2:]}",
                                   kernel_size, "Use a smaller window."))
    return v.as_float(x), kernel_size, stride


@reference
def max_pool2d_forward(x: np.ndarray, kernel_size: int = 2, stride: int | None = None) -> np.ndarray:
    """Max pooling: the largest value of each ``kernel_size x kernel_size`` window, per channel.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int, default 2
    stride : int or None, default None
        Step between windows; ``None`` means ``kernel_size`` (windows tile the input without
        overlapping).  Smaller strides make windows overlap.

    Returns
    -------
    out : ndarray, shape (N, C, OH, OW)
        ``OH = (H - kernel_size) // stride + 1``, likewise ``OW`` (no padding, as torch's default).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d_forward(x)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, kernel_size, stride = _check_pool_args(x, kernel_size, stride)
    return _windows(x, kernel_size, kernel_size, stride).max(axis=(4, 5))


@reference
def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int = 2, stride: int | None = None) -> np.ndarray:
    """Gradient of max pooling: each window's gradient goes to the position of its maximum.

    Introduced in notebooks/03_backprop_lecture.ipynb.

    Parameters
    ----------
    dout : ndarray, shape (N, C, OH, OW)
    x : ndarray, shape (N, C, H, W)
        The pooling layer's input.
    kernel_size : int, default 2
    stride : int or None, default None (= kernel_size)

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Zero except at each window's argmax, which receives that window's ``dout``.
        Overlapping windows add up.

    Notes
    -----
    Ties: the gradient goes to the *first* maximum in row-major order inside the window, once
    (as ``torch.nn.functional.max_pool2d`` on the CPU).

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    >>> max_pool2d_backward(np.array([[[[5.0]]]]), x)[0, 0]
    array([[0., 5.],
           [0., 0.]])
    """
    x, kernel_size, stride = _check_pool_args(x, kernel_size, stride)
    dout = _array("dout", dout, "(N, C, OH, OW)", ndim=4)
    n, c, h, w = x.shape
    oh, ow = _out_size(h, kernel_size, stride, 0), _out_size(w, kernel_size, stride, 0)
    if dout.shape != (n, c, oh, ow):
        raise ValueError(v.message("dout", f"have the pooled shape {(n, c, oh, ow)}", f"shape {dout.shape}",
                                   "dout is the gradient of the pooling output."))
    windows = _windows(x, kernel_size, kernel_size, stride).reshape(n, c, oh, ow, -1)
    first = windows.argmax(axis=-1)  # first maximum in row-major order
    rows = np.arange(oh)[:, None] * stride + first // kernel_size  # (N, C, OH, OW)
    cols = np.arange(ow)[None, :] * stride + first % kernel_size
    dx = np.zeros_like(x)
    nn_, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    np.add.at(dx, (nn_[:, :, None, None], cc[:, :, None, None], rows, cols), dout)
    return dx


@reference
def avg_pool2d_forward(x: np.ndarray, kernel_size: int = 2, stride: int | None = None) -> np.ndarray:
    """Average pooling: the mean of each window, per channel.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Parameters and output shape as
    :func:`max_pool2d_forward`.

    Examples
    --------
    >>> avg_pool2d_forward(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x, kernel_size, stride = _check_pool_args(x, kernel_size, stride)
    return _windows(x, kernel_size, kernel_size, stride).mean(axis=(4, 5))


@reference
def avg_pool_as_conv(x: np.ndarray, kernel_size: int) -> np.ndarray:
    """Average pooling written as a convolution with stride ``kernel_size``.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  The filter for output channel c has
    the mean kernel ``1/K²`` on input channel c and zeros on the others (channels are not
    mixed); the bias is 0.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int

    Returns
    -------
    out : ndarray, shape (N, C, H // kernel_size, W // kernel_size)
        Equal to ``avg_pool2d_forward(x, kernel_size)``.

    Examples
    --------
    >>> avg_pool_as_conv(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x, kernel_size, _ = _check_pool_args(x, kernel_size, None)
    channels = x.shape[1]
    w = np.zeros((channels, channels, kernel_size, kernel_size), dtype=x.dtype)
    w[np.arange(channels), np.arange(channels)] = 1.0 / kernel_size**2
    return conv2d_forward(x, w, np.zeros(channels, dtype=x.dtype), stride=kernel_size)
