"""cnncourse.ref.boxes against torchvision.ops and torchvision's detection utilities (independent oracles)."""

import numpy as np
import pytest
import torch
from torchvision.models.detection._utils import BoxCoder, Matcher
from torchvision.ops import batched_nms as tv_batched_nms
from torchvision.ops import box_area as tv_box_area
from torchvision.ops import box_iou as tv_box_iou
from torchvision.ops import nms as tv_nms

from cnncourse.ref import boxes as B


def random_boxes(rng, k, size=64, degenerate=0.0, integer=False):
    """``k`` boxes inside ``size x size``; a share ``degenerate`` has zero width or height."""
    xy = rng.uniform(0, size, (k, 2))
    wh = rng.uniform(0, size / 2, (k, 2))
    if integer:
        xy, wh = np.floor(xy), np.floor(wh)
    flat = rng.random(k) < degenerate
    wh[flat, rng.integers(0, 2, flat.sum())] = 0
    return np.concatenate([xy, xy + wh], axis=1)


def edge_boxes():
    """Identical, touching, nested, disjoint and degenerate boxes."""
    return np.array([[0, 0, 10, 10], [0, 0, 10, 10], [10, 0, 20, 10], [2, 2, 5, 5], [30, 30, 40, 40],
                     [5, 5, 5, 9], [0, 0, 20, 10], [9.5, 9.5, 10.5, 10.5]], dtype=np.float64)


@pytest.mark.parametrize("seed", range(5))
def test_area_and_iou_match_torchvision(seed):
    rng = np.random.default_rng(seed)
    b1 = np.concatenate([random_boxes(rng, 20, degenerate=0.1), edge_boxes()])
    b2 = np.concatenate([random_boxes(rng, 15, degenerate=0.1, integer=True), edge_boxes()])
    np.testing.assert_allclose(B.box_area(b1), tv_box_area(torch.from_numpy(b1)).numpy(), rtol=1e-12)
    expected = tv_box_iou(torch.from_numpy(b1), torch.from_numpy(b2)).numpy()
    got = B.box_iou(b1, b2)
    assert got.shape == (len(b1), len(b2))
    defined = ~np.isnan(expected)  # torchvision divides 0 by 0 for two degenerate boxes; ours gives 0
    np.testing.assert_allclose(got[defined], expected[defined], rtol=1e-12, atol=1e-15)
    assert (got[~defined] == 0).all()


def test_iou_takes_lists_float32_and_torch_and_empty_sets():
    b = edge_boxes()
    assert B.box_iou(b.tolist(), b[:2].astype(np.float32)).shape == (8, 2)
    np.testing.assert_allclose(B.box_iou(torch.from_numpy(b), b), B.box_iou(b, b))
    assert B.box_iou(np.zeros((0, 4)), b).shape == (0, 8)
    assert B.box_area(np.zeros((0, 4))).shape == (0,)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.7])
def test_nms_matches_torchvision(seed, threshold):
    rng = np.random.default_rng(seed)
    boxes = np.concatenate([random_boxes(rng, 60, size=48), edge_boxes()])
    scores = rng.permutation(len(boxes)) / len(boxes)  # distinct scores: the order is defined
    expected = tv_nms(torch.from_numpy(boxes), torch.from_numpy(scores), threshold).numpy()
    got = B.nms(boxes, scores, threshold)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)


def test_nms_keeps_a_box_overlapping_exactly_at_the_threshold():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10]], dtype=np.float64)  # IoU 50 / 150 = 1/3
    iou = B.box_iou(boxes, boxes)[0, 1]
    assert list(B.nms(boxes, [0.9, 0.8], iou)) == [0, 1]
    assert list(tv_nms(torch.from_numpy(boxes), torch.tensor([0.9, 0.8], dtype=torch.float64), float(iou))) == [0, 1]
    assert list(B.nms(boxes, [0.9, 0.8], iou - 1e-9)) == [0]


@pytest.mark.parametrize("seed", range(6))
def test_batched_nms_matches_torchvision(seed):
    rng = np.random.default_rng(seed)
    boxes = random_boxes(rng, 80, size=40)
    scores = rng.permutation(len(boxes)) / len(boxes)
    labels = rng.integers(0, 4, len(boxes))
    expected = tv_batched_nms(torch.from_numpy(boxes), torch.from_numpy(scores), torch.from_numpy(labels), 0.4)
    np.testing.assert_array_equal(B.batched_nms(boxes, scores, labels, 0.4), expected.numpy())


@pytest.mark.parametrize("seed", range(5))
def test_encode_and_decode_match_torchvisions_box_coder_and_invert_each_other(seed):
    rng = np.random.default_rng(seed)
    anchors = random_boxes(rng, 50) + np.array([0, 0, 1, 1])  # positive sizes
    gt = random_boxes(rng, 50) + np.array([0, 0, 0.5, 0.5])
    coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
    expected = coder.encode_single(torch.from_numpy(gt), torch.from_numpy(anchors)).numpy()
    offsets = B.encode_boxes(gt, anchors)
    np.testing.assert_allclose(offsets, expected, rtol=1e-10, atol=1e-12)
    decoded = coder.decode_single(torch.from_numpy(offsets), torch.from_numpy(anchors)).numpy()
    np.testing.assert_allclose(B.decode_boxes(offsets, anchors), decoded, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(B.decode_boxes(offsets, anchors), gt, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_assign_anchors_matches_torchvisions_matcher(seed):
    rng = np.random.default_rng(seed)
    anchors = np.concatenate([random_boxes(rng, 120, size=64) + np.array([0, 0, 2, 2])])
    gt = random_boxes(rng, 5, size=64) + np.array([0, 0, 4, 4])
    iou = B.box_iou(gt, anchors)
    assert (iou.max(axis=1) > 0).all()  # each box overlaps some anchor (torchvision differs for one that does not)
    matches = Matcher(0.5, 0.4, allow_low_quality_matches=True)(torch.from_numpy(iou)).numpy()
    labels, matched = B.assign_anchors(anchors, gt, pos_iou=0.5, neg_iou=0.4)
    np.testing.assert_array_equal(labels, np.where(matches >= 0, 1, np.where(matches == -1, 0, -1)))
    np.testing.assert_array_equal(matched, np.where(matches >= 0, matches, -1))


def test_assign_anchors_without_objects_makes_every_anchor_negative():
    labels, matched = B.assign_anchors(edge_boxes()[:3], np.zeros((0, 4)))
    assert labels.tolist() == [0, 0, 0] and matched.tolist() == [-1, -1, -1]


@pytest.mark.parametrize("call, text", [
    (lambda: B.box_iou([0, 0, 1, 1], [[0, 0, 1, 1]]),
     "`boxes1` must have shape (K, 4) with rows (x1, y1, x2, y2); got shape (4,). For a single box, pass boxes1[None, :]."),
    (lambda: B.box_area([[5, 5, 2, 8]]), "`boxes` must hold corners with x2 >= x1 and y2 >= y1; got row 0 ="),
    (lambda: B.nms([[0, 0, 1, 1]], [0.5, 0.2], 0.5), "`scores` must be a 1-D array of 1 numbers, one per box"),
    (lambda: B.encode_boxes([[0, 0, 1, 1]], [[0, 0, 0, 1]]), "`anchors` must have a positive width and height"),
    (lambda: B.encode_boxes([[0, 0, 1, 1]] * 2, [[0, 0, 1, 1]]), "`gt` must hold one box per anchor (1)"),
    (lambda: B.assign_anchors([[0, 0, 1, 1]], [[0, 0, 1, 1]], 0.3, 0.5), "`neg_iou` must be at most pos_iou (0.3)"),
])
def test_errors_say_what_is_wrong(call, text):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert text in str(info.value)
