"""The convolution layer, forward and backward side by side.

Forward: :func:`conv2d_forward` (vectorized), :func:`conv2d_forward_naive` (loops, module 02),
:func:`im2col` / :func:`conv2d_forward_im2col` / :func:`conv2d_forward_fast` (convolution as a
matrix multiply, module 04).  Backward: :func:`conv2d_backward` (module 03) and
:func:`col2im` / :func:`conv2d_backward_im2col` (module 04).  Introduced in
notebooks/02_convolution_layers_lecture.ipynb, notebooks/03_backprop_lecture.ipynb and
notebooks/04_training_cnns_lecture.ipynb.  Reference solutions: they refuse to run while a check is
running student code.
"""

import numpy as np

from .. import _validate as v
from ._common import _out_size, _pad, _windows
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


def _check_conv_backward_args(dout, x, w, stride, padding):
    """Validate a conv layer's backward inputs (shared by module 03's and module 04's backward passes)."""
    x, w, stride, padding = _check_conv_shapes(x, w, stride, padding)
    if not isinstance(dout, np.ndarray):
        raise TypeError(v.message("dout", "be a numpy array of shape (N, F, OH, OW)", type(dout).__name__,
                                  "Convert it with np.asarray(...)."))
    if dout.ndim != 4:
        raise ValueError(v.message("dout", "be a 4-D array of shape (N, F, OH, OW)", f"shape {dout.shape}"))
    (n, _, h, wd), (f, _, kh, kw) = x.shape, w.shape
    expected = (n, f, _out_size(h, kh, stride, padding), _out_size(wd, kw, stride, padding))
    if dout.shape != expected:
        raise ValueError(v.message("dout", f"have the conv output's shape {expected}", f"shape {dout.shape}",
                                   "dout is the gradient of conv2d_forward(x, w, b, stride, padding)."))
    return v.as_float(dout), v.as_float(x), v.as_float(w), stride, padding


def _check_conv_args(x, w, b, stride, padding):
    x, w, stride, padding = _check_conv_shapes(x, w, stride, padding)
    b = v.require_array("b", b, ndim=1, shape_text="(F,)", fix="One bias per filter: np.zeros(F).")
    if b.shape[0] != w.shape[0]:
        raise ValueError(v.message("b", f"have one bias per filter, shape ({w.shape[0]},)", f"shape {b.shape}"))
    dtype = np.result_type(v.as_float(x).dtype, v.as_float(w).dtype, v.as_float(b).dtype)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False), stride, padding


@reference
def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Convolution layer forward pass (vectorized): every filter over every image, plus bias.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Cross-correlation with zero padding,
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
def conv2d_forward_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Loop version of :func:`conv2d_forward`: one dot product per (image, filter, position).

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Same parameters, returns and errors.

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
def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride: int = 1,
                    padding: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the convolution layer ``out = conv2d_forward(x, w, b, stride, padding)``.

    Introduced in notebooks/03_backprop_lecture.ipynb.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (F, C, KH, KW)
    stride, padding : int

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        A *full* convolution of ``dout`` with the flipped kernel (for stride 1: pad ``dout`` by
        K - 1 and correlate with ``w`` rotated by 180°), cropped by ``padding``.
    dw : ndarray, shape (F, C, KH, KW)
        The padded input correlated with ``dout``, summed over the batch.
    db : ndarray, shape (F,)
        ``dout`` summed over the batch and every position.

    Examples
    --------
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> db
    array([4.])
    """
    dout, x, w, stride, padding = _check_conv_backward_args(dout, x, w, stride, padding)
    _, _, h, wd = x.shape
    _, _, oh, ow = dout.shape
    kh, kw = w.shape[2:]
    xpad = _pad(x, padding)
    windows = _windows(xpad, kh, kw, stride)  # (N, C, OH, OW, KH, KW)
    db = dout.sum(axis=(0, 2, 3))  # (F,)
    dw = np.einsum("nfij,ncijkl->fckl", dout, windows, optimize=True)  # (F, C, KH, KW)
    dxpad = np.zeros_like(xpad)
    contrib = np.einsum("nfij,fckl->ncijkl", dout, w, optimize=True)  # (N, C, OH, OW, KH, KW)
    for a in range(kh):  # scatter every window's contribution back (loops over the kernel only)
        for d in range(kw):
            dxpad[:, :, a:a + stride * (oh - 1) + 1:stride, d:d + stride * (ow - 1) + 1:stride] += contrib[..., a, d]
    dx = dxpad[:, :, padding:padding + h, padding:padding + wd]
    return dx, dw, db


def _kernel_pair(kernel_size):
    """``kernel_size`` as (KH, KW): an int k means (k, k).  Also module 05's torch references use it."""
    if isinstance(kernel_size, (tuple, list)):
        if len(kernel_size) != 2:
            raise ValueError(v.message("kernel_size", "be an int or a pair (KH, KW)", repr(tuple(kernel_size)),
                                       "Pass an int such as 3, or a pair such as (3, 5)."))
        return tuple(v.require_int(f"kernel_size[{i}]", k, minimum=1) for i, k in enumerate(kernel_size))
    k = v.require_int("kernel_size", kernel_size, minimum=1, fix="Pass an int such as 3, or a pair such as (3, 5).")
    return k, k


@reference
def im2col(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int = 1, padding: int = 0) -> np.ndarray:
    """Unroll every sliding window of a batch into one column of a matrix.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  With ``cols = im2col(x, (KH, KW), ...)``
    a convolution is one matrix multiply: ``w.reshape(F, -1) @ cols``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (int, int)
        KH x KW window; an int k means k x k.
    stride : int, default 1
    padding : int, default 0
        Zeros added on each side of H and W before the windows are taken.

    Returns
    -------
    cols : ndarray, shape (C*KH*KW, N*OH*OW)
        ``OH = (H + 2*padding - KH) // stride + 1``, likewise ``OW``.  Column
        ``n*OH*OW + i*OW + j`` is the window of image n at output position (i, j), read in
        (c, a, d) order, i.e. row ``c*KH*KW + a*KW + d`` holds ``xpad[n, c, i*stride + a, j*stride + d]``:
        the same order as ``w.reshape(F, C*KH*KW)``.  Same dtype as ``x`` (integers become float64).

    Raises
    ------
    TypeError, ValueError
        ``x`` not 4-D, bad ``kernel_size``/``stride``/``padding``, or a window larger than the padded input.

    Notes
    -----
    ``cols`` holds every input value up to KH*KW / stride² times: the memory price of the
    single matrix multiply.

    Examples
    --------
    >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    kh, kw = _kernel_pair(kernel_size)
    x = v.require_array("x", x, ndim=4, shape_text="(N, C, H, W)",
                        fix="For one image (C, H, W) pass x[None]; for a grayscale (H, W) pass x[None, None].")
    x, _, stride, padding = _check_conv_shapes(x, np.empty((1, x.shape[1], kh, kw)), stride, padding)
    return _im2col(v.as_float(x), kh, kw, stride, padding)


def _im2col(x, kh, kw, stride, padding):
    """im2col on validated inputs (shared with the conv forward and backward passes)."""
    windows = _windows(_pad(x, padding), kh, kw, stride)  # (N, C, OH, OW, KH, KW)
    n, c, oh, ow = windows.shape[:4]
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * oh * ow)  # (C*KH*KW, N*OH*OW)


@reference
def conv2d_forward_im2col(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Convolution layer forward pass as one matrix multiply (im2col + GEMM).

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  Same result as :func:`conv2d_forward`.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (F, C, KH, KW)
    b : ndarray, shape (F,)
    stride : int, default 1
    padding : int, default 0

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW)
        ``w.reshape(F, C*KH*KW) @ im2col(x, (KH, KW), stride, padding)`` is (F, N*OH*OW);
        reshaped to (F, N, OH, OW), moved to (N, F, OH, OW), plus ``b`` per filter.

    Raises
    ------
    ValueError
        As :func:`conv2d_forward`.

    Examples
    --------
    >>> x = np.ones((1, 2, 3, 3))
    >>> conv2d_forward_im2col(x, np.ones((1, 2, 2, 2)), np.array([0.5]), padding=1)[0, 0]
    array([[2.5, 4.5, 4.5, 2.5],
           [4.5, 8.5, 8.5, 4.5],
           [4.5, 8.5, 8.5, 4.5],
           [2.5, 4.5, 4.5, 2.5]])
    """
    x, w, b, stride, padding = _check_conv_args(x, w, b, stride, padding)
    n_filters, _, kh, kw = w.shape
    n, _, h, wd = x.shape
    oh, ow = _out_size(h, kh, stride, padding), _out_size(wd, kw, stride, padding)
    cols = _im2col(x, kh, kw, stride, padding)  # (C*KH*KW, N*OH*OW)
    out = w.reshape(n_filters, -1) @ cols  # (F, N*OH*OW)
    return out.reshape(n_filters, n, oh, ow).transpose(1, 0, 2, 3) + b[None, :, None, None]  # (N, F, OH, OW)


def col2im(cols: np.ndarray, x_shape: tuple[int, int, int, int], kernel_size: int | tuple[int, int], stride: int = 1,
           padding: int = 0) -> np.ndarray:
    """Fold columns back into an image batch, adding where windows overlap (im2col's adjoint).

    Introduced in notebooks/04_training_cnns_lecture.ipynb: the backward pass of :func:`im2col`.

    Parameters
    ----------
    cols : ndarray, shape (C*KH*KW, N*OH*OW)
    x_shape : tuple (N, C, H, W)
        Shape of the unpadded input that ``im2col`` unrolled.
    kernel_size, stride, padding
        As given to :func:`im2col`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        ``dx`` = the sum, over every window that contains a pixel, of that window's column
        entry for it; the padding border is dropped.

    Examples
    --------
    >>> col2im(np.ones((4, 4)), (1, 1, 3, 3), 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    kh, kw = _kernel_pair(kernel_size)
    stride = v.require_int("stride", stride, minimum=1)
    padding = v.require_int("padding", padding, minimum=0)
    n, c, h, wd = v.require_shape("x_shape", x_shape, ndim=4, shape_text="(N, C, H, W)",
                                  fix="Pass the shape of the input that im2col unrolled, x.shape.")
    oh, ow = _out_size(h, kh, stride, padding), _out_size(wd, kw, stride, padding)
    cols = np.asarray(cols)
    if cols.shape != (c * kh * kw, n * oh * ow):
        raise ValueError(v.message("cols", f"have shape (C*KH*KW, N*OH*OW) = {(c * kh * kw, n * oh * ow)}",
                                   f"shape {cols.shape}", "Pass the x_shape and kernel_size given to im2col."))
    blocks = cols.reshape(c, kh, kw, n, oh, ow)
    dxpad = np.zeros((n, c, h + 2 * padding, wd + 2 * padding), dtype=v.as_float(cols).dtype)
    for a in range(kh):  # KH*KW slices, each covering every output position at once
        for d in range(kw):
            dxpad[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride] += blocks[:, a, d].transpose(1, 0, 2, 3)
    return dxpad[:, :, padding:padding + h, padding:padding + wd]


def conv2d_backward_im2col(dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride: int = 1,
                           padding: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`conv2d_forward_im2col`: two matrix multiplies and a :func:`col2im`.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (F, C, KH, KW)
    stride, padding : int

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        ``col2im(w.reshape(F, -1).T @ dout_mat)``.
    dw : ndarray, shape (F, C, KH, KW)
        ``dout_mat @ im2col(x).T``, with ``dout_mat = dout`` moved to (F, N*OH*OW).
    db : ndarray, shape (F,)
        ``dout`` summed over N, OH, OW.

    Examples
    --------
    >>> dx, dw, db = conv2d_backward_im2col(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    >>> dx[0, 0], db
    (array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]]), array([4.]))
    """
    dout, x, w, stride, padding = _check_conv_backward_args(dout, x, w, stride, padding)
    n_filters, _, kh, kw = w.shape
    dout_mat = dout.transpose(1, 0, 2, 3).reshape(n_filters, -1)  # (F, N*OH*OW)
    cols = _im2col(x, kh, kw, stride, padding)
    dw = (dout_mat @ cols.T).reshape(w.shape)
    dx = col2im(w.reshape(n_filters, -1).T @ dout_mat, x.shape, (kh, kw), stride, padding)
    return dx, dw, dout.sum(axis=(0, 2, 3))


def conv2d_forward_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0,
                        chunk: int = 4) -> np.ndarray:
    """The course's fastest numpy convolution: im2col + GEMM, a few images at a time.

    Introduced in notebooks/04_training_cnns_lecture.ipynb (see ``benchmarks/conv_speed.py``).  Same
    result as :func:`conv2d_forward_im2col`, organised for the memory hierarchy:

    * windows are unrolled for ``chunk`` images at a time into one preallocated block, so the
      unrolled matrix (C*KH*KW x chunk*OH*OW) stays in the CPU cache instead of travelling
      through main memory (for N=64, C=16, 32x32 and a 3x3 kernel the whole matrix is 38 MB);
    * the block is filled by KH*KW strided copies, one per kernel offset;
    * each block is one matrix multiply ``w.reshape(F, -1) @ block`` written straight into
      the output, whose (F, N, OH, OW) layout is then viewed as (N, F, OH, OW).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (F, C, KH, KW)
    b : ndarray, shape (F,)
    stride, padding : int
    chunk : int, default 4
        Images per block.

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW)
        A view of an (F, N, OH, OW) array.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(5, 2, 6, 6))
    >>> w, b = np.ones((3, 2, 3, 3)), np.arange(3.0)
    >>> np.allclose(conv2d_forward_fast(x, w, b, padding=1), conv2d_forward(x, w, b, padding=1))
    True
    """
    x, w, b, stride, padding = _check_conv_args(x, w, b, stride, padding)
    chunk = v.require_int("chunk", chunk, minimum=1)
    n, c, h, wd = x.shape
    n_filters, _, kh, kw = w.shape
    oh, ow = _out_size(h, kh, stride, padding), _out_size(wd, kw, stride, padding)
    xpad = _pad(x, padding)
    w_mat = w.reshape(n_filters, -1)  # (F, C*KH*KW)
    out = np.empty((n_filters, n, oh * ow), dtype=x.dtype)
    block = np.empty((c, kh, kw, min(chunk, n), oh, ow), dtype=x.dtype)  # reused for every chunk
    for start in range(0, n, chunk):  # a few images at a time: the block stays in cache
        m = min(chunk, n - start)
        for a in range(kh):  # KH*KW strided copies, each covering every output position
            for d in range(kw):
                block[:, a, d, :m] = xpad[start:start + m, :, a:a + stride * oh:stride,
                                          d:d + stride * ow:stride].transpose(1, 0, 2, 3)
        cols = block[:, :, :, :m].reshape(c * kh * kw, m * oh * ow)  # a copy only for a short last chunk
        np.matmul(w_mat, cols, out=out[:, start:start + m].reshape(n_filters, m * oh * ow))  # a view of out
    out += b[:, None, None]
    return out.reshape(n_filters, n, oh, ow).transpose(1, 0, 2, 3)  # (N, F, OH, OW)
