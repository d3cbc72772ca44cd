"""Module 02 references: the multi-channel, multi-filter convolution layer and flatten.

Introduced in notebooks/02_convolution_layers.ipynb.  Reference solutions: they refuse to
run while a check is running student code.
"""

import numpy as np

from . import _validate as v
from ._guard import reference


def _check_conv_shapes(x, w, stride, padding):
    """Validate x (N, C, H, W), w (F, C, KH, KW), stride and padding (shared with the backward pass)."""
    x = v.require_array("x", x, ndim=4, shape_text="(N, C, H, W)",
                        fix="For one image (C, H, W) pass x[None]; for a grayscale (H, W) pass x[None, None].")
    w = v.require_array("w", w, ndim=4, shape_text="(F, C, KH, KW)",
                        fix="One filter per output channel, each with C input channels.")
    stride = v.require_int("stride", stride, minimum=1)
    padding = v.require_int("padding", padding, minimum=0)
    (_, c, h, wd), (_, cw, kh, kw) = x.shape, w.shape
    if cw != c:
        raise ValueError(v.message("w", f"have C = {c} input channels to match x of shape {x.shape}",
                                   f"shape {w.shape}", "w has shape (F, C, KH, KW)."))
    if kh > h + 2 * padding or kw > wd + 2 * padding:
        raise ValueError(v.message("w", f"fit inside the padded input ({h + 2 * padding} x {wd + 2 * padding})",
                                   f"kernel {kh} x {kw}", "Use a smaller kernel or more padding."))
    return x, w, stride, padding


def _check_conv_args(x, w, b, stride, padding):
    x, w, stride, padding = _check_conv_shapes(x, w, stride, padding)
    b = v.require_array("b", b, ndim=1, shape_text="(F,)", fix="One bias per filter: np.zeros(F).")
    if b.shape[0] != w.shape[0]:
        raise ValueError(v.message("b", f"have one bias per filter, shape ({w.shape[0]},)", f"shape {b.shape}"))
    dtype = np.result_type(v.as_float(x).dtype, v.as_float(w).dtype, v.as_float(b).dtype)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False), stride, padding


def _pad(x, padding):
    """Zero-pad H and W of an NCHW array by ``padding`` on each side."""
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def _windows(x, kh, kw, stride):
    """Every KH x KW window of an NCHW array, ``stride`` apart: a view of shape (N, C, OH, OW, KH, KW)."""
    return np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def _out_size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


@reference
def conv2d_forward(x, w, b, stride=1, padding=0):
    """Convolution layer forward pass (vectorized): every filter over every image, plus bias.

    Introduced in notebooks/02_convolution_layers.ipynb.  Cross-correlation with zero padding,
    as ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        A batch of N images with C channels.
    w : ndarray, shape (F, C, KH, KW)
        F filters; filter f has one KH x KW kernel per input channel.
    b : ndarray, shape (F,)
        One bias per filter, added to every position of its feature map.
    stride : int, default 1
    padding : int, default 0
        Zeros added on each side of H and W.

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW)
        ``OH = (H + 2*padding - KH) // stride + 1``, likewise ``OW``;
        ``out[n, f, i, j] = sum over c, a, d of xpad[n, c, i*stride + a, j*stride + d] * w[f, c, a, d] + b[f]``.

    Raises
    ------
    ValueError
        Wrong ranks, channel or bias counts that do not match, a kernel larger than the padded input.

    Examples
    --------
    >>> x = np.ones((1, 2, 3, 3))
    >>> w = np.ones((1, 2, 2, 2))
    >>> conv2d_forward(x, w, np.array([0.5]))[0, 0]
    array([[8.5, 8.5],
           [8.5, 8.5]])
    """
    x, w, b, stride, padding = _check_conv_args(x, w, b, stride, padding)
    windows = _windows(_pad(x, padding), *w.shape[2:], stride)  # (N, C, OH, OW, KH, KW)
    return np.einsum("ncijkl,fckl->nfij", windows, w, optimize=True) + b[None, :, None, None]  # (N, F, OH, OW)


@reference
def conv2d_forward_naive(x, w, b, stride=1, padding=0):
    """Loop version of :func:`conv2d_forward`: one dot product per (image, filter, position).

    Introduced in notebooks/02_convolution_layers.ipynb.  Same parameters, returns and errors.

    Examples
    --------
    >>> conv2d_forward_naive(np.arange(4.0).reshape(1, 1, 2, 2), np.ones((2, 1, 1, 1)), np.array([0.0, 1.0]))[0]
    array([[[0., 1.],
            [2., 3.]],
    <BLANKLINE>
           [[1., 2.],
            [3., 4.]]])
    """
    x, w, b, stride, padding = _check_conv_args(x, w, b, stride, padding)
    n_images, _, h, wd = x.shape
    n_filters, _, kh, kw = w.shape
    oh, ow = _out_size(h, kh, stride, padding), _out_size(wd, kw, stride, padding)
    xpad = _pad(x, padding)
    out = np.zeros((n_images, n_filters, oh, ow), dtype=x.dtype)
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(oh):
                for j in range(ow):
                    window = xpad[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]  # (C, KH, KW)
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@reference
def flatten(x):
    """Flatten each example of a batch into one vector, in C, H, W order.

    Introduced in notebooks/02_convolution_layers.ipynb.

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
    >>> flatten(np.zeros((2, 3, 4, 5))).shape
    (2, 60)
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(v.message("x", "be a numpy array of shape (N, ...)", type(x).__name__,
                                  "Convert it with np.asarray(x)."))
    if x.ndim < 1:
        raise ValueError(v.message("x", "be an array with a batch axis first, shape (N, ...)", f"shape {x.shape}",
                                   "For a single example pass x[None]."))
    return x.reshape(x.shape[0], -1)
