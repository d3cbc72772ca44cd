"""Tests for cnncourse.plot.training: Fashion-MNIST grid, curves, model comparison, confusion matrix, mistakes."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from cnncourse import plot


NAMES = ["a", "b", "c"]


def _stack(seed=0, n=12, k=3):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 5, 5)).astype(np.uint8), np.arange(n) % k


@pytest.mark.parametrize("per_class", [1, 3])
def test_fashion_grid_shows_per_class_examples_of_every_class(per_class, drawn):
    images, labels = _stack()
    fig = plot.fashion_grid(images, labels, NAMES, per_class=per_class, seed=1)
    assert len(fig.axes) == per_class * len(NAMES)
    assert [ax.get_title() for ax in fig.axes[:len(NAMES)]] == NAMES  # top row titled
    shown = []
    for ax in fig.axes:
        idx = int(ax.get_gid())
        assert NAMES[labels[idx]] == ax.get_label()
        np.testing.assert_array_equal(drawn.data(ax), images[idx])
        assert ax.images[0].get_clim() == (0.0, 255.0)
        shown.append(idx)
    assert len(set(shown)) == len(shown)  # no image twice
    again = [int(ax.get_gid()) for ax in plot.fashion_grid(images, labels, NAMES, per_class, seed=1).axes]
    assert again == shown  # the seed fixes the draw


def test_fashion_grid_accepts_normalized_nchw_tensors():
    images, labels = _stack()
    x = (torch.from_numpy(images).float()[:, None] / 255 - 0.3) / 0.35  # (N, 1, 5, 5), negative values
    fig = plot.fashion_grid(x, torch.from_numpy(labels), NAMES)
    lo, hi = fig.axes[0].images[0].get_clim()
    assert lo == pytest.approx(float(x.min())) and hi == pytest.approx(float(x.max()))


def test_fashion_grid_errors():
    images, labels = _stack()
    with pytest.raises(ValueError, match=r"`labels` must contain at least per_class = 5 example\(s\) of every class; "
                                         r"got 4 of class 0 \('a'\)\. Lower per_class"):
        plot.fashion_grid(images, labels, NAMES, per_class=5)
    with pytest.raises(ValueError, match=r"`labels` must hold class indices in 0\.\.1 .*; got values from 0 to 2\."):
        plot.fashion_grid(images, labels, NAMES[:2])
    with pytest.raises(TypeError, match=r"`class_names` must be a non-empty list or tuple of str.*; got 'abc'\."):
        plot.fashion_grid(images, labels, "abc")
    with pytest.raises(ValueError, match=r"`images` must be a 3-D array of shape \(N, H, W\) or \(N, 1, H, W\); "
                                         r"got shape \(5, 5\)"):
        plot.fashion_grid(images[0], labels, NAMES)
    with pytest.raises(TypeError, match=r"`labels` must hold integer class indices; got dtype float64"):
        plot.fashion_grid(images, labels.astype(float), NAMES)
    assert plt.get_fignums() == []


def _history(loss, train, test):
    return {"epoch": list(range(1, len(loss) + 1)), "train_loss": loss, "train_acc": train, "test_acc": test,
            "seconds": [1.0 * k for k in range(1, len(loss) + 1)]}


def test_training_curves_one_line_per_run_and_measure(drawn):
    runs = {"dense": _history([0.9, 0.6, 0.5], [0.7, 0.8, 0.83], [0.78, 0.82, 0.84]),
            "cnn": _history([0.8, 0.4, 0.3], [0.72, 0.86, 0.9], [0.82, 0.86, 0.88])}
    fig = plot.training_curves(runs)
    axes = drawn.axes(fig)
    assert list(axes) == ["loss", "accuracy"]
    loss_lines = axes["loss"].get_lines()
    assert [ln.get_label() for ln in loss_lines] == ["dense", "cnn"]
    np.testing.assert_allclose(loss_lines[1].get_ydata(), [0.8, 0.4, 0.3])
    acc = {ln.get_label(): ln for ln in axes["accuracy"].get_lines()}
    assert list(acc) == ["dense train (running)", "dense test", "cnn train (running)", "cnn test"]
    assert acc["cnn train (running)"].get_linestyle() == "--" and acc["cnn test"].get_linestyle() == "-"
    assert acc["dense test"].get_color() == acc["dense train (running)"].get_color() != acc["cnn test"].get_color()
    np.testing.assert_allclose(acc["dense test"].get_ydata(), [0.78, 0.82, 0.84])
    for ax in axes.values():
        assert ax.get_legend() is not None and ax.get_xlabel() == "epoch"


def test_training_curves_single_history_without_test_accuracy(drawn):
    fig = plot.training_curves(_history([1.0, 0.5], [0.5, 0.7], [None, None]))
    assert [ln.get_label() for ln in drawn.axes(fig)["accuracy"].get_lines()] == ["model train (running)"]
    assert [ln.get_label() for ln in drawn.axes(fig)["loss"].get_lines()] == ["model"]


def test_training_curves_errors():
    with pytest.raises(ValueError, match=r"`histories\['cnn'\]` must be a fit\(\) history: a dict with keys 'epoch', "
                                         r"'train_loss', 'train_acc', 'test_acc'; got keys \['epoch', 'loss'\]"):
        plot.training_curves({"cnn": {"epoch": [1], "loss": [0.5]}})
    bad = _history([1.0, 0.5], [0.5], [0.6, 0.7])
    with pytest.raises(ValueError, match=r"`histories\['model'\]` must have non-empty lists of equal length"):
        plot.training_curves(bad)
    with pytest.raises(TypeError, match=r"`histories` must be a fit\(\) history or a non-empty dict"):
        plot.training_curves([1, 2])
    assert plt.get_fignums() == []


ROWS = [{"name": "dense", "params": 235_146, "test_acc": 0.84, "seconds": 5.0},
        {"name": "cnn", "params": 29_178, "test_acc": 0.873, "seconds": 12.25}]


def test_model_comparison_three_panels_with_the_numbers(drawn):
    fig = plot.model_comparison(ROWS)
    axes = drawn.axes(fig)
    assert list(axes) == ["params", "test_acc", "seconds"]
    assert axes["params"].get_xscale() == "log"
    for key, ax in axes.items():
        assert [bar.get_width() for bar in ax.patches] == [row[key] for row in ROWS]
    assert [t.get_text() for t in axes["params"].texts] == ["235,146", "29,178"]
    assert [t.get_text() for t in axes["test_acc"].texts] == ["84.0 %", "87.3 %"]
    assert [t.get_text() for t in axes["seconds"].texts] == ["5.0 s", "12.2 s"]
    assert [t.get_text() for t in axes["params"].get_yticklabels()] == ["dense", "cnn"]
    assert axes["params"].yaxis_inverted()  # first model on top


def test_model_comparison_errors():
    with pytest.raises(ValueError, match=r"`rows\[1\]` must be a dict with keys 'name', 'params', 'test_acc', "
                                         r"'seconds'; got keys \['name'\]\. For example"):
        plot.model_comparison([ROWS[0], {"name": "cnn"}])
    with pytest.raises(ValueError, match=r"`rows\[0\]\['test_acc'\]` must be a fraction in \[0, 1\]; got 84\.0\. "
                                         r"Pass the accuracy as a fraction"):
        plot.model_comparison([dict(ROWS[0], test_acc=84.0)])
    with pytest.raises(ValueError, match=r"`rows\[0\]\['seconds'\]` must be a positive number; got 0\.0"):
        plot.model_comparison([dict(ROWS[0], seconds=0.0)])
    with pytest.raises(TypeError, match=r"`rows` must be a non-empty list of dicts; got an empty list"):
        plot.model_comparison([])
    assert plt.get_fignums() == []


CM = np.array([[8, 2, 0], [1, 6, 3], [0, 0, 0]])


def test_confusion_matrix_normalized_rows_and_labels(drawn):
    fig = plot.confusion_matrix(CM, NAMES)
    ax = fig.axes[0]
    assert ax.get_label() == "confusion"
    assert [t.get_text() for t in ax.texts] == ["0.8", "0.2", "0", "0.1", "0.6", "0.3", "0", "0", "0"]
    np.testing.assert_allclose(drawn.data(ax), [[0.8, 0.2, 0], [0.1, 0.6, 0.3], [0, 0, 0]])  # empty row stays 0
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    assert ax.get_xticklabels()[0].get_rotation() == 45
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert "accuracy 70.0 % (14 of 20)" in ax.get_title()
    assert len(fig.axes) == 2  # the colorbar


def test_confusion_matrix_counts():
    fig = plot.confusion_matrix(torch.tensor(CM), NAMES, normalize=False)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == [str(c) for c in CM.ravel()]
    assert ax.images[0].get_clim() == (0.0, 8.0)
    assert "counts" in ax.get_title()


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match=r"`cm` must be square with one row and column per class name, shape \(3, 3\); "
                                         r"got shape \(2, 3\)"):
        plot.confusion_matrix(CM[:2], NAMES)
    with pytest.raises(ValueError, match=r"`cm` must be square .* shape \(2, 2\); got shape \(3, 3\)"):
        plot.confusion_matrix(CM, NAMES[:2])
    with pytest.raises(ValueError, match=r"`cm` must hold non-negative counts; got values from -1 to 8"):
        plot.confusion_matrix(CM - (CM == 0) * 1, NAMES)
    with pytest.raises(TypeError, match=r"`normalize` must be True or False; got 'rows'"):
        plot.confusion_matrix(CM, NAMES, normalize="rows")
    assert plt.get_fignums() == []


def test_misclassified_shows_the_first_n_mistakes(drawn):
    images, labels = _stack(n=30)
    predicted = labels.copy()
    wrong = [2, 5, 7, 11, 12, 20, 29]
    predicted[wrong] = (labels[wrong] + 1) % 3
    fig = plot.misclassified(images, labels, predicted, NAMES, n=5)
    assert [int(ax.get_gid()) for ax in fig.axes] == wrong[:5]
    assert [ax.get_title() for ax in fig.axes] == [f"{NAMES[labels[i]]} \u2192 {NAMES[predicted[i]]}"
                                                  for i in wrong[:5]]
    for ax, idx in zip(fig.axes, wrong):
        np.testing.assert_array_equal(drawn.data(ax), images[idx])
    assert "first 5 of 7 misclassified" in fig._suptitle.get_text()
    assert len(plot.misclassified(images, labels, predicted, NAMES).axes) == 7  # n = 12: all of them


def test_misclassified_accepts_tensors_and_handles_no_mistakes(drawn):
    images, labels = _stack()
    x = torch.from_numpy(images).float()[:, None] / 255  # (N, 1, 5, 5) in [0, 1]
    fig = plot.misclassified(x, labels, (labels + 1) % 3, NAMES, n=2)
    np.testing.assert_allclose(drawn.data(fig.axes[0]), x[0, 0].numpy())
    assert fig.axes[0].images[0].get_clim() == (0.0, 1.0)
    fig = plot.misclassified(images, labels, labels, NAMES)
    assert "no misclassified images" in fig.axes[0].texts[0].get_text()


def test_misclassified_errors():
    images, labels = _stack()
    with pytest.raises(ValueError, match=r"`predicted` must have one class index per image, shape \(12,\); "
                                         r"got shape \(11,\)"):
        plot.misclassified(images, labels, labels[:11], NAMES)
    with pytest.raises(ValueError, match=r"`n` must be an integer >= 1; got 0"):
        plot.misclassified(images, labels, labels, NAMES, n=0)
    assert plt.get_fignums() == []


def _fit_history(train_eval, val, best=None, test=None):
    n = len(val)
    return {"epoch": list(range(1, n + 1)), "train_loss": [1.0 / k for k in range(1, n + 1)],
            "train_acc": [a - 0.01 for a in train_eval], "test_acc": test or [None] * n, "val_acc": val,
            "train_eval_acc": train_eval, "seconds": [1.0] * n, "best_epoch": best}


def test_training_curves_draws_validation_and_after_epoch_train_accuracy(drawn):
    h = _fit_history([0.7, 0.9, 0.97], [0.68, 0.84, 0.83], best=2)
    acc = {ln.get_label(): ln for ln in drawn.axes(plot.training_curves({"dense": h}))["accuracy"].get_lines()}
    assert list(acc) == ["dense train (running)", "dense train (after epoch)", "dense validation"]
    np.testing.assert_allclose(acc["dense validation"].get_ydata(), [0.68, 0.84, 0.83])
    np.testing.assert_allclose(acc["dense train (after epoch)"].get_ydata(), [0.7, 0.9, 0.97])
    assert acc["dense train (after epoch)"].get_linestyle() == ":" and acc["dense validation"].get_linestyle() == "-"


def test_generalization_gap_one_panel_per_run_with_the_gap_and_best_epoch(drawn):
    runs = {"dense": _fit_history([0.7, 0.9, 0.97], [0.68, 0.84, 0.83], best=2),
            "CNN": _fit_history([0.75, 0.88], [0.74, 0.86], best=2)}
    fig = plot.generalization_gap(runs)
    axes = drawn.axes(fig)
    assert list(axes) == ["dense", "CNN"]
    lines = {ln.get_label(): ln for ln in axes["dense"].get_lines()}
    np.testing.assert_allclose(lines["train (after each epoch)"].get_ydata(), [0.7, 0.9, 0.97])
    np.testing.assert_allclose(lines["validation"].get_ydata(), [0.68, 0.84, 0.83])
    assert list(lines["best validation epoch"].get_xdata()) == [2, 2]
    shaded = axes["dense"].collections[0].get_paths()[0].vertices
    assert shaded[:, 1].max() == pytest.approx(0.97) and shaded[:, 1].min() == pytest.approx(0.68)
    assert axes["dense"].get_title() == "dense: train 97.0 %, validation 83.0 % at epoch 3 (gap 14.0 points)"
    assert axes["CNN"].get_title() == "CNN: train 88.0 %, validation 86.0 % at epoch 2 (gap 2.0 points)"
    assert axes["CNN"].get_shared_y_axes().joined(axes["CNN"], axes["dense"])


def test_generalization_gap_needs_train_and_validation_accuracies():
    h = _history([1.0, 0.5], [0.5, 0.7], [0.6, 0.7])  # an older history: test accuracies only
    with pytest.raises(ValueError, match=r"`histories\['model'\]` must hold train and validation accuracies per epoch; "
                                         r"got no 'train_eval_acc' and no 'val_acc'\. Train with fit\(\.\.\., "
                                         r"val_loader=\.\.\., train_eval_loader=\.\.\.\)\."):
        plot.generalization_gap(h)
    with pytest.raises(ValueError, match=r"must hold train and validation accuracies per epoch; got no 'val_acc'\."):
        plot.generalization_gap(dict(_fit_history([0.7, 0.8], [0.6, 0.7]), val_acc=[None, None]))
    assert plt.get_fignums() == []


def test_learning_rate_schedule_draws_the_schedule_it_is_given(drawn):
    from cnncourse.torch_ref import training

    schedule = training.learning_rate_schedule(epochs=3, steps_per_epoch=5, lr=0.01)
    fig = plot.learning_rate_schedule(schedule, steps_per_epoch=5)
    axes = drawn.axes(fig)
    assert list(axes) == ["lr", "beta1"]
    lr_line, peak = axes["lr"].get_lines()[:2]
    np.testing.assert_allclose(lr_line.get_ydata(), schedule["lr"])
    np.testing.assert_allclose(axes["beta1"].get_lines()[0].get_ydata(), schedule["beta1"])
    top = int(np.argmax(schedule["lr"]))
    assert peak.get_label() == "peak" and list(peak.get_xdata()) == [top]
    assert [ln.get_xdata()[0] for ln in axes["lr"].get_lines()[2:]] == [4.5, 9.5]  # the epoch boundaries
    lr = schedule["lr"]
    assert axes["lr"].get_title() == f"learning rate: {lr[0]:.2g} \u2192 {lr[top]:.2g} \u2192 {lr[-1]:.2g}"
    assert axes["lr"].get_title().startswith("learning rate: 0.0004 \u2192 0.0099")  # 15 steps miss the exact peak


def test_learning_rate_schedule_errors():
    with pytest.raises(TypeError, match=r"`schedule` must be a dict with lists 'lr' and 'beta1'; got keys \['lr'\]"):
        plot.learning_rate_schedule({"lr": [0.1]})
    with pytest.raises(ValueError, match=r"`schedule` must hold non-empty lists 'lr' and 'beta1' of equal length; "
                                         r"got lengths 2 and 1"):
        plot.learning_rate_schedule({"lr": [0.1, 0.2], "beta1": [0.9]})
    assert plt.get_fignums() == []
