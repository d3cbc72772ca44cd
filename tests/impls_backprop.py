"""Student-style implementations for module 03: correct ones and buggy ones."""

import numpy as np

from cnncourse.helpers.toy_net import init_toy_params

# ----------------------------------------------------------------- relu_backward


def relu_bw_ok(dout, x):
    return dout * (x > 0)


def relu_bw_where(dout, x):
    return np.where(x > 0, dout, 0.0)


def relu_bw_dout_mask(dout, x):
    return dout * (dout > 0)


def relu_bw_mask(dout, x):
    return (x > 0).astype(float)


def relu_bw_identity(dout, x):
    return dout.copy()


def relu_bw_times_x(dout, x):
    return dout * np.maximum(x, 0)


def relu_bw_geq(dout, x):
    return dout * (x >= 0)


def relu_bw_inplace(dout, x):
    dout[x <= 0] = 0.0
    return dout


# ----------------------------------------------------------------- flatten_backward


def flat_bw_ok(dout, x_shape):
    return dout.reshape(x_shape)


def flat_bw_loop(dout, x_shape):
    out = np.zeros(x_shape)
    for n in range(x_shape[0]):
        out[n] = dout[n].reshape(x_shape[1:])
    return out


def flat_bw_none(dout, x_shape):
    return dout


def flat_bw_nhwc(dout, x_shape):
    if len(x_shape) != 4:
        return dout.reshape(x_shape)
    n, c, h, w = x_shape
    return dout.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def flat_bw_fortran(dout, x_shape):
    return np.reshape(dout, x_shape, order="F")


def flat_bw_transpose(dout, x_shape):
    return dout.T.reshape(x_shape)


def flat_bw_ravel(dout, x_shape):
    return dout.ravel()


# ----------------------------------------------------------------- max_pool2d_backward


def pool_bw_ok(dout, x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    dx = np.zeros_like(x, dtype=float)
    n, c, oh, ow = dout.shape
    for a in range(n):
        for b in range(c):
            for i in range(oh):
                for j in range(ow):
                    win = x[a, b, i * s:i * s + kernel_size, j * s:j * s + kernel_size]
                    r, q = np.unravel_index(np.argmax(win), win.shape)
                    dx[a, b, i * s + r, j * s + q] += dout[a, b, i, j]
    return dx


def pool_bw_every_cell(dout, x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    dx = np.zeros_like(x, dtype=float)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size] += dout[:, :, i, j][..., None, None]
    return dx


def pool_bw_all_ties(dout, x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    dx = np.zeros_like(x, dtype=float)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            win = x[:, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size]
            mask = win == win.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size] += mask * dout[:, :, i, j][..., None, None]
    return dx


def pool_bw_average(dout, x, kernel_size=2, stride=None):
    return pool_bw_every_cell(dout, x, kernel_size, stride) / kernel_size**2


def pool_bw_overwrite(dout, x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    dx = np.zeros_like(x, dtype=float)
    n, c, oh, ow = dout.shape
    for a in range(n):
        for b in range(c):
            for i in range(oh):
                for j in range(ow):
                    win = x[a, b, i * s:i * s + kernel_size, j * s:j * s + kernel_size]
                    r, q = np.unravel_index(np.argmax(win), win.shape)
                    dx[a, b, i * s + r, j * s + q] = dout[a, b, i, j]  # = instead of +=
    return dx


def pool_bw_no_stride(dout, x, kernel_size=2, stride=None):
    return pool_bw_ok(dout, x, kernel_size, kernel_size)


# ----------------------------------------------------------------- conv2d_backward


def conv_bw_ok(dout, x, w, stride=1, padding=0):
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxp, dw = np.zeros_like(xp, dtype=float), np.zeros_like(w, dtype=float)
    n, f, oh, ow = dout.shape
    for a in range(n):
        for k in range(f):
            for i in range(oh):
                for j in range(ow):
                    sl = (a, slice(None), slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw))
                    dw[k] += dout[a, k, i, j] * xp[sl]
                    dxp[sl] += dout[a, k, i, j] * w[k]
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]], dw, db


def conv_bw_full_conv(dout, x, w, stride=1, padding=0):
    """dx as the full convolution of the (dilated) dout with the rotated kernel; dw by correlation."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = dout.shape[2:]
    dil = np.zeros((n, f, (oh - 1) * stride + 1, (ow - 1) * stride + 1))
    dil[:, :, ::stride, ::stride] = dout
    hp, wp = h + 2 * padding, wd + 2 * padding
    big = np.pad(dil, ((0, 0), (0, 0), (kh - 1, hp - dil.shape[2]), (kw - 1, wp - dil.shape[3])))
    rot = w[:, :, ::-1, ::-1]
    dxp = np.zeros((n, c, hp, wp))
    for i in range(hp):
        for j in range(wp):
            dxp[:, :, i, j] = np.einsum("nfkl,fckl->nc", big[:, :, i:i + kh, j:j + kw], rot)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dw = np.zeros_like(w, dtype=float)
    for a in range(kh):
        for b in range(kw):
            patch = xp[:, :, a:a + dil.shape[2], b:b + dil.shape[3]]
            dw[:, :, a, b] = np.einsum("nfij,ncij->fc", dil, patch)
    return dxp[:, :, padding:padding + h, padding:padding + wd], dw, dout.sum(axis=(0, 2, 3))


def conv_bw_db_first_image(dout, x, w, stride=1, padding=0):
    dx, dw, _ = conv_bw_ok(dout, x, w, stride, padding)
    return dx, dw, dout[0].sum(axis=(1, 2))


def conv_bw_dw_first_image(dout, x, w, stride=1, padding=0):
    dx, _, db = conv_bw_ok(dout, x, w, stride, padding)
    return dx, conv_bw_ok(dout[:1], x[:1], w, stride, padding)[1], db


def conv_bw_no_flip(dout, x, w, stride=1, padding=0):
    _, dw, db = conv_bw_ok(dout, x, w, stride, padding)
    return conv_bw_ok(dout, x, w[:, :, ::-1, ::-1], stride, padding)[0], dw, db


def conv_bw_no_stride(dout, x, w, stride=1, padding=0):
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxp, dw = np.zeros_like(xp, dtype=float), np.zeros_like(w, dtype=float)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dw += np.einsum("nf,nckl->fckl", dout[:, :, i, j], xp[:, :, i:i + kh, j:j + kw])
            dxp[:, :, i:i + kh, j:j + kw] += np.einsum("nf,fckl->nckl", dout[:, :, i, j], w)
    return dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]], dw, dout.sum(axis=(0, 2, 3))


def conv_bw_db_mean(dout, x, w, stride=1, padding=0):
    dx, dw, _ = conv_bw_ok(dout, x, w, stride, padding)
    return dx, dw, dout.mean(axis=(0, 2, 3))


# ----------------------------------------------------------------- dense_backward


def dense_bw_ok(dout, x, w):
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def dense_bw_einsum(dout, x, w):
    return np.einsum("nm,dm->nd", dout, w), np.einsum("nd,nm->dm", x, dout), np.einsum("nm->m", dout)


def dense_bw_dw_t(dout, x, w):
    return dout @ w.T, dout.T @ x, dout.sum(axis=0)


def dense_bw_first_example(dout, x, w):
    return dout @ w.T, np.outer(x[0], dout[0]), dout.sum(axis=0)


def dense_bw_avg(dout, x, w):
    return dout @ w.T, x.T @ dout / x.shape[0], dout.sum(axis=0)


def dense_bw_db(dout, x, w):
    return dout @ w.T, x.T @ dout, dout[0]


def dense_bw_dx(dout, x, w):
    return dout @ w if w.shape[0] == w.shape[1] else dout @ w.T, x.T @ dout, dout.sum(axis=0)


# ----------------------------------------------------------------- sigmoid_bce_backward


def _stable_sigmoid(z):
    out = np.empty_like(z, dtype=float)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1 + e)
    return out


def bce_bw_ok(z, y):
    return (_stable_sigmoid(z) - y) / len(z)


def bce_bw_tanh(z, y):
    return (0.5 * (1 + np.tanh(z / 2)) - y) / z.size


def bce_bw_sum(z, y):
    return _stable_sigmoid(z) - y


def bce_bw_sign(z, y):
    return (y - _stable_sigmoid(z)) / len(z)


def bce_bw_logit(z, y):
    return (z - y) / len(z)


def bce_bw_naive(z, y):
    return (1 / (1 + np.exp(-z)) - y) / len(z)


def bce_bw_extra_derivative(z, y):
    s = _stable_sigmoid(z)
    return s * (1 - s) * (s - y) / len(z)


# ----------------------------------------------------------------- numerical_gradient


def num_ok(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def num_copies(f, x, h=1e-5):
    grad = np.zeros(x.size)
    flat = x.ravel()
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        grad[k] = (f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * h)
    return grad.reshape(x.shape)


def num_forward(f, x, h=1e-5):
    grad = np.zeros_like(x)
    fx = f(x)
    for i in np.ndindex(x.shape):
        y = x.copy()
        y[i] += h
        grad[i] = (f(y) - fx) / h
    return grad


def num_no_restore(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)  # forgot to put x[i] back
        grad[i] = (plus - minus) / (2 * h)
    return grad


def num_over_h(f, x, h=1e-5):
    return num_ok(f, x, h) * 2


def num_fixed_h(f, x, h=1e-5):
    return num_ok(f, x, 1e-3)


def num_all_at_once(f, x, h=1e-5):
    return np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))


# ----------------------------------------------------------------- the toy network


def _forward(p, image, pool="max", relu=True, flip=False, sigmoid=True, bias=True):
    w = p["w"][::-1, ::-1] if flip else p["w"]
    z1 = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            z1[i, j] = np.sum(image[i:i + 3, j:j + 3] * w) + (p["b"] if bias else 0)
    a1 = np.maximum(z1, 0) if relu else z1
    pooled = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            win = a1[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            pooled[i, j] = win.max() if pool == "max" else win.mean()
    z = pooled.ravel() @ p["v"] + (p["c"] if bias else 0)
    return z1, a1, pooled, z, (1 / (1 + np.exp(-z)) if sigmoid else z)


def toy_fwd_ok(params, image):
    return float(_forward(params, image)[-1])


def toy_fwd_no_relu(params, image):
    return float(_forward(params, image, relu=False)[-1])


def toy_fwd_avg(params, image):
    return float(_forward(params, image, pool="avg")[-1])


def toy_fwd_flip(params, image):
    return float(_forward(params, image, flip=True)[-1])


def toy_fwd_logit(params, image):
    return float(_forward(params, image, sigmoid=False)[-1])


def toy_fwd_no_bias(params, image):
    return float(_forward(params, image, bias=False)[-1])


def toy_fwd_array(params, image):
    return np.array([_forward(params, image)[-1]])  # a 1-element array is accepted


def _toy_grads(params, image, label, dz_rule=None, pool_rule=None, relu_rule=None, db_rule=None):
    z1, a1, pooled, z, yhat = _forward(params, image)
    with np.errstate(divide="ignore", invalid="ignore"):  # a saturated sigmoid gives log(0)
        loss = -(label * np.log(yhat) + (1 - label) * np.log(1 - yhat))
    dz = dz_rule(yhat, label) if dz_rule else yhat - label
    dv, dc = dz * pooled.ravel(), dz
    dpooled = (dz * params["v"]).reshape(2, 2)
    da1 = np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            win = a1[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            if pool_rule:
                da1[2 * i:2 * i + 2, 2 * j:2 * j + 2] += pool_rule(win, dpooled[i, j])
            else:
                r, q = np.unravel_index(np.argmax(win), win.shape)
                da1[2 * i + r, 2 * j + q] += dpooled[i, j]
    dz1 = relu_rule(da1, z1) if relu_rule else da1 * (z1 > 0)
    dw = np.zeros((3, 3))
    for a in range(3):
        for b in range(3):
            dw[a, b] = np.sum(dz1 * image[a:a + 4, b:b + 4])
    db = db_rule(dz1) if db_rule else dz1.sum()
    return float(loss), {"w": dw, "b": db, "v": dv, "c": dc}


def toy_grads_ok(params, image, label):
    return _toy_grads(params, image, label)


def toy_grads_sign(params, image, label):
    return _toy_grads(params, image, label, dz_rule=lambda yh, y: y - yh)


def toy_grads_every_cell(params, image, label):
    return _toy_grads(params, image, label, pool_rule=lambda win, d: np.full(win.shape, d))


def toy_grads_dout_mask(params, image, label):
    return _toy_grads(params, image, label, relu_rule=lambda d, z1: d * (d > 0))


def toy_grads_no_relu(params, image, label):
    return _toy_grads(params, image, label, relu_rule=lambda d, z1: d)


def toy_grads_db_one(params, image, label):
    return _toy_grads(params, image, label, db_rule=lambda dz1: dz1[0, 0])


def toy_grads_flipped_dw(params, image, label):
    loss, g = _toy_grads(params, image, label)
    g["w"] = g["w"][::-1, ::-1]
    return loss, g


# ----------------------------------------------------------------- train_toy


def _train(images, labels, lr=0.5, steps=100, seed=0, sign=-1.0, average=True, use_lr=True, update=True,
           after=False):
    params = init_toy_params(seed)
    losses = []
    for _ in range(steps):
        grads, total = {k: 0.0 for k in params}, 0.0
        for image, label in zip(images, labels):
            loss, g = _toy_grads(params, image, int(label))
            total += loss
            for k in params:
                grads[k] = grads[k] + (g[k] / len(images) if average else g[k])
        step = lr if use_lr else 0.1
        new = {k: params[k] + sign * step * grads[k] for k in params} if update else params
        if after:
            total = sum(_toy_grads(new, im, int(lb))[0] for im, lb in zip(images, labels))
        losses.append(total / len(images))
        params = new
    return params, losses


def train_ok(images, labels, lr=0.5, steps=100, seed=0):
    return _train(images, labels, lr, steps, seed)


def train_sign(images, labels, lr=0.5, steps=100, seed=0):
    return _train(images, labels, lr, steps, seed, sign=+1.0)


def train_summed(images, labels, lr=0.5, steps=100, seed=0):
    return _train(images, labels, lr, steps, seed, average=False)


def train_no_update(images, labels, lr=0.5, steps=100, seed=0):
    return _train(images, labels, lr, steps, seed, update=False)


def train_fixed_lr(images, labels, lr=0.5, steps=100, seed=0):
    return _train(images, labels, lr, steps, seed, use_lr=False)


def train_loss_after(images, labels, lr=0.5, steps=100, seed=0):
    return _train(images, labels, lr, steps, seed, after=True)
