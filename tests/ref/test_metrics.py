"""cnncourse.ref.metrics: hand-worked average precision, and detection mAP against torchmetrics (COCO backend)."""

import numpy as np
import pytest
import torch

from cnncourse.ref import metrics as M

torchmetrics_detection = pytest.importorskip("torchmetrics.detection", reason="torchmetrics is a test extra")
pytest.importorskip("pycocotools", reason="torchmetrics' COCO backend is a test extra")


def test_all_point_average_precision_by_hand():
    # ranked: TP, FP, TP, FP, TP with 4 objects: precision 1, .5, .667, .5, .6 at recall .25, .25, .5, .5, .75
    # envelope 1, .667, .667, .6, .6: AP = .25 * 1 + .25 * .667 + .25 * .6 = 0.5667
    ap = M.average_precision([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 1], 4)
    assert ap == pytest.approx(0.25 + 0.25 * 2 / 3 + 0.25 * 0.6)
    assert M.average_precision([0.5, 0.9, 0.8], [True, True, False], 2) == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert M.average_precision([], [], 3) == 0.0
    assert M.average_precision([0.9, 0.8], [False, False], 2) == 0.0
    assert M.average_precision([0.9, 0.8], [True, True], 2) == 1.0


def test_101_point_average_precision_by_hand():
    # one object, found by the second detection: precision 0.5 at every recall threshold
    assert M.average_precision([0.9, 0.8], [False, True], 1, interpolation="101") == pytest.approx(0.5)
    # half the objects found at precision 1: thresholds 0 .. 0.5 (51 of 101) get 1
    assert M.average_precision([0.9], [True], 2, interpolation="101") == pytest.approx(51 / 101)


def test_duplicates_are_false_positives_and_recall_counts_objects():
    gt = [{"boxes": [[0, 0, 10, 10]], "labels": [3]}]
    det = [{"boxes": [[0, 0, 10, 10], [0, 0, 10, 10]], "scores": [0.9, 0.8], "labels": [3, 3]}]
    scores, tp, n = M.match_detections([M._image("d", 0, det[0], ("boxes", "scores", "labels"))],
                                       [M._image("g", 0, gt[0], ("boxes", "labels"))], 3)
    assert tp.tolist() == [True, False] and n == 1
    assert M.mean_average_precision(det, gt) == (1.0, {3: 1.0})  # the duplicate comes after full recall


def _scene(rng, n_classes, p_miss=0.2, n_false=3):
    k = int(rng.integers(0, 6))
    xy = rng.uniform(0, 80, (k, 2))
    gt_boxes = np.concatenate([xy, xy + rng.uniform(6, 30, (k, 2))], axis=1)
    gt_labels = rng.integers(0, n_classes, k)
    boxes, scores, labels = [], [], []
    for b, c in zip(gt_boxes, gt_labels):
        for _ in range(int(rng.integers(0 if rng.random() < p_miss else 1, 3))):  # misses and duplicates
            jitter = rng.normal(0, 0.15, 4) * np.repeat(b[2:] - b[:2], 2)
            boxes.append(b + jitter)
            scores.append(rng.random())
            labels.append(c if rng.random() > 0.1 else int(rng.integers(0, n_classes)))  # some wrong classes
    for _ in range(int(rng.integers(0, n_false + 1))):
        xy = rng.uniform(0, 80, 2)
        boxes.append(np.concatenate([xy, xy + rng.uniform(4, 25, 2)]))
        scores.append(rng.random())
        labels.append(int(rng.integers(0, n_classes)))
    boxes = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 0.5)
    return ({"boxes": boxes, "scores": np.array(scores), "labels": np.array(labels, dtype=np.int64)},
            {"boxes": gt_boxes, "labels": gt_labels.astype(np.int64)})


def _torchmetrics_map50(dets, gts):
    # COCO's recall thresholds, np.linspace(0, 1, 101): torchmetrics' default is the same list made in float32
    # (0.29999998 for 0.3), which moves its mAP off COCO's own by up to 0.004 on these scenes (recall steps
    # land exactly on thresholds). With COCO's thresholds it runs pycocotools exactly as COCO does.
    metric = torchmetrics_detection.MeanAveragePrecision(box_format="xyxy", iou_type="bbox", iou_thresholds=[0.5],
                                                         rec_thresholds=np.linspace(0, 1, 101).tolist(),
                                                         class_metrics=True, backend="pycocotools")
    as_t = lambda d: {k: torch.as_tensor(np.asarray(x)) for k, x in d.items()}  # noqa: E731
    metric.update([as_t(d) for d in dets], [as_t(g) for g in gts])
    out = metric.compute()
    classes = out["classes"].reshape(-1).tolist()
    per_class = dict(zip(classes, out["map_per_class"].reshape(-1).tolist()))
    return float(out["map"]), {c: ap for c, ap in per_class.items() if ap >= 0}


@pytest.mark.parametrize("seed", range(6))
def test_map_at_05_matches_torchmetrics_with_101_recall_points(seed):
    rng = np.random.default_rng(seed)
    pairs = [_scene(rng, n_classes=4) for _ in range(12)]
    dets, gts = [p[0] for p in pairs], [p[1] for p in pairs]
    expected, expected_per_class = _torchmetrics_map50(dets, gts)
    got, per_class = M.mean_average_precision(dets, gts, iou_threshold=0.5, interpolation="101")
    assert got == pytest.approx(expected, abs=1e-7)
    assert per_class.keys() == expected_per_class.keys()
    for c in per_class:
        assert per_class[c] == pytest.approx(expected_per_class[c], abs=1e-7), c
    all_point, _ = M.mean_average_precision(dets, gts, iou_threshold=0.5)
    assert abs(all_point - expected) < 0.03  # the two interpolations differ slightly, as the lecture says


def test_map_takes_torch_tensors_and_lists():
    rng = np.random.default_rng(7)
    det, gt = _scene(rng, 3)
    as_lists = M.mean_average_precision([{k: v.tolist() for k, v in det.items()}],
                                        [{k: v.tolist() for k, v in gt.items()}])
    as_torch = M.mean_average_precision([{k: torch.as_tensor(v) for k, v in det.items()}],
                                        [{k: torch.as_tensor(v) for k, v in gt.items()}])
    assert as_lists == as_torch == M.mean_average_precision([det], [gt])


@pytest.mark.parametrize("call, text", [
    (lambda: M.average_precision([0.9], [True], 0), "`n_ground_truth` must be an integer >= 1; got 0."),
    (lambda: M.average_precision([0.9, 0.8], [True, True], 1), "`is_true_positive` must hold at most n_ground_truth"),
    (lambda: M.average_precision([0.9], [True], 1, interpolation="11"), "`interpolation` must be one of 'all', '101'"),
    (lambda: M.mean_average_precision([], [{"boxes": [], "labels": []}]), "`detections` must hold one dict per image"),
    (lambda: M.mean_average_precision([{"boxes": [[0, 0, 1, 1]]}], [{"boxes": [[0, 0, 1, 1]], "labels": [0]}]),
     "`detections[0]` must be a dict with keys 'boxes', 'scores', 'labels'"),
])
def test_errors_say_what_is_wrong(call, text):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert text in str(info.value)
