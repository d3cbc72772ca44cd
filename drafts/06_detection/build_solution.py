"""Writes solutions/06_detection/06_detection.ipynb (run once; the notebook is the source after that)."""
import json
import sys
from pathlib import Path

cells = []


def md(text):
    cells.append({"cell_type": "markdown", "metadata": {}, "source": text.strip("\n")})


def code(text, meta=None):
    cells.append({"cell_type": "code", "metadata": {"nbgrader": meta} if meta else {}, "source": text.strip("\n"),
                  "outputs": [], "execution_count": None})


def solution(name, text):
    code(text, {"grade": False, "grade_id": name, "locked": False, "schema_version": 3, "solution": True,
                "task": False})


def test(name, points):
    code(f"checks.detection.check_{name}({name})\n\n### BEGIN HIDDEN TESTS\n"
         f"checks.hidden().detection.check_{name}({name}, hidden=True)\n### END HIDDEN TESTS",
         {"grade": True, "grade_id": f"test_{name}", "locked": True, "points": points, "schema_version": 3,
          "solution": False, "task": False})


md(r"""
# 06 · Object detection — graded exercises

Lecture: [`notebooks/06_detection_lecture.ipynb`](../../notebooks/06_detection_lecture.ipynb).

You will write the pieces every detector is made of: the overlap of two boxes, non-maximum suppression,
OverFeat's fully connected layer as a convolution, box offsets against anchors and the assignment of anchors
to objects, average precision and mAP, and the decoder of a one-stage grid detector, which you then train on
synthetic scenes and evaluate with your own mAP. Boxes are corners `(x1, y1, x2, y2)` in pixels, origin top-left.

| function | points |
|---|---|
| `box_area(boxes)` | 1 |
| `box_iou(boxes1, boxes2)` | 2 |
| `nms(boxes, scores, iou_threshold)` | 3 |
| `fc_to_conv(linear, in_channels, height, width)` | 3 |
| `encode_boxes(gt, anchors)` | 2 |
| `decode_boxes(offsets, anchors)` | 2 |
| `assign_anchors(anchors, gt_boxes, pos_iou=0.5, neg_iou=0.4)` | 3 |
| `average_precision(scores, is_true_positive, n_ground_truth)` | 3 |
| `mean_average_precision(detections, ground_truth, iou_threshold=0.5)` | 3 |
| `decode_predictions(grid_output, score_threshold=0.05, iou_threshold=0.5)` | 3 |

Each test cell checks your function on named cases and says what is wrong; hidden tests add random cases when
the notebook is graded. Write with numpy (or torch where a layer is asked for); `torchvision.ops` would do
the work for you, so use it only to compare.
""")

code(r"""
from cnncourse.helpers import runtime

runtime.configure_threads()  # first, before torch is imported: the course's thread setting (lecture 04)

import numpy as np
import torch
from torch import nn

from cnncourse import checks, plot
from cnncourse.display import when_implemented
from cnncourse.helpers.detector import PRIOR, STRIDE, grid_outputs, train_detector
from cnncourse.scenes import class_names, make_scenes

torch.manual_seed(0)
""")

md(r"""
## 1 · Box area and intersection over union

A box `(x1, y1, x2, y2)` has width `x2 - x1` and height `y2 - y1` (edge to edge, as torchvision: no `+ 1`).
`box_area(boxes)` returns the `K` areas of boxes `(K, 4)` as a float array of shape `(K,)`.

The **IoU** of two boxes is the area of their overlap divided by the area of their union. The overlap is the
box from the larger `x1, y1` to the smaller `x2, y2`; when the boxes are apart that "box" has a negative width
or height, so clip both at 0:

$$\mathrm{IoU}(A, B) = \frac{|A \cap B|}{|A| + |B| - |A \cap B|}$$

`box_iou(boxes1, boxes2)` returns the `(N, M)` matrix of every pair, `boxes1[i]` against `boxes2[j]`, without a
Python loop over the pairs (broadcast `(N, 1, 2)` against `(1, M, 2)`). Two boxes of zero area have IoU 0.
""")

solution("box_area", r'''
def box_area(boxes):
    """Areas (K,) of corner boxes (K, 4)."""
    ### BEGIN SOLUTION
    boxes = np.asarray(boxes, dtype=float)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    ### END SOLUTION
''')
test("box_area", 1)

solution("box_iou", r'''
def box_iou(boxes1, boxes2):
    """IoU (N, M) of every box of boxes1 (N, 4) with every box of boxes2 (M, 4)."""
    ### BEGIN SOLUTION
    b1, b2 = np.asarray(boxes1, dtype=float), np.asarray(boxes2, dtype=float)
    top_left = np.maximum(b1[:, None, :2], b2[None, :, :2])  # (N, M, 2)
    bottom_right = np.minimum(b1[:, None, 2:], b2[None, :, 2:])
    inter = np.clip(bottom_right - top_left, 0, None).prod(axis=-1)  # (N, M)
    union = box_area(b1)[:, None] + box_area(b2)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    ### END SOLUTION
''')
test("box_iou", 2)

code(r"""
with when_implemented("box_iou", to="compare it with torchvision"):
    import torchvision

    rng = np.random.default_rng(0)
    a = rng.uniform(0, 50, (6, 2)); a = np.concatenate([a, a + rng.uniform(1, 30, (6, 2))], axis=1)
    b = rng.uniform(0, 50, (4, 2)); b = np.concatenate([b, b + rng.uniform(1, 30, (4, 2))], axis=1)
    ours = box_iou(a, b)
    theirs = torchvision.ops.box_iou(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    print(f"largest difference from torchvision.ops.box_iou: {np.abs(ours - theirs).max():.1e}")
""")

md(r"""
## 2 · Non-maximum suppression

A detector fires several boxes on every object. **NMS** keeps the best and drops its near-duplicates:

1. take the remaining box with the highest score and keep it;
2. drop every remaining box whose IoU with it is **greater than** `iou_threshold` (an IoU exactly at the
   threshold survives, as in `torchvision.ops.nms`);
3. repeat until no box remains.

`nms(boxes, scores, iou_threshold)` returns the indices (into `boxes`) of the kept boxes, **by decreasing
score**, as an integer array (a list of ints is fine too). Use your `box_iou`. Detectors run NMS once per
class (section 6): a dress and the bag in front of it are both kept.
""")

solution("nms", r'''
def nms(boxes, scores, iou_threshold):
    """Indices of the boxes kept by non-maximum suppression, by decreasing score."""
    ### BEGIN SOLUTION
    boxes, scores = np.asarray(boxes, dtype=float), np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    iou = box_iou(boxes, boxes)
    keep = []
    while len(order):
        best, order = order[0], order[1:]
        keep.append(best)
        order = order[iou[best, order] <= iou_threshold]
    return np.array(keep, dtype=np.int64)
    ### END SOLUTION
''')
test("nms", 3)

code(r"""
with when_implemented("nms", to="see it on a cluster of boxes"):
    rng = np.random.default_rng(3)
    centres = np.array([[16, 18], [44, 40]])
    cluster = np.concatenate([np.concatenate([c - 9 + rng.normal(0, 2, (5, 2)), c + 9 + rng.normal(0, 2, (5, 2))], axis=1)
                              for c in centres])
    cluster_scores = rng.uniform(0.3, 1.0, len(cluster))
    keep = nms(cluster, cluster_scores, 0.5)
    print(f"{len(cluster)} boxes, {len(keep)} kept: {np.asarray(keep).tolist()}")
    plot.nms_result(np.zeros((64, 64)), cluster, cluster_scores, keep, iou_threshold=0.5)
""")

md(r"""
## 3 · A fully connected layer is a convolution

A classifier's first fully connected layer reads maps `x` of shape `(N, C, H, W)` flattened to `C·H·W`
numbers: output `k` is the dot product of `linear.weight[k]` with the flattened map, plus `linear.bias[k]`.
A convolution with `C` input channels and an `H × W` kernel computes exactly that dot product, for a kernel
placed on the map; on a map of size `H × W` there is one place, so the conv's output `(N, out, 1, 1)` **is**
the linear layer's. On a larger map the same conv slides: it scores every `H × W` window in one pass, which
is what OverFeat used instead of cropping every window and running the classifier on each.

`fc_to_conv(linear, in_channels, height, width)` returns an `nn.Conv2d(in_channels, linear.out_features,
(height, width))` holding the linear layer's weights, reshaped in the order `torch.flatten` reads a map
(channels, then rows, then columns), and its bias (none if the layer has none), in the layer's dtype
(`dtype=linear.weight.dtype`). Leave the linear layer as it is.
""")

solution("fc_to_conv", r'''
def fc_to_conv(linear, in_channels, height, width):
    """An nn.Conv2d with an (height, width) kernel computing `linear` on flattened (in_channels, height, width) maps."""
    ### BEGIN SOLUTION
    out_features = linear.out_features
    conv = nn.Conv2d(in_channels, out_features, (height, width), bias=linear.bias is not None,
                     dtype=linear.weight.dtype)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(out_features, in_channels, height, width))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv
    ### END SOLUTION
''')
test("fc_to_conv", 3)

md(r"""
A small classifier for `28 × 28` items, unpadded convs and pooling then one linear layer, and its convolutional
twin, run once on a `64 × 64` scene: every `28 × 28` window 4 pixels apart gets its 10 class scores, the same as
cropping the 100 windows and classifying each, for a fraction of the multiply-adds (the crops overlap, and
the twin computes their shared features once):
""")

code(r"""
with when_implemented("fc_to_conv", to="score every window in one pass"):
    backbone = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),   # 28 -> 26 -> 13
                             nn.Conv2d(8, 8, 3), nn.ReLU(), nn.MaxPool2d(2))   # 13 -> 11 -> 5
    head = nn.Linear(8 * 5 * 5, 10)
    twin = nn.Sequential(backbone, fc_to_conv(head, 8, 5, 5))
    scene = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        score_map = twin(scene)  # (1, 10, 10, 10): features 64 -> 62 -> 31 -> 29 -> 14, then the 5 x 5 "head"
        crops = torch.stack([scene[0, :, r:r + 28, c:c + 28] for r in range(0, 37, 4) for c in range(0, 37, 4)])
        one_by_one = head(backbone(crops).flatten(1)).T.reshape(1, 10, 10, 10)
    print(f"score map {tuple(score_map.shape)}; largest difference from the 100 crops: "
          f"{(score_map - one_by_one).abs().max():.1e}")
    per_crop = 26 * 26 * 8 * 9 + 11 * 11 * 8 * 8 * 9 + 200 * 10  # multiply-adds: conv1, conv2, linear
    one_pass = 62 * 62 * 8 * 9 + 29 * 29 * 8 * 8 * 9 + 10 * 10 * 200 * 10
    print(f"100 crops: {100 * per_crop:,} multiply-adds; one pass: {one_pass:,} ({100 * per_crop / one_pass:.1f}x fewer)")
""")

md(r"""
## 4 · Boxes against anchors

Detectors do not predict corners directly: each **anchor** (a fixed box on a grid) predicts how to move
and resize itself into the object. With centres `(x, y)` and sizes `(w, h)` of the box `g` and the anchor `a`,
Faster R-CNN's offsets are

$$t_x = \frac{g_x - a_x}{a_w}, \quad t_y = \frac{g_y - a_y}{a_h}, \quad t_w = \log\frac{g_w}{a_w}, \quad
t_h = \log\frac{g_h}{a_h}$$

Shifts are measured in anchor widths and heights, so they mean the same for small and large anchors; sizes on
a log scale make "twice as wide" and "half as wide" symmetric (±0.69) and keep a decoded size positive.

`encode_boxes(gt, anchors)` returns the `(K, 4)` offsets `(tx, ty, tw, th)` that turn `anchors[k]` into
`gt[k]`; `decode_boxes(offsets, anchors)` inverts it and returns corner boxes `(K, 4)`.
""")

solution("encode_boxes", r'''
def encode_boxes(gt, anchors):
    """Offsets (K, 4) = (tx, ty, tw, th) that turn each anchor (K, 4) into its box gt (K, 4)."""
    ### BEGIN SOLUTION
    gt, anchors = np.asarray(gt, dtype=float), np.asarray(anchors, dtype=float)
    gw, gh = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    gx, gy = gt[:, 0] + gw / 2, gt[:, 1] + gh / 2
    ax, ay = anchors[:, 0] + aw / 2, anchors[:, 1] + ah / 2
    return np.stack([(gx - ax) / aw, (gy - ay) / ah, np.log(gw / aw), np.log(gh / ah)], axis=1)
    ### END SOLUTION
''')
test("encode_boxes", 2)

solution("decode_boxes", r'''
def decode_boxes(offsets, anchors):
    """Corner boxes (K, 4) from offsets (K, 4) = (tx, ty, tw, th) against anchors (K, 4)."""
    ### BEGIN SOLUTION
    t, anchors = np.asarray(offsets, dtype=float), np.asarray(anchors, dtype=float)
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    x, y = anchors[:, 0] + aw / 2 + t[:, 0] * aw, anchors[:, 1] + ah / 2 + t[:, 1] * ah
    w, h = aw * np.exp(t[:, 2]), ah * np.exp(t[:, 3])
    return np.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=1)
    ### END SOLUTION
''')
test("decode_boxes", 2)

code(r"""
with when_implemented("encode_boxes and decode_boxes", to="see that they invert each other"):
    rng = np.random.default_rng(1)
    anchors = np.array([[0, 0, 16, 16], [8, 8, 40, 24], [30, 10, 42, 50]], dtype=float)
    boxes = anchors + rng.normal(0, 3, anchors.shape)
    offsets = encode_boxes(boxes, anchors)
    print("offsets:\n", np.round(offsets, 3))
    print(f"decode(encode(boxes)) - boxes: largest {np.abs(decode_boxes(offsets, anchors) - boxes).max():.1e}")
""")

md(r"""
## 5 · Which anchors learn which object

Training needs, for every anchor, a target: an object to become, background, or neither. With `best` the
anchor's largest IoU over the ground-truth boxes:

| condition | label | loss |
|---|---|---|
| `best >= pos_iou` | `1` positive: regress to that box, classify as its class | box + class |
| `best < neg_iou` | `0` negative: background | class ("no object") |
| in between | `-1` ignored: neither a good match nor clearly background | none |

An object whose best anchor overlaps it less than `pos_iou` would have no positive anchor and never be
learnt, so every anchor that is (tied for) **some box's best anchor** is made positive too, as long as that
best IoU is above 0 (Faster R-CNN; torchvision's `Matcher(..., allow_low_quality_matches=True)`).

`assign_anchors(anchors, gt_boxes, pos_iou=0.5, neg_iou=0.4)` returns `(labels, matched)`, two integer arrays
of shape `(A,)`: the labels above, and for each positive anchor the index of its box with the largest IoU
(the lowest index on ties; -1 for the other anchors). With no boxes at all, every anchor is negative.
""")

solution("assign_anchors", r'''
def assign_anchors(anchors, gt_boxes, pos_iou=0.5, neg_iou=0.4):
    """(labels, matched), each (A,): 1 / 0 / -1 per anchor and the index of a positive anchor's box (else -1)."""
    ### BEGIN SOLUTION
    anchors, gt_boxes = np.asarray(anchors, dtype=float), np.asarray(gt_boxes, dtype=float).reshape(-1, 4)
    labels = np.zeros(len(anchors), dtype=np.int64)
    matched = np.full(len(anchors), -1, dtype=np.int64)
    if len(gt_boxes) == 0:
        return labels, matched
    iou = box_iou(anchors, gt_boxes)  # (A, G)
    best, best_box = iou.max(axis=1), iou.argmax(axis=1)
    labels[best >= neg_iou] = -1
    per_box = iou.max(axis=0)  # each box's best IoU over the anchors
    positive = (best >= pos_iou) | ((iou == per_box) & (per_box > 0)).any(axis=1)
    labels[positive] = 1
    matched[positive] = best_box[positive]
    return labels, matched
    ### END SOLUTION
''')
test("assign_anchors", 3)

md(r"""
## 6 · Average precision

Rank one class's detections by decreasing score. After the top `k` detections, **precision** is the share of
them that are right (true positives) and **recall** the share of the `n_ground_truth` objects found so far. The
precision–recall curve zigzags; the **interpolated** precision at recall `r` is the best precision at any
recall `>= r`, and **AP** (all-point interpolation, PASCAL VOC since 2010) sums it over the steps of recall:

$$\mathrm{AP} = \sum_k (r_k - r_{k-1})\; \max_{j \ge k} p_j$$

(COCO, and so `torchmetrics`, averages the interpolated precision at 101 recall points 0, 0.01, …, 1 instead;
the two differ slightly.) Objects never found keep recall below 1, so they lower AP.

`average_precision(scores, is_true_positive, n_ground_truth)` returns AP as a float (0 with no detections);
sort stably (`np.argsort(-scores, kind="stable")`) so that equal scores keep their order.
""")

solution("average_precision", r'''
def average_precision(scores, is_true_positive, n_ground_truth):
    """All-point interpolated AP of one class's detections."""
    ### BEGIN SOLUTION
    scores = np.asarray(scores, dtype=float)
    is_tp = np.asarray(is_true_positive, dtype=bool)
    if len(scores) == 0:
        return 0.0
    hits = np.cumsum(is_tp[np.argsort(-scores, kind="stable")])
    precision = hits / np.arange(1, len(scores) + 1)
    recall = hits / n_ground_truth
    best_after = np.maximum.accumulate(precision[::-1])[::-1]
    return float((np.diff(recall, prepend=0.0) * best_after).sum())
    ### END SOLUTION
''')
test("average_precision", 3)

md(r"""
## 7 · Mean average precision

`mean_average_precision(detections, ground_truth, iou_threshold=0.5)` takes one dict per image, as
`torchmetrics.detection.MeanAveragePrecision` does: `detections[i]` has `"boxes"` `(D, 4)`, `"scores"` `(D,)` and
`"labels"` `(D,)`; `ground_truth[i]` has `"boxes"` `(G, 4)` and `"labels"` `(G,)` (arrays or lists). For each
class `c` that has ground-truth objects:

1. in each image, take the detections labelled `c` from the highest score down; a detection is a **true
   positive** when it has IoU `>= iou_threshold` with an object of class `c` in its image that no
   higher-scoring detection has taken, and it takes the free object it overlaps most. A second detection of
   an object is a false positive;
2. pool the class's detections of all images and compute its AP with your `average_precision`
   (`n_ground_truth` = the class's objects in all images).

Return the mean of those APs as a float (mAP@0.5 by default). Classes that are only detected, never present,
are left out, as in COCO.
""")

solution("mean_average_precision", r'''
def mean_average_precision(detections, ground_truth, iou_threshold=0.5):
    """mAP over the classes with ground-truth objects; one dict per image in each list."""
    ### BEGIN SOLUTION
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
            iou = box_iou(boxes, objects) if len(boxes) and len(objects) else np.zeros((len(boxes), len(objects)))
            for k in range(len(boxes)):
                free = np.where(taken, -1.0, iou[k])
                j = int(np.argmax(free)) if len(objects) else -1
                hit = j >= 0 and free[j] >= iou_threshold
                if hit:
                    taken[j] = True
                hits.append(hit)
            scores.extend(s)
        aps.append(average_precision(scores, hits, n_objects))
    return float(np.mean(aps))
    ### END SOLUTION
''')
test("mean_average_precision", 3)

md(r"""
## 8 · Decoding a grid detector

The course's one-stage detector (`cnncourse.helpers.detector.GridDetector`, YOLO-style) maps a `64 × 64`
scene to an `8 × 8` grid of cells, `STRIDE = 8` pixels each. Its output `grid_output` has shape
`(N, 5 + C, G, G)`: for the cell at row `r`, column `c` of image `i`, the numbers `grid_output[i, :, r, c]` are

| channel | meaning | decoded |
|---|---|---|
| 0 | objectness logit | `p = sigmoid(out[0])` |
| 1, 2 | the centre's place in the cell | `x = (c + sigmoid(out[1])) · STRIDE`, `y = (r + sigmoid(out[2])) · STRIDE` |
| 3, 4 | log-size relative to a prior box | `w = PRIOR · exp(out[3])`, `h = PRIOR · exp(out[4])` (`PRIOR = 24` pixels) |
| 5 … 5 + C − 1 | class logits | `softmax` over the C classes |

Each cell proposes one box, with **label** the most probable class and **score** `p ×` that class's
probability. `decode_predictions(grid_output, score_threshold=0.05, iou_threshold=0.5)` returns one dict per
image, `{"boxes": (D, 4) corners, "scores": (D,), "labels": (D,)}`: the boxes with score `>= score_threshold`,
then NMS **per class** with your `nms`, sorted by decreasing score. `grid_output` may be a numpy array or a
tensor (`torch.as_tensor(grid_output).detach().double().numpy()` gives a float64 array either way).
""")

solution("decode_predictions", r'''
def decode_predictions(grid_output, score_threshold=0.05, iou_threshold=0.5):
    """One dict {"boxes", "scores", "labels"} per image from the grid detector's raw output (N, 5 + C, G, G)."""
    ### BEGIN SOLUTION
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
            keep.extend(idx[nms(b[idx], s[idx], iou_threshold)])
        keep = np.array(keep, dtype=np.int64)
        keep = keep[np.argsort(-s[keep], kind="stable")]
        results.append({"boxes": b[keep], "scores": s[keep], "labels": lab[keep]})
    return results
    ### END SOLUTION
''')
test("decode_predictions", 3)

md(r"""
## 9 · Train the detector, evaluate it with your mAP

The scenes are Fashion-MNIST items pasted on `64 × 64` canvases (1–4 items, exact boxes), labelled with 5
super-classes (tops, trousers, dress, footwear, bag: shirts, T-shirts, pullovers and coats are hard to tell
apart at this size). A fixed amount of work, 200 steps of 32 scenes, trains the detector well enough to see it
work (the lecture trains it longer); then your decoder turns its output into detections, before NMS
(`iou_threshold=1.0`: no IoU is greater than 1, so nothing is suppressed) and after, and your mAP scores them.
""")

code(r"""
images, targets = make_scenes(1200, labels="super", seed=0)
test_images, test_targets = make_scenes(200, labels="super", split="test", seed=1)
names = class_names("super")
with when_implemented("decode_predictions", to="train the detector and see what it finds"):
    decode_predictions(np.zeros((1, 5 + len(names), 8, 8), dtype=np.float32))  # written yet?
    model, info = train_detector(images, targets, n_classes=len(names), steps=200, batch_size=32)
    outputs = grid_outputs(model, test_images)
    before = decode_predictions(outputs, score_threshold=0.3, iou_threshold=1.0)
    after = decode_predictions(outputs, score_threshold=0.3)
    print(f"{info['steps']} steps of {info['batch_size']} scenes in {info['seconds']:.0f} s; detections on "
          f"{len(test_images)} test scenes: {sum(len(d['scores']) for d in before)} before NMS, "
          f"{sum(len(d['scores']) for d in after)} after")
    plot.detections_before_after(test_images[:4, 0], before[:4], after[:4], test_targets[:4], class_names=names)
""")

code(r"""
with when_implemented("decode_predictions and mean_average_precision", to="score the detector"):
    detections = decode_predictions(outputs)
    print(f"mAP@0.5 on {len(test_images)} test scenes: {mean_average_precision(detections, test_targets):.3f}")
""")

md(r"""
That's module 06. Run every cell from the top before you submit. Self-grade with the hidden tests:
`cnncourse grade assignments/06_detection/06_detection.ipynb`.
""")

nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                                  "name": "python3"},
                                   "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
path = Path(sys.argv[1] if len(sys.argv) > 1 else "solutions/06_detection/06_detection.ipynb")
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
print("wrote", path)
