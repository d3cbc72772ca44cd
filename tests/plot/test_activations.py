"""Tests for cnncourse.plot.activations: curves and maps computed by the references."""

import numpy as np

from cnncourse import plot
from cnncourse.ref import activations


def test_activation_curves_use_the_references(drawn):
    x = np.linspace(-3, 3, 13)
    fig = plot.activation_curves(x, alpha=0.2)
    axes = drawn.axes(fig)
    assert list(axes) == ["relu", "leaky_relu", "elu", "sigmoid", "tanh"]
    expected = {"relu": activations.relu(x), "leaky_relu": activations.leaky_relu(x, 0.2),
                "elu": activations.elu(x), "sigmoid": activations.sigmoid(x), "tanh": activations.tanh(x)}
    for name, ax in axes.items():
        np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), expected[name])


def test_activation_maps_panels(drawn):
    fmap = np.array([[-2.0, 0.0], [1.0, 4.0]])
    fig = plot.activation_maps(fmap, alpha=0.5, title="edges")
    axes = drawn.axes(fig)
    np.testing.assert_array_equal(axes["relu"].images[0].get_array(), [[0, 0], [1, 4]])
    np.testing.assert_array_equal(axes["leaky_relu"].images[0].get_array(), [[-1, 0], [1, 4]])
    assert axes["relu"].images[0].get_clim() == (-4.0, 4.0)
    assert axes["sigmoid"].images[0].get_clim() == (-1.0, 1.0)
    assert fig._suptitle.get_text() == "edges"
