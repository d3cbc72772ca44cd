"""Module 03 (backprop): realistic buggy implementations of the graded functions, each with the hint
text that names its mistake (see :mod:`checks.bank`).

Written the way students write them: loops over windows and entries, slices with off-by-ones,
wrong axes, a forgotten term, a confused definition.  More bugs for the functions worth more
points (max-pool, conv, toy gradients).  Only numpy is imported: the toy network's start
(``init_toy_params``) is re-typed below as a student's copy of the helper.
"""

import numpy as np
from checks.bank import Bug

# ================================================================= relu_backward


def relu_bw_relu_of_dout(dout, x):
    return np.maximum(dout, 0)  # the ReLU applied to the gradient


def relu_bw_ge_zero(dout, x):
    dx = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        if x[idx] >= 0:
            dx[idx] = dout[idx]
    return dx


def relu_bw_times_relu(dout, x):
    return dout * np.maximum(x, 0)  # "the derivative of relu(x) is relu(x)"


def relu_bw_mask_in_place(dout, x):
    x[x > 0] = 1
    x[x <= 0] = 0
    return dout * x


# ================================================================= flatten_backward


def flat_bw_identity(dout, x_shape):
    return dout  # "flatten has no parameters, so nothing to do"


def flat_bw_channels_last(dout, x_shape):
    n, c, h, w = x_shape
    return dout.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def flat_bw_hw_swapped(dout, x_shape):
    n, c, w, h = x_shape  # unpacked in the wrong order
    return dout.reshape(n, c, h, w)


# ================================================================= max_pool2d_backward


def pool_bw_every_cell(dout, x, kernel_size=2, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    dx = np.zeros(x.shape)
    n_, c_, oh, ow = dout.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    dx[n, c, i * s:i * s + k, j * s:j * s + k] += dout[n, c, i, j]
    return dx


def pool_bw_upsampled_mask(dout, x, kernel_size=2, stride=None):
    """The popular vectorized version: compare x with the upsampled maxima."""
    k = kernel_size
    n, c, h, w = x.shape
    pooled = x.reshape(n, c, h // k, k, w // k, k).max(axis=(3, 5))
    mask = x == pooled.repeat(k, axis=2).repeat(k, axis=3)
    return mask * dout.repeat(k, axis=2).repeat(k, axis=3)


def pool_bw_last_max(dout, x, kernel_size=2, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    dx = np.zeros_like(x, dtype=float)
    for n, c, i, j in np.ndindex(*dout.shape):
        best, bi, bj = -np.inf, 0, 0
        for a in range(k):
            for b in range(k):
                if x[n, c, i * s + a, j * s + b] >= best:
                    best, bi, bj = x[n, c, i * s + a, j * s + b], a, b
        dx[n, c, i * s + bi, j * s + bj] += dout[n, c, i, j]
    return dx


def pool_bw_assigns(dout, x, kernel_size=2, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    dx = np.zeros_like(x, dtype=float)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * s:i * s + k, j * s:j * s + k]
        r, q = np.unravel_index(np.argmax(win), win.shape)
        dx[n, c, i * s + r, j * s + q] = dout[n, c, i, j]
    return dx


def pool_bw_step_is_kernel(dout, x, kernel_size=2, stride=None):
    k = kernel_size
    dx = np.zeros_like(x, dtype=float)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * k:(i + 1) * k, j * k:(j + 1) * k]
        r, q = np.unravel_index(np.argmax(win), win.shape)
        dx[n, c, i * k + r, j * k + q] += dout[n, c, i, j]
    return dx


def pool_bw_stride_default_one(dout, x, kernel_size=2, stride=None):
    if stride is None:
        stride = 1
    k, s = kernel_size, stride
    dx = np.zeros_like(x, dtype=float)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * s:i * s + k, j * s:j * s + k]
        r, q = np.unravel_index(np.argmax(win), win.shape)
        dx[n, c, i * s + r, j * s + q] += dout[n, c, i, j]
    return dx


def pool_bw_no_window_offset(dout, x, kernel_size=2, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    dx = np.zeros_like(x, dtype=float)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * s:i * s + k, j * s:j * s + k]
        r, q = np.unravel_index(np.argmax(win), win.shape)
        dx[n, c, r, q] += dout[n, c, i, j]  # position inside the window, not in x
    return dx


def pool_bw_output_size_no_plus_one(dout, x, kernel_size=2, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    n_, c_, h, w = x.shape
    oh, ow = (h - k) // s, (w - k) // s
    dx = np.zeros_like(x, dtype=float)
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    win = x[n, c, i * s:i * s + k, j * s:j * s + k]
                    r, q = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * s + r, j * s + q] += dout[n, c, i, j]
    return dx


def pool_bw_unravel_swapped(dout, x, kernel_size=2, stride=None):
    # from the independent tester: argmax unravelled the wrong way round (a = idx % k, d = idx // k)
    k = kernel_size; s = k if stride is None else stride
    N, C, OH, OW = dout.shape; dx = np.zeros_like(x, dtype=float)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    idx = int(np.argmax(x[n, c, i*s:i*s+k, j*s:j*s+k]))
                    a, d = idx % k, idx // k
                    dx[n, c, i*s+a, j*s+d] += dout[n, c, i, j]
    return dx


# ================================================================= conv2d_backward


def _conv_loops(dout, x, w, stride, padding, *, step=None, flip_dw=False, assign_dx=False, reset_dw=False):
    """The usual four loops; the keywords are the slips the bugs below make."""
    kh, kw = w.shape[2:]
    st = stride if step is None else step
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxp, dw = np.zeros(xp.shape), np.zeros(w.shape)
    n_, f_, oh, ow = dout.shape
    for n in range(n_):
        if reset_dw:
            dw = np.zeros(w.shape)
        for f in range(f_):
            for i in range(oh):
                for j in range(ow):
                    rows, cols = slice(i * st, i * st + kh), slice(j * st, j * st + kw)
                    window = xp[n, :, rows, cols]
                    dw[f] += dout[n, f, i, j] * (window[:, ::-1, ::-1] if flip_dw else window)
                    if assign_dx:
                        dxp[n, :, rows, cols] = dout[n, f, i, j] * w[f]
                    else:
                        dxp[n, :, rows, cols] += dout[n, f, i, j] * w[f]
    return dxp, dw


def _crop(dxp, padding, h, w):
    return dxp[:, :, padding:padding + h, padding:padding + w]


def conv_bw_db_per_image(dout, x, w, stride=1, padding=0):
    dxp, dw = _conv_loops(dout, x, w, stride, padding)
    return _crop(dxp, padding, *x.shape[2:]), dw, dout.sum(axis=(2, 3))


def conv_bw_db_mean(dout, x, w, stride=1, padding=0):
    dxp, dw = _conv_loops(dout, x, w, stride, padding)
    return _crop(dxp, padding, *x.shape[2:]), dw, dout.mean(axis=(0, 2, 3))


def conv_bw_dw_reset_per_image(dout, x, w, stride=1, padding=0):
    dxp, dw = _conv_loops(dout, x, w, stride, padding, reset_dw=True)
    return _crop(dxp, padding, *x.shape[2:]), dw, dout.sum(axis=(0, 2, 3))


def conv_bw_dx_full_conv_unflipped(dout, x, w, stride=1, padding=0):
    """dx as a full convolution of the dilated dout with w, but w was not rotated."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = dout.shape[2:]
    dil = np.zeros((n, f, (oh - 1) * stride + 1, (ow - 1) * stride + 1))
    dil[:, :, ::stride, ::stride] = dout
    hp, wp = h + 2 * padding, wd + 2 * padding
    big = np.pad(dil, ((0, 0), (0, 0), (kh - 1, hp - dil.shape[2]), (kw - 1, wp - dil.shape[3])))
    dxp = np.zeros((n, c, hp, wp))
    for i in range(hp):
        for j in range(wp):
            dxp[:, :, i, j] = np.einsum("nfkl,fckl->nc", big[:, :, i:i + kh, j:j + kw], w)
    _, dw = _conv_loops(dout, x, w, stride, padding)
    return _crop(dxp, padding, h, wd), dw, dout.sum(axis=(0, 2, 3))


def conv_bw_dw_flipped(dout, x, w, stride=1, padding=0):
    dxp, dw = _conv_loops(dout, x, w, stride, padding, flip_dw=True)
    return _crop(dxp, padding, *x.shape[2:]), dw, dout.sum(axis=(0, 2, 3))


def conv_bw_stride_ignored(dout, x, w, stride=1, padding=0):
    dxp, dw = _conv_loops(dout, x, w, stride, padding, step=1)
    return _crop(dxp, padding, *x.shape[2:]), dw, dout.sum(axis=(0, 2, 3))


def conv_bw_dx_not_cropped(dout, x, w, stride=1, padding=0):
    dxp, dw = _conv_loops(dout, x, w, stride, padding)
    return dxp, dw, dout.sum(axis=(0, 2, 3))


def conv_bw_crop_minus_p(dout, x, w, stride=1, padding=0):
    dxp, dw = _conv_loops(dout, x, w, stride, padding)
    return dxp[:, :, padding:-padding, padding:-padding], dw, dout.sum(axis=(0, 2, 3))


def conv_bw_dx_assigned(dout, x, w, stride=1, padding=0):
    dxp, dw = _conv_loops(dout, x, w, stride, padding, assign_dx=True)
    return _crop(dxp, padding, *x.shape[2:]), dw, dout.sum(axis=(0, 2, 3))


def conv_bw_db_mean_over_batch(dout, x, w, stride=1, padding=0):
    # from the independent tester: db averaged over the batch instead of summed
    dxp, dw = _conv_loops(dout, x, w, stride, padding)
    return _crop(dxp, padding, *x.shape[2:]), dw, dout.sum(axis=(2, 3)).mean(axis=0)


def conv_bw_dw_unpadded(dout, x, w, stride=1, padding=0):
    # from the independent tester: dw from windows of the unpadded x (padded only at the end, so the windows fit)
    N, C, H, W = x.shape; F, _, KH, KW = w.shape; _, _, OH, OW = dout.shape; s = stride; p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))).astype(float)
    xu = np.pad(x.astype(float), ((0, 0), (0, 0), (0, 2*p), (0, 2*p)))  # same size, but not shifted
    dxp = np.zeros_like(xp); dw = np.zeros(w.shape); db = dout.sum(axis=(0, 2, 3))
    for i in range(OH):
        for j in range(OW):
            win = xu[:, :, i*s:i*s+KH, j*s:j*s+KW]
            dw += np.tensordot(dout[:, :, i, j], win, axes=([0], [0]))
            dxp[:, :, i*s:i*s+KH, j*s:j*s+KW] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    return dxp[:, :, p:p+H, p:p+W], dw, db


def conv_bw_dx_no_stride(dout, x, w, stride=1, padding=0):
    # from the independent tester: dx scattered at (i, j) instead of (i*stride, j*stride); dw is right
    N, C, H, W = x.shape; F, _, KH, KW = w.shape; _, _, OH, OW = dout.shape; s = stride; p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))).astype(float)
    dxp = np.zeros_like(xp); dw = np.zeros(w.shape); db = dout.sum(axis=(0, 2, 3))
    for i in range(OH):
        for j in range(OW):
            win = xp[:, :, i*s:i*s+KH, j*s:j*s+KW]
            dw += np.tensordot(dout[:, :, i, j], win, axes=([0], [0]))
            dxp[:, :, i:i+KH, j:j+KW] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    return dxp[:, :, p:p+H, p:p+W], dw, db


# ================================================================= dense_backward


def dense_bw_dw_transposed(dout, x, w):
    return dout @ w.T, dout.T @ x, dout.sum(axis=0)


def dense_bw_dx_no_transpose(dout, x, w):
    return dout @ w, x.T @ dout, dout.sum(axis=0)


def dense_bw_dw_over_n(dout, x, w):
    return dout @ w.T, x.T @ dout / len(x), dout.sum(axis=0)


def dense_bw_db_is_dout(dout, x, w):
    return dout @ w.T, x.T @ dout, dout


def dense_bw_db_axis1(dout, x, w):
    return dout @ w.T, x.T @ dout, np.sum(dout, axis=1)


# ================================================================= sigmoid_bce_backward


def _sigmoid_ok(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def bce_bw_no_mean(z, y):
    return _sigmoid_ok(z) - y


def bce_bw_sign(z, y):
    return (y - _sigmoid_ok(z)) / len(z)


def bce_bw_naive_sigmoid(z, y):
    return (1 / (1 + np.exp(-z)) - y) / len(z)


def bce_bw_mean_of_batch(z, y):
    return np.mean(_sigmoid_ok(z) - y)


def bce_bw_dloss_dyhat(z, y):
    s = _sigmoid_ok(z)
    return (-y / s + (1 - y) / (1 - s)) / len(z)


# ================================================================= numerical_gradient


def num_not_restored(f, x, h=1e-5):
    # from the independent tester: +h, then -2h, but the entry is never put back (x ends shifted by -h)
    g = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        x[idx] += h; fp = f(x)
        x[idx] -= 2*h; fm = f(x)
        g[idx] = (fp - fm) / (2*h)
    return g


def num_forward(f, x, h=1e-5):
    grad = np.zeros_like(x)
    fx = f(x)
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xp[idx] += h
        grad[idx] = (f(xp) - fx) / h
    return grad


def num_minus_at_x(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = f(x)
        x[idx] = old  # meant x - h
        minus = f(x)
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def num_all_entries_at_once(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        grad[idx] = (f(x + h) - f(x - h)) / (2 * h)
    return grad


def num_flat_list(f, x, h=1e-5):
    grads = []
    for k in range(x.size):
        xp, xm = x.copy().ravel(), x.copy().ravel()
        xp[k] += h
        xm[k] -= h
        grads.append((f(xp.reshape(x.shape)) - f(xm.reshape(x.shape))) / (2 * h))
    return np.array(grads)


def num_rows(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def num_own_step(f, x, h=1e-5):
    eps = 1e-5
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = f(x)
        x[idx] = old - eps
        minus = f(x)
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def num_over_h(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / h
    return grad


# ================================================================= the toy network


def _toy_conv(image, w):
    z = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            z[i, j] = np.sum(image[i:i + 3, j:j + 3] * w)
    return z


def _toy_pool(a):
    return a.reshape(2, 2, 2, 2).max(axis=(1, 3))


def toy_fwd_no_relu(params, image):
    z1 = _toy_conv(image, params["w"]) + params["b"]
    h = _toy_pool(z1).ravel()
    return float(_sigmoid_ok(h @ params["v"] + params["c"]))


def toy_fwd_avg_pool(params, image):
    a1 = np.maximum(_toy_conv(image, params["w"]) + params["b"], 0)
    h = a1.reshape(2, 2, 2, 2).mean(axis=(1, 3)).ravel()
    return float(_sigmoid_ok(h @ params["v"] + params["c"]))


def toy_fwd_convolve_flipped(params, image):
    w = params["w"]
    z1 = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            for a in range(3):
                for b in range(3):
                    z1[i, j] += image[i + a, j + b] * w[2 - a, 2 - b]  # the textbook convolution
    a1 = np.maximum(z1 + params["b"], 0)
    return float(_sigmoid_ok(_toy_pool(a1).ravel() @ params["v"] + params["c"]))


def toy_fwd_no_c(params, image):
    a1 = np.maximum(_toy_conv(image, params["w"]) + params["b"], 0)
    return float(_sigmoid_ok(_toy_pool(a1).ravel() @ params["v"]))


def toy_fwd_sigmoid_sign(params, image):
    a1 = np.maximum(_toy_conv(image, params["w"]) + params["b"], 0)
    z = _toy_pool(a1).ravel() @ params["v"] + params["c"]
    return float(1 / (1 + np.exp(z)))


def _toy_pass(params, image, label):
    z1 = _toy_conv(image, params["w"]) + params["b"]
    a1 = np.maximum(z1, 0)
    pooled = _toy_pool(a1)
    h = pooled.ravel()
    z = h @ params["v"] + params["c"]
    yhat = _sigmoid_ok(np.array(z))
    loss = float(np.maximum(z, 0) - z * label + np.log1p(np.exp(-abs(z))))
    return z1, a1, h, float(yhat), loss


def _route_argmax(a1, dpooled):
    da1 = np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            win = a1[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            r, q = np.unravel_index(np.argmax(win), (2, 2))
            da1[2 * i + r, 2 * j + q] += dpooled[i, j]
    return da1


def _dw(image, dz1):
    return np.array([[np.sum(dz1 * image[a:a + 4, b:b + 4]) for b in range(3)] for a in range(3)])


def toy_grads_no_relu_backward(params, image, label):
    # from the independent tester: the ReLU backward forgotten: the gradient goes straight from the pool to the conv
    z1, a1, h, yhat, loss = _toy_pass(params, image, label)
    dz = yhat - label
    dz1 = _route_argmax(a1, (dz * params["v"]).reshape(2, 2))
    return loss, {"w": _dw(image, dz1), "b": dz1.sum(), "v": dz * h, "c": dz}


def toy_grads_sign(params, image, label):
    z1, a1, h, yhat, loss = _toy_pass(params, image, label)
    dz = label - yhat
    dz1 = _route_argmax(a1, (dz * params["v"]).reshape(2, 2)) * (z1 > 0)
    return loss, {"w": _dw(image, dz1), "b": dz1.sum(), "v": dz * h, "c": dz}


def toy_grads_pool_every_cell(params, image, label):
    z1, _, h, yhat, loss = _toy_pass(params, image, label)
    dz = yhat - label
    da1 = np.kron((dz * params["v"]).reshape(2, 2), np.ones((2, 2)))  # upsampled, no argmax
    dz1 = da1 * (z1 > 0)
    return loss, {"w": _dw(image, dz1), "b": dz1.sum(), "v": dz * h, "c": dz}


def toy_grads_mask_from_gradient(params, image, label):
    _, a1, h, yhat, loss = _toy_pass(params, image, label)
    dz = yhat - label
    da1 = _route_argmax(a1, (dz * params["v"]).reshape(2, 2))
    dz1 = np.maximum(da1, 0)
    return loss, {"w": _dw(image, dz1), "b": dz1.sum(), "v": dz * h, "c": dz}


def toy_grads_dw_flipped(params, image, label):
    z1, a1, h, yhat, loss = _toy_pass(params, image, label)
    dz = yhat - label
    dz1 = _route_argmax(a1, (dz * params["v"]).reshape(2, 2)) * (z1 > 0)
    dw = np.zeros((3, 3))
    for a in range(3):
        for b in range(3):
            dw[a, b] = np.sum(dz1 * image[2 - a:6 - a, 2 - b:6 - b])
    return loss, {"w": dw, "b": dz1.sum(), "v": dz * h, "c": dz}


def toy_grads_db_mean(params, image, label):
    z1, a1, h, yhat, loss = _toy_pass(params, image, label)
    dz = yhat - label
    dz1 = _route_argmax(a1, (dz * params["v"]).reshape(2, 2)) * (z1 > 0)
    return loss, {"w": _dw(image, dz1), "b": dz1.mean(), "v": dz * h, "c": dz}


def toy_grads_dv_dh_swapped(params, image, label):
    z1, a1, h, yhat, loss = _toy_pass(params, image, label)
    dz = yhat - label
    dv, dh = dz * params["v"], dz * h  # the two products mixed up
    dz1 = _route_argmax(a1, dh.reshape(2, 2)) * (z1 > 0)
    return loss, {"w": _dw(image, dz1), "b": dz1.sum(), "v": dv, "c": dz}


def toy_grads_loss_label_one(params, image, label):
    z1, a1, h, yhat, _ = _toy_pass(params, image, label)
    loss = -np.log(yhat)  # the label-0 term forgotten
    dz = yhat - label
    dz1 = _route_argmax(a1, (dz * params["v"]).reshape(2, 2)) * (z1 > 0)
    return loss, {"w": _dw(image, dz1), "b": dz1.sum(), "v": dz * h, "c": dz}


# ================================================================= train_toy


def _init_toy_params(seed=0):
    """A student's copy of cnncourse.helpers.toy_net.init_toy_params (the bank imports no cnncourse)."""
    rng = np.random.default_rng(seed)
    return {"w": rng.normal(0, 0.3, size=(3, 3)), "b": np.array(0.5), "v": np.zeros(4), "c": np.array(0.0)}


def _grads_ok(params, image, label):
    z1, a1, h, yhat, loss = _toy_pass(params, image, label)
    dz = yhat - label
    dz1 = _route_argmax(a1, (dz * params["v"]).reshape(2, 2)) * (z1 > 0)
    return loss, {"w": _dw(image, dz1), "b": dz1.sum(), "v": dz * h, "c": dz}


def train_plus_gradient(images, labels, lr=0.5, steps=100, seed=0):
    params = _init_toy_params(seed)
    losses = []
    for _ in range(steps):
        total, mean = 0.0, {k: 0.0 for k in params}
        for image, label in zip(images, labels):
            loss, g = _grads_ok(params, image, int(label))
            total += loss
            for k in params:
                mean[k] = mean[k] + g[k] / len(images)
        losses.append(total / len(images))
        for k in params:
            params[k] = params[k] + lr * mean[k]
    return params, losses


def train_summed_gradients(images, labels, lr=0.5, steps=100, seed=0):
    params = _init_toy_params(seed)
    losses = []
    for _ in range(steps):
        total, summed = 0.0, {k: 0.0 for k in params}
        for image, label in zip(images, labels):
            loss, g = _grads_ok(params, image, int(label))
            total += loss
            for k in params:
                summed[k] = summed[k] + g[k]
        losses.append(total / len(images))
        params = {k: params[k] - lr * summed[k] for k in params}
    return params, losses


def train_grads_not_reset(images, labels, lr=0.5, steps=100, seed=0):
    params = _init_toy_params(seed)
    losses = []
    mean = {k: 0.0 for k in params}  # created once, outside the step loop
    for _ in range(steps):
        total = 0.0
        for image, label in zip(images, labels):
            loss, g = _grads_ok(params, image, int(label))
            total += loss
            for k in params:
                mean[k] = mean[k] + g[k] / len(images)
        losses.append(total / len(images))
        params = {k: params[k] - lr * mean[k] for k in params}
    return params, losses


def train_last_image_gradient(images, labels, lr=0.5, steps=100, seed=0):
    params = _init_toy_params(seed)
    losses = []
    for _ in range(steps):
        total = 0.0
        for image, label in zip(images, labels):
            loss, grads = _grads_ok(params, image, int(label))  # overwritten by every image
            total += loss
        losses.append(total / len(images))
        params = {k: params[k] - lr * grads[k] for k in params}
    return params, losses


def train_per_image_updates(images, labels, lr=0.5, steps=100, seed=0):
    params = _init_toy_params(seed)
    losses = []
    for _ in range(steps):
        total = 0.0
        for image, label in zip(images, labels):
            loss, g = _grads_ok(params, image, int(label))
            total += loss
            params = {k: params[k] - lr * g[k] for k in params}
        losses.append(total / len(images))
    return params, losses


def train_losses_summed(images, labels, lr=0.5, steps=100, seed=0):
    params = _init_toy_params(seed)
    losses = []
    for _ in range(steps):
        total, mean = 0.0, {k: 0.0 for k in params}
        for image, label in zip(images, labels):
            loss, g = _grads_ok(params, image, int(label))
            total += loss
            for k in params:
                mean[k] = mean[k] + g[k] / len(images)
        losses.append(total)
        params = {k: params[k] - lr * mean[k] for k in params}
    return params, losses


# ================================================================= the bank

_R, _F, _P, _C = "check_relu_backward", "check_flatten_backward", "check_max_pool2d_backward", "check_conv2d_backward"
_D, _B, _N = "check_dense_backward", "check_sigmoid_bce_backward", "check_numerical_gradient"
_TF, _TG, _T = "check_toy_forward", "check_toy_gradients", "check_train_toy"

BANK = [
    Bug(_R, relu_bw_relu_of_dout, "mask taken from dout instead of the input", "ReLU applied to dout"),
    Bug(_R, relu_bw_ge_zero, "gradient at 0 taken as 1", "x >= 0 instead of x > 0"),
    Bug(_R, relu_bw_times_relu, "multiplied by x", "dout * relu(x)"),
    Bug(_R, relu_bw_mask_in_place, "work on a copy", "mask built in x in place"),
    Bug(_F, flat_bw_identity, "not reshaped", "returned dout as is"),
    Bug(_F, flat_bw_channels_last, "channels-last order", "reshaped to (N, H, W, C) then transposed"),
    Bug(_F, flat_bw_hw_swapped, "H and W swapped", "x_shape unpacked as N, C, W, H"),
    Bug(_P, pool_bw_every_cell, "gradient sent to every cell of the pooling window", "whole window gets dout"),
    Bug(_P, pool_bw_upsampled_mask, "ties counted twice", "vectorized x == upsampled max"),
    Bug(_P, pool_bw_last_max, "last maximum instead of the first", ">= while scanning the window"),
    Bug(_P, pool_bw_assigns, "overlapping windows overwrite instead of adding", "= instead of +="),
    Bug(_P, pool_bw_step_is_kernel, "stride ignored", "windows step by kernel_size"),
    Bug(_P, pool_bw_stride_default_one, "stride=None taken as 1", "stride None -> 1"),
    Bug(_P, pool_bw_no_window_offset, "window offset forgotten", "argmax position not shifted by i*stride"),
    Bug(_P, pool_bw_unravel_swapped, "argmax unravelled the wrong way round", "a = idx % k, d = idx // k"),
    Bug(_P, pool_bw_output_size_no_plus_one, "last row and column of windows skipped", "OH = (H - k) // s, no + 1"),
    Bug(_C, conv_bw_db_per_image, "db not summed over the batch", "db = dout.sum(axis=(2, 3))"),
    Bug(_C, conv_bw_db_mean, "db averaged instead of summed", "db = dout.mean(...)"),
    Bug(_C, conv_bw_db_mean_over_batch, "db averaged over the batch", "db = dout.sum(axis=(2, 3)).mean(axis=0)"),
    Bug(_C, conv_bw_dw_unpadded, "dw from windows of the unpadded x", "dw's windows from x, dx's from xpad"),
    Bug(_C, conv_bw_dx_no_stride, "dx windows not moved by the stride", "dxpad[:, :, i:i+KH, j:j+KW] += ..."),
    Bug(_C, conv_bw_dw_reset_per_image, "dw only from the last image", "dw = zeros inside the image loop"),
    Bug(_C, conv_bw_dx_full_conv_unflipped, "dx without the kernel flip", "full conv with w not rotated"),
    Bug(_C, conv_bw_dw_flipped, "dw with the kernel flipped", "window flipped in dw"),
    Bug(_C, conv_bw_stride_ignored, "stride ignored in backward", "windows at (i, j)"),
    Bug(_C, conv_bw_dx_not_cropped, "dx not cropped", "returned dxpad"),
    Bug(_C, conv_bw_crop_minus_p, "cropped with [p:-p]", "dxpad[:, :, p:-p, p:-p] with p = 0"),
    Bug(_C, conv_bw_dx_assigned, "dx windows overwritten instead of added", "dxpad[...] = instead of +="),
    Bug(_D, dense_bw_dw_transposed, "dw transposed", "dw = dout.T @ x"),
    Bug(_D, dense_bw_dx_no_transpose, "dx with w instead of w.T", "dx = dout @ w"),
    Bug(_D, dense_bw_dw_over_n, "dw averaged over the batch", "dw divided by N"),
    Bug(_D, dense_bw_db_is_dout, "db keeps the batch axis", "db = dout"),
    Bug(_D, dense_bw_db_axis1, "db summed over the wrong axis", "db = dout.sum(axis=1)"),
    Bug(_B, bce_bw_no_mean, "sum instead of mean", "no / N"),
    Bug(_B, bce_bw_sign, "sign error", "y - sigmoid(z)"),
    Bug(_B, bce_bw_naive_sigmoid, "compute sigmoid without overflow", "1 / (1 + exp(-z)) overflows"),
    Bug(_B, bce_bw_mean_of_batch, "averaged into one number", "np.mean(sigmoid(z) - y)"),
    Bug(_B, bce_bw_dloss_dyhat, "gradient w.r.t. ŷ instead of z", "dL/dŷ returned"),
    Bug(_N, num_not_restored, "work on a copy", "x[idx] never put back"),
    Bug(_N, num_forward, "forward differences", "(f(x + h) - f(x)) / h"),
    Bug(_N, num_minus_at_x, "f(x - h) evaluated at x", "restored x before the minus side"),
    Bug(_N, num_all_entries_at_once, "every entry nudged at once", "f(x + h) with scalar h"),
    Bug(_N, num_flat_list, "gradient returned flat", "list of partials, not reshaped"),
    Bug(_N, num_rows, "only the first axis looped over", "for i in range(len(x))"),
    Bug(_N, num_own_step, "h ignored", "a hard-coded eps = 1e-5 instead of h"),
    Bug(_N, num_over_h, "divided by h instead of 2h", "/ h"),
    Bug(_TF, toy_fwd_no_relu, "ReLU forgotten", "no ReLU"),
    Bug(_TF, toy_fwd_avg_pool, "average pooling instead of max", "mean pooling"),
    Bug(_TF, toy_fwd_convolve_flipped, "kernel flipped (true convolution)", "w[2 - a, 2 - b]"),
    Bug(_TF, toy_fwd_no_c, "dense bias c forgotten", "no + c"),
    Bug(_TF, toy_fwd_sigmoid_sign, "sigmoid with exp(+z)", "1 / (1 + exp(z))"),
    Bug(_TG, toy_grads_no_relu_backward, "ReLU backward skipped", "no ReLU mask"),
    Bug(_TG, toy_grads_sign, "sign error in the loss gradient", "dz = y - ŷ"),
    Bug(_TG, toy_grads_pool_every_cell, "gradient sent to every cell of the pooling window", "np.kron upsampling"),
    Bug(_TG, toy_grads_mask_from_gradient, "ReLU mask taken from the gradient", "np.maximum(da1, 0)"),
    Bug(_TG, toy_grads_dw_flipped, "dw with the kernel flipped", "image[2 - a:6 - a]"),
    Bug(_TG, toy_grads_db_mean, "db averaged over positions", "db = dz1.mean()"),
    Bug(_TG, toy_grads_dv_dh_swapped, "dv and dh swapped", "dv = dz * v, dh = dz * h"),
    Bug(_TG, toy_grads_loss_label_one, "loss for label 1 only", "loss = -log(ŷ)"),
    Bug(_T, train_plus_gradient, "sign error in the update", "params + lr * grad"),
    Bug(_T, train_summed_gradients, "gradients summed instead of averaged", "no / M"),
    Bug(_T, train_grads_not_reset, "gradients not reset between steps", "mean grads created once"),
    Bug(_T, train_last_image_gradient, "gradient of the last image only", "grads overwritten per image"),
    Bug(_T, train_per_image_updates, "updated after every image", "SGD instead of full batch"),
    Bug(_T, train_losses_summed, "losses summed instead of averaged", "total loss recorded"),
]
