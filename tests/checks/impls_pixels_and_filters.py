"""Student-style implementations for module 01: correct ones (loop and vectorized) and buggy ones.

The checks must accept every function in CORRECT and reject every one in BUGGY with the
expected message.  The buggy ones are bugs no listed mistake recreates (every listed mistake
is run through its check by the mistake-reachability test), written the way students write them.
"""

import numpy as np

# ----------------------------------------------------------------- conv_output_size


def size_ok(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError("impossible configuration")
    return (n + 2 * padding - kernel_size) // stride + 1


def size_ok_numpy(n, kernel_size, stride=1, padding=0):
    if stride <= 0 or padding < 0 or n + 2 * padding < kernel_size:
        raise ValueError("bad")
    return np.int64(np.floor((n + 2 * padding - kernel_size) / stride) + 1)


def size_true_division(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError
    return (n + 2 * padding - kernel_size) / stride + 1


def size_no_error(n, kernel_size, stride=1, padding=0):
    return (n + 2 * padding - kernel_size) // max(stride, 1) + 1


# ----------------------------------------------------------------- pad2d


def pad_loop(image, padding, mode="zeros", value=0.0):
    if mode not in ("zeros", "constant", "reflect", "replicate"):
        raise ValueError(mode)
    h, w = image.shape
    out = np.zeros((h + 2 * padding, w + 2 * padding))
    for i in range(h + 2 * padding):
        for j in range(w + 2 * padding):
            r, c = i - padding, j - padding
            if 0 <= r < h and 0 <= c < w:
                out[i, j] = image[r, c]
            elif mode == "constant":
                out[i, j] = value
            elif mode == "replicate":
                out[i, j] = image[min(max(r, 0), h - 1), min(max(c, 0), w - 1)]
            elif mode == "reflect":
                rr = -r if r < 0 else (2 * (h - 1) - r if r >= h else r)
                cc = -c if c < 0 else (2 * (w - 1) - c if c >= w else c)
                out[i, j] = image[rr, cc]
    return out


def pad_numpy(image, padding, mode="zeros", value=0.0):
    np_mode = {"zeros": "constant", "constant": "constant", "reflect": "reflect", "replicate": "edge"}
    if mode not in np_mode:
        raise ValueError(f"unknown mode {mode}")
    image = image.astype(float)  # np.pad keeps an integer image's dtype (and would truncate value=0.5)
    if np_mode[mode] == "constant":
        return np.pad(image, padding, constant_values=value if mode == "constant" else 0)
    return np.pad(image, padding, mode=np_mode[mode])


def pad_slices(image, padding, mode="zeros", value=0.0):
    """Hand-written with slices: rows first, then the columns of that (so the corners are right)."""
    if mode not in ("zeros", "constant", "reflect", "replicate"):
        raise ValueError(f"mode must be one of zeros, constant, reflect, replicate; got {mode!r}")
    p = padding
    if p == 0:
        return image.astype(float)
    if mode in ("zeros", "constant"):
        h, w = image.shape
        out = np.full((h + 2 * p, w + 2 * p), value if mode == "constant" else 0.0,
                      dtype=image.dtype if image.dtype.kind == "f" else float)  # float32 stays float32
        out[p:p + h, p:p + w] = image
        return out
    if mode == "replicate":
        rows = np.concatenate([np.repeat(image[:1], p, axis=0), image, np.repeat(image[-1:], p, axis=0)])
        return np.concatenate([np.repeat(rows[:, :1], p, axis=1), rows, np.repeat(rows[:, -1:], p, axis=1)], axis=1)
    rows = np.concatenate([image[1:p + 1][::-1], image, image[-p - 1:-1][::-1]])
    return np.concatenate([rows[:, 1:p + 1][:, ::-1], rows, rows[:, -p - 1:-1][:, ::-1]], axis=1)


def pad_clobbers_input(image, padding, mode="zeros", value=0.0):
    out = pad_numpy(image, padding, mode, value)
    image[:] = 0.0  # "frees" the input by zeroing the caller's array
    return out


# ----------------------------------------------------------------- correlate2d


def corr_loop(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = pad_loop(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += padded[i * stride + a, j * stride + b] * kernel[a, b]
            out[i, j] = total
    return out


def corr_vectorized(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = pad_numpy(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow), dtype=np.result_type(image, kernel, np.float32))  # float, float32 kept
    for a in range(kh):  # loop over kernel taps, vectorized over positions
        for b in range(kw):
            out += kernel[a, b] * padded[a:a + stride * (oh - 1) + 1:stride, b:b + stride * (ow - 1) + 1:stride]
    return out


def corr_sliding_windows(image, kernel, stride=1, padding=0, mode="zeros"):
    """sliding_window_view of the padded image, strided, then one einsum; float32 inputs stay float32."""
    padded = pad_slices(np.asarray(image, dtype=np.result_type(image, kernel, np.float32)), padding, mode)
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape)[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, kernel)


# ----------------------------------------------------------------- mean_kernel


def mean_ok(size):
    kh, kw = (size, size) if isinstance(size, int) else size
    if kh < 1 or kw < 1:
        raise ValueError("size must be >= 1")
    return np.ones((kh, kw)) / (kh * kw)


def mean_ok_float32(size):
    kh, kw = (size, size) if np.isscalar(size) else size
    if min(kh, kw) < 1:
        raise ValueError("size must be >= 1")
    return np.full((kh, kw), 1.0 / (kh * kw), dtype=np.float32)


def mean_int_array(size):
    kh, kw = (size, size) if isinstance(size, int) else size
    if kh < 1 or kw < 1:
        raise ValueError
    return np.ones((kh, kw), dtype=int)


def mean_no_return(size):
    kh, kw = (size, size) if isinstance(size, int) else size
    np.ones((kh, kw)) / (kh * kw)  # computed, never returned


# ----------------------------------------------------------------- sobel_kernels

_KX = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]


def sobel_ok():
    kx = np.array(_KX, dtype=float)
    return kx, kx.T


def sobel_ok_int_list():
    return np.array(_KX), np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])


def sobel_ok_nested_lists():
    return [_KX, [list(row) for row in zip(*_KX)]]


def sobel_only_kx():
    kx, _ = sobel_ok()
    return kx


# ------------------------------------------------------------------ buggy implementations that pin a case name or message

def pad_transposed(image, padding, mode="zeros", value=0.0):
    h, w = image.shape
    out = np.zeros((w + 2 * padding, h + 2 * padding))
    out[padding:padding + w, padding:padding + h] = image.T  # mixed up rows and columns
    return out if mode in ("zeros",) else pad_numpy(image, padding, mode, value).T


def corr_no_stride(image, kernel, stride=1, padding=0, mode="zeros"):
    return corr_loop(image, kernel, 1, padding, mode)


def corr_output_like_inputs(image, kernel, stride=1, padding=0, mode="zeros"):
    """Right values, but the output takes the inputs' dtype: integer for an 8-bit image."""
    padded = np.pad(image, padding, mode={"zeros": "constant", "reflect": "reflect", "replicate": "edge"}[mode])
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow), dtype=np.result_type(image, kernel))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * padded[a:a + stride * (oh - 1) + 1:stride, b:b + stride * (ow - 1) + 1:stride]
    return out


def pad_output_like_image(image, padding, mode="zeros", value=0.0):
    """Right values for float images, but the output takes the image's dtype: an integer image stays int."""
    if mode not in ("zeros", "constant", "reflect", "replicate"):
        raise ValueError(f"unknown mode {mode!r}")
    if mode in ("reflect", "replicate"):
        return np.pad(image, padding, mode="reflect" if mode == "reflect" else "edge")
    h, w = image.shape
    out = np.full((h + 2 * padding, w + 2 * padding), value if mode == "constant" else 0, dtype=image.dtype)
    out[padding:padding + h, padding:padding + w] = image
    return out
