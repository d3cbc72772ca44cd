"""cnncourse.torch_ref.training against hand-computed training steps and scikit-learn metrics."""

import json
import math
import os
import subprocess
import sys

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


def _onecycle_oracle(step, total, max_lr, pct_start=0.3, div=25.0, final_div=1e4):
    """torch's OneCycleLR (cosine, three-phase off) written out: the rate and beta1 for ``step``."""
    def cos(a, b, pct):
        return b + (a - b) / 2 * (math.cos(math.pi * pct) + 1)

    initial, end_up = max_lr / div, pct_start * total - 1
    if step <= end_up:
        pct = step / end_up
        return cos(initial, max_lr, pct), cos(0.95, 0.85, pct)
    pct = (step - end_up) / (total - 1 - end_up)
    return cos(max_lr, initial / final_div, pct), cos(0.85, 0.95, pct)


def test_learning_rate_schedule_is_the_one_cycle_formula():
    schedule = ref.learning_rate_schedule(epochs=3, steps_per_epoch=7, lr=0.02)
    assert schedule["step"] == list(range(21))
    expected = [_onecycle_oracle(t, 21, 0.02) for t in range(21)]
    np.testing.assert_allclose(schedule["lr"], [e[0] for e in expected], rtol=1e-9)
    np.testing.assert_allclose(schedule["beta1"], [e[1] for e in expected], rtol=1e-9)
    assert schedule["lr"][0] == pytest.approx(0.02 / 25) and schedule["lr"][-1] == pytest.approx(0.02 / 25 / 1e4)
    flat = ref.learning_rate_schedule(epochs=4, steps_per_epoch=2, lr=0.1, onecycle=False)
    np.testing.assert_allclose(flat["lr"], [0.1, 0.1, 0.075, 0.075, 0.05, 0.05, 0.025, 0.025])
    assert set(flat["beta1"]) == {0.9}


def test_fit_steps_the_schedule_learning_rate_schedule_draws(monkeypatch):
    """The rates fit's optimizer really uses at each step are the drawn ones."""
    torch.manual_seed(0)
    ds = _data(24, seed=3)
    seen = []

    class Spy(torch.optim.AdamW):
        def step(self, closure=None):
            seen.append((self.param_groups[0]["lr"], self.param_groups[0]["betas"][0]))
            return super().step(closure)

    monkeypatch.setattr(torch.optim, "AdamW", Spy)
    ref.fit(nn.Linear(3, 2), ref.make_loader(ds, 8), epochs=2, lr=0.05, progress=False)
    used = list(seen)  # learning_rate_schedule below steps a (spied) AdamW of its own
    schedule = ref.learning_rate_schedule(2, 3, lr=0.05)
    assert len(used) == 6
    np.testing.assert_allclose(used, list(zip(schedule["lr"], schedule["beta1"])))


def test_fit_validation_train_eval_and_keep_best():
    torch.manual_seed(0)
    ds = _data(60, seed=5)
    train, val = ref.split_validation(ds, n_validation=20, seed=0)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2))
    h = ref.fit(model, ref.make_loader(train, 8, shuffle=True), val_loader=ref.make_loader(val, 7),
                train_eval_loader=ref.make_loader(train, 40), epochs=6, lr=0.5, keep_best=True, progress=False)
    assert h["test_acc"] == [None] * 6 and len(h["val_acc"]) == len(h["train_eval_acc"]) == 6
    best = h["best_epoch"]
    assert h["val_acc"][best - 1] == max(h["val_acc"]) and best == h["val_acc"].index(max(h["val_acc"])) + 1
    eval_ = unguarded(ref.evaluate)
    assert eval_(model, ref.make_loader(val, 7)) == h["val_acc"][best - 1]  # the kept weights are the best epoch's
    assert eval_(model, ref.make_loader(train, 40)) == h["train_eval_acc"][best - 1]
    with pytest.raises(ValueError, match=r"`keep_best` must come with a val_loader .*; got keep_best=True without "
                                         r"val_loader\. Pass val_loader=\.\.\., or keep_best=False\."):
        ref.fit(model, ref.make_loader(train, 8), keep_best=True, progress=False)


def test_fit_on_a_device_moves_the_model_and_every_batch():
    """device='cpu' gives bit-for-bit the run of device=None; every batch the step sees is on the device."""
    def run(device):
        torch.manual_seed(0)
        ds = _data(30, seed=1)
        model = nn.Linear(3, 2)
        seen = []

        def step(model, loader, optimizer, loss_fn):
            assert len(loader) == 4 and loader.iterable.dataset is not None  # tqdm around the loader
            for x, y in loader:
                seen.append((x.device.type, y.device.type))
            return unguarded(ref.train_one_epoch)(model, loader, optimizer, loss_fn)

        h = ref.fit(model, ref.make_loader(ds, 8, shuffle=True), ref.make_loader(ds, 8), epochs=2, lr=0.1,
                    train_step=step, progress=False, device=device)
        return h, model, seen

    h_none, m_none, _ = run(None)
    h_cpu, m_cpu, seen = run("cpu")
    assert set(seen) == {("cpu", "cpu")}
    assert {k: h_cpu[k] for k in h_cpu if k != "seconds"} == {k: h_none[k] for k in h_none if k != "seconds"}
    assert torch.equal(m_cpu.weight, m_none.weight)
    pred, labels = ref.predict(m_cpu, ref.make_loader(_data(30, seed=1), 8), device="cpu")
    assert pred.shape == labels.shape == (30,) and pred.dtype == np.int64


_RECIPE = """
from cnncourse.helpers import runtime
runtime.configure_threads()   # as the lecture's import cell, before torch
import hashlib, json, sys
import torch
from torch.utils.data import TensorDataset
from cnncourse.torch_ref import training

full = training.fashion_mnist_dataset("train", subset=True)
small = TensorDataset(*(t[:600] for t in full.tensors))
train, val = training.split_validation(small, n_validation=100, seed=0)
training.seed_everything(0)
model = training.build_cnn()
h = training.fit(model, training.make_loader(train, 128, shuffle=True, seed=0),
                 val_loader=training.make_loader(val, 500), train_eval_loader=training.make_loader(train, 500),
                 epochs=2, lr=0.01, keep_best=True, progress=False, device=runtime.device("cpu"))
h.pop("seconds")
weights = b"".join(t.detach().numpy().tobytes() for t in model.state_dict().values())
print(json.dumps({"threads": torch.get_num_threads(), "history": h, "weights": hashlib.sha256(weights).hexdigest()}))
"""


@pytest.mark.slow
def test_the_lecture_training_recipe_repeats_bit_for_bit_in_fresh_processes():
    """Two fresh processes, the lecture's seeds, thread setting and calls on 500 images, 2 epochs: equal results."""
    env = {k: val for k, val in os.environ.items() if k not in ("CNNCOURSE_THREADS", "CNNCOURSE_DEVICE")}
    results = [subprocess.run([sys.executable, "-c", _RECIPE], capture_output=True, text=True, env=env, check=True,
                              timeout=300).stdout for _ in range(2)]
    first, second = (json.loads(r.strip().splitlines()[-1]) for r in results)
    assert first["history"]["train_loss"] and first["history"]["val_acc"][0] is not None
    assert first == second  # every loss and accuracy as the same float, the same weights to the last bit


def test_the_lecture_training_recipe_repeats_in_one_process_whatever_ran_before():
    """The recipe seeds what it uses: random draws in between (a cell run twice, a figure) change nothing."""
    full = ref.fashion_mnist_dataset("train", subset=True)
    small = TensorDataset(*(t[:300] for t in full.tensors))
    train, val = ref.split_validation(small, n_validation=50, seed=0)

    def recipe():
        ref.seed_everything(0)
        model = unguarded(ref.build_cnn)()
        h = ref.fit(model, ref.make_loader(train, 128, shuffle=True, seed=0), val_loader=ref.make_loader(val, 50),
                    epochs=1, lr=0.01, progress=False, device="cpu")
        return h["train_loss"] + h["val_acc"], torch.cat([t.flatten() for t in model.state_dict().values()])

    first_history, first_weights = recipe()
    torch.rand(7), np.random.rand(3)  # the global generators move on
    second_history, second_weights = recipe()
    assert first_history == second_history and torch.equal(first_weights, second_weights)
