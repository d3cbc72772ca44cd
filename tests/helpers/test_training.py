"""cnncourse.helpers.training: module 04's dataset, validation split, loader and seeds."""

import random

import numpy as np
import pytest
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


def _labelled(n=60, k=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 2, generator=gen), torch.arange(n) % k)


def test_split_validation_holds_out_each_class_share_disjointly_and_reproducibly():
    ds = _labelled()
    train, val = helpers.split_validation(ds, n_validation=12, seed=3)
    assert (len(train), len(val)) == (48, 12)
    assert torch.bincount(val.tensors[1]).tolist() == [4, 4, 4]  # the same share of every class
    def rows(d):
        return {tuple(r.tolist()) for r in d.tensors[0]}

    assert rows(train).isdisjoint(rows(val)) and rows(train) | rows(val) == rows(ds)
    again = helpers.split_validation(ds, n_validation=12, seed=3)[1]
    assert torch.equal(again.tensors[0], val.tensors[0])
    assert not torch.equal(helpers.split_validation(ds, n_validation=12, seed=4)[1].tensors[0], val.tensors[0])
    order = [int(torch.nonzero((ds.tensors[0] == r).all(1))[0]) for r in train.tensors[0]]
    assert order == sorted(order)  # the kept examples stay in their order


def test_split_validation_rounds_uneven_shares_to_the_exact_total():
    ds = TensorDataset(torch.arange(10.0), torch.tensor([0] * 6 + [1] * 3 + [2]))
    _, val = helpers.split_validation(ds, n_validation=5, seed=0)
    assert len(val) == 5 and torch.bincount(val.tensors[1], minlength=3).tolist() == [3, 2, 0]  # 3, 1.5, 0.5


def test_split_validation_errors():
    ds = _labelled(10)
    with pytest.raises(ValueError, match=r"`n_validation` must be smaller than the number of examples \(10\); "
                                         r"got 10\. Hold out a part"):
        helpers.split_validation(ds, n_validation=10)
    with pytest.raises(ValueError, match=r"`n_validation` must be an integer >= 1; got 0"):
        helpers.split_validation(ds, n_validation=0)
    with pytest.raises(TypeError, match=r"`dataset` must be a TensorDataset of \(x, y\); got list\."):
        helpers.split_validation([(1, 0)] * 10, n_validation=2)
    with pytest.raises(ValueError, match=r"`dataset` must hold integer labels y of shape \(N,\) as its second tensor; "
                                         r"got dtype torch.float32"):
        helpers.split_validation(TensorDataset(torch.zeros(4), torch.zeros(4)), n_validation=2)


def test_seed_everything_repeats_python_numpy_and_torch_draws():
    def draws():
        return random.random(), float(np.random.rand()), torch.rand(3).tolist()

    assert helpers.seed_everything(7) == 7
    first = draws()
    helpers.seed_everything(7)
    assert draws() == first
    helpers.seed_everything(8)
    assert draws() != first
    with pytest.raises(ValueError, match=r"`seed` must be an integer >= 0; got -1"):
        helpers.seed_everything(-1)
