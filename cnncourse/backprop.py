"""Module 03 references: backward passes, gradient checking and the 15-parameter toy CNN.

Introduced in notebooks/03_backprop.ipynb.  Every backward function takes explicit inputs
(never an opaque cache) so that a student's backward can be graded on its own.

The toy network (15 trainable parameters)::

    image (6, 6) -> conv 3x3 (w (3, 3), bias b) -> ReLU -> 2x2 max-pool -> flatten (4,)
                 -> dense (v (4,), bias c) -> sigmoid -> binary cross-entropy
"""

import numpy as np

from . import _validate as v
from ._guard import reference
from .activations import _stable_sigmoid
from .conv import _check_conv_backward_args, _pad, _windows, conv2d_forward
from .pool import _check_pool_args, max_pool2d_forward

TOY_PARAMS = {"w": (3, 3), "b": (), "v": (4,), "c": ()}


def _array(name, x, shape_text, ndim=None):
    if not isinstance(x, np.ndarray):
        raise TypeError(v.message(name, f"be a numpy array of shape {shape_text}", type(x).__name__,
                                  "Convert it with np.asarray(...)."))
    if ndim is not None and x.ndim != ndim:
        raise ValueError(v.message(name, f"be a {ndim}-D array of shape {shape_text}", f"shape {x.shape}"))
    return v.as_float(x)


def _same_shape(name, a, other_name, b):
    if a.shape != b.shape:
        raise ValueError(v.message(name, f"have the same shape as `{other_name}` {b.shape}", f"shape {a.shape}",
                                   "The upstream gradient has the shape of the layer's output."))


@reference
def relu_backward(dout, x):
    """Gradient of ReLU: pass ``dout`` where the *input* was positive, 0 elsewhere.

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    dout : ndarray, any shape
        Upstream gradient dL/d(relu(x)).
    x : ndarray, same shape
        The ReLU's input.

    Returns
    -------
    dx : ndarray, same shape
        ``dout * (x > 0)``.  At ``x == 0`` the gradient is taken as 0 (torch's convention).

    Examples
    --------
    >>> relu_backward(np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 4.0]))
    array([0., 0., 3.])
    """
    dout, x = _array("dout", dout, "like x"), _array("x", x, "like dout")
    _same_shape("dout", dout, "x", x)
    return dout * (x > 0)


@reference
def flatten_backward(dout, x_shape):
    """Gradient of flatten: reshape ``dout`` (N, D) back to the input's shape.

    Introduced in notebooks/03_backprop.ipynb.

    Examples
    --------
    >>> flatten_backward(np.arange(8.0).reshape(2, 4), (2, 1, 2, 2)).shape
    (2, 1, 2, 2)
    """
    dout = _array("dout", dout, "(N, D)")
    x_shape = tuple(x_shape)
    if int(np.prod(x_shape)) != dout.size:
        raise ValueError(v.message("x_shape", f"hold as many values as dout ({dout.size})", repr(x_shape),
                                   "Pass the shape of flatten's input, x.shape."))
    return dout.reshape(x_shape)


@reference
def max_pool2d_backward(dout, x, kernel_size=2, stride=None):
    """Gradient of max pooling: each window's gradient goes to the position of its maximum.

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    dout : ndarray, shape (N, C, OH, OW)
    x : ndarray, shape (N, C, H, W)
        The pooling layer's input.
    kernel_size : int, default 2
    stride : int or None, default None (= kernel_size)

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Zero except at each window's argmax, which receives that window's ``dout``.
        Overlapping windows add up.

    Notes
    -----
    Ties: the gradient goes to the *first* maximum in row-major order inside the window, once
    (as ``torch.nn.functional.max_pool2d`` on the CPU).

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    >>> max_pool2d_backward(np.array([[[[5.0]]]]), x)[0, 0]
    array([[0., 5.],
           [0., 0.]])
    """
    x, kernel_size, stride = _check_pool_args(x, kernel_size, stride)
    dout = _array("dout", dout, "(N, C, OH, OW)", ndim=4)
    n, c, h, w = x.shape
    oh, ow = (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1
    if dout.shape != (n, c, oh, ow):
        raise ValueError(v.message("dout", f"have the pooled shape {(n, c, oh, ow)}", f"shape {dout.shape}",
                                   "dout is the gradient of the pooling output."))
    windows = _windows(x, kernel_size, kernel_size, stride).reshape(n, c, oh, ow, -1)
    first = windows.argmax(axis=-1)  # first maximum in row-major order
    rows = np.arange(oh)[:, None] * stride + first // kernel_size  # (N, C, OH, OW)
    cols = np.arange(ow)[None, :] * stride + first % kernel_size
    dx = np.zeros_like(x)
    nn_, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    np.add.at(dx, (nn_[:, :, None, None], cc[:, :, None, None], rows, cols), dout)
    return dx


@reference
def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Gradients of the convolution layer ``out = conv2d_forward(x, w, b, stride, padding)``.

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (F, C, KH, KW)
    stride, padding : int

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        A *full* convolution of ``dout`` with the flipped kernel (for stride 1: pad ``dout`` by
        K - 1 and correlate with ``w`` rotated by 180°), cropped by ``padding``.
    dw : ndarray, shape (F, C, KH, KW)
        The padded input correlated with ``dout``, summed over the batch.
    db : ndarray, shape (F,)
        ``dout`` summed over the batch and every position.

    Examples
    --------
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> db
    array([4.])
    """
    dout, x, w, stride, padding = _check_conv_backward_args(dout, x, w, stride, padding)
    _, _, h, wd = x.shape
    _, _, oh, ow = dout.shape
    kh, kw = w.shape[2:]
    xpad = _pad(x, padding)
    windows = _windows(xpad, kh, kw, stride)  # (N, C, OH, OW, KH, KW)
    db = dout.sum(axis=(0, 2, 3))  # (F,)
    dw = np.einsum("nfij,ncijkl->fckl", dout, windows, optimize=True)  # (F, C, KH, KW)
    dxpad = np.zeros_like(xpad)
    contrib = np.einsum("nfij,fckl->ncijkl", dout, w, optimize=True)  # (N, C, OH, OW, KH, KW)
    for a in range(kh):  # scatter every window's contribution back (loops over the kernel only)
        for d in range(kw):
            dxpad[:, :, a:a + stride * (oh - 1) + 1:stride, d:d + stride * (ow - 1) + 1:stride] += contrib[..., a, d]
    dx = dxpad[:, :, padding:padding + h, padding:padding + wd]
    return dx, dw, db


@reference
def dense_backward(dout, x, w):
    """Gradients of the dense layer ``out = x @ w + b``.

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    dout : ndarray, shape (N, M)
    x : ndarray, shape (N, D)
    w : ndarray, shape (D, M)

    Returns
    -------
    dx : ndarray, shape (N, D)
        ``dout @ w.T``.
    dw : ndarray, shape (D, M)
        ``x.T @ dout`` (summed over the batch).
    db : ndarray, shape (M,)
        ``dout.sum(axis=0)``.

    Examples
    --------
    >>> dx, dw, db = dense_backward(np.ones((2, 1)), np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 1)))
    >>> dw.ravel(), db
    (array([4., 6.]), array([2.]))
    """
    dout = _array("dout", dout, "(N, M)", ndim=2)
    x = _array("x", x, "(N, D)", ndim=2)
    w = _array("w", w, "(D, M)", ndim=2)
    if x.shape[1] != w.shape[0] or dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(v.message("dout", f"have shape (N, M) = {(x.shape[0], w.shape[1])} for x {x.shape} and "
                                   f"w {w.shape}", f"shape {dout.shape}", "The layer computes x @ w + b."))
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


@reference
def sigmoid_bce(z, y):
    """Mean binary cross-entropy of ``sigmoid(z)`` against labels ``y``, computed stably from the logits.

    Introduced in notebooks/03_backprop.ipynb.  ``L = mean(max(z, 0) - z*y + log(1 + exp(-|z|)))``.

    Examples
    --------
    >>> float(np.round(sigmoid_bce(np.array([0.0]), np.array([1.0])), 4))
    0.6931
    """
    z, y = _array("z", z, "(N,)"), _array("y", y, "like z")
    _same_shape("y", y, "z", z)
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


@reference
def sigmoid_bce_backward(z, y):
    """Gradient of :func:`sigmoid_bce` with respect to the logits ``z``.

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    z : ndarray, shape (N,) or any shape
        Logits (the dense layer's output, before the sigmoid).
    y : ndarray, same shape
        Labels in {0, 1}.

    Returns
    -------
    dz : ndarray, same shape
        ``(sigmoid(z) - y) / z.size``: the sigmoid's and the cross-entropy's derivatives
        cancel to ``ŷ - y``; the ``1/N`` comes from the mean.

    Examples
    --------
    >>> sigmoid_bce_backward(np.array([0.0, 0.0]), np.array([1.0, 0.0]))
    array([-0.25,  0.25])
    """
    z, y = _array("z", z, "(N,)"), _array("y", y, "like z")
    _same_shape("y", y, "z", z)
    return (_stable_sigmoid(z) - y) / z.size


@reference
def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function ``f`` at ``x``.

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.  Called ``2 * x.size`` times.
    x : ndarray
        The point; each entry is nudged by ``±h`` in turn and restored afterwards.
    h : float, default 1e-5

    Returns
    -------
    grad : ndarray, shape of ``x``, float64
        ``(f(x + h e_i) - f(x - h e_i)) / (2h)`` for every entry i: error O(h²).

    Examples
    --------
    >>> numerical_gradient(lambda x: float(np.sum(x ** 2)), np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    if not callable(f):
        raise TypeError(v.message("f", "be a function f(x) -> float", type(f).__name__))
    x = _array("x", x, "any shape")
    if x.dtype != np.float64:
        raise TypeError(v.message("x", "be a float64 array (float32 is too coarse for finite differences)",
                                  f"dtype {x.dtype}", "Use x.astype(np.float64)."))
    h = v.require_number("h", h)
    if h <= 0:
        raise ValueError(v.message("h", "be a small positive step", h, "The default 1e-5 suits float64."))
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = float(f(x))
        x[i] = old - h
        minus = float(f(x))
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def _toy_params(params):
    if not isinstance(params, dict) or set(params) != set(TOY_PARAMS):
        raise ValueError(v.message("params", "be a dict with keys 'w' (3, 3), 'b', 'v' (4,), 'c'",
                                   repr(sorted(params) if isinstance(params, dict) else type(params).__name__),
                                   "Use init_toy_params(seed) for a valid start."))
    out = {}
    for key, shape in TOY_PARAMS.items():
        value = np.asarray(params[key], dtype=np.float64)
        if value.shape != shape:
            raise ValueError(v.message(f"params['{key}']", f"have shape {shape}", f"shape {value.shape}"))
        out[key] = value
    return out


def _toy_image(image):
    image = _array("image", image, "(6, 6)", ndim=2)
    if image.shape != (6, 6):
        raise ValueError(v.message("image", "have shape (6, 6)", f"shape {image.shape}"))
    return image


def init_toy_params(seed=0):
    """Starting parameters for the toy network (a dict of 15 numbers), drawn from ``seed``.

    Introduced in notebooks/03_backprop.ipynb.

    ``w ~ N(0, 0.3²)``, ``b = 0.5`` (so the ReLU starts alive), ``v = 0``, ``c = 0``.  Not a
    reference solution: students call it too, so that every implementation starts alike.
    """
    rng = np.random.default_rng(seed)
    return {"w": rng.normal(0, 0.3, size=(3, 3)), "b": np.array(0.5), "v": np.zeros(4), "c": np.array(0.0)}


def _toy_layers(p, image):
    z1 = conv2d_forward(image[None, None], p["w"][None, None], np.array([float(p["b"])]))  # (1, 1, 4, 4)
    a1 = np.maximum(z1, 0)
    pooled = max_pool2d_forward(a1, 2)  # (1, 1, 2, 2)
    h = pooled.reshape(1, 4)
    z = h @ p["v"] + float(p["c"])  # (1,)
    return z1, a1, pooled, h, z


@reference
def toy_forward(params, image):
    """The toy network's prediction ŷ = P(label 1 | image).

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    params : dict
        ``{"w": (3, 3), "b": scalar, "v": (4,), "c": scalar}``: 9 + 1 + 4 + 1 = 15 parameters.
    image : ndarray, shape (6, 6)

    Returns
    -------
    float
        ``sigmoid(v · flatten(maxpool2(relu(conv3x3(image, w) + b))) + c)``.

    Examples
    --------
    >>> p = {"w": np.zeros((3, 3)), "b": 0.0, "v": np.zeros(4), "c": 0.0}
    >>> toy_forward(p, np.ones((6, 6)))
    0.5
    """
    p, image = _toy_params(params), _toy_image(image)
    z = _toy_layers(p, image)[-1]
    return float(_stable_sigmoid(z)[0])


@reference
def toy_gradients(params, image, label):
    """Loss and gradients of the toy network, by backpropagation through every layer.

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    params : dict
        As :func:`toy_forward`.
    image : ndarray, shape (6, 6)
    label : {0, 1}

    Returns
    -------
    loss : float
        Binary cross-entropy of the prediction.
    grads : dict
        Same keys and shapes as ``params``: dL/dw (3, 3), dL/db (scalar), dL/dv (4,), dL/dc (scalar).

    Examples
    --------
    >>> p = {"w": np.zeros((3, 3)), "b": 0.0, "v": np.zeros(4), "c": 0.0}
    >>> loss, grads = toy_gradients(p, np.ones((6, 6)), 1)
    >>> round(loss, 4), float(grads["c"])
    (0.6931, -0.5)
    """
    p, image = _toy_params(params), _toy_image(image)
    if isinstance(label, (bool, np.bool_)) or label not in (0, 1):
        raise ValueError(v.message("label", "be 0 or 1", repr(label)))
    y = np.array([float(label)])
    z1, a1, pooled, h, z = _toy_layers(p, image)
    loss = sigmoid_bce(z, y)
    dz = sigmoid_bce_backward(z, y)  # (1,)
    dh, dv, dc = dense_backward(dz[:, None], h, p["v"][:, None])  # (1, 4), (4, 1), (1,)
    dpooled = flatten_backward(dh, pooled.shape)
    da1 = max_pool2d_backward(dpooled, a1, 2)
    dz1 = relu_backward(da1, z1)
    _, dw, db = conv2d_backward(dz1, image[None, None], p["w"][None, None])
    grads = {"w": dw[0, 0], "b": np.array(db[0]), "v": dv[:, 0], "c": np.array(dc[0])}
    return loss, grads


def make_edges(n_per_class=8, seed=0, noise=0.1):
    """The toy task: 6x6 images with a vertical edge (label 1) or a horizontal edge (label 0).

    Introduced in notebooks/03_backprop.ipynb.

    Each image is dark (noise in [0, noise)) on one side of a straight edge and bright (1) on the
    other: vertical edges get brighter to the right, horizontal ones downwards, at a random
    position 2..4 (so that every edge crosses the middle of the image).  An edge-detecting 3x3 filter separates the classes.

    Returns
    -------
    images : ndarray, shape (2*n_per_class, 6, 6)
    labels : ndarray, shape (2*n_per_class,), 1 = vertical edge
    """
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label in (1, 0):
        for _ in range(v.require_int("n_per_class", n_per_class, minimum=1)):
            img = rng.uniform(0, noise, size=(6, 6))
            k = int(rng.integers(2, 5))
            if label:
                img[:, k:] = 1.0
            else:
                img[k:, :] = 1.0
            images.append(img)
            labels.append(label)
    return np.array(images), np.array(labels)


@reference
def train_toy(images, labels, lr=0.5, steps=100, seed=0):
    """Train the toy network by (full-batch) gradient descent.

    Introduced in notebooks/03_backprop.ipynb.

    Parameters
    ----------
    images : ndarray, shape (M, 6, 6)
    labels : ndarray, shape (M,) of {0, 1}
    lr : float, default 0.5
        Step size η of the update ``param ← param − η · dL/dparam``.
    steps : int, default 100
        Number of updates.  Each uses the gradient of the *mean* loss over all M images.
    seed : int, default 0
        Seeds the starting parameters, ``init_toy_params(seed)``.

    Returns
    -------
    params : dict
        The trained parameters.
    losses : list of float, length ``steps``
        Mean loss over the images *before* each update.

    Notes
    -----
    Full-batch steps do not depend on the order of the images, so every correct
    implementation follows the same path from the same start.
    """
    images = _array("images", images, "(M, 6, 6)", ndim=3)
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise ValueError(v.message("labels", f"have shape ({len(images)},), one per image", f"shape {labels.shape}"))
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(v.message("labels", "be 0 or 1", f"values {np.unique(labels)[:5]}"))
    lr = v.require_number("lr", lr)
    params = init_toy_params(seed)
    losses = []
    for _ in range(v.require_int("steps", steps, minimum=1)):
        mean_grads = {key: np.zeros_like(value) for key, value in params.items()}
        total = 0.0
        for image, label in zip(images, labels):
            loss, grads = toy_gradients(params, image, int(label))
            total += loss
            for key in params:
                mean_grads[key] += grads[key] / len(images)
        losses.append(total / len(images))
        params = {key: params[key] - lr * mean_grads[key] for key in params}
    return params, losses
