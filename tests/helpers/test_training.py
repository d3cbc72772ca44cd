"""cnncourse.helpers.training: module 04's dataset and loader."""


import torch
from torch.utils.data import TensorDataset

from cnncourse.helpers import training as helpers


def test_make_loader_covers_every_example_once_and_shuffles_reproducibly():
    ds = TensorDataset(torch.arange(10), torch.arange(10))
    order = [int(v) for x, _ in helpers.make_loader(ds, 3, shuffle=True, seed=5) for v in x]
    assert sorted(order) == list(range(10)) and order != list(range(10))
    assert order == [int(v) for x, _ in helpers.make_loader(ds, 3, shuffle=True, seed=5) for v in x]
    assert [len(y) for _, y in helpers.make_loader(ds, 4)] == [4, 4, 2]


def test_fashion_mnist_dataset_is_normalized():
    ds = helpers.fashion_mnist_dataset("train", subset=True)
    x, y = ds.tensors
    assert x.shape == (5000, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert abs(x.mean().item()) < 0.05 and abs(x.std().item() - 1) < 0.05
