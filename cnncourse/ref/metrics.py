"""Evaluation metrics: average precision of a ranked list of detections, and detection mAP.

Introduced in notebooks/06_detection_lecture.ipynb.
"""

import numpy as np

from .. import _validate as v
from ._guard import reference
from .boxes import box_iou

INTERPOLATIONS = ("all", "101")


def _vector(name, x, k=None, kind="biuf"):
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    if a.ndim == 1 and a.size == 0 and k in (None, 0):
        return a.astype(np.float64 if kind == "biuf" else np.int64)
    if a.ndim != 1 or a.dtype.kind not in kind or (k is not None and len(a) != k):
        want = f"be a 1-D array of {k} values" if k is not None else "be a 1-D array"
        raise ValueError(v.message(name, want, f"shape {a.shape}, dtype {a.dtype}"))
    return a


@reference
def precision_recall(scores, is_true_positive, n_ground_truth: int):
    """Precision and recall after each detection, detections ranked by decreasing score.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    scores : array_like, shape (D,)
    is_true_positive : array_like of bool, shape (D,)
        Whether each detection matched a ground-truth object (see :func:`mean_average_precision`).
    n_ground_truth : int
        Objects there were to find (>= 1); recall is divided by this, not by the detections.

    Returns
    -------
    precision, recall : ndarray, shape (D,)
        After the top ``k + 1`` detections: ``TP / (k + 1)`` and ``TP / n_ground_truth``. Equal
        scores keep their given order (a stable sort).

    Examples
    --------
    >>> precision_recall([0.9, 0.8, 0.7], [True, False, True], 2)
    (array([1.        , 0.5       , 0.66666667]), array([0.5, 0.5, 1. ]))
    """
    s = _vector("scores", scores).astype(np.float64)
    tp = _vector("is_true_positive", is_true_positive, len(s), "biu").astype(bool)
    n = v.require_int("n_ground_truth", n_ground_truth, minimum=1,
                      fix="A class with no ground-truth object has no recall; leave it out of the mean.")
    if tp.sum() > n:
        raise ValueError(v.message("is_true_positive", f"hold at most n_ground_truth ({n}) true positives",
                                   int(tp.sum()), "Each object can be matched by one detection only."))
    hits = np.cumsum(tp[np.argsort(-s, kind="stable")])
    return hits / np.arange(1, len(s) + 1), hits / n


@reference
def average_precision(scores, is_true_positive, n_ground_truth: int, interpolation: str = "all") -> float:
    """Area under the interpolated precision-recall curve of one class.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    scores : array_like, shape (D,)
    is_true_positive : array_like of bool, shape (D,)
    n_ground_truth : int
    interpolation : {"all", "101"}
        ``"all"``: every recall step, as PASCAL VOC since 2010 (the precision at recall r is the
        best precision at any recall >= r, and AP sums it over the steps of recall). ``"101"``:
        the mean of that interpolated precision at recall 0, 0.01, ..., 1, as COCO (and so
        torchmetrics) computes it; the two differ slightly.

    Returns
    -------
    ap : float
        In [0, 1]; 0 when there are no detections.

    Examples
    --------
    >>> average_precision([0.9, 0.8, 0.7], [True, False, True], 2)
    0.8333333333333333
    """
    v.require_choice("interpolation", interpolation, INTERPOLATIONS)
    precision, recall = precision_recall(scores, is_true_positive, n_ground_truth)
    if len(precision) == 0:
        return 0.0
    envelope = np.maximum.accumulate(precision[::-1])[::-1]  # best precision at this recall or beyond
    if interpolation == "101":
        at = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
        return float(np.where(at < len(recall), envelope[np.minimum(at, len(recall) - 1)], 0.0).mean())
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float((steps * envelope).sum())


def _image(name, i, item, keys):
    if not isinstance(item, dict) or not set(keys) <= set(item):
        raise TypeError(v.message(f"{name}[{i}]", f"be a dict with keys {', '.join(map(repr, keys))}",
                                  type(item).__name__, "One dict per image, as torchmetrics' MeanAveragePrecision."))
    boxes = v.require_boxes(f"{name}[{i}]['boxes']", item["boxes"])
    out = {"boxes": boxes, "labels": _vector(f"{name}[{i}]['labels']", item["labels"], len(boxes), "biu")}
    if "scores" in keys:
        out["scores"] = _vector(f"{name}[{i}]['scores']", item["scores"], len(boxes)).astype(np.float64)
    return out


def match_detections(detections, ground_truth, label, iou_threshold: float = 0.5):
    """The detections of class ``label`` over all images, each marked true or false positive.

    A detection (taken by decreasing score) is a true positive when it overlaps an object of its
    class in its image, not yet matched by a higher-scoring detection, with IoU >= ``iou_threshold``;
    it takes the best such object. A second detection of an object is a false positive.

    Returns
    -------
    scores : ndarray, shape (D,)
    is_true_positive : ndarray of bool, shape (D,)
    n_ground_truth : int
    """
    scores, hits, n_gt = [], [], 0
    for det, gt in zip(detections, ground_truth):
        d_boxes, d_scores = det["boxes"][det["labels"] == label], det["scores"][det["labels"] == label]
        g_boxes = gt["boxes"][gt["labels"] == label]
        n_gt += len(g_boxes)
        order = np.argsort(-d_scores, kind="stable")
        d_boxes, d_scores = d_boxes[order], d_scores[order]
        tp = np.zeros(len(d_boxes), dtype=bool)
        if len(g_boxes) and len(d_boxes):
            iou = box_iou(d_boxes, g_boxes)
            taken = np.zeros(len(g_boxes), dtype=bool)
            for k in range(len(d_boxes)):
                free = np.where(taken, -1.0, iou[k])
                j = int(np.argmax(free))
                if free[j] >= iou_threshold:
                    tp[k], taken[j] = True, True
        scores.append(d_scores)
        hits.append(tp)
    return np.concatenate(scores) if scores else np.zeros(0), np.concatenate(hits) if hits else np.zeros(0, bool), n_gt


@reference
def mean_average_precision(detections, ground_truth, iou_threshold: float = 0.5, interpolation: str = "all"):
    """Detection mAP: the average precision of each class, averaged over the classes that have objects.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    detections : list of dict
        One per image: ``"boxes"`` (D, 4), ``"scores"`` (D,), ``"labels"`` (D,) (torchmetrics' format).
    ground_truth : list of dict
        One per image, same order: ``"boxes"`` (G, 4), ``"labels"`` (G,).
    iou_threshold : float, default 0.5
        A detection matches an object when their IoU is at least this (mAP@0.5).
    interpolation : {"all", "101"}
        See :func:`average_precision`.

    Returns
    -------
    map : float
        The mean over the classes with at least one ground-truth object; a class that is only
        detected never found anything to find and is left out (as COCO). ``nan`` if no image has
        an object.
    per_class : dict of int -> float
        The AP of each of those classes.

    Examples
    --------
    >>> gt = [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "labels": [0, 1]}]
    >>> det = [{"boxes": [[0, 0, 10, 11], [0, 0, 10, 10], [50, 50, 60, 60]], "scores": [0.9, 0.8, 0.7],
    ...         "labels": [0, 0, 1]}]
    >>> mean_average_precision(det, gt)
    (0.5, {0: 1.0, 1: 0.0})
    """
    v.require_choice("interpolation", interpolation, INTERPOLATIONS)
    t = v.require_number("iou_threshold", iou_threshold)
    if not isinstance(detections, (list, tuple)) or not isinstance(ground_truth, (list, tuple)):
        raise TypeError(v.message("detections", "be a list of per-image dicts (and ground_truth too)",
                                  f"{type(detections).__name__} and {type(ground_truth).__name__}"))
    if len(detections) != len(ground_truth):
        raise ValueError(v.message("detections", f"hold one dict per image of ground_truth ({len(ground_truth)})",
                                   f"{len(detections)} dicts"))
    dets = [_image("detections", i, d, ("boxes", "scores", "labels")) for i, d in enumerate(detections)]
    gts = [_image("ground_truth", i, g, ("boxes", "labels")) for i, g in enumerate(ground_truth)]
    classes = sorted({int(c) for g in gts for c in g["labels"]})
    per_class = {}
    for c in classes:
        scores, tp, n_gt = match_detections(dets, gts, c, t)
        per_class[c] = average_precision(scores, tp, n_gt, interpolation)
    return (float(np.mean(list(per_class.values()))) if per_class else float("nan")), per_class
