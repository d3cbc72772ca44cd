"""Checks for module 04_training_cnns.

Introduced in notebooks/04_training_cnns_lecture.ipynb.  ``im2col`` and ``conv2d_forward_im2col`` are
compared with :mod:`cnncourse.ref.conv` and must not loop over output positions; the PyTorch
checks build their own small models and data, run the student's function and the
reference (:mod:`cnncourse.torch_ref.training`) from the same state, and compare what
comes out and what the model looks like afterwards.  ``hidden=True`` adds random cases
drawn from ``CNNCOURSE_GRADING_SEED``.  torch is imported on first use.
"""

import functools
import numbers
import time
from collections.abc import Callable

import numpy as np

from ..ref import conv
from ..ref.conv import _kernel_pair
from ._core import Case, Mismatch, Mistake, grading_seed, hidden_rng, random_array, require_student_function, run_check
from ._properties import FixtureDriver, Property, check_properties, require_no_position_loop
from .convolution_layers import conv_layer_cases

_rand = functools.partial(random_array, integers=(-3, 4))  # as module 02's layer cases

#: The graded training run: course subset, epochs, batch size, learning rate, pass mark, and the
#: work budget in multiply-adds per image (the course CNN needs about 1.9 M).
TRAINING_RUN = {"epochs": 4, "batch_size": 64, "lr": 3e-3, "threshold": 0.80, "multiply_adds": 25_000_000}


# ------------------------------------------------------------------ im2col

def _geometry(a):
    """(N, C, KH, KW, OH, OW) of an im2col call, from its arguments as called."""
    n, c, h, w = np.shape(a.x)
    (kh, kw), s, p = _kernel_pair(a.kernel_size), a.stride, a.padding
    return n, c, kh, kw, (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1


def _pad_as(x, before, after, mode="constant"):
    return np.pad(x, ((0, 0), (0, 0), (before, after), (before, after)), mode=mode)


def _rows_kernel_first(cols, a):
    (kh, kw), c = _kernel_pair(a.kernel_size), a.x.shape[1]
    return cols.reshape(c, kh, kw, -1).transpose(1, 2, 0, 3).reshape(c * kh * kw, -1)


def _rows_column_first(cols, a):
    (kh, kw), c = _kernel_pair(a.kernel_size), a.x.shape[1]
    return cols.reshape(c, kh, kw, -1).transpose(0, 2, 1, 3).reshape(c * kh * kw, -1)


def _columns_image_last(cols, a):
    n = a.x.shape[0]
    return cols.reshape(len(cols), n, -1).transpose(0, 2, 1).reshape(len(cols), -1)


def _image_axis_first(cols, a):
    n, c, kh, kw, oh, ow = _geometry(a)
    return cols.reshape(c, kh, kw, n, oh, ow).transpose(3, 0, 1, 2, 4, 5).reshape(cols.shape)


def _windows_reshaped_unmoved(cols, a):
    n, c, kh, kw, oh, ow = _geometry(a)  # (N, C, OH, OW, KH, KW) windows reshaped to (N*OH*OW, C*KH*KW), then .T
    return cols.reshape(c, kh, kw, n, oh, ow).transpose(3, 0, 4, 5, 1, 2).reshape(n * oh * ow, -1).T


def _positions_cropped(cols, a, rows, columns):
    """Columns of the windows at output positions [:rows, :columns] of a stride-1 im2col's output ``cols``."""
    n, c, kh, kw = _geometry(a)[:4]
    _, _, h, w = np.shape(a.x)
    oh1, ow1 = h + 2 * a.padding - kh + 1, w + 2 * a.padding - kw + 1
    return cols.reshape(c * kh * kw, n, oh1, ow1)[:, :, :rows, :columns].reshape(c * kh * kw, -1)


def _windows_at_i_j(cols, a):
    oh, ow = _geometry(a)[4:]
    return _positions_cropped(cols, a, oh, ow)


def _one_position_short(cols, a):
    n, c, kh, kw, oh, ow = _geometry(a)
    return cols.reshape(c * kh * kw, n, oh, ow)[:, :, :oh - 1, :ow - 1].reshape(c * kh * kw, -1)


IM2COL_MISTAKES = [
    Mistake("stride ignored", args={"stride": 1},
            hint="step the windows `stride` pixels apart: OH = (H + 2*padding - KH) // stride + 1 columns per row "
                 "of outputs."),
    Mistake("windows start at (i, j), not (i*stride, j*stride)", args={"stride": 1}, output=_windows_at_i_j,
            hint="the window of output (i, j) starts at pixel (i*stride, j*stride): slice "
                 "xpad[:, :, a:a + stride*OH:stride, d:d + stride*OW:stride] (in a loop: i*stride:i*stride + KH)."),
    Mistake("padding ignored", args={"padding": 0},
            hint="pad H and W with `padding` zeros on each side before taking the windows."),
    Mistake("padding on one side only",
            args=lambda a: {"x": _pad_as(a.x, 2 * a.padding, 0), "padding": 0},
            hint="pad `padding` zeros on *each* side: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))."),
    Mistake("image not centred in the padded array",
            args=lambda a: {"x": _pad_as(a.x, 0, 2 * a.padding), "padding": 0},
            hint="copy the image to xpad[:, :, p:p + H, p:p + W], so that `padding` zeros lie on each side; or use "
                 "np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))."),
    Mistake("np.pad(x, padding) pads every axis", args=lambda a: {"x": np.pad(a.x, a.padding), "padding": 0},
            hint="np.pad(x, p) also pads the batch and channel axes: give one (before, after) pair per axis, "
                 "np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))."),
    Mistake("padded with edge values, not zeros",
            args=lambda a: {"x": _pad_as(a.x, a.padding, a.padding, "edge"), "padding": 0},
            hint="a conv layer pads with zeros: np.pad's default mode='constant', not 'edge'."),
    Mistake("padded by reflection, not zeros",
            args=lambda a: {"x": _pad_as(a.x, a.padding, a.padding, "reflect"), "padding": 0},
            hint="a conv layer pads with zeros: np.pad's default mode='constant', not 'reflect'."),
    Mistake("output size without the + 1", output=_one_position_short,
            hint="OH = (H + 2*padding - KH) // stride + 1: the + 1 counts the window at position 0."),
    Mistake("batch and channel axes mixed by a reshape",
            args=lambda a: {"x": np.asarray(a.x).reshape(np.shape(a.x)[1], np.shape(a.x)[0],
                                                         *np.shape(a.x)[2:]).transpose(1, 0, 2, 3)},
            hint="reshape relabels axes without moving the data: turn the (N, C, OH, OW) slice into (C, N, OH, OW) "
                 "with .transpose(1, 0, 2, 3)."),
    Mistake("rows in (kernel row, kernel column, channel) order", output=_rows_kernel_first,
            hint="the rows must follow w.reshape(F, C*KH*KW): channel first, then kernel row, then kernel column "
                 "(row c*KH*KW + a*KW + d); otherwise each weight multiplies the wrong pixel."),
    Mistake("kernel column before kernel row", output=_rows_column_first,
            hint="row c*KH*KW + a*KW + d: kernel row a before kernel column d, as in w.reshape(F, C*KH*KW)."),
    Mistake("columns in (row, column, image) order", output=_columns_image_last,
            hint="order the columns image by image: column n*OH*OW + i*OW + j, so that the product reshapes to "
                 "(F, N, OH, OW)."),
    Mistake("image axis first", output=_image_axis_first,
            hint="a reshape never moves an axis: build the array as (C, KH, KW, N, OH, OW) (or transpose it to "
                 "that) before reshaping it to (C*KH*KW, N*OH*OW)."),
    Mistake("windows reshaped without moving their axes", output=_windows_reshaped_unmoved,
            hint="sliding_window_view gives (N, C, OH, OW, KH, KW): transpose it to (C, KH, KW, N, OH, OW) before "
                 "reshaping to (C*KH*KW, N*OH*OW); a reshape alone regroups the numbers without moving them."),
    Mistake("windows as rows (transposed)", output=lambda cols, a: cols.T,
            hint="each window is a *column*: return shape (C*KH*KW, N*OH*OW), not its transpose."),
    Mistake("windows as rows (reshaped)", output=lambda cols, a: cols.reshape(cols.shape[::-1]),
            hint="each window is a *column*: reshape to (C*KH*KW, N*OH*OW); a reshape to (N*OH*OW, C*KH*KW) cuts "
                 "the same numbers into the wrong rows."),
    Mistake("kernel height and width swapped", args=lambda a: {"kernel_size": _kernel_pair(a.kernel_size)[::-1]},
            hint="kernel_size=(KH, KW): KH rows (along H) by KW columns (along W)."),
]


def _im2col_loop_args(size):
    return (_rand((2, 2, size + 2, size + 2), 99), 3), {"stride": 1, "padding": 0}


def check_im2col(im2col: Callable, hidden: bool = False) -> None:
    """Check ``im2col(x, kernel_size, stride=1, padding=0)`` -> (C*KH*KW, N*OH*OW)."""
    __tracebackhide__ = True
    c = lambda name, x, k, **kw: Case(name, (x, k), kw, dtype_rule="float")  # noqa: E731
    cases = [
        c("one 3x3 image, 2x2 windows", _rand((1, 1, 3, 3), 0), 2),
        c("2 channels: rows in (c, a, d) order", _rand((1, 2, 3, 3), 1), 2),
        c("a batch of 2: columns image by image", _rand((2, 1, 3, 4), 2), 2),
        c("stride 2", _rand((1, 1, 5, 5), 3), 3, stride=2),
        c("padding 1", _rand((1, 1, 3, 3), 4), 3, padding=1),
        Case("kernel (2, 3), 2 channels, non-square image", (_rand((1, 2, 4, 5), 5), (2, 3)), dtype_rule="float",
             raise_hint="the first case with a pair kernel_size and a non-square image: KH, KW = (kernel_size, "
                        "kernel_size) if isinstance(kernel_size, int) else kernel_size, and H, W = x.shape[2:]."),
        c("batch 2, 3 channels, stride 2, padding 1", _rand((2, 3, 6, 5), 6), 3, stride=2, padding=1),
        c("float32 input", _rand((2, 2, 5, 5), 7, np.float32), 3, padding=1),
        c("an integer image: float columns", np.arange(18).reshape(1, 2, 3, 3), 2, padding=1),
    ]
    if hidden:  # the conv layer's hidden inputs, windows of its kernels' size
        layer_cases = [case for case in conv_layer_cases(hidden=True) if case.hidden]
        for i, case in enumerate(layer_cases):
            x, kernel = case.args[0], case.args[1].shape[2:]
            cases.append(Case(f"hidden #{i + 1} (x {x.shape}, kernel {kernel}, stride {case.kwargs['stride']}, "
                              f"padding {case.kwargs['padding']})", (x, kernel), case.kwargs, hidden=True))
    run_check(im2col, reference=conv.im2col, cases=cases, mistakes=IM2COL_MISTAKES,
              then=lambda: require_no_position_loop(im2col, "im2col", _im2col_loop_args))


# ------------------------------------------------------------------ conv2d_forward_im2col

def _bias(a):
    return np.asarray(a.b)[None, :, None, None]


CONV_IM2COL_MISTAKES = [
    Mistake("product reshaped to (N, F, OH, OW) without a transpose",
            output=lambda out, a: (out - _bias(a)).transpose(1, 0, 2, 3).reshape(out.shape) + _bias(a),
            hint="w_mat @ cols has shape (F, N*OH*OW): reshape it to (F, N, OH, OW), then transpose to "
                 "(N, F, OH, OW)."),
    Mistake("product reshaped to (N, F, OH, OW) without a transpose (bias added first)",
            output=lambda out, a: out.transpose(1, 0, 2, 3).reshape(out.shape),
            hint="w_mat @ cols + b[:, None] has shape (F, N*OH*OW): reshape it to (F, N, OH, OW), then transpose "
                 "to (N, F, OH, OW)."),
    Mistake("product transposed (.T), then reshaped",
            output=lambda out, a: (out - _bias(a)).transpose(0, 2, 3, 1).reshape(out.shape) + _bias(a),
            hint="(w_mat @ cols).T has shape (N*OH*OW, F): reshape it to (N, OH, OW, F), then transpose(0, 3, 1, 2); "
                 "or reshape the product to (F, N, OH, OW) and transpose(1, 0, 2, 3)."),
    Mistake("all axes reversed (.T)",
            output=lambda out, a: (out - _bias(a)).transpose(1, 0, 2, 3).T + _bias(a),
            hint="on a 4-D array .T reverses every axis: use .transpose(1, 0, 2, 3) to swap only F and N."),
    Mistake("weights reshaped in (kernel row, kernel column, channel) order",
            args=lambda a: {"w": np.asarray(a.w).transpose(0, 2, 3, 1).reshape(np.shape(a.w))},
            hint="the column ordering must match the weight reshape: w.reshape(F, -1) is in (c, a, d) order, so "
                 "im2col's rows must be too (no transpose of w before reshaping)."),
    Mistake("weights reshaped to (C*KH*KW, F) and transposed",
            args=lambda a: {"w": np.asarray(a.w).reshape(-1, np.shape(a.w)[0]).T.reshape(np.shape(a.w))},
            hint="w.reshape(F, -1) keeps each filter's weights in its own row; w.reshape(-1, F).T mixes the filters."),
    Mistake("stride ignored", args={"stride": 1}, hint="pass stride to im2col: OH = (H + 2*padding - KH) // stride + 1."),
    Mistake("padding ignored", args={"padding": 0},
            hint="pass padding to im2col, so the windows are taken from the zero-padded input."),
    Mistake("bias missing", args=lambda a: {"b": 0 * np.asarray(a.b)},
            hint="add b[f] to every output of filter f: out + b[None, :, None, None]."),
    Mistake("kernel flipped (true convolution)", args=lambda a: {"w": np.asarray(a.w)[:, :, ::-1, ::-1]},
            hint="a conv layer computes cross-correlation: no flipping of the kernels."),
]


def _conv_loop_args(size):
    return (_rand((2, 2, size + 2, size + 2), 98), _rand((3, 2, 3, 3), 97), np.zeros(3)), {"stride": 1, "padding": 0}


def check_conv2d_forward_im2col(conv2d_forward_im2col: Callable, hidden: bool = False) -> None:
    """Check ``conv2d_forward_im2col(x, w, b, stride=1, padding=0)`` -> (N, F, OH, OW)."""
    __tracebackhide__ = True
    cases = conv_layer_cases(hidden)  # the module-02 layer cases: same contract, computed another way
    run_check(conv2d_forward_im2col, reference=conv.conv2d_forward_im2col, cases=cases, mistakes=CONV_IM2COL_MISTAKES,
              then=lambda: require_no_position_loop(conv2d_forward_im2col, "conv2d_forward_im2col", _conv_loop_args))


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
            raise Mismatch(f"expected a float ({what}), got NoneType. Did you forget a `return`?",
                           "end the function with `return <the number>`.", stage="none")
        if isinstance(value, torch.Tensor):
            raise Mismatch(f"expected a Python float ({what}), got a torch.Tensor {tuple(value.shape)}.", hint_tensor,
                           stage="type")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise Mismatch(f"expected a Python float ({what}), got {type(value).__name__}.", stage="type")
        return (np.array(float(value), dtype=np.float32), *rest)
    return view


# ------------------------------------------------------------------ train_one_epoch

def _runner(fixture, func):
    """``func`` (a notebook function or a trusted one) run by ``fixture`` next to the student's code, on a spec."""
    drive = FixtureDriver(func)

    def run(spec):
        return drive(fixture, func, spec)
    run.inner = func  # the function as a student would pass it
    return run


def _train_loop(model, loader, optimizer, loss_fn, *, zero=True, train_mode=True, average="examples", step=True):
    """A train_one_epoch; the keywords each do one thing wrong."""
    if train_mode:
        model.train()
    total, count, losses = 0.0, 0, []
    for x, y in loader:
        if zero:
            optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if step is True:
            optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
        losses.append(loss.item())
    if step == "after the loop":
        optimizer.step()
    return {"examples": total / max(count, 1), "batches": float(np.mean(losses)), "sum": float(np.sum(losses)),
            "last": losses[-1], "per_batch": total / len(losses), "means_per_example": float(np.sum(losses)) / count,
            "nominal": float(np.sum(losses)) * loader.batch_size / count}[average]


def _wrong_training(**mistake):
    return _runner("run_train", functools.partial(_train_loop, **mistake))


TRAIN_MISTAKES = [
    Mistake("gradients not zeroed", _wrong_training(zero=False),
            "call optimizer.zero_grad() before each backward pass; otherwise every batch adds its gradient to "
            "the previous batches' ones."),
    Mistake("model not put in training mode", _wrong_training(train_mode=False),
            "call model.train() at the start: evaluate() leaves the model in eval mode, where batch norm uses "
            "its running statistics and dropout is off."),
    Mistake("loss averaged over batches, not examples", _wrong_training(average="batches"),
            "weight each batch's mean loss by its size (loss.item() * len(y)) and divide by the number of "
            "examples: a short last batch must count for what it holds."),
    Mistake("loss summed, not averaged", _wrong_training(average="sum"),
            "return the mean loss per example: total / number of examples."),
    Mistake("returned the last batch's loss", _wrong_training(average="last"),
            "add up the loss of every batch over the epoch, then divide by the number of examples."),
    Mistake("divided by the number of batches", _wrong_training(average="per_batch"),
            "len(loader) counts batches, not examples: divide the total by len(loader.dataset), or add up len(y) "
            "over the batches."),
    Mistake("batch means divided by the number of examples", _wrong_training(average="means_per_example"),
            "loss.item() is the batch's *mean* loss: multiply it by len(y) before adding, then divide by the number "
            "of examples."),
    Mistake("weighted by loader.batch_size", _wrong_training(average="nominal"),
            "the last batch may be shorter than loader.batch_size: weight each batch's loss by len(y), its real "
            "size."),
    Mistake("optimizer.step() after the loop", _wrong_training(step="after the loop"),
            "call optimizer.step() inside the loop, once per batch, right after loss.backward(); after the loop it "
            "runs once, with the last batch's gradients only."),
    Mistake("weights never updated", _wrong_training(step=False),
            "call optimizer.step() after loss.backward(), once per batch: backward computes the gradients, step "
            "uses them to change the weights. A step before backward finds no gradients yet, and a zero_grad() "
            "between backward() and step() wipes them: zero the gradients at the start of each batch."),
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


def check_train_one_epoch(train_one_epoch: Callable, hidden: bool = False) -> None:
    """Check ``train_one_epoch(model, loader, optimizer, loss_fn)`` -> the epoch's mean loss (float)."""
    __tracebackhide__ = True
    from ..torch_ref import training as ref

    require_student_function(train_one_epoch, "train_one_epoch")
    run_check(_runner("run_train", train_one_epoch), reference=_runner("run_train", ref.train_one_epoch),
              cases=_train_cases(hidden), mistakes=TRAIN_MISTAKES, name="train_one_epoch", cache=False)


# ------------------------------------------------------------------ evaluate

def _eval_loop(model, loader, *, eval_mode=True, no_grad=True, average="examples", predict="argmax"):
    """An evaluate; the keywords each do one thing wrong."""
    torch = _torch()
    if eval_mode:
        model.eval()
    correct, count, accs, hits = 0, 0, [], 0
    with torch.no_grad() if no_grad else torch.enable_grad():
        for x, y in loader:
            logits = model(x)
            pred = logits.argmax(dim=1) if predict == "argmax" else logits.max(dim=1).values
            hits = (pred == y).sum().item() if pred.shape == y.shape else 0
            correct += hits
            count += len(y)
            accs.append(hits / len(y))
    return {"examples": correct / count, "batches": float(np.mean(accs)), "count": correct,
            "percent": 100.0 * correct / count, "last": accs[-1], "per_batch": correct / len(accs),
            "last_count": hits / count, "last_size": correct / len(y)}[average]


def _wrong_evaluation(**mistake):
    return _runner("run_eval", functools.partial(_eval_loop, **mistake))


EVAL_MISTAKES = [
    Mistake("model left in train mode", _wrong_evaluation(eval_mode=False),
            "call model.eval() first: in train mode batch norm normalizes with each batch's own statistics "
            "(and updates its running ones), and dropout drops units."),
    Mistake("autograd left on", _wrong_evaluation(no_grad=False),
            "wrap the loop in `with torch.no_grad():` so no computation graph is built while evaluating."),
    Mistake("mean of per-batch accuracies", _wrong_evaluation(average="batches"),
            "count correct predictions over all batches and divide by the number of examples: a short last "
            "batch would otherwise count as much as a full one."),
    Mistake("divided by the number of batches", _wrong_evaluation(average="per_batch"),
            "len(loader) counts batches, not examples: divide the number correct by len(loader.dataset), or add "
            "up len(y) over the batches."),
    Mistake("returned the number of correct predictions", _wrong_evaluation(average="count"),
            "divide the number correct by the number of examples: accuracy is a fraction in [0, 1]."),
    Mistake("accuracy in percent", _wrong_evaluation(average="percent"),
            "return a fraction in [0, 1], not a percentage."),
    Mistake("returned the last batch's accuracy", _wrong_evaluation(average="last"),
            "add up the correct predictions of every batch, then divide once at the end."),
    Mistake("only the last batch's correct predictions counted", _wrong_evaluation(average="last_count"),
            "add them up with correct += ..., not correct = ...: otherwise each batch replaces the count of the "
            "ones before."),
    Mistake("divided by the last batch's size", _wrong_evaluation(average="last_size"),
            "add up the batch sizes with n += len(y) (or divide by len(loader.dataset)): n = len(y) keeps only the "
            "last batch's size."),
    Mistake("no prediction counted as correct", _wrong_evaluation(predict="max_values"),
            "your accuracy is 0 although the model gets some right: compare the predicted class, "
            "model(x).argmax(dim=1), with y (torch.max(logits, 1) returns (values, indices): take the indices); "
            "and divide with /, not //."),
]


def check_evaluate(evaluate: Callable, hidden: bool = False) -> None:
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
    run_check(_runner("run_eval", evaluate), reference=_runner("run_eval", ref.evaluate), cases=cases,
              mistakes=EVAL_MISTAKES, name="evaluate", cache=False)


# ------------------------------------------------------------------ build_cnn

def _forward_error(exc):
    """(message, hint) for an exception of the student's model(x)."""
    text = str(exc)
    if "running_mean should contain" in text:
        hint = ("nn.BatchNorm2d(C) needs C = the out_channels of the convolution just before it (nn.BatchNorm1d: "
                "the out_features of the linear layer before it).")
    elif "channels, but got" in text:
        hint = ("each nn.Conv2d's in_channels must equal the out_channels of the convolution before it (1 for the "
                "first one).")
    elif "invalid for input of size" in text:
        hint = ("a reshape does not fit: flatten with nn.Flatten() or x.flatten(1), which keep the batch axis; "
                "never hard-code the batch size.")
    elif "shape" in text:
        hint = ("the first nn.Linear after nn.Flatten needs in_features = channels x height x width of the last "
                "feature maps (print the shape after each layer); and never hard-code the batch size in a reshape.")
    else:
        hint = "run model(torch.zeros(2, 1, 28, 28)) yourself and read the traceback."
    return f"model(x) raised {type(exc).__name__}: {exc}", hint


def _logits(subject, x):
    """The model's eval-mode output for ``x`` (a float tensor)."""
    return subject.run("forward", subject.value, x, explain=_forward_error)


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _convolution_without_activation(events) -> tuple[str, str] | None:
    """(which convolution, what it reaches) when a convolution's output reaches the next convolution or linear
    layer with no activation in between; None when every one has an activation.

    ``events``: the forward pass's ``(kind, name)`` list (:func:`cnncourse.worker.fixtures.layer_sequence`).
    A last convolution that no convolution or linear layer follows (a fully convolutional head) needs none.

    >>> _convolution_without_activation([("conv", "conv2d"), ("activation", "relu"), ("conv", "conv2d"),
    ...                                  ("linear", "linear")])
    ('the 2nd convolution', 'the linear layer after it')
    >>> _convolution_without_activation([("conv", "conv2d"), ("activation", "relu"), ("linear", "linear")]) is None
    True
    """
    n_convs = sum(kind == "conv" for kind, _ in events)
    k, pending = 0, False
    for kind, _ in events:
        if kind in ("conv", "linear") and pending:
            which = f"the {_ordinal(k)} convolution" if n_convs > 1 else "the convolution"
            return which, "the next convolution" if kind == "conv" else "the linear layer after it"
        if kind == "conv":
            k, pending = k + 1, True
        elif kind == "activation":
            pending = False
    return None


def cnn_properties(hidden: bool, seed: int = 0) -> list[Property]:
    """``build_cnn``'s rules, in order: ``check_build_cnn`` and the training run test them.

    The first property builds the model (``subject.value``) from ``seed``; later ones leave
    what the training run needs on the subject (``facts``, ``n_params``).

    >>> [p.name for p in cnn_properties(hidden=False)][:4]
    ['build the model', 'it is a CNN', 'at most 100,000 parameters', 'grayscale input']
    """
    torch = _torch()
    from ..helpers.training import PARAM_BUDGET

    gen = torch.Generator().manual_seed(grading_seed() if hidden else 7)
    batch = 5 if not hidden else int(hidden_rng().integers(3, 9))

    def no_super_init(exc):
        if "before Module.__init__() call" not in str(exc):
            return None  # the usual "it raised ..." message
        return ("building the model raised AttributeError: cannot assign module before Module.__init__() call.",
                "call super().__init__() first in your class's __init__, before creating any layer.")

    def built(s):
        s.value = s.run("build_model", s.student, seed, explain=no_super_init)
        if s.value is None:
            raise Mismatch("expected an nn.Module, got NoneType. Did you forget a `return`?",
                           "end the function with `return model`.")
        s.facts = s.run("describe_model", s.value)
        if not s.facts["is_module"]:
            raise Mismatch(f"expected an nn.Module, got {s.facts['type']}.",
                           "return the network itself, e.g. nn.Sequential(...), not its output or its class.")

    def has_convolutions(s):
        if not s.facts["conv_in_channels"]:
            raise Mismatch("the model has no nn.Conv2d layer.")

    def within_budget(s):
        s.n_params = sum(int(np.prod(shape)) for _, shape, trainable in s.facts["parameters"] if trainable)
        if s.n_params > PARAM_BUDGET:
            raise Mismatch(f"the model has {s.n_params:,} trainable parameters.")

    def grayscale(s):
        first = s.facts["conv_in_channels"][0]
        if first != 1:
            raise Mismatch(f"the first nn.Conv2d expects {first} input channels.")

    def logits_of_a_batch(s):
        s.x = torch.randn(batch, 1, 28, 28, generator=gen)
        out = _logits(s, s.x)
        if not isinstance(out, torch.Tensor):
            raise Mismatch(f"model(x) returned {type(out).__name__}, not a tensor.",
                           "forward must return the logits tensor.")
        if tuple(out.shape) != (batch, 10):
            raise Mismatch(f"expected logits of shape ({batch}, 10), got {tuple(out.shape)}.",
                           "one output per class: the last layer is nn.Linear(..., 10)."
                           if out.ndim == 2 and out.shape[0] == batch else
                           "flatten with nn.Flatten() (or x.flatten(1)), which keeps the batch axis; never hard-code "
                           "the batch size in a reshape.")
        s.out = out.float()
        if not torch.isfinite(s.out).all():
            raise Mismatch("the logits contain NaN or inf.", "look for a division by zero or a log of zero in forward.")

    def not_probabilities(s):
        sums = s.out.sum(dim=1)
        if (s.out >= 0).all() and torch.allclose(sums, torch.ones_like(sums), atol=1e-4):
            raise Mismatch("each row of the output sums to 1: the model ends with a softmax.")

    def signed_logits(s):
        if (s.out >= 0).all():
            raise Mismatch("every logit is >= 0: the model ends with an activation.")

    def one_at_a_time(s):
        alone = torch.cat([_logits(s, s.x[i:i + 1]).float() for i in range(batch)])
        if alone.shape != s.out.shape or not torch.allclose(alone, s.out, rtol=1e-4, atol=1e-5):
            raise Mismatch("an image's logits change with the other images in the batch.")

    def nonlinear(s):
        x2 = torch.randn(batch, 1, 28, 28, generator=gen)
        zero, both, second = (_logits(s, x).float() for x in (torch.zeros_like(s.x), s.x + x2, x2))
        if torch.allclose(both + zero, s.out + second, rtol=1e-4, atol=1e-4):
            raise Mismatch("the model is affine: f(a + b) + f(0) = f(a) + f(b).")

    def activation_after_each_convolution(s):
        events = [tuple(event) for event in s.run("layer_sequence", s.value, s.x)]
        if not any(kind == "activation" for kind, _ in events):
            raise Mismatch("forward calls no activation function (ReLU, GELU, tanh, ...): max pooling is its only "
                           "nonlinearity.")
        lacking = _convolution_without_activation(events)
        if lacking is not None:
            which, target = lacking
            raise Mismatch(f"no activation between {which} and {target}.",
                           f"{which}'s output goes on without an activation: put one such as nn.ReLU() after each "
                           "convolution, as the notebook asks (Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d); max "
                           "pooling, batch norm and dropout are not activations.")

    def every_parameter_trained(s):
        missing = s.run("missing_gradients", s.value, s.x, torch.arange(batch) % 10,
                        case="train mode, one backward pass")
        if missing:
            raise Mismatch(f"parameter `{missing[0]}` got no gradient.")

    return [
        Property("build the model", built),
        Property("it is a CNN", has_convolutions,
                 "this is a dense network; start with convolution blocks (nn.Conv2d -> activation -> pooling)."),
        Property(f"at most {PARAM_BUDGET:,} parameters", within_budget,
                 "pool earlier or use fewer channels; the first nn.Linear after Flatten usually holds most of them "
                 "(in_features x out_features)."),
        Property("grayscale input", grayscale, "Fashion-MNIST images have 1 channel: nn.Conv2d(1, ...)."),
        Property(f"a batch of {batch} images", logits_of_a_batch),
        Property("outputs are logits", not_probabilities,
                 "return raw scores (logits): nn.CrossEntropyLoss applies log-softmax itself, and a softmax before "
                 "it slows training down."),
        Property("logits of either sign", signed_logits,
                 "put nothing after the last nn.Linear: logits are raw scores of either sign, and a ReLU or sigmoid "
                 "after it keeps them >= 0 (nn.CrossEntropyLoss applies log-softmax itself)."),
        Property("one image at a time", one_at_a_time,
                 "in eval mode every image must be processed on its own; check reshapes that mix the batch axis "
                 "(x.view(-1, ...) with the wrong feature count)."),
        Property("has a nonlinearity", nonlinear,
                 "put an activation such as nn.ReLU() after each convolution (and hidden linear layer); without one "
                 "the stack collapses to a single linear map."),
        Property("an activation after each convolution", activation_after_each_convolution,
                 "put an activation such as nn.ReLU() after each convolution, as the notebook asks (Conv2d -> "
                 "BatchNorm2d -> ReLU -> MaxPool2d): max pooling keeps the largest value but does not bend the map "
                 "the way an activation does, and batch norm and dropout are not activations either."),
        Property("every parameter is trained", every_parameter_trained,
                 "every layer you create must be used in forward (and nothing may be detached); unused layers only "
                 "cost parameters."),
    ]


def check_build_cnn(build_cnn: Callable, hidden: bool = False) -> None:
    """Check ``build_cnn()``: an ``nn.Module`` with convolutions, mapping (N, 1, 28, 28) to logits (N, 10).

    Also checks the parameter budget (:data:`cnncourse.helpers.training.PARAM_BUDGET`),
    that outputs are logits (not probabilities, not all >= 0 as after a final ReLU or
    sigmoid), that the network is not affine (has a nonlinearity, and an activation between each
    convolution and the next convolution or linear layer), that each image's logits do not depend on the rest of the batch, and
    that every parameter gets a gradient (:func:`cnn_properties`).  Lazy layers get their
    shapes from one forward pass first.
    """
    __tracebackhide__ = True
    from ..helpers.training import PARAM_BUDGET

    def summary(s):
        n_convs = len(s.facts["conv_in_channels"])
        return (f"{s.n_params:,} parameters, budget {PARAM_BUDGET:,}; "
                f"{n_convs} convolution layer{'s' if n_convs > 1 else ''}")

    check_properties(build_cnn, cnn_properties(hidden), name="build_cnn", summary=summary)


# ------------------------------------------------------------------ the training run

def initial_parameters(parameters: list, seed: int) -> dict[str, np.ndarray]:
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


def _evaluate_agrees(run, evaluate, loader, logits, labels, case, step):
    """The student's ``evaluate`` on ``loader``; fail unless it is the accuracy of ``logits``, which it returns."""
    __tracebackhide__ = True
    acc = run.run("call", evaluate, run.value, loader, case=step, name="evaluate")
    if not isinstance(acc, numbers.Real) or isinstance(acc, bool) or not 0.0 <= float(acc) <= 1.0:
        shown = f"{acc:g}" if isinstance(acc, numbers.Real) else type(acc).__name__
        run.fail(f"evaluate returned {shown}, not an accuracy in [0, 1].", "fix evaluate first: run its check.", case=case)
    from_logits = float(np.mean(logits.argmax(axis=1) == labels))
    if abs(float(acc) - from_logits) > 1e-6:
        run.fail(f"evaluate returned {float(acc):.4f} on {len(labels)} training images, but the model's logits give "
                 f"{from_logits:.4f}.", "fix evaluate first: run its check.", case=case)
    return from_logits


def check_training_run(build_cnn: Callable, train_one_epoch: Callable, evaluate: Callable, hidden: bool = False,
                       progress: bool = True) -> dict[str, list]:
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
    Your ``evaluate`` must agree with the accuracy computed from logits on a training batch,
    before training (so a wrong one fails at once) and after every epoch.  Returns the history
    for plotting.
    """
    __tracebackhide__ = True
    from ..helpers.training import fashion_mnist_dataset

    for func, fname in ((build_cnn, "build_cnn"), (train_one_epoch, "train_one_epoch"), (evaluate, "evaluate")):
        require_student_function(func, fname)
    recipe = TRAINING_RUN
    seed = grading_seed() if hidden else 0
    case = f"training run ({'hidden, ' if hidden else ''}seed {seed})"
    x_train, y_train = (t.numpy() for t in fashion_mnist_dataset("train", subset=True).tensors)
    x_test, y_test = (t.numpy() for t in fashion_mnist_dataset("test", subset=True).tensors)
    x_probe, y_probe = x_train[:500], y_train[:500]

    run = check_properties(build_cnn, cnn_properties(hidden, seed=seed), name="training_run")
    model = run.value
    macs = run.run("multiply_adds", model, case=case)
    if macs > recipe["multiply_adds"]:
        run.fail(f"the model costs {macs / 1e6:.1f} M multiply-adds per image; the budget is "
                 f"{recipe['multiply_adds'] / 1e6:.0f} M.",
                 "make the model cheaper: pool earlier, fewer channels in the first layers (the 28x28 ones cost most).",
                 case=case)
    run.run("load_parameters", model, initial_parameters(run.facts["parameters"], seed), case=case)
    loader = run.drive("make_loader", x_train, y_train, recipe["batch_size"], seed)
    optimizer = run.run("make_optimizer", model, recipe["lr"], case=case)
    probe_loader = run.drive("make_loader", x_probe, y_probe, 100, seed)
    probe_logits = run.run("logits", model, x_probe, case=case)
    start_loss = _cross_entropy(probe_logits, y_probe)
    start_weights = run.run("parameter_vector", model, case=case)
    # evaluate on the untrained model first (on a loader of its own): a wrong evaluate fails before any training
    _evaluate_agrees(run, evaluate, run.drive("make_loader", x_probe, y_probe, 100, seed), probe_logits, y_probe,
                     case, f"{case}, before training")
    run.run("forward", model, x_probe[:1], case=case)  # back in eval mode, whatever evaluate left

    history = {"epoch": [], "train_loss": [], "train_acc": [], "test_acc": [], "seconds": []}
    started = time.perf_counter()
    epochs = range(1, recipe["epochs"] + 1)
    if progress and run.drive.worker is None:
        from tqdm.auto import tqdm

        epochs = tqdm(epochs, desc="training run", unit="epoch")
    for epoch in epochs:
        lr = recipe["lr"] * (1 - (epoch - 1) / recipe["epochs"])
        loss = run.run("train_epoch", train_one_epoch, model, loader, optimizer, lr, seed + epoch,
                       case=f"{case}, epoch {epoch}", name="train_one_epoch")
        test_logits = run.run("logits", model, x_test, case=case)
        if not isinstance(test_logits, np.ndarray) or test_logits.shape != (len(y_test), 10):
            run.fail("the model's output changed shape during training.", "check build_cnn.", case=case)
        probe_logits = run.run("logits", model, x_probe, case=case)
        probe_acc = _evaluate_agrees(run, evaluate, probe_loader, probe_logits, y_probe, case, f"{case}, epoch {epoch}")
        test_acc = float(np.mean(test_logits.argmax(axis=1) == y_test))
        for key, value in zip(history, (epoch, loss, probe_acc, test_acc, time.perf_counter() - started)):
            history[key].append(value)
    end_loss = _cross_entropy(probe_logits, y_probe)
    acc = history["test_acc"][-1]
    end_weights = run.run("parameter_vector", model, case=case)
    if end_weights.shape == start_weights.shape and np.array_equal(end_weights, start_weights):
        run.fail("the model's weights did not change during training, so the loss did not go down.",
                 "check train_one_epoch: zero_grad, backward, then step, in that order (a step before backward finds "
                 "no gradients).", case=case)
    if not end_loss < start_loss:
        run.fail(f"the loss on a fixed batch of training images went from {start_loss:.3f} to {end_loss:.3f}: the "
                 "model did not learn.", "the loss did not go down: check train_one_epoch (zero_grad, backward, step, "
                 "in that order) and that build_cnn returns logits.", case=case)
    if acc < recipe["threshold"]:
        if acc <= 0.15:
            hint = "chance level is 0.10: check train_one_epoch (zero_grad, backward, step) and build_cnn."
        else:
            hint = ("the model trains but not well enough: compare yours with the architecture in the lecture "
                    "(conv -> batch norm -> ReLU -> pool blocks, then one linear layer).")
        run.fail(f"test accuracy {acc:.3f} after {recipe['epochs']} epochs; the pass mark is "
                 f"{recipe['threshold']:.2f}.", hint, case=case)
    print(f"training_run: passed: test accuracy {acc:.3f} (pass mark {recipe['threshold']:.2f}) after "
          f"{recipe['epochs']} epochs; {macs / 1e6:.2f} M multiply-adds per image.")
    return history
