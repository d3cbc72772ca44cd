"""Realistic buggy implementations of module 02's graded functions (02_convolution_layers), with the
hint text that names each mistake (see :mod:`checks.bank`).

Written the way students write them in the assignment: loops over images, filters and positions,
slices, np.pad, np.where; the slips are the usual ones (a window start without the stride, padding
on one side, the +1 of the output-size formula, np.max for np.maximum, the -1 of ELU, overflow in
np.where's unused branch, a pooling stride that defaults to 1, a receptive field that starts at 0).
"""

import numpy as np
from checks.bank import Bug

# ----------------------------------------------------------------- conv2d_forward_naive


def conv_window_start_without_stride(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    out[n, f, i, j] = np.sum(xp[n, :, i:i + KH, j:j + KW] * w[f]) + b[f]  # i, not i*stride
    return out


def conv_every_position(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.zeros((N, F, H + 2 * padding - KH + 1, W + 2 * padding - KW + 1))
    for n in range(N):
        for f in range(F):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    out[n, f, i, j] = np.sum(xp[n, :, i:i + KH, j:j + KW] * w[f]) + b[f]
    return out


def conv_padding_never_used(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    OH, OW = (H - KH) // stride + 1, (W - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = x[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f]) + b[f]
    return out


def conv_padded_but_size_unpadded(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H - KH) // stride + 1, (W - KW) // stride + 1  # padding left out of the formula
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f]) + b[f]
    return out


def conv_padding_one_side(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, 0), (padding, 0)))
    OH, OW = (xp.shape[2] - KH) // stride + 1, (xp.shape[3] - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f]) + b[f]
    return out


def conv_edge_padding(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), mode="edge")
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f]) + b[f]
    return out


def conv_size_without_plus_one(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride, (W + 2 * padding - KW) // stride
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f]) + b[f]
    return out


def conv_bias_inside_channel_loop(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    for c in range(C):
                        win = xp[n, c, i * stride:i * stride + KH, j * stride:j * stride + KW]
                        out[n, f, i, j] += np.sum(win * w[f, c]) + b[f]
    return out


def conv_mean_of_window(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.mean(win * w[f]) + b[f]
    return out


def conv_kernel_flipped(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            k = w[f, :, ::-1, ::-1]  # the lecture's "real" convolution
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * k) + b[f]
    return out


def conv_bias_indexed_by_image(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f]) + b[n]  # typo: n for f
    return out


def conv_integer_output(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW), int)
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f]) + b[f]
    return out


def conv_first_channel_only(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, 0, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f, 0]) + b[f]
    return out


def conv_output_indexed_j_i(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OW, OH))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, j, i] = np.sum(win * w[f]) + b[f]
    return out


def conv_pad_every_axis(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, padding)  # pads N and C too
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f]) + b[f]
    return out


def conv_loop_over_input_rows(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(0, xp.shape[2] - KH + 1, stride):
                for j in range(0, xp.shape[3] - KW + 1, stride):
                    out[n, f, i, j] = np.sum(xp[n, :, i:i + KH, j:j + KW] * w[f]) + b[f]  # i is an input row
    return out


def conv_overwrite_channels(x, w, b, stride=1, padding=0):
    # from the independent tester: `=` instead of `+=` in the channel loop: only the last input channel counts
    x = np.asarray(x, float); w = np.asarray(w, float)
    N, C, H, W = x.shape; F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH = (H + 2*padding - KH)//stride + 1; OW = (W + 2*padding - KW)//stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    for c in range(C):
                        out[n, f, i, j] = np.sum(xp[n, c, i*stride:i*stride+KH, j*stride:j*stride+KW] * w[f, c])
                    out[n, f, i, j] += b[f]
    return out


def conv_plus_one_inside(x, w, b, stride=1, padding=0):
    # from the independent tester: output size written as (H + 2p - KH + 1) // stride
    x = np.asarray(x, float); w = np.asarray(w, float)
    N, C, H, W = x.shape; F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH = (H + 2*padding - KH + 1)//stride; OW = (W + 2*padding - KW + 1)//stride
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    out[n, f, i, j] = np.sum(xp[n, :, i*stride:i*stride+KH, j*stride:j*stride+KW] * w[f]) + b[f]
    return out


# ----------------------------------------------------------------- activations


def relu_np_max(x):
    return np.max(x, 0)


def relu_step_function(x):
    return (x > 0) * 1.0


def leaky_relu_fixed_slope(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x)


def leaky_relu_constant_alpha(x, alpha=0.01):
    return np.where(x > 0, x, alpha)


def leaky_relu_in_place(x, alpha=0.01):
    x[x < 0] *= alpha
    return x


def elu_without_minus_one(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)))


def elu_alpha_not_used(x, alpha=1.0):
    return np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)


def elu_brackets(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)) - 1)


def sigmoid_exp_ratio(x):
    return np.exp(x) / (1 + np.exp(x))


def sigmoid_where_both_branches(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def sigmoid_plus_sign(x):
    return 1 / (1 + np.exp(x))


def sigmoid_only_positive_branch(x):
    z = np.exp(-np.abs(x))
    return 1 / (1 + z)


def tanh_exp_minus_2x(x):
    return (1 - np.exp(-2 * x)) / (1 + np.exp(-2 * x))


def tanh_half_difference(x):
    return (np.exp(x) - np.exp(-x)) / 2


def tanh_abs_only(x):
    z = np.exp(-2 * np.abs(x))
    return (1 - z) / (1 + z)


# ----------------------------------------------------------------- pooling


def max_pool_ignores_stride(x, kernel_size=2, stride=None):
    # from the independent tester: `stride` ignored, the windows always step by kernel_size
    k = kernel_size; s = kernel_size
    N, C, H, W = x.shape; OH = (H-k)//s+1; OW = (W-k)//s+1
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = x[:, :, i*s:i*s+k, j*s:j*s+k].max(axis=(2, 3))
    return out


def max_pool_default_stride_one(x, kernel_size=2, stride=None):
    if stride is None:
        stride = 1
    N, C, H, W = x.shape
    OH, OW = (H - kernel_size) // stride + 1, (W - kernel_size) // stride + 1
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            win = x[:, :, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            out[:, :, i, j] = win.max(axis=(2, 3))
    return out


def max_pool_window_start_without_stride(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    OH, OW = (H - kernel_size) // s + 1, (W - kernel_size) // s + 1
    out = np.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    out[n, c, i, j] = np.max(x[n, c, i:i + kernel_size, j:j + kernel_size])
    return out


def max_pool_ceil_size(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    OH, OW = int(np.ceil((H - kernel_size) / s)) + 1, int(np.ceil((W - kernel_size) / s)) + 1
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = x[:, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size].max(axis=(2, 3))
    return out


def max_pool_all_channels_in_window(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    OH, OW = (H - kernel_size) // s + 1, (W - kernel_size) // s + 1
    out = np.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    out[n, c, i, j] = np.max(x[n, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size])
    return out


def max_pool_size_without_plus_one(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    OH, OW = (H - kernel_size) // s, (W - kernel_size) // s
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = x[:, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size].max(axis=(2, 3))
    return out


def max_pool_no_axis(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    OH, OW = (H - kernel_size) // s + 1, (W - kernel_size) // s + 1
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = np.max(x[:, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size])
    return out


def avg_pool_window_sum(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    OH, OW = (H - kernel_size) // s + 1, (W - kernel_size) // s + 1
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = x[:, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size].sum(axis=(2, 3))
    return out


def avg_pool_divided_by_k(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    OH, OW = (H - kernel_size) // s + 1, (W - kernel_size) // s + 1
    out = np.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    win = x[n, c, i * s:i * s + kernel_size, j * s:j * s + kernel_size]
                    out[n, c, i, j] = np.sum(win) / kernel_size
    return out


def avg_pool_reshape_only(x, kernel_size=2, stride=None):
    k, (N, C, H, W) = kernel_size, x.shape
    OH, OW = H // k, W // k
    return x[:, :, :OH * k, :OW * k].reshape(N, C, OH, k, OW, k).mean(axis=(3, 5))


def avg_pool_reshape_split_wrong(x, kernel_size=2, stride=None):
    k, (N, C, H, W) = kernel_size, x.shape
    OH, OW = H // k, W // k
    return x[:, :, :OH * k, :OW * k].reshape(N, C, k, OH, k, OW).mean(axis=(2, 4))


def _my_conv(x, w, b, stride=1, padding=0):
    """The student's own (correct) convolution, used by avg_pool_as_conv."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    win = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(win * w[f]) + b[f]
    return out


def as_conv_ones_everywhere(x, kernel_size):
    C = x.shape[1]
    w = np.ones((C, C, kernel_size, kernel_size)) / kernel_size**2
    return _my_conv(x, w, np.zeros(C), stride=kernel_size)


def as_conv_default_stride(x, kernel_size):
    C = x.shape[1]
    w = np.zeros((C, C, kernel_size, kernel_size))
    for c in range(C):
        w[c, c] = 1 / kernel_size**2
    return _my_conv(x, w, np.zeros(C))


def as_conv_divided_by_k(x, kernel_size):
    C = x.shape[1]
    w = np.zeros((C, C, kernel_size, kernel_size))
    for c in range(C):
        w[c, c] = 1 / kernel_size
    return _my_conv(x, w, np.zeros(C), stride=kernel_size)


# ----------------------------------------------------------------- flatten


def flatten_everything(x):
    return x.reshape(-1)


def flatten_channels_last(x):
    return x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1)


def flatten_four_axes_assumed(x):
    return x.reshape(x.shape[0], x.shape[1] * x.shape[2] * x.shape[3])


# ----------------------------------------------------------------- count_params


def count_conv_bias_forgotten(layers, input_shape):
    c, h, w = input_shape
    rows, n_in = [], None
    for L in layers:
        if L["type"] == "conv":
            k, s, p = L["kernel_size"], L.get("stride", 1), L.get("padding", 0)
            h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
            weights = L["filters"] * c * k * k
            c = L["filters"]
            rows.append(((c, h, w), weights, 0))  # forgot the F biases
        elif L["type"] in ("maxpool", "avgpool"):
            k = L["kernel_size"]
            s = L.get("stride") or k
            h, w = (h - k) // s + 1, (w - k) // s + 1
            rows.append(((c, h, w), 0, 0))
        elif L["type"] == "flatten":
            n_in = c * h * w
            rows.append(((n_in,), 0, 0))
        elif L["type"] == "dense":
            rows.append(((L["units"],), n_in * L["units"], L["units"]))
            n_in = L["units"]
        else:
            rows.append((rows[-1][0] if rows else tuple(input_shape), 0, 0))
    return rows


def count_channels_not_updated(layers, input_shape):
    # from the independent tester: C read once from input_shape and never updated: the 2nd conv uses the
    # input's channel count
    C, H, W = input_shape; res = []; flat = None
    for L in layers:
        t = L["type"]
        if t == "conv":
            K = L["kernel_size"]; S = L.get("stride", 1); P = L.get("padding", 0); F = L["filters"]
            H, W = (H+2*P-K)//S+1, (W+2*P-K)//S+1
            res.append(((F, H, W), F*C*K*K, F)); Cout = F
        elif t in ("maxpool", "avgpool"):
            K = L["kernel_size"]; S = L.get("stride", K)
            H, W = (H-K)//S+1, (W-K)//S+1
            res.append(((Cout if res else C, H, W), 0, 0))
        elif t == "flatten":
            c_now = res[-1][0][0] if res else C
            flat = c_now*H*W; res.append(((flat,), 0, 0))
        elif t == "dense":
            U = L["units"]; res.append(((U,), flat*U, U)); flat = U
        else:
            res.append((res[-1][0] if res else (C, H, W), 0, 0))
    return res


def count_conv_without_channels(layers, input_shape):
    shape, rows = tuple(input_shape), []
    for L in layers:
        t = L["type"]
        if t == "conv":
            F, K = L["filters"], L["kernel_size"]
            S, P = L.get("stride", 1), L.get("padding", 0)
            shape = (F, (shape[1] + 2 * P - K) // S + 1, (shape[2] + 2 * P - K) // S + 1)
            rows.append((shape, F * K * K, F))  # one K x K kernel per filter
        elif t in ("maxpool", "avgpool"):
            K = L["kernel_size"]
            S = L.get("stride") or K
            shape = (shape[0], (shape[1] - K) // S + 1, (shape[2] - K) // S + 1)
            rows.append((shape, 0, 0))
        elif t == "flatten":
            shape = (int(np.prod(shape)),)
            rows.append((shape, 0, 0))
        elif t == "dense":
            rows.append(((L["units"],), shape[0] * L["units"], L["units"]))
            shape = (L["units"],)
        else:
            rows.append((shape, 0, 0))
    return rows


def count_pool_stride_default_one(layers, input_shape):
    shape, rows = tuple(input_shape), []
    for L in layers:
        t = L["type"]
        if t in ("conv", "maxpool", "avgpool"):
            K, S, P = L["kernel_size"], L.get("stride", 1), L.get("padding", 0)  # pooling too
            C = L["filters"] if t == "conv" else shape[0]
            weights = L["filters"] * shape[0] * K * K if t == "conv" else 0
            shape = (C, (shape[1] + 2 * P - K) // S + 1, (shape[2] + 2 * P - K) // S + 1)
            rows.append((shape, weights, C if t == "conv" else 0))
        elif t == "flatten":
            shape = (int(np.prod(shape)),)
            rows.append((shape, 0, 0))
        elif t == "dense":
            rows.append(((L["units"],), shape[0] * L["units"], L["units"]))
            shape = (L["units"],)
        else:
            rows.append((shape, 0, 0))
    return rows


def count_biases_in_weights(layers, input_shape):
    shape, rows = tuple(input_shape), []
    for L in layers:
        t = L["type"]
        if t == "conv":
            F, K = L["filters"], L["kernel_size"]
            S, P = L.get("stride", 1), L.get("padding", 0)
            weights = F * shape[0] * K * K + F
            shape = (F, (shape[1] + 2 * P - K) // S + 1, (shape[2] + 2 * P - K) // S + 1)
            rows.append((shape, weights, F))
        elif t in ("maxpool", "avgpool"):
            K = L["kernel_size"]
            S = L.get("stride") or K
            shape = (shape[0], (shape[1] - K) // S + 1, (shape[2] - K) // S + 1)
            rows.append((shape, 0, 0))
        elif t == "flatten":
            shape = (shape[0] * shape[1] * shape[2],)
            rows.append((shape, 0, 0))
        elif t == "dense":
            rows.append(((L["units"],), (shape[0] + 1) * L["units"], L["units"]))  # +1 for the bias
            shape = (L["units"],)
        else:
            rows.append((shape, 0, 0))
    return rows


def count_shapes_channels_last(layers, input_shape):
    c, h, w = input_shape
    rows, flat = [], None
    for L in layers:
        t = L["type"]
        if t == "conv":
            k, s, p = L["kernel_size"], L.get("stride", 1), L.get("padding", 0)
            h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
            rows.append(((h, w, L["filters"]), L["filters"] * c * k * k, L["filters"]))
            c = L["filters"]
        elif t in ("maxpool", "avgpool"):
            k = L["kernel_size"]
            s = L.get("stride") or k
            h, w = (h - k) // s + 1, (w - k) // s + 1
            rows.append(((h, w, c), 0, 0))
        elif t == "flatten":
            flat = c * h * w
            rows.append(((flat,), 0, 0))
        elif t == "dense":
            rows.append(((L["units"],), flat * L["units"], L["units"]))
            flat = L["units"]
        else:
            rows.append((rows[-1][0] if rows else (h, w, c), 0, 0))
    return rows


def count_flatten_shape_not_a_tuple(layers, input_shape):
    c, h, w = input_shape
    rows, flat = [], None
    for L in layers:
        t = L["type"]
        if t == "conv":
            k, s, p = L["kernel_size"], L.get("stride", 1), L.get("padding", 0)
            h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
            rows.append(((L["filters"], h, w), L["filters"] * c * k * k, L["filters"]))
            c = L["filters"]
        elif t in ("maxpool", "avgpool"):
            k = L["kernel_size"]
            s = L.get("stride") or k
            h, w = (h - k) // s + 1, (w - k) // s + 1
            rows.append(((c, h, w), 0, 0))
        elif t == "flatten":
            flat = c * h * w
            rows.append(((flat), 0, 0))  # (flat) is an int, not a 1-tuple
        elif t == "dense":
            rows.append(((L["units"]), flat * L["units"], L["units"]))
            flat = L["units"]
        else:
            rows.append((rows[-1][0] if rows else (c, h, w), 0, 0))
    return rows


def count_activations_skipped(layers, input_shape):
    shape, rows = tuple(input_shape), []
    for L in layers:
        t = L["type"]
        if t == "conv":
            F, K = L["filters"], L["kernel_size"]
            S, P = L.get("stride", 1), L.get("padding", 0)
            weights = F * shape[0] * K * K
            shape = (F, (shape[1] + 2 * P - K) // S + 1, (shape[2] + 2 * P - K) // S + 1)
            rows.append((shape, weights, F))
        elif t in ("maxpool", "avgpool"):
            K = L["kernel_size"]
            S = L.get("stride") or K
            shape = (shape[0], (shape[1] - K) // S + 1, (shape[2] - K) // S + 1)
            rows.append((shape, 0, 0))
        elif t == "flatten":
            shape = (int(np.prod(shape)),)
            rows.append((shape, 0, 0))
        elif t == "dense":
            rows.append(((L["units"],), shape[0] * L["units"], L["units"]))
            shape = (L["units"],)
        # relu: nothing to count, so no row
    return rows


# ----------------------------------------------------------------- receptive_field


def rf_jump_never_used(layers):
    size, jump, rows = 1, 1, []
    for L in layers:
        if L["type"] != "relu":
            k = L["kernel_size"]
            s = L.get("stride") or (1 if L["type"] == "conv" else k)
            size += k - 1
            jump *= s
        rows.append((size, jump))
    return rows


def rf_adds_kernel_size(layers):
    size, jump, rows = 1, 1, []
    for L in layers:
        if L["type"] != "relu":
            k = L["kernel_size"]
            s = L.get("stride") or (1 if L["type"] == "conv" else k)
            size += k * jump
            jump *= s
        rows.append((size, jump))
    return rows


def rf_jump_first(layers):
    size, jump, rows = 1, 1, []
    for L in layers:
        if L["type"] != "relu":
            k = L["kernel_size"]
            jump *= L.get("stride") or (1 if L["type"] == "conv" else k)
            size += (k - 1) * jump
        rows.append((size, jump))
    return rows


def rf_pool_stride_default_one(layers):
    size, jump, rows = 1, 1, []
    for L in layers:
        if L["type"] in ("conv", "maxpool", "avgpool"):
            size += (L["kernel_size"] - 1) * jump
            jump *= L.get("stride", 1)
        rows.append((size, jump))
    return rows


def rf_starts_at_zero(layers):
    size, jump, rows = 0, 1, []
    for L in layers:
        if L["type"] != "relu":
            k = L["kernel_size"]
            s = L.get("stride") or (1 if L["type"] == "conv" else k)
            size += (k - 1) * jump
            jump *= s
        rows.append((size, jump))
    return rows


def rf_adds_padding(layers):
    size, jump, rows = 1, 1, []
    for L in layers:
        if L["type"] != "relu":
            k = L["kernel_size"]
            s = L.get("stride") or (1 if L["type"] == "conv" else k)
            size += (k - 1) * jump + 2 * L.get("padding", 0)
            jump *= s
        rows.append((size, jump))
    return rows


CONV = "check_conv2d_forward_naive"
BANK = [
    Bug(CONV, conv_window_start_without_stride, "windows not strided", "window at (i, j), not (i*stride, j*stride)"),
    Bug(CONV, conv_every_position, "stride ignored", "output size and windows without the stride"),
    Bug(CONV, conv_padding_never_used, "padding ignored", "padding argument never used"),
    Bug(CONV, conv_padded_but_size_unpadded, "output size without padding", "pads, but OH without 2*padding"),
    Bug(CONV, conv_padding_one_side, "padding on one side only", "np.pad before only"),
    Bug(CONV, conv_edge_padding, "padded with edge values", "np.pad mode='edge'"),
    Bug(CONV, conv_size_without_plus_one, "+1 missing in the output size", "OH = (H + 2p - KH) // s"),
    Bug(CONV, conv_bias_inside_channel_loop, "bias added per channel", "bias added in the channel loop"),
    Bug(CONV, conv_mean_of_window, "mean instead of sum", "np.mean of window * w[f]"),
    Bug(CONV, conv_kernel_flipped, "kernel flipped", "true convolution"),
    Bug(CONV, conv_bias_indexed_by_image, "bias of the wrong filter", "b[n] instead of b[f]"),
    Bug(CONV, conv_integer_output, "create the output with dtype=float", "integer output array"),
    Bug(CONV, conv_first_channel_only, "channels not summed", "only channel 0"),
    Bug(CONV, conv_output_indexed_j_i, "H/W swapped", "out[n, f, j, i] in an (OW, OH) array"),
    Bug(CONV, conv_pad_every_axis, "np.pad(x, p) pads N and C too", "np.pad(x, padding): IndexError/ValueError"),
    Bug(CONV, conv_overwrite_channels, "only the last input channel counts", "= instead of += over the channels"),
    Bug(CONV, conv_plus_one_inside, "+1 added before dividing by the stride", "OH = (H + 2p - KH + 1) // stride"),
    Bug(CONV, conv_loop_over_input_rows, "loop i over range(OH)", "loop over input rows by stride, out[.., i, j]"),
    Bug("check_relu", relu_np_max, "np.max instead of np.maximum", "np.max(x, 0)"),
    Bug("check_relu", relu_step_function, "returns the mask", "(x > 0) * 1.0"),
    Bug("check_leaky_relu", leaky_relu_fixed_slope, "alpha ignored", "0.01 hard-coded"),
    Bug("check_leaky_relu", leaky_relu_constant_alpha, "alpha instead of alpha * x", "np.where(x > 0, x, alpha)"),
    Bug("check_leaky_relu", leaky_relu_in_place, "work on a copy", "x[x < 0] *= alpha on the input"),
    Bug("check_elu", elu_without_minus_one, "forgot the -1", "alpha * exp(x)"),
    Bug("check_elu", elu_alpha_not_used, "alpha ignored", "exp(x) - 1 without alpha"),
    Bug("check_elu", elu_brackets, "alpha * exp(x) - 1", "brackets: alpha * exp(x) - 1"),
    Bug("check_sigmoid", sigmoid_exp_ratio, "sigmoid overflow", "exp(x) / (1 + exp(x)) overflows"),
    Bug("check_sigmoid", sigmoid_where_both_branches, "np.where computes both branches", "np.where of both formulas"),
    Bug("check_sigmoid", sigmoid_plus_sign, "sign error", "1 / (1 + exp(x))"),
    Bug("check_sigmoid", sigmoid_only_positive_branch, "negative branch missing", "1 / (1 + exp(-|x|)) everywhere"),
    Bug("check_tanh", tanh_exp_minus_2x, "inf/inf is nan", "(1 - e^-2x) / (1 + e^-2x) overflows"),
    Bug("check_tanh", tanh_half_difference, "sinh instead of tanh", "(e^x - e^-x) / 2"),
    Bug("check_tanh", tanh_abs_only, "sign of x lost", "stable formula without the sign"),
    Bug("check_max_pool2d_forward", max_pool_ignores_stride, "stride always = kernel_size", "always steps by K"),
    Bug("check_max_pool2d_forward", max_pool_default_stride_one, "stride ignored", "stride None -> 1"),
    Bug("check_max_pool2d_forward", max_pool_window_start_without_stride, "windows not strided", "window at (i, j)"),
    Bug("check_max_pool2d_forward", max_pool_ceil_size, "partial windows at the edge kept", "ceil in the output size"),
    Bug("check_max_pool2d_forward", max_pool_all_channels_in_window, "pooled across channels", "x[n, :, window]"),
    Bug("check_max_pool2d_forward", max_pool_size_without_plus_one, "+1 missing in the output size",
        "OH = (H - K) // s"),
    Bug("check_max_pool2d_forward", max_pool_no_axis, "over all images and channels", "np.max without axis"),
    Bug("check_avg_pool2d_forward", avg_pool_window_sum, "sum instead of mean", "window sum"),
    Bug("check_avg_pool2d_forward", avg_pool_divided_by_k, "divided by K instead of K²", "sum / kernel_size"),
    Bug("check_avg_pool2d_forward", avg_pool_reshape_only, "stride always = kernel_size", "reshape trick, no stride"),
    Bug("check_avg_pool2d_forward", avg_pool_reshape_split_wrong, "reshape splits the axes in the wrong order",
        "reshape(N, C, K, OH, K, OW)"),
    Bug("check_avg_pool_as_conv", as_conv_ones_everywhere, "channels mixed", "w = ones / K² on every channel pair"),
    Bug("check_avg_pool_as_conv", as_conv_default_stride, "stride not set", "conv with the default stride 1"),
    Bug("check_avg_pool_as_conv", as_conv_divided_by_k, "divided by K instead of K²", "w[c, c] = 1 / K"),
    Bug("check_flatten_forward", flatten_everything, "batch flattened too", "x.reshape(-1)"),
    Bug("check_flatten_forward", flatten_channels_last, "channels-last order", "transpose to NHWC first"),
    Bug("check_flatten_forward", flatten_four_axes_assumed, "x.reshape(x.shape[0], -1)", "shape[1]*shape[2]*shape[3]"),
    Bug("check_count_params", count_conv_bias_forgotten, "bias forgotten", "conv biases 0"),
    Bug("check_count_params", count_channels_not_updated, "channels not updated after a conv layer",
        "C from input_shape for every conv"),
    Bug("check_count_params", count_conv_without_channels, "input channels ignored", "F*K*K conv weights"),
    Bug("check_count_params", count_pool_stride_default_one, "pooling stride defaults to 1",
        "L.get('stride', 1) for pooling"),
    Bug("check_count_params", count_biases_in_weights, "biases counted in the weights", "(inputs + 1) * units"),
    Bug("check_count_params", count_shapes_channels_last, "channels-last shapes", "(OH, OW, F) output shapes"),
    Bug("check_count_params", count_flatten_shape_not_a_tuple, "not (n)", "(flat) instead of (flat,)"),
    Bug("check_count_params", count_activations_skipped, "activation layers need a row too", "no row for relu"),
    Bug("check_receptive_field", rf_jump_never_used, "jump ignored", "size += K - 1"),
    Bug("check_receptive_field", rf_adds_kernel_size, "adding K instead of K - 1", "size += K * jump"),
    Bug("check_receptive_field", rf_jump_first, "jump updated too early", "jump *= S before size += ..."),
    Bug("check_receptive_field", rf_pool_stride_default_one, "pooling stride defaults to 1", "L.get('stride', 1)"),
    Bug("check_receptive_field", rf_starts_at_zero, "started from size 0", "size = 0 at the start"),
    Bug("check_receptive_field", rf_adds_padding, "padding counted", "size += ... + 2 * padding"),
]
