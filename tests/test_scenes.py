"""cnncourse.scenes: synthetic detection scenes with exact boxes, repeatable from a seed."""

import numpy as np
import pytest

from cnncourse import scenes


@pytest.fixture(scope="module")
def drawn():
    return scenes.make_scenes(300, seed=3)


def test_shapes_ranges_and_counts(drawn):
    images, targets = drawn
    assert images.shape == (300, 1, 64, 64) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1
    counts = [len(t["labels"]) for t in targets]
    assert min(counts) >= 1 and max(counts) <= 4 and len(set(counts)) == 4
    for t in targets:
        assert t["boxes"].dtype == np.float64 and t["labels"].dtype == np.int64
        assert ((t["labels"] >= 0) & (t["labels"] < 10)).all()


def test_boxes_are_the_tight_boxes_of_the_visible_pixels(drawn):
    images, targets = drawn
    for image, t in zip(images[:, 0], targets):
        covered = np.zeros(image.shape, dtype=bool)
        for x1, y1, x2, y2 in t["boxes"].astype(int):
            assert 0 <= x1 < x2 <= 64 and 0 <= y1 < y2 <= 64
            inside = image[y1:y2, x1:x2] > scenes.VISIBLE
            # each edge row and column of the box holds a visible pixel: no box is loose
            assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any()
            covered[y1:y2, x1:x2] = True
        assert not (image[~covered] > scenes.VISIBLE).any()  # nothing visible outside the boxes


def test_items_barely_overlap(drawn):
    from cnncourse.ref.boxes import box_iou

    for t in drawn[1]:
        iou = box_iou(t["boxes"], t["boxes"])
        assert (iou[~np.eye(len(iou), dtype=bool)] <= 0.1 + 1e-12).all()


def test_a_seed_repeats_and_super_classes_group_the_labels():
    a, ta = scenes.make_scenes(20, seed=5)
    b, tb = scenes.make_scenes(20, seed=5, labels="super")
    np.testing.assert_array_equal(a, b)
    for x, y in zip(ta, tb):
        np.testing.assert_array_equal(x["boxes"], y["boxes"])
        np.testing.assert_array_equal(scenes.FASHION_TO_SUPER[x["labels"]], y["labels"])
    assert not np.array_equal(a, scenes.make_scenes(20, seed=6)[0])
    assert len(scenes.class_names("super")) == 5 and len(scenes.class_names()) == 10


@pytest.mark.parametrize("kwargs, text", [
    ({"n": 0}, "`n` must be an integer >= 1; got 0."),
    ({"n": 2, "objects": (3, 1)}, "`objects` must be (fewest, most) with fewest <= most; got (3, 1)."),
    ({"n": 2, "labels": "coco"}, "`labels` must be one of 'fashion', 'super'"),
    ({"n": 2, "size": 16}, "`size` must be an integer >= 32; got 16."),
])
def test_errors_say_what_is_wrong(kwargs, text):
    with pytest.raises((ValueError, TypeError)) as info:
        scenes.make_scenes(**kwargs)
    assert text in str(info.value)
