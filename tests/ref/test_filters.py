"""cnncourse.ref.filters against independent oracles: torch.nn.functional and scipy.ndimage."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage

from cnncourse.ref import filters

TORCH_MODE = {"zeros": "constant", "constant": "constant", "reflect": "reflect", "replicate": "replicate"}


def torch_pad(image, padding, mode, value=0.0):
    t = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float64))[None, None]
    kwargs = {"value": value} if TORCH_MODE[mode] == "constant" else {}
    return F.pad(t, (padding,) * 4, mode=TORCH_MODE[mode], **kwargs)[0, 0].numpy()


def torch_correlate(image, kernel, stride, padding, mode):
    padded = torch_pad(image, padding, mode)
    out = F.conv2d(torch.from_numpy(padded)[None, None], torch.from_numpy(kernel.astype(np.float64))[None, None],
                   stride=stride)
    return out[0, 0].numpy()


def random_configs(n, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        h, w = (int(x) for x in rng.integers(1, 14, size=2))
        kh, kw = (int(x) for x in rng.integers(1, 6, size=2))
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 4))
        mode = str(rng.choice(list(TORCH_MODE)))
        if mode == "reflect":
            padding = min(padding, min(h, w) - 1)
        if kh > h + 2 * padding or kw > w + 2 * padding:
            continue
        yield rng, h, w, kh, kw, stride, padding, mode


@pytest.mark.parametrize("seed", range(4))
def test_pad2d_matches_torch_pad(seed):
    count = 0
    for rng, h, w, _, _, _, padding, mode in random_configs(60, seed):
        image = rng.normal(size=(h, w))
        value = float(rng.normal()) if mode == "constant" else 0.0
        np.testing.assert_allclose(filters.pad2d(image, padding, mode=mode, value=value),
                                   torch_pad(image, padding, mode, value), rtol=0, atol=0)
        count += 1
    assert count > 30


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("impl", [filters.correlate2d, filters.correlate2d_naive])
def test_correlate2d_matches_torch_conv2d(seed, impl):
    count = 0
    for rng, h, w, kh, kw, stride, padding, mode in random_configs(60, seed):
        image, kernel = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
        got = impl(image, kernel, stride=stride, padding=padding, mode=mode)
        np.testing.assert_allclose(got, torch_correlate(image, kernel, stride, padding, mode), rtol=1e-10, atol=1e-12)
        count += 1
    assert count > 30


def test_correlate2d_keeps_float32_and_promotes_mixed():
    img32, k32 = np.ones((5, 5), np.float32), np.ones((3, 3), np.float32)
    assert filters.correlate2d(img32, k32).dtype == np.float32
    assert filters.correlate2d(img32, k32.astype(np.float64)).dtype == np.float64
    assert filters.correlate2d(np.ones((5, 5), dtype=int), k32).dtype == np.float64


def test_mean_kernel_blur_equals_avg_pool():
    image = np.random.default_rng(1).normal(size=(9, 7))
    blurred = filters.correlate2d(image, filters.mean_kernel((3, 2)))
    pooled = F.avg_pool2d(torch.from_numpy(image)[None, None], kernel_size=(3, 2), stride=1)[0, 0].numpy()
    np.testing.assert_allclose(blurred, pooled, rtol=1e-12)
    assert filters.mean_kernel(4).sum() == pytest.approx(1.0)


def test_sobel_kernels_match_scipy_ndimage_sobel():
    image = np.random.default_rng(2).normal(size=(10, 12))
    kx, ky = filters.sobel_kernels()
    # ndimage.sobel(axis=1) differentiates along columns (x), axis=0 along rows (y); compare the interior.
    np.testing.assert_allclose(filters.correlate2d(image, kx), ndimage.sobel(image, axis=1)[1:-1, 1:-1], atol=1e-12)
    np.testing.assert_allclose(filters.correlate2d(image, ky), ndimage.sobel(image, axis=0)[1:-1, 1:-1], atol=1e-12)


def test_sobel_signs_on_step_edges():
    step = np.zeros((5, 6))
    step[:, 3:] = 1.0  # brighter to the right: a vertical edge
    kx, ky = filters.sobel_kernels()
    assert (filters.correlate2d(step, kx) >= 0).all() and filters.correlate2d(step, kx).max() == 4
    assert np.allclose(filters.correlate2d(step, ky), 0)
    assert np.allclose(filters.correlate2d(step.T, ky), filters.correlate2d(step, kx).T)


def test_pad2d_reflect_is_not_symmetric():
    row = np.array([[1.0, 2.0, 3.0]] * 3)
    assert filters.pad2d(row, 2, mode="reflect")[2].tolist() == [3, 2, 1, 2, 3, 2, 1]
    assert filters.pad2d(row, 2, mode="replicate")[2].tolist() == [1, 1, 1, 2, 3, 3, 3]


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: filters.pad2d(np.zeros((4, 4, 3)), 1), ValueError,
     r"`image` must be a 2-D array of shape \(H, W\); got shape \(4, 4, 3\)\. For an RGB image"),
    (lambda: filters.pad2d(np.zeros((4, 4)), 1, mode="mirror"), ValueError,
     r"`mode` must be one of 'zeros', 'constant', 'reflect', 'replicate'; got 'mirror'\."),
    (lambda: filters.pad2d(np.zeros((3, 5)), 3, mode="reflect"), ValueError,
     r"`padding` must be smaller than the image's height and width for mode 'reflect' \(at most 2"),
    (lambda: filters.pad2d(np.zeros((3, 5)), 1, value=1.0), ValueError,
     r"`value` must be 0 unless mode='constant'; got value=1 with mode='zeros'\. Pass mode='constant'"),
    (lambda: filters.pad2d(np.zeros((3, 5)), 1, mode="constant", value="1"), TypeError,
     r"`value` must be a real number; got str '1'\."),
    (lambda: filters.pad2d([["a"]], 1), TypeError, r"`image` must be a real-valued array of shape \(H, W\)"),
    (lambda: filters.pad2d(np.zeros((0, 3)), 1), ValueError, r"`image` must be a non-empty array"),
    (lambda: filters.correlate2d(np.zeros((4, 4)), np.zeros(3)), ValueError,
     r"`kernel` must be a 2-D array of shape \(KH, KW\); got shape \(3,\)\."),
    (lambda: filters.correlate2d(np.zeros((4, 4)), np.zeros((5, 3))), ValueError,
     r"`kernel` must fit inside the padded image \(4 x 4 with padding 0\); got kernel shape \(5, 3\)\."),
    (lambda: filters.correlate2d(np.zeros((4, 4)), np.zeros((3, 3)), stride=1.5), TypeError,
     r"`stride` must be an integer >= 1; got float 1\.5\."),
    (lambda: filters.mean_kernel(0), ValueError, r"`size` must be an integer >= 1; got 0\. Pass e\.g\. 3"),
    (lambda: filters.mean_kernel((3, 3, 3)), ValueError, r"`size` must be an int or a pair \(KH, KW\)"),
])
def test_bad_inputs_raise_fix_it_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
