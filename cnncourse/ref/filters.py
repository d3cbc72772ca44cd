"""Single-channel 2-D filtering: padding, cross-correlation and the classic kernels.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Every public function here is a
reference solution: it refuses to run while a check is running student code.
"""

import numpy as np

from .. import _validate as v
from ._guard import reference
from .layer_specs import conv_output_size


PAD_MODES = ("zeros", "constant", "reflect", "replicate")


def _check_pad_args(image, padding, mode, value):
    image = v.as_float(v.require_array(
        "image", image, ndim=2, shape_text="(H, W)",
        fix="For an RGB image (H, W, 3), pad one channel at a time: image[..., c].",
    ))
    padding = v.require_int("padding", padding, minimum=0)
    v.require_choice("mode", mode, PAD_MODES)
    value = v.require_number("value", value)
    if mode != "constant" and value != 0.0:
        raise ValueError(
            f"`value` must be 0 unless mode='constant'; got value={value:g} with mode={mode!r}. "
            "Pass mode='constant' to pad with another number."
        )
    height, width = image.shape
    if mode == "reflect" and padding >= min(height, width):
        raise ValueError(
            f"`padding` must be smaller than the image's height and width for mode 'reflect' "
            f"(at most {min(height, width) - 1} for shape {image.shape}); got {padding}. "
            "Use mode='replicate' or a smaller padding."
        )
    return image, padding, value


def _pad_indices(n, padding, mode):
    """Source index along one axis for each padded position (reflect or replicate)."""
    idx = np.arange(-padding, n + padding)  # positions in the padded axis, in input coordinates
    if mode == "replicate":
        return np.clip(idx, 0, n - 1)
    # reflect: mirror around the edge pixels without repeating them (… 2 1 | 0 1 2 … n-1 | n-2 …)
    idx = np.abs(idx)
    return np.where(idx > n - 1, 2 * (n - 1) - idx, idx)


@reference
def pad2d(image: np.ndarray, padding: int, mode: str = "zeros", value: float = 0.0) -> np.ndarray:
    """Pad a single-channel image by ``padding`` pixels on every side.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Grayscale image or feature map; integer images are promoted to float64.
    padding : int
        Pixels added on *each* side (top, bottom, left and right), >= 0.
    mode : {"zeros", "constant", "reflect", "replicate"}, default "zeros"
        ``"zeros"``: 0 outside the image.  ``"constant"``: ``value`` outside the image.
        ``"reflect"``: mirror around the edge pixel without repeating it
        (``[1, 2, 3] -> [3, 2, 1, 2, 3, 2, 1]`` for padding 2), as ``torch``'s "reflect".
        ``"replicate"``: repeat the edge pixel (``-> [1, 1, 1, 2, 3, 3, 3]``), which some
        texts call "reflect"; numpy calls it "edge".
    value : float, default 0.0
        Fill value for ``mode="constant"``.

    Returns
    -------
    out : ndarray, shape (H + 2*padding, W + 2*padding)
        Same floating dtype as ``image``; ``out[padding:-padding, padding:-padding]`` is the image.

    Raises
    ------
    ValueError
        Wrong shape, unknown mode, negative padding, ``value`` without mode "constant",
        or reflect padding not smaller than the image side.

    Notes
    -----
    Some texts (and ``scipy.ndimage``) call "reflect" what numpy calls "symmetric", which
    repeats the edge pixel (``[2, 1, 1, 2, 3, 3, 2]``).  This course follows torch.

    Examples
    --------
    >>> pad2d(np.array([[1., 2., 3.]]), 1, mode="replicate")
    array([[1., 1., 2., 3., 3.],
           [1., 1., 2., 3., 3.],
           [1., 1., 2., 3., 3.]])
    """
    image, padding, value = _check_pad_args(image, padding, mode, value)
    height, width = image.shape
    if mode in ("zeros", "constant"):
        out = np.full((height + 2 * padding, width + 2 * padding), value, dtype=image.dtype)
        out[padding:padding + height, padding:padding + width] = image
        return out
    rows = _pad_indices(height, padding, mode)
    cols = _pad_indices(width, padding, mode)
    return image[np.ix_(rows, cols)]  # (H + 2p, W + 2p)


def _check_correlate_args(image, kernel, stride, padding, mode):
    image = v.require_array("image", image, ndim=2, shape_text="(H, W)",
                            fix="For an RGB image (H, W, 3), filter one channel at a time: image[..., c].")
    kernel = v.require_array("kernel", kernel, ndim=2, shape_text="(KH, KW)",
                             fix="A single-channel kernel is a 2-D array such as np.ones((3, 3)) / 9.")
    stride = v.require_int("stride", stride, minimum=1)
    padding = v.require_int("padding", padding, minimum=0)
    v.require_choice("mode", mode, PAD_MODES)
    (height, width), (kh, kw) = image.shape, kernel.shape
    if kh > height + 2 * padding or kw > width + 2 * padding:
        raise ValueError(
            f"`kernel` must fit inside the padded image ({height + 2 * padding} x {width + 2 * padding} "
            f"with padding {padding}); got kernel shape {kernel.shape}. Use a smaller kernel or more padding."
        )
    dtype = np.result_type(v.as_float(image).dtype, v.as_float(kernel).dtype)
    return image.astype(dtype, copy=False), kernel.astype(dtype, copy=False), stride, padding


@reference
def correlate2d(image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0,
                mode: str = "zeros") -> np.ndarray:
    """Slide ``kernel`` over ``image`` and take a dot product at each position (vectorized).

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  This is *cross-correlation*
    (the kernel is not flipped), which is what convolution layers compute.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    kernel : ndarray, shape (KH, KW)
    stride : int, default 1
        Step of the window in both directions.
    padding : int, default 0
        Pixels added on each side before sliding, filled according to ``mode``.
    mode : {"zeros", "constant", "reflect", "replicate"}, default "zeros"
        How to pad; see :func:`pad2d` (``"constant"`` pads with 0 here too).

    Returns
    -------
    out : ndarray, shape (OH, OW)
        ``OH = (H + 2*padding - KH) // stride + 1`` and likewise ``OW`` with ``W, KW``;
        ``out[i, j] = sum(padded[i*stride : i*stride + KH, j*stride : j*stride + KW] * kernel)``.
        float32 if both inputs are float32, else float64.

    Raises
    ------
    ValueError
        Wrong shapes, kernel larger than the padded image, or bad stride/padding/mode.

    Examples
    --------
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> correlate2d(image, np.ones((2, 2)), stride=2)
    array([[10., 18.],
           [42., 50.]])
    """
    image, kernel, stride, padding = _check_correlate_args(image, kernel, stride, padding, mode)
    padded = pad2d(image, padding, mode=mode)  # (H + 2p, W + 2p)
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape)  # (H', W', KH, KW)
    windows = windows[::stride, ::stride]  # (OH, OW, KH, KW)
    return np.einsum("ijkl,kl->ij", windows, kernel)  # (OH, OW)


@reference
def correlate2d_naive(image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0,
                      mode: str = "zeros") -> np.ndarray:
    """Loop version of :func:`correlate2d`: one dot product per output pixel.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Same parameters, returns and
    errors as :func:`correlate2d`.

    Examples
    --------
    >>> correlate2d_naive(np.arange(9.0).reshape(3, 3), np.array([[1., -1.]]))
    array([[-1., -1.],
           [-1., -1.],
           [-1., -1.]])
    """
    image, kernel, stride, padding = _check_correlate_args(image, kernel, stride, padding, mode)
    padded = pad2d(image, padding, mode=mode)
    kh, kw = kernel.shape
    out_h = conv_output_size(image.shape[0], kh, stride, padding)
    out_w = conv_output_size(image.shape[1], kw, stride, padding)
    out = np.zeros((out_h, out_w), dtype=kernel.dtype)
    for i in range(out_h):
        for j in range(out_w):
            window = padded[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] = np.sum(window * kernel)
    return out


def _kernel_shape(size):
    if isinstance(size, tuple):
        if len(size) != 2:
            raise ValueError(f"`size` must be an int or a pair (KH, KW); got a tuple of length {len(size)}. "
                             "Pass e.g. 3 or (3, 5).")
        return (v.require_int("size[0]", size[0], minimum=1), v.require_int("size[1]", size[1], minimum=1))
    size = v.require_int("size", size, minimum=1, fix="Pass e.g. 3 for a 3x3 kernel or (3, 5).")
    return size, size


@reference
def mean_kernel(size: int | tuple[int, int]) -> np.ndarray:
    """Box (mean) blur kernel whose entries sum to 1.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

    Parameters
    ----------
    size : int or tuple of int (KH, KW)
        Side of a square kernel, or its height and width.

    Returns
    -------
    kernel : ndarray, shape (KH, KW), float64
        Every entry ``1 / (KH*KW)``, so correlating with it averages the window and keeps
        the brightness of flat regions unchanged.

    Examples
    --------
    >>> mean_kernel((1, 4))
    array([[0.25, 0.25, 0.25, 0.25]])
    """
    kh, kw = _kernel_shape(size)
    return np.full((kh, kw), 1.0 / (kh * kw))


@reference
def sobel_kernels() -> tuple[np.ndarray, np.ndarray]:
    """The 3x3 Sobel kernels ``(kx, ky)`` for cross-correlation.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

    Returns
    -------
    kx : ndarray, shape (3, 3), float64
        Responds to change along x (left to right), i.e. to *vertical* edges; positive where
        the image gets brighter to the right.  Rows ``[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]``.
    ky : ndarray, shape (3, 3), float64
        ``kx.T``: responds to change along y (top to bottom), i.e. to *horizontal* edges;
        positive where the image gets brighter downwards.

    Examples
    --------
    >>> kx, ky = sobel_kernels()
    >>> ky
    array([[-1., -2., -1.],
           [ 0.,  0.,  0.],
           [ 1.,  2.,  1.]])
    """
    kx = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    return kx, kx.T.copy()
