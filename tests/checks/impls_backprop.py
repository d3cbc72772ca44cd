"""Student-style implementations for module 03: correct ones (several styles) and buggy ones no listed
mistake recreates (each listed mistake is run through its check by the mistake-reachability test)."""

import numpy as np

from cnncourse.helpers.toy_net import init_toy_params

# ----------------------------------------------------------------- relu_backward


def relu_bw_ok(dout, x):
    return dout * (x > 0)


def relu_bw_where(dout, x):
    return np.where(x > 0, dout, 0.0)


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


# ----------------------------------------------------------------- dense_backward


def dense_bw_ok(dout, x, w):
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def dense_bw_einsum(dout, x, w):
    return np.einsum("nm,dm->nd", dout, w), np.einsum("nd,nm->dm", x, dout), np.einsum("nm->m", dout)


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


def bce_bw_naive(z, y):
    return (1 / (1 + np.exp(-z)) - y) / len(z)


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


def num_add_back(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)
        x[i] += h  # back to x, up to rounding
        grad[i] = (plus - minus) / (2 * h)
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


# ----------------------------------------------------------------- the toy network


def _forward(p, image):
    z1 = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            z1[i, j] = np.sum(image[i:i + 3, j:j + 3] * p["w"]) + p["b"]
    a1 = np.maximum(z1, 0)
    pooled = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            pooled[i, j] = a1[2 * i:2 * i + 2, 2 * j:2 * j + 2].max()
    z = pooled.ravel() @ p["v"] + p["c"]
    return z1, a1, pooled, z, 1 / (1 + np.exp(-z))


def toy_fwd_ok(params, image):
    return float(_forward(params, image)[-1])


def toy_fwd_array(params, image):
    return np.array([_forward(params, image)[-1]])  # a 1-element array is accepted


def _toy_grads(params, image, label):
    z1, a1, pooled, z, yhat = _forward(params, image)
    with np.errstate(divide="ignore", invalid="ignore"):  # a saturated sigmoid gives log(0)
        loss = -(label * np.log(yhat) + (1 - label) * np.log(1 - yhat))
    dz = yhat - label
    dv, dc = dz * pooled.ravel(), dz
    dpooled = (dz * params["v"]).reshape(2, 2)
    da1 = np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            r, q = np.unravel_index(np.argmax(a1[2 * i:2 * i + 2, 2 * j:2 * j + 2]), (2, 2))
            da1[2 * i + r, 2 * j + q] += dpooled[i, j]
    dz1 = da1 * (z1 > 0)
    dw = np.zeros((3, 3))
    for a in range(3):
        for b in range(3):
            dw[a, b] = np.sum(dz1 * image[a:a + 4, b:b + 4])
    return float(loss), {"w": dw, "b": dz1.sum(), "v": dv, "c": dc}


def toy_grads_ok(params, image, label):
    return _toy_grads(params, image, label)


# ----------------------------------------------------------------- train_toy


def _train(images, labels, lr=0.5, steps=100, seed=0, sign=-1.0):
    params = init_toy_params(seed)
    losses = []
    for _ in range(steps):
        grads, total = {k: 0.0 for k in params}, 0.0
        for image, label in zip(images, labels):
            loss, g = _toy_grads(params, image, int(label))
            total += loss
            for k in params:
                grads[k] = grads[k] + g[k] / len(images)
        losses.append(total / len(images))
        params = {k: params[k] + sign * lr * grads[k] for k in params}
    return params, losses


def train_ok(images, labels, lr=0.5, steps=100, seed=0):
    return _train(images, labels, lr, steps, seed)


def train_sign(images, labels, lr=0.5, steps=100, seed=0):
    """The update adds the gradient; its loss (a naive log, inf once the sigmoid saturates) matches no variant."""
    return _train(images, labels, lr, steps, seed, sign=+1.0)


# ------------------------------------------------------------------ buggy implementations that pin a case name or message

def pool_bw_no_stride(dout, x, kernel_size=2, stride=None):
    return pool_bw_ok(dout, x, kernel_size, kernel_size)


def bce_bw_extra_derivative(z, y):
    s = _stable_sigmoid(z)
    return s * (1 - s) * (s - y) / len(z)
