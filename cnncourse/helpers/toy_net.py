"""Module 03's toy network as the exercises hand it out: its parameter shapes, a start, the data.

Introduced in notebooks/03_backprop_lecture.ipynb.  The network itself (forward, gradients, training)
is the exercise; its reference is :mod:`cnncourse.ref.toy_net`.
"""

import numpy as np

from .. import _validate as v

#: The toy network's parameters and their shapes: 9 + 1 + 4 + 1 = 15 numbers.
TOY_PARAMS = {"w": (3, 3), "b": (), "v": (4,), "c": ()}


def init_toy_params(seed: int = 0) -> dict[str, np.ndarray]:
    """Starting parameters for the toy network (a dict of 15 numbers), drawn from ``seed``.

    Introduced in notebooks/03_backprop_lecture.ipynb.

    ``w ~ N(0, 0.3²)``, ``b = 0.5`` (so the ReLU starts alive), ``v = 0``, ``c = 0``.  Students
    call it too, so that every implementation starts alike.
    """
    rng = np.random.default_rng(seed)
    return {"w": rng.normal(0, 0.3, size=(3, 3)), "b": np.array(0.5), "v": np.zeros(4), "c": np.array(0.0)}


def make_edges(n_per_class: int = 8, seed: int = 0, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The toy task: 6x6 images with a vertical edge (label 1) or a horizontal edge (label 0).

    Introduced in notebooks/03_backprop_lecture.ipynb.

    Each image is dark (noise in [0, noise)) on one side of a straight edge and bright (1) on the
    other: vertical edges get brighter to the right, horizontal ones downwards, at a random
    position 2..4 (so that every edge crosses the middle of the image).  An edge-detecting 3x3 filter separates the classes.

    Returns
    -------
    images : ndarray, shape (2*n_per_class, 6, 6)
    labels : ndarray, shape (2*n_per_class,), 1 = vertical edge
    """
    n_per_class = v.require_int("n_per_class", n_per_class, minimum=1)
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label in (1, 0):
        for _ in range(n_per_class):
            img = rng.uniform(0, noise, size=(6, 6))
            k = int(rng.integers(2, 5))
            if label:
                img[:, k:] = 1.0
            else:
                img[k:, :] = 1.0
            images.append(img)
            labels.append(label)
    return np.array(images), np.array(labels)
