"""Checks for module 01_pixels_and_filters.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Each ``check_<function>`` takes the
student's function, runs named cases against :mod:`cnncourse.ref.filters`, names known
mistakes in its hints, and prints one line when everything passes.  ``hidden=True`` adds
random cases drawn from ``CNNCOURSE_GRADING_SEED``.
"""
from collections.abc import Callable

import numpy as np

from ..ref import filters, layer_specs
from ._core import Case, Mismatch, Mistake, hidden_rng, random_array, run_check

# ------------------------------------------------------------------ inputs


def _image(h, w, seed=0, dtype=np.float64):
    """A deterministic image with distinct values (so flips and transposes show)."""
    return random_array((h, w), seed, dtype, integers=(0, 10))


def _kernel(kh, kw, seed=1, dtype=np.float64):
    k = random_array((kh, kw), seed, dtype, integers=(-3, 4))
    k.flat[0] = 5  # never symmetric: a flipped kernel gives different numbers
    return k


# ------------------------------------------------------------------ conv_output_size

CONV_OUTPUT_SIZE_MISTAKES = [
    Mistake("stride ignored", args={"stride": 1},
            hint="divide the number of free positions by the stride: (n + 2*padding - kernel_size) // stride + 1."),
    Mistake("forgot the +1", output=lambda out, a: out - 1,
            hint="the window's first position counts too: add 1 after dividing by the stride."),
    Mistake("padding only on one side",
            lambda n, kernel_size, stride=1, padding=0: (n + padding - kernel_size) // stride + 1,
            "padding is added on *each* side, so the padded length is n + 2*padding."),
    Mistake("padding ignored", lambda n, kernel_size, stride=1, padding=0: (n - kernel_size) // stride + 1,
            "include the padding: the window slides over n + 2*padding pixels."),
    Mistake("rounded up", lambda n, kernel_size, stride=1, padding=0: -(-(n + 2 * padding - kernel_size) // stride) + 1,
            "a window that would stick out past the edge is dropped: round down with //."),
    Mistake("+1 added before dividing",
            lambda n, kernel_size, stride=1, padding=0: (n + 2 * padding - kernel_size + 1) // stride,
            "divide first, then add 1: (n + 2*padding - kernel_size) // stride + 1."),
]


def check_conv_output_size(conv_output_size: Callable, hidden: bool = False) -> None:
    """Check ``conv_output_size(n, kernel_size, stride=1, padding=0) -> int``."""
    __tracebackhide__ = True
    c = lambda name, *args, **kw: Case(name, args, kw)  # noqa: E731
    cases = [
        c("n=6, kernel 3", 6, 3),
        c("kernel as large as the input (n=5, kernel 5)", 5, 5),
        c("padding 1 keeps the size (n=7, kernel 3)", 7, 3, padding=1),
        c("stride 2 (n=7, kernel 3)", 7, 3, stride=2),
        c("stride 3 (n=10, kernel 3)", 10, 3, stride=3),
        c("stride 2 with a leftover pixel (n=8, kernel 3)", 8, 3, stride=2),
        c("padding 2 and stride 2 (n=28, kernel 5)", 28, 5, stride=2, padding=2),
        Case("kernel fits only thanks to padding (n=3, kernel 5, padding 1)", (3, 5), {"padding": 1},
             raise_hint="the kernel fits once the padding is counted: raise ValueError only when "
                        "kernel_size > n + 2*padding."),
        Case("kernel larger than the input raises ValueError (n=3, kernel 5)", (3, 5), raises=ValueError,
             hint="when kernel_size > n + 2*padding no window fits: raise ValueError with a message."),
        Case("stride 0 raises ValueError", (6, 3), {"stride": 0}, raises=ValueError,
             hint="a stride must be at least 1: raise ValueError with a message."),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(20):
            n, k = int(rng.integers(1, 40)), int(rng.integers(1, 8))
            s, p = int(rng.integers(1, 5)), int(rng.integers(0, 4))
            raises = ValueError if k > n + 2 * p else None
            cases.append(Case(f"hidden #{i + 1} (n={n}, kernel {k}, stride {s}, padding {p})",
                              (n, k), {"stride": s, "padding": p}, raises=raises, hidden=True))
    run_check(conv_output_size, reference=layer_specs.conv_output_size, cases=cases,
              mistakes=CONV_OUTPUT_SIZE_MISTAKES)


# ------------------------------------------------------------------ pad2d

def _crop(out, rows, cols):
    """``out`` without the first (negative: last) ``rows`` rows and ``cols`` columns: padding on one side only."""
    return out[max(rows, 0):out.shape[0] + min(rows, 0), max(cols, 0):out.shape[1] + min(cols, 0)]


_SWAPPED = {"reflect": "replicate", "replicate": "reflect"}


def _as_float(image):
    image = np.asarray(image)
    return image if image.dtype.kind == "f" else image.astype(np.float64)


def _source(idx, n, mode):
    """The image row (column) a reflect or replicate pad copies to each position ``idx`` (in image coordinates)."""
    if mode == "replicate":
        return np.clip(idx, 0, n - 1)
    idx = np.where(idx < 0, -idx, np.where(idx > n - 1, 2 * (n - 1) - idx, idx))
    return np.clip(idx, 0, n - 1)  # a far shift would index out of range; the student's code would fail then


def _shifted_pad(a, shift):
    """Padding whose source index is off by ``shift``: out[i, j] = image[i - padding + shift, ...], then the mode."""
    image, p = _as_float(a.image), a.padding
    (h, w) = image.shape
    rows, cols = np.arange(-p, h + p) + shift, np.arange(-p, w + p) + shift
    if a.mode in ("reflect", "replicate"):
        return image[np.ix_(_source(rows, h, a.mode), _source(cols, w, a.mode))]
    out = np.full((h + 2 * p, w + 2 * p), a.value if a.mode == "constant" else 0.0, dtype=image.dtype)
    in_rows, in_cols = (rows >= 0) & (rows < h), (cols >= 0) & (cols < w)
    out[np.ix_(in_rows, in_cols)] = image[np.ix_(rows[in_rows], cols[in_cols])]
    return out


def _indexed_pad(out, a, mode, source):
    """For ``mode`` only: ``image[rows, cols]`` with ``source(idx, n)`` the image index of each padded position."""
    image, p = _as_float(a.image), a.padding
    if a.mode != mode:
        return out
    (h, w) = image.shape
    return image[np.ix_(source(np.arange(-p, h + p), h), source(np.arange(-p, w + p), w))]


def _neighbour(idx, n):
    """Replicate that copies the pixel next to the edge: row 1 on top, row n-2 at the bottom."""
    return np.clip(np.where(idx < 0, 1, np.where(idx > n - 1, n - 2, idx)), 0, n - 1)


def _reflect_far_repeat(idx, n):
    """Reflect that mirrors correctly on the top (left) and repeats the edge pixel on the bottom (right)."""
    return np.clip(np.where(idx < 0, -idx, np.where(idx > n - 1, 2 * n - 1 - idx, idx)), 0, n - 1)


def _zeroed(out, a, corners):
    """Reflect/replicate output with the corners (or, ``corners=False``, the bottom and right borders) set to 0."""
    p = a.padding
    if a.mode not in ("reflect", "replicate") or p == 0:
        return out
    out = out.copy()
    if corners:
        out[:p, :p] = out[:p, -p:] = out[-p:, :p] = out[-p:, -p:] = 0
    else:
        out[-p:, :] = out[:, -p:] = 0
    return out


def _cut_short(out, a):
    """zeros/constant padding with the image copied to out[p:H, p:W] (image[:H-p, :W-p]): its last `padding`
    rows and columns are left as border."""
    p, (h, w) = a.padding, np.shape(a.image)
    if a.mode not in ("zeros", "constant") or p == 0:
        return out
    out = out.copy()
    out[h:h + p, :] = out[:, w:w + p] = a.value if a.mode == "constant" else 0.0
    return out


PAD2D_MISTAKES = [
    Mistake("padding only on one side", output=lambda out, a: _crop(out, -a.padding, -a.padding),
            hint="pad every side: top and bottom, left and right, each by `padding` pixels."),
    Mistake("padding only on one side", output=lambda out, a: _crop(out, a.padding, a.padding),
            hint="pad every side: top and bottom, left and right, each by `padding` pixels."),
    Mistake("reflect vs replicate confused", args=lambda a: {"mode": _SWAPPED.get(a.mode, a.mode)},
            hint="'replicate' repeats the edge pixel (1 1 | 1 2 3 | 3 3); 'reflect' mirrors around it without "
                 "repeating it (3 2 | 1 2 3 | 2 1)."),
    Mistake("reflect repeats the edge pixel",
            output=lambda out, a: np.pad(a.image, a.padding, mode="symmetric") if a.mode == "reflect" else out,
            hint="that is numpy's 'symmetric' (2 1 | 1 2 3 | 3 2); 'reflect' mirrors around the edge pixel "
                 "without repeating it (3 2 | 1 2 3 | 2 1)."),
    Mistake("value ignored", args={"value": 0.0}, hint="mode='constant' fills the border with `value`, not with zeros."),
    Mistake("mode ignored", args={"mode": "constant"},
            hint="look at `mode`: 'reflect' and 'replicate' copy pixels from the image instead of a constant."),
    Mistake("H/W swapped", output=lambda out, a: out.T,
            hint="rows (height H) are the first axis and columns (width W) the second: the output is "
                 "(H + 2*padding, W + 2*padding)."),
    Mistake("padded twice as much", args=lambda a: {"padding": 2 * a.padding},
            hint="`padding` is already per side: add `padding` pixels to each side, not 2*padding."),
    *(Mistake("image shifted by one pixel", output=lambda out, a, d=d: _shifted_pad(a, d),  # either direction
              hint="out[padding + r, padding + c] is image[r, c]: subtract exactly `padding` from the output index "
                   "(r = i - padding), no more and no less.") for d in (1, -1)),
    Mistake("replicate copies the pixel next to the edge",
            output=lambda out, a: _indexed_pad(out, a, "replicate", _neighbour),
            hint="replicate repeats the edge pixel itself: image[0] on top, image[-1] (row H-1) at the bottom, "
                 "and the same for the columns, not image[1] or image[-2]."),
    Mistake("replicate leaves the bottom and right at 0",
            output=lambda out, a: _zeroed(out, a, corners=False) if a.mode == "replicate" else out,
            hint="copy the last image row, out[padding + H - 1] (image[-1]), downwards and the last column, "
                 "out[:, padding + W - 1], to the right; out[padding + H] is already padding."),
    Mistake("corners left empty", output=lambda out, a: _zeroed(out, a, corners=True),
            hint="the corners need pixels too: pad the rows first, then the columns of that result (or index "
                 "rows and columns together), so each corner copies (replicate) or mirrors (reflect) the image's."),
    Mistake("reflect repeats the edge pixel on the bottom and right",
            output=lambda out, a: _indexed_pad(out, a, "reflect", _reflect_far_repeat),
            hint="mirror around the last pixel too, without repeating it: below row H-1 come rows H-2, H-3, ... "
                 "(image[-padding-1:-1][::-1]), and the same for the columns."),
    Mistake("image copied to out[padding:H, padding:W]", output=_cut_short,
            hint="the whole image goes to out[padding:padding + H, padding:padding + W]; out[padding:H, padding:W] "
                 "(with image[:H - padding, :W - padding]) cuts off its last `padding` rows and columns."),
]


def check_pad2d(pad2d: Callable, hidden: bool = False) -> None:
    """Check ``pad2d(image, padding, mode="zeros", value=0.0)``."""
    __tracebackhide__ = True
    cases = [
        Case("zeros, padding 1, 2x3 image", (_image(2, 3), 1)),
        Case("zeros, padding 2, 3x4 image", (_image(3, 4), 2), {"mode": "zeros"}),
        Case("constant ones, padding 1, 3x2 image", (_image(3, 2), 1), {"mode": "constant", "value": 1.0}),
        Case("replicate, padding 2, 3x5 image", (_image(3, 5), 2), {"mode": "replicate"}),
        Case("reflect, padding 1, 4x3 image", (_image(4, 3), 1), {"mode": "reflect"}),
        Case("reflect, padding 2, 4x5 image", (_image(4, 5), 2), {"mode": "reflect"}),
        Case("padding 0 gives the image back", (_image(3, 4), 0), {"mode": "reflect"}),
        Case("float32 image, replicate, padding 3", (_image(2, 4, dtype=np.float32), 3), {"mode": "replicate"}),
        Case("unknown mode raises ValueError", (_image(3, 3), 1), {"mode": "mirror"}, raises=ValueError,
             hint="accept only 'zeros', 'constant', 'reflect' and 'replicate'; raise ValueError otherwise."),
        Case("an integer image, constant 0.5: a float result",  # an output made like the image truncates 0.5 to 0
             (np.arange(12).reshape(3, 4), 1), {"mode": "constant", "value": 0.5}),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(12):
            h, w = (int(x) for x in rng.integers(2, 9, size=2))
            mode = str(rng.choice(["zeros", "constant", "reflect", "replicate"]))
            p = int(rng.integers(0, min(h, w) if mode == "reflect" else 5))
            dtype = np.float32 if rng.random() < 0.5 else np.float64
            kwargs = {"mode": mode, **({"value": float(rng.integers(-3, 4))} if mode == "constant" else {})}
            cases.append(Case(f"hidden #{i + 1} ({h}x{w} {np.dtype(dtype).name}, {mode}, padding {p})",
                              (rng.normal(size=(h, w)).astype(dtype), p), kwargs, hidden=True))
    run_check(pad2d, reference=filters.pad2d, cases=cases, mistakes=PAD2D_MISTAKES)


# ------------------------------------------------------------------ correlate2d

def _padded(a):
    return filters.pad2d(_as_float(a.image), a.padding, a.mode)


def _windows(source, kernel, shape, step):
    """out[i, j] = sum(source[i*step : i*step + KH, j*step : j*step + KW] * kernel) for an output of ``shape``.

    Windows that run past the end of ``source`` see zeros there: a student's loop slicing past
    the end gets an empty window for a 1x1 kernel (sum 0), and fails for larger ones.
    """
    source, kernel = _as_float(source), _as_float(kernel)
    (oh, ow), (kh, kw) = shape, kernel.shape
    if oh <= 0 or ow <= 0:
        return np.zeros((max(oh, 0), max(ow, 0)))
    need = ((oh - 1) * step + kh, (ow - 1) * step + kw)
    extended = np.zeros((max(need[0], source.shape[0]), max(need[1], source.shape[1])), dtype=source.dtype)
    extended[:source.shape[0], :source.shape[1]] = source
    windows = np.lib.stride_tricks.sliding_window_view(extended, kernel.shape)[::step, ::step][:oh, :ow]
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _full_windows_only(source, kernel, shape, step):
    """:func:`_windows`, with 0 wherever the window runs past the end of ``source`` (a loop that skips them)."""
    out = _windows(source, kernel, shape, step)
    (kh, kw), (h, w) = np.shape(kernel), np.shape(source)
    out[np.arange(out.shape[0]) * step + kh > h, :] = 0
    out[:, np.arange(out.shape[1]) * step + kw > w] = 0
    return out


def _sizes(a, stride=None, padding=None):
    """(OH, OW) for the call's image and kernel, with another stride or padding if given."""
    s = a.stride if stride is None else stride
    p = a.padding if padding is None else padding
    (h, w), (kh, kw) = np.shape(a.image), np.shape(a.kernel)
    return (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1


def _last_skipped(out, a):
    """The output of ``range(0, H + 2*padding - KH, stride)`` loops: the last row (column) stays 0 when the
    last window starts exactly at H + 2*padding - KH."""
    out = out.copy()
    (h, w), (kh, kw) = np.shape(a.image), np.shape(a.kernel)
    if (h + 2 * a.padding - kh) % a.stride == 0:
        out[-1, :] = 0
    if (w + 2 * a.padding - kw) % a.stride == 0:
        out[:, -1] = 0
    return out


def _matmul_kernel(a):
    """sum(window @ kernel) = correlation with kernel'[r, c] = kernel[c, :].sum(), for a square kernel."""
    kernel = np.asarray(a.kernel)
    if kernel.shape[0] != kernel.shape[1]:
        return {}  # window @ kernel fails for a non-square kernel
    return {"kernel": np.tile(kernel.sum(axis=1), (kernel.shape[0], 1))}


CORRELATE2D_MISTAKES = [
    Mistake("stride ignored", args={"stride": 1},
            hint="move the window `stride` pixels at a time: out[i, j] uses the window starting at "
                 "(i*stride, j*stride), and OH = (H + 2*padding - KH) // stride + 1."),
    Mistake("kernel flipped (true convolution)", args=lambda a: {"kernel": a.kernel[::-1, ::-1]},
            hint="a convolution layer computes cross-correlation: multiply window[a, b] by kernel[a, b], without "
                 "flipping the kernel."),
    Mistake("H/W swapped", output=lambda out, a: out.T,
            hint="the output has OH rows (from H and KH) and OW columns (from W and KW): out[i, j] with i over rows."),
    Mistake("kernel rows and columns swapped", args=lambda a: {"kernel": a.kernel.T},
            hint="kernel[a, b] multiplies the pixel a rows down and b columns right of the window's corner."),
    Mistake("wrong output size", output=lambda out, a: out[:-1, :-1],
            hint="use OH = (H + 2*padding - KH) // stride + 1 (and the same for OW): the last window position counts."),
    Mistake("padding ignored", args={"padding": 0},
            hint="pad the image first (your pad2d), then slide the kernel over the padded image."),
    Mistake("padding only on one side",
            args=lambda a: {"image": _crop(filters.pad2d(a.image, a.padding, a.mode), -a.padding, -a.padding),
                            "padding": 0, "mode": "zeros"},
            hint="pad every side by `padding` pixels; the padded image is (H + 2*padding, W + 2*padding)."),
    Mistake("padding mode ignored", args={"mode": "zeros"},
            hint="pass `mode` on to the padding: 'reflect' and 'replicate' pad with image pixels, not zeros."),
    Mistake("reflect vs replicate confused", args=lambda a: {"mode": _SWAPPED.get(a.mode, a.mode)},
            hint="'replicate' repeats the edge pixel; 'reflect' mirrors around it without repeating it."),
    Mistake("windows not moved by the stride", args={"stride": 1},
            output=lambda out, a: out[:_sizes(a)[0], :_sizes(a)[1]],
            hint="the output size is right, but out[i, j] uses the window starting at (i*stride, j*stride) of the "
                 "padded image, not at (i, j)."),
    Mistake("stride missing from the output size", output=lambda out, a: _windows(_padded(a), a.kernel,
                                                                                 _sizes(a, stride=1), a.stride),
            hint="the windows move by the stride, so there are fewer of them: OH = (H + 2*padding - KH) // stride + 1 "
                 "(and the same for OW)."),
    Mistake("stride applied twice", output=lambda out, a: _windows(_padded(a), a.kernel, out.shape, a.stride**2),
            hint="multiply by the stride once: either i runs over range(OH) and the window starts at i*stride, or "
                 "i already steps by the stride and the window starts at i."),
    Mistake("windows taken from the unpadded image",
            output=lambda out, a: _windows(a.image, a.kernel, out.shape, a.stride),
            hint="the output size counts the padding, so the windows must come from the padded image: "
                 "padded = pad2d(image, padding, mode), then slice `padded`, not `image`."),
    Mistake("output size without the padding",
            output=lambda out, a: out[:max(_sizes(a, padding=0)[0], 0), :max(_sizes(a, padding=0)[1], 0)],
            hint="the image is padded, so count the padding in the size too: OH = (H + 2*padding - KH) // stride + 1, "
                 "e.g. conv_output_size(H, KH, stride, padding)."),
    Mistake("padding counted twice in the output size",
            output=lambda out, a: _full_windows_only(_padded(a), a.kernel, _sizes(a, padding=2 * a.padding), a.stride),
            hint="conv_output_size(H, KH, stride, padding) takes the *unpadded* H and adds the padding itself; from "
                 "the padded image's height Hp it is (Hp - KH) // stride + 1, with no padding added again."),
    Mistake("last window position skipped", output=_last_skipped,
            hint="range(0, H + 2*padding - KH, stride) stops one window early: the last window starts at "
                 "H + 2*padding - KH, so loop i over range(OH) (or end the range at H + 2*padding - KH + 1)."),
    Mistake("divided by the kernel sum", output=lambda out, a: out / np.sum(a.kernel),
            hint="correlation is only the sum of products; dividing by the kernel sum belongs in mean_kernel "
                 "(a kernel that sums to 1), not in correlate2d."),
    Mistake("mean instead of sum", output=lambda out, a: out / np.size(a.kernel),
            hint="out[i, j] is the *sum* of window * kernel (np.sum), not its mean."),
    Mistake("matrix product instead of element-wise", args=_matmul_kernel,
            hint="multiply element-wise (window * kernel) and sum; window @ kernel is a matrix product."),
    Mistake("reflect repeats the edge pixel", args=lambda a: {"image": np.pad(_as_float(a.image), a.padding,
                                                                             mode="symmetric"), "padding": 0,
                                                             "mode": "zeros"} if a.mode == "reflect" else {},
            hint="that is numpy's 'symmetric'; 'reflect' mirrors around the edge pixel without repeating it "
                 "(3 2 | 1 2 3 | 2 1), as your pad2d must."),
]


def check_correlate2d(correlate2d: Callable, hidden: bool = False) -> None:
    """Check ``correlate2d(image, kernel, stride=1, padding=0, mode="zeros")``."""
    __tracebackhide__ = True
    cases = [
        Case("2x2 ones kernel on a 3x3 image", (_image(3, 3), np.ones((2, 2)))),
        Case("asymmetric 2x2 kernel on a 4x4 image", (_image(4, 4), np.array([[1.0, 2.0], [3.0, 4.0]]))),
        Case("3x3 kernel on a non-square 5x7 image", (_image(5, 7), _kernel(3, 3)),
             raise_hint="height and width mixed up: square images work, this 5x7 one does not. H, W = image.shape "
                        "(rows first); OH comes from H and KH, OW from W and KW; i runs over rows, j over columns."),
        Case("non-square 2x3 kernel on a 6x5 image", (_image(6, 5), _kernel(2, 3)),
             raise_hint="square kernels work, this 2x3 one does not: KH, KW = kernel.shape, and a window is "
                        "padded[r:r + KH, c:c + KW] (KH rows, KW columns)."),
        Case("stride 2", (_image(7, 6), np.array([[2.0]])), {"stride": 2}),  # 1x1: windows past the end are empty
        Case("stride 2 with a 3x3 kernel", (_image(7, 7), _kernel(3, 3)), {"stride": 2}),
        Case("stride 3 on a 10x8 image", (_image(10, 8), _kernel(3, 2)), {"stride": 3}),
        Case("zero padding 1 with a 1x1 kernel", (_image(3, 4), np.array([[3.0]])), {"padding": 1}),
        Case("zero padding 1 keeps the size", (_image(4, 6), _kernel(3, 3)), {"padding": 1}),
        Case("zero padding 2", (_image(5, 4), _kernel(2, 3)), {"padding": 2}),
        Case("padding 2 and stride 2", (_image(6, 5), _kernel(3, 3)), {"stride": 2, "padding": 2}),
        Case("reflect padding 2", (_image(5, 6), _kernel(3, 3)), {"padding": 2, "mode": "reflect"}),
        Case("replicate padding 1", (_image(4, 5), _kernel(3, 3)), {"padding": 1, "mode": "replicate"}),
        Case("float32 inputs", (_image(6, 6, dtype=np.float32), _kernel(3, 3, dtype=np.float32)), {"padding": 1}),
        Case("an 8-bit image and an integer kernel: a float result",  # an output made like the image truncates
             ((np.arange(20).reshape(4, 5) * 12).astype(np.uint8), np.array([[1, 0], [0, -1]]))),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(14):
            h, w = (int(x) for x in rng.integers(4, 17, size=2))
            kh, kw = (int(x) for x in rng.integers(1, 6, size=2))
            s = int(rng.integers(1, 4))
            mode = str(rng.choice(["zeros", "reflect", "replicate"]))
            p = int(rng.integers(0, 3))
            if kh > h + 2 * p or kw > w + 2 * p:
                p = max(kh, kw)  # keep the case valid
            if mode == "reflect":
                p = min(p, min(h, w) - 1)
                if kh > h + 2 * p or kw > w + 2 * p:
                    mode = "zeros"
            dtype = np.float32 if rng.random() < 0.5 else np.float64
            image, kernel = rng.normal(size=(h, w)).astype(dtype), rng.normal(size=(kh, kw)).astype(dtype)
            cases.append(Case(f"hidden #{i + 1} ({h}x{w} image, {kh}x{kw} kernel, stride {s}, padding {p}, {mode})",
                              (image, kernel), {"stride": s, "padding": p, "mode": mode}, hidden=True))
    run_check(correlate2d, reference=filters.correlate2d, cases=cases, mistakes=CORRELATE2D_MISTAKES)


# ------------------------------------------------------------------ mean_kernel

MEAN_KERNEL_MISTAKES = [
    Mistake("unnormalized mean kernel", output=lambda k, a: np.ones(k.shape),
            hint="divide by the number of entries, KH*KW, so the kernel sums to 1 and flat regions keep their "
                 "brightness."),
    Mistake("divided by the side, not the area", output=lambda k, a: np.ones(k.shape) / k.shape[0],
            hint="a KHxKW window has KH*KW pixels: divide by KH*KW."),
    Mistake("divided by KH*KH, not KH*KW", output=lambda k, a: np.ones(k.shape) / k.shape[0] ** 2,
            hint="a KHxKW window has KH*KW pixels: divide by kh * kw (the two sides of the pair), not kh * kh."),
    Mistake("divided by KW*KW, not KH*KW", output=lambda k, a: np.ones(k.shape) / k.shape[1] ** 2,
            hint="a KHxKW window has KH*KW pixels: divide by kh * kw (the two sides of the pair), not kw * kw."),
    Mistake("divided by KH + KW", output=lambda k, a: np.ones(k.shape) / sum(k.shape),
            hint="a KHxKW window has KH*KW pixels: divide by KH*KW, not KH + KW."),
    Mistake("integer division", output=lambda k, a: np.ones(k.shape) // k.size,
            hint="use / (true division); // rounds 1/9 down to 0."),
    Mistake("H/W swapped", output=lambda k, a: k.T, hint="size=(KH, KW) means KH rows and KW columns."),
    Mistake("a 1-D kernel", output=lambda k, a: k.ravel(),
            hint="the kernel is 2-D, shape (KH, KW); use np.full((KH, KW), ...) or np.ones((KH, KW))."),
]


def check_mean_kernel(mean_kernel: Callable, hidden: bool = False) -> None:
    """Check ``mean_kernel(size)`` for ``size`` an int or a pair (KH, KW)."""
    __tracebackhide__ = True
    cases = [
        Case("size 1", (1,)),
        Case("size 2", (2,)),
        Case("size 3", (3,)),
        Case("size 5", (5,)),
        Case("non-square (3, 5)", ((3, 5),),
             raise_hint="`size` may also be a pair (KH, KW): kh, kw = (size, size) if isinstance(size, int) else size."),
        Case("non-square (1, 4)", ((1, 4),)),
        Case("size 0 raises ValueError", (0,), raises=ValueError,
             hint="a kernel needs at least one entry: raise ValueError for a size below 1."),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(6):
            kh, kw = (int(x) for x in rng.integers(1, 12, size=2))
            size = kh if i % 2 == 0 else (kh, kw)
            cases.append(Case(f"hidden #{i + 1} (size {size})", (size,), hidden=True))
    run_check(mean_kernel, reference=filters.mean_kernel, cases=cases, mistakes=MEAN_KERNEL_MISTAKES)


# ------------------------------------------------------------------ sobel_kernels

def _pair(out):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        got = f"{type(out).__name__} of length {len(out)}" if isinstance(out, (tuple, list)) else type(out).__name__
        raise Mismatch(f"expected a tuple (kx, ky) of two arrays, got {got}.", "end with `return kx, ky`.",
                       stage="type")
    kx, ky = (np.asarray(k) for k in out)
    for name, k in (("kx", kx), ("ky", ky)):
        if k.shape != (3, 3) or k.dtype.kind not in "biuf":
            raise Mismatch(f"expected {name} to be a 3x3 numeric array, got shape {k.shape} and dtype {k.dtype}.",
                           "each Sobel kernel is a 3x3 array.", stage="shape")
    return kx.astype(float), ky.astype(float)


def _step(vertical):
    """A 5x6 (or 6x5) image, dark on the left (top) and bright on the right (bottom)."""
    image = np.zeros((5, 6))
    image[:, 3:] = 1.0
    return image if vertical else image.T.copy()


def _response(image, k):
    return filters.correlate2d(image, k)  # on the student's kernel: trusted code, outside the student's call


SOBEL_MISTAKES = [
    Mistake("kx and ky swapped", output=lambda out, a: out[::-1],
            hint="kx measures change along x (left to right), so it lights up on *vertical* edges; ky on "
                 "horizontal ones."),
    Mistake("sign flipped", output=lambda out, a: (-out[0], -out[1]),
            hint="put the negative weights on the left (kx) and top (ky) so a dark-to-bright step gives a positive "
                 "response; flipping the kernel for a true convolution also flips the sign."),
    Mistake("kx sign flipped", output=lambda out, a: (-out[0], out[1]),
            hint="kx = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]: negative on the left, positive on the right."),
    Mistake("ky sign flipped", output=lambda out, a: (out[0], -out[1]),
            hint="ky = kx.T = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]: negative on top, positive at the bottom."),
    Mistake("Prewitt instead of Sobel", output=lambda out, a: (out[0] * [[1], [0.5], [1]], out[1] * [1, 0.5, 1]),
            hint="Sobel weights the centre row (kx) or column (ky) by 2: [-1, 0, 1], [-2, 0, 2], [-1, 0, 1]."),
    Mistake("scaled Sobel kernels", output=lambda out, a: (out[0] / 8, out[1] / 8),
            hint="return the plain integer weights [-1, 0, 1], [-2, 0, 2], [-1, 0, 1], without the 1/8 some "
                 "texts use."),
    Mistake("scaled Sobel kernels", output=lambda out, a: (out[0] / 4, out[1] / 4),
            hint="return the plain integer weights [-1, 0, 1], [-2, 0, 2], [-1, 0, 1], without dividing by 4."),
]


def check_sobel_kernels(sobel_kernels: Callable, hidden: bool = False) -> None:
    """Check ``sobel_kernels() -> (kx, ky)``."""
    __tracebackhide__ = True
    def case(name, project):
        return Case(name, project=project, dtype_rule=None, item_names=("kx", "ky"))

    cases = [
        case("returns a pair of 3x3 arrays", lambda out: tuple(np.zeros((3, 3)) + 0 * k for k in _pair(out))),
        case("each kernel sums to 0 (flat regions give 0)", lambda out: np.array([k.sum() for k in _pair(out)])),
        case("kx on a dark-to-bright vertical edge", lambda out: _response(_step(True), _pair(out)[0])),
        case("ky on a dark-to-bright horizontal edge", lambda out: _response(_step(False), _pair(out)[1])),
        case("kx values", lambda out: _pair(out)[0]),
        case("ky values", lambda out: _pair(out)[1]),
    ]
    if hidden:
        image = hidden_rng().normal(size=(9, 11))
        cases.append(Case("hidden: both kernels on a random image", project=lambda out: tuple(
            _response(image, k) for k in _pair(out)), dtype_rule=None, item_names=("kx", "ky"), hidden=True))
    run_check(sobel_kernels, reference=filters.sobel_kernels, cases=cases, mistakes=SOBEL_MISTAKES)
