"""A bank of realistic buggy student code for module 01_pixels_and_filters (see :mod:`checks.bank`).

Each function is written the way a student writes it in the assignment notebook: loops and
slices, the usual off-by-ones, a wrong axis, a forgotten term, a confused definition.  The
correlate2d bugs call a correct padding helper, as a student's correlate2d calls the student's
own pad2d.  ``names`` is the text of the hint that names the bug (a listed mistake's name, or
the case's own hint); ``what`` says the bug in a few words.

Spread by difficulty: correlate2d (4 points) 20, pad2d (3) 15, conv_output_size (2) 10,
mean_kernel (1) 7, sobel_kernels (2) 6.  Functions marked "from the independent tester" come from a
holdout of bugs written from the student notebooks only.
"""

import numpy as np
from checks.bank import Bug

# ----------------------------------------------------------------- conv_output_size


def size_stride_ignored(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError("the kernel does not fit")
    return n + 2 * padding - kernel_size + 1


def size_forgot_plus_one(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError("the kernel does not fit")
    return (n + 2 * padding - kernel_size) // stride


def size_padding_once(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError("the kernel does not fit")
    return (n + padding - kernel_size) // stride + 1


def size_padding_forgotten(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError("the kernel does not fit")
    return (n - kernel_size) // stride + 1


def size_ceil(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError("the kernel does not fit")
    return int(np.ceil((n + 2 * padding - kernel_size) / stride)) + 1


def size_round(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError("the kernel does not fit")
    return round((n + 2 * padding - kernel_size) / stride) + 1


def size_plus_one_inside(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError("the kernel does not fit")
    return (n + 2 * padding - kernel_size + 1) // stride


def size_np_floor_float(n, kernel_size, stride=1, padding=0):
    if stride < 1 or kernel_size > n + 2 * padding:
        raise ValueError("the kernel does not fit")
    return np.floor((n + 2 * padding - kernel_size) / stride) + 1


def size_fit_test_without_padding(n, kernel_size, stride=1, padding=0):
    if stride < 1 or n < 1 or padding < 0:
        raise ValueError("bad arguments")
    if kernel_size > n:  # the padding counts too
        raise ValueError("kernel larger than the input")
    return (n + 2 * padding - kernel_size) // stride + 1


def size_no_stride_check(n, kernel_size, stride=1, padding=0):
    if kernel_size > n + 2 * padding:
        raise ValueError("the kernel does not fit")
    return (n + 2 * padding - kernel_size) // stride + 1


# ----------------------------------------------------------------- pad2d


def _modes_ok(mode):
    if mode not in ("zeros", "constant", "reflect", "replicate"):
        raise ValueError(f"unknown mode {mode!r}")


def pad_one_side(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    h, w = image.shape
    out = np.full((h + padding, w + padding), value if mode == "constant" else 0.0)
    out[padding:, padding:] = image  # the border only on the top and the left
    if mode in ("reflect", "replicate"):
        np_mode = "reflect" if mode == "reflect" else "edge"
        out = np.pad(image, ((padding, 0), (padding, 0)), mode=np_mode)
    return out


def pad_twice_as_much(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    p = 2 * padding  # "padding on both sides"
    if mode == "zeros":
        return np.pad(image, p)
    if mode == "constant":
        return np.pad(image, p, constant_values=value)
    if mode == "replicate":
        return np.pad(image, p, mode="edge")
    return np.pad(image, p, mode="reflect")


def pad_reflect_is_symmetric(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    if mode == "reflect":
        return np.pad(image, padding, mode="symmetric")
    if mode == "replicate":
        return np.pad(image, padding, mode="edge")
    return np.pad(image, padding, constant_values=value if mode == "constant" else 0.0)


def pad_reflect_replicate_swapped(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    if mode == "reflect":
        return np.pad(image, padding, mode="edge")
    if mode == "replicate":
        return np.pad(image, padding, mode="reflect")
    return np.pad(image, padding, constant_values=value if mode == "constant" else 0.0)


def pad_constant_is_zeros(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    h, w = image.shape
    out = np.zeros((h + 2 * padding, w + 2 * padding))
    out[padding:padding + h, padding:padding + w] = image
    if mode == "replicate":
        out = np.pad(image, padding, mode="edge")
    elif mode == "reflect":
        out = np.pad(image, padding, mode="reflect")
    return out  # mode "constant" falls through with zeros


def pad_every_mode_constant(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    h, w = image.shape
    out = np.full((h + 2 * padding, w + 2 * padding), float(value))
    out[padding:padding + h, padding:padding + w] = image
    return out


def pad_replicate_neighbour(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    if mode != "replicate":
        np_mode = {"reflect": "reflect"}.get(mode, "constant")
        return np.pad(image, padding, mode=np_mode) if np_mode != "constant" else np.pad(
            image, padding, constant_values=value if mode == "constant" else 0.0)
    h, w = image.shape
    p = padding
    out = np.zeros((h + 2 * p, w + 2 * p))
    out[p:p + h, p:p + w] = image
    for k in range(p):
        out[k, p:p + w] = image[1]          # the first row is image[0]
        out[p + h + k, p:p + w] = image[h - 2]
    for k in range(p):
        out[:, k] = out[:, p + 1]
        out[:, p + w + k] = out[:, p + w - 2]
    return out


def pad_replicate_far_side_from_padding(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    if mode != "replicate":
        if mode == "reflect":
            return np.pad(image, padding, mode="reflect")
        return np.pad(image, padding, constant_values=value if mode == "constant" else 0.0)
    h, w = image.shape
    p = padding
    out = np.zeros((h + 2 * p, w + 2 * p))
    out[p:p + h, p:p + w] = image
    out[:p, :] = out[p, :]
    out[p + h:, :] = out[p + h, :]            # row p + h is already padding; the last row is p + h - 1
    out[:, :p] = out[:, p:p + 1]
    out[:, p + w:] = out[:, p + w:p + w + 1]
    return out


def pad_loop_shifted_index(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    h, w = image.shape
    out = np.zeros((h + 2 * padding, w + 2 * padding))
    for i in range(h + 2 * padding):
        for j in range(w + 2 * padding):
            r, c = i - padding + 1, j - padding + 1  # shifted by one
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


def pad_corners_left_empty(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    h, w = image.shape
    p = padding
    out = np.full((h + 2 * p, w + 2 * p), value if mode == "constant" else 0.0)
    out[p:p + h, p:p + w] = image
    if p == 0 or mode in ("zeros", "constant"):
        return out
    if mode == "replicate":
        top, bottom = np.repeat(image[:1], p, axis=0), np.repeat(image[-1:], p, axis=0)
        left, right = np.repeat(image[:, :1], p, axis=1), np.repeat(image[:, -1:], p, axis=1)
    else:
        top, bottom = image[1:p + 1][::-1], image[-p - 1:-1][::-1]
        left, right = image[:, 1:p + 1][:, ::-1], image[:, -p - 1:-1][:, ::-1]
    out[:p, p:p + w], out[p + h:, p:p + w] = top, bottom  # only the edges; the corners stay 0
    out[p:p + h, :p], out[p:p + h, p + w:] = left, right
    return out


def pad_reflect_slices_far_side_repeat(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    if mode != "reflect" or padding == 0:
        if mode == "replicate":
            return np.pad(image, padding, mode="edge")
        return np.pad(image, padding, constant_values=value if mode == "constant" else 0.0)
    p = padding
    rows = np.concatenate([image[1:p + 1][::-1], image, image[-p:][::-1]], axis=0)  # bottom: image[-p-1:-1]
    return np.concatenate([rows[:, 1:p + 1][:, ::-1], rows, rows[:, -p:][:, ::-1]], axis=1)


def pad_int_output(image, padding, mode="zeros", value=0.0):
    _modes_ok(mode)
    h, w = image.shape
    out = np.zeros((h + 2 * padding, w + 2 * padding), dtype=int)
    if mode == "constant":
        out[:] = value
    out[padding:padding + h, padding:padding + w] = image
    if mode == "replicate":
        out[:] = np.pad(image, padding, mode="edge")
    elif mode == "reflect":
        out[:] = np.pad(image, padding, mode="reflect")
    return out


def pad_offset_wrong(image, padding, mode="zeros", value=0.0):
    # from the independent tester: the image copied to out[p:H, p:W], its last p rows and columns cut off
    image = np.asarray(image, dtype=float)
    H, W = image.shape
    if mode not in ("zeros", "constant", "reflect", "replicate"):
        raise ValueError("unknown mode")
    if mode in ("reflect", "replicate"):
        npmode = {"reflect": "reflect", "replicate": "edge"}[mode]
        return np.pad(image, padding, mode=npmode)
    fill = 0.0 if mode == "zeros" else value
    out = np.full((H + 2 * padding, W + 2 * padding), fill)
    out[padding:H, padding:W] = image[: H - padding, : W - padding] if padding else image
    return out


def pad_int_dtype(image, padding, mode="zeros", value=0.0):
    # from the independent tester: the output keeps the image's dtype (an integer image stays int, 0.5 becomes 0)
    image = np.asarray(image)
    H, W = image.shape
    if mode == "zeros":
        out = np.zeros((H + 2 * padding, W + 2 * padding), dtype=image.dtype)
        out[padding:padding + H, padding:padding + W] = image
        return out
    if mode == "constant":
        out = np.full((H + 2 * padding, W + 2 * padding), value, dtype=image.dtype)
        out[padding:padding + H, padding:padding + W] = image
        return out
    if mode == "reflect":
        return np.pad(image, padding, mode="reflect")
    if mode == "replicate":
        return np.pad(image, padding, mode="edge")
    raise ValueError("unknown mode")


def pad_no_mode_check(image, padding, mode="zeros", value=0.0):
    if mode == "replicate":
        return np.pad(image, padding, mode="edge")
    if mode == "reflect":
        return np.pad(image, padding, mode="reflect")
    return np.pad(image, padding, constant_values=value if mode == "constant" else 0.0)


# ----------------------------------------------------------------- correlate2d


def _pad_ok(image, padding, mode="zeros"):
    """The student's own (working) pad2d."""
    np_mode = {"zeros": "constant", "constant": "constant", "reflect": "reflect", "replicate": "edge"}[mode]
    return np.pad(np.asarray(image, dtype=float), padding, mode=np_mode)


def corr_windows_at_i_j(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)  # the window starts at (i*stride, j*stride)
    return out


def corr_windows_from_unpadded_image(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = image[i * stride:i * stride + kh, j * stride:j * stride + kw]  # should be `padded`
            out[i, j] = np.sum(window * kernel)
    return out


def corr_size_without_padding(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (image.shape[0] - kh) // stride + 1  # forgot 2*padding
    ow = (image.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(padded[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out


def corr_size_without_stride(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh, ow = padded.shape[0] - kh + 1, padded.shape[1] - kw + 1  # the stride is missing here
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(padded[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out


def corr_stride_applied_twice(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(0, oh * stride, stride):  # i already moves by the stride...
        for j in range(0, ow * stride, stride):
            window = padded[i * stride:i * stride + kh, j * stride:j * stride + kw]  # ... and is multiplied again
            out[i // stride, j // stride] = np.sum(window * kernel)
    return out


def corr_stride_ignored(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    out = np.zeros((padded.shape[0] - kh + 1, padded.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out


def corr_divided_by_kernel_sum(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = padded[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] = np.sum(window * kernel) / np.sum(kernel)  # "normalised by the kernel sum"
    return out


def corr_mean_not_sum(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.mean(padded[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out


def corr_kernel_flipped(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += padded[i * stride + a, j * stride + b] * kernel[kh - 1 - a, kw - 1 - b]
            out[i, j] = total
    return out


def corr_kernel_index_swapped(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += padded[i * stride + a, j * stride + b] * kernel[b, a]
            out[i, j] = total
    return out


def corr_matrix_product(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(padded[i * stride:i * stride + kh, j * stride:j * stride + kw] @ kernel)
    return out


def corr_width_height_confused(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    w, h = padded.shape  # rows first: H, W = shape
    kh, kw = kernel.shape
    out = np.zeros(((h - kh) // stride + 1, (w - kw) // stride + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out


def corr_square_kernel_assumed(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    k = kernel.shape[0]  # "the kernel is k x k"
    oh = (padded.shape[0] - k) // stride + 1
    ow = (padded.shape[1] - k) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(padded[i * stride:i * stride + k, j * stride:j * stride + k] * kernel)
    return out


def corr_output_indexed_x_y(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((ow, oh))  # out[x, y]
    for y in range(oh):
        for x in range(ow):
            out[x, y] = np.sum(padded[y * stride:y * stride + kh, x * stride:x * stride + kw] * kernel)
    return out


def corr_range_misses_last(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = _pad_ok(image, padding, mode)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for r in range(0, padded.shape[0] - kh, stride):  # stops one position early: needs + 1
        for c in range(0, padded.shape[1] - kw, stride):
            out[r // stride, c // stride] = np.sum(padded[r:r + kh, c:c + kw] * kernel)
    return out


def corr_padding_zeros_always(image, kernel, stride=1, padding=0, mode="zeros"):
    padded = np.pad(image.astype(float), padding)  # `mode` never used
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride + 1
    ow = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(padded[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out


def corr_pad_top_left_only(image, kernel, stride=1, padding=0, mode="zeros"):
    np_mode = {"zeros": "constant", "constant": "constant", "reflect": "reflect", "replicate": "edge"}[mode]
    padded = np.pad(image.astype(float), ((padding, 0), (padding, 0)), mode=np_mode)
    kh, kw = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw))[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, kernel)


def corr_reflect_symmetric(image, kernel, stride=1, padding=0, mode="zeros"):
    np_mode = {"zeros": "constant", "constant": "constant", "reflect": "symmetric", "replicate": "edge"}[mode]
    padded = np.pad(image.astype(float), padding, mode=np_mode)
    kh, kw = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw))[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, kernel)


def corr_vectorized_no_padding(image, kernel, stride=1, padding=0, mode="zeros"):
    windows = np.lib.stride_tricks.sliding_window_view(image.astype(float), kernel.shape)[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _size_ok(n, kernel_size, stride=1, padding=0):
    """The student's own (working) conv_output_size."""
    if n < 1 or kernel_size < 1 or stride < 1 or padding < 0 or kernel_size > n + 2 * padding:
        raise ValueError("argument out of range")
    return (n + 2 * padding - kernel_size) // stride + 1


def corr_size_from_padded(image, kernel, stride=1, padding=0, mode="zeros"):
    # from the independent tester: OH from the padded height with the padding added again; windows that run
    # off the end are skipped (left 0)
    kernel = np.asarray(kernel, dtype=float)
    xp = _pad_ok(image, padding, mode)
    KH, KW = kernel.shape
    Hp, Wp = xp.shape
    OH = _size_ok(Hp, KH, stride, padding); OW = _size_ok(Wp, KW, stride, padding)
    out = np.zeros((OH, OW))
    for i in range(OH):
        for j in range(OW):
            win = xp[i*stride:i*stride+KH, j*stride:j*stride+KW]
            if win.shape == kernel.shape:
                out[i, j] = np.sum(win * kernel)
    return out


# ----------------------------------------------------------------- mean_kernel


def _shape_of(size):
    if isinstance(size, int):
        size = (size, size)
    kh, kw = size
    if kh < 1 or kw < 1:
        raise ValueError("size must be at least 1")
    return kh, kw


def mean_pair_square_norm(size):
    # from the independent tester: for a pair (KH, KW), divided by KH*KH
    if np.isscalar(size):
        size = (size, size)
    KH, KW = size
    if KH < 1 or KW < 1:
        raise ValueError("size below 1")
    return np.ones((KH, KW)) / (KH * KH)


def mean_ones(size):
    return np.ones(_shape_of(size))


def mean_divided_by_side(size):
    kh, kw = _shape_of(size)
    return np.ones((kh, kw)) / kh


def mean_floor_division(size):
    kh, kw = _shape_of(size)
    return np.ones((kh, kw)) // (kh * kw)


def mean_width_first(size):
    kh, kw = _shape_of(size)
    return np.full((kw, kh), 1 / (kh * kw))


def mean_int_only(size):
    if size < 1:
        raise ValueError("size must be at least 1")
    return np.ones((size, size)) / size**2


def mean_no_size_check(size):
    kh, kw = (size, size) if isinstance(size, int) else size
    return np.ones((kh, kw)) / max(kh * kw, 1)


# ----------------------------------------------------------------- sobel_kernels


def sobel_returned_in_wrong_order():
    kx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    return kx.T, kx


def sobel_convolution_signs():
    kx = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
    return kx, kx.T


def sobel_ky_upside_down():
    kx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    ky = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=float)
    return kx, ky


def sobel_ky_by_rot90():
    kx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    return kx, np.rot90(kx)  # a quarter turn counter-clockwise puts the +1 column on top


def sobel_prewitt():
    kx = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=float)
    return kx, kx.T


def sobel_scaled_by_eighth():
    kx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float) / 8  # "normalised"
    return kx, kx.T


# ----------------------------------------------------------------- the bank

S, P, C, M, K = "check_conv_output_size", "check_pad2d", "check_correlate2d", "check_mean_kernel", "check_sobel_kernels"

BANK = [
    Bug(S, size_stride_ignored, "stride ignored", "no division by the stride"),
    Bug(S, size_forgot_plus_one, "forgot the +1", "no +1"),
    Bug(S, size_padding_once, "padding only on one side", "n + padding"),
    Bug(S, size_padding_forgotten, "padding ignored", "no padding term"),
    Bug(S, size_ceil, "rounded up", "np.ceil instead of floor"),
    Bug(S, size_round, "rounded up", "round() instead of floor"),
    Bug(S, size_plus_one_inside, "+1 added before dividing", "+1 inside the floor division"),
    Bug(S, size_np_floor_float, "use // (floor division)", "np.floor returns a float"),
    Bug(S, size_fit_test_without_padding, "the kernel fits once the padding is counted",
        "ValueError test ignores the padding"),
    Bug(S, size_no_stride_check, "a stride must be at least 1", "no check for stride 0"),

    Bug(P, pad_one_side, "padding only on one side", "top and left only"),
    Bug(P, pad_twice_as_much, "padded twice as much", "2*padding per side"),
    Bug(P, pad_reflect_is_symmetric, "reflect repeats the edge pixel", "np.pad 'symmetric' for reflect"),
    Bug(P, pad_reflect_replicate_swapped, "reflect vs replicate confused", "reflect and replicate swapped"),
    Bug(P, pad_constant_is_zeros, "value ignored", "constant pads with zeros"),
    Bug(P, pad_every_mode_constant, "mode ignored", "every mode pads with the constant"),
    Bug(P, pad_replicate_neighbour, "replicate copies the pixel next to the edge",
        "hand-written replicate copies image[1] and image[-2]"),
    Bug(P, pad_replicate_far_side_from_padding, "replicate leaves the bottom and right at 0",
        "out[p + h] instead of out[p + h - 1]"),
    Bug(P, pad_loop_shifted_index, "image shifted by one pixel", "source index i - padding + 1"),
    Bug(P, pad_corners_left_empty, "corners left empty", "edges copied, corners stay 0"),
    Bug(P, pad_reflect_slices_far_side_repeat, "reflect repeats the edge pixel on the bottom and right",
        "image[-p:][::-1] for the bottom"),
    Bug(P, pad_int_output, "create the output with dtype=float", "integer output array"),
    Bug(P, pad_no_mode_check, "raise ValueError otherwise", "unknown mode accepted"),
    Bug(P, pad_offset_wrong, "image copied to out[padding:H, padding:W]", "out[p:H, p:W] = image[:H-p, :W-p]"),
    Bug(P, pad_int_dtype, "create the output with dtype=float", "output made with the image's dtype"),

    Bug(C, corr_windows_at_i_j, "windows not moved by the stride", "windows start at (i, j)"),
    Bug(C, corr_windows_from_unpadded_image, "windows taken from the unpadded image",
        "size with padding, windows from `image`"),
    Bug(C, corr_size_without_padding, "output size without the padding", "padded, but OH from H alone"),
    Bug(C, corr_size_without_stride, "stride missing from the output size", "windows strided, OH without stride"),
    Bug(C, corr_stride_applied_twice, "stride applied twice", "range steps by stride and index times stride"),
    Bug(C, corr_stride_ignored, "stride ignored", "no stride at all"),
    Bug(C, corr_divided_by_kernel_sum, "divided by the kernel sum", "each output / kernel.sum()"),
    Bug(C, corr_mean_not_sum, "mean instead of sum", "np.mean of the products"),
    Bug(C, corr_kernel_flipped, "kernel flipped", "kernel[kh-1-a, kw-1-b]"),
    Bug(C, corr_kernel_index_swapped, "kernel rows and columns swapped", "kernel[b, a]"),
    Bug(C, corr_matrix_product, "matrix product instead of element-wise", "window @ kernel"),
    Bug(C, corr_width_height_confused, "height and width mixed up", "w, h = shape"),
    Bug(C, corr_square_kernel_assumed, "square kernels work, this 2x3 one does not", "k = kernel.shape[0] for both"),
    Bug(C, corr_output_indexed_x_y, "H/W swapped", "out[x, y]"),
    Bug(C, corr_range_misses_last, "last window position skipped", "range(0, H - KH, stride)"),
    Bug(C, corr_padding_zeros_always, "padding mode ignored", "np.pad zeros whatever the mode"),
    Bug(C, corr_pad_top_left_only, "padding only on one side", "pad ((p, 0), (p, 0))"),
    Bug(C, corr_reflect_symmetric, "reflect repeats the edge pixel", "'symmetric' for reflect"),
    Bug(C, corr_vectorized_no_padding, "padding ignored", "sliding windows of the unpadded image"),
    Bug(C, corr_size_from_padded, "padding counted twice in the output size",
        "OH = conv_output_size(Hp, KH, stride, padding) from the padded height"),

    Bug(M, mean_ones, "unnormalized mean kernel", "np.ones"),
    Bug(M, mean_divided_by_side, "divided by the side, not the area", "/ kh"),
    Bug(M, mean_floor_division, "integer division", "// instead of /"),
    Bug(M, mean_width_first, "H/W swapped", "shape (kw, kh)"),
    Bug(M, mean_int_only, "`size` may also be a pair (KH, KW)", "only an int size"),
    Bug(M, mean_no_size_check, "a kernel needs at least one entry", "no ValueError for size 0"),
    Bug(M, mean_pair_square_norm, "divided by KH*KH, not KH*KW", "ones / (kh * kh) for a pair"),

    Bug(K, sobel_returned_in_wrong_order, "kx and ky swapped", "return ky, kx"),
    Bug(K, sobel_convolution_signs, "sign flipped", "[1, 0, -1] columns"),
    Bug(K, sobel_ky_upside_down, "ky sign flipped", "ky positive on top"),
    Bug(K, sobel_ky_by_rot90, "ky sign flipped", "ky = np.rot90(kx)"),
    Bug(K, sobel_prewitt, "Prewitt instead of Sobel", "centre weight 1"),
    Bug(K, sobel_scaled_by_eighth, "scaled Sobel kernels", "divided by 8"),
]
