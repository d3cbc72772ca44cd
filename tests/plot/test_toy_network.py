"""Tests for cnncourse.plot.toy_network: the diagram and the forward/backward pass of module 03."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnncourse import plot
from cnncourse.helpers import toy_net as toy_helpers
from cnncourse.ref import conv, toy_net


def test_toy_network_diagram_has_every_layer_and_15_parameters(drawn):
    fig = plot.toy_network_diagram()
    ax = fig.axes[0]
    layers = [p.get_gid() for p in ax.patches if str(p.get_gid()).startswith("layer:")]
    assert layers == ["layer:" + name for name in
                      ("input", "conv", "relu", "maxpool", "flatten", "dense", "sigmoid", "loss")]
    assert "15 trainable parameters" in ax.get_title()
    texts = [t.get_text() for t in ax.texts]
    assert any("9 + 1 = 10 params" in t for t in texts) and any("4 + 1 = 5 params" in t for t in texts)
    shapes = [t for t in texts if t in ("6\u00d76", "4\u00d74", "2\u00d72", "4", "1")]
    assert shapes == ["6\u00d76", "4\u00d74", "4\u00d74", "2\u00d72", "4", "1"]
    assert len(drawn.patches(ax, "forward")) == len(drawn.patches(ax, "backward")) == 7


def test_toy_network_pass_forward_panels_hold_the_intermediate_arrays(drawn):
    images, _ = toy_helpers.make_edges(2, seed=0)
    params = toy_helpers.init_toy_params(1)
    params["v"] = np.array([0.5, -1.0, 2.0, 0.1])
    x = images[0]
    fig = plot.toy_network_pass(params, x)
    axes = drawn.axes(fig)
    assert list(axes) == ["image", "w", "z1", "a1", "pooled", "h"]
    z1 = conv.conv2d_forward(x[None, None], params["w"][None, None], np.array([params["b"]]))[0, 0]
    np.testing.assert_allclose(drawn.data(axes["image"]), x)
    np.testing.assert_allclose(drawn.data(axes["z1"]), z1)
    np.testing.assert_allclose(drawn.data(axes["a1"]), np.maximum(z1, 0))
    pooled = drawn.data(axes["pooled"])
    np.testing.assert_allclose(pooled, np.maximum(z1, 0).reshape(2, 2, 2, 2).max(axis=(1, 3)))
    np.testing.assert_allclose(drawn.data(axes["h"]), pooled.reshape(1, 4))
    y_hat = toy_net.toy_forward(params, x)
    assert f"{y_hat:.4g}" in fig._suptitle.get_text()


def test_toy_network_pass_backward_panels_match_torch(drawn):
    images, labels = toy_helpers.make_edges(2, seed=3)
    params = toy_helpers.init_toy_params(2)
    params["v"] = np.array([0.5, -1.0, 2.0, 0.1])
    x, y = images[3], int(labels[3])
    fig = plot.toy_network_pass(params, x, label=y)
    axes = drawn.axes(fig)
    assert {"dh", "dpooled", "da1", "dz1", "dw"} <= set(axes)
    t = {k: torch.tensor(np.array(val, dtype=float), requires_grad=True) for k, val in params.items()}
    z1 = F.conv2d(torch.tensor(x)[None, None], t["w"][None, None], t["b"].reshape(1))
    z1.retain_grad()
    h = F.max_pool2d(torch.relu(z1), 2).reshape(4)
    h.retain_grad()
    loss = F.binary_cross_entropy_with_logits(h @ t["v"] + t["c"], torch.tensor(float(y)))
    loss.backward()
    np.testing.assert_allclose(drawn.data(axes["dw"]), t["w"].grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(drawn.data(axes["dz1"]), z1.grad[0, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(drawn.data(axes["dh"]), h.grad.numpy()[None], atol=1e-12)
    np.testing.assert_allclose(drawn.data(axes["dpooled"]), h.grad.numpy().reshape(2, 2), atol=1e-12)
    assert f"label {y}" in fig._suptitle.get_text()


@pytest.mark.parametrize("label", [2, -1, True, "1"])
def test_toy_network_pass_rejects_bad_labels(label):
    with pytest.raises(ValueError, match=r"`label` must be 0, 1 or None; got .*1 = vertical edge"):
        plot.toy_network_pass(toy_helpers.init_toy_params(0), np.zeros((6, 6)), label=label)
    assert plt.get_fignums() == []


def test_toy_network_pass_rejects_bad_params_and_images():
    with pytest.raises(ValueError, match=r"`params` must be a dict with keys .*init_toy_params"):
        plot.toy_network_pass({"w": np.zeros((3, 3))}, np.zeros((6, 6)))
    with pytest.raises(ValueError, match=r"`image` must have shape \(6, 6\); got shape \(5, 5\)"):
        plot.toy_network_pass(toy_helpers.init_toy_params(0), np.zeros((5, 5)))
    assert plt.get_fignums() == []
