"""Array helpers shared by the references (not part of the course's API).
"""

import numpy as np

from .. import _validate as v


def _pad(x, padding):
    """Zero-pad H and W of an NCHW array by ``padding`` on each side."""
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def _windows(x, kh, kw, stride):
    """Every KH x KW window of an NCHW array, ``stride`` apart: a view of shape (N, C, OH, OW, KH, KW)."""
    return np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def _out_size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


def _array(name, x, shape_text, ndim=None):
    if not isinstance(x, np.ndarray):
        raise TypeError(v.message(name, f"be a numpy array of shape {shape_text}", type(x).__name__,
                                  "Convert it with np.asarray(...)."))
    if ndim is not None and x.ndim != ndim:
        raise ValueError(v.message(name, f"be a {ndim}-D array of shape {shape_text}", f"shape {x.shape}"))
    return v.as_float(x)


def _same_shape(name, a, other_name, b):
    if a.shape != b.shape:
        raise ValueError(v.message(name, f"have the same shape as `{other_name}` {b.shape}", f"shape {a.shape}",
                                   "The upstream gradient has the shape of the layer's output."))


def _stable_sigmoid(x):
    """sigmoid(x) via z = exp(-|x|) <= 1: no overflow (shared with the backprop module and the checks)."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def _correlate(x, w, stride=1, padding=0):
    """Batched multi-channel cross-correlation without checks or bias: (N, C, H, W), (F, C, KH, KW) -> (N, F, OH, OW)."""
    return np.einsum("ncijkl,fckl->nfij", _windows(_pad(x, padding), *w.shape[2:], stride), w)
