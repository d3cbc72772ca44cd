"""Module-04 references against independent oracles: torch's unfold/fold/conv2d/autograd,
scikit-learn's metrics, and hand-computed training steps."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import unguarded
from sklearn import metrics
from torch import nn
from torch.utils.data import TensorDataset

from cnncourse.ref import conv
from cnncourse.torch_ref import training as ref

SHAPES = [  # (N, C, H, W), F, (KH, KW), stride, padding
    ((1, 1, 5, 5), 1, (3, 3), 1, 0), ((2, 3, 7, 6), 4, (3, 2), 2, 1), ((3, 2, 8, 9), 5, (4, 3), 3, 2),
    ((2, 1, 4, 4), 2, (1, 1), 1, 0), ((1, 2, 6, 6), 3, (5, 5), 1, 2),
]


@pytest.mark.parametrize("x_shape, f, k, s, p", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_matches_torch_unfold(x_shape, f, k, s, p, dtype):
    x = np.random.default_rng(0).normal(size=x_shape).astype(dtype)
    cols = conv.im2col(x, k, stride=s, padding=p)
    unfolded = F.unfold(torch.from_numpy(x), k, padding=p, stride=s)  # (N, C*KH*KW, L), rows in (c, a, d) order
    expected = unfolded.permute(1, 0, 2).reshape(unfolded.shape[1], -1).numpy()
    assert cols.dtype == dtype
    np.testing.assert_array_equal(cols, expected)


@pytest.mark.parametrize("x_shape, f, k, s, p", SHAPES)
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-4), (np.float64, 1e-12)])
def test_conv2d_forward_im2col_matches_torch(x_shape, f, k, s, p, dtype, tol):
    rng = np.random.default_rng(1)
    x = rng.normal(size=x_shape).astype(dtype)
    w = rng.normal(size=(f, x_shape[1], *k)).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    out = conv.conv2d_forward_im2col(x, w, b, stride=s, padding=p)
    expected = F.conv2d(*(torch.from_numpy(a) for a in (x, w, b)), stride=s, padding=p).numpy()
    assert out.dtype == dtype and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(out, conv.conv2d_forward(x, w, b, stride=s, padding=p), rtol=tol, atol=tol)
    for chunk in (1, 2, 4):
        fast = conv.conv2d_forward_fast(x, w, b, stride=s, padding=p, chunk=chunk)
        assert fast.dtype == dtype and fast.shape == expected.shape
        np.testing.assert_allclose(fast, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("x_shape, f, k, s, p", SHAPES)
def test_col2im_matches_torch_fold(x_shape, f, k, s, p):
    n, c, h, w = x_shape
    cols = conv.im2col(np.zeros(x_shape), k, stride=s, padding=p)
    values = np.random.default_rng(2).normal(size=cols.shape)
    folded = F.fold(torch.from_numpy(values.reshape(cols.shape[0], n, -1).transpose(1, 0, 2).copy()),
                    (h, w), k, padding=p, stride=s).numpy()
    np.testing.assert_allclose(conv.col2im(values, x_shape, k, stride=s, padding=p), folded, atol=1e-12)


@pytest.mark.parametrize("x_shape, f, k, s, p", SHAPES)
def test_conv2d_backward_im2col_matches_autograd(x_shape, f, k, s, p):
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=x_shape), rng.normal(size=(f, x_shape[1], *k))
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.zeros(f, dtype=torch.float64, requires_grad=True)
    out = F.conv2d(xt, wt, bt, stride=s, padding=p)
    dout = rng.normal(size=tuple(out.shape))
    out.backward(torch.from_numpy(dout))
    dx, dw, db = conv.conv2d_backward_im2col(dout, x, w, stride=s, padding=p)
    for got, expected in ((dx, xt.grad), (dw, wt.grad), (db, bt.grad)):
        np.testing.assert_allclose(got, expected.numpy(), atol=1e-10)


@pytest.mark.parametrize("call, error, match", [
    (lambda: conv.im2col(np.zeros((3, 3)), 2), ValueError, r"`x` must be a 4-D array of shape \(N, C, H, W\)"),
    (lambda: conv.im2col(np.zeros((1, 1, 3, 3)), 0), ValueError, "`kernel_size` must be an integer >= 1"),
    (lambda: conv.im2col(np.zeros((1, 1, 3, 3)), (2, 2, 2)), ValueError, r"`kernel_size` must be an int or a pair"),
    (lambda: conv.im2col(np.zeros((1, 1, 3, 3)), 5), ValueError, "fit inside the padded input"),
    (lambda: conv.im2col(np.zeros((1, 1, 3, 3)), 2, stride=0), ValueError, "`stride` must be an integer >= 1"),
    (lambda: conv.conv2d_forward_im2col(np.zeros((1, 2, 3, 3)), np.zeros((1, 3, 2, 2)), np.zeros(1)), ValueError,
     "input channels"),
    (lambda: conv.col2im(np.zeros((4, 5)), (1, 1, 3, 3), 2), ValueError, r"`cols` must have shape \(C\*KH\*KW, N\*OH\*OW\)"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_im2col_integer_input_becomes_float():
    assert conv.im2col(np.arange(9).reshape(1, 1, 3, 3), 2).dtype == np.float64


# ------------------------------------------------------------------ PyTorch references

def test_build_cnn_shape_and_budget():
    model = unguarded(ref.build_cnn)()
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    n = sum(p.numel() for p in model.parameters())
    assert ref.count_parameters(model) == n == 29_178 <= ref.PARAM_BUDGET
    assert ref.count_parameters(ref.build_dense()) == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10


def _data(n=10, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 3, generator=gen), torch.randint(0, 2, (n,), generator=gen))


def test_train_one_epoch_matches_hand_computed_sgd():
    """Batches of 4, 4, 2 with plain SGD: replay every step with torch.autograd.grad."""
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    w, b = model.weight.detach().clone(), model.bias.detach().clone()
    ds = _data()
    loss = unguarded(ref.train_one_epoch)(model, ref.make_loader(ds, 4), torch.optim.SGD(model.parameters(), lr=0.5),
                                          nn.CrossEntropyLoss())
    total = 0.0
    for start in (0, 4, 8):
        x, y = ds.tensors[0][start:start + 4], ds.tensors[1][start:start + 4]
        w.requires_grad_(True)
        b.requires_grad_(True)
        batch_loss = F.cross_entropy(x @ w.T + b, y)
        gw, gb = torch.autograd.grad(batch_loss, (w, b))
        total += batch_loss.item() * len(y)
        w, b = (w - 0.5 * gw).detach(), (b - 0.5 * gb).detach()
    assert loss == pytest.approx(total / 10, rel=1e-6)
    torch.testing.assert_close(model.weight.detach(), w)
    torch.testing.assert_close(model.bias.detach(), b)
    assert model.training


def test_evaluate_matches_sklearn_and_leaves_eval_mode():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model.train()
    ds = _data(23, seed=4)
    acc = unguarded(ref.evaluate)(model, ref.make_loader(ds, 5))
    with torch.no_grad():
        predicted = model(ds.tensors[0]).argmax(1).numpy()  # model is in eval mode now
    assert not model.training
    assert acc == pytest.approx(metrics.accuracy_score(ds.tensors[1].numpy(), predicted))
    pred, labels = ref.predict(model, ref.make_loader(ds, 5))
    np.testing.assert_array_equal(pred, predicted)
    np.testing.assert_array_equal(ref.confusion_matrix(labels, pred, 2), metrics.confusion_matrix(labels, pred))


def test_make_loader_covers_every_example_once_and_shuffles_reproducibly():
    ds = TensorDataset(torch.arange(10), torch.arange(10))
    order = [int(v) for x, _ in ref.make_loader(ds, 3, shuffle=True, seed=5) for v in x]
    assert sorted(order) == list(range(10)) and order != list(range(10))
    assert order == [int(v) for x, _ in ref.make_loader(ds, 3, shuffle=True, seed=5) for v in x]
    assert [len(y) for _, y in ref.make_loader(ds, 4)] == [4, 4, 2]


def test_fashion_mnist_dataset_is_normalized():
    ds = ref.fashion_mnist_dataset("train", subset=True)
    x, y = ds.tensors
    assert x.shape == (5000, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert abs(x.mean().item()) < 0.05 and abs(x.std().item() - 1) < 0.05


def test_fit_trains_and_records_history():
    torch.manual_seed(0)
    ds = _data(40, seed=2)
    model = nn.Linear(3, 2)
    history = ref.fit(model, ref.make_loader(ds, 8), ref.make_loader(ds, 8), epochs=3, lr=0.1, progress=False)
    assert history["epoch"] == [1, 2, 3] and len(history["test_acc"]) == 3
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert all(0 <= a <= 1 for a in history["test_acc"]) and history["seconds"] == sorted(history["seconds"])
    with pytest.raises(ref.TrainingBudgetExceeded, match="budget of 0 s"):
        ref.fit(model, ref.make_loader(ds, 8), epochs=1, progress=False, budget_seconds=0)


def test_conv2d_backward_im2col_checks_dout_like_module_03():
    x, w = np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"`dout` must have the conv output's shape \(1, 1, 2, 2\); got shape \(1, 1, 3, 3\)"):
        conv.conv2d_backward_im2col(np.zeros((1, 1, 3, 3)), x, w)
    with pytest.raises(TypeError, match=r"`dout` must be a numpy array of shape \(N, F, OH, OW\)"):
        conv.conv2d_backward_im2col([[0.0]], x, w)
