"""Student-style implementations of module 06's box functions: right ones in several forms, and wrong ones.

Self-contained (numpy, torch and the student-side cnncourse.helpers), so the grading worker can run them from
this file's source.
"""

import numpy as np
import torch
from torch import nn

from cnncourse.helpers.detector import PRIOR, STRIDE


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


# ------------------------------------------------------------------ the solution notebook's forms (numpy; torch for fc_to_conv)


def fc_to_conv_solution(linear, in_channels, height, width):
    """An nn.Conv2d with an (height, width) kernel computing `linear` on flattened (in_channels, height, width) maps."""
    out_features = linear.out_features
    conv = nn.Conv2d(in_channels, out_features, (height, width), bias=linear.bias is not None,
                     dtype=linear.weight.dtype)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(out_features, in_channels, height, width))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv


def encode_boxes_solution(gt, anchors):
    """Offsets (K, 4) = (tx, ty, tw, th) that turn each anchor (K, 4) into its box gt (K, 4)."""
    gt, anchors = np.asarray(gt, dtype=float), np.asarray(anchors, dtype=float)
    gw, gh = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    gx, gy = gt[:, 0] + gw / 2, gt[:, 1] + gh / 2
    ax, ay = anchors[:, 0] + aw / 2, anchors[:, 1] + ah / 2
    return np.stack([(gx - ax) / aw, (gy - ay) / ah, np.log(gw / aw), np.log(gh / ah)], axis=1)


def decode_boxes_solution(offsets, anchors):
    """Corner boxes (K, 4) from offsets (K, 4) = (tx, ty, tw, th) against anchors (K, 4)."""
    t, anchors = np.asarray(offsets, dtype=float), np.asarray(anchors, dtype=float)
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    x, y = anchors[:, 0] + aw / 2 + t[:, 0] * aw, anchors[:, 1] + ah / 2 + t[:, 1] * ah
    w, h = aw * np.exp(t[:, 2]), ah * np.exp(t[:, 3])
    return np.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=1)


def assign_anchors_solution(anchors, gt_boxes, pos_iou=0.5, neg_iou=0.4):
    """(labels, matched), each (A,): 1 / 0 / -1 per anchor and the index of a positive anchor's box (else -1)."""
    anchors, gt_boxes = np.asarray(anchors, dtype=float), np.asarray(gt_boxes, dtype=float).reshape(-1, 4)
    labels = np.zeros(len(anchors), dtype=np.int64)
    matched = np.full(len(anchors), -1, dtype=np.int64)
    if len(gt_boxes) == 0:
        return labels, matched
    iou = iou_vectorized(anchors, gt_boxes)  # (A, G)
    best, best_box = iou.max(axis=1), iou.argmax(axis=1)
    labels[best >= neg_iou] = -1
    per_box = iou.max(axis=0)  # each box's best IoU over the anchors
    positive = (best >= pos_iou) | ((iou == per_box) & (per_box > 0)).any(axis=1)
    labels[positive] = 1
    matched[positive] = best_box[positive]
    return labels, matched


def average_precision_solution(scores, is_true_positive, n_ground_truth):
    """All-point interpolated AP of one class's detections."""
    scores = np.asarray(scores, dtype=float)
    is_tp = np.asarray(is_true_positive, dtype=bool)
    if len(scores) == 0:
        return 0.0
    hits = np.cumsum(is_tp[np.argsort(-scores, kind="stable")])
    precision = hits / np.arange(1, len(scores) + 1)
    recall = hits / n_ground_truth
    best_after = np.maximum.accumulate(precision[::-1])[::-1]
    return float((np.diff(recall, prepend=0.0) * best_after).sum())


def mean_average_precision_solution(detections, ground_truth, iou_threshold=0.5):
    """mAP over the classes with ground-truth objects; one dict per image in each list."""
    dets = [{k: np.asarray(d[k]) for k in ("boxes", "scores", "labels")} for d in detections]
    gts = [{k: np.asarray(g[k]) for k in ("boxes", "labels")} for g in ground_truth]
    classes = sorted({int(c) for g in gts for c in g["labels"]})
    aps = []
    for c in classes:
        scores, hits, n_objects = [], [], 0
        for det, gt in zip(dets, gts):
            objects = gt["boxes"].reshape(-1, 4)[gt["labels"] == c]
            mine = det["labels"] == c
            boxes, s = det["boxes"].reshape(-1, 4)[mine], det["scores"][mine].astype(float)
            order = np.argsort(-s, kind="stable")
            boxes, s = boxes[order], s[order]
            n_objects += len(objects)
            taken = np.zeros(len(objects), dtype=bool)
            iou = iou_vectorized(boxes, objects) if len(boxes) and len(objects) else np.zeros((len(boxes), len(objects)))
            for k in range(len(boxes)):
                free = np.where(taken, -1.0, iou[k])
                j = int(np.argmax(free)) if len(objects) else -1
                hit = j >= 0 and free[j] >= iou_threshold
                if hit:
                    taken[j] = True
                hits.append(hit)
            scores.extend(s)
        aps.append(average_precision_solution(scores, hits, n_objects))
    return float(np.mean(aps))


def decode_predictions_solution(grid_output, score_threshold=0.05, iou_threshold=0.5):
    """One dict {"boxes", "scores", "labels"} per image from the grid detector's raw output (N, 5 + C, G, G)."""
    out = torch.as_tensor(grid_output).detach().double().numpy()
    n, _, g, _ = out.shape
    rows, cols = np.meshgrid(np.arange(g), np.arange(g), indexing="ij")
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    x, y = (cols + sigmoid(out[:, 1])) * STRIDE, (rows + sigmoid(out[:, 2])) * STRIDE  # (N, G, G)
    w, h = PRIOR * np.exp(out[:, 3]), PRIOR * np.exp(out[:, 4])
    boxes = np.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=-1).reshape(n, -1, 4)
    logits = out[:, 5:]
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    labels = probs.argmax(axis=1).reshape(n, -1)
    scores = (sigmoid(out[:, 0]) * probs.max(axis=1)).reshape(n, -1)
    results = []
    for b, s, lab in zip(boxes, scores, labels):
        candidates = np.flatnonzero(s >= score_threshold)
        keep = []
        for c in np.unique(lab[candidates]):
            idx = candidates[lab[candidates] == c]
            keep.extend(idx[nms_vectorized(b[idx], s[idx], iou_threshold)])
        keep = np.array(keep, dtype=np.int64)
        keep = keep[np.argsort(-s[keep], kind="stable")]
        results.append({"boxes": b[keep], "scores": s[keep], "labels": lab[keep]})
    return results
