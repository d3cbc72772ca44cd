"""Checks for module 04_training_cnns.

Introduced in notebooks/04_training_cnns.ipynb.  ``im2col`` and ``conv2d_forward_im2col`` are
compared with :mod:`cnncourse.ref.conv` and must not loop over output positions; the PyTorch
checks build their own small models and data, run the student's function and the
reference (:mod:`cnncourse.torch_ref.training`) from the same state, and compare what
comes out and what the model looks like afterwards.  ``hidden=True`` adds random cases
drawn from ``CNNCOURSE_GRADING_SEED``.  torch is imported on first use.
"""

import numbers
import time

import numpy as np

from ..ref import _guard, conv
from ..ref._common import _pad, _windows
from ..ref.conv import _kernel_pair
from .convolution_layers import _rand, conv_layer_cases
from ._core import (Case, CheckFailed, FixtureDriver, Mistake, _Mismatch, _student_error_message, grading_seed,
                    hidden_rng, require_no_position_loop, require_student_function, run_check)

#: The graded training run: course subset, epochs, batch size, learning rate, pass mark, and the
#: work budget in multiply-adds per image (the course CNN needs about 1.9 M).
TRAINING_RUN = {"epochs": 4, "batch_size": 64, "lr": 3e-3, "threshold": 0.80, "multiply_adds": 25_000_000}


# ------------------------------------------------------------------ im2col

def _cols(x, kernel_size, stride=1, padding=0, order=(1, 4, 5, 0, 2, 3), pad=_pad):
    """Trusted im2col with a chosen axis order of the (N, C, OH, OW, KH, KW) windows and padding rule."""
    kh, kw = _kernel_pair(kernel_size)
    win = _windows(pad(np.asarray(x, dtype=float), padding), kh, kw, stride).transpose(order)
    rows = int(np.prod(win.shape[:3]))
    return win.reshape(rows, -1)


def _pad_top_left(x, padding):
    return np.pad(x, ((0, 0), (0, 0), (2 * padding, 0), (2 * padding, 0)))


IM2COL_MISTAKES = [
    Mistake("stride ignored", lambda x, kernel_size, stride=1, padding=0: _cols(x, kernel_size, 1, padding),
            "step the windows `stride` pixels apart: OH = (H + 2*padding - KH) // stride + 1 columns per row of outputs."),
    Mistake("padding ignored", lambda x, kernel_size, stride=1, padding=0: _cols(x, kernel_size, stride, 0),
            "pad H and W with `padding` zeros on each side before taking the windows."),
    Mistake("padding on one side only",
            lambda x, kernel_size, stride=1, padding=0: _cols(x, kernel_size, stride, padding, pad=_pad_top_left),
            "pad `padding` zeros on *each* side: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))."),
    Mistake("rows in (kernel row, kernel column, channel) order",
            lambda x, kernel_size, stride=1, padding=0: _cols(x, kernel_size, stride, padding, (4, 5, 1, 0, 2, 3)),
            "the rows must follow w.reshape(F, C*KH*KW): channel first, then kernel row, then kernel column "
            "(row c*KH*KW + a*KW + d); otherwise each weight multiplies the wrong pixel."),
    Mistake("columns in (row, column, image) order",
            lambda x, kernel_size, stride=1, padding=0: _cols(x, kernel_size, stride, padding, (1, 4, 5, 2, 3, 0)),
            "order the columns image by image: column n*OH*OW + i*OW + j, so that the product reshapes to (F, N, OH, OW)."),
    Mistake("windows as rows (transposed)",
            lambda x, kernel_size, stride=1, padding=0: _cols(x, kernel_size, stride, padding).T,
            "each window is a *column*: return shape (C*KH*KW, N*OH*OW), not its transpose."),
    Mistake("kernel height and width swapped",
            lambda x, kernel_size, stride=1, padding=0: _cols(x, _kernel_pair(kernel_size)[::-1], stride, padding),
            "kernel_size=(KH, KW): KH rows (along H) by KW columns (along W)."),
]


def _im2col_loop_args(size):
    return (_rand((2, 2, size + 2, size + 2), 99), 3), {"stride": 1, "padding": 0}


def check_im2col(im2col, hidden=False):
    """Check ``im2col(x, kernel_size, stride=1, padding=0)`` -> (C*KH*KW, N*OH*OW)."""
    __tracebackhide__ = True
    c = lambda name, x, k, **kw: Case(name, (x, k), kw, dtype_rule="float")  # noqa: E731
    cases = [
        c("one 3x3 image, 2x2 windows", _rand((1, 1, 3, 3), 0), 2),
        c("2 channels: rows in (c, a, d) order", _rand((1, 2, 3, 3), 1), 2),
        c("a batch of 2: columns image by image", _rand((2, 1, 3, 4), 2), 2),
        c("stride 2", _rand((1, 1, 5, 5), 3), 3, stride=2),
        c("padding 1", _rand((1, 1, 3, 3), 4), 3, padding=1),
        c("kernel (2, 3), 2 channels, non-square image", _rand((1, 2, 4, 5), 5), (2, 3)),
        c("batch 2, 3 channels, stride 2, padding 1", _rand((2, 3, 6, 5), 6), 3, stride=2, padding=1),
        c("float32 input", _rand((2, 2, 5, 5), 7, np.float32), 3, padding=1),
    ]
    if hidden:  # the conv layer's hidden inputs, windows of its kernels' size
        layer_cases = [case for case in conv_layer_cases(hidden=True) if case.hidden]
        for i, case in enumerate(layer_cases):
            x, kernel = case.args[0], case.args[1].shape[2:]
            cases.append(Case(f"hidden #{i + 1} (x {x.shape}, kernel {kernel}, stride {case.kwargs['stride']}, "
                              f"padding {case.kwargs['padding']})", (x, kernel), case.kwargs, hidden=True))
    run_check(im2col, reference=conv.im2col, cases=cases, mistakes=IM2COL_MISTAKES)
    require_no_position_loop(im2col, "im2col", _im2col_loop_args)


# ------------------------------------------------------------------ conv2d_forward_im2col

def _gemm_conv(x, w, b, stride=1, padding=0, cols_order=(1, 4, 5, 0, 2, 3), w_order=(0, 1, 2, 3),
               out_transpose=True, bias=True):
    x, w, b = (np.asarray(a, dtype=float) for a in (x, w, b))
    f, _, kh, kw = w.shape
    n = x.shape[0]
    oh, ow = (x.shape[2] + 2 * padding - kh) // stride + 1, (x.shape[3] + 2 * padding - kw) // stride + 1
    prod = w.transpose(w_order).reshape(f, -1) @ _cols(x, (kh, kw), stride, padding, cols_order)  # (F, N*OH*OW)
    out = prod.reshape(f, n, oh, ow).transpose(1, 0, 2, 3) if out_transpose else prod.reshape(n, f, oh, ow)
    return out + b[None, :, None, None] if bias else out


CONV_IM2COL_MISTAKES = [
    Mistake("product reshaped to (N, F, OH, OW) without a transpose",
            lambda x, w, b, stride=1, padding=0: _gemm_conv(x, w, b, stride, padding, out_transpose=False),
            "w_mat @ cols has shape (F, N*OH*OW): reshape it to (F, N, OH, OW), then transpose to (N, F, OH, OW)."),
    Mistake("weights reshaped in (kernel row, kernel column, channel) order",
            lambda x, w, b, stride=1, padding=0: _gemm_conv(x, w, b, stride, padding, w_order=(0, 2, 3, 1)),
            "the column ordering must match the weight reshape: w.reshape(F, -1) is in (c, a, d) order, so "
            "im2col's rows must be too (no transpose of w before reshaping)."),
    Mistake("stride ignored", lambda x, w, b, stride=1, padding=0: _gemm_conv(x, w, b, 1, padding),
            "pass stride to im2col: OH = (H + 2*padding - KH) // stride + 1."),
    Mistake("padding ignored", lambda x, w, b, stride=1, padding=0: _gemm_conv(x, w, b, stride, 0),
            "pass padding to im2col, so the windows are taken from the zero-padded input."),
    Mistake("bias missing", lambda x, w, b, stride=1, padding=0: _gemm_conv(x, w, b, stride, padding, bias=False),
            "add b[f] to every output of filter f: out + b[None, :, None, None]."),
    Mistake("kernel flipped (true convolution)",
            lambda x, w, b, stride=1, padding=0: _gemm_conv(x, np.asarray(w)[:, :, ::-1, ::-1], b, stride, padding),
            "a conv layer computes cross-correlation: no flipping of the kernels."),
]


def _conv_loop_args(size):
    return (_rand((2, 2, size + 2, size + 2), 98), _rand((3, 2, 3, 3), 97), np.zeros(3)), {"stride": 1, "padding": 0}


def check_conv2d_forward_im2col(conv2d_forward_im2col, hidden=False):
    """Check ``conv2d_forward_im2col(x, w, b, stride=1, padding=0)`` -> (N, F, OH, OW)."""
    __tracebackhide__ = True
    cases = conv_layer_cases(hidden)  # the module-02 layer cases: same contract, computed another way
    run_check(conv2d_forward_im2col, reference=conv.conv2d_forward_im2col, cases=cases, mistakes=CONV_IM2COL_MISTAKES)
    require_no_position_loop(conv2d_forward_im2col, "conv2d_forward_im2col", _conv_loop_args)


# ------------------------------------------------------------------ PyTorch: shared pieces

def _torch():
    import torch

    return torch


def _number_view(what, hint_tensor):
    """Project a returned number to a 0-d float32 array, or explain why it is not one."""
    def view(output):
        value, rest = output[0], output[1:]
        torch = _torch()
        if value is None:
            raise _Mismatch("none", f"expected a float ({what}), got NoneType. Did you forget a `return`?",
                            "end the function with `return <the number>`.")
        if isinstance(value, torch.Tensor):
            raise _Mismatch("type", f"expected a Python float ({what}), got a torch.Tensor {tuple(value.shape)}.",
                            hint_tensor)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise _Mismatch("type", f"expected a Python float ({what}), got {type(value).__name__}.")
        return (np.array(float(value), dtype=np.float32), *rest)
    return view


# ------------------------------------------------------------------ train_one_epoch

def _run_train(train_one_epoch):
    drive = FixtureDriver(train_one_epoch)

    def run(spec):
        return drive("run_train", train_one_epoch, spec)
    run.inner = train_one_epoch  # the function as a student would pass it
    return run


def _train_variant(zero=True, train_mode=True, average="examples", step=True):
    """A train_one_epoch with one thing done wrong."""
    def variant(model, loader, optimizer, loss_fn):
        if train_mode:
            model.train()
        total, count, losses = 0.0, 0, []
        for x, y in loader:
            if zero:
                optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            if step:
                optimizer.step()
            total += loss.item() * len(y)
            count += len(y)
            losses.append(loss.item())
        return {"examples": total / max(count, 1), "batches": float(np.mean(losses)), "sum": float(np.sum(losses)),
                "last": losses[-1]}[average]
    return variant


TRAIN_MISTAKES = [
    Mistake("gradients not zeroed", _run_train(_train_variant(zero=False)),
            "call optimizer.zero_grad() before each backward pass; otherwise every batch adds its gradient to "
            "the previous batches' ones."),
    Mistake("model not put in training mode", _run_train(_train_variant(train_mode=False)),
            "call model.train() at the start: evaluate() leaves the model in eval mode, where batch norm uses "
            "its running statistics and dropout is off."),
    Mistake("loss averaged over batches, not examples", _run_train(_train_variant(average="batches")),
            "weight each batch's mean loss by its size (loss.item() * len(y)) and divide by the number of "
            "examples: a short last batch must count for what it holds."),
    Mistake("loss summed, not averaged", _run_train(_train_variant(average="sum")),
            "return the mean loss per example: total / number of examples."),
    Mistake("returned the last batch's loss", _run_train(_train_variant(average="last")),
            "add up the loss of every batch over the epoch, then divide by the number of examples."),
    Mistake("weights never updated", _run_train(_train_variant(step=False)),
            "call optimizer.step() after loss.backward(), once per batch: backward computes the gradients, step "
            "uses them to change the weights (a step before backward finds no gradients yet)."),
]


def _train_cases(hidden):
    c = lambda name, is_hidden=False, **spec: Case(name, (spec,), project=_number_view(  # noqa: E731
        "the epoch's mean loss", "add loss.item() (a Python float), not the loss tensor, to your total."),
        item_names=("the returned mean loss", "the model's weights after the epoch"), hidden=is_hidden)
    cases = [
        c("one batch of 8, SGD", model="linear", seed=1, n=8, batch_size=8, optimizer="sgd", lr=0.5),
        c("3 batches (4, 4, 2), SGD", model="linear", seed=2, n=10, batch_size=4, optimizer="sgd", lr=0.5),
        c("SGD with momentum, 4 batches", model="linear", seed=3, n=16, batch_size=4, optimizer="sgd", lr=0.2,
          momentum=0.9),
        c("batch norm, model handed over in eval mode", model="batchnorm", seed=4, n=12, batch_size=5,
          optimizer="sgd", lr=0.3, eval_first=True),
        c("a small CNN with Adam, 3 batches (6, 6, 3)", model="cnn", seed=5, n=15, batch_size=6, optimizer="adam",
          lr=0.01),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            n, bs = int(rng.integers(7, 20)), int(rng.integers(2, 7))
            model = ("linear", "batchnorm", "cnn")[i % 3]
            cases.append(c(f"hidden #{i + 1} ({model}, {n} examples in batches of {bs})", True, model=model,
                           seed=int(rng.integers(0, 10_000)), n=n, batch_size=bs,
                           optimizer="adam" if i % 2 else "sgd", lr=float(rng.uniform(0.01, 0.3)),
                           momentum=0.5, eval_first=bool(i % 2)))
    return cases


def check_train_one_epoch(train_one_epoch, hidden=False):
    """Check ``train_one_epoch(model, loader, optimizer, loss_fn)`` -> the epoch's mean loss (float)."""
    __tracebackhide__ = True
    from ..torch_ref import training as ref

    require_student_function(train_one_epoch, "train_one_epoch")
    run_check(_run_train(train_one_epoch), reference=_run_train(ref.train_one_epoch), cases=_train_cases(hidden),
              mistakes=TRAIN_MISTAKES, name="train_one_epoch")


# ------------------------------------------------------------------ evaluate

def _run_eval(evaluate):
    drive = FixtureDriver(evaluate)

    def run(spec):
        return drive("run_eval", evaluate, spec)
    run.inner = evaluate
    return run


def _eval_variant(eval_mode=True, no_grad=True, average="examples", dim=1):
    def variant(model, loader):
        torch = _torch()
        if eval_mode:
            model.eval()
        correct, count, accs = 0, 0, []
        with torch.no_grad() if no_grad else torch.enable_grad():
            for x, y in loader:
                pred = model(x).argmax(dim=dim)
                hits = (pred == y).sum().item() if pred.shape == y.shape else 0
                correct += hits
                count += len(y)
                accs.append(hits / len(y))
        return {"examples": correct / count, "batches": float(np.mean(accs)), "count": correct,
                "percent": 100.0 * correct / count, "last": accs[-1]}[average]
    return variant


EVAL_MISTAKES = [
    Mistake("model left in train mode", _run_eval(_eval_variant(eval_mode=False)),
            "call model.eval() first: in train mode batch norm normalizes with each batch's own statistics "
            "(and updates its running ones), and dropout drops units."),
    Mistake("autograd left on", _run_eval(_eval_variant(no_grad=False)),
            "wrap the loop in `with torch.no_grad():` so no computation graph is built while evaluating."),
    Mistake("mean of per-batch accuracies", _run_eval(_eval_variant(average="batches")),
            "count correct predictions over all batches and divide by the number of examples: a short last "
            "batch would otherwise count as much as a full one."),
    Mistake("returned the number of correct predictions", _run_eval(_eval_variant(average="count")),
            "divide the number correct by the number of examples: accuracy is a fraction in [0, 1]."),
    Mistake("accuracy in percent", _run_eval(_eval_variant(average="percent")),
            "return a fraction in [0, 1], not a percentage."),
    Mistake("returned the last batch's accuracy", _run_eval(_eval_variant(average="last")),
            "add up the correct predictions of every batch, then divide once at the end."),
]


def check_evaluate(evaluate, hidden=False):
    """Check ``evaluate(model, loader)`` -> accuracy in [0, 1] (float)."""
    __tracebackhide__ = True
    from ..torch_ref import training as ref

    require_student_function(evaluate, "evaluate")
    view = _number_view("the accuracy", "count with (pred == y).sum().item() so the total is a Python number.")
    c = lambda name, is_hidden=False, **spec: Case(name, (spec,), project=view, hidden=is_hidden,  # noqa: E731
                                                   item_names=("the returned accuracy", "the model's weights and "
                                                               "statistics afterwards",
                                                               "forward passes that recorded gradients"))
    cases = [
        c("one batch of 9", model="linear", seed=11, n=9, batch_size=9, optimizer="sgd", lr=0.1),
        c("3 batches (4, 4, 2)", model="linear", seed=12, n=10, batch_size=4, optimizer="sgd", lr=0.1),
        c("batch norm, model handed over in train mode", model="batchnorm", seed=13, n=12, batch_size=5,
          optimizer="sgd", lr=0.1),
        c("a small CNN, batches (8, 8, 3)", model="cnn", seed=14, n=19, batch_size=8, optimizer="sgd", lr=0.1),
    ]
    if hidden:
        rng = hidden_rng()
        for i in range(4):
            n, bs = int(rng.integers(7, 30)), int(rng.integers(2, 9))
            model = ("linear", "batchnorm", "cnn")[i % 3]
            cases.append(c(f"hidden #{i + 1} ({model}, {n} examples in batches of {bs})", True, model=model,
                           seed=int(rng.integers(0, 10_000)), n=n, batch_size=bs, optimizer="sgd", lr=0.1))
    run_check(_run_eval(evaluate), reference=_run_eval(ref.evaluate), cases=cases, mistakes=EVAL_MISTAKES,
              name="evaluate")


# ------------------------------------------------------------------ build_cnn

def _fail(fname, case, message, hint):
    raise CheckFailed(f"{fname}() failed on case '{case}': {message}\n  Hint: {hint}")


def _forward(drive, model, x, fname, case):
    """The model's eval-mode output for ``x``; any exception of the student's code becomes a CheckFailed."""
    __tracebackhide__ = True
    try:
        with _guard.student_code():
            return drive("forward", model, x)
    except Exception as exc:
        text = str(exc)
        if "invalid for input of size" in text:
            hint = ("a reshape does not fit: flatten with nn.Flatten() or x.flatten(1), which keep the batch axis; "
                    "never hard-code the batch size.")
        elif "shape" in text:
            hint = ("the first nn.Linear after nn.Flatten needs in_features = channels x height x width of the last "
                    "feature maps (print the shape after each layer); and never hard-code the batch size in a reshape.")
        else:
            hint = "run model(torch.zeros(2, 1, 28, 28)) yourself and read the traceback."
        _fail(fname, case, f"model(x) raised {type(exc).__name__}: {exc}", hint)


def _student_step(fname, case, func, *args):
    """``func(*args)`` with the references locked; the student's exception becomes a CheckFailed."""
    __tracebackhide__ = True
    try:
        with _guard.student_code():
            return func(*args)
    except CheckFailed:
        raise
    except Exception as exc:
        raise CheckFailed(_student_error_message(fname, Case(case), exc)) from None


def _model_rules(drive, build_cnn, hidden, seed=0, fname="build_cnn"):
    """Build the model and apply build_cnn's rules; return (model, facts, trainable parameter count)."""
    __tracebackhide__ = True
    torch = _torch()
    from ..helpers.training import PARAM_BUDGET

    model = _student_step(fname, "build the model", drive, "build_model", build_cnn, seed)
    if model is None:
        _fail(fname, "build the model", "expected an nn.Module, got NoneType. Did you forget a `return`?",
              "end the function with `return model`.")
    facts = _student_step(fname, "build the model", drive, "describe_model", model)
    if not facts["is_module"]:
        _fail(fname, "build the model", f"expected an nn.Module, got {facts['type']}.",
              "return the network itself, e.g. nn.Sequential(...), not its output or its class.")
    convs = facts["conv_in_channels"]
    if not convs:
        _fail(fname, "it is a CNN", "the model has no nn.Conv2d layer.",
              "this is a dense network; start with convolution blocks (nn.Conv2d -> activation -> pooling).")
    n_params = sum(int(np.prod(shape)) for _, shape, trainable in facts["parameters"] if trainable)
    if n_params > PARAM_BUDGET:
        _fail(fname, f"at most {PARAM_BUDGET:,} parameters", f"the model has {n_params:,} trainable parameters.",
              "pool earlier or use fewer channels; the first nn.Linear after Flatten usually holds most of "
              "them (in_features x out_features).")
    if convs[0] != 1:
        _fail(fname, "grayscale input", f"the first nn.Conv2d expects {convs[0]} input channels.",
              "Fashion-MNIST images have 1 channel: nn.Conv2d(1, ...).")

    gen = torch.Generator().manual_seed(grading_seed() if hidden else 7)
    batch = 5 if not hidden else int(hidden_rng().integers(3, 9))
    x = torch.randn(batch, 1, 28, 28, generator=gen)
    case = f"a batch of {batch} images"
    out = _forward(drive, model, x, fname, case)
    if not isinstance(out, torch.Tensor):
        _fail(fname, case, f"model(x) returned {type(out).__name__}, not a tensor.",
              "forward must return the logits tensor.")
    if tuple(out.shape) != (batch, 10):
        hint = ("one output per class: the last layer is nn.Linear(..., 10)." if out.ndim == 2 and out.shape[0] == batch
                else "flatten with nn.Flatten() (or x.flatten(1)), which keeps the batch axis; never hard-code the "
                     "batch size in a reshape.")
        _fail(fname, case, f"expected logits of shape ({batch}, 10), got {tuple(out.shape)}.", hint)
    out = out.float()
    if not torch.isfinite(out).all():
        _fail(fname, case, "the logits contain NaN or inf.", "look for a division by zero or a log of zero in forward.")
    sums = out.sum(dim=1)
    if (out >= 0).all() and torch.allclose(sums, torch.ones_like(sums), atol=1e-4):
        _fail(fname, "outputs are logits", "each row of the output sums to 1: the model ends with a softmax.",
              "return raw scores (logits): nn.CrossEntropyLoss applies log-softmax itself, and a softmax before "
              "it slows training down.")
    alone = torch.cat([_forward(drive, model, x[i:i + 1], fname, "one image at a time").float() for i in range(batch)])
    if alone.shape != out.shape or not torch.allclose(alone, out, rtol=1e-4, atol=1e-5):
        _fail(fname, "one image at a time", "an image's logits change with the other images in the batch.",
              "in eval mode every image must be processed on its own; check reshapes that mix the batch axis "
              "(x.view(-1, ...) with the wrong feature count).")
    x2 = torch.randn(batch, 1, 28, 28, generator=gen)
    zero = _forward(drive, model, torch.zeros_like(x), fname, "has a nonlinearity").float()
    both = _forward(drive, model, x + x2, fname, "has a nonlinearity").float()
    second = _forward(drive, model, x2, fname, "has a nonlinearity").float()
    if torch.allclose(both + zero, out + second, rtol=1e-4, atol=1e-4):
        _fail(fname, "has a nonlinearity", "the model is affine: f(a + b) + f(0) = f(a) + f(b).",
              "put an activation such as nn.ReLU() after each convolution (and hidden linear layer); without one "
              "the stack collapses to a single linear map.")
    missing = _student_step(fname, "train mode, one backward pass", drive, "missing_gradients", model, x,
                            torch.arange(batch) % 10)
    if missing:
        _fail(fname, "every parameter is trained", f"parameter `{missing[0]}` got no gradient.",
              "every layer you create must be used in forward (and nothing may be detached); unused layers only "
              "cost parameters.")
    return model, facts, n_params


def check_build_cnn(build_cnn, hidden=False):
    """Check ``build_cnn()``: an ``nn.Module`` with convolutions, mapping (N, 1, 28, 28) to logits (N, 10).

    Also checks the parameter budget (:data:`cnncourse.helpers.training.PARAM_BUDGET`),
    that outputs are logits (not probabilities), that the network is not affine (has a
    nonlinearity), that each image's logits do not depend on the rest of the batch, and
    that every parameter gets a gradient.  Lazy layers get their shapes from one forward
    pass first.
    """
    __tracebackhide__ = True
    from ..helpers.training import PARAM_BUDGET

    fname = "build_cnn"
    require_student_function(build_cnn, fname)
    _, facts, n_params = _model_rules(FixtureDriver(build_cnn), build_cnn, hidden)
    n_convs = len(facts["conv_in_channels"])
    print(f"{fname}: all checks passed ({n_params:,} parameters, budget {PARAM_BUDGET:,}; "
          f"{n_convs} convolution layer{'s' if n_convs > 1 else ''}).")


# ------------------------------------------------------------------ the training run

def initial_parameters(parameters, seed):
    """Starting weights the grader sets, drawn like PyTorch's defaults for conv, linear and norm layers.

    ``parameters`` is a list of (name, shape, trainable).  A weight with two or more axes
    and its layer's bias are uniform in ±1/sqrt(fan_in) (fan_in = the weight's size over its
    first axis); a one-axis weight (batch norm's scale) is 1 and its bias 0.

    >>> init = initial_parameters([("0.weight", [4, 1, 3, 3], True), ("0.bias", [4], True)], seed=0)
    >>> init["0.weight"].shape, bool(abs(init["0.bias"]).max() <= 1 / 3)
    ((4, 1, 3, 3), True)
    """
    rng = np.random.default_rng(seed)
    shapes = {name: tuple(shape) for name, shape, _ in parameters}
    values = {}
    for name, shape in shapes.items():
        layer, _, kind = name.rpartition(".")
        weight = shapes.get(f"{layer}.weight" if layer else "weight")
        if len(shape) >= 2:
            bound = 1.0 / np.sqrt(max(int(np.prod(shape[1:])), 1))
            values[name] = rng.uniform(-bound, bound, shape)
        elif weight is not None and len(weight) >= 2 and kind == "bias":
            bound = 1.0 / np.sqrt(max(int(np.prod(weight[1:])), 1))
            values[name] = rng.uniform(-bound, bound, shape)
        else:
            values[name] = np.ones(shape) if kind == "weight" else np.zeros(shape)
    return {name: value.astype(np.float32) for name, value in values.items()}


def _cross_entropy(logits, labels):
    z = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(labels)), labels]))


def check_training_run(build_cnn, train_one_epoch, evaluate, hidden=False, progress=True):
    """Train your CNN with your loop on the course subset; its test accuracy must reach the pass mark.

    The recipe is fixed (:data:`TRAINING_RUN`: the course subset of 5,000 training and
    1,000 test images, which every data source provides identically; batch size, AdamW with
    the learning rate decayed linearly per epoch, epochs; a fixed seed, or
    ``CNNCOURSE_GRADING_SEED`` when ``hidden``), so the grade repeats online, offline and in CI.

    The model must obey ``build_cnn``'s rules and cost at most ``TRAINING_RUN["multiply_adds"]``
    multiply-adds per image (a work budget: no grade depends on the machine's speed).  The
    check sets the starting weights itself, calls your ``train_one_epoch`` once per epoch
    with a plain ``DataLoader``, computes the test accuracy from your model's logits (the
    test labels never reach your code), and requires the loss on a fixed batch to fall.
    Your ``evaluate`` must agree with the accuracy computed from logits on a training batch.
    Returns the history for plotting.
    """
    __tracebackhide__ = True
    from ..helpers.training import fashion_mnist_dataset

    for func, fname in ((build_cnn, "build_cnn"), (train_one_epoch, "train_one_epoch"), (evaluate, "evaluate")):
        require_student_function(func, fname)
    drive = FixtureDriver(build_cnn)
    recipe = TRAINING_RUN
    seed = grading_seed() if hidden else 0
    case = f"training run ({'hidden, ' if hidden else ''}seed {seed})"
    x_train, y_train = (t.numpy() for t in fashion_mnist_dataset("train", subset=True).tensors)
    x_test, y_test = (t.numpy() for t in fashion_mnist_dataset("test", subset=True).tensors)
    x_probe, y_probe = x_train[:500], y_train[:500]

    model, facts, _ = _model_rules(drive, build_cnn, hidden, seed=seed, fname="training_run")
    macs = _student_step("training_run", case, drive, "multiply_adds", model)
    if macs > recipe["multiply_adds"]:
        _fail("training_run", case, f"the model costs {macs / 1e6:.1f} M multiply-adds per image; the budget is "
              f"{recipe['multiply_adds'] / 1e6:.0f} M.",
              "make the model cheaper: pool earlier, fewer channels in the first layers (the 28x28 ones cost most).")
    _student_step("training_run", case, drive, "load_parameters", model,
                  initial_parameters(facts["parameters"], seed))
    loader = drive("make_loader", x_train, y_train, recipe["batch_size"], seed)
    optimizer = _student_step("training_run", case, drive, "make_optimizer", model, recipe["lr"])
    probe_loader = drive("make_loader", x_probe, y_probe, 100, seed)
    start_loss = _cross_entropy(_student_step("training_run", case, drive, "logits", model, x_probe), y_probe)
    start_weights = _student_step("training_run", case, drive, "parameter_vector", model)

    history = {"epoch": [], "train_loss": [], "train_acc": [], "test_acc": [], "seconds": []}
    started = time.perf_counter()
    epochs = range(1, recipe["epochs"] + 1)
    if progress and drive.worker is None:
        from tqdm.auto import tqdm

        epochs = tqdm(epochs, desc="training run", unit="epoch")
    for epoch in epochs:
        lr = recipe["lr"] * (1 - (epoch - 1) / recipe["epochs"])
        loss = _student_step("train_one_epoch", f"{case}, epoch {epoch}", drive, "train_epoch", train_one_epoch,
                             model, loader, optimizer, lr, seed + epoch)
        test_logits = _student_step("training_run", case, drive, "logits", model, x_test)
        if not isinstance(test_logits, np.ndarray) or test_logits.shape != (len(y_test), 10):
            _fail("training_run", case, "the model's output changed shape during training.", "check build_cnn.")
        probe_logits = _student_step("training_run", case, drive, "logits", model, x_probe)
        acc = _student_step("evaluate", f"{case}, epoch {epoch}", drive, "call", evaluate, model, probe_loader)
        if not isinstance(acc, numbers.Real) or isinstance(acc, bool) or not 0.0 <= float(acc) <= 1.0:
            shown = f"{acc:g}" if isinstance(acc, numbers.Real) else type(acc).__name__
            _fail("training_run", case, f"evaluate returned {shown}, not an accuracy in [0, 1].",
                  "fix evaluate first: run its check.")
        probe_acc = float(np.mean(probe_logits.argmax(axis=1) == y_probe))
        if abs(float(acc) - probe_acc) > 1e-6:
            _fail("training_run", case, f"evaluate returned {float(acc):.4f} on 500 training images, but the model's "
                  f"logits give {probe_acc:.4f}.", "fix evaluate first: run its check.")
        test_acc = float(np.mean(test_logits.argmax(axis=1) == y_test))
        for key, value in zip(history, (epoch, loss, probe_acc, test_acc, time.perf_counter() - started)):
            history[key].append(value)
    end_loss = _cross_entropy(probe_logits, y_probe)
    acc = history["test_acc"][-1]
    end_weights = _student_step("training_run", case, drive, "parameter_vector", model)
    if end_weights.shape == start_weights.shape and np.array_equal(end_weights, start_weights):
        _fail("training_run", case, "the model's weights did not change during training, so the loss did not go "
              "down.", "check train_one_epoch: zero_grad, backward, then step, in that order (a step before "
              "backward finds no gradients).")
    if not end_loss < start_loss:
        _fail("training_run", case, f"the loss on a fixed batch of training images went from {start_loss:.3f} to "
              f"{end_loss:.3f}: the model did not learn.",
              "the loss did not go down: check train_one_epoch (zero_grad, backward, step, in that order) and that "
              "build_cnn returns logits.")
    if acc < recipe["threshold"]:
        if acc <= 0.15:
            hint = "chance level is 0.10: check train_one_epoch (zero_grad, backward, step) and build_cnn."
        else:
            hint = ("the model trains but not well enough: compare yours with the architecture in the lecture "
                    "(conv -> batch norm -> ReLU -> pool blocks, then one linear layer).")
        _fail("training_run", case, f"test accuracy {acc:.3f} after {recipe['epochs']} epochs; the pass mark is "
              f"{recipe['threshold']:.2f}.", hint)
    print(f"training_run: passed: test accuracy {acc:.3f} (pass mark {recipe['threshold']:.2f}) after "
          f"{recipe['epochs']} epochs; {macs / 1e6:.2f} M multiply-adds per image.")
    return history
