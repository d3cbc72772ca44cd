"""Filters and the feature maps they make: a hand-made 3-channel filter bank, a trained layer's filters, a model's maps.

Introduced in notebooks/02_convolution_layers_lecture.ipynb (:func:`filter_bank`) and
notebooks/04_training_cnns_lecture.ipynb (:func:`conv_filters`, :func:`feature_maps`, and
:func:`layer_output` / :func:`feature_maps_compared` for several images of one class).  torch is imported
inside the functions that need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .. import _validate as v
from ._base import _image_array, _shape_text, _symmetric_limit, _to_numpy
from .panels import show_feature_map, show_image, show_kernel

if TYPE_CHECKING:
    import torch


def filter_bank(image: ArrayLike, w: ArrayLike, b: ArrayLike | None = None, names: Sequence[str] | None = None,
                padding: int | None = None) -> Figure:
    """An RGB image, a bank of 3-channel filters and the feature map each filter makes.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb: filter ``f`` is one 3-D array
    ``w[f]`` of shape (C, K, K); its feature map is the sum over channels of the per-channel
    cross-correlations, plus ``b[f]``.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        RGB floats in [0, 1] (transposed here to (1, 3, H, W)).
    w : ndarray, shape (F, 3, K, K)
    b : ndarray, shape (F,), optional
        Default zeros.
    names : sequence of str, optional
        One name per filter.
    padding : int, optional
        Default ``K // 2`` (same size).

    Returns
    -------
    fig : matplotlib Figure
        One column per filter: three kernel rows (labelled "kernel f c") and a feature map
        (labelled "map f") equal to ``conv.conv2d_forward(x, w, b, padding=padding)[0, f]``;
        the image is the first panel of the bottom row (labelled "image").

    Examples
    --------
    >>> w = np.zeros((2, 3, 3, 3)); w[0, 0, 1, 1] = 1; w[1, :, 1, 1] = 1 / 3
    >>> fig = filter_bank(np.ones((8, 8, 3)), w, names=["red", "gray"])
    >>> [ax.get_title() for ax in fig.axes if ax.get_label() == "map 1"]
    ['gray: 8×8']
    >>> plt.close(fig)
    """
    from ..ref import conv

    image = _image_array("image", image)
    if image.ndim != 3:
        raise ValueError(v.message("image", "have shape (H, W, 3)", f"shape {image.shape}",
                                   "Load it with data.load_photo(name) (not gray=True)."))
    w = v.as_float(v.require_array("w", w, ndim=4, shape_text="(F, 3, K, K)"))
    n_filters, _, k, _ = w.shape
    b = np.zeros(n_filters) if b is None else b
    padding = k // 2 if padding is None else padding
    names = [f"filter {f}" for f in range(n_filters)] if names is None else list(names)
    if len(names) != n_filters:
        raise ValueError(v.message("names", f"have one name per filter ({n_filters})", f"{len(names)} names",
                                   "Pass as many names as filters, or None."))
    x = v.as_float(image).transpose(2, 0, 1)[None]  # (1, 3, H, W)
    out = conv.conv2d_forward(x, w, b, padding=padding)[0]  # (F, OH, OW)
    fig, axes = plt.subplots(4, n_filters + 1, figsize=(2.3 * (n_filters + 1), 7.8),
                             gridspec_kw={"height_ratios": [1, 1, 1, 2.6]}, squeeze=False)
    for c, color in enumerate(("R", "G", "B")):
        axes[c, 0].set_axis_off()
        axes[c, 0].text(0.9, 0.5, f"channel {color}\nkernels", ha="right", va="center", fontsize=10,
                        transform=axes[c, 0].transAxes)
    show_image(image, ax=axes[3, 0], title="input (3 channels)")
    axes[3, 0].set_label("image")
    for f in range(n_filters):
        for c in range(3):
            show_kernel(w[f, c], ax=axes[c, f + 1], annotate=k <= 5, fontsize=7,
                        title=names[f] if c == 0 else None)
            axes[c, f + 1].set_label(f"kernel {f} {c}")
        show_feature_map(out[f], ax=axes[3, f + 1], title=f"{names[f]}: {out.shape[1]}\u00d7{out.shape[2]}")
        axes[3, f + 1].set_label(f"map {f}")
    fig.suptitle(f"{n_filters} filters of shape 3\u00d7{k}\u00d7{k} \u2192 {n_filters} feature maps "
                 "(each map = sum of its 3 per-channel correlations + bias)")
    fig.tight_layout()
    return fig


def conv_filters(weight: ArrayLike | torch.Tensor, ncols: int = 8, title: str | None = None,
                 channel: int | None = None) -> Figure:
    """Draw every filter of a conv layer as a small image on a diverging colormap.

    Introduced in notebooks/04_training_cnns_lecture.ipynb: what the first layer learned.

    Parameters
    ----------
    weight : ndarray or tensor, shape (F, C, KH, KW)
        E.g. ``model[0].weight``.
    ncols : int, default 8
    title : str, optional
        Suptitle; by default the shapes and what is shown.
    channel : int, optional
        Input channel to show; by default channel 0 when C = 1, else the mean over the C
        input channels.

    Returns
    -------
    fig : matplotlib Figure
        F panels labelled "filter 0", "filter 1", ... (titled with the filter index) on
        "RdBu_r" with one symmetric range ``[-m, m]``, ``m = max |shown weights|`` (blue < 0 <
        red; white = 0), then a colorbar axes labelled "colorbar".

    Examples
    --------
    >>> fig = conv_filters(np.arange(-4.0, 4.0).reshape(2, 1, 2, 2))
    >>> fig.axes[0].images[0].get_clim()
    (-4.0, 4.0)
    >>> plt.close(fig)
    """
    w = _to_numpy(weight)
    w = v.as_float(v.require_array("weight", w, ndim=4, shape_text="(F, C, KH, KW)",
                                   fix="Pass a conv layer's weight, e.g. model[0].weight."))
    n_filters, c, kh, kw = w.shape
    if channel is None:
        maps = w[:, 0] if c == 1 else w.mean(axis=1)  # (F, KH, KW)
        what = "" if c == 1 else f", mean over {c} input channels"
    else:
        channel = v.require_int("channel", channel, minimum=0)
        if channel >= c:
            raise ValueError(v.message("channel", f"be an input channel index in 0..{c - 1}", channel,
                                       "The weight has shape (F, C, KH, KW)."))
        maps, what = w[:, channel], f", input channel {channel}"
    ncols = min(v.require_int("ncols", ncols, minimum=1), n_filters)
    nrows = -(-n_filters // ncols)
    m = _symmetric_limit(maps)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.25 * ncols + 1.2, 1.3 * nrows + 0.7), squeeze=False,
                             layout="constrained")
    im = None
    for k, ax in enumerate(axes.flat):
        if k >= n_filters:
            ax.remove()
            continue
        im = ax.imshow(maps[k], cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(str(k), fontsize=8)
        ax.set_label(f"filter {k}")
    bar = fig.colorbar(im, ax=[ax for ax in axes.flat if ax.figure is fig], shrink=0.8)
    bar.ax.set_label("colorbar")
    fig.suptitle(title if title is not None else
                 f"{n_filters} filters {kh}\u00d7{kw}{what}: blue < 0 < red, one scale \u00b1{m:.2g}")
    return fig


def feature_maps(model: torch.nn.Sequential, image: ArrayLike | torch.Tensor, layers: Sequence[int] | None = None,
                 max_channels: int = 8) -> Figure:
    """Show one image's path through a CNN: the input, then each chosen layer's feature maps.

    Introduced in notebooks/04_training_cnns_lecture.ipynb ("exploring convolutions").  The model
    runs once in evaluation mode under ``torch.no_grad()``; forward hooks record the chosen
    layers' outputs.  Every module's train/eval mode is restored afterwards.

    Parameters
    ----------
    model : torch.nn.Sequential
    image : tensor or ndarray, shape (C, H, W) or (H, W)
        One image, preprocessed as the model expects (e.g. ``dataset[0][0]``).
    layers : sequence of int, optional
        Indices into ``model`` whose outputs to show (each must be (1, C, H, W)); by default
        every ``Conv2d``, ``ReLU`` and ``MaxPool2d``.
    max_channels : int, default 8
        Channels shown per row (the first ones).

    Returns
    -------
    fig : matplotlib Figure
        One row per shown output, top to bottom in forward order: the input, then the layers.
        Panels are labelled "input:<c>" or "<layer index>:<c>"; each row's first panel has
        the row name and the output shape ``C×H×W`` as its y-label.  Maps with negative
        values use "RdBu_r" (symmetric range per row), non-negative ones "magma" from 0.

    Raises
    ------
    TypeError
        ``model`` is not an ``nn.Sequential``.
    ValueError
        Bad layer indices, a chosen layer whose output is not (1, C, H, W), or an image the
        model cannot take.
    """
    import torch
    from torch import nn

    if not isinstance(model, nn.Sequential):
        raise TypeError(v.message("model", "be a torch.nn.Sequential", type(model).__name__,
                                  "Wrap the layers in nn.Sequential(...), or pass its convolutional part."))
    max_channels = v.require_int("max_channels", max_channels, minimum=1)
    x = _to_numpy(image)
    if getattr(x, "ndim", None) == 2:
        x = x[None]
    elif getattr(x, "ndim", None) == 4 and x.shape[0] == 1:
        x = x[0]
    x = v.as_float(v.require_array("image", x, ndim=3, shape_text="(C, H, W) or (H, W)",
                                   fix="Pass one image, e.g. dataset[0][0]; from a batch, pick one: x[0]."))
    if layers is None:
        layers = [i for i, m in enumerate(model) if isinstance(m, (nn.Conv2d, nn.ReLU, nn.MaxPool2d))]
        if not layers:
            raise ValueError(v.message("model", "contain Conv2d, ReLU or MaxPool2d layers (or pass layers=...)",
                                       "layers " + ", ".join(type(m).__name__ for m in model),
                                       "Pass the indices of the layers to show."))
    else:
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
            raise TypeError(v.message("layers", "be a sequence of layer indices", type(layers).__name__,
                                      "For example layers=[0, 2, 3]."))
        layers = sorted({v.require_int(f"layers[{k}]", i, minimum=0) for k, i in enumerate(layers)})
        if not layers or layers[-1] >= len(model):
            raise ValueError(v.message("layers", f"be a non-empty list of indices in 0..{len(model) - 1}",
                                       repr(layers), "The model's layers are numbered from 0."))
    param = next(model.parameters(), None)
    dtype = param.dtype if param is not None else torch.float32
    device = param.device if param is not None else "cpu"
    xt = torch.as_tensor(x).to(device=device, dtype=dtype)[None]  # (1, C, H, W)

    recorded = {}  # id(module) -> its outputs in call order (a module may appear twice)

    def hook(module, inputs, output):
        recorded.setdefault(id(module), []).append(output.detach())

    modes = {m: m.training for m in model.modules()}
    unique = {id(model[i]): model[i] for i in layers}
    handles = [m.register_forward_hook(hook) for m in unique.values()]
    try:
        model.eval()
        with torch.no_grad():
            model(xt)
    except RuntimeError as exc:
        raise ValueError(v.message("image", "fit the model's input", f"shape {tuple(x.shape)}; the model raised: {exc}",
                                   "Pass one image as the model was trained on, e.g. (1, 28, 28).")) from None
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
    calls, rows = {}, [("input", "input", x)]
    for i, m in enumerate(model):
        k = calls.get(id(m), 0)
        calls[id(m)] = k + 1
        if i in layers:
            out = recorded[id(m)][k]
            if out.ndim != 4:
                raise ValueError(v.message("layers", "pick layers whose outputs are feature maps (1, C, H, W)",
                                           f"layer {i} ({type(m).__name__}) with output shape {tuple(out.shape)}",
                                           "Pick conv, activation or pooling layers (before Flatten)."))
            rows.append((str(i), f"[{i}] {type(m).__name__}", out[0].float().cpu().numpy()))
    ncols = min(max_channels, max(r[2].shape[0] for r in rows))
    fig, axes = plt.subplots(len(rows), ncols, figsize=(1.45 * ncols + 1.6, 1.5 * len(rows) + 0.6), squeeze=False,
                             layout="constrained")
    titled = set()
    for r, (key, name, maps) in enumerate(rows):
        if key == "input":
            lo, hi, cmap = float(maps.min()), float(maps.max()), "gray"
        elif maps.min() < 0:
            hi = _symmetric_limit(maps[:ncols])
            lo, cmap = -hi, "RdBu_r"
        else:
            lo, hi, cmap = 0.0, float(maps[:ncols].max()) or 1.0, "magma"
        for c in range(ncols):
            ax = axes[r, c]
            if c >= maps.shape[0]:
                ax.remove()
                continue
            ax.imshow(maps[c], cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1.0, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_label(f"{key}:{c}")
            if c not in titled:  # each channel number once, on the first row that has it
                titled.add(c)
                ax.set_title(f"channel {c}", fontsize=7)
            if c == 0:
                ax.set_ylabel(f"{name}\n{_shape_text(maps.shape)}", rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(f"feature maps of one image, first {ncols} channels per row (red/bright = strong response)")
    return fig


def _image_batch(name, images):
    """Images (N, C, H, W), (N, H, W) or a list of (C, H, W) / (H, W) as one float array (N, C, H, W)."""
    if isinstance(images, (list, tuple)):
        if not images:
            raise ValueError(v.message(name, "hold at least one image", "an empty list",
                                       "Pass e.g. x[labels == 7][:5]."))
        images = np.stack([np.asarray(_to_numpy(im)) for im in images])
    x = _to_numpy(images)
    if getattr(x, "ndim", None) == 3:
        x = x[:, None]
    return v.as_float(v.require_array(name, x, ndim=4, shape_text="(N, C, H, W) or (N, H, W)",
                                      fix="Pass a stack of images, e.g. x[labels == 7][:5]."))


def layer_output(model: torch.nn.Sequential, images: ArrayLike | torch.Tensor, layer: int) -> np.ndarray:
    """The output of ``model[layer]`` for a batch of images: ``model[:layer + 1](images)`` in evaluation mode.

    Introduced in notebooks/04_training_cnns_lecture.ipynb; :func:`feature_maps_compared` draws it.
    Runs under ``torch.no_grad()`` on the model's device and dtype; every module's train/eval mode
    is restored afterwards.

    Parameters
    ----------
    model : torch.nn.Sequential
    images : ndarray or tensor, shape (N, C, H, W) or (N, H, W), or a list of images
        Preprocessed as the model expects.
    layer : int
        Index into ``model``.

    Returns
    -------
    ndarray, shape (N, C', H', W') (or whatever shape that layer outputs), float32 on the CPU

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU())
    >>> layer_output(model, np.zeros((3, 1, 5, 5)), layer=1).shape
    (3, 2, 5, 5)
    """
    import torch
    from torch import nn

    if not isinstance(model, nn.Sequential):
        raise TypeError(v.message("model", "be a torch.nn.Sequential", type(model).__name__,
                                  "Wrap the layers in nn.Sequential(...)."))
    layer = v.require_int("layer", layer, minimum=0)
    if layer >= len(model):
        raise ValueError(v.message("layer", f"be a layer index in 0..{len(model) - 1}", layer,
                                   "The model's layers are numbered from 0; print(model) lists them."))
    x = _image_batch("images", images)
    param = next(model.parameters(), None)
    dtype = param.dtype if param is not None else torch.float32
    device = param.device if param is not None else "cpu"
    modes = {m: m.training for m in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            out = model[:layer + 1](torch.as_tensor(x).to(device=device, dtype=dtype))
    except RuntimeError as exc:
        raise ValueError(v.message("images", "fit the model's input", f"shape {tuple(x.shape)}; the model raised: {exc}",
                                   "Pass images as the model was trained on, e.g. (N, 1, 28, 28).")) from None
    finally:
        for m, mode in modes.items():
            m.training = mode
    return out.float().cpu().numpy()


def feature_maps_compared(model: torch.nn.Sequential, images: ArrayLike | torch.Tensor, layer: int,
                          channels: Sequence[int] | None = None, n_channels: int = 6,
                          titles: Sequence[str] | None = None) -> Figure:
    """Several images side by side through one layer: one row per image, one column per channel.

    Introduced in notebooks/04_training_cnns_lecture.ipynb: feature maps of images of one class,
    to see what a layer finds in all of them.

    Parameters
    ----------
    model : torch.nn.Sequential
    images : ndarray or tensor, shape (N, C, H, W) or (N, H, W), or a list of images
        Preprocessed as the model expects.
    layer : int
        Index into ``model`` of a layer whose output is a feature map (N, C', H', W').
    channels : sequence of int, optional
        Channels to show; by default the ``n_channels`` with the largest mean response over
        all the images, strongest first.
    n_channels : int, default 6
    titles : sequence of str, optional
        One per image (the row's y-label); default "image 0", "image 1", ...

    Returns
    -------
    fig : matplotlib Figure
        Column 0 the input images (labelled "input <n>"), then one column per channel
        (panels labelled "<n>:<channel>", the top one titled "channel <c>").  Every
        channel's column shares one colour range over all images (so brightness compares
        across rows): "magma" from 0 for non-negative maps, else "RdBu_r" symmetric.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU())
    >>> fig = feature_maps_compared(model, np.random.default_rng(0).normal(size=(3, 1, 6, 6)), layer=1, n_channels=2)
    >>> len(fig.axes), fig.axes[0].get_label()
    (9, 'input 0')
    >>> plt.close(fig)
    """
    x = _image_batch("images", images)
    n = len(x)
    maps = layer_output(model, x, layer)
    if maps.ndim != 4:
        raise ValueError(v.message("layer", "pick a layer whose output is a feature map (N, C, H, W)",
                                   f"layer {layer} ({type(model[layer]).__name__}) with output shape {maps.shape}",
                                   "Pick a conv, activation or pooling layer (before Flatten)."))
    if channels is None:
        n_channels = v.require_int("n_channels", n_channels, minimum=1)
        channels = [int(c) for c in np.argsort(-maps.mean(axis=(0, 2, 3)), kind="stable")[:n_channels]]
    else:
        if isinstance(channels, (str, bytes)) or not hasattr(channels, "__iter__"):
            raise TypeError(v.message("channels", "be a sequence of channel indices", type(channels).__name__,
                                      "For example channels=[0, 3, 5]."))
        channels = [v.require_int(f"channels[{k}]", c, minimum=0) for k, c in enumerate(channels)]
        if not channels or max(channels) >= maps.shape[1]:
            raise ValueError(v.message("channels", f"be a non-empty list of channel indices in 0..{maps.shape[1] - 1}",
                                       repr(channels), f"Layer {layer} has {maps.shape[1]} channels."))
    if titles is None:
        titles = [f"image {k}" for k in range(n)]
    elif len(titles) != n:
        raise ValueError(v.message("titles", f"have one title per image ({n})", f"{len(titles)} titles",
                                   "Pass as many titles as images, or None."))
    fig, axes = plt.subplots(n, len(channels) + 1, figsize=(1.45 * (len(channels) + 1) + 1.4, 1.45 * n + 0.7),
                             squeeze=False, layout="constrained")
    for r in range(n):
        ax = axes[r, 0]
        ax.imshow(x[r].mean(axis=0), cmap="gray", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_label(f"input {r}")
        ax.set_ylabel(str(titles[r]), rotation=0, ha="right", va="center", fontsize=8)
        if r == 0:
            ax.set_title("input", fontsize=8)
    for col, c in enumerate(channels, start=1):
        column = maps[:, c]
        if column.min() < 0:
            hi = _symmetric_limit(column)
            lo, cmap = -hi, "RdBu_r"
        else:
            lo, hi, cmap = 0.0, float(column.max()) or 1.0, "magma"
        for r in range(n):
            ax = axes[r, col]
            ax.imshow(column[r], cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1.0, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_label(f"{r}:{c}")
            if r == 0:
                ax.set_title(f"channel {c}", fontsize=8)
    fig.suptitle(f"{n} images through layer {layer} ({type(model[layer]).__name__}, output "
                 f"{_shape_text(maps.shape[1:])}): one colour scale per channel")
    return fig
