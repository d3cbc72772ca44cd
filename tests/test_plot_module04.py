"""Tests for the module-04 helpers of cnncourse.plot: Fashion-MNIST grids, training curves, model
comparison, confusion matrix, misclassified images, filters, feature maps, im2col picture, speed bars."""

import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from cnncourse import plot
from cnncourse.ref import conv

NAMES = ["a", "b", "c"]


def _data(ax):
    return np.asarray(ax.images[0].get_array(), dtype=float)


def _axes(fig):
    return {ax.get_label(): ax for ax in fig.axes}


def _box(patch):
    """(first row, row count, first col, col count) of a cell-aligned rectangle, insets rounded away."""
    x, y = patch.get_xy()
    return (int(round(y + 0.5)), int(round(patch.get_height())), int(round(x + 0.5)),
            int(round(patch.get_width())))


def _stack(seed=0, n=12, k=3):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 5, 5)).astype(np.uint8), np.arange(n) % k


def test_importing_plot_does_not_import_torch():
    code = "import sys, cnncourse.plot; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ fashion_grid


@pytest.mark.parametrize("per_class", [1, 3])
def test_fashion_grid_shows_per_class_examples_of_every_class(per_class):
    images, labels = _stack()
    fig = plot.fashion_grid(images, labels, NAMES, per_class=per_class, seed=1)
    assert len(fig.axes) == per_class * len(NAMES)
    assert [ax.get_title() for ax in fig.axes[:len(NAMES)]] == NAMES  # top row titled
    shown = []
    for ax in fig.axes:
        idx = int(ax.get_gid())
        assert NAMES[labels[idx]] == ax.get_label()
        np.testing.assert_array_equal(_data(ax), images[idx])
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


# ------------------------------------------------------------------ training_curves


def _history(loss, train, test):
    return {"epoch": list(range(1, len(loss) + 1)), "train_loss": loss, "train_acc": train, "test_acc": test,
            "seconds": [1.0 * k for k in range(1, len(loss) + 1)]}


def test_training_curves_one_line_per_run_and_measure():
    runs = {"dense": _history([0.9, 0.6, 0.5], [0.7, 0.8, 0.83], [0.78, 0.82, 0.84]),
            "cnn": _history([0.8, 0.4, 0.3], [0.72, 0.86, 0.9], [0.82, 0.86, 0.88])}
    fig = plot.training_curves(runs)
    axes = _axes(fig)
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


def test_training_curves_single_history_without_test_accuracy():
    fig = plot.training_curves(_history([1.0, 0.5], [0.5, 0.7], [None, None]))
    assert [ln.get_label() for ln in _axes(fig)["accuracy"].get_lines()] == ["model train (running)"]
    assert [ln.get_label() for ln in _axes(fig)["loss"].get_lines()] == ["model"]


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


# ------------------------------------------------------------------ model_comparison


ROWS = [{"name": "dense", "params": 235_146, "test_acc": 0.84, "seconds": 5.0},
        {"name": "cnn", "params": 29_178, "test_acc": 0.873, "seconds": 12.25}]


def test_model_comparison_three_panels_with_the_numbers():
    fig = plot.model_comparison(ROWS)
    axes = _axes(fig)
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


# ------------------------------------------------------------------ confusion_matrix


CM = np.array([[8, 2, 0], [1, 6, 3], [0, 0, 0]])


def test_confusion_matrix_normalized_rows_and_labels():
    fig = plot.confusion_matrix(CM, NAMES)
    ax = fig.axes[0]
    assert ax.get_label() == "confusion"
    assert [t.get_text() for t in ax.texts] == ["0.8", "0.2", "0", "0.1", "0.6", "0.3", "0", "0", "0"]
    np.testing.assert_allclose(_data(ax), [[0.8, 0.2, 0], [0.1, 0.6, 0.3], [0, 0, 0]])  # empty row stays 0
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


# ------------------------------------------------------------------ misclassified


def test_misclassified_shows_the_first_n_mistakes():
    images, labels = _stack(n=30)
    predicted = labels.copy()
    wrong = [2, 5, 7, 11, 12, 20, 29]
    predicted[wrong] = (labels[wrong] + 1) % 3
    fig = plot.misclassified(images, labels, predicted, NAMES, n=5)
    assert [int(ax.get_gid()) for ax in fig.axes] == wrong[:5]
    assert [ax.get_title() for ax in fig.axes] == [f"{NAMES[labels[i]]} \u2192 {NAMES[predicted[i]]}"
                                                  for i in wrong[:5]]
    for ax, idx in zip(fig.axes, wrong):
        np.testing.assert_array_equal(_data(ax), images[idx])
    assert "first 5 of 7 misclassified" in fig._suptitle.get_text()
    assert len(plot.misclassified(images, labels, predicted, NAMES).axes) == 7  # n = 12: all of them


def test_misclassified_accepts_tensors_and_handles_no_mistakes():
    images, labels = _stack()
    x = torch.from_numpy(images).float()[:, None] / 255  # (N, 1, 5, 5) in [0, 1]
    fig = plot.misclassified(x, labels, (labels + 1) % 3, NAMES, n=2)
    np.testing.assert_allclose(_data(fig.axes[0]), x[0, 0].numpy())
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


# ------------------------------------------------------------------ conv_filters


def test_conv_filters_one_panel_per_filter_on_a_symmetric_scale():
    w = np.random.default_rng(0).normal(size=(10, 1, 3, 3))
    fig = plot.conv_filters(w, ncols=4)
    panels = [ax for ax in fig.axes if ax.get_label().startswith("filter")]
    assert [ax.get_label() for ax in panels] == [f"filter {k}" for k in range(10)]
    assert [ax.get_title() for ax in panels] == [str(k) for k in range(10)]
    m = np.abs(w).max()
    for k, ax in enumerate(panels):
        np.testing.assert_allclose(_data(ax), w[k, 0])
        assert ax.images[0].get_clim() == pytest.approx((-m, m))
        assert ax.images[0].get_cmap().name == "RdBu_r"
    assert [ax.get_label() for ax in fig.axes if not ax.get_label().startswith("filter")] == ["colorbar"]


def test_conv_filters_tensor_with_several_channels():
    layer = nn.Conv2d(3, 4, 5)
    fig = plot.conv_filters(layer.weight)  # requires_grad tensor
    w = layer.weight.detach().numpy()
    np.testing.assert_allclose(_data(fig.axes[2]), w[2].mean(axis=0), rtol=1e-6)
    assert "mean over 3 input channels" in fig._suptitle.get_text()
    fig = plot.conv_filters(layer.weight, channel=1, title="layer 1")
    np.testing.assert_allclose(_data(fig.axes[0]), w[0, 1])
    assert fig._suptitle.get_text() == "layer 1"


def test_conv_filters_errors():
    with pytest.raises(ValueError, match=r"`weight` must be a 4-D array of shape \(F, C, KH, KW\); got shape "
                                         r"\(4, 3, 3\)\. Pass a conv layer's weight"):
        plot.conv_filters(np.zeros((4, 3, 3)))
    with pytest.raises(ValueError, match=r"`channel` must be an input channel index in 0\.\.1; got 2"):
        plot.conv_filters(np.zeros((4, 2, 3, 3)), channel=2)
    assert plt.get_fignums() == []


# ------------------------------------------------------------------ feature_maps


def _tiny_cnn():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(4, 10, 3), nn.ReLU(), nn.Flatten(), nn.Linear(10, 3))
    model.train()
    with torch.no_grad():  # give batch norm running statistics unlike a fresh layer's
        for _ in range(3):
            model(torch.randn(8, 1, 6, 6) * 2 + 1)
    return model


def _rows(fig):
    return list(dict.fromkeys(ax.get_label().split(":")[0] for ax in fig.axes))


@pytest.mark.parametrize("training", [True, False])
def test_feature_maps_rows_match_layers_and_outputs(training):
    model = _tiny_cnn()
    model.train(training)
    image = torch.randn(1, 6, 6)
    fig = plot.feature_maps(model, image, max_channels=8)
    assert model.training is training and all(m.training is training for m in model.modules())
    assert all(not m._forward_hooks for m in model.modules())  # hooks removed
    assert _rows(fig) == ["input", "0", "2", "3", "4", "5"]  # Conv2d, ReLU, MaxPool2d layers
    labels = {ax.get_label(): ax for ax in fig.axes}
    np.testing.assert_allclose(_data(labels["input:0"]), image[0].numpy())
    model.eval()  # expected outputs: evaluation mode (running statistics), no gradients
    with torch.no_grad():
        out, expected = image[None], {}
        for i, layer in enumerate(model):
            out = layer(out)
            expected[str(i)] = out[0].numpy()
    for key in ("0", "2", "3", "4", "5"):
        channels = expected[key].shape[0]
        shown = [ax for ax in fig.axes if ax.get_label().split(":")[0] == key]
        assert len(shown) == min(channels, 8)
        for c, ax in enumerate(shown):
            np.testing.assert_allclose(_data(ax), expected[key][c], rtol=1e-5, atol=1e-6)
        first = labels[f"{key}:0"].get_ylabel()
        assert "\u00d7".join(map(str, expected[key].shape)) in first and type(model[int(key)]).__name__ in first


def test_feature_maps_keeps_mixed_modes_and_takes_layer_indices():
    model = _tiny_cnn()
    model[1].eval()  # a frozen batch norm inside a training model
    fig = plot.feature_maps(model, np.random.default_rng(0).normal(size=(6, 6)), layers=[3, 0], max_channels=2)
    assert model.training and model[0].training and not model[1].training
    assert _rows(fig) == ["input", "0", "3"]
    assert len(fig.axes) == 1 + 2 + 2
    same = nn.ReLU()
    shared = nn.Sequential(nn.Conv2d(1, 2, 3), same, nn.Conv2d(2, 2, 1), same)  # one module used twice
    image = torch.randn(1, 5, 5)
    fig = plot.feature_maps(shared, image, layers=[1, 3])
    assert _rows(fig) == ["input", "1", "3"]
    with torch.no_grad():
        a1 = shared[1](shared[0](image[None]))
        a3 = shared[3](shared[2](a1))
    labels = {ax.get_label(): ax for ax in fig.axes}
    np.testing.assert_allclose(_data(labels["1:0"]), a1[0, 0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(_data(labels["3:1"]), a3[0, 1].numpy(), rtol=1e-6)


def test_feature_maps_errors():
    model = _tiny_cnn()
    with pytest.raises(TypeError, match=r"`model` must be a torch\.nn\.Sequential; got Conv2d\. Wrap the layers"):
        plot.feature_maps(nn.Conv2d(1, 1, 3), torch.zeros(1, 6, 6))
    with pytest.raises(ValueError, match=r"`layers` must pick layers whose outputs are feature maps \(1, C, H, W\); "
                                         r"got layer 6 \(Flatten\) with output shape \(1, 10\)"):
        plot.feature_maps(model, torch.zeros(1, 6, 6), layers=[0, 6])
    with pytest.raises(ValueError, match=r"`layers` must be a non-empty list of indices in 0\.\.7; got \[0, 8\]"):
        plot.feature_maps(model, torch.zeros(1, 6, 6), layers=[0, 8])
    with pytest.raises(ValueError,
                       match=r"`image` must fit the model's input; got shape \(3, 6, 6\); the model raised"):
        plot.feature_maps(model, torch.zeros(3, 6, 6))
    with pytest.raises(ValueError, match=r"`image` must be a 3-D array of shape \(C, H, W\) or \(H, W\); got shape "
                                         r"\(2, 1, 6, 6\)\. Pass one image"):
        plot.feature_maps(model, torch.zeros(2, 1, 6, 6))
    with pytest.raises(TypeError, match=r"`layers\[1\]` must be an integer >= 0; got str '2'"):
        plot.feature_maps(model, torch.zeros(1, 6, 6), layers=[0, "2"])
    with pytest.raises(ValueError, match=r"`model` must contain Conv2d, ReLU or MaxPool2d layers \(or pass "
                                         r"layers=\.\.\.\); got layers Flatten, Linear"):
        plot.feature_maps(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), torch.zeros(1, 2, 2))
    assert model.training and all(not m._forward_hooks for m in model.modules())
    assert plt.get_fignums() == []


# ------------------------------------------------------------------ im2col_picture


@pytest.mark.parametrize("shape, k, stride, padding", [((1, 1, 4, 4), 3, 1, 0), ((1, 1, 4, 4), 2, 1, 1),
                                                       ((1, 2, 3, 3), 2, 1, 0), ((1, 1, 5, 5), 3, 2, 1),
                                                       ((1, 1, 4, 5), (2, 3), 1, 0)])
def test_im2col_picture_outlined_columns_are_the_windows(shape, k, stride, padding):
    x = np.random.default_rng(1).integers(1, 10, size=shape).astype(float)
    fig = plot.im2col_picture(x, k, stride=stride, padding=padding)
    axes = _axes(fig)
    c = shape[1]
    assert list(axes) == [f"x[0, {ch}]" for ch in range(c)] + ["cols"]
    cols = conv.im2col(x, k, stride=stride, padding=padding)
    shown = _data(axes["cols"])
    np.testing.assert_array_equal(shown, cols)
    kh, kw = (k, k) if isinstance(k, int) else k
    for n in range(min(3, cols.shape[1])):
        values = []
        for ch in range(c):
            ax = axes[f"x[0, {ch}]"]
            padded = _data(ax)
            np.testing.assert_array_equal(padded, np.pad(x[0, ch], padding))
            (patch,) = [p for p in ax.patches if p.get_gid() == f"window {n}"]
            r0, h, c0, w = _box(patch)
            assert (h, w) == (kh, kw)
            values.append(padded[r0:r0 + h, c0:c0 + w].ravel())
        (column,) = [p for p in axes["cols"].patches if p.get_gid() == f"column {n}"]
        r0, h, c0, w = _box(column)
        assert (r0, h, w) == (0, cols.shape[0], 1)
        np.testing.assert_array_equal(shown[:, c0], np.concatenate(values))
        colors = {p.get_edgecolor() for ax in fig.axes for p in ax.patches if p.get_gid() in (f"window {n}",
                                                                                              f"column {n}")}
        assert len(colors) == 1
    factor = cols.size / x.size
    assert f"cols.size / x.size = {cols.size} / {x.size} = {factor:.2f}" in fig._suptitle.get_text()


def test_im2col_picture_errors():
    with pytest.raises(ValueError, match=r"`x` must hold exactly one image, shape \(1, C, H, W\); got shape "
                                         r"\(2, 1, 4, 4\)\. Pass x\[:1\]"):
        plot.im2col_picture(np.zeros((2, 1, 4, 4)), 2)
    with pytest.raises(ValueError, match=r"`x` must be small enough to draw.*; got x \(1, 1, 20, 20\)"):
        plot.im2col_picture(np.zeros((1, 1, 20, 20)), 3)
    with pytest.raises(ValueError, match=r"`x` must be a 4-D array of shape \(1, C, H, W\); got shape \(4, 4\)\. "
                                         r"For one grayscale image"):
        plot.im2col_picture(np.zeros((4, 4)), 2)
    with pytest.raises(TypeError, match=r"`stride` must be an integer >= 1"):
        plot.im2col_picture(np.zeros((1, 1, 4, 4)), 2, stride=1.5)
    assert plt.get_fignums() == []


# ------------------------------------------------------------------ speed_bars


SPEEDS = [{"shape": "small", "method": "naive", "seconds": 0.5},
          {"shape": "small", "method": "im2col", "seconds": 0.004},
          {"shape": "small", "method": "torch", "seconds": 0.0005},
          {"shape": "large", "method": "im2col", "seconds": 0.2},
          {"shape": "large", "method": "torch", "seconds": 0.04}]


def test_speed_bars_groups_and_ratios_to_torch():
    fig = plot.speed_bars(SPEEDS)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    bars = {p.get_gid(): p for p in ax.patches}
    assert set(bars) == {f"{r['method']} | {r['shape']}" for r in SPEEDS}
    for r in SPEEDS:
        assert bars[f"{r['method']} | {r['shape']}"].get_height() == r["seconds"]
    assert [t.get_text() for t in ax.texts] == ["1000\u00d7", "8.0\u00d7", "5.0\u00d7", "1.0\u00d7", "1.0\u00d7"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["small", "large"]
    small = sorted(p.get_x() for gid, p in bars.items() if gid.endswith("small"))
    assert all(x < 0.5 for x in small) and all(p.get_x() > 0.5 for gid, p in bars.items() if gid.endswith("large"))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["naive", "im2col", "torch"]


def test_speed_bars_without_torch_labels_the_times():
    fig = plot.speed_bars([{"shape": "s", "method": "naive", "seconds": 2.5},
                           {"shape": "s", "method": "im2col", "seconds": 0.0031}])
    assert [t.get_text() for t in fig.axes[0].texts] == ["2.5 s", "3.1 ms"]


def test_speed_bars_errors():
    with pytest.raises(ValueError, match=r"`results` must hold one time per \(shape, method\); got two for "
                                         r"\('small', 'naive'\)"):
        plot.speed_bars(SPEEDS + SPEEDS[:1])
    with pytest.raises(ValueError, match=r"`results\[0\]\['seconds'\]` must be a positive number; got -1\.0"):
        plot.speed_bars([dict(SPEEDS[0], seconds=-1.0)])
    with pytest.raises(ValueError, match=r"`results\[0\]` must be a dict with keys 'shape', 'method', 'seconds'"):
        plot.speed_bars([{"shape": "s", "seconds": 1.0}])
    with pytest.raises(TypeError, match=r"`results` must be a non-empty list of dicts; got dict"):
        plot.speed_bars(SPEEDS[0])
    assert plt.get_fignums() == []
