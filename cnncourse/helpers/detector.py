"""Module 06's grid detector (YOLO-style) for the synthetic scenes of :mod:`cnncourse.scenes`: model, targets, loss, training.

Introduced in notebooks/06_detection_lecture.ipynb.  Student side (the exercises train it); the
reference decoder of its output, ``decode_predictions``, is in :mod:`cnncourse.torch_ref.detector`.
A small CNN maps a (1, 64, 64) scene to an 8 x 8 grid (stride 8); each cell predicts one box as
``5 + C`` numbers: an objectness logit, the box centre's offset inside the cell (``tx, ty``, through
a sigmoid), its size as log-ratios to a prior box (``tw, th``) and C class logits. The cell holding
an object's centre is responsible for it; every other cell learns "no object".
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

STRIDE = 8
PRIOR = 24.0  # pixels: the prior box's width and height (items are 14-35 px)


def _block(c_in, c_out, stride):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class GridDetector(nn.Module):
    """Stride-8 backbone of 3 x 3 conv blocks and a 1 x 1 head: (N, 1, H, W) -> (N, 5 + C, H/8, W/8)."""

    def __init__(self, n_classes: int, width: int = 16):
        super().__init__()
        w = width
        self.n_classes = n_classes
        self.features = nn.Sequential(
            _block(1, w, 2), _block(w, 2 * w, 1),  # 32 x 32
            _block(2 * w, 2 * w, 2), _block(2 * w, 4 * w, 1),  # 16 x 16
            _block(4 * w, 4 * w, 2), _block(4 * w, 8 * w, 1),  # 8 x 8
        )
        self.head = nn.Conv2d(8 * w, 5 + n_classes, 1)
        with torch.no_grad():
            self.head.bias[0] = -4.0  # most cells hold no object: start near p = 0.02

    def forward(self, x):
        return self.head(self.features(x))


def grid_targets(targets, grid: int):
    """Per-cell training targets: (N, 5, G, G) float (objectness, tx, ty, tw, th) and (N, G, G) class (-1: none)."""
    n = len(targets)
    box = np.zeros((n, 5, grid, grid), dtype=np.float32)
    cls = np.full((n, grid, grid), -1, dtype=np.int64)
    for i, t in enumerate(targets):
        for (x1, y1, x2, y2), label in zip(t["boxes"], t["labels"]):
            cx, cy = (x1 + x2) / 2 / STRIDE, (y1 + y2) / 2 / STRIDE
            col, row = min(int(cx), grid - 1), min(int(cy), grid - 1)
            box[i, :, row, col] = (1.0, cx - col, cy - row, math.log((x2 - x1) / PRIOR), math.log((y2 - y1) / PRIOR))
            cls[i, row, col] = label
    return torch.from_numpy(box), torch.from_numpy(cls)


def detection_loss(out, box_t, cls_t):
    """Objectness BCE over every cell + box and class losses at the cells responsible for an object."""
    obj = out[:, 0]
    positive = box_t[:, 0] > 0
    loss_obj = F.binary_cross_entropy_with_logits(obj, box_t[:, 0], reduction="sum") / len(out)
    if not positive.any():
        return loss_obj
    pred = out[:, 1:5].permute(0, 2, 3, 1)[positive]  # (P, 4)
    true = box_t[:, 1:5].permute(0, 2, 3, 1)[positive]
    loss_xy = F.binary_cross_entropy_with_logits(pred[:, :2], true[:, :2], reduction="sum")
    loss_wh = F.smooth_l1_loss(pred[:, 2:], true[:, 2:], reduction="sum", beta=0.1)
    logits = out[:, 5:].permute(0, 2, 3, 1)[positive]
    loss_cls = F.cross_entropy(logits, cls_t[positive], reduction="sum")
    return loss_obj + (loss_xy + 2 * loss_wh + loss_cls) / len(out)


def train_detector(images, targets, n_classes: int, *, steps: int = 1500, batch_size: int = 64, lr: float = 3e-3,
                   width: int = 16, seed: int = 0, progress: bool = True, augment: bool = True):
    """Train a :class:`GridDetector` for ``steps`` steps of Adam (one-cycle learning rate); return it and the losses.

    The work is fixed by ``steps`` and ``batch_size`` (not by seconds), so a run repeats exactly
    on any machine; ``seconds`` in the result says what this one took.
    """
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = GridDetector(n_classes, width)
    grid = images.shape[-1] // STRIDE
    box_t, cls_t = grid_targets(targets, grid)
    x_all = torch.from_numpy(images)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.2)
    losses, started = [], time.perf_counter()
    model.train()
    for _ in tqdm(range(steps), desc="training the detector", disable=not progress):
        idx = torch.from_numpy(rng.integers(0, len(x_all), batch_size))
        x, bt, ct = x_all[idx], box_t[idx], cls_t[idx]
        if augment and rng.random() < 0.5:  # a mirrored scene is a scene: flip the image and the targets
            x, bt, ct = x.flip(-1), bt.flip(-1).clone(), ct.flip(-1)
            bt[:, 1] = torch.where(bt[:, 0] > 0, 1 - bt[:, 1], bt[:, 1])
        loss = detection_loss(model(x), bt, ct)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    return model, {"losses": losses, "seconds": time.perf_counter() - started, "steps": steps,
                   "batch_size": batch_size}



@torch.no_grad()
def grid_outputs(model, images, batch_size: int = 256) -> torch.Tensor:
    """The model's raw output on ``images`` (N, 1, H, W) in eval mode: (N, 5 + C, H / 8, W / 8)."""
    model.eval()
    return torch.cat([model(torch.from_numpy(np.ascontiguousarray(images[i:i + batch_size])))
                      for i in range(0, len(images), batch_size)])
