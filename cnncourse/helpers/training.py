"""Module 04's helpers: Fashion-MNIST as tensors, a validation split, a fast loader, seeds, the parameter count and budget.

Introduced in notebooks/04_training_cnns_lecture.ipynb.  Student side (the exercises import them);
the references (``build_cnn``, ``train_one_epoch``, ``evaluate``) are in
:mod:`cnncourse.torch_ref.training`.
"""

import random

import numpy as np
import torch
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler, TensorDataset

from .. import _validate as v
from .. import data

#: Mean and standard deviation of Fashion-MNIST's training pixels (scaled to [0, 1]).
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530
#: Largest number of parameters ``build_cnn`` may use.
PARAM_BUDGET = 100_000


def fashion_mnist_dataset(split: str = "train", subset: bool = False) -> TensorDataset:
    """Fashion-MNIST as a ``TensorDataset`` of normalized images and labels.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Parameters
    ----------
    split : {"train", "test"}
    subset : bool, default False
        The course subset (see :func:`cnncourse.data.load_fashion_mnist`).

    Returns
    -------
    torch.utils.data.TensorDataset
        ``(x, y)`` pairs: x float32 of shape (1, 28, 28), ``(pixel / 255 - FASHION_MEAN) / FASHION_STD``;
        y an int64 class index.  ``dataset.tensors`` holds the whole stacks.

    Examples
    --------
    >>> ds = fashion_mnist_dataset("test", subset=True)
    >>> len(ds), ds[0][0].shape, ds[0][1].dtype
    (1000, torch.Size([1, 28, 28]), torch.int64)
    """
    images, labels = data.load_fashion_mnist(split, subset=subset)
    x = (torch.from_numpy(images).float().div_(255.0).sub_(FASHION_MEAN).div_(FASHION_STD)).unsqueeze(1)
    return TensorDataset(x, torch.from_numpy(labels))  # (N, 1, 28, 28), (N,)


def make_loader(dataset: TensorDataset, batch_size: int = 128, shuffle: bool = False, seed: int = 0) -> DataLoader:
    """A ``DataLoader`` that fetches whole batches at once from a ``TensorDataset``.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  The default ``DataLoader`` fetches one
    example at a time and stacks them; indexing the tensors with a batch of indices is the
    same data, several times faster on a CPU.

    Parameters
    ----------
    dataset : TensorDataset
    batch_size : int, default 128
        The last batch holds the remainder.
    shuffle : bool, default False
        A new order every epoch, reproducible from ``seed``.
    seed : int, default 0

    Returns
    -------
    DataLoader
        Yields ``(x, y)`` batches.

    Examples
    --------
    >>> ds = TensorDataset(torch.arange(10.0), torch.arange(10))
    >>> [len(y) for _, y in make_loader(ds, batch_size=4)]
    [4, 4, 2]
    """
    batch_size = v.require_int("batch_size", batch_size, minimum=1)
    if shuffle:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(int(seed)))
    else:
        sampler = SequentialSampler(dataset)
    return DataLoader(dataset, batch_size=None, sampler=BatchSampler(sampler, batch_size, drop_last=False))


def split_validation(dataset: TensorDataset, n_validation: int = 500,
                     seed: int = 0) -> tuple[TensorDataset, TensorDataset]:
    """Carve a validation set out of a training set: the same share of every class, chosen by ``seed``.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  The validation images are held out of
    training and used to choose (the epoch, the model); the test set is left for one final
    measurement.

    Parameters
    ----------
    dataset : TensorDataset
        ``(x, y)`` with integer labels ``y`` of shape (N,), e.g. :func:`fashion_mnist_dataset`.
    n_validation : int, default 500
        Images to hold out, 0 < n_validation < N.  Each class gives its share (rounded so the
        total is exact: largest remainders first, ties to the lower class).
    seed : int, default 0
        Which images of each class are held out.

    Returns
    -------
    (train, validation) : tuple of TensorDataset
        Disjoint, together every example once; each keeps the original order of its examples.

    Examples
    --------
    >>> ds = TensorDataset(torch.arange(10.0), torch.tensor([0, 1] * 5))
    >>> train, val = split_validation(ds, n_validation=4, seed=0)
    >>> len(train), len(val), sorted(val.tensors[1].tolist())
    (6, 4, [0, 0, 1, 1])
    """
    if not isinstance(dataset, TensorDataset) or len(dataset.tensors) < 2:
        raise TypeError(v.message("dataset", "be a TensorDataset of (x, y)", type(dataset).__name__,
                                  "Build it with fashion_mnist_dataset() or TensorDataset(x, y)."))
    labels = dataset.tensors[1]
    if labels.ndim != 1 or labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(v.message("dataset", "hold integer labels y of shape (N,) as its second tensor",
                                   f"dtype {labels.dtype}, shape {tuple(labels.shape)}",
                                   "Pass TensorDataset(x, y) with y the class indices."))
    n = len(labels)
    n_validation = v.require_int("n_validation", n_validation, minimum=1)
    if n_validation >= n:
        raise ValueError(v.message("n_validation", f"be smaller than the number of examples ({n})", n_validation,
                                   "Hold out a part of the training set, e.g. a tenth."))
    y = labels.numpy()
    classes, counts = np.unique(y, return_counts=True)
    exact = counts * n_validation / n
    share = np.floor(exact).astype(int)
    extra = np.argsort(-(exact - share), kind="stable")[:n_validation - share.sum()]
    share[extra] += 1
    rng = np.random.default_rng(seed)
    held = np.zeros(n, dtype=bool)
    for c, k in zip(classes, share):
        held[rng.choice(np.flatnonzero(y == c), size=int(k), replace=False)] = True
    keep, hold = torch.from_numpy(np.flatnonzero(~held)), torch.from_numpy(np.flatnonzero(held))
    return (TensorDataset(*(t[keep] for t in dataset.tensors)),
            TensorDataset(*(t[hold] for t in dataset.tensors)))


def seed_everything(seed: int = 0) -> int:
    """Seed Python's, numpy's and torch's global random generators; return the seed.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  With the seeds fixed, the thread
    count fixed (:func:`cnncourse.helpers.runtime.configure_threads`) and the same device, a
    training run repeats bit for bit on one machine: the starting weights, the batch order
    (:func:`make_loader`'s own ``seed``) and every sum are the same.  Another thread count,
    CPU or a GPU adds up in another order and may change the last digits, and so the result.

    Examples
    --------
    >>> first = (seed_everything(3), torch.rand(2))[1]
    >>> again = (seed_everything(3), torch.rand(2))[1]
    >>> torch.equal(first, again)
    True
    """
    seed = v.require_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return seed


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (weights and biases) of ``model``.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Examples
    --------
    >>> count_parameters(nn.Linear(784, 10))
    7850
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
