"""OverFeat's observation: a fully connected layer is a convolution (module 06).

Introduced in notebooks/06_detection_lecture.ipynb.  Trusted side: ``checks.detection.check_fc_to_conv``
grades a student's conversion against :func:`fc_to_conv`.
"""

from __future__ import annotations

import torch
from torch import nn

from ..ref._guard import reference

__all__ = ["fc_to_conv"]


@reference
def fc_to_conv(linear: nn.Linear, in_channels: int, height: int, width: int) -> nn.Conv2d:
    """The convolution that computes ``linear`` on a flattened ``(in_channels, height, width)`` map.

    Introduced in notebooks/06_detection_lecture.ipynb.

    Parameters
    ----------
    linear : nn.Linear, in_features = in_channels * height * width
        A layer that reads ``x.flatten(1)`` of maps ``x (N, in_channels, height, width)``.
    in_channels, height, width : int
        The shape of the maps it was trained on (flattened in C, H, W order, as ``torch.flatten``).

    Returns
    -------
    nn.Conv2d
        ``nn.Conv2d(in_channels, out_features, (height, width))`` with the linear's weights
        reshaped to ``(out_features, in_channels, height, width)`` and its bias (no bias when it
        has none).  On maps of the original size its output is ``(N, out_features, 1, 1)``, the
        linear's output; on larger maps ``(N, out_features, H - height + 1, W - width + 1)``:
        the linear applied at every window position, in one pass.

    Raises
    ------
    ValueError
        When ``in_channels * height * width != linear.in_features``.

    Examples
    --------
    >>> import torch
    >>> fc = nn.Linear(2 * 3 * 3, 4)
    >>> conv = fc_to_conv(fc, 2, 3, 3)
    >>> x = torch.randn(5, 2, 3, 3)
    >>> torch.allclose(conv(x).flatten(1), fc(x.flatten(1)), atol=1e-6)
    True
    >>> tuple(conv(torch.randn(1, 2, 7, 9)).shape)
    (1, 4, 5, 7)
    """
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"linear must be an nn.Linear; got {type(linear).__name__}.")
    if in_channels * height * width != linear.in_features:
        raise ValueError(f"in_channels * height * width must equal linear.in_features = {linear.in_features}; "
                         f"got {in_channels} * {height} * {width} = {in_channels * height * width}. "
                         "Pass the shape of the maps the linear layer reads, before they are flattened.")
    conv = nn.Conv2d(in_channels, linear.out_features, (height, width), bias=linear.bias is not None,
                     dtype=linear.weight.dtype)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(linear.out_features, in_channels, height, width))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv
