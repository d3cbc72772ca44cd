"""Bounding boxes: area, IoU, non-maximum suppression, anchor offsets and anchor assignment.

Introduced in notebooks/06_detection_lecture.ipynb.  Boxes are corners ``(x1, y1, x2, y2)`` in
pixels, origin top-left (DESIGN.md section 4); a box's width is ``x2 - x1`` (no "+1": pixel
edges, as torchvision). Every function takes numpy arrays, lists or CPU torch tensors and
returns numpy arrays.
"""

import numpy as np

from .. import _validate as v
from ._guard import reference


@reference
def box_area(boxes) -> np.ndarray:
    """Area of each box.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    boxes : array_like, shape (K, 4)
        Rows ``(x1, y1, x2, y2)`` with ``x2 >= x1`` and ``y2 >= y1``.

    Returns
    -------
    area : ndarray, shape (K,)
        ``(x2 - x1) * (y2 - y1)``; 0 for a degenerate (zero-width or zero-height) box.

    Examples
    --------
    >>> box_area([[0, 0, 2, 3], [1, 1, 1, 5]])
    array([6., 0.])
    """
    b = v.require_boxes("boxes", boxes)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


@reference
def box_iou(boxes1, boxes2) -> np.ndarray:
    """Intersection over union of every box of ``boxes1`` with every box of ``boxes2``.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    boxes1 : array_like, shape (N, 4)
    boxes2 : array_like, shape (M, 4)

    Returns
    -------
    iou : ndarray, shape (N, M)
        ``iou[i, j] = |b1_i ∩ b2_j| / |b1_i ∪ b2_j|``, in [0, 1].

    Notes
    -----
    The overlap's width and height are clipped at 0 (disjoint boxes overlap by 0, not by a
    negative area), and the union is ``area1 + area2 - intersection``. Two boxes whose union is
    empty (both degenerate) have IoU 0 here; torchvision's ``box_iou`` gives NaN for them.

    Examples
    --------
    >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]])
    array([[0.14285714, 1.        , 0.        ]])
    """
    b1, b2 = v.require_boxes("boxes1", boxes1), v.require_boxes("boxes2", boxes2)
    top_left = np.maximum(b1[:, None, :2], b2[None, :, :2])  # (N, M, 2)
    bottom_right = np.minimum(b1[:, None, 2:], b2[None, :, 2:])  # (N, M, 2)
    wh = np.clip(bottom_right - top_left, 0, None)
    inter = wh[..., 0] * wh[..., 1]  # (N, M)
    union = box_area(b1)[:, None] + box_area(b2)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _order(scores):
    """Indices of ``scores`` from highest to lowest; equal scores keep their order (a stable sort)."""
    return np.argsort(-scores, kind="stable")


@reference
def nms(boxes, scores, iou_threshold: float) -> np.ndarray:
    """Non-maximum suppression: keep the best box, drop the boxes overlapping it too much, repeat.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    boxes : array_like, shape (K, 4)
    scores : array_like, shape (K,)
    iou_threshold : float
        A box is dropped when its IoU with a kept, higher-scoring box is **greater than** this
        (as torchvision.ops.nms); a box overlapping by exactly the threshold is kept.

    Returns
    -------
    keep : ndarray of int64, shape (P,)
        Indices into ``boxes`` of the kept boxes, by decreasing score (equal scores: lower index first).

    Notes
    -----
    All boxes compete, whatever their class; :func:`batched_nms` suppresses within each class only.

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]
    >>> nms(boxes, [0.9, 0.8, 0.7], iou_threshold=0.5)
    array([0, 2])
    """
    b = v.require_boxes("boxes", boxes)
    s = _scores(scores, len(b))
    t = v.require_number("iou_threshold", iou_threshold)
    iou = box_iou(b, b)
    keep, suppressed = [], np.zeros(len(b), dtype=bool)
    for i in _order(s):
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > t
    return np.asarray(keep, dtype=np.int64)


def _scores(scores, k, name="scores"):
    if hasattr(scores, "detach"):
        scores = scores.detach().cpu().numpy()
    s = np.asarray(scores)
    if s.dtype.kind not in "biuf" or s.shape != (k,):
        raise ValueError(v.message(name, f"be a 1-D array of {k} numbers, one per box",
                                   f"shape {s.shape}" if s.dtype.kind in "biuf" else f"dtype {s.dtype}"))
    return s.astype(np.float64)


@reference
def batched_nms(boxes, scores, labels, iou_threshold: float) -> np.ndarray:
    """Non-maximum suppression within each class: a box only suppresses boxes of its own label.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    boxes : array_like, shape (K, 4)
    scores : array_like, shape (K,)
    labels : array_like of int, shape (K,)
    iou_threshold : float

    Returns
    -------
    keep : ndarray of int64, shape (P,)
        Indices of the kept boxes, by decreasing score (as torchvision.ops.batched_nms).

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11]]
    >>> batched_nms(boxes, [0.9, 0.8], [0, 1], 0.5), batched_nms(boxes, [0.9, 0.8], [0, 0], 0.5)
    (array([0, 1]), array([0]))
    """
    b = v.require_boxes("boxes", boxes)
    s = _scores(scores, len(b))
    lab = _scores(labels, len(b), "labels").astype(np.int64)
    keep = [np.flatnonzero(lab == c)[nms(b[lab == c], s[lab == c], iou_threshold)] for c in np.unique(lab)]
    keep = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    return keep[_order(s[keep])]


def _centres(boxes):
    """(cx, cy, w, h) of corner boxes, shape (K, 4)."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return np.stack([boxes[:, 0] + w / 2, boxes[:, 1] + h / 2, w, h], axis=1)


def _anchors(anchors, k=None, name="anchors"):
    a = v.require_boxes(name, anchors)
    if k is not None and len(a) != k:
        raise ValueError(v.message(name, f"hold one anchor per box ({k})", f"{len(a)} anchors"))
    if ((a[:, 2] - a[:, 0]) <= 0).any() or ((a[:, 3] - a[:, 1]) <= 0).any():
        raise ValueError(v.message(name, "have a positive width and height", "a degenerate anchor",
                                   "Offsets are measured in units of the anchor's size."))
    return a


@reference
def encode_boxes(gt, anchors) -> np.ndarray:
    """Offsets ``(tx, ty, tw, th)`` that turn each anchor into its ground-truth box.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    gt : array_like, shape (K, 4)
        The box each anchor should become (positive width and height).
    anchors : array_like, shape (K, 4)

    Returns
    -------
    offsets : ndarray, shape (K, 4)
        ``tx = (gx - ax) / aw``, ``ty = (gy - ay) / ah``, ``tw = log(gw / aw)``, ``th = log(gh / ah)``
        with ``(x, y)`` a box's centre and ``(w, h)`` its size (Faster R-CNN's parametrisation;
        torchvision's ``BoxCoder`` with weights (1, 1, 1, 1)).

    Examples
    --------
    >>> encode_boxes([[2, 2, 6, 10]], [[0, 0, 4, 4]])
    array([[0.5       , 1.        , 0.        , 0.69314718]])
    """
    a = _anchors(anchors)
    g = v.require_boxes("gt", gt)
    if len(g) != len(a):
        raise ValueError(v.message("gt", f"hold one box per anchor ({len(a)})", f"{len(g)} boxes",
                                   "Pair each anchor with its matched box, e.g. gt_boxes[matched]."))
    if ((g[:, 2] - g[:, 0]) <= 0).any() or ((g[:, 3] - g[:, 1]) <= 0).any():
        raise ValueError(v.message("gt", "have a positive width and height", "a degenerate box",
                                   "tw and th are logarithms of the size ratio."))
    gc, ac = _centres(g), _centres(a)
    return np.concatenate([(gc[:, :2] - ac[:, :2]) / ac[:, 2:], np.log(gc[:, 2:] / ac[:, 2:])], axis=1)


@reference
def decode_boxes(offsets, anchors) -> np.ndarray:
    """Boxes from anchors and offsets: the inverse of :func:`encode_boxes`.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    offsets : array_like, shape (K, 4)
        ``(tx, ty, tw, th)`` per anchor.
    anchors : array_like, shape (K, 4)

    Returns
    -------
    boxes : ndarray, shape (K, 4)
        Corners of ``x = ax + tx * aw``, ``y = ay + ty * ah``, ``w = aw * exp(tw)``, ``h = ah * exp(th)``.
        No clamping of ``tw``, ``th`` (torchvision clamps them at log(1000 / 16) against overflow).

    Examples
    --------
    >>> decode_boxes([[0.5, 1.0, 0.0, np.log(2)]], [[0, 0, 4, 4]])
    array([[ 2.,  2.,  6., 10.]])
    """
    a = _anchors(anchors)
    if hasattr(offsets, "detach"):
        offsets = offsets.detach().cpu().numpy()
    t = np.asarray(offsets)
    if t.dtype.kind not in "biuf" or t.shape != a.shape:
        raise ValueError(v.message("offsets", f"have shape {a.shape}, one (tx, ty, tw, th) per anchor",
                                   f"shape {t.shape}"))
    t = t.astype(np.float64)
    ac = _centres(a)
    centre = ac[:, :2] + t[:, :2] * ac[:, 2:]
    size = ac[:, 2:] * np.exp(t[:, 2:])
    return np.concatenate([centre - size / 2, centre + size / 2], axis=1)


@reference
def assign_anchors(anchors, gt_boxes, pos_iou: float = 0.5, neg_iou: float = 0.4):
    """Label each anchor positive, negative or ignored by its best IoU with a ground-truth box.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    anchors : array_like, shape (A, 4)
    gt_boxes : array_like, shape (G, 4)
        May be empty (G = 0): every anchor is then negative.
    pos_iou, neg_iou : float
        ``neg_iou <= pos_iou``.

    Returns
    -------
    labels : ndarray of int64, shape (A,)
        1 (positive: best IoU >= ``pos_iou``), 0 (negative: best IoU < ``neg_iou``) or -1 (ignored:
        in between; such anchors add no loss). Each ground-truth box's best anchor (every anchor tied
        for it) is positive too, so that no object is left without one (Faster R-CNN; torchvision's
        ``Matcher(pos_iou, neg_iou, allow_low_quality_matches=True)``).
    matched : ndarray of int64, shape (A,)
        For a positive anchor, the index of its ground-truth box (the best IoU, lowest index on
        ties); -1 for the others.

    Examples
    --------
    >>> anchors = [[0, 0, 10, 10], [5, 0, 15, 10], [40, 40, 50, 50]]
    >>> assign_anchors(anchors, [[1, 0, 11, 10]])  # IoU 0.82, 0.43, 0
    (array([ 1, -1,  0]), array([ 0, -1, -1]))
    """
    a = v.require_boxes("anchors", anchors)
    g = v.require_boxes("gt_boxes", gt_boxes)
    pos, neg = v.require_number("pos_iou", pos_iou), v.require_number("neg_iou", neg_iou)
    if neg > pos:
        raise ValueError(v.message("neg_iou", f"be at most pos_iou ({pos:g})", f"{neg:g}"))
    labels, matched = np.zeros(len(a), dtype=np.int64), np.full(len(a), -1, dtype=np.int64)
    if len(g) == 0:
        return labels, matched
    iou = box_iou(a, g)  # (A, G)
    best, best_gt = iou.max(axis=1), iou.argmax(axis=1)
    labels[best >= neg] = -1
    positive = best >= pos
    per_gt = iou.max(axis=0)  # each box's best IoU over the anchors
    low_quality = ((iou == per_gt[None, :]) & (per_gt[None, :] > 0)).any(axis=1)
    positive |= low_quality
    labels[positive] = 1
    matched[positive] = best_gt[positive]
    return labels, matched
