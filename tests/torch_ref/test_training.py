"""cnncourse.torch_ref.training against hand-computed training steps and scikit-learn metrics."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import unguarded
from sklearn import metrics
from torch import nn
from torch.utils.data import TensorDataset

from cnncourse.torch_ref import training as ref


def test_build_cnn_shape_and_budget():
    model = unguarded(ref.build_cnn)()
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    n = sum(p.numel() for p in model.parameters())
    assert ref.count_parameters(model) == n == 29_178 <= ref.PARAM_BUDGET
    assert ref.count_parameters(ref.build_dense()) == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10


def _data(n=10, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 3, generator=gen), torch.randint(0, 2, (n,), generator=gen))


def test_train_one_epoch_matches_hand_computed_sgd():
    """Batches of 4, 4, 2 with plain SGD: replay every step with torch.autograd.grad."""
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    w, b = model.weight.detach().clone(), model.bias.detach().clone()
    ds = _data()
    loss = unguarded(ref.train_one_epoch)(model, ref.make_loader(ds, 4), torch.optim.SGD(model.parameters(), lr=0.5),
                                          nn.CrossEntropyLoss())
    total = 0.0
    for start in (0, 4, 8):
        x, y = ds.tensors[0][start:start + 4], ds.tensors[1][start:start + 4]
        w.requires_grad_(True)
        b.requires_grad_(True)
        batch_loss = F.cross_entropy(x @ w.T + b, y)
        gw, gb = torch.autograd.grad(batch_loss, (w, b))
        total += batch_loss.item() * len(y)
        w, b = (w - 0.5 * gw).detach(), (b - 0.5 * gb).detach()
    assert loss == pytest.approx(total / 10, rel=1e-6)
    torch.testing.assert_close(model.weight.detach(), w)
    torch.testing.assert_close(model.bias.detach(), b)
    assert model.training


def test_evaluate_matches_sklearn_and_leaves_eval_mode():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model.train()
    ds = _data(23, seed=4)
    acc = unguarded(ref.evaluate)(model, ref.make_loader(ds, 5))
    with torch.no_grad():
        predicted = model(ds.tensors[0]).argmax(1).numpy()  # model is in eval mode now
    assert not model.training
    assert acc == pytest.approx(metrics.accuracy_score(ds.tensors[1].numpy(), predicted))
    pred, labels = ref.predict(model, ref.make_loader(ds, 5))
    np.testing.assert_array_equal(pred, predicted)
    np.testing.assert_array_equal(ref.confusion_matrix(labels, pred, 2), metrics.confusion_matrix(labels, pred))


def test_fit_trains_and_records_history():
    torch.manual_seed(0)
    ds = _data(40, seed=2)
    model = nn.Linear(3, 2)
    history = ref.fit(model, ref.make_loader(ds, 8), ref.make_loader(ds, 8), epochs=3, lr=0.1, progress=False)
    assert history["epoch"] == [1, 2, 3] and len(history["test_acc"]) == 3
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert all(0 <= a <= 1 for a in history["test_acc"]) and history["seconds"] == sorted(history["seconds"])
    with pytest.raises(ref.TrainingBudgetExceeded, match="budget of 0 s"):
        ref.fit(model, ref.make_loader(ds, 8), epochs=1, progress=False, budget_seconds=0)
