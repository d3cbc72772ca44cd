"""Module 04's helpers: Fashion-MNIST as tensors, a fast loader, the parameter count and budget.

Introduced in notebooks/04_training_cnns_lecture.ipynb.  Student side (the exercises import them);
the references (``build_cnn``, ``train_one_epoch``, ``evaluate``) are in
:mod:`cnncourse.torch_ref.training`.
"""

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


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (weights and biases) of ``model``.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Examples
    --------
    >>> count_parameters(nn.Linear(784, 10))
    7850
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
