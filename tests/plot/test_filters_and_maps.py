"""Tests for cnncourse.plot.filters_and_maps: a filter bank, a layer's filters, a model's feature maps."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from cnncourse import plot
from cnncourse.ref import conv, filters


def test_filter_bank_maps_equal_conv2d_forward(drawn):
    rng = np.random.default_rng(1)
    image = rng.random((10, 12, 3))
    w = rng.normal(size=(3, 3, 3, 3))
    b = np.array([0.0, 1.0, -1.0])
    fig = plot.filter_bank(image, w, b, names=["a", "b", "c"])
    axes = drawn.axes(fig)
    out = conv.conv2d_forward(image.transpose(2, 0, 1)[None], w, b, padding=1)[0]
    for f in range(3):
        np.testing.assert_allclose(axes[f"map {f}"].images[0].get_array(), out[f])
        for c in range(3):
            np.testing.assert_array_equal(axes[f"kernel {f} {c}"].images[0].get_array(), w[f, c])
    with pytest.raises(ValueError, match=r"`image` must have shape \(H, W, 3\)"):
        plot.filter_bank(image[..., 0], w)
    with pytest.raises(ValueError, match="`names` must have one name per filter"):
        plot.filter_bank(image, w, names=["a"])


def test_sobel_filter_bank_sums_channels(drawn):
    """Sobel x on every channel equals 3 × Sobel x on the channel mean (linearity)."""
    kx, _ = filters.sobel_kernels()
    image = np.random.default_rng(2).random((8, 8, 3))
    w = np.stack([kx] * 3)[None]  # (1, 3, 3, 3)
    fig = plot.filter_bank(image, w)
    got = drawn.axes(fig)["map 0"].images[0].get_array()
    np.testing.assert_allclose(got, 3 * filters.correlate2d(image.mean(axis=2), kx, padding=1))


def test_conv_filters_one_panel_per_filter_on_a_symmetric_scale(drawn):
    w = np.random.default_rng(0).normal(size=(10, 1, 3, 3))
    fig = plot.conv_filters(w, ncols=4)
    panels = [ax for ax in fig.axes if ax.get_label().startswith("filter")]
    assert [ax.get_label() for ax in panels] == [f"filter {k}" for k in range(10)]
    assert [ax.get_title() for ax in panels] == [str(k) for k in range(10)]
    m = np.abs(w).max()
    for k, ax in enumerate(panels):
        np.testing.assert_allclose(drawn.data(ax), w[k, 0])
        assert ax.images[0].get_clim() == pytest.approx((-m, m))
        assert ax.images[0].get_cmap().name == "RdBu_r"
    assert [ax.get_label() for ax in fig.axes if not ax.get_label().startswith("filter")] == ["colorbar"]


def test_conv_filters_tensor_with_several_channels(drawn):
    layer = nn.Conv2d(3, 4, 5)
    fig = plot.conv_filters(layer.weight)  # requires_grad tensor
    w = layer.weight.detach().numpy()
    np.testing.assert_allclose(drawn.data(fig.axes[2]), w[2].mean(axis=0), rtol=1e-6)
    assert "mean over 3 input channels" in fig._suptitle.get_text()
    fig = plot.conv_filters(layer.weight, channel=1, title="layer 1")
    np.testing.assert_allclose(drawn.data(fig.axes[0]), w[0, 1])
    assert fig._suptitle.get_text() == "layer 1"


def test_conv_filters_errors():
    with pytest.raises(ValueError, match=r"`weight` must be a 4-D array of shape \(F, C, KH, KW\); got shape "
                                         r"\(4, 3, 3\)\. Pass a conv layer's weight"):
        plot.conv_filters(np.zeros((4, 3, 3)))
    with pytest.raises(ValueError, match=r"`channel` must be an input channel index in 0\.\.1; got 2"):
        plot.conv_filters(np.zeros((4, 2, 3, 3)), channel=2)
    assert plt.get_fignums() == []


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
def test_feature_maps_rows_match_layers_and_outputs(training, drawn):
    model = _tiny_cnn()
    model.train(training)
    image = torch.randn(1, 6, 6)
    fig = plot.feature_maps(model, image, max_channels=8)
    assert model.training is training and all(m.training is training for m in model.modules())
    assert all(not m._forward_hooks for m in model.modules())  # hooks removed
    assert _rows(fig) == ["input", "0", "2", "3", "4", "5"]  # Conv2d, ReLU, MaxPool2d layers
    labels = {ax.get_label(): ax for ax in fig.axes}
    np.testing.assert_allclose(drawn.data(labels["input:0"]), image[0].numpy())
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
            np.testing.assert_allclose(drawn.data(ax), expected[key][c], rtol=1e-5, atol=1e-6)
        first = labels[f"{key}:0"].get_ylabel()
        assert "\u00d7".join(map(str, expected[key].shape)) in first and type(model[int(key)]).__name__ in first


def test_feature_maps_keeps_mixed_modes_and_takes_layer_indices(drawn):
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
    np.testing.assert_allclose(drawn.data(labels["1:0"]), a1[0, 0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(drawn.data(labels["3:1"]), a3[0, 1].numpy(), rtol=1e-6)


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


def _small_cnn(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 5, 3, padding=1), nn.BatchNorm2d(5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())


def test_layer_output_is_the_prefix_in_eval_mode_and_restores_modes():
    model = _small_cnn()
    model.train()
    x = torch.randn(4, 1, 6, 6)
    out = plot.layer_output(model, x, layer=2)
    assert model.training and all(m.training for m in model)  # modes restored
    model.eval()
    with torch.no_grad():
        np.testing.assert_allclose(out, model[:3](x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(plot.layer_output(model, x.numpy().astype(np.float64)[:, 0], layer=2), out, rtol=1e-6)
    np.testing.assert_allclose(plot.layer_output(model, list(x), layer=2), out, rtol=1e-6)  # a list of images


def test_layer_output_errors():
    model = _small_cnn()
    with pytest.raises(ValueError, match=r"`layer` must be a layer index in 0\.\.4; got 5\."):
        plot.layer_output(model, torch.zeros(1, 1, 6, 6), layer=5)
    with pytest.raises(TypeError, match=r"`model` must be a torch.nn.Sequential; got Conv2d"):
        plot.layer_output(model[0], torch.zeros(1, 1, 6, 6), layer=0)
    with pytest.raises(ValueError, match=r"`images` must fit the model's input; got shape \(1, 3, 6, 6\)"):
        plot.layer_output(model, torch.zeros(1, 3, 6, 6), layer=0)


def test_feature_maps_compared_rows_are_images_columns_channels_one_scale_per_channel(drawn):
    model = _small_cnn(1)
    x = torch.randn(3, 1, 6, 6, generator=torch.Generator().manual_seed(2))
    maps = plot.layer_output(model, x, layer=2)                    # (3, 5, 6, 6), ReLU: >= 0
    fig = plot.feature_maps_compared(model, x, layer=2, n_channels=3, titles=["a", "b", "c"])
    axes = drawn.axes(fig)
    strongest = list(np.argsort(-maps.mean(axis=(0, 2, 3)))[:3])
    assert [axes[f"0:{c}"].get_title() for c in strongest] == [f"channel {c}" for c in strongest]
    assert len(fig.axes) == 3 * 4
    for r in range(3):
        np.testing.assert_allclose(drawn.data(axes[f"input {r}"]), x[r, 0].numpy(), rtol=1e-6)
        assert axes[f"input {r}"].get_ylabel() == "abc"[r]
        for c in strongest:
            np.testing.assert_allclose(drawn.data(axes[f"{r}:{c}"]), maps[r, c], rtol=1e-6)
            assert axes[f"{r}:{c}"].images[0].get_clim() == pytest.approx((0.0, maps[:, c].max()))
    chosen = plot.feature_maps_compared(model, x, layer=0, channels=[4, 0])   # conv output: signed, symmetric
    lo, hi = drawn.axes(chosen)["1:4"].images[0].get_clim()
    conv_out = plot.layer_output(model, x, layer=0)[:, 4]
    assert lo == -hi and hi == pytest.approx(np.abs(conv_out).max(), rel=1e-6)
    assert [ax.get_title() for ax in chosen.axes[:3]] == ["input", "channel 4", "channel 0"]


def test_feature_maps_compared_errors():
    model = _small_cnn()
    x = torch.zeros(2, 1, 6, 6)
    with pytest.raises(ValueError, match=r"`layer` must pick a layer whose output is a feature map \(N, C, H, W\); "
                                         r"got layer 4 \(Flatten\) with output shape \(2, 45\)"):
        plot.feature_maps_compared(model, x, layer=4)
    with pytest.raises(ValueError, match=r"`channels` must be a non-empty list of channel indices in 0\.\.4; "
                                         r"got \[7\]\. Layer 2 has 5 channels\."):
        plot.feature_maps_compared(model, x, layer=2, channels=[7])
    with pytest.raises(ValueError, match=r"`titles` must have one title per image \(2\); got 1 titles"):
        plot.feature_maps_compared(model, x, layer=2, titles=["a"])
    with pytest.raises(ValueError, match=r"`images` must hold at least one image; got an empty list"):
        plot.feature_maps_compared(model, [], layer=2)
    assert plt.get_fignums() == []
