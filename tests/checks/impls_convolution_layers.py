"""Student-style implementations for module 02: correct ones (loop and vectorized) and buggy ones no listed
mistake recreates (each listed mistake is run through its check by the mistake-reachability test)."""

import numpy as np

# ----------------------------------------------------------------- conv2d_forward_naive


def conv_loop(x, w, b, stride=1, padding=0):
    n_img, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n_img, f, oh, ow))
    for n in range(n_img):
        for k in range(f):
            for i in range(oh):
                for j in range(ow):
                    out[n, k, i, j] = np.sum(xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw] * w[k]) + b[k]
    return out


def conv_taps(x, w, b, stride=1, padding=0):
    """Vectorized over images and positions: loop over kernel taps only."""
    n_img, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n_img, f, oh, ow), dtype=np.result_type(x, w, b))
    for a in range(kh):
        for d in range(kw):
            patch = xp[:, :, a:a + stride * (oh - 1) + 1:stride, d:d + stride * (ow - 1) + 1:stride]  # (N, C, OH, OW)
            out += np.einsum("ncij,fc->nfij", patch, w[:, :, a, d])
    return out + b[None, :, None, None]


# ----------------------------------------------------------------- activations


def relu_ok(x):
    return np.maximum(x, 0)


def relu_ok_mask(x):
    return x * (x > 0)


def relu_inplace(x):
    x[x < 0] = 0  # modifies the caller's array
    return x


def relu_bool(x):
    return x > 0


def leaky_ok(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x)


def leaky_max(x, alpha=0.01):
    return np.maximum(x, alpha * x)  # valid for alpha < 1 only
    

def leaky_int_output(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x).astype(int)


def elu_ok(x, alpha=1.0):
    out = x.astype(float).copy()
    neg = x <= 0
    out[neg] = alpha * (np.exp(x[neg]) - 1)
    return out


def elu_where_overflow(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))  # exp(1000) overflows though unused


def sigmoid_ok(x):
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1 + e)
    return out


def sigmoid_tanh_identity(x):
    return 0.5 * (1 + np.tanh(x / 2))


def sigmoid_naive(x):
    return 1 / (1 + np.exp(-x))  # RuntimeWarning: overflow for x < -709


def tanh_ok(x):
    return np.tanh(x)


def tanh_via_sigmoid(x):
    return 2 * sigmoid_ok(2 * x) - 1


def tanh_naive(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))  # overflow: inf/inf = nan


# ----------------------------------------------------------------- pooling


def _pool_loop(x, kernel_size, stride, op):
    stride = kernel_size if stride is None else stride
    n, c, h, w = x.shape
    oh, ow = (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = x[:, :, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            out[:, :, i, j] = op(win, axis=(2, 3))
    return out


def max_ok(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, stride, np.max)


def max_windows(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    win = np.lib.stride_tricks.sliding_window_view(x, (kernel_size, kernel_size), axis=(2, 3))
    return win[:, :, ::s, ::s].max(axis=(-1, -2))


def avg_ok(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, stride, np.mean)


def avg_reshape(x, kernel_size=2, stride=None):
    """Vectorized for non-overlapping windows; falls back to a loop otherwise."""
    s = kernel_size if stride is None else stride
    if s != kernel_size:
        return _pool_loop(x, kernel_size, s, np.mean)
    n, c, h, w = x.shape
    oh, ow = h // s, w // s
    return x[:, :, :oh * s, :ow * s].reshape(n, c, oh, s, ow, s).mean(axis=(3, 5))


# ----------------------------------------------------------------- avg_pool_as_conv (on the student's conv)


def as_conv_ok(x, kernel_size):
    c = x.shape[1]
    w = np.zeros((c, c, kernel_size, kernel_size))
    for ch in range(c):
        w[ch, ch] = 1.0 / kernel_size**2
    return conv_loop(x, w, np.zeros(c), stride=kernel_size)


def as_conv_eye(x, kernel_size):
    c = x.shape[1]
    w = np.einsum("cd,kl->cdkl", np.eye(c), np.full((kernel_size, kernel_size), 1.0 / kernel_size**2))
    return conv_taps(x, w, np.zeros(c), stride=kernel_size)


# ----------------------------------------------------------------- flatten


def flatten_ok(x):
    return x.reshape(x.shape[0], -1)


def flatten_loop(x):
    return np.stack([x[i].ravel() for i in range(len(x))])


# ----------------------------------------------------------------- count_params


def _side(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def count_ok(layers, input_shape):
    rows, shape = [], tuple(input_shape)
    for L in layers:
        t = L["type"]
        w = b = 0
        if t == "conv":
            c, h, wd = shape
            k, s, p = L["kernel_size"], L.get("stride", 1), L.get("padding", 0)
            shape = (L["filters"], _side(h, k, s, p), _side(wd, k, s, p))
            w, b = L["filters"] * c * k * k, L["filters"]
        elif t in ("maxpool", "avgpool"):
            c, h, wd = shape
            k = L["kernel_size"]
            s = L.get("stride") or k
            shape = (c, _side(h, k, s, 0), _side(wd, k, s, 0))
        elif t == "flatten":
            shape = (int(np.prod(shape)),)
        elif t == "dense":
            w, b = shape[0] * L["units"], L["units"]
            shape = (L["units"],)
        rows.append((shape, w, b))
    return rows


def count_lists(layers, input_shape):
    """Same, returning lists instead of tuples (accepted)."""
    return [[list(shape), w, b] for shape, w, b in count_ok(layers, input_shape)]


def count_dense_bias_per_input(layers, input_shape):
    rows = count_ok(layers, input_shape)
    return [(s, w, w if L["type"] == "dense" else b) for L, (s, w, b) in zip(layers, rows)]


# ----------------------------------------------------------------- receptive_field


def rf_ok(layers):
    size, jump, rows = 1, 1, []
    for L in layers:
        if L["type"] != "relu":
            k = L["kernel_size"]
            s = L.get("stride") or (1 if L["type"] == "conv" else k)
            size += (k - 1) * jump
            jump *= s
        rows.append((size, jump))
    return rows


def rf_backward(layers):
    """Correct too: walk backwards from one output unit (r = s*(r-1) + k), per prefix."""
    rows = []
    for end in range(1, len(layers) + 1):
        r, jump = 1, 1
        for L in reversed(layers[:end]):
            if L["type"] == "relu":
                continue
            k = L["kernel_size"]
            s = L.get("stride") or (1 if L["type"] == "conv" else k)
            r = s * (r - 1) + k
        for L in layers[:end]:
            if L["type"] != "relu":
                jump *= L.get("stride") or (1 if L["type"] == "conv" else L["kernel_size"])
        rows.append((r, jump))
    return rows


def rf_relu_skipped(layers):
    return [row for L, row in zip(layers, rf_ok(layers)) if L["type"] != "relu"]


def count_no_bias(layers, input_shape):
    return [(shape, weights, 0) for shape, weights, _ in count_ok(layers, input_shape)]


# ------------------------------------------------------------------ buggy implementations that pin a case name or message

def conv_no_stride(x, w, b, stride=1, padding=0):
    return conv_loop(x, w, b, 1, padding)


def flatten_wrong_reshape(x):
    return x.reshape(-1, x.shape[0])
