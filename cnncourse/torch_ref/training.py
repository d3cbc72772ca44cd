"""Module 04 references: a dense network and a CNN for Fashion-MNIST, the training loop.

Introduced in notebooks/04_training_cnns_lecture.ipynb.  ``build_cnn``, ``train_one_epoch`` and
``evaluate`` are reference solutions: they refuse to run while a check runs student code.  The
data helpers (``fashion_mnist_dataset``, ``split_validation``, ``make_loader``, ``seed_everything``,
``count_parameters``) live in :mod:`cnncourse.helpers.training` and are re-exported here for the
lecture.
"""

import time
from collections.abc import Callable, Iterable

import numpy as np
import torch
from torch import nn
from torch.utils.data import TensorDataset  # noqa: F401 - used by the doctests

from .. import _validate as v
from ..helpers.training import (FASHION_MEAN, FASHION_STD, PARAM_BUDGET,  # noqa: F401 - re-exported for the lecture
                                count_parameters, fashion_mnist_dataset, make_loader, seed_everything,
                                split_validation)
from ..ref._guard import reference


class TrainingBudgetExceeded(RuntimeError):
    """Training took longer than the ``budget_seconds`` given to :func:`fit`."""


def build_dense(hidden: int = 256) -> nn.Sequential:
    """The dense network of modules 02-03, sized for Fashion-MNIST: 784 -> hidden -> hidden/2 -> 10.

    Introduced in notebooks/04_training_cnns_lecture.ipynb, as the baseline the CNN is compared with.

    Returns
    -------
    nn.Sequential
        Input (N, 1, 28, 28), output logits (N, 10).  235,146 parameters for ``hidden=256``.

    Examples
    --------
    >>> count_parameters(build_dense())
    235146
    """
    return nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(),
                         nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Linear(hidden // 2, 10))


def _conv_block(c_in, c_out):
    """3x3 conv (padding 1, no bias: the batch norm has one) -> batch norm -> ReLU -> 2x2 max pool."""
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]


@reference
def build_cnn() -> nn.Sequential:
    """The course's CNN for Fashion-MNIST: three conv blocks, then one linear layer.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Returns
    -------
    nn.Sequential
        Input (N, 1, 28, 28), output logits (N, 10) (no softmax: ``nn.CrossEntropyLoss``
        applies log-softmax itself).  Shapes: 28x28x1 -> 14x14x16 -> 7x7x32 -> 3x3x64 ->
        576 -> 10; 29,178 parameters, within :data:`PARAM_BUDGET`.

    Examples
    --------
    >>> model = build_cnn()
    >>> model(torch.zeros(2, 1, 28, 28)).shape, count_parameters(model)
    (torch.Size([2, 10]), 29178)
    """
    return nn.Sequential(*_conv_block(1, 16), *_conv_block(16, 32), *_conv_block(32, 64),
                         nn.Flatten(), nn.Linear(64 * 3 * 3, 10))  # (N, 576) -> (N, 10)


@reference
def train_one_epoch(model: nn.Module, loader: Iterable, optimizer: torch.optim.Optimizer, loss_fn: Callable,
                    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None) -> float:
    """Train ``model`` for one pass over ``loader``; return the epoch's mean loss.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Parameters
    ----------
    model : nn.Module
        Put in training mode first (batch norm and dropout behave as in training).
    loader : iterable of (x, y) batches
    optimizer : torch.optim.Optimizer
        Over ``model``'s parameters; per batch: zero the gradients, forward, loss,
        backward, step.
    loss_fn : callable
        ``loss_fn(logits, y)`` -> the batch's mean loss (e.g. ``nn.CrossEntropyLoss()``).
    scheduler : optional
        A learning-rate scheduler stepped after every optimizer step (not graded).

    Returns
    -------
    float
        Mean loss per example over the epoch: each batch's mean loss weighted by its
        size, so a short last batch counts for what it holds.

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> model = nn.Linear(2, 2)
    >>> ds = TensorDataset(torch.randn(10, 2), torch.randint(0, 2, (10,)))
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> loss = train_one_epoch(model, make_loader(ds, 4), opt, nn.CrossEntropyLoss())
    >>> isinstance(loss, float)
    True
    """
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


@reference
def evaluate(model: nn.Module, loader: Iterable) -> float:
    """Accuracy of ``model`` on ``loader``: the fraction of examples whose top logit is the label.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Parameters
    ----------
    model : nn.Module
        Put in evaluation mode (batch norm uses its running statistics, dropout is off);
        no gradients are recorded.
    loader : iterable of (x, y) batches

    Returns
    -------
    float
        In [0, 1]: correct predictions / number of examples (not the mean of per-batch
        accuracies, which overweights a short last batch).

    Examples
    --------
    >>> model = nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.eye(2)), model.bias.zero_()
    >>> ds = TensorDataset(torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]]), torch.tensor([0, 1, 1]))
    >>> round(evaluate(model, make_loader(ds, 2)), 4)
    0.6667
    """
    model.eval()
    correct, count = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            count += len(y)
    return correct / count


def _model_device(model: nn.Module) -> torch.device:
    """Where ``model``'s parameters live (the CPU for a model without any)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def predict(model: nn.Module, loader: Iterable, device=None) -> tuple[np.ndarray, np.ndarray]:
    """Predicted classes and the true labels over ``loader`` (evaluation mode, no gradients).

    Introduced in notebooks/04_training_cnns_lecture.ipynb; feeds :func:`confusion_matrix`.

    Parameters
    ----------
    model : nn.Module
    loader : iterable of (x, y) batches
    device : torch.device or str, optional
        Where the batches go before the forward pass; default the device of ``model``'s
        parameters (the CPU for a model on the CPU).

    Returns
    -------
    predicted, labels : ndarray, shape (N,), int64
        On the CPU, whatever the device.

    Examples
    --------
    >>> model = nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.eye(2)), model.bias.zero_()
    >>> ds = TensorDataset(torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]]), torch.tensor([0, 1, 0]))
    >>> predict(model, make_loader(ds, 2))
    (array([0, 1, 1]), array([0, 1, 0]))
    """
    device = _model_device(model) if device is None else torch.device(device)
    model.eval()
    predicted, labels = [], []
    with torch.no_grad():
        for x, y in loader:
            predicted.append(model(x.to(device)).argmax(dim=1).cpu())
            labels.append(y.cpu())
    return torch.cat(predicted).numpy(), torch.cat(labels).numpy()


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Returns
    -------
    ndarray, shape (n_classes, n_classes), int64
        Row = true class, column = predicted class; the diagonal holds the correct ones.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), n_classes=2)
    array([[1, 0],
           [1, 1]])
    """
    labels, predicted = np.asarray(labels, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    if labels.shape != predicted.shape:
        raise ValueError(v.message("predicted", f"have the shape of labels {labels.shape}", f"shape {predicted.shape}"))
    return np.bincount(labels * n_classes + predicted, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


class _OnDevice:
    """A loader whose ``(x, y)`` batches are moved to ``device``; length and attributes are the loader's."""

    def __init__(self, loader, device):
        self.loader, self.device = loader, device

    def __iter__(self):
        for x, y in self.loader:
            yield x.to(self.device), y.to(self.device)

    def __len__(self):
        return len(self.loader)

    def __getattr__(self, name):  # .dataset, .batch_size, ... of the wrapped loader
        if name == "loader":
            raise AttributeError(name)
        return getattr(self.loader, name)


#: AdamW's settings in :func:`fit` (besides the learning rate).
WEIGHT_DECAY = 1e-4


def _optimizer(params, lr):
    return torch.optim.AdamW(params, lr=lr, weight_decay=WEIGHT_DECAY)


def _onecycle(optimizer, lr, total_steps):
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total_steps)


def learning_rate_schedule(epochs: int, steps_per_epoch: int, lr: float = 0.01,
                           onecycle: bool = True) -> dict[str, list[float]]:
    """The learning rate (and AdamW's beta1) that :func:`fit` uses at every optimizer step.

    Introduced in notebooks/04_training_cnns_lecture.ipynb, to draw the one-cycle schedule.  Built
    with the same optimizer and scheduler as :func:`fit`, on a dummy parameter.

    Parameters
    ----------
    epochs, steps_per_epoch : int
        ``steps_per_epoch`` is ``len(train_loader)``.
    lr : float, default 0.01
        The peak learning rate (``max_lr``).
    onecycle : bool, default True
        False: the per-epoch linear decay ``lr * (1 - (epoch - 1) / epochs)``, beta1 fixed at 0.9.

    Returns
    -------
    dict of lists, each of length ``epochs * steps_per_epoch``
        ``"step"`` (0, 1, ...), ``"lr"`` and ``"beta1"`` in effect for that step.  One-cycle
        (PyTorch's ``OneCycleLR`` defaults): the rate rises from ``lr / 25`` to ``lr`` over the
        first 30 % of the steps and falls to ``lr / 25 / 10**4`` by the last, along half cosine
        waves, while beta1 moves the opposite way between 0.95 and 0.85.

    Examples
    --------
    >>> s = learning_rate_schedule(epochs=2, steps_per_epoch=5, lr=0.01)
    >>> round(s["lr"][0], 6), round(max(s["lr"]), 6), round(s["beta1"][0], 3), len(s["lr"])
    (0.0004, 0.01, 0.95, 10)
    """
    epochs = v.require_int("epochs", epochs, minimum=1)
    steps_per_epoch = v.require_int("steps_per_epoch", steps_per_epoch, minimum=1)
    lr = v.require_number("lr", lr)
    total = epochs * steps_per_epoch
    param = nn.Parameter(torch.zeros(1))
    optimizer = _optimizer([param], lr)
    scheduler = _onecycle(optimizer, lr, total) if onecycle else None
    out = {"step": list(range(total)), "lr": [], "beta1": []}
    for step in range(total):
        group = optimizer.param_groups[0]
        if scheduler is None:
            group["lr"] = lr * (1 - (step // steps_per_epoch) / epochs)
        out["lr"].append(float(group["lr"]))
        out["beta1"].append(float(group["betas"][0]))
        optimizer.step()  # no gradient: nothing changes, but the scheduler sees the step
        if scheduler is not None:
            scheduler.step()
    return out


def fit(model, train_loader, test_loader=None, *, val_loader=None, train_eval_loader=None, epochs=5, lr=0.01,
        onecycle=True, keep_best=False, train_step=None, eval_step=None, progress=True, budget_seconds=None,
        device=None):
    """Train with AdamW and a one-cycle (or decaying) learning rate, evaluating after every epoch.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.  Shows a tqdm progress bar per batch
    with the running loss and accuracy of the epoch.

    Parameters
    ----------
    model : nn.Module
    train_loader : DataLoader
        The batches trained on.
    test_loader, val_loader, train_eval_loader : DataLoader, optional
        Evaluated (with ``eval_step``) after every epoch into ``test_acc``, ``val_acc`` and
        ``train_eval_acc``.  Choose with a validation loader; keep the test set for one
        final measurement.  ``train_eval_loader`` is the training set again, unshuffled (a
        shuffled loader would take random numbers from the training order): the accuracy on
        the training images after the epoch, in evaluation mode.
    epochs : int, default 5
    lr : float, default 0.01
        Peak learning rate of the one-cycle schedule, or the starting one of the per-epoch decay.
    onecycle : bool, default True
        With the reference training step: a one-cycle schedule stepped after every batch
        (:func:`learning_rate_schedule` gives its values).  A student's ``train_one_epoch``
        takes no scheduler, so with one (or with ``onecycle=False``) the learning rate decays
        linearly per epoch instead: ``lr * (1 - (epoch - 1) / epochs)``.
    keep_best : bool, default False
        Needs ``val_loader``: at the end, load the weights (and batch-norm statistics) of the
        epoch with the highest validation accuracy (the first, on ties).
    train_step, eval_step : callable, optional
        Your ``train_one_epoch`` and ``evaluate``; default the references.
    progress : bool, default True
    budget_seconds : float, optional
        Stop with :class:`TrainingBudgetExceeded` once training has taken longer.
    device : torch.device or str, optional
        Move the model there and every batch before it is used (e.g.
        :func:`cnncourse.helpers.runtime.device`).  Default None: nothing is moved, so a
        model and loaders on the CPU train on the CPU.

    Returns
    -------
    dict
        Lists with one entry per epoch: ``epoch``, ``train_loss``, ``train_acc`` (running,
        during the epoch), ``test_acc``, ``val_acc``, ``train_eval_acc`` (None where that
        loader is not given) and ``seconds`` (training time so far, evaluation excluded);
        and ``best_epoch``, the epoch with the highest ``val_acc`` (None without
        ``val_loader``).

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> ds = TensorDataset(torch.randn(40, 3), torch.randint(0, 2, (40,)))
    >>> train, val = split_validation(ds, n_validation=10)
    >>> h = fit(nn.Linear(3, 2), make_loader(train, 8, shuffle=True), val_loader=make_loader(val, 10), epochs=2,
    ...         progress=False)
    >>> h["epoch"], len(h["val_acc"]), h["test_acc"], h["best_epoch"] in (1, 2)
    ([1, 2], 2, [None, None], True)
    """
    from tqdm.auto import tqdm

    epochs = v.require_int("epochs", epochs, minimum=1)
    if keep_best and val_loader is None:
        raise ValueError(v.message("keep_best", "come with a val_loader (the best epoch is the best on validation)",
                                   "keep_best=True without val_loader", "Pass val_loader=..., or keep_best=False."))
    if device is not None:
        device = torch.device(device)
        model.to(device)
        train_loader, test_loader, val_loader, train_eval_loader = (
            None if loader is None else _OnDevice(loader, device)
            for loader in (train_loader, test_loader, val_loader, train_eval_loader))
    train_step = train_step or train_one_epoch
    eval_step = eval_step or evaluate
    loss_fn = nn.CrossEntropyLoss()
    optimizer = _optimizer(model.parameters(), lr)
    scheduler = None
    if onecycle and train_step is train_one_epoch:
        scheduler = _onecycle(optimizer, lr, epochs * len(train_loader))
    history = {"epoch": [], "train_loss": [], "train_acc": [], "test_acc": [], "val_acc": [], "train_eval_acc": [],
               "seconds": [], "best_epoch": None}
    best, best_state = None, None
    trained = 0.0
    for epoch in range(1, epochs + 1):
        running = {"loss": 0.0, "correct": 0, "count": 0}
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{epochs}", leave=True, disable=not progress,
                   mininterval=0.5)

        def tracked_loss(logits, y, bar=bar, running=running):
            if budget_seconds is not None and trained + time.perf_counter() - start > budget_seconds:
                raise TrainingBudgetExceeded(
                    f"training took more than its budget of {budget_seconds:g} s (stopped in epoch {epoch}).")
            loss = loss_fn(logits, y)
            running["loss"] += loss.item() * len(y)
            running["correct"] += (logits.argmax(dim=1) == y).sum().item()
            running["count"] += len(y)
            bar.set_postfix(loss=f"{running['loss'] / running['count']:.3f}",
                            acc=f"{running['correct'] / running['count']:.3f}", refresh=False)
            return loss

        if scheduler is None:
            for group in optimizer.param_groups:
                group["lr"] = lr * (1 - (epoch - 1) / epochs)
        start = time.perf_counter()
        kwargs = {"scheduler": scheduler} if scheduler is not None else {}
        train_loss = train_step(model, bar, optimizer, tracked_loss, **kwargs)
        trained += time.perf_counter() - start
        accs = {key: eval_step(model, loader) if loader is not None else None
                for key, loader in (("test_acc", test_loader), ("val_acc", val_loader),
                                    ("train_eval_acc", train_eval_loader))}
        shown = {key.replace("_acc", ""): f"{acc:.3f}" for key, acc in accs.items() if acc is not None}
        if shown:
            bar.set_postfix(loss=f"{train_loss:.3f}", acc=f"{running['correct'] / max(running['count'], 1):.3f}",
                            **shown)
        bar.close()
        record = {"epoch": epoch, "train_loss": float(train_loss),
                  "train_acc": running["correct"] / max(running["count"], 1), **accs, "seconds": trained}
        for key, value in record.items():
            history[key].append(value)
        if accs["val_acc"] is not None and (best is None or accs["val_acc"] > best):
            best, history["best_epoch"] = accs["val_acc"], epoch
            if keep_best:
                best_state = {k: t.detach().clone() for k, t in model.state_dict().items()}
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
