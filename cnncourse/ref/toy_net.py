"""The 15-parameter toy CNN of module 03: forward, gradients by backpropagation, training.

Introduced in notebooks/03_backprop_lecture.ipynb::

    image (6, 6) -> conv 3x3 (w (3, 3), bias b) -> ReLU -> 2x2 max-pool -> flatten (4,)
                 -> dense (v (4,), bias c) -> sigmoid -> binary cross-entropy

Its starting parameters and the edge images it learns from are student-side helpers in
:mod:`cnncourse.helpers` (students call them too).
"""

import numpy as np

from .. import _validate as v
from ..helpers.toy_net import TOY_PARAMS, init_toy_params
from ._common import _array, _stable_sigmoid
from ._guard import reference
from .activations import relu_backward
from .conv import conv2d_backward, conv2d_forward
from .layers import dense_backward, flatten_backward, sigmoid_bce_backward, sigmoid_bce_forward
from .pool import max_pool2d_backward, max_pool2d_forward


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


def _toy_layers(p, image):
    z1 = conv2d_forward(image[None, None], p["w"][None, None], np.array([float(p["b"])]))  # (1, 1, 4, 4)
    a1 = np.maximum(z1, 0)
    pooled = max_pool2d_forward(a1, 2)  # (1, 1, 2, 2)
    h = pooled.reshape(1, 4)
    z = h @ p["v"] + float(p["c"])  # (1,)
    return z1, a1, pooled, h, z


@reference
def toy_forward(params: dict[str, np.ndarray], image: np.ndarray) -> float:
    """The toy network's prediction ŷ = P(label 1 | image).

    Introduced in notebooks/03_backprop_lecture.ipynb.

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
def toy_gradients(params: dict[str, np.ndarray], image: np.ndarray, label: int) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients of the toy network, by backpropagation through every layer.

    Introduced in notebooks/03_backprop_lecture.ipynb.

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
    loss = sigmoid_bce_forward(z, y)
    dz = sigmoid_bce_backward(z, y)  # (1,)
    dh, dv, dc = dense_backward(dz[:, None], h, p["v"][:, None])  # (1, 4), (4, 1), (1,)
    dpooled = flatten_backward(dh, pooled.shape)
    da1 = max_pool2d_backward(dpooled, a1, 2)
    dz1 = relu_backward(da1, z1)
    _, dw, db = conv2d_backward(dz1, image[None, None], p["w"][None, None])
    grads = {"w": dw[0, 0], "b": np.array(db[0]), "v": dv[:, 0], "c": np.array(dc[0])}
    return loss, grads


@reference
def train_toy(images: np.ndarray, labels: np.ndarray, lr: float = 0.5, steps: int = 100,
              seed: int = 0) -> tuple[dict[str, np.ndarray], list[float]]:
    """Train the toy network by (full-batch) gradient descent.

    Introduced in notebooks/03_backprop_lecture.ipynb.

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
