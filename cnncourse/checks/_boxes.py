"""Checks of the box functions of module 06_detection: box_area, box_iou, nms.

Module 06 is still being written (``course.PLANNED``, which may have no ``checks/detection.py``);
:mod:`cnncourse.checks._detection` re-exports these with the module's other checks and becomes
``checks.detection`` when the module is added.  Introduced in
notebooks/06_detection_lecture.ipynb.  Each ``check_<function>`` takes the
student's function, runs named cases against :mod:`cnncourse.ref.boxes`, names known mistakes
in its hints, and prints one line when everything passes.  ``hidden=True`` adds random cases
drawn from ``CNNCOURSE_GRADING_SEED``. Boxes are corners ``(x1, y1, x2, y2)`` (DESIGN.md §4).
"""

from collections.abc import Callable

import numpy as np

from ..ref import boxes as ref
from ._core import Case, Mismatch, Mistake, hidden_rng, run_check

# ------------------------------------------------------------------ inputs


def _b(rows):
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def _random_boxes(rng, k, size=40, integer=True):
    xy = rng.integers(0, size, (k, 2)) if integer else rng.uniform(0, size, (k, 2))
    wh = rng.integers(1, size // 2, (k, 2)) if integer else rng.uniform(0.5, size / 2, (k, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype(np.float64)


def _xy_swapped(b):
    return b[:, [1, 0, 3, 2]]


def _as_xywh(b):
    """The corners read as (x, y, w, h): what a student computes who takes x2, y2 for a width and height."""
    return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)


# ------------------------------------------------------------------ box_area

BOX_AREA_MISTAKES = [
    Mistake("one pixel added", output=lambda out, a: (_b(a.boxes)[:, 2] - _b(a.boxes)[:, 0] + 1)
            * (_b(a.boxes)[:, 3] - _b(a.boxes)[:, 1] + 1),
            hint="boxes run from pixel edge to pixel edge here, as in torchvision: the width is x2 - x1, no + 1."),
    Mistake("width squared", output=lambda out, a: (_b(a.boxes)[:, 2] - _b(a.boxes)[:, 0]) ** 2,
            hint="multiply the width x2 - x1 by the height y2 - y1 (columns 3 and 1)."),
    Mistake("corners read as (x, y, w, h)", output=lambda out, a: _b(a.boxes)[:, 2] * _b(a.boxes)[:, 3],
            hint="the rows are corners (x1, y1, x2, y2): the width is x2 - x1, not x2."),
    Mistake("one total", output=lambda out, a: np.full(1, out.sum()),
            hint="return one area per box, shape (K,): do not sum over the boxes."),
    Mistake("column vector", output=lambda out, a: out[:, None],
            hint="return shape (K,), not (K, 1): index the columns, e.g. boxes[:, 2] - boxes[:, 0]."),
]


def check_box_area(box_area: Callable, hidden: bool = False) -> None:
    """Check ``box_area(boxes) -> (K,)``."""
    __tracebackhide__ = True
    cases = [
        Case("one 2 x 3 box", (_b([0, 0, 2, 3]),)),
        Case("three boxes, one of them degenerate", (_b([[1, 1, 4, 3], [0, 0, 10, 1], [5, 5, 5, 9]]),)),
        Case("boxes not at the origin, wider than high", (_b([[10, 20, 18, 22], [3, 7, 4, 17]]),)),
        Case("fractional corners", (_b([[0.5, 0.25, 2.0, 1.25]]),)),
        Case("float32 boxes", (_b([[1, 2, 4, 8], [0, 0, 3, 3]]).astype(np.float32),)),
        Case("no boxes: shape (0,)", (np.zeros((0, 4)),), hint="with no boxes, return an empty array of shape (0,)."),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(6):
            cases.append(Case(f"hidden #{i + 1}", (_random_boxes(rng, int(rng.integers(1, 30)), integer=i % 2 == 0),),
                              hidden=True))
    run_check(box_area, reference=ref.box_area, cases=cases, mistakes=BOX_AREA_MISTAKES)


# ------------------------------------------------------------------ box_iou

def _iou_over(inter_of, a):
    b1, b2 = _b(a.boxes1), _b(a.boxes2)
    tl = np.maximum(b1[:, None, :2], b2[None, :, :2])
    br = np.minimum(b1[:, None, 2:], b2[None, :, 2:])
    return inter_of(tl, br, b1, b2)


def _no_clamp(tl, br, b1, b2):
    inter = (br - tl).prod(axis=-1)
    union = ref.box_area(b1)[:, None] + ref.box_area(b2)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union != 0)


def _union_without_subtracting(tl, br, b1, b2):
    inter = np.clip(br - tl, 0, None).prod(axis=-1)
    union = ref.box_area(b1)[:, None] + ref.box_area(b2)[None, :]
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _over_first_area(tl, br, b1, b2):
    inter = np.clip(br - tl, 0, None).prod(axis=-1)
    area = np.broadcast_to(ref.box_area(b1)[:, None], inter.shape)
    return np.divide(inter, area, out=np.zeros_like(inter), where=area > 0)


def _hull_over(inter_of, a):
    """Like :func:`_iou_over`, but the 'overlap' runs from the smaller x1, y1 to the larger x2, y2 (min/max swapped)."""
    b1, b2 = _b(a.boxes1), _b(a.boxes2)
    return inter_of(np.minimum(b1[:, None, :2], b2[None, :, :2]), np.maximum(b1[:, None, 2:], b2[None, :, 2:]), b1, b2)


def _clamped(tl, br, b1, b2):
    inter = np.clip(br - tl, 0, None).prod(axis=-1)
    union = ref.box_area(b1)[:, None] + ref.box_area(b2)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union != 0)


BOX_IOU_MISTAKES = [
    Mistake("overlap corners mixed up", output=lambda out, a: _hull_over(_clamped, a),
            hint="the overlap starts at the larger x1, y1 (np.maximum) and ends at the smaller x2, y2 (np.minimum)."),
    Mistake("overlap not clipped at 0", output=lambda out, a: _iou_over(_no_clamp, a),
            hint="clip the overlap width and height at 0 before multiplying them: boxes apart in x and in y "
                 "would otherwise 'overlap' by (negative) x (negative) > 0."),
    Mistake("union counts the intersection twice", output=lambda out, a: _iou_over(_union_without_subtracting, a),
            hint="union = area1 + area2 - intersection: the overlap is in both areas."),
    Mistake("divided by the first box's area", output=lambda out, a: _iou_over(_over_first_area, a),
            hint="divide by the union of the two boxes, not by the area of boxes1's box."),
    Mistake("corners read as (x, y, w, h)", args=lambda a: {"boxes1": _as_xywh(_b(a.boxes1)),
                                                            "boxes2": _as_xywh(_b(a.boxes2))},
            hint="the rows are corners (x1, y1, x2, y2), not (x, y, width, height): use x2, y2 as they are."),
    Mistake("x and y swapped in boxes2", args=lambda a: {"boxes2": _xy_swapped(_b(a.boxes2))},
            hint="both arguments are (x1, y1, x2, y2): columns 0 and 2 are x, 1 and 3 are y, in boxes2 too."),
    Mistake("result transposed", output=lambda out, a: out.T,
            hint="row i must be boxes1[i] and column j boxes2[j]: shape (N, M)."),
]


def check_box_iou(box_iou: Callable, hidden: bool = False) -> None:
    """Check ``box_iou(boxes1, boxes2) -> (N, M)``."""
    __tracebackhide__ = True
    c = lambda name, b1, b2, **kw: Case(name, (_b(b1), _b(b2)), **kw)  # noqa: E731
    cases = [
        c("identical boxes", [0, 0, 2, 2], [0, 0, 2, 2]),
        c("half-overlapping boxes", [0, 0, 2, 2], [1, 0, 3, 2]),
        c("boxes overlapping at a corner", [0, 0, 2, 2], [1, 1, 3, 3]),
        c("disjoint boxes", [0, 0, 2, 2], [3, 3, 5, 5], hint="boxes that do not overlap have IoU 0."),
        c("boxes touching along an edge", [0, 0, 2, 2], [2, 0, 4, 2]),
        c("a box inside another", [0, 0, 10, 10], [2, 3, 4, 8]),
        c("2 boxes vs 3 boxes", [[0, 0, 4, 2], [1, 1, 3, 6]], [[0, 0, 2, 2], [2, 1, 5, 3], [10, 10, 12, 12]],
          hint="row i must be boxes1[i] and column j boxes2[j]."),
        c("tall and wide boxes (x and y differ)", [[0, 0, 8, 2], [1, 0, 3, 9]], [[2, 0, 10, 3], [0, 4, 2, 12]]),
        c("apart in x and in y", [[0, 0, 2, 2], [10, 0, 12, 4]], [[5, 5, 8, 8], [0, 6, 4, 9]]),
        Case("float32 boxes", (_b([[0, 0, 3, 3], [1, 2, 5, 4]]).astype(np.float32), _b([[1, 1, 4, 4]]).astype(np.float32))),
        c("one box vs no boxes: shape (1, 0)", [0, 0, 1, 1], np.zeros((0, 4))),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(8):
            n, m = int(rng.integers(1, 12)), int(rng.integers(1, 12))
            cases.append(Case(f"hidden #{i + 1} ({n} vs {m} boxes)", (_random_boxes(rng, n, 20, i % 2 == 0),
                              _random_boxes(rng, m, 20, i % 2 == 0)), hidden=True))
    run_check(box_iou, reference=ref.box_iou, cases=cases, mistakes=BOX_IOU_MISTAKES)


# ------------------------------------------------------------------ nms

def _indices(out):
    """What nms returned, as a list of ints (a list, a tuple or an integer array are all fine)."""
    a = np.asarray(out)
    if a.ndim == 2 and a.shape[-1] == 4:
        raise Mismatch(f"expected indices of the kept boxes, got an array of shape {a.shape} (boxes?)",
                       "return the indices into `boxes` of the boxes you keep, not the boxes themselves.", "shape")
    if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
        raise Mismatch(f"expected a 1-D sequence of integer indices, got {type(out).__name__} of dtype {a.dtype}",
                       "return e.g. np.array(keep) with keep a list of ints.", "dtype")
    return a.astype(np.int64)


def _nms_in_given_order(boxes, scores, iou_threshold):
    b = _b(boxes)
    iou = ref.box_iou(b, b)
    keep, gone = [], np.zeros(len(b), bool)
    for i in range(len(b)):
        if not gone[i]:
            keep.append(i)
            gone |= iou[i] > iou_threshold
    return np.asarray(keep, dtype=np.int64)


def _nms_non_strict(boxes, scores, iou_threshold):
    b, s = _b(boxes), np.asarray(scores, dtype=np.float64)
    iou = ref.box_iou(b, b)
    keep, gone = [], np.zeros(len(b), bool)
    for i in np.argsort(-s, kind="stable"):
        if not gone[i]:
            keep.append(i)
            gone |= iou[i] >= iou_threshold
    return np.asarray(keep, dtype=np.int64)


def _nms_one_round(boxes, scores, iou_threshold):
    b, s = _b(boxes), np.asarray(scores, dtype=np.float64)
    best = int(np.argmax(s))
    iou = ref.box_iou(b, b)[best]
    order = np.argsort(-s, kind="stable")
    return np.asarray([i for i in order if i == best or iou[i] <= iou_threshold], dtype=np.int64)


NMS_MISTAKES = [
    Mistake("not sorted by score", _nms_in_given_order,
            "take the boxes by decreasing score (np.argsort(-scores)): the best box must survive, not the first."),
    Mistake("equal overlap suppressed", _nms_non_strict,
            "drop a box only when its IoU is greater than iou_threshold (>, not >=), as torchvision.ops.nms."),
    Mistake("suppressed only around the best box", _nms_one_round,
            "repeat: after the best box, the best remaining box suppresses its own neighbours, and so on."),
    Mistake("indices in index order", output=lambda out, a: np.sort(out),
            hint="return the kept indices by decreasing score, not sorted by index."),
    Mistake("lowest score first", output=lambda out, a: out[::-1],
            hint="return the kept indices from the highest score to the lowest."),
]


def check_nms(nms: Callable, hidden: bool = False) -> None:
    """Check ``nms(boxes, scores, iou_threshold) -> indices`` (by decreasing score)."""
    __tracebackhide__ = True
    proj = _indices
    c = lambda name, b, s, t, **kw: Case(name, (_b(b), np.asarray(s, dtype=np.float64), t),  # noqa: E731
                                         dtype_rule=None, project=proj, **kw)
    third = ref.box_iou(_b([0, 0, 10, 10]), _b([5, 0, 15, 10]))[0, 0]  # 1/3
    cases = [
        c("two far-apart boxes: both kept", [[0, 0, 2, 2], [10, 10, 12, 12]], [0.9, 0.8], 0.5),
        c("three far-apart boxes: all kept, best first", [[0, 0, 2, 2], [10, 10, 12, 12], [20, 0, 22, 2]],
          [0.2, 0.9, 0.5], 0.5, hint="return the kept indices by decreasing score."),
        c("a near-duplicate is dropped", [[0, 0, 10, 10], [1, 1, 11, 11]], [0.9, 0.8], 0.5),
        c("the best box is not the first one", [[1, 1, 11, 11], [0, 0, 10, 10], [30, 30, 40, 40]], [0.6, 0.9, 0.7], 0.5),
        c("IoU exactly at the threshold: kept", [[0, 0, 10, 10], [5, 0, 15, 10]], [0.9, 0.8], float(third)),
        c("a chain: A suppresses B, B would have suppressed C",
          [[0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]], [0.9, 0.8, 0.7], 0.3),
        c("two clusters", [[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [21, 21, 31, 31], [50, 0, 60, 5]],
          [0.5, 0.95, 0.9, 0.3, 0.6], 0.5),
        c("one box", [[3, 3, 7, 9]], [0.2], 0.5),
        c("threshold 0: any overlap suppresses", [[0, 0, 10, 10], [9, 9, 20, 20], [10, 0, 20, 9]], [0.9, 0.8, 0.7], 0.0),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(8):
            k = int(rng.integers(2, 40))
            t = float(rng.choice([0.3, 0.5, 0.7]))
            cases.append(Case(f"hidden #{i + 1} ({k} boxes, threshold {t})", (_random_boxes(rng, k, 30, False),
                              rng.permutation(k) / k, t), dtype_rule=None, project=proj, hidden=True))
    run_check(nms, reference=ref.nms, cases=cases, mistakes=NMS_MISTAKES)
