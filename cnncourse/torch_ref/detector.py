"""The reference decoder of module 06's grid detector (:mod:`cnncourse.helpers.detector`), and ``detect``.

Introduced in notebooks/06_detection_lecture.ipynb.  Trusted side: ``decode_predictions`` is what
``checks.detection.check_decode_predictions`` grades a student's decoder against.  The model, its
targets, loss and training are student side, in :mod:`cnncourse.helpers.detector` (re-exported here).
"""

from __future__ import annotations

import numpy as np
import torch

from ..helpers.detector import PRIOR, STRIDE, GridDetector, detection_loss, grid_outputs, grid_targets, train_detector
from ..ref._guard import reference

__all__ = ["PRIOR", "STRIDE", "GridDetector", "decode_predictions", "detect", "detection_loss", "grid_outputs",
           "grid_targets", "train_detector"]


@reference
def decode_predictions(grid_output, score_threshold: float = 0.05, iou_threshold: float = 0.5, nms: bool = True):
    """Boxes, scores and labels from the grid's raw output, per image; class-wise NMS unless ``nms=False``.

    Parameters
    ----------
    grid_output : ndarray or Tensor, shape (N, 5 + C, G, G)

    Returns
    -------
    list of dict
        One per image: ``"boxes"`` (D, 4) corners in pixels, ``"scores"`` (D,) = objectness x the
        best class probability, ``"labels"`` (D,), sorted by decreasing score.
    """
    from ..ref.boxes import batched_nms

    out = torch.as_tensor(grid_output).detach().double()
    n, _, g, _ = out.shape
    rows, cols = torch.meshgrid(torch.arange(g), torch.arange(g), indexing="ij")
    cx = (cols + torch.sigmoid(out[:, 1])) * STRIDE
    cy = (rows + torch.sigmoid(out[:, 2])) * STRIDE
    w, h = PRIOR * torch.exp(out[:, 3]), PRIOR * torch.exp(out[:, 4])
    boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1).reshape(n, -1, 4)
    probs = torch.softmax(out[:, 5:], dim=1)
    best, labels = probs.max(dim=1)
    scores = (torch.sigmoid(out[:, 0]) * best).reshape(n, -1)
    labels = labels.reshape(n, -1)
    result = []
    for i in range(n):
        keep = torch.nonzero(scores[i] >= score_threshold).flatten().numpy()
        b, s, lab = boxes[i].numpy()[keep], scores[i].numpy()[keep], labels[i].numpy()[keep]
        order = batched_nms(b, s, lab, iou_threshold) if nms and len(keep) else np.argsort(-s, kind="stable")
        result.append({"boxes": b[order], "scores": s[order], "labels": lab[order].astype(np.int64)})
    return result


def detect(model, images, batch_size: int = 256, **decode):
    """The model's detections on ``images`` (N, 1, H, W), decoded (see :func:`decode_predictions`)."""
    return decode_predictions(grid_outputs(model, images, batch_size), **decode)
