"""Student-style implementations of module 06's box functions: right ones in several forms, and wrong ones.

Self-contained (numpy only), so the grading worker can run them from this file's source.
"""

import numpy as np


# ------------------------------------------------------------------ box_area

def area_vectorized(boxes):
    boxes = np.asarray(boxes, dtype=float)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def area_loop(boxes):
    out = np.zeros(len(boxes))
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        out[i] = (x2 - x1) * (y2 - y1)
    return out


def area_keeps_float32(boxes):
    boxes = np.asarray(boxes)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return w * h


def area_abs(boxes):  # wrong: the absolute value hides nothing here, but rounding to int does
    boxes = np.asarray(boxes)
    return ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])).astype(int)


def area_no_return(boxes):
    (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


# ------------------------------------------------------------------ box_iou

def iou_vectorized(boxes1, boxes2):
    b1, b2 = np.asarray(boxes1, dtype=float), np.asarray(boxes2, dtype=float)
    tl = np.maximum(b1[:, None, :2], b2[None, :, :2])
    br = np.minimum(b1[:, None, 2:], b2[None, :, 2:])
    wh = np.clip(br - tl, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    a1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    a2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    return inter / (a1[:, None] + a2[None, :] - inter)


def iou_loop(boxes1, boxes2):
    out = np.zeros((len(boxes1), len(boxes2)))
    for i, (ax1, ay1, ax2, ay2) in enumerate(boxes1):
        for j, (bx1, by1, bx2, by2) in enumerate(boxes2):
            w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
            h = max(0.0, min(ay2, by2) - max(ay1, by1))
            inter = w * h
            union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
            out[i, j] = inter / union if union > 0 else 0.0
    return out


def iou_float32_in_float32_out(boxes1, boxes2):
    b1, b2 = np.asarray(boxes1), np.asarray(boxes2)
    x1 = np.maximum(b1[:, None, 0], b2[None, :, 0])
    y1 = np.maximum(b1[:, None, 1], b2[None, :, 1])
    x2 = np.minimum(b1[:, None, 2], b2[None, :, 2])
    y2 = np.minimum(b1[:, None, 3], b2[None, :, 3])
    inter = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    return inter / (area1[:, None] + area2[None, :] - inter)


def iou_min_max_mixed_up(boxes1, boxes2):  # wrong: the overlap's corners taken the wrong way round
    b1, b2 = np.asarray(boxes1, dtype=float), np.asarray(boxes2, dtype=float)
    tl = np.minimum(b1[:, None, :2], b2[None, :, :2])
    br = np.maximum(b1[:, None, 2:], b2[None, :, 2:])
    wh = np.clip(br - tl, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    a1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    a2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    return inter / (a1[:, None] + a2[None, :] - inter)


# ------------------------------------------------------------------ nms

def nms_loop(boxes, scores, iou_threshold):
    order = list(np.argsort(-np.asarray(scores), kind="stable"))
    keep = []
    while order:
        best = order.pop(0)
        keep.append(best)
        order = [i for i in order if iou_loop(boxes[best:best + 1], boxes[i:i + 1])[0, 0] <= iou_threshold]
    return keep  # a list of ints is fine


def nms_vectorized(boxes, scores, iou_threshold):
    iou = iou_vectorized(boxes, boxes)
    suppressed = np.zeros(len(boxes), dtype=bool)
    keep = []
    for i in np.argsort(-np.asarray(scores), kind="stable"):
        if not suppressed[i]:
            keep.append(i)
            suppressed |= iou[i] > iou_threshold
    return np.array(keep, dtype=np.int64)


def nms_returns_boxes(boxes, scores, iou_threshold):  # wrong: the boxes, not their indices
    return np.asarray(boxes)[nms_vectorized(boxes, scores, iou_threshold)]
