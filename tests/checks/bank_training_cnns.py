"""Realistic buggy implementations of module 04's graded functions (im2col, conv2d_forward_im2col,
build_cnn, train_one_epoch, evaluate), written the way students write them after reading the
assignment: kernel-offset loops and strided slices, sliding_window_view, a Python loop over output
positions now and then, nn.Sequential and nn.Module subclasses, the usual training-loop slips.
Each is listed with the text of the hint that names its mistake (see :mod:`checks.bank`).

The training run (``check_training_run``) grades three functions at once and takes seconds; its
bugs are the ones of ``train_one_epoch``, ``evaluate`` and ``build_cnn`` below, whose checks are fast.
"""

import numpy as np
import torch
from torch import nn

from checks.bank import Bug


def _pair(kernel_size):
    return (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def _out(h, k, stride, padding):
    return (h + 2 * padding - k) // stride + 1


def _im2col_ok(x, kernel_size, stride=1, padding=0):
    """A correct im2col, for the conv2d_forward_im2col bugs (students call their own)."""
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


# ------------------------------------------------------------------ im2col

def im2col_slice_without_step(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + oh, d:d + ow].transpose(1, 0, 2, 3)  # no ::stride
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_loop_window_at_i_j(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c * kh * kw, n * oh * ow))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i:i + kh, j:j + kw]  # starts at (i, j), not (i*stride, j*stride)
            cols[:, np.arange(n) * oh * ow + i * ow + j] = window.reshape(n, -1).T
    return cols


def im2col_no_stride_at_all(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = h + 2 * padding - kh + 1, w + 2 * padding - kw + 1
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + oh, d:d + ow].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_window_view_no_stride(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    win = np.lib.stride_tricks.sliding_window_view(_pad(x.astype(float), padding), (kh, kw), axis=(2, 3))
    n, c, oh, ow = win.shape[:4]  # forgot [:, :, ::stride, ::stride]
    return win.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * oh * ow)


def im2col_no_padding(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    x = x.astype(float)
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = x[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_pad_every_axis(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    xp = np.pad(x.astype(float), padding)  # pads N and C too
    n, c, h, w = xp.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_pad_edge(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = np.pad(x.astype(float), ((0, 0), (0, 0), (padding, padding), (padding, padding)), mode="edge")
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_pad_into_corner(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = np.zeros((n, c, h + 2 * padding, w + 2 * padding))
    xp[:, :, :h, :w] = x  # should be [padding:padding + h, padding:padding + w]
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_reshape_instead_of_transpose(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].reshape(c, n, oh, ow)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_rows_kernel_offset_first(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((kh, kw, c, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_rows_column_before_row(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kw, kh, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, d, a] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_columns_position_major(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kh, kw, oh, ow, n))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 2, 3, 0)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_image_axis_first(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((n, c, kh, kw, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, :, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride]
    return cols.reshape(c * kh * kw, n * oh * ow)  # reshape does not move the image axis


def im2col_windows_as_rows(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    win = np.lib.stride_tricks.sliding_window_view(_pad(x.astype(float), padding), (kh, kw), axis=(2, 3))
    win = win[:, :, ::stride, ::stride]
    n, c, oh, ow = win.shape[:4]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)  # one window per row; no .T


def im2col_reshaped_to_rows(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(n * oh * ow, c * kh * kw)


def im2col_view_reshaped_without_transpose(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    win = np.lib.stride_tricks.sliding_window_view(_pad(x.astype(float), padding), (kh, kw), axis=(2, 3))
    win = win[:, :, ::stride, ::stride]  # (N, C, OH, OW, KH, KW)
    n, c, oh, ow = win.shape[:4]
    return win.reshape(n * oh * ow, c * kh * kw).T


def im2col_kernel_pair_swapped(x, kernel_size, stride=1, padding=0):
    kw, kh = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_output_like_input(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x, padding)
    cols = np.zeros((c, kh, kw, n, oh, ow), dtype=x.dtype)  # integer images give integer columns
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_size_without_plus_one(x, kernel_size, stride=1, padding=0):
    kh, kw = _pair(kernel_size)
    n, c, h, w = x.shape
    oh, ow = (h + 2 * padding - kh) // stride, (w + 2 * padding - kw) // stride
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_square_kernels_only(x, kernel_size, stride=1, padding=0):
    kh = kw = kernel_size  # a pair (KH, KW) breaks range(kh)
    n, c, h, w = x.shape
    oh, ow = _out(h, kh, stride, padding), _out(w, kw, stride, padding)
    xp = _pad(x.astype(float), padding)
    cols = np.zeros((c, kh, kw, n, oh, ow))
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_loops_over_positions(x, kernel_size, stride=1, padding=0):
    # from the independent tester: right values, but a Python loop over images and output positions
    x = np.asarray(x, dtype=float); KH, KW = _pair(kernel_size); s = stride; p = padding
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    OH = (H + 2*p - KH)//s + 1; OW = (W + 2*p - KW)//s + 1
    cols = np.zeros((C*KH*KW, N*OH*OW))
    col = 0
    for n in range(N):
        for i in range(OH):
            for j in range(OW):
                cols[:, col] = xp[n, :, i*s:i*s+KH, j*s:j*s+KW].reshape(-1)
                col += 1
    return cols


# ------------------------------------------------------------------ conv2d_forward_im2col

def _sizes(x, w, stride, padding):
    f, _, kh, kw = w.shape
    return f, x.shape[0], _out(x.shape[2], kh, stride, padding), _out(x.shape[3], kw, stride, padding), kh, kw


def conv_reshape_without_transpose(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, stride, padding)
    out = w.reshape(f, -1) @ _im2col_ok(x, (kh, kw), stride, padding)  # (F, N*OH*OW)
    return out.reshape(n, f, oh, ow) + b[None, :, None, None]


def conv_bias_first_then_reshape(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, stride, padding)
    out = w.reshape(f, -1) @ _im2col_ok(x, (kh, kw), stride, padding) + b[:, None]
    return out.reshape(n, f, oh, ow)


def conv_product_T_reshaped(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, stride, padding)
    out = (w.reshape(f, -1) @ _im2col_ok(x, (kh, kw), stride, padding)).T  # (N*OH*OW, F)
    return out.reshape(n, f, oh, ow) + b[None, :, None, None]


def conv_all_axes_reversed(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, stride, padding)
    out = (w.reshape(f, -1) @ _im2col_ok(x, (kh, kw), stride, padding)).reshape(f, n, oh, ow)
    return out.T + b[None, :, None, None]


def conv_bias_forgotten(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, stride, padding)
    out = w.reshape(f, -1) @ _im2col_ok(x, (kh, kw), stride, padding)
    return out.reshape(f, n, oh, ow).transpose(1, 0, 2, 3)


def conv_kernel_flipped(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, stride, padding)
    out = w[:, :, ::-1, ::-1].reshape(f, -1) @ _im2col_ok(x, (kh, kw), stride, padding)
    return out.reshape(f, n, oh, ow).transpose(1, 0, 2, 3) + b[None, :, None, None]


def conv_weights_channel_last(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, stride, padding)
    w_mat = w.transpose(0, 2, 3, 1).reshape(f, -1)  # (F, KH*KW*C)
    out = w_mat @ _im2col_ok(x, (kh, kw), stride, padding)
    return out.reshape(f, n, oh, ow).transpose(1, 0, 2, 3) + b[None, :, None, None]


def conv_weights_reshaped_filter_last(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, stride, padding)
    w_mat = w.reshape(-1, f).T  # (F, C*KH*KW), but not each filter's own weights
    out = w_mat @ _im2col_ok(x, (kh, kw), stride, padding)
    return out.reshape(f, n, oh, ow).transpose(1, 0, 2, 3) + b[None, :, None, None]


def conv_stride_forgotten(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, 1, padding)
    out = w.reshape(f, -1) @ _im2col_ok(x, (kh, kw), padding=padding)
    return out.reshape(f, n, oh, ow).transpose(1, 0, 2, 3) + b[None, :, None, None]


def conv_padding_forgotten(x, w, b, stride=1, padding=0):
    f, n, oh, ow, kh, kw = _sizes(x, w, stride, 0)
    out = w.reshape(f, -1) @ _im2col_ok(x, (kh, kw), stride)
    return out.reshape(f, n, oh, ow).transpose(1, 0, 2, 3) + b[None, :, None, None]


# ------------------------------------------------------------------ build_cnn

def cnn_ends_with_softmax():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10), nn.Softmax(dim=1))


def cnn_ends_with_relu():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10), nn.ReLU())


def cnn_ends_with_sigmoid():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10), nn.Sigmoid())


def cnn_dense_network():
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn_convolutions_without_activation():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.AvgPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def cnn_max_pool_as_nonlinearity():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def cnn_in_features_before_pooling():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 14 * 14, 10))  # forgot the second pooling halves 14


class _ViewWrongCount(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 3 * 3, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)  # (N, 32, 7, 7), not 3x3
        return self.fc(x.view(-1, 32 * 3 * 3))


def cnn_view_with_wrong_count():
    return _ViewWrongCount()


def cnn_three_input_channels():
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 14 * 14, 10))


class _NoSuperInit(nn.Module):
    def __init__(self):
        self.conv = nn.Conv2d(1, 8, 3, padding=1)  # no super().__init__() first
        self.fc = nn.Linear(8 * 14 * 14, 10)

    def forward(self, x):
        return self.fc(torch.max_pool2d(torch.relu(self.conv(x)), 2).flatten(1))


def cnn_without_super_init():
    return _NoSuperInit()


def cnn_batchnorm_wrong_size():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def cnn_conv_channels_do_not_chain():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 14 * 14, 10)

    def forward(self, x):
        return self.fc(torch.max_pool2d(torch.relu(self.conv(x)), 2).flatten(1))


def cnn_returns_the_class():
    return _Net


class _SkipsALayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 14 * 14, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)  # conv2 never called
        return self.fc(x.flatten(1))


def cnn_layer_never_called():
    return _SkipsALayer()


def cnn_without_pooling_too_big():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
                         nn.Flatten(), nn.Linear(16 * 28 * 28, 10))


def cnn_missing_relu_after_second_conv():
    # from the independent tester: the ReLU after the second convolution forgotten (conv -> batch norm -> pool)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32*7*7, 10))


def cnn_conv_conv_no_nonlinearity():
    # from the independent tester's probes: two convolutions back to back, no activation between them
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(4), nn.Flatten(), nn.Linear(8*7*7, 10))


def cnn_last_conv_no_relu():
    # from the independent tester's probes: the last convolution goes straight to Flatten/Linear
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.Flatten(), nn.Linear(16*14*14, 10))


def cnn_in_features_rounded_up():
    # from the independent tester: in_features as if 28 -> 14 -> 7 -> 4 after three poolings (it is 3)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64*4*4, 10))


# ------------------------------------------------------------------ train_one_epoch

def train_never_zeroes(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


def train_zeroes_once_before_the_loop(model, loader, optimizer, loss_fn):
    model.train()
    optimizer.zero_grad()
    total, n = 0.0, 0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


def train_zero_grad_between_backward_and_step(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


def train_step_before_backward(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        optimizer.step()
        loss.backward()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


def train_step_after_the_loop(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        total += loss.item() * len(y)
        n += len(y)
    optimizer.step()  # indented one level too little
    return total / n


def train_mode_not_called(model, loader, optimizer, loss_fn):
    model.train  # no parentheses: does nothing
    total, n = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


def train_mean_of_batch_means(model, loader, optimizer, loss_fn):
    model.train()
    losses = []
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def train_sum_of_batch_means(model, loader, optimizer, loss_fn):
    model.train()
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total


def train_weighted_over_len_loader(model, loader, optimizer, loss_fn):
    model.train()
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
    return total / len(loader)


def train_batch_means_over_examples(model, loader, optimizer, loss_fn):
    model.train()
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader.dataset)


def train_weighted_by_nominal_batch_size(model, loader, optimizer, loss_fn):
    model.train()
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * loader.batch_size
    return total / len(loader.dataset)


def train_returns_loss_tensor(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.detach() * len(y)
        n += len(y)
    return total / n


def train_no_train_mode(model, loader, optimizer, loss_fn):
    # from the independent tester: model.train() never called (the model stays in eval mode after evaluate())
    total = 0.0; n = 0
    for x, y in loader:
        optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); optimizer.step()
        total += loss.item() * len(y); n += len(y)
    return total / n


# ------------------------------------------------------------------ evaluate

def eval_over_len_loader(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
    return correct / len(loader)


def eval_returns_count(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
    return correct


def eval_in_percent(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            n += len(y)
    return 100 * correct / n


def eval_mean_of_batch_accuracies(model, loader):
    model.eval()
    accs = []
    with torch.no_grad():
        for x, y in loader:
            accs.append((model(x).argmax(dim=1) == y).float().mean().item())
    return sum(accs) / len(accs)


def eval_without_eval_mode(model, loader):
    correct, n = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            n += len(y)
    return correct / n


def eval_mode_not_called(model, loader):
    model.eval  # no parentheses
    correct, n = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            n += len(y)
    return correct / n


def eval_with_autograd(model, loader):
    model.eval()
    correct, n = 0, 0
    for x, y in loader:
        correct += (model(x).argmax(dim=1) == y).sum().item()
        n += len(y)
    return correct / n


def eval_assigns_instead_of_adding(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct = (model(x).argmax(dim=1) == y).sum().item()  # = instead of +=
            n += len(y)
    return correct / n


def eval_counts_only_the_last_batch_size(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            n = len(y)  # = instead of +=
    return correct / n


def eval_compares_max_values(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for x, y in loader:
            pred, _ = torch.max(model(x), 1)  # the values, not the indices
            correct += (pred == y).sum().item()
            n += len(y)
    return correct / n


def eval_last_batch_accuracy(model, loader):
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            acc = (model(x).argmax(dim=1) == y).float().mean().item()
    return acc


def eval_returns_tensor(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum()
            n += len(y)
    return correct / n


# ------------------------------------------------------------------ the bank

_I, _C, _B, _T, _E = ("check_im2col", "check_conv2d_forward_im2col", "check_build_cnn", "check_train_one_epoch",
                      "check_evaluate")

BANK = [
    # im2col
    Bug(_I, im2col_slice_without_step, "windows start at (i, j)", "slices a:a+OH without ::stride"),
    Bug(_I, im2col_loop_window_at_i_j, "windows start at (i, j)", "loop: x[:, :, i:i+KH, j:j+KW], i the output row"),
    Bug(_I, im2col_no_stride_at_all, "stride ignored", "stride left out of OH and of the slices"),
    Bug(_I, im2col_window_view_no_stride, "stride ignored", "sliding_window_view without [::stride]"),
    Bug(_I, im2col_no_padding, "padding ignored", "padding forgotten everywhere"),
    Bug(_I, im2col_pad_every_axis, "np.pad(x, padding) pads every axis", "np.pad(x, p) pads N and C too"),
    Bug(_I, im2col_pad_edge, "padded with edge values", "np.pad mode='edge' instead of zeros"),
    Bug(_I, im2col_pad_into_corner, "image not centred in the padded array", "xp[:, :, :H, :W] = x"),
    Bug(_I, im2col_reshape_instead_of_transpose, "batch and channel axes mixed by a reshape",
        "(N, C, ...) slab reshaped to (C, N, ...)"),
    Bug(_I, im2col_rows_kernel_offset_first, "rows in (kernel row, kernel column, channel) order",
        "rows in (a, d, c) order"),
    Bug(_I, im2col_rows_column_before_row, "kernel column before kernel row", "rows in (c, d, a) order"),
    Bug(_I, im2col_columns_position_major, "columns in (row, column, image) order", "columns in (i, j, n) order"),
    Bug(_I, im2col_image_axis_first, "image axis first", "(N, C, KH, KW, OH, OW) reshaped directly"),
    Bug(_I, im2col_windows_as_rows, "windows as rows (transposed)", "returns (N*OH*OW, C*KH*KW)"),
    Bug(_I, im2col_reshaped_to_rows, "windows as rows (reshaped)", "reshape(N*OH*OW, C*KH*KW)"),
    Bug(_I, im2col_view_reshaped_without_transpose, "windows reshaped without moving their axes",
        "sliding_window_view reshaped without a transpose"),
    Bug(_I, im2col_loops_over_positions, "build all windows at once", "loop over images and output positions"),
    Bug(_I, im2col_kernel_pair_swapped, "kernel height and width swapped", "kw, kh = kernel_size"),
    Bug(_I, im2col_output_like_input, "create the output with dtype=float", "output dtype taken from x"),
    Bug(_I, im2col_size_without_plus_one, "output size without the + 1", "OH = (H + 2p - KH) // s"),
    Bug(_I, im2col_square_kernels_only, "KH, KW = (kernel_size, kernel_size) if isinstance",
        "kh = kw = kernel_size: a pair raises TypeError"),
    # conv2d_forward_im2col
    Bug(_C, conv_reshape_without_transpose, "without a transpose", "(F, N*OH*OW) reshaped straight to (N, F, OH, OW)"),
    Bug(_C, conv_bias_first_then_reshape, "without a transpose", "bias added, then reshaped without transpose"),
    Bug(_C, conv_product_T_reshaped, "product transposed (.T), then reshaped", "(w @ cols).T.reshape(N, F, OH, OW)"),
    Bug(_C, conv_all_axes_reversed, "all axes reversed", ".T on the (F, N, OH, OW) array"),
    Bug(_C, conv_bias_forgotten, "bias missing", "no bias"),
    Bug(_C, conv_kernel_flipped, "kernel flipped", "w[:, :, ::-1, ::-1]"),
    Bug(_C, conv_weights_channel_last, "weights reshaped in (kernel row, kernel column, channel) order",
        "w.transpose(0, 2, 3, 1).reshape(F, -1)"),
    Bug(_C, conv_weights_reshaped_filter_last, "weights reshaped to (C*KH*KW, F)", "w.reshape(-1, F).T"),
    Bug(_C, conv_stride_forgotten, "stride ignored", "stride not passed to im2col nor used in OH"),
    Bug(_C, conv_padding_forgotten, "padding ignored", "padding not passed to im2col nor used in OH"),
    # build_cnn
    Bug(_B, cnn_ends_with_softmax, "return raw scores (logits)", "nn.Softmax(dim=1) at the end"),
    Bug(_B, cnn_ends_with_relu, "nothing after the last nn.Linear", "nn.ReLU() after the last linear layer"),
    Bug(_B, cnn_ends_with_sigmoid, "nothing after the last nn.Linear", "nn.Sigmoid() at the end"),
    Bug(_B, cnn_dense_network, "this is a dense network", "no convolution"),
    Bug(_B, cnn_convolutions_without_activation, "the stack collapses to a single linear map",
        "conv and average pooling, no activation"),
    Bug(_B, cnn_max_pool_as_nonlinearity, "max pooling keeps the largest value", "conv, batch norm, max pool; no ReLU"),
    Bug(_B, cnn_in_features_before_pooling, "needs in_features = channels x height x width",
        "Linear(32*14*14) after two poolings"),
    Bug(_B, cnn_view_with_wrong_count, "a reshape does not fit", "x.view(-1, 32*3*3) on (N, 32, 7, 7) maps"),
    Bug(_B, cnn_three_input_channels, "images have 1 channel", "nn.Conv2d(3, ...)"),
    Bug(_B, cnn_without_super_init, "super().__init__()", "nn.Module subclass without super().__init__()"),
    Bug(_B, cnn_batchnorm_wrong_size, "nn.BatchNorm2d(C) needs", "BatchNorm2d(16) after a 32-channel conv"),
    Bug(_B, cnn_conv_channels_do_not_chain, "in_channels must equal", "second conv expects 32 channels, gets 16"),
    Bug(_B, cnn_returns_the_class, "not its output or its class", "returns the class, not an instance"),
    Bug(_B, cnn_layer_never_called, "every layer you create must be used in forward", "a layer defined but never called"),
    Bug(_B, cnn_missing_relu_after_second_conv, "the 2nd convolution's output goes on without an activation",
        "conv -> batch norm -> pool, no ReLU after the 2nd conv"),
    Bug(_B, cnn_conv_conv_no_nonlinearity, "the 1st convolution's output goes on without an activation",
        "two convolutions back to back"),
    Bug(_B, cnn_last_conv_no_relu, "the 2nd convolution's output goes on without an activation",
        "last conv straight into Flatten/Linear"),
    Bug(_B, cnn_in_features_rounded_up, "needs in_features = channels x height x width", "64*4*4 after 3 poolings"),
    Bug(_B, cnn_without_pooling_too_big, "pool earlier or use fewer channels", "no pooling: 125k parameters"),
    # train_one_epoch
    Bug(_T, train_never_zeroes, "gradients not zeroed", "no zero_grad()"),
    Bug(_T, train_zeroes_once_before_the_loop, "gradients not zeroed", "zero_grad() once, before the loop"),
    Bug(_T, train_zero_grad_between_backward_and_step, "a zero_grad() between backward() and step()",
        "zero_grad() between backward() and step()"),
    Bug(_T, train_step_before_backward, "A step before backward finds no gradients", "step() before backward()"),
    Bug(_T, train_step_after_the_loop, "optimizer.step() after the loop", "step() once, after the loop"),
    Bug(_T, train_mode_not_called, "model not put in training mode", "model.train without parentheses"),
    Bug(_T, train_no_train_mode, "model not put in training mode", "model.train() never called"),
    Bug(_T, train_mean_of_batch_means, "loss averaged over batches, not examples", "mean of the batch losses"),
    Bug(_T, train_sum_of_batch_means, "loss summed, not averaged", "returns the sum of the batch losses"),
    Bug(_T, train_weighted_over_len_loader, "divided by the number of batches", "weighted total / len(loader)"),
    Bug(_T, train_batch_means_over_examples, "batch means divided by the number of examples",
        "sum of batch means / len(dataset)"),
    Bug(_T, train_weighted_by_nominal_batch_size, "weighted by loader.batch_size",
        "loss.item() * loader.batch_size"),
    Bug(_T, train_returns_loss_tensor, "add loss.item() (a Python float)", "total kept as a tensor"),
    # evaluate
    Bug(_E, eval_over_len_loader, "divided by the number of batches", "correct / len(loader)"),
    Bug(_E, eval_returns_count, "returned the number of correct predictions", "no division"),
    Bug(_E, eval_in_percent, "accuracy in percent", "100 * correct / n"),
    Bug(_E, eval_mean_of_batch_accuracies, "mean of per-batch accuracies", "mean of the batch accuracies"),
    Bug(_E, eval_without_eval_mode, "model left in train mode", "no model.eval()"),
    Bug(_E, eval_mode_not_called, "model left in train mode", "model.eval without parentheses"),
    Bug(_E, eval_with_autograd, "autograd left on", "no torch.no_grad()"),
    Bug(_E, eval_assigns_instead_of_adding, "only the last batch's correct predictions counted",
        "correct = ... instead of +="),
    Bug(_E, eval_counts_only_the_last_batch_size, "divided by the last batch's size", "n = len(y) instead of +="),
    Bug(_E, eval_compares_max_values, "compare the predicted class", "torch.max(...)[0] compared with y"),
    Bug(_E, eval_last_batch_accuracy, "returned the last batch's accuracy", "accuracy of the last batch"),
    Bug(_E, eval_returns_tensor, "(pred == y).sum().item()", "count kept as a tensor"),
]
