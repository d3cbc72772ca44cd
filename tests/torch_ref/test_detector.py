"""cnncourse.torch_ref.detector: targets and decoding invert each other; the model's shapes; a short run learns."""

import numpy as np
import pytest
import torch

from cnncourse.ref.metrics import mean_average_precision
from cnncourse.scenes import make_scenes
from cnncourse.torch_ref import detector as D


def _perfect_output(targets, n_classes, grid=8):
    """The raw grid output that says exactly the targets (large logits where a sigmoid or softmax follows)."""
    box_t, cls_t = D.grid_targets(targets, grid)
    out = torch.full((len(targets), 5 + n_classes, grid, grid), -12.0, dtype=torch.float64)
    positive = box_t[:, 0] > 0
    out[:, 0][positive] = 12.0
    xy = box_t[:, 1:3].double().clamp(1e-9, 1 - 1e-9)
    out[:, 1:3] = torch.log(xy / (1 - xy))
    out[:, 3:5] = box_t[:, 3:5].double()
    for i, r, c in zip(*torch.nonzero(positive, as_tuple=True)):
        out[i, 5 + cls_t[i, r, c], r, c] = 12.0
    return out


def _shares_a_cell(boxes):
    cells = {(int((x1 + x2) / 2 // D.STRIDE), int((y1 + y2) / 2 // D.STRIDE)) for x1, y1, x2, y2 in boxes}
    return len(cells) < len(boxes)


def test_decoding_the_targets_gives_back_every_box():
    images, targets = make_scenes(200, seed=2)
    shared = [t for t in targets if _shares_a_cell(t["boxes"])]
    assert len(shared) < 0.1 * len(targets)  # one box per cell: two centres in one cell lose one object
    targets = [t for t in targets if not _shares_a_cell(t["boxes"])]
    dets = D.decode_predictions(_perfect_output(targets, 10), score_threshold=0.5)
    for det, gt in zip(dets, targets):
        order = np.lexsort(np.round(gt["boxes"], 3).T[::-1])
        got = np.lexsort(np.round(det["boxes"], 3).T[::-1])
        np.testing.assert_allclose(det["boxes"][got], gt["boxes"][order], atol=1e-6)
        np.testing.assert_array_equal(det["labels"][got], gt["labels"][order])
    assert mean_average_precision(dets, targets)[0] == 1.0


def test_model_maps_a_scene_to_the_grid():
    model = D.GridDetector(5)
    assert model(torch.zeros(2, 1, 64, 64)).shape == (2, 10, 8, 8)
    assert 100_000 < sum(p.numel() for p in model.parameters()) < 300_000


@pytest.mark.slow
def test_a_short_run_finds_most_objects(one_torch_thread):
    images, targets = make_scenes(800, labels="super", seed=0)
    test_images, test_targets = make_scenes(100, labels="super", split="test", seed=1)
    model, info = D.train_detector(images, targets, 5, steps=60, batch_size=32, progress=False)
    assert info["losses"][-1] < info["losses"][0] / 2
    dets = D.detect(model, test_images)
    agnostic = mean_average_precision([{**d, "labels": np.zeros_like(d["labels"])} for d in dets],
                                      [{**g, "labels": np.zeros_like(g["labels"])} for g in test_targets])[0]
    assert agnostic > 0.3  # 60 steps: where the objects are is learnt long before what they are
