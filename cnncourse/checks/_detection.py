"""Checks of module 06_detection's graded functions.

Module 06 is still being written (``course.PLANNED``): this file becomes ``checks/detection.py``
(and "detection" joins ``checks.MODULES``) when the module's notebooks are added.  Introduced in notebooks/06_detection_lecture.ipynb.  Each ``check_<function>`` takes the
student's function, runs named cases against the references (:mod:`cnncourse.ref.boxes`,
:mod:`cnncourse.ref.metrics`, :mod:`cnncourse.torch_ref.overfeat`,
:mod:`cnncourse.torch_ref.detector`), names known mistakes in its hints, and prints one line
when everything passes.  ``hidden=True`` adds random cases drawn from ``CNNCOURSE_GRADING_SEED``.
Boxes are corners ``(x1, y1, x2, y2)`` in pixels (DESIGN.md §4).

- ``box_area``, ``box_iou``, ``nms``: :mod:`cnncourse.checks._boxes` (re-exported here);
- ``fc_to_conv``: the student's conv runs next to the student's code (the grading worker when
  grading) on a linear layer and inputs the check chooses; only its outputs come back;
- ``encode_boxes``, ``decode_boxes``, ``assign_anchors``: anchors;
- ``average_precision``, ``mean_average_precision``: evaluation (all-point interpolation, IoU >= 0.5);
- ``decode_predictions``: the grid detector's raw output to boxes, scores and labels, NMS per class.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..ref import boxes as ref
from ..ref import metrics as ref_metrics
from ..worker import fixtures
from ._boxes import BOX_AREA_MISTAKES, BOX_IOU_MISTAKES, NMS_MISTAKES, check_box_area, check_box_iou, check_nms
from ._core import Case, Mismatch, Mistake, hidden_rng, require_student_function, run_check
from ._properties import FixtureDriver

__all__ = ["check_box_area", "check_box_iou", "check_nms", "check_fc_to_conv", "check_encode_boxes",
           "check_decode_boxes", "check_assign_anchors", "check_average_precision",
           "check_mean_average_precision", "check_decode_predictions",
           "BOX_AREA_MISTAKES", "BOX_IOU_MISTAKES", "NMS_MISTAKES", "FC_TO_CONV_MISTAKES", "ENCODE_MISTAKES",
           "DECODE_MISTAKES", "ASSIGN_MISTAKES", "AP_MISTAKES", "MAP_MISTAKES", "DECODE_PREDICTIONS_MISTAKES"]


def _b(rows):
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def _centres(b):
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    return b[:, 0] + w / 2, b[:, 1] + h / 2, w, h


def _corners(cx, cy, w, h):
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


def _random_boxes(rng, k, size=60.0, smallest=2.0):
    xy = rng.uniform(0, size, (k, 2))
    wh = rng.uniform(smallest, size / 2, (k, 2))
    return np.concatenate([xy, xy + wh], axis=1)


# ------------------------------------------------------------------ fc_to_conv

def _torch():
    import torch

    return torch


def _on_linear(func):
    """``func(linear, in_channels, height, width)`` as a function of the linear's weights and the inputs."""
    def fc_to_conv(weight, bias, in_channels, height, width, inputs):
        return fixtures.fc_to_conv_outputs(func, weight, bias, in_channels, height, width, inputs)
    fc_to_conv.inner = func  # the function as a student would pass it
    return fc_to_conv


def _student_on_linear(student):
    drive = FixtureDriver(student)

    def fc_to_conv(weight, bias, in_channels, height, width, inputs):
        return drive("fc_to_conv_outputs", student, weight, bias, in_channels, height, width, inputs)
    fc_to_conv.inner = student
    return fc_to_conv


def _fc_view(value):
    """The conv's outputs as a tuple of arrays, or the Mismatch that says what went wrong."""
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3) or value[0] not in ("ok", "problem"):
        raise Mismatch(f"expected an nn.Conv2d, got {type(value).__name__}", "return the nn.Conv2d you built.", "type")
    if value[0] == "ok":
        return tuple(np.asarray(out) for out in value[1])
    kind, detail = value[1], value[2]
    if kind == "type":
        raise Mismatch(f"expected an nn.Conv2d, got {detail}",
                       "return one nn.Conv2d(in_channels, linear.out_features, (height, width)) holding the linear "
                       "layer's weights: not a Sequential, not a tensor, not the weights." if detail != "NoneType"
                       else "end the function with `return conv`.", "type")
    if kind == "linear changed":
        raise Mismatch("it changed the linear layer's weights (or their shape)",
                       "build the conv's weight from a reshaped copy or view (linear.weight.reshape(...)) without "
                       "assigning to linear.weight or linear.weight.data: the caller's layer must not change.",
                       "values")
    raise Mismatch(f"your conv raised on maps of shape {detail}",
                   "the conv reads the maps unflattened, (N, in_channels, height, width): in_channels input channels "
                   "and a (height, width) kernel covering the whole map, not a 1 x 1 kernel over "
                   "in_channels * height * width channels; kernel_size is (height, width), in that order.", "shape")


def _fc_variant(*, order="chw", bias=True, stride1=True, padding=0, wh_swapped=False):
    def fc_to_conv(linear, in_channels, height, width):
        torch = _torch()
        out_f = linear.out_features
        w = linear.weight.detach()
        if order == "hwc":
            w = w.reshape(out_f, height, width, in_channels).permute(0, 3, 1, 2)
        elif wh_swapped:
            w = w.reshape(out_f, in_channels, width, height).transpose(2, 3)
        else:
            w = w.reshape(out_f, in_channels, height, width)
        use_bias = bias and linear.bias is not None
        conv = torch.nn.Conv2d(in_channels, out_f, (height, width), stride=1 if stride1 else (height, width),
                               padding=padding, bias=use_bias, dtype=w.dtype)
        with torch.no_grad():
            conv.weight.copy_(w)
            if use_bias:
                conv.bias.copy_(linear.bias)
        return conv
    return _on_linear(fc_to_conv)


FC_TO_CONV_MISTAKES = [
    Mistake("weights reshaped in (height, width, channels) order", _fc_variant(order="hwc"),
            "torch.flatten(x, 1) puts the channels first (C, H, W): reshape the weight straight to (out_features, "
            "in_channels, height, width), with no permute."),
    Mistake("height and width swapped in the weights", _fc_variant(wh_swapped=True),
            "flattening runs over (C, H, W): weight.reshape(out_features, in_channels, height, width), then the "
            "kernel's rows are the map's rows."),
    Mistake("bias dropped", _fc_variant(bias=False),
            "copy the linear layer's bias into conv.bias (nn.Conv2d(..., bias=linear.bias is not None))."),
    Mistake("stride equal to the kernel size", _fc_variant(stride1=False),
            "keep stride 1: on a larger input the conv must score the window at every position, one pixel apart, "
            "as a sliding window would (the windows overlap)."),
    Mistake("padding added", _fc_variant(padding=1),
            "no padding: on the original size the conv has exactly one position, the whole map, like the linear layer."),
]


def _fc_cases(hidden):
    rng = np.random.default_rng(6)

    def case(name, c, h, w, out_f, sizes, bias=True, dtype=np.float32, n=2, is_hidden=False, gen=rng):
        weight = gen.standard_normal((out_f, c * h * w)).astype(dtype) / math.sqrt(c * h * w)
        b = gen.standard_normal(out_f).astype(dtype) if bias else None
        inputs = [gen.standard_normal((n, c, hh, ww)).astype(dtype) for hh, ww in sizes]
        names = tuple(f"output on maps {tuple(x.shape)}" for x in inputs)
        return Case(name, (weight, b, c, h, w, inputs), project=_fc_view, item_names=names, hidden=is_hidden)

    cases = [
        case("2 channels of 3 x 3 -> 4 scores, original size", 2, 3, 3, 4, [(3, 3)]),
        case("non-square maps: 3 channels of 2 x 4 -> 5 scores", 3, 2, 4, 5, [(2, 4)]),
        case("a linear layer without bias", 2, 3, 2, 3, [(3, 2)], bias=False),
        case("a larger input: 3 x 3 maps -> a 4 x 5 score map", 2, 3, 3, 4, [(3, 3), (6, 7)]),
        case("float64 weights, 4 channels of 5 x 5 -> 10 scores, on 5 x 5 and 9 x 12", 4, 5, 5, 10, [(5, 5), (9, 12)],
             dtype=np.float64),
        case("one image, 1 channel of 4 x 3, on 4 x 3 and 8 x 3", 1, 4, 3, 2, [(4, 3), (8, 3)], n=1),
    ]
    if hidden:
        gen = hidden_rng()
        for i in range(3):
            c, h, w, out_f = (int(v) for v in gen.integers(1, 5, 4))
            sizes = [(h, w), (h + int(gen.integers(1, 5)), w + int(gen.integers(1, 5)))]
            cases.append(case(f"hidden #{i + 1} ({c} x {h} x {w} -> {out_f}, on {sizes[1]})", c, h, w, out_f, sizes,
                              bias=i != 1, dtype=np.float64 if i == 2 else np.float32, is_hidden=True, gen=gen))
    return cases


def check_fc_to_conv(fc_to_conv: Callable, hidden: bool = False) -> None:
    """Check ``fc_to_conv(linear, in_channels, height, width) -> nn.Conv2d``.

    The check builds each linear layer (its weights, bias and dtype chosen here), hands it to
    ``fc_to_conv`` and runs the returned conv on maps of the original size and larger ones: the
    outputs must be the linear's on the original size and the same dot product at every
    window position on larger maps.
    """
    __tracebackhide__ = True
    require_student_function(fc_to_conv, "fc_to_conv")
    from ..torch_ref import overfeat

    run_check(_student_on_linear(fc_to_conv), reference=_on_linear(overfeat.fc_to_conv), cases=_fc_cases(hidden),
              mistakes=FC_TO_CONV_MISTAKES, name="fc_to_conv", cache=False)


# ------------------------------------------------------------------ encode_boxes / decode_boxes

def _encode(gt, anchors, *, scale="anchor", log=True, centre=True, flip=False, swap_wh=False):
    g, a = _b(gt), _b(anchors)
    if centre:
        (gx, gy, gw, gh), (ax, ay, aw, ah) = _centres(g), _centres(a)
    else:
        (_, _, gw, gh), (_, _, aw, ah) = _centres(g), _centres(a)
        gx, gy, ax, ay = g[:, 0], g[:, 1], a[:, 0], a[:, 1]
    sx, sy = {"anchor": (aw, ah), "box": (gw, gh), "none": (1.0, 1.0)}[scale]
    if swap_wh:
        sx, sy = sy, sx
    if flip:
        tx, ty, rw, rh = (ax - gx) / sx, (ay - gy) / sy, aw / gw, ah / gh
    else:
        tx, ty, rw, rh = (gx - ax) / sx, (gy - ay) / sy, gw / aw, gh / ah
    size = (np.log(rw), np.log(rh)) if log else (rw, rh)
    return np.stack([tx, ty, *size], axis=1)


def _enc_mistake(name, hint, **slip):
    def encode_boxes(gt, anchors):
        return _encode(gt, anchors, **slip)
    return Mistake(name, encode_boxes, hint)


ENCODE_MISTAKES = [
    _enc_mistake("offsets not divided by the anchor size",
                 "tx = (gx - ax) / aw and ty = (gy - ay) / ah: offsets are measured in anchor widths and heights, so "
                 "they mean the same for a small and a large anchor.", scale="none"),
    _enc_mistake("log missing on the sizes", "tw = log(gw / aw), th = log(gh / ah): the size ratio on a log scale "
                 "(0 for the anchor's own size, symmetric for twice and half as large).", log=False),
    _enc_mistake("corners instead of centres", "measure the offset between the centres, gx = (x1 + x2) / 2 and "
                 "ax likewise, not between the top-left corners.", centre=False),
    _enc_mistake("anchor minus box", "the offsets take the anchor to the box: tx = (gx - ax) / aw, tw = log(gw / aw) "
                 "(box minus anchor, box over anchor).", flip=True),
    _enc_mistake("divided by the box's size, not the anchor's", "divide by the anchor's width and height "
                 "(aw, ah): the anchor is known before the box is.", scale="box"),
    _enc_mistake("x offset divided by the height", "tx is divided by the anchor's width aw (x2 - x1), ty by its "
                 "height ah (y2 - y1).", swap_wh=True),
]


def _anchors_and_boxes(rng, k):
    """Anchors and boxes near them (as matched pairs are), both of positive size."""
    anchors = _random_boxes(rng, k, 60.0, 4.0)
    (ax, ay, aw, ah) = _centres(anchors)
    gx, gy = ax + rng.uniform(-0.4, 0.4, k) * aw, ay + rng.uniform(-0.4, 0.4, k) * ah
    gw, gh = aw * np.exp(rng.uniform(-0.7, 0.7, k)), ah * np.exp(rng.uniform(-0.7, 0.7, k))
    return _corners(gx, gy, gw, gh), anchors


def check_encode_boxes(encode_boxes: Callable, hidden: bool = False) -> None:
    """Check ``encode_boxes(gt, anchors) -> (K, 4)`` offsets (tx, ty, tw, th)."""
    __tracebackhide__ = True
    c = lambda name, g, a, **kw: Case(name, (_b(g), _b(a)), **kw)  # noqa: E731
    cases = [
        c("a box equal to its anchor: all zeros", [2, 2, 6, 6], [2, 2, 6, 6]),
        c("shifted right by half the anchor's width", [4, 0, 8, 4], [2, 0, 6, 4]),
        c("twice as tall, centred on a square anchor", [0, -2, 4, 6], [0, 0, 4, 4]),
        c("a wide anchor and a tall box", [[10, 5, 14, 25]], [[0, 10, 20, 20]]),
        c("three boxes against three anchors", [[2, 2, 6, 10], [0, 0, 8, 8], [30, 30, 33, 40]],
          [[0, 0, 4, 4], [1, 1, 9, 9], [28, 32, 36, 36]]),
        Case("float32 inputs", (_b([[1, 2, 5, 9]]).astype(np.float32), _b([[0, 0, 6, 6]]).astype(np.float32))),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            k = int(rng.integers(1, 20))
            cases.append(Case(f"hidden #{i + 1} ({k} boxes)", _anchors_and_boxes(rng, k), hidden=True))
    run_check(encode_boxes, reference=ref.encode_boxes, cases=cases, mistakes=ENCODE_MISTAKES)


def _decode(offsets, anchors, *, scale=True, exp=True, corners=True, full_size=False, from_corner=False,
            swap_wh=False):
    t, a = np.asarray(offsets, dtype=np.float64), _b(anchors)
    ax, ay, aw, ah = _centres(a)
    sx, sy = (ah, aw) if swap_wh else (aw, ah)
    if not scale:
        sx, sy = 1.0, 1.0
    base_x, base_y = (a[:, 0], a[:, 1]) if from_corner else (ax, ay)
    x, y = base_x + t[:, 0] * sx, base_y + t[:, 1] * sy
    w, h = (aw * np.exp(t[:, 2]), ah * np.exp(t[:, 3])) if exp else (aw * t[:, 2], ah * t[:, 3])
    if from_corner:
        return np.stack([x, y, x + w, y + h], axis=1)
    if not corners:
        return np.stack([x, y, w, h], axis=1)
    half = 1.0 if full_size else 0.5
    return np.stack([x - half * w, y - half * h, x + half * w, y + half * h], axis=1)


def _dec_mistake(name, hint, **slip):
    def decode_boxes(offsets, anchors):
        return _decode(offsets, anchors, **slip)
    return Mistake(name, decode_boxes, hint)


DECODE_MISTAKES = [
    _dec_mistake("exp missing on the sizes", "tw and th are logarithms: w = aw * exp(tw), h = ah * exp(th).",
                 exp=False),
    _dec_mistake("offsets not multiplied by the anchor size", "offsets are in anchor widths and heights: "
                 "x = ax + tx * aw, y = ay + ty * ah.", scale=False),
    _dec_mistake("(cx, cy, w, h) returned, not corners", "return corners (x - w / 2, y - h / 2, x + w / 2, "
                 "y + h / 2), the format boxes have everywhere in this course.", corners=False),
    _dec_mistake("the full size on each side of the centre", "the box reaches half its width to each side: "
                 "x1 = x - w / 2, x2 = x + w / 2.", full_size=True),
    _dec_mistake("offsets added to the corner, not the centre", "the offsets move the anchor's centre "
                 "(ax = (x1 + x2) / 2): decode the centre and size first, then the corners.", from_corner=True),
    _dec_mistake("x offset scaled by the height", "tx is in units of the anchor's width (aw = x2 - x1), ty of its "
                 "height.", swap_wh=True),
]


def check_decode_boxes(decode_boxes: Callable, hidden: bool = False) -> None:
    """Check ``decode_boxes(offsets, anchors) -> (K, 4)`` corner boxes, the inverse of ``encode_boxes``."""
    __tracebackhide__ = True
    c = lambda name, t, a, **kw: Case(name, (np.asarray(t, dtype=np.float64).reshape(-1, 4), _b(a)), **kw)  # noqa: E731
    cases = [
        c("zero offsets: the anchor itself", [0, 0, 0, 0], [2, 2, 6, 6]),
        c("moved right by half the anchor's width", [0.5, 0, 0, 0], [2, 0, 6, 4]),
        c("twice as tall", [0, 0, 0, math.log(2)], [0, 0, 4, 4]),
        c("a wide anchor, moved and resized", [[-0.3, 0.8, -1.2, 0.4]], [[0, 10, 20, 20]]),
        c("three anchors", [[0.5, 1, 0, math.log(2)], [0.1, -0.2, 0.3, -0.3], [0, 0, -0.5, 0.25]],
          [[0, 0, 4, 4], [1, 1, 9, 9], [28, 32, 36, 36]]),
        Case("float32 offsets and anchors", (np.asarray([[0.2, -0.1, 0.3, 0.1]], np.float32),
                                             _b([[0, 0, 6, 6]]).astype(np.float32))),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            k = int(rng.integers(1, 20))
            gt, anchors = _anchors_and_boxes(rng, k)
            cases.append(Case(f"hidden #{i + 1} ({k} anchors)", (ref.encode_boxes(gt, anchors), anchors), hidden=True))
    run_check(decode_boxes, reference=ref.decode_boxes, cases=cases, mistakes=DECODE_MISTAKES)


# ------------------------------------------------------------------ assign_anchors

def _assign(anchors, gt_boxes, pos_iou=0.5, neg_iou=0.4, *, low_quality=True, ignore=True, strict=False,
            matched_all=False, one_per_gt=False, codes_swapped=False, zero_overlap=False):
    a, g = _b(anchors), _b(gt_boxes)
    labels, matched = np.zeros(len(a), dtype=np.int64), np.full(len(a), -1, dtype=np.int64)
    if len(g) == 0:
        return labels, matched
    iou = ref.box_iou(a, g)
    best, best_gt = iou.max(axis=1), iou.argmax(axis=1)
    if ignore:
        labels[(best > neg_iou) if strict else (best >= neg_iou)] = -1
    positive = (best > pos_iou) if strict else (best >= pos_iou)
    if low_quality:
        per_gt = iou.max(axis=0)
        if one_per_gt:
            forced = np.zeros(len(a), bool)
            forced[iou.argmax(axis=0)[per_gt > 0]] = True
        else:
            forced = ((iou == per_gt[None, :]) & ((per_gt[None, :] > 0) | zero_overlap)).any(axis=1)
        positive |= forced
    labels[positive] = 1
    matched[positive] = best_gt[positive]
    if matched_all:
        matched = best_gt.astype(np.int64)
    if codes_swapped:
        labels = np.where(labels == 0, -1, np.where(labels == -1, 0, labels))
    return labels, matched


def _assign_mistake(name, hint, **slip):
    def assign_anchors(anchors, gt_boxes, pos_iou=0.5, neg_iou=0.4):
        return _assign(anchors, gt_boxes, pos_iou, neg_iou, **slip)
    return Mistake(name, assign_anchors, hint)


ASSIGN_MISTAKES = [
    _assign_mistake("an object's best anchor not made positive", "an object whose best IoU with any anchor is below "
                    "pos_iou would get no anchor at all: also mark positive every anchor that is (tied for) the "
                    "best anchor of some box (iou.max(axis=0)).", low_quality=False),
    _assign_mistake("no ignore band", "anchors with pos_iou > best IoU >= neg_iou are neither positive nor "
                    "negative: label them -1 (ignored), not 0.", ignore=False),
    _assign_mistake("thresholds compared strictly", "positive when the best IoU >= pos_iou, negative when it is "
                    "< neg_iou: an IoU exactly at a threshold is on the >= side.", strict=True),
    _assign_mistake("matched set for every anchor", "matched holds the box index for positive anchors only and -1 "
                    "for negative and ignored ones.", matched_all=True),
    _assign_mistake("one best anchor per object, ties dropped", "when several anchors tie for a box's best IoU, "
                    "all of them are made positive (compare with iou.max(axis=0), not argmax, which picks one).",
                    one_per_gt=True),
    _assign_mistake("labels -1 and 0 swapped", "1 is positive, 0 negative (background) and -1 ignored.",
                    codes_swapped=True),
    _assign_mistake("a box with no overlap given an anchor", "a box that overlaps no anchor (best IoU 0) has no "
                    "best anchor: IoU 0 is no match, so it makes no anchor positive (argmax of all zeros is "
                    "anchor 0).", zero_overlap=True),
]


def _grid_anchors(n, step, size, ratio=1.0):
    centres = (np.arange(n) + 0.5) * step
    cx, cy = np.meshgrid(centres, centres)
    w, h = size * math.sqrt(ratio), size / math.sqrt(ratio)
    return _corners(cx.ravel(), cy.ravel(), np.full(cx.size, w), np.full(cx.size, h))


def check_assign_anchors(assign_anchors: Callable, hidden: bool = False) -> None:
    """Check ``assign_anchors(anchors, gt_boxes, pos_iou=0.5, neg_iou=0.4) -> (labels, matched)``."""
    __tracebackhide__ = True
    names = ("labels", "matched")

    def c(name, a, g, *extra, **kw):
        return Case(name, (_b(a), _b(g), *extra), dtype_rule=None, item_names=names, **kw)
    three = [[0, 0, 10, 10], [5, 0, 15, 10], [40, 40, 50, 50]]
    cases = [
        c("a box on an anchor: positive, negative", [[0, 0, 10, 10], [40, 40, 50, 50]], [[0, 0, 10, 10]]),
        c("IoU 0.82, 0.43 and 0: positive, ignored, negative", three, [[1, 0, 11, 10]]),
        c("two boxes, each with its anchors", [[0, 0, 10, 10], [2, 0, 12, 10], [30, 30, 40, 40], [31, 30, 41, 40],
                                              [80, 80, 90, 90]], [[30, 30, 40, 40], [1, 0, 11, 10]]),
        c("IoU exactly 0.5 and exactly 0.4", [[0, 0, 10, 10], [0, 0, 10, 20], [0, 0, 10, 40], [0, 0, 12, 40]],
          [[0, 0, 10, 20]]),
        c("a small box: its best anchor (IoU 0.16) is made positive", three, [[0, 0, 4, 4]]),
        c("two anchors tie for a small box: both positive", [[0, 0, 10, 10], [4, 0, 14, 10], [30, 0, 40, 10]],
          [[4, 0, 10, 4]]),
        c("a box that overlaps no anchor", three, [[100, 100, 110, 110], [0, 0, 10, 10]]),
        c("no boxes: every anchor negative", three, np.zeros((0, 4))),
        c("pos_iou 0.7, neg_iou 0.3", three, [[1, 0, 11, 10]], 0.7, 0.3),
        c("a grid of anchors, three boxes", _grid_anchors(4, 16, 20), [[2, 2, 24, 22], [30, 28, 62, 50],
                                                                       [40, 2, 52, 14]]),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            anchors = np.concatenate([_grid_anchors(4, 16, float(s), r) for s, r in ((16, 1), (28, 2), (28, 0.5))])
            g = _random_boxes(rng, int(rng.integers(1, 6)), 64.0, 6.0)
            cases.append(Case(f"hidden #{i + 1} ({len(anchors)} anchors, {len(g)} boxes)", (anchors, g),
                              dtype_rule=None, item_names=names, hidden=True))
    run_check(assign_anchors, reference=ref.assign_anchors, cases=cases, mistakes=ASSIGN_MISTAKES)


# ------------------------------------------------------------------ average_precision

def average_precision(scores, is_true_positive, n_ground_truth):
    """The reference with the student's signature (all-point interpolation)."""
    return ref_metrics.average_precision(scores, is_true_positive, n_ground_truth)


def _pr(scores, is_true_positive, n_ground_truth, *, sort=True, per_detection=False):
    s = np.asarray(scores, dtype=np.float64)
    tp = np.asarray(is_true_positive).astype(bool)
    order = np.argsort(-s, kind="stable") if sort else np.arange(len(s))
    hits = np.cumsum(tp[order])
    precision = hits / np.arange(1, len(s) + 1)
    recall = hits / (len(s) if per_detection else n_ground_truth)
    return precision, recall, tp[order]


def _ap_variant(kind):
    def average_precision(scores, is_true_positive, n_ground_truth):
        precision, recall, tp = _pr(scores, is_true_positive, n_ground_truth, sort=kind != "unsorted",
                                    per_detection=kind == "per detection")
        if len(precision) == 0:
            return 0.0
        envelope = np.maximum.accumulate(precision[::-1])[::-1]
        steps = np.diff(np.concatenate([[0.0], recall]))
        if kind == "raw":
            return float((steps * precision).sum())
        if kind == "11":
            at = np.searchsorted(recall, np.linspace(0, 1, 11), side="left")
            return float(np.where(at < len(recall), envelope[np.minimum(at, len(recall) - 1)], 0.0).mean())
        if kind == "mean over hits":
            return float(precision[tp].mean()) if tp.any() else 0.0
        if kind == "trapezoid":
            r = np.concatenate([[0.0], recall])
            p = np.concatenate([[1.0], precision])
            return float(((r[1:] - r[:-1]) * (p[1:] + p[:-1]) / 2).sum())
        return float((steps * envelope).sum())
    return average_precision


AP_MISTAKES = [
    Mistake("AP without interpolation", _ap_variant("raw"),
            "interpolate: at each recall step use the best precision at this recall or any higher one "
            "(np.maximum.accumulate over the reversed precisions), not the precision at that rank."),
    Mistake("recall divided by the detections", _ap_variant("per detection"),
            "recall = true positives so far / n_ground_truth (the objects there were to find), not / the number "
            "of detections."),
    Mistake("detections not sorted by score", _ap_variant("unsorted"),
            "rank the detections by decreasing score first (np.argsort(-scores, kind='stable')), then accumulate."),
    Mistake("11-point interpolation", _ap_variant("11"),
            "that is VOC2007's 11-point mean; this AP sums the interpolated precision over every recall step "
            "(all-point, VOC2010 and later)."),
    Mistake("101-point interpolation (COCO)", lambda scores, is_true_positive, n_ground_truth:
            ref_metrics.average_precision(scores, is_true_positive, n_ground_truth, interpolation="101"),
            "that is COCO's (and torchmetrics') mean over 101 recall points; this AP sums the interpolated precision "
            "over every recall step (all-point, VOC2010 and later)."),
    Mistake("mean precision of the true positives", _ap_variant("mean over hits"),
            "objects never found count too: sum precision x recall step, with recall divided by n_ground_truth "
            "(dividing by the hits found forgets the missed objects)."),
    Mistake("area by the trapezoid rule", _ap_variant("trapezoid"),
            "AP is a sum of rectangles: each recall step times the interpolated precision, not the trapezoid area "
            "under the raw curve."),
]


def check_average_precision(average_precision: Callable, hidden: bool = False) -> None:
    """Check ``average_precision(scores, is_true_positive, n_ground_truth) -> float`` (all-point interpolation)."""
    __tracebackhide__ = True
    c = lambda name, s, tp, n, **kw: Case(name, (np.asarray(s, dtype=np.float64), np.asarray(tp, dtype=bool), n),  # noqa: E731
                                          dtype_rule=None, **kw)
    cases = [
        c("every detection right, every object found", [0.9, 0.8], [True, True], 2),
        c("one miss in the middle", [0.9, 0.8, 0.7], [True, False, True], 2),
        c("precision rises again after a miss (interpolation)", [0.9, 0.8, 0.7, 0.6], [True, False, True, True], 3),
        c("not every object found", [0.9, 0.8, 0.7], [True, False, True], 5),
        c("scores not in order", [0.3, 0.9, 0.6, 0.8, 0.1], [True, False, True, True, False], 4),
        c("a miss ranked first", [0.95, 0.9, 0.5, 0.4, 0.3], [False, True, False, True, True], 3),
        c("no true positive", [0.9, 0.5], [False, False], 3),
        c("no detections", [], [], 2, hint="with no detections nothing was found: AP 0."),
        Case("lists, with 0/1 for the matches", ([0.9, 0.2, 0.7, 0.4], [1, 0, 0, 1], 3), dtype_rule=None),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(5):
            d = int(rng.integers(3, 40))
            tp = rng.random(d) < rng.uniform(0.2, 0.8)
            cases.append(Case(f"hidden #{i + 1} ({d} detections)", (rng.random(d), tp, int(tp.sum() + rng.integers(0, 5)
                              if tp.sum() else rng.integers(1, 5))), dtype_rule=None, hidden=True))
    run_check(average_precision, reference=globals()["average_precision"], cases=cases, mistakes=AP_MISTAKES,
              name="average_precision")


# ------------------------------------------------------------------ mean_average_precision

def mean_average_precision(detections, ground_truth, iou_threshold=0.5):
    """The reference with the student's signature: mAP over the classes that have objects."""
    return ref_metrics.mean_average_precision(detections, ground_truth, iou_threshold)[0]


def _arrays(item, keys):
    return {k: np.asarray(item[k], dtype=np.float64 if k != "labels" else np.int64).reshape((-1, 4) if k == "boxes"
                                                                                            else (-1,))
            for k in keys}


def _map_variant(*, duplicates=False, ignore_class=False, pooled=False, strict=False, absent_classes=False,
                 per_image=False, first_match=False, given_order=False):
    def match(dets, gts, label, t):
        scores, hits, n_gt = [], [], 0
        for det, gt in zip(dets, gts):
            keep = det["labels"] == label
            d_boxes, d_scores = det["boxes"][keep], det["scores"][keep]
            g_boxes = gt["boxes"] if ignore_class else gt["boxes"][gt["labels"] == label]
            n_gt += int((gt["labels"] == label).sum())
            order = np.arange(len(d_scores)) if given_order else np.argsort(-d_scores, kind="stable")
            d_boxes, d_scores = d_boxes[order], d_scores[order]
            tp = np.zeros(len(d_boxes), dtype=bool)
            if len(g_boxes) and len(d_boxes):
                iou = ref.box_iou(d_boxes, g_boxes)
                taken = np.zeros(len(g_boxes), dtype=bool)
                for k in range(len(d_boxes)):
                    free = iou[k] if duplicates else np.where(taken, -1.0, iou[k])
                    ok = (free > t) if strict else (free >= t)
                    if not ok.any():
                        continue
                    j = int(np.flatnonzero(ok)[0]) if first_match else int(np.argmax(free))
                    tp[k], taken[j] = True, True
            scores.append(d_scores)
            hits.append(tp)
        tp = np.concatenate(hits) if hits else np.zeros(0, bool)
        if tp.sum() > n_gt:  # duplicates or other classes matched: the AP of what was counted
            n_gt = int(tp.sum())
        return (np.concatenate(scores) if scores else np.zeros(0)), tp, n_gt

    def mean_ap(dets, gts, t):
        if pooled:
            dets = [{**d, "labels": np.zeros_like(d["labels"])} for d in dets]
            gts = [{**g, "labels": np.zeros_like(g["labels"])} for g in gts]
        classes = sorted({int(c) for g in gts for c in g["labels"]} |
                         ({int(c) for d in dets for c in d["labels"]} if absent_classes else set()))
        aps = []
        for c in classes:
            s, tp, n = match(dets, gts, c, t)
            aps.append(ref_metrics.average_precision(s, tp, n) if n else 0.0)
        return float(np.mean(aps)) if aps else float("nan")

    def mean_average_precision(detections, ground_truth, iou_threshold=0.5):
        dets = [_arrays(d, ("boxes", "scores", "labels")) for d in detections]
        gts = [_arrays(g, ("boxes", "labels")) for g in ground_truth]
        if per_image:
            values = [mean_ap([d], [g], iou_threshold) for d, g in zip(dets, gts) if len(g["labels"])]
            return float(np.mean(values)) if values else float("nan")
        return mean_ap(dets, gts, iou_threshold)
    return mean_average_precision


MAP_MISTAKES = [
    Mistake("duplicates counted as true positives", _map_variant(duplicates=True),
            "each object can be found once: mark an object as taken when a detection matches it, and count a later "
            "detection of it as a false positive."),
    Mistake("classes ignored when matching", _map_variant(ignore_class=True),
            "a detection matches only objects of its own class: for class c, take the detections labelled c and the "
            "ground-truth boxes labelled c."),
    Mistake("one AP over all classes", _map_variant(pooled=True),
            "compute an AP for each class separately and average those: pooling every class into one ranking is "
            "class-agnostic AP."),
    Mistake("IoU must exceed the threshold", _map_variant(strict=True),
            "a detection matches when its IoU is at least iou_threshold (>=): IoU exactly 0.5 counts at mAP@0.5."),
    Mistake("classes without objects averaged in", _map_variant(absent_classes=True),
            "average over the classes that have ground-truth objects; a class that is only detected has no recall "
            "and is left out (as COCO)."),
    Mistake("mean over images, not classes", _map_variant(per_image=True),
            "pool each class's detections over all images into one ranking, then average the classes' APs: "
            "an AP per image and their mean is something else."),
    Mistake("matched to the first object over the threshold, not the best", _map_variant(first_match=True),
            "a detection takes the free object it overlaps most (the largest IoU), not the first one above the "
            "threshold."),
    Mistake("detections matched in the given order, not by score", _map_variant(given_order=True),
            "within each image, match the detections from the highest score down: a lower-scoring duplicate must "
            "not take the object from the better detection."),
]


def _img(boxes, labels, scores=None):
    out = {"boxes": _b(boxes), "labels": np.asarray(labels, dtype=np.int64)}
    if scores is not None:
        out["scores"] = np.asarray(scores, dtype=np.float64)
    return out


def _random_map_case(rng, n_images, n_classes):
    dets, gts = [], []
    for _ in range(n_images):
        k = int(rng.integers(0, 5))
        g = _random_boxes(rng, k, 60.0, 6.0)
        gl = rng.integers(0, n_classes, k)
        noisy = g + rng.normal(0, 2.0, g.shape)
        noisy[:, 2:] = np.maximum(noisy[:, 2:], noisy[:, :2] + 1)
        found = rng.random(k) < 0.8
        extra = _random_boxes(rng, int(rng.integers(0, 3)), 60.0, 6.0)
        boxes = np.concatenate([noisy[found], noisy[found][:1] + 0.5, extra])
        labels = np.concatenate([np.where(rng.random(int(found.sum())) < 0.85, gl[found],
                                          rng.integers(0, n_classes, int(found.sum()))),
                                 gl[found][:1], rng.integers(0, n_classes, len(extra))]).astype(np.int64)
        dets.append(_img(boxes, labels, rng.random(len(boxes))))
        gts.append(_img(g, gl))
    return dets, gts


def check_mean_average_precision(mean_average_precision: Callable, hidden: bool = False) -> None:
    """Check ``mean_average_precision(detections, ground_truth, iou_threshold=0.5) -> float``."""
    __tracebackhide__ = True

    def c(name, dets, gts, *extra, **kw):
        return Case(name, (dets, gts, *extra), dtype_rule=None, **kw)
    rng = np.random.default_rng(60)
    cases = [
        c("one object, found exactly", [_img([[0, 0, 10, 10]], [0], [0.9])], [_img([[0, 0, 10, 10]], [0])]),
        c("a duplicate detection", [_img([[0, 0, 10, 10], [1, 0, 11, 10]], [0, 0], [0.9, 0.8])],
          [_img([[0, 0, 10, 10], [30, 30, 40, 40]], [0, 0])]),
        c("a detection with the wrong class", [_img([[0, 0, 10, 10], [20, 20, 30, 30]], [1, 1], [0.9, 0.8])],
          [_img([[0, 0, 10, 10], [20, 20, 30, 30]], [0, 1])]),
        c("IoU exactly 0.5 is a match", [_img([[0, 0, 10, 10], [30, 0, 40, 10]], [0, 0], [0.9, 0.8])],
          [_img([[0, 0, 10, 20], [60, 60, 70, 70]], [0, 0])]),
        c("two classes, two images", [_img([[0, 0, 10, 10], [20, 0, 30, 10]], [0, 1], [0.9, 0.3]),
                                      _img([[5, 5, 15, 15], [40, 40, 50, 50]], [1, 0], [0.8, 0.7])],
          [_img([[0, 0, 10, 10], [20, 0, 30, 10]], [0, 1]), _img([[5, 5, 15, 15]], [1])]),
        c("a class that is only detected", [_img([[0, 0, 10, 10], [40, 40, 50, 50]], [0, 2], [0.9, 0.8])],
          [_img([[0, 0, 10, 10]], [0])]),
        c("an image without objects", [_img([[0, 0, 10, 10]], [0], [0.6]), _img([[3, 3, 9, 9]], [0], [0.9])],
          [_img([[0, 0, 10, 10]], [0]), _img(np.zeros((0, 4)), [])]),
        c("a detection overlapping two objects", [_img([[2, 0, 12, 10], [-1, 0, 9, 10]], [0, 0], [0.9, 0.8])],
          [_img([[0, 0, 10, 10], [3, 0, 13, 10]], [0, 0])]),
        c("a lower-scoring duplicate listed first", [_img([[1, 1, 11, 11], [0, 0, 10, 10], [50, 50, 60, 60]],
                                                          [0, 0, 0], [0.5, 0.9, 0.7])],
          [_img([[0, 0, 10, 10], [50, 50, 60, 60]], [0, 0])]),
        c("iou_threshold 0.75", [_img([[0, 0, 10, 10], [20, 20, 30, 32]], [0, 0], [0.9, 0.8])],
          [_img([[0, 0, 10, 11], [20, 20, 30, 30]], [0, 0])], 0.75),
        c("lists instead of arrays", [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "scores": [0.6, 0.9],
                                       "labels": [0, 1]}], [{"boxes": [[0, 0, 10, 10]], "labels": [0]}]),
        c("five images, three classes", *_random_map_case(rng, 5, 3)),
    ]
    if hidden:
        h = hidden_rng()
        for i in range(4):
            n = int(h.integers(2, 8))
            cases.append(c(f"hidden #{i + 1} ({n} images)", *_random_map_case(h, n, int(h.integers(1, 5))),
                           hidden=True))
    run_check(mean_average_precision, reference=globals()["mean_average_precision"], cases=cases,
              mistakes=MAP_MISTAKES, name="mean_average_precision")


# ------------------------------------------------------------------ decode_predictions

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _decode_grid(grid_output, score_threshold=0.05, iou_threshold=0.5, *, sigmoid_xy=True, exp_wh=True,
                 swap_rc=False, stride=True, score="product", nms="class", prior=True, corners=True,
                 class_sigmoid=False, order="score"):
    """The grid detector's decoder in numpy, with switches for the known mistakes."""
    from ..helpers.detector import PRIOR, STRIDE

    out = np.asarray(grid_output, dtype=np.float64)
    n, _, g, _ = out.shape
    rows, cols = np.meshgrid(np.arange(g), np.arange(g), indexing="ij")
    if swap_rc:
        rows, cols = cols, rows
    fx, fy = (_sigmoid(out[:, 1]), _sigmoid(out[:, 2])) if sigmoid_xy else (out[:, 1], out[:, 2])
    s = STRIDE if stride else 1
    cx, cy = (cols + fx) * s, (rows + fy) * s
    base = PRIOR if prior else STRIDE
    w, h = (base * np.exp(out[:, 3]), base * np.exp(out[:, 4])) if exp_wh else (base * out[:, 3], base * out[:, 4])
    if corners:
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1)
    else:
        boxes = np.stack([cx, cy, w, h], axis=-1)
    probs = _sigmoid(out[:, 5:]) if class_sigmoid else _softmax(out[:, 5:], axis=1)
    best, labels = probs.max(axis=1), probs.argmax(axis=1)
    objectness = _sigmoid(out[:, 0])
    scores = objectness if score == "objectness" else objectness * best
    passes = (objectness if score == "objectness gate" else scores) >= score_threshold
    result = []
    for i in range(n):
        keep = passes[i].reshape(-1)
        b, sc, lab = boxes[i].reshape(-1, 4)[keep], scores[i].reshape(-1)[keep], labels[i].reshape(-1)[keep]
        if nms == "class" and len(sc):
            kept = ref.batched_nms(b if corners else _corners(*b.T), sc, lab, iou_threshold)
        elif nms == "all" and len(sc):
            kept = ref.nms(b if corners else _corners(*b.T), sc, iou_threshold)
        else:
            kept = np.argsort(-sc, kind="stable")
        if order == "class":
            kept = kept[np.lexsort((-sc[kept], lab[kept]))]
        result.append({"boxes": b[kept], "scores": sc[kept], "labels": lab[kept].astype(np.int64)})
    return result


def _dp_mistake(name, hint, **slip):
    def decode_predictions(grid_output, score_threshold=0.05, iou_threshold=0.5):
        return _decode_grid(grid_output, score_threshold, iou_threshold, **slip)
    return Mistake(name, decode_predictions, hint)


DECODE_PREDICTIONS_MISTAKES = [
    _dp_mistake("NMS across classes", "run NMS per class (or batched_nms with the labels): a box may overlap a box "
                "of another class, e.g. a bag held in front of a dress.", nms="all"),
    _dp_mistake("no NMS", "several neighbouring cells see the same object: run NMS per class with iou_threshold "
                "on the boxes above score_threshold.", nms="none"),
    _dp_mistake("no sigmoid on the centre offsets", "the centre lies inside its cell: x = (col + sigmoid(tx)) * "
                "STRIDE, y = (row + sigmoid(ty)) * STRIDE.", sigmoid_xy=False),
    _dp_mistake("exp missing on the sizes", "tw, th are log-ratios to the prior: w = PRIOR * exp(tw), "
                "h = PRIOR * exp(th).", exp_wh=False),
    _dp_mistake("rows and columns swapped", "channel 1 (tx) is the offset in x, along a row: x = (col + "
                "sigmoid(tx)) * STRIDE with col the last axis of the grid (out[:, :, row, col]).", swap_rc=True),
    _dp_mistake("cell positions not scaled by the stride", "the grid is in cells of STRIDE pixels: multiply "
                "(col + sigmoid(tx)) by STRIDE to get pixels.", stride=False),
    _dp_mistake("objectness alone as the score", "score = sigmoid(objectness) x the best class probability "
                "(softmax over the C class logits).", score="objectness"),
    _dp_mistake("threshold on objectness instead of the score", "keep the boxes whose score (objectness x the "
                "best class probability) is >= score_threshold.", score="objectness gate"),
    _dp_mistake("sizes relative to the stride, not the prior", "tw, th are log-ratios to the prior box: "
                "w = PRIOR * exp(tw) (PRIOR = 24 pixels), not STRIDE * exp(tw).", prior=False),
    _dp_mistake("(cx, cy, w, h) returned, not corners", "return corners (x1, y1, x2, y2) = (cx - w / 2, "
                "cy - h / 2, cx + w / 2, cy + h / 2).", corners=False),
    _dp_mistake("class probabilities from a sigmoid", "the classes of a cell exclude each other: a softmax over "
                "the C class logits (axis 1), not a sigmoid of each.", class_sigmoid=True),
    _dp_mistake("sorted by class, not by score", "after the per-class NMS, sort each image's detections by "
                "decreasing score across all classes.", order="class"),
]


def _grid(n=1, classes=3, g=4, objects=(), background=-8.0):
    """Raw grid output: every cell 'no object' except ``objects`` = (image, row, col, obj, tx, ty, tw, th, cls, logit)."""
    out = np.zeros((n, 5 + classes, g, g), dtype=np.float32)
    out[:, 0] = background
    for img, row, col, obj, tx, ty, tw, th, cls, logit in objects:
        out[img, :5, row, col] = (obj, tx, ty, tw, th)
        out[img, 5 + cls, row, col] = logit
    return out


def _predictions_view(n):
    def view(value):
        if hasattr(value, "keys") and n == 1:
            raise Mismatch(f"expected a list of {n} dict (one per image), got a dict",
                           "return a list with one dict per image, even for a batch of one.", "type")
        if not isinstance(value, (list, tuple)):
            raise Mismatch(f"expected a list of {n} dicts (one per image), got {type(value).__name__}",
                           "return a list with one dict {'boxes', 'scores', 'labels'} per image.", "type")
        if len(value) != n:
            raise Mismatch(f"expected a list of {n} dicts (one per image), got {len(value)}",
                           "one dict per image of the batch (grid_output.shape[0]).", "length")
        items = []
        for i, d in enumerate(value):
            if not hasattr(d, "keys") or not {"boxes", "scores", "labels"} <= set(d.keys()):
                raise Mismatch(f"expected image {i} to be a dict with keys 'boxes', 'scores', 'labels'; got "
                               f"{type(d).__name__}", "one dict per image: {'boxes': (D, 4), 'scores': (D,), "
                               "'labels': (D,)}.", "type")
            arrays = []
            for key in ("boxes", "scores", "labels"):
                v = d[key]
                v = v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)
                if key == "boxes" and v.size == 0:
                    v = v.reshape(0, 4)
                arrays.append(v)
            items.extend(arrays)
        return tuple(items)
    return view


def check_decode_predictions(decode_predictions: Callable, hidden: bool = False) -> None:
    """Check ``decode_predictions(grid_output, score_threshold=0.05, iou_threshold=0.5)`` -> list of dicts."""
    __tracebackhide__ = True
    log = math.log

    def c(name, out, *extra, **kw):
        names = tuple(f"image {i} {key}" for i in range(len(out)) for key in ("boxes", "scores", "labels"))
        return Case(name, (out, *extra), dtype_rule=None, project=_predictions_view(len(out)), item_names=names, **kw)
    cases = [
        c("one object in cell (row 1, col 2)", _grid(objects=[(0, 1, 2, 4.0, 0.0, 0.0, 0.0, 0.0, 1, 5.0)])),
        c("an off-centre, non-square box in cell (row 2, col 0)",
          _grid(objects=[(0, 2, 0, 3.0, 1.2, -0.7, log(1.5), log(0.6), 2, 4.0)])),
        c("two objects, two images", _grid(n=2, objects=[(0, 0, 3, 2.0, -1.0, 0.5, 0.3, -0.2, 0, 3.0),
                                                         (1, 3, 1, 5.0, 0.4, 0.4, -0.4, 0.1, 2, 6.0)])),
        c("two cells see the same object: NMS keeps the better",
          _grid(objects=[(0, 1, 1, 4.0, 2.0, 0.0, 0.0, 0.0, 0, 6.0), (0, 1, 2, 2.0, -2.0, 0.0, 0.0, 0.0, 0, 6.0)])),
        c("overlapping objects of two classes: both kept",
          _grid(objects=[(0, 1, 1, 4.0, 2.0, 0.0, 0.0, 0.0, 0, 6.0), (0, 1, 2, 3.0, -2.0, 0.0, 0.1, 0.0, 1, 6.0)])),
        c("weak class evidence: objectness passes, the score does not",
          _grid(classes=4, objects=[(0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0.2), (0, 3, 3, 6.0, 0.0, 0.0, 0.0, 0.0, 3, 5.0)]),
          0.2),
        c("nothing above the threshold: empty arrays", _grid()),
        c("an 8 x 8 grid of random outputs, 2 images, 5 classes",
          np.random.default_rng(61).normal(0, 1.5, (2, 10, 8, 8)).astype(np.float32), 0.3, 0.5),
        c("iou_threshold 0.3, score_threshold 0.5",
          np.random.default_rng(62).normal(0, 2.0, (1, 8, 8, 8)).astype(np.float32), 0.5, 0.3),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(3):
            n, k = int(rng.integers(1, 4)), int(rng.integers(1, 6))
            out = rng.normal(0, 1.5, (n, 5 + k, 8, 8)).astype(np.float32)
            t = float(rng.choice([0.2, 0.3, 0.5]))
            cases.append(c(f"hidden #{i + 1} ({n} images, {k} classes, score_threshold {t})", out, t,
                           float(rng.choice([0.3, 0.5, 0.7])), hidden=True))
    from ..torch_ref import detector

    def decode_reference(grid_output, score_threshold=0.05, iou_threshold=0.5):
        return detector.decode_predictions(grid_output, score_threshold, iou_threshold)
    decode_reference.__name__ = "decode_predictions"
    run_check(decode_predictions, reference=decode_reference, cases=cases, mistakes=DECODE_PREDICTIONS_MISTAKES,
              name="decode_predictions")
