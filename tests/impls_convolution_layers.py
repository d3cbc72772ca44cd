"""Student-style implementations for module 02: correct ones (loop and vectorized) and buggy ones."""

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


def conv_first_channel_only(x, w, b, stride=1, padding=0):
    return conv_loop(x[:, :1], w[:, :1], b, stride, padding)


def conv_no_bias(x, w, b, stride=1, padding=0):
    return conv_loop(x, w, np.zeros_like(b), stride, padding)


def conv_bias_per_channel(x, w, b, stride=1, padding=0):
    n_img, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n_img, f, oh, ow))
    for n in range(n_img):
        for k in range(f):
            for ch in range(c):  # per-channel correlation, bias added inside the channel loop
                for i in range(oh):
                    for j in range(ow):
                        win = xp[n, ch, i * stride:i * stride + kh, j * stride:j * stride + kw]
                        out[n, k, i, j] += np.sum(win * w[k, ch]) + b[k]
    return out


def conv_no_stride(x, w, b, stride=1, padding=0):
    return conv_loop(x, w, b, 1, padding)


def conv_no_padding(x, w, b, stride=1, padding=0):
    return conv_loop(x, w, b, stride, 0)


def conv_mean_channels(x, w, b, stride=1, padding=0):
    return (conv_loop(x, w, np.zeros_like(b), stride, padding) / x.shape[1]) + b[None, :, None, None]


def conv_hw_swapped(x, w, b, stride=1, padding=0):
    return conv_loop(x, w, b, stride, padding).transpose(0, 1, 3, 2)


# ----------------------------------------------------------------- activations


def relu_ok(x):
    return np.maximum(x, 0)


def relu_ok_mask(x):
    return x * (x > 0)


def relu_abs(x):
    return np.abs(x)


def relu_inplace(x):
    x[x < 0] = 0  # modifies the caller's array
    return x


def relu_bool(x):
    return x > 0


def relu_clip(x):
    return np.clip(x, 0, 1)


def relu_minimum(x):
    return np.minimum(x, 0)


def leaky_ok(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x)


def leaky_max(x, alpha=0.01):
    return np.maximum(x, alpha * x)  # valid for alpha < 1 only
    

def leaky_fixed_alpha(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x)


def leaky_plain_relu(x, alpha=0.01):
    return np.maximum(x, 0)


def leaky_swapped(x, alpha=0.01):
    return np.where(x > 0, alpha * x, x)


def leaky_const(x, alpha=0.01):
    return np.maximum(x, alpha)


def leaky_int_output(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x).astype(int)


def elu_ok(x, alpha=1.0):
    out = x.astype(float).copy()
    neg = x <= 0
    out[neg] = alpha * (np.exp(x[neg]) - 1)
    return out


def elu_where_overflow(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))  # exp(1000) overflows though unused


def elu_no_alpha(x, alpha=1.0):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def elu_no_minus_one(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)))


def elu_relu(x, alpha=1.0):
    return np.maximum(x, 0)


def elu_positive_side(x, alpha=1.0):
    with np.errstate(over="ignore"):
        return np.where(x > 0, alpha * np.expm1(np.minimum(x, 700)), x)


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


def sigmoid_sign(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, z / (1 + z), 1 / (1 + z))


def sigmoid_no_one(x):
    return np.exp(np.clip(x, -700, 700))


def sigmoid_half(x):
    z = np.exp(-np.abs(x / 2))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_as_tanh(x):
    return np.tanh(x)


def tanh_ok(x):
    return np.tanh(x)


def tanh_via_sigmoid(x):
    return 2 * sigmoid_ok(2 * x) - 1


def tanh_naive(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))  # overflow: inf/inf = nan


def tanh_sigmoid_x(x):
    return 2 * sigmoid_ok(x) - 1


def tanh_is_sigmoid(x):
    return sigmoid_ok(x)


def tanh_negated(x):
    return -np.tanh(x)


def tanh_sinh(x):
    with np.errstate(over="ignore"):
        return np.sinh(np.clip(x, -700, 700))


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


def max_stride_one(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, 1, np.max)


def max_stride_is_kernel(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, kernel_size, np.max)


def max_over_channels(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, stride, np.max).max(axis=1, keepdims=True)


def max_is_mean(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, stride, np.mean)


def max_transposed(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, stride, np.max).transpose(0, 1, 3, 2)


def max_ceil(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    n, c, h, w = x.shape
    oh, ow = -(-(h - kernel_size) // s) + 1, -(-(w - kernel_size) // s) + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * s:i * s + kernel_size, j * s:j * s + kernel_size].max(axis=(2, 3))
    return out


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


def avg_sum(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, stride, np.sum)


def avg_stride_one(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, 1, np.mean)


def avg_stride_is_kernel(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, kernel_size, np.mean)


def avg_is_max(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, stride, np.max)


def avg_over_channels(x, kernel_size=2, stride=None):
    return _pool_loop(x, kernel_size, stride, np.mean).mean(axis=1, keepdims=True)


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


def as_conv_mixed(x, kernel_size):
    c = x.shape[1]
    return conv_loop(x, np.full((c, c, kernel_size, kernel_size), 1.0 / kernel_size**2), np.zeros(c), stride=kernel_size)


def as_conv_unnormalized(x, kernel_size):
    c = x.shape[1]
    w = np.zeros((c, c, kernel_size, kernel_size))
    for ch in range(c):
        w[ch, ch] = 1.0
    return conv_loop(x, w, np.zeros(c), stride=kernel_size)


def as_conv_stride_one(x, kernel_size):
    c = x.shape[1]
    w = np.zeros((c, c, kernel_size, kernel_size))
    for ch in range(c):
        w[ch, ch] = 1.0 / kernel_size**2
    return conv_loop(x, w, np.zeros(c), stride=1)


def as_conv_over_k(x, kernel_size):
    c = x.shape[1]
    w = np.zeros((c, c, kernel_size, kernel_size))
    for ch in range(c):
        w[ch, ch] = 1.0 / kernel_size
    return conv_loop(x, w, np.zeros(c), stride=kernel_size)


def as_conv_mean_all(x, kernel_size):
    c = x.shape[1]
    w = np.full((c, c, kernel_size, kernel_size), 1.0 / (c * kernel_size**2))
    return conv_loop(x, w, np.zeros(c), stride=kernel_size)


# ----------------------------------------------------------------- flatten


def flatten_ok(x):
    return x.reshape(x.shape[0], -1)


def flatten_loop(x):
    return np.stack([x[i].ravel() for i in range(len(x))])


def flatten_all(x):
    return x.ravel()


def flatten_channels_last(x):
    if x.ndim == 4:
        x = x.transpose(0, 2, 3, 1)
    return x.reshape(x.shape[0], -1)


def flatten_transposed(x):
    return x.reshape(x.shape[0], -1).T


def flatten_wrong_reshape(x):
    return x.reshape(-1, x.shape[0])


def flatten_hw(x):
    if x.ndim == 4:
        x = x.transpose(0, 1, 3, 2)
    return x.reshape(x.shape[0], -1)


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


def _patched(rule):
    def counter(layers, input_shape):
        rows = count_ok(layers, input_shape)
        shapes = [tuple(input_shape)] + [r[0] for r in rows]
        return [rule(L, shapes[i], *rows[i]) for i, L in enumerate(layers)]
    return counter


count_no_bias = _patched(lambda L, inp, shape, w, b: (shape, w, 0))
count_per_position = _patched(lambda L, inp, shape, w, b: (shape, w * shape[1] * shape[2] if L["type"] == "conv" else w, b))
count_no_channels = _patched(lambda L, inp, shape, w, b: (shape, w // inp[0] if L["type"] == "conv" else w, b))
count_pool_params = _patched(lambda L, inp, shape, w, b: (shape, inp[0] * L["kernel_size"] ** 2 if "pool" in L["type"] else w, b))


def count_no_padding(layers, input_shape):
    return count_ok([{**L, "padding": 0} if L["type"] == "conv" else L for L in layers], input_shape)


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


def _rf_rule(step):
    def rf(layers):
        size, jump, rows = 1, 1, []
        for L in layers:
            if L["type"] != "relu":
                k = L["kernel_size"]
                s = L.get("stride") or (1 if L["type"] == "conv" else k)
                size, jump = step(size, jump, k, s, L.get("padding", 0))
            rows.append((size, jump))
        return rows
    return rf


rf_no_jump = _rf_rule(lambda r, j, k, s, p: (r + k - 1, j * s))
rf_plus_k = _rf_rule(lambda r, j, k, s, p: (r + k * j, j * s))
rf_jump_early = _rf_rule(lambda r, j, k, s, p: (r + (k - 1) * j * s, j * s))
rf_multiply = _rf_rule(lambda r, j, k, s, p: (r * k, j * s))
rf_padding = _rf_rule(lambda r, j, k, s, p: (r + (k - 1) * j + 2 * p, j * s))


def rf_relu_skipped(layers):
    return [row for L, row in zip(layers, rf_ok(layers)) if L["type"] != "relu"]
