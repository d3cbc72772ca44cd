"""Student-style implementations for the module-04 check tests: correct ones (several styles)
and buggy ones, each with one mistake a student makes that no listed mistake recreates (each
listed mistake is run through its check by the mistake-reachability test), and the broken loops
the training-run tests use."""

import numpy as np
import torch
from torch import nn

# ------------------------------------------------------------------ im2col

def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def _k(kernel_size):
    return (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)


def im2col_offsets(x, kernel_size, stride=1, padding=0):
    """Loop over the KH x KW kernel offsets only (CS231n's fast version)."""
    kh, kw = _k(kernel_size)
    n, c, h, w = x.shape
    oh, ow = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    xp = _pad(x.astype(float) if x.dtype.kind != "f" else x, padding)
    cols = np.empty((c, kh, kw, n, oh, ow), dtype=xp.dtype)
    for a in range(kh):
        for d in range(kw):
            cols[:, a, d] = xp[:, :, a:a + stride * oh:stride, d:d + stride * ow:stride].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def im2col_view(x, kernel_size, stride=1, padding=0):
    kh, kw = _k(kernel_size)
    x = x if x.dtype.kind == "f" else x.astype(float)
    win = np.lib.stride_tricks.sliding_window_view(_pad(x, padding), (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, oh, ow = win.shape[:4]
    return np.ascontiguousarray(win.transpose(1, 4, 5, 0, 2, 3)).reshape(c * kh * kw, n * oh * ow)


def im2col_positions_loop(x, kernel_size, stride=1, padding=0):
    """Right values, but one Python iteration per output position."""
    kh, kw = _k(kernel_size)
    n, c, h, w = x.shape
    oh, ow = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    xp = _pad(x, padding)
    cols = np.zeros((c * kh * kw, n * oh * ow), dtype=xp.dtype if xp.dtype.kind == "f" else float)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw].reshape(n, -1)
            cols[:, np.arange(n) * oh * ow + i * ow + j] = patch.T
    return cols


# ------------------------------------------------------------------ conv2d_forward_im2col

def conv_im2col_ok(x, w, b, stride=1, padding=0):
    f, c, kh, kw = w.shape
    n, _, h, wd = x.shape
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    out = w.reshape(f, -1) @ im2col_offsets(x, (kh, kw), stride, padding)
    return out.reshape(f, n, oh, ow).transpose(1, 0, 2, 3) + b[None, :, None, None]


def conv_im2col_tensordot(x, w, b, stride=1, padding=0):
    f, _, kh, kw = w.shape
    cols = im2col_view(x, (kh, kw), stride, padding)
    n = x.shape[0]
    oh, ow = (x.shape[2] + 2 * padding - kh) // stride + 1, (x.shape[3] + 2 * padding - kw) // stride + 1
    out = np.tensordot(w.reshape(f, -1), cols, axes=(1, 0)).reshape(f, n, oh, ow)
    return np.moveaxis(out, 0, 1) + b.reshape(1, f, 1, 1)


def conv_im2col_positions_loop(x, w, b, stride=1, padding=0):
    f, _, kh, kw = w.shape
    n = x.shape[0]
    oh, ow = (x.shape[2] + 2 * padding - kh) // stride + 1, (x.shape[3] + 2 * padding - kw) // stride + 1
    out = w.reshape(f, -1) @ im2col_positions_loop(x, (kh, kw), stride, padding)
    return out.reshape(f, n, oh, ow).transpose(1, 0, 2, 3) + b[None, :, None, None]


# ------------------------------------------------------------------ build_cnn

class NetSubclass(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


def cnn_sequential():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def cnn_subclass():
    return NetSubclass()


def cnn_dense_only():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))


def cnn_too_big():
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),  # no pooling: 25,088 features
                         nn.Flatten(), nn.Linear(32 * 28 * 28, 10))


def cnn_softmax():
    return nn.Sequential(*cnn_sequential(), nn.Softmax(dim=1))


def cnn_one_output():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(8 * 49, 1))


def cnn_no_activation():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1), nn.AvgPool2d(4),
                         nn.Flatten(), nn.Linear(8 * 49, 10))


class HardCodedBatch(NetSubclass):
    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(x.view(64, -1))


def cnn_hard_coded_batch():
    return HardCodedBatch()


def cnn_wrong_in_features():
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 14 * 14, 10))


class UnusedLayer(NetSubclass):
    def __init__(self):
        super().__init__()
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1)  # defined, never called


def cnn_unused_layer():
    return UnusedLayer()


def cnn_rgb_input():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(8 * 49, 10))


def cnn_no_return():
    model = cnn_sequential()  # noqa: F841  (forgot to return it)


# ------------------------------------------------------------------ train_one_epoch

def train_ok(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * x.shape[0]
        n += x.shape[0]
    return total / n


def train_tensor_total(model, loader, optimizer, loss_fn):
    """Zeroes with set_to_none=False, keeps the running total as a tensor, converts at the end."""
    model.train()
    total, n = torch.zeros(()), 0
    for x, y in loader:
        optimizer.zero_grad(set_to_none=False)
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        optimizer.step()
        total += loss.detach() * len(y)
        n += len(y)
    return float(total / n)


def train_returns_tensor(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total = total + loss * len(y)
        n += len(y)
    return total / n


def train_step_first(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        optimizer.step()
        loss.backward()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


# ------------------------------------------------------------------ evaluate

def evaluate_ok(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            n += len(y)
    return correct / n


def evaluate_inference_mode(model, loader):
    model.eval()
    hits = []
    with torch.inference_mode():
        for x, y in loader:
            hits.append(model(x).argmax(dim=-1) == y)
    return torch.cat(hits).float().mean().item()


def evaluate_percent(model, loader):
    return 100 * evaluate_ok(model, loader)


def evaluate_count(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct


def evaluate_tensor(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct = correct + (model(x).argmax(1) == y).sum()
            n += len(y)
    return correct / n


# ------------------------------------------------------------------ buggy implementations that pin a case name or message

def train_last_loss(model, loader, optimizer, loss_fn):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def im2col_keeps_integers(x, kernel_size, stride=1, padding=0):
    """Right columns, but an integer image gives integer columns."""
    kh, kw = _k(kernel_size)
    win = np.lib.stride_tricks.sliding_window_view(_pad(x, padding), (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, oh, ow = win.shape[:4]
    return np.ascontiguousarray(win.transpose(1, 4, 5, 0, 2, 3)).reshape(c * kh * kw, n * oh * ow)


def evaluate_over_len_loader(model, loader):
    """Divides by len(loader), the number of batches, not of examples."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct / len(loader)


def cnn_max_pool_only():
    """Convolutions and max pooling, no activation: nonlinear, but not what the notebook asks for."""
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


class FunctionalActivations(nn.Module):
    """Activations as calls in forward (F.relu, Tensor.tanh), no activation modules."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(self.conv2(x).tanh(), 2)
        return self.fc(x.flatten(1))


def cnn_functional_activations():
    return FunctionalActivations()


# ------------------------------------------------------------------ more correct forms (next to the bank's mistakes)

def cnn_dropout_head():
    """Dropout before the last linear layer (off in eval mode): the logits still come straight from nn.Linear."""
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.2),
                         nn.Linear(8 * 14 * 14, 10))


def train_over_dataset_len(model, loader, optimizer, loss_fn):
    """Weights by x.size(0) and divides by len(loader.dataset); zero_grad after step (grads start as None)."""
    model.train()
    total = 0.0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += loss.item() * x.size(0)
    return total / len(loader.dataset)


def evaluate_over_dataset_len(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            _, pred = torch.max(model(x), 1)
            correct += int((pred == y).sum())
    return correct / len(loader.dataset)


# ------------------------------------------------------------------ an activation after each convolution

class ManyActivations(nn.Module):
    """A different activation after each of four convolutions, as a module, a functional or a tensor method;
    batch norm before one activation and after another."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1)
        self.c3, self.c4 = nn.Conv2d(8, 16, 3, padding=1), nn.Conv2d(16, 16, 3, padding=1)
        self.bn, self.act = nn.BatchNorm2d(8), nn.LeakyReLU(0.1)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = nn.functional.gelu(self.bn(self.c1(x)))
        x = torch.max_pool2d(self.c2(x).relu_(), 2)
        x = self.c3(x)
        x = x * torch.sigmoid(x)  # SiLU written out
        x = torch.max_pool2d(torch.tanh(self.act(self.c4(x))), 2)
        return self.fc(x.flatten(1))


def cnn_many_activations():
    return ManyActivations()


def cnn_activation_before_batchnorm():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ELU(), nn.BatchNorm2d(8), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.SiLU(), nn.BatchNorm2d(16), nn.AvgPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


def cnn_fully_convolutional():
    """The last convolution gives the 10 class scores (averaged over positions): no activation after it."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 10, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())


def cnn_second_conv_without_activation():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def cnn_two_convs_back_to_back():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(4), nn.Flatten(), nn.Linear(8 * 7 * 7, 10))


def cnn_dropout_after_last_conv():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.Dropout2d(0.2), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
