"""What the fixtures record next to the student's code: the forward pass's convolutions, activations and
linear maps, in order (``layer_sequence``, what build_cnn's "an activation after each convolution" reads)."""

import pytest
import torch
from torch import nn

from cnncourse.worker import fixtures

X = torch.zeros(2, 1, 8, 8)


def kinds(model, x=X):
    return [kind for kind, _ in fixtures.layer_sequence(model, x)]


class Functional(nn.Module):
    def __init__(self, activation):
        super().__init__()
        self.conv, self.fc, self.activation = nn.Conv2d(1, 2, 3, padding=1), nn.Linear(2 * 4 * 4, 3), activation

    def forward(self, x):
        return self.fc(torch.max_pool2d(self.activation(self.conv(x)), 2).flatten(1))


@pytest.mark.parametrize("activation", [
    nn.ReLU(), nn.ReLU(inplace=True), nn.LeakyReLU(0.1), nn.ELU(), nn.GELU(), nn.SiLU(), nn.Sigmoid(), nn.Tanh(),
    nn.functional.relu, nn.functional.gelu, torch.sigmoid, torch.tanh, lambda t: t.relu(), lambda t: t.relu_(),
    lambda t: nn.functional.leaky_relu(t, 0.2, inplace=True), lambda t: t.clamp(min=0),
], ids=lambda a: type(a).__name__ if isinstance(a, nn.Module) else getattr(a, "__name__", "method"))
def test_activations_count_as_modules_functionals_and_tensor_methods(activation):
    assert kinds(Functional(activation)) == ["conv", "activation", "linear"]


@pytest.mark.parametrize("layer", [nn.MaxPool2d(1), nn.AvgPool2d(1), nn.BatchNorm2d(2), nn.Dropout(0.5),
                                   nn.Dropout2d(0.5), nn.Identity()], ids=lambda m: type(m).__name__)
def test_pooling_batch_norm_and_dropout_are_not_activations(layer):
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), layer, nn.Flatten(), nn.Linear(2 * 8 * 8, 3))
    assert kinds(model) == ["conv", "linear"]


def test_the_order_of_the_forward_pass_is_kept():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Conv2d(2, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(),
                          nn.Flatten(), nn.Linear(2 * 8 * 8, 4), nn.Tanh(), nn.Linear(4, 3))
    assert fixtures.layer_sequence(model, X) == [("conv", "conv2d"), ("conv", "conv2d"), ("activation", "relu"),
                                                 ("linear", "linear"), ("activation", "tanh"), ("linear", "linear")]
    assert not model.training  # recorded in eval mode


def test_a_hand_written_linear_layer_counts_as_linear():
    class MatmulHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.w = nn.Conv2d(1, 2, 3, padding=1), nn.Parameter(torch.zeros(2 * 8 * 8, 3))

        def forward(self, x):
            return self.conv(x).flatten(1) @ self.w

    assert kinds(MatmulHead()) == ["conv", "linear"]
