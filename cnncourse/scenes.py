"""Synthetic detection scenes: Fashion-MNIST items pasted on a black canvas, with exact boxes and labels.

Introduced in notebooks/06_detection_lecture.ipynb.  Every scene is drawn from a seed, from the
course subset of Fashion-MNIST (:func:`cnncourse.data.load_fashion_mnist` with ``subset=True``), so
the same seed gives the same scenes offline, online and in CI. A box is the tight box of the
pasted item's visible pixels, in corners ``(x1, y1, x2, y2)`` with pixel edges: an item covering
columns 3 to 10 has ``x1 = 3, x2 = 11``.

Student-side: numpy and Pillow only (no torch), so the grading worker can build scenes too.
"""

import numpy as np

from . import _validate as v
from .data import FASHION_MNIST_CLASSES, load_fashion_mnist

#: Five groups of Fashion-MNIST's ten classes that a small detector tells apart far better:
#: shirts, T-shirts, pullovers and coats look alike at 64 x 64.
SUPER_CLASSES = ("top", "trousers", "dress", "footwear", "bag")
#: Fashion-MNIST class -> index into :data:`SUPER_CLASSES`.
FASHION_TO_SUPER = np.array([0, 1, 0, 2, 0, 3, 0, 3, 4, 3], dtype=np.int64)
LABEL_SETS = ("fashion", "super")
VISIBLE = 0.1  # an item's pixels brighter than this (of 1) belong to its box


def class_names(labels="fashion"):
    """The names of the classes for ``labels`` ("fashion": the 10 classes, "super": :data:`SUPER_CLASSES`)."""
    v.require_choice("labels", labels, LABEL_SETS)
    return tuple(FASHION_MNIST_CLASSES) if labels == "fashion" else SUPER_CLASSES


def _tight(item):
    rows, cols = np.flatnonzero((item > VISIBLE).any(axis=1)), np.flatnonzero((item > VISIBLE).any(axis=0))
    return item[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _resized(item, scale):
    from PIL import Image

    h, w = item.shape
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    return np.asarray(Image.fromarray((item * 255).astype(np.uint8)).resize(size, Image.BILINEAR), np.float32) / 255


def _overlap(box, boxes):
    """Largest IoU of ``box`` with ``boxes`` (numpy only: ``cnncourse.ref`` is not for the student side)."""
    if not boxes:
        return 0.0
    b = np.asarray(boxes, dtype=np.float64)
    w = np.clip(np.minimum(box[2], b[:, 2]) - np.maximum(box[0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], b[:, 3]) - np.maximum(box[1], b[:, 1]), 0, None)
    inter = w * h
    union = (box[2] - box[0]) * (box[3] - box[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return float((inter / union).max())


def make_scenes(n: int, *, size: int = 64, objects=(1, 4), labels: str = "fashion", split: str = "train",
                scale=(0.8, 1.25), max_iou: float = 0.1, seed: int = 0):
    """``n`` scenes of 1 to 4 Fashion-MNIST items on a black canvas, with exact boxes and labels.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    n : int
        Number of scenes.
    size : int, default 64
        Canvas height and width, at least 32.
    objects : (int, int), default (1, 4)
        Fewest and most items per scene (each count equally likely).
    labels : {"fashion", "super"}
        The 10 Fashion-MNIST classes, or the 5 groups of :data:`SUPER_CLASSES`.
    split : {"train", "test"}
        Which part of the course subset the items come from (500 or 100 per class): test scenes
        never reuse a training item.
    scale : (float, float), default (0.8, 1.25)
        Each item is resized by a factor drawn from this range.
    max_iou : float, default 0.1
        An item is placed where its box overlaps every earlier box by at most this IoU (20 tries;
        after that the scene keeps the items it has).
    seed : int

    Returns
    -------
    images : ndarray of float32, shape (n, 1, size, size)
        In [0, 1]; overlapping items keep the brighter pixel.
    targets : list of dict
        One per scene: ``"boxes"`` (K, 4) float64 corners and ``"labels"`` (K,) int64.

    Examples
    --------
    >>> images, targets = make_scenes(2, seed=1)
    >>> images.shape, images.dtype, sorted(targets[0])
    ((2, 1, 64, 64), dtype('float32'), ['boxes', 'labels'])
    """
    n = v.require_int("n", n, minimum=1)
    size = v.require_int("size", size, minimum=32)
    lo, hi = (v.require_int(f"objects[{i}]", k, minimum=1) for i, k in enumerate(objects))
    if hi < lo:
        raise ValueError(v.message("objects", "be (fewest, most) with fewest <= most", repr(tuple(objects))))
    v.require_choice("labels", labels, LABEL_SETS)
    items, classes = load_fashion_mnist(split, subset=True)
    rng = np.random.default_rng(v.require_int("seed", seed, minimum=0))
    images = np.zeros((n, 1, size, size), dtype=np.float32)
    targets = []
    for i in range(n):
        boxes, names = [], []
        for _ in range(int(rng.integers(lo, hi + 1))):
            k = int(rng.integers(len(items)))
            item = _resized(_tight(items[k].astype(np.float32) / 255), float(rng.uniform(*scale)))
            item = item[:size, :size]
            h, w = item.shape
            for _try in range(20):
                y, x = int(rng.integers(0, size - h + 1)), int(rng.integers(0, size - w + 1))
                if _overlap((x, y, x + w, y + h), boxes) <= max_iou:
                    break
            else:
                continue
            canvas = images[i, 0, y:y + h, x:x + w]
            np.maximum(canvas, item, out=canvas)
            rows = np.flatnonzero((item > VISIBLE).any(axis=1))  # resizing can dim an edge row below VISIBLE
            cols = np.flatnonzero((item > VISIBLE).any(axis=0))
            boxes.append((x + cols[0], y + rows[0], x + cols[-1] + 1, y + rows[-1] + 1))
            names.append(int(classes[k]) if labels == "fashion" else int(FASHION_TO_SUPER[classes[k]]))
        targets.append({"boxes": np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
                        "labels": np.asarray(names, dtype=np.int64)})
    return images, targets
