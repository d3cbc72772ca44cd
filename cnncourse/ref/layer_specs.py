"""Layer-spec arithmetic: output sizes, parameter counts and receptive fields of layer stacks.

Introduced in notebooks/02_convolution_layers_lecture.ipynb.

A stack is a list of layer specs, each a dict with a ``"type"``:

- ``{"type": "conv", "filters": F, "kernel_size": K, "stride": 1, "padding": 0}``: F filters of
  K x K (stride and padding optional);
- ``{"type": "maxpool", "kernel_size": K, "stride": None}``, likewise ``"avgpool"``: stride
  defaults to K, no padding;
- ``{"type": "relu"}``: any activation; no parameters, shape unchanged;
- ``{"type": "flatten"}``: (C, H, W) -> (C*H*W,);
- ``{"type": "dense", "units": U}``: fully connected, on a flat input.

Every conv and dense layer has a bias (one per filter or unit).
"""

from collections.abc import Sequence

from .. import _validate as v
from ._common import _out_size
from ._guard import reference


@reference
def conv_output_size(n: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Number of output positions of a sliding window along one axis.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

    Parameters
    ----------
    n : int
        Input length along the axis (height or width), >= 1.
    kernel_size : int
        Window length along the axis, >= 1.
    stride : int, default 1
        Step between window positions, >= 1.
    padding : int, default 0
        Pixels added on *each* side, >= 0.

    Returns
    -------
    int
        ``(n + 2*padding - kernel_size) // stride + 1``.  Floor division: a window that
        would stick out past the padded edge is dropped, as in PyTorch.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is out of range, or the window is larger than the padded input.

    Examples
    --------
    >>> conv_output_size(6, 3)
    4
    >>> conv_output_size(7, 3, stride=2, padding=1)
    4
    """
    n = v.require_int("n", n, minimum=1)
    kernel_size = v.require_int("kernel_size", kernel_size, minimum=1)
    stride = v.require_int("stride", stride, minimum=1)
    padding = v.require_int("padding", padding, minimum=0)
    if kernel_size > n + 2 * padding:
        raise ValueError(
            f"`kernel_size` must be at most n + 2*padding = {n + 2 * padding}; got {kernel_size}. "
            "Use a smaller kernel or more padding."
        )
    return _out_size(n, kernel_size, stride, padding)


LAYER_TYPES = ("conv", "maxpool", "avgpool", "relu", "flatten", "dense")


def _spec(i, layer):
    if not isinstance(layer, dict) or layer.get("type") not in LAYER_TYPES:
        valid = ", ".join(repr(t) for t in LAYER_TYPES)
        raise ValueError(v.message(f"layers[{i}]", f"be a dict with 'type' one of {valid}", repr(layer),
                                   'For example {"type": "conv", "filters": 8, "kernel_size": 3}.'))
    kind = layer["type"]
    if kind == "conv":
        return kind, {"filters": v.require_int(f"layers[{i}]['filters']", layer.get("filters"), minimum=1),
                      "kernel_size": v.require_int(f"layers[{i}]['kernel_size']", layer.get("kernel_size"), minimum=1),
                      "stride": v.require_int(f"layers[{i}]['stride']", layer.get("stride", 1), minimum=1),
                      "padding": v.require_int(f"layers[{i}]['padding']", layer.get("padding", 0), minimum=0)}
    if kind in ("maxpool", "avgpool"):
        if layer.get("padding", 0):
            raise ValueError(v.message(f"layers[{i}]['padding']", "be 0 for a pooling layer in this course",
                                       layer["padding"], "Pad in the convolution before it instead."))
        k = v.require_int(f"layers[{i}]['kernel_size']", layer.get("kernel_size"), minimum=1)
        s = layer.get("stride")
        return kind, {"kernel_size": k, "stride": k if s is None else v.require_int(f"layers[{i}]['stride']", s, minimum=1),
                      "padding": 0}
    if kind == "dense":
        return kind, {"units": v.require_int(f"layers[{i}]['units']", layer.get("units"), minimum=1)}
    return kind, {}


def _side(n, k, stride, padding, i):
    if k > n + 2 * padding:
        raise ValueError(v.message(f"layers[{i}]['kernel_size']", f"fit the input of side {n} (+ 2*padding)", k,
                                   "Use a smaller kernel, more padding, or fewer pooling layers before it."))
    return _out_size(n, k, stride, padding)


@reference
def count_params(layers: Sequence[dict],
                 input_shape: tuple[int, int, int]) -> list[tuple[tuple[int, ...], int, int]]:
    """Output shape and number of weights and biases of every layer of a stack.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Parameters
    ----------
    layers : list of dict
        Layer specs (see the module docstring).
    input_shape : tuple of int, (C, H, W)
        One input example, without the batch axis.

    Returns
    -------
    list of tuple (output_shape, weights, biases), one per layer
        conv: ``(F, OH, OW)``, ``F*C*K*K`` weights, ``F`` biases: the count does not depend on
        the image size.  pool: ``(C, OH, OW)``, no parameters.  relu: shape unchanged, none.
        flatten: ``(C*H*W,)``, none.  dense: ``(U,)``, ``inputs*U`` weights, ``U`` biases.

    Raises
    ------
    ValueError
        Unknown layer, a dense layer on an unflattened input, a window that does not fit.

    Examples
    --------
    >>> count_params([{"type": "flatten"}, {"type": "dense", "units": 10}], (1, 28, 28))
    [((784,), 0, 0), ((10,), 7840, 10)]
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(v.message("input_shape", "be a tuple (C, H, W)", repr(input_shape),
                                   "For a 28x28 grayscale digit pass (1, 28, 28)."))
    shape = tuple(v.require_int("input_shape", s, minimum=1) for s in input_shape)
    rows = []
    for i, layer in enumerate(layers):
        kind, p = _spec(i, layer)
        weights = biases = 0
        if kind == "dense":
            if len(shape) != 1:
                raise ValueError(v.message(f"layers[{i}]", "follow a flatten layer (a dense layer takes a vector)",
                                           f"input of shape {shape}", 'Insert {"type": "flatten"} before it.'))
            weights, biases = shape[0] * p["units"], p["units"]
            shape = (p["units"],)
        elif kind == "flatten":
            n = 1
            for s in shape:
                n *= s
            shape = (n,)
        elif kind in ("conv", "maxpool", "avgpool"):
            if len(shape) != 3:
                raise ValueError(v.message(f"layers[{i}]", "get a (C, H, W) input", f"shape {shape}",
                                           "Put conv and pooling layers before flatten."))
            c, h, w = shape
            k, s, pad = p["kernel_size"], p["stride"], p["padding"]
            oh, ow = _side(h, k, s, pad, i), _side(w, k, s, pad, i)
            if kind == "conv":
                weights, biases = p["filters"] * c * k * k, p["filters"]
                shape = (p["filters"], oh, ow)
            else:
                shape = (c, oh, ow)
        rows.append((shape, weights, biases))
    return rows


@reference
def receptive_field(layers: Sequence[dict]) -> list[tuple[int, int]]:
    """Receptive field size and jump after each layer of a conv/pool stack.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Parameters
    ----------
    layers : list of dict
        conv, maxpool, avgpool and relu specs (see the module docstring).

    Returns
    -------
    list of tuple (size, jump), one per layer
        ``size``: side of the input region one output unit sees; ``jump``: input pixels between
        neighbouring output units.  Starting from (1, 1): ``size += (K - 1) * jump`` then
        ``jump *= stride``.  Activations change neither; padding does not change them.

    Raises
    ------
    ValueError
        flatten/dense layers (every unit after them sees the whole input) or unknown layers.

    Examples
    --------
    >>> conv3 = {"type": "conv", "filters": 8, "kernel_size": 3}
    >>> receptive_field([conv3, conv3, {"type": "maxpool", "kernel_size": 2}, conv3])
    [(3, 1), (5, 1), (6, 2), (10, 2)]
    """
    size, jump, rows = 1, 1, []
    for i, layer in enumerate(layers):
        kind, p = _spec(i, layer)
        if kind in ("flatten", "dense"):
            raise ValueError(v.message(f"layers[{i}]", "be a conv, pooling or activation layer", repr(kind),
                                       "After flatten every unit sees the whole input; stop the list before it."))
        if kind in ("conv", "maxpool", "avgpool"):
            size += (p["kernel_size"] - 1) * jump
            jump *= p["stride"]
        rows.append((size, jump))
    return rows
