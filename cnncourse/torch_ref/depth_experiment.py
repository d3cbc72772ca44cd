"""Module 05's degradation experiment: a plain deep CNN vs the same depth with residual connections.

Introduced in notebooks/05_architectures_lecture.ipynb.  He et al. (2016, section 4.2) trained
"plain" CIFAR networks of 20 and 56 layers and found the deeper one *worse*, on the training set
too (so not overfitting: an optimization problem, the degradation problem); the same networks
with shortcut connections (ResNets) do not degrade.  :func:`depth_experiment` repeats that on
Fashion-MNIST within the lecture's budget (one cell, <= 60 s on 2 cores), :func:`cifar_style_net`
builds the networks and :func:`smooth_losses` smooths the curves for the plot.

Measured with ``benchmarks/depth_experiment.py`` (the lecture default, seed 0; final loss = mean
of the last 20 steps; a net that has learnt nothing sits at ln 10 = 2.30):

==============  ========  ========  ==============  ==============
net             params    residual  loss, 2 thr.    loss, 1 thr.
==============  ========  ========  ==============  ==============
plain-20        67,906    no        1.02            0.98
plain-56        214,402   no        2.22 (stuck)    2.07 (stuck)
res-56          215,138   yes       0.99            1.05
==============  ========  ========  ==============  ==============

Seeds 1 and 2 (1 thread) give the same picture: plain-20 0.94 / 0.99, plain-56 2.26 / 2.27, res-56
1.09 / 0.98.
Training all three took 35 s on 2 idle cores and 41 s on one; with other programs keeping the
machine's load average near 2, the whole call took 55 s on 2 cores and 50 s on one.
"""

import re
import time
from collections import OrderedDict
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .. import _validate as v
from ..helpers.training import count_parameters, fashion_mnist_dataset, seed_everything
from .architectures import ResidualBlock, _reference_module, _require_bool

#: The lecture's run: three nets, 100 steps of 64 images at 14 x 14 (the 5,000-image course subset,
#: seen once and a third), SGD lr 0.05.  About 35 s on 2 idle cores (curves split by step 50).
LECTURE_SETTINGS = {"configs": ("plain-20", "plain-56", "res-56"), "steps": 100, "n_images": 5000,
                    "batch_size": 64, "lr": 0.05, "image_size": 14}
#: ``full=True``: the guide's longer, larger run (full training set if installed, 28 x 28, four nets).
FULL_SETTINGS = {"configs": ("plain-20", "plain-56", "res-20", "res-56"), "steps": 150, "n_images": 10_000,
                 "batch_size": 128, "lr": 0.05, "image_size": 28}
#: SGD's other settings, as He et al. (2016) trained their CIFAR nets.
MOMENTUM, WEIGHT_DECAY = 0.9, 1e-4
#: The final loss reported is the mean of the last this many steps' losses.
FINAL_WINDOW = 20

_CONFIG = re.compile(r"(plain|res)-(\d+)")
_IMAGE_SIZES = (28, 14, 7)  # 28 // image_size is the average-pooling factor


@_reference_module
class PlainBlock(nn.Module):
    """:class:`~cnncourse.torch_ref.architectures.ResidualBlock` without its shortcut: conv-BN-ReLU-conv-BN-ReLU.

    Introduced in notebooks/05_architectures_lecture.ipynb, as the "plain" block of He et al.'s
    degradation experiment.

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels, >= 1.
    stride : int, default 1
        Stride of the first 3x3 conv: 2 halves H and W.

    Notes
    -----
    The layers (and attribute names) of ``ResidualBlock``: ``conv1`` 3x3 c_in -> c_out (stride,
    padding 1, no bias), ``bn1``, ReLU, ``conv2`` 3x3 c_out -> c_out, ``bn2``, ReLU, so the output
    is ``relu(F(x))`` where the residual block computes ``relu(F(x) + shortcut(x))``.  The
    parameter count is ``ResidualBlock``'s minus its projection (1x1 conv and BN) where the
    shape changes.

    Input (N, c_in, H, W), output (N, c_out, OH, OW) with ``OH = (H - 1) // stride + 1``.

    Examples
    --------
    >>> block = PlainBlock(8, 16, stride=2)
    >>> block(torch.zeros(2, 8, 9, 9)).shape, count_parameters(block)  # ResidualBlock: 3680
    (torch.Size([2, 16, 5, 5]), 3520)
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        c_in = v.require_int("c_in", c_in, minimum=1)
        c_out = v.require_int("c_out", c_out, minimum=1)
        stride = v.require_int("stride", stride, minimum=1)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))  # (N, c_out, OH, OW)
        return self.relu(self.bn2(self.conv2(out)))


def _require_depth(depth):
    depth = v.require_int("depth", depth, fix="Pass 6n + 2 such as 20 or 56.")
    if depth < 8 or (depth - 2) % 6:
        n = max(1, round((depth - 2) / 6))
        near = sorted({max(8, 6 * ((depth - 2) // 6) + 2), 6 * n + 2, max(8, 6 * ((depth - 2) // 6 + 1) + 2)})
        raise ValueError(v.message("depth", "be 6n + 2 for an integer n >= 1 (8, 14, 20, 26, ..., 56, ..., 110)",
                                   depth, f"Use {' or '.join(str(d) for d in near)}: n blocks of "
                                   "2 convs in each of 3 stages, plus the stem conv and the linear head."))
    return depth


def cifar_style_net(depth: int, residual: bool, width: int = 8, n_classes: int = 10,
                    in_channels: int = 1) -> nn.Sequential:
    """He et al.'s (2016, section 4.2) CIFAR network: 6n + 2 layers, plain or residual.

    Introduced in notebooks/05_architectures_lecture.ipynb.

    Parameters
    ----------
    depth : int
        6n + 2 (8, 14, 20, 26, ..., 56, ..., 110): the stem conv, 3 stages of n blocks of 2 convs,
        and the linear head.
    residual : bool
        True: :class:`~cnncourse.torch_ref.architectures.ResidualBlock` (identity shortcuts, and
        1x1-conv projections where the shape changes: option B of the paper).  False:
        :class:`PlainBlock`, the same layers without any shortcut.
    width : int, default 8
        Channels of stage 1; stages 2 and 3 have ``2 * width`` and ``4 * width`` (the paper: 16).
    n_classes : int, default 10
    in_channels : int, default 1

    Returns
    -------
    nn.Sequential
        Children ``stem`` (3x3 conv in_channels -> width, no bias, BN, ReLU), ``stage1``,
        ``stage2``, ``stage3`` (``nn.Sequential`` of n blocks; the first block of stages 2 and 3
        has stride 2), ``pool`` (global average), ``flatten`` and ``fc`` (Linear 4*width ->
        n_classes).  Input (N, in_channels, H, W), output logits (N, n_classes); the maps are
        H x W, then ``(H - 1) // 2 + 1`` twice.  PyTorch's default initialisation.

        Parameters at width 8 and 10 classes: plain-20 67,906, res-20 68,642; plain-56 214,402,
        res-56 215,138.  Plain and residual differ only by the two projections,
        ``10 * width**2 + 12 * width`` (736 at width 8, whatever the depth).

    Raises
    ------
    TypeError
        If a size is not an integer or ``residual`` not a bool.
    ValueError
        If ``depth`` is not 6n + 2 or a size is < 1.

    Examples
    --------
    >>> net = cifar_style_net(20, residual=True)
    >>> net(torch.zeros(2, 1, 28, 28)).shape, count_parameters(net)
    (torch.Size([2, 10]), 68642)
    >>> count_parameters(cifar_style_net(56, residual=False))
    214402
    """
    depth = _require_depth(depth)
    residual = _require_bool("residual", residual)
    width = v.require_int("width", width, minimum=1)
    n_classes = v.require_int("n_classes", n_classes, minimum=1)
    in_channels = v.require_int("in_channels", in_channels, minimum=1)
    n = (depth - 2) // 6
    block = ResidualBlock if residual else PlainBlock
    parts = OrderedDict(stem=nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
                                           nn.BatchNorm2d(width), nn.ReLU()))
    c_in = width
    for stage, c_out in enumerate((width, 2 * width, 4 * width), start=1):
        blocks = [block(c_in if i == 0 else c_out, c_out, stride=2 if stage > 1 and i == 0 else 1) for i in range(n)]
        parts[f"stage{stage}"] = nn.Sequential(*blocks)  # (N, c_out, H / 2**(stage - 1), ...)
        c_in = c_out
    parts["pool"] = nn.AdaptiveAvgPool2d(1)  # (N, 4 * width, 1, 1)
    parts["flatten"] = nn.Flatten()
    parts["fc"] = nn.Linear(4 * width, n_classes)  # (N, n_classes)
    return nn.Sequential(parts)


def smooth_losses(losses: Sequence[float], window: int = 10) -> list[float]:
    """Trailing running mean of a loss curve: entry i is the mean of losses[i - window + 1 : i + 1].

    Introduced in notebooks/05_architectures_lecture.ipynb, to plot per-step losses without their
    batch-to-batch noise.

    Parameters
    ----------
    losses : sequence of float, length S
    window : int, default 10
        The first ``window - 1`` entries average the steps so far (no padding), so the smoothed
        curve starts at the first loss.

    Returns
    -------
    list of float, length S

    Examples
    --------
    >>> smooth_losses([4.0, 2.0, 0.0, 2.0], window=2)
    [4.0, 3.0, 1.0, 1.0]
    """
    window = v.require_int("window", window, minimum=1)
    values = [v.require_number(f"losses[{i}]", x) for i, x in enumerate(losses)]
    out, total = [], 0.0
    for i, x in enumerate(values):
        total += x
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def _parse_configs(configs):
    if isinstance(configs, str) or not isinstance(configs, Sequence) or not configs:
        raise TypeError(v.message("configs", "be a non-empty list of net names", repr(configs),
                                  "Pass e.g. ('plain-20', 'plain-56', 'res-56')."))
    parsed = {}
    for name in configs:
        match = _CONFIG.fullmatch(name) if isinstance(name, str) else None
        if match is None:
            raise ValueError(v.message("configs", "name nets as 'plain-<depth>' or 'res-<depth>'", repr(name),
                                       "E.g. 'plain-20' or 'res-56'."))
        if name in parsed:
            raise ValueError(v.message("configs", "name each net once", f"{name!r} twice", "Drop the repeat."))
        parsed[name] = (_require_depth(int(match[2])), match[1] == "res")
    return parsed


def _training_images(n_images, image_size, full):
    """The first ``n_images`` Fashion-MNIST training images, average-pooled to ``image_size``."""
    x, y = fashion_mnist_dataset("train", subset=not full).tensors  # (N, 1, 28, 28), (N,)
    if n_images > len(x):
        where = "the full training set" if full else "the course subset (full=True for the full set)"
        raise ValueError(v.message("n_images", f"be at most {len(x):,}, the images of {where}", f"{n_images:,}",
                                   "Pass fewer images, or None for all of them."))
    x, y = x[:n_images], y[:n_images]
    if image_size != 28:
        x = F.avg_pool2d(x, 28 // image_size)  # (N, 1, image_size, image_size)
    return x, y


def _batch_indices(n, batch_size, steps, seed):
    """Indices of every step's batch: reshuffled epochs (a short last batch is skipped), from ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    batches, order, pos = [], torch.randperm(n, generator=gen), 0
    for _ in range(steps):
        if pos + batch_size > n:
            order, pos = torch.randperm(n, generator=gen), 0
        batches.append(order[pos:pos + batch_size])
        pos += batch_size
    return batches


def depth_experiment(configs=None, steps=None, n_images=None, batch_size=None, lr=None, image_size=None, seed=0,
                     progress=True, full=False) -> dict:
    """Train plain and residual nets of several depths for the same steps on the same batches; return their losses.

    Introduced in notebooks/05_architectures_lecture.ipynb.  Every net (:func:`cifar_style_net`,
    width 8) trains with SGD (momentum :data:`MOMENTUM`, weight decay :data:`WEIGHT_DECAY`, a
    constant learning rate) on Fashion-MNIST training images, the same batches in the same
    order for every net; the weights come from :func:`~cnncourse.helpers.training.seed_everything`
    (``seed``) called before each net is built.

    Parameters
    ----------
    configs : sequence of str, optional
        Net names ``"plain-<depth>"`` or ``"res-<depth>"`` with depth = 6n + 2.
    steps, batch_size : int, optional
        Optimizer steps per net and images per step.
    n_images : int, optional
        Train on the first ``n_images`` images of the set (the 5,000-image course subset, or
        with ``full=True`` the full 60,000); epochs are reshuffled.
    lr : float, optional
    image_size : {28, 14, 7}, optional
        Images average-pooled to this size: 14 takes about a quarter of the time of 28.
    seed : int, default 0
        The same seed (and thread count) gives the same curves.
    progress : bool, default True
        A tqdm bar per net with its running loss.
    full : bool, default False
        Defaults from :data:`FULL_SETTINGS` (the full training set, which needs the Debian
        package dataset-fashion-mnist or a download, 28 x 28, four nets; several minutes)
        instead of :data:`LECTURE_SETTINGS` (the subset, 14 x 14, three nets, ~35 s on 2 cores).
        Arguments given explicitly win.

    Returns
    -------
    dict
        ``{name: record}`` in the order of ``configs``; each record has ``"losses"`` (list of
        ``steps`` floats: each step's mean training loss on its batch, before the update),
        ``"final_loss"`` (mean of the last :data:`FINAL_WINDOW` losses), ``"params"`` (int),
        ``"cpu_seconds"`` (process CPU time, every thread) and ``"wall_seconds"`` of training.

    Raises
    ------
    TypeError, ValueError
        If a name in ``configs`` is not ``plain-<6n+2>`` / ``res-<6n+2>``, a size is not a
        positive integer, or ``n_images`` exceeds the images available.

    Notes
    -----
    Thread settings are left alone: call :func:`cnncourse.helpers.runtime.configure_threads`
    first.  Another thread count sums in another order and gives slightly different curves.

    The lecture defaults were chosen by measurement (seeds 0-2): 14 x 14 inputs cost a quarter
    of 28 x 28 and show the same split; batches of 64 cost 0.7x those of 128 per step (the
    56-layer nets' time is mostly per-layer overhead); lr 0.05 gave res-56 close to plain-20 on
    every seed where lr 0.1 left it behind on one; res-20 is left out (it trains fastest of all,
    but costs time and blurs the point at this budget).  PyTorch's default initialisation made
    plain-56's failure clearer than He initialisation (at lr 0.1, plain-56 ended at 2.0-2.3 instead
    of 1.5-2.0).

    Examples
    --------
    >>> out = depth_experiment(["plain-8", "res-8"], steps=2, n_images=64, batch_size=32, progress=False)
    >>> list(out), len(out["res-8"]["losses"]), out["plain-8"]["params"]
    (['plain-8', 'res-8'], 2, 19074)
    """
    from tqdm.auto import tqdm

    full = _require_bool("full", full)
    defaults = FULL_SETTINGS if full else LECTURE_SETTINGS
    parsed = _parse_configs(defaults["configs"] if configs is None else configs)
    steps = v.require_int("steps", defaults["steps"] if steps is None else steps, minimum=1)
    batch_size = v.require_int("batch_size", defaults["batch_size"] if batch_size is None else batch_size, minimum=1)
    lr = v.require_number("lr", defaults["lr"] if lr is None else lr)
    image_size = v.require_choice("image_size", defaults["image_size"] if image_size is None else image_size,
                                  _IMAGE_SIZES)
    seed = v.require_int("seed", seed, minimum=0)
    n_images = v.require_int("n_images", defaults["n_images"] if n_images is None else n_images, minimum=1)
    x, y = _training_images(n_images, image_size, full)
    batch_size = min(batch_size, len(x))
    batches = _batch_indices(len(x), batch_size, steps, seed)
    results = {}
    for name, (depth, residual) in parsed.items():
        seed_everything(seed)
        model = cifar_style_net(depth, residual)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
        model.train()
        losses = []
        bar = tqdm(batches, desc=name, disable=not progress, mininterval=0.5, leave=True)
        wall, cpu = time.perf_counter(), time.process_time()
        for index in bar:
            loss = F.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{smooth_losses(losses[-10:])[-1]:.3f}", refresh=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        bar.close()
        tail = losses[-FINAL_WINDOW:]
        results[name] = {"losses": losses, "final_loss": sum(tail) / len(tail), "params": count_parameters(model),
                         "cpu_seconds": cpu, "wall_seconds": wall}
    return results
