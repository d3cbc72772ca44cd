"""Helpers the checks run next to the student's code: in the notebook's kernel, or in the grading worker.

Nothing here is a solution or an expected value.  The checks of module 04 call these
functions through a *driver* (:func:`cnncourse.checks.training_cnns` picks a local one in
the notebook, the worker's in the trusted grader), so both paths do exactly the same:

- :func:`count_student_lines`: how many lines of the student's own code ran (loop detection);
- :func:`setup` / :func:`run_train` / :func:`run_eval`: the small models, loaders and
  optimizers of the ``train_one_epoch`` and ``evaluate`` checks, built from a spec;
- :func:`build_model`, :func:`describe_model`, :func:`forward`, :func:`layer_sequence`,
  :func:`missing_gradients`:
  what ``check_build_cnn`` asks of a model;
- :func:`load_parameters`, :func:`make_loader`, :func:`make_optimizer`, :func:`train_epoch`,
  :func:`logits`: the graded training run, where the grader sets the starting weights and
  computes accuracies from returned logits.

torch is imported on first use.
"""

import os
import sys
import sysconfig

import numpy as np


# ------------------------------------------------------------------ loop detection

def _library_dirs():
    """Folders whose code is not the student's: the standard library, installed packages, cnncourse."""
    dirs = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    dirs.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # cnncourse itself
    return tuple(os.path.join(os.path.abspath(d), "") for d in dirs)


def count_student_lines(func, *args, **kwargs):
    """Run ``func(*args, **kwargs)`` and count the Python lines executed in the student's own code.

    Code from the standard library, installed packages and cnncourse is not counted, so the
    count measures the student's loops, not numpy's work.  Deterministic, unlike a timing.

    >>> def looped(n):
    ...     total = 0
    ...     for i in range(n):
    ...         total += i
    ...     return total
    >>> count_student_lines(looped, 100) - count_student_lines(looped, 10) >= 90
    True
    """
    library = _library_dirs()
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def global_(frame, event, arg):
        filename = os.path.abspath(frame.f_code.co_filename) if not frame.f_code.co_filename.startswith("<") else ""
        if filename.startswith(library):
            return None  # no line events inside numpy, torch, ...
        return local

    previous = sys.gettrace()
    sys.settrace(global_)
    try:
        func(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return count


# ------------------------------------------------------------------ train_one_epoch / evaluate checks

def _torch():
    import torch

    return torch


def small_model(kind, seed):
    """A small model for the training checks; BatchNorm makes train/eval mode matter."""
    torch = _torch()
    nn = torch.nn
    torch.manual_seed(seed)
    if kind == "linear":
        return nn.Linear(6, 3)
    if kind == "batchnorm":
        return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    if kind == "cnn":
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    raise ValueError(kind)  # a bug in the check


def setup(spec):
    """(model, loader, optimizer, loss_fn) from a small dict, the same every time it is built."""
    torch = _torch()
    model = small_model(spec["model"], spec["seed"])
    if spec.get("eval_first"):
        model.eval()
    else:
        model.train()
    gen = torch.Generator().manual_seed(spec["seed"] + 1)
    shape = (spec["n"], 1, 8, 8) if spec["model"] == "cnn" else (spec["n"], 6)
    x = torch.randn(shape, generator=gen)
    y = torch.randint(0, 3, (spec["n"],), generator=gen)
    # A plain DataLoader, as students build them (loader.batch_size and loader.dataset work as usual).
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=spec["batch_size"])
    if spec["optimizer"] == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=spec["lr"], momentum=spec.get("momentum", 0.0))
    return model, loader, optimizer, torch.nn.CrossEntropyLoss()


def state(model):
    """Every floating parameter and buffer of ``model``, flattened into one float32 array."""
    torch = _torch()
    parts = [t.detach().reshape(-1).float() for t in [*model.parameters(), *model.buffers()]
             if t.dtype.is_floating_point]
    return torch.cat(parts).numpy().astype(np.float32) if parts else np.zeros(0, np.float32)


def run_train(train_one_epoch, spec):
    """Build ``spec``'s objects, run ``train_one_epoch`` once; return (its value, the model's state)."""
    torch = _torch()
    model, loader, optimizer, loss_fn = setup(spec)
    torch.manual_seed(0)
    return train_one_epoch(model, loader, optimizer, loss_fn), state(model)


class _GradProbe:
    """Counts forward passes that ran with autograd recording (outside torch.no_grad())."""

    def __init__(self):
        self.recorded = 0

    def hook(self, module, inputs):
        if _torch().is_grad_enabled():
            self.recorded += 1


def run_eval(evaluate, spec):
    """Build ``spec``'s objects, run ``evaluate``; return (its value, the state, forward passes with autograd on)."""
    model, loader, _, _ = setup(spec)
    probe = _GradProbe()
    model.register_forward_pre_hook(probe.hook)
    acc = evaluate(model, loader)
    return acc, state(model), probe.recorded


# ------------------------------------------------------------------ build_cnn

def build_model(build_cnn, seed=0):
    """``build_cnn()`` under a fixed torch seed."""
    _torch().manual_seed(seed)
    return build_cnn()


def describe_model(model, input_shape=(2, 1, 28, 28)):
    """Plain facts about ``model``: whether it is a module, its convolutions and parameters.

    Lazy layers (``nn.LazyLinear``) get their shapes from one forward pass first, as in training.
    """
    torch = _torch()
    nn = torch.nn
    if not isinstance(model, nn.Module):
        return {"is_module": False, "type": type(model).__name__}
    convs = [m.in_channels for m in model.modules() if isinstance(m, nn.Conv2d)]
    lazy = any(isinstance(p, nn.parameter.UninitializedParameter) for p in model.parameters())
    if lazy and convs:
        was_training = model.training
        model.eval()
        with torch.no_grad():
            model(torch.zeros(input_shape))
        model.train(was_training)
    params = [(name, list(p.shape), bool(p.requires_grad)) for name, p in model.named_parameters()]
    return {"is_module": True, "type": type(model).__name__, "conv_in_channels": convs, "parameters": params}


def forward(model, x, train=False):
    """``model(x)`` in eval (default) or train mode, without autograd."""
    torch = _torch()
    model.train(train)
    with torch.no_grad():
        return model(torch.as_tensor(x))


#: Element-wise nonlinearities a CNN may use after its convolutions (torch function names, in-place ``_`` dropped).
ACTIVATIONS = frozenset({"relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus",
                         "tanh", "sigmoid", "hardtanh", "hardswish", "hardsigmoid", "prelu", "rrelu", "threshold",
                         "clamp", "clamp_min", "logsigmoid", "softsign", "tanhshrink"})


#: Torch functions that make a convolution or a linear layer (``nn.Linear`` calls ``linear``; ``x @ w`` is ``matmul``).
CONVOLUTIONS = frozenset({"conv1d", "conv2d", "conv3d"})
LINEAR_MAPS = frozenset({"linear", "matmul", "mm", "addmm", "bilinear"})


def layer_sequence(model, x):
    """The convolutions, activations and linear maps ``model(x)`` calls, in order (eval mode, no autograd).

    A list of ``(kind, name)`` with kind ``"conv"``, ``"activation"`` (:data:`ACTIVATIONS`) or
    ``"linear"``; everything else (pooling, batch norm, dropout, reshapes) is left out.  Recorded
    with a ``TorchFunctionMode``, so modules (``nn.ReLU()``), functionals (``F.relu(x)``) and
    tensor methods (``x.relu()``, ``x.relu_()``) all count.

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.MaxPool2d(2), torch.nn.ReLU(),
    ...                           torch.nn.Flatten(), torch.nn.Linear(2, 3))
    >>> layer_sequence(net, torch.zeros(1, 1, 4, 4))
    [('conv', 'conv2d'), ('activation', 'relu'), ('linear', 'linear')]
    """
    torch = _torch()
    from torch.overrides import TorchFunctionMode

    events = []

    class Record(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = getattr(func, "__name__", "").strip("_")
            kind = ("conv" if name in CONVOLUTIONS else "activation" if name in ACTIVATIONS else
                    "linear" if name in LINEAR_MAPS else None)
            if kind is not None:
                events.append((kind, name))
            return func(*args, **(kwargs or {}))

    model.eval()
    with torch.no_grad(), Record():
        model(torch.as_tensor(x))
    return events


def missing_gradients(model, x, y):
    """Names of trainable parameters that get no gradient from one cross-entropy backward pass (train mode)."""
    torch = _torch()
    model.train()
    model.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(model(torch.as_tensor(x)), torch.as_tensor(y))
    loss.backward()
    return [name for name, p in model.named_parameters() if p.requires_grad and p.grad is None]


def multiply_adds(model, input_shape=(1, 1, 28, 28)):
    """Multiply-adds of one forward pass of ``model`` (torch's FLOP counter / 2)."""
    torch = _torch()
    from torch.utils.flop_counter import FlopCounterMode

    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(input_shape))
    return int(counter.get_total_flops() // 2)


# ------------------------------------------------------------------ the training run

def load_parameters(model, values):
    """Set every parameter from ``values`` (name -> array) and reset batch-norm statistics."""
    torch = _torch()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.as_tensor(values[name], dtype=p.dtype))
    for m in model.modules():
        if hasattr(m, "reset_running_stats"):
            m.reset_running_stats()


def parameter_vector(model):
    """Every parameter of ``model`` (not the buffers), flattened into one float32 array."""
    torch = _torch()
    parts = [p.detach().reshape(-1).float() for p in model.parameters()]
    return torch.cat(parts).numpy().astype(np.float32) if parts else np.zeros(0, np.float32)


def make_loader(x, y, batch_size, seed):
    """A shuffling DataLoader over (x, y), reproducible from ``seed``."""
    torch = _torch()
    data = torch.utils.data.TensorDataset(torch.as_tensor(x), torch.as_tensor(y, dtype=torch.int64))
    return torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True,
                                       generator=torch.Generator().manual_seed(seed))


def make_optimizer(model, lr):
    """AdamW with the course's weight decay."""
    return _torch().optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)


def train_epoch(train_one_epoch, model, loader, optimizer, lr, seed):
    """Set the learning rate, then run the student's ``train_one_epoch`` once."""
    _torch().manual_seed(seed)
    for group in optimizer.param_groups:
        group["lr"] = lr
    return train_one_epoch(model, loader, optimizer, _torch().nn.CrossEntropyLoss())


def logits(model, x, batch_size=500):
    """Eval-mode outputs for ``x``, as a float32 array (the grader computes the accuracy)."""
    torch = _torch()
    model.eval()
    x = torch.as_tensor(x)
    with torch.no_grad():
        out = [model(x[i:i + batch_size]).float() for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy()


def call(func, *args, **kwargs):
    """``func(*args, **kwargs)``: lets the grader call a notebook function on worker-side objects."""
    return func(*args, **kwargs)


# ------------------------------------------------------------------ module 05: blocks and counts

#: The layers whose weights the block checks set: their kind, by class.
_UNIT_KINDS = {"Conv2d": "conv", "BatchNorm2d": "bn", "Linear": "linear"}


def block_units(model):
    """Plain facts about a block the student built: its weighted layers, other parameters, borrowed classes.

    ``units`` lists every ``nn.Conv2d``, ``nn.BatchNorm2d`` and ``nn.Linear`` as a dict
    (``name`` its path, ``kind`` conv / bn / linear, ``shape`` its weight's shape, ``bias``,
    and its settings), in registration order.  ``loose`` names parameters outside such layers;
    ``borrowed`` names submodules whose class comes from torchvision; ``lazy`` is True when a
    parameter is not initialized yet.

    >>> import torch
    >>> facts = block_units(torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, bias=False), torch.nn.BatchNorm2d(4)))
    >>> [(u["name"], u["kind"], u["shape"], u["bias"]) for u in facts["units"]]
    [('0', 'conv', [4, 2, 3, 3], False), ('1', 'bn', [4], True)]
    """
    torch = _torch()
    nn = torch.nn
    if not isinstance(model, nn.Module):
        return {"is_module": False, "type": type(model).__name__}
    units, owned = [], set()
    for name, m in model.named_modules():
        kind = next((k for cls, k in _UNIT_KINDS.items() if type(m) is getattr(nn, cls)), None)
        if kind is None:
            continue
        unit = {"name": name, "kind": kind, "bias": m.bias is not None}
        if kind == "bn":
            unit.update(shape=[m.num_features], affine=m.affine, tracks=m.track_running_stats, eps=float(m.eps),
                        momentum=None if m.momentum is None else float(m.momentum))
            unit["bias"] = m.affine
        else:
            unit["shape"] = list(m.weight.shape)
        if kind == "conv":
            unit.update(stride=list(m.stride), padding=list(m.padding) if not isinstance(m.padding, str)
                        else m.padding, groups=m.groups, dilation=list(m.dilation))
        units.append(unit)
        owned.update(id(p) for p in m.parameters(recurse=False))
    loose = [name for name, p in model.named_parameters() if id(p) not in owned]
    borrowed = sorted({type(m).__module__ + "." + type(m).__name__ for m in model.modules()
                       if type(m).__module__.startswith("torchvision")})
    lazy = any(isinstance(p, nn.parameter.UninitializedParameter) for p in model.parameters())
    return {"is_module": True, "type": type(model).__name__, "units": units, "loose": loose, "borrowed": borrowed,
            "lazy": lazy}


#: Torch functions that read a tensor's metadata; they do not count as using a layer.
_NOT_A_USE = frozenset({"__get__", "size", "dim", "numel", "type", "is_floating_point", "element_size", "__len__"})


def block_call_order(model, x):
    """How ``model(x)`` uses its weighted layers (as in :func:`block_units`), in eval mode without autograd.

    Returns ``{"order": names in the order of first use, "uses": {name: torch calls that use
    it}, "functions": names of the torch functions called, "changed_input": whether x changed}``.
    A layer counts as used when one of its weights or running statistics enters a torch
    function (``TorchFunctionMode``), so ``self.conv(x)`` and ``F.conv2d(x, self.conv.weight)``
    both count.  A plain pass runs first, so that an error shows the student's own line.
    """
    torch = _torch()
    from torch.overrides import TorchFunctionMode

    x = torch.as_tensor(x)
    model.to(x.dtype)  # first: .to() replaces the buffers
    owner, kept = {}, []  # kept: the tensors themselves, so that no temporary can reuse their ids
    for name, m in model.named_modules():
        if any(type(m) is getattr(torch.nn, cls) for cls in _UNIT_KINDS):
            for t in [*m.parameters(recurse=False), *m.buffers(recurse=False)]:
                owner[id(t)] = name
                kept.append(t)
    order, uses, functions = [], {}, set()

    def visit(value, found):
        if isinstance(value, torch.Tensor):
            name = owner.get(id(value))
            if name is not None:
                found.add(name)
        elif isinstance(value, (list, tuple)):
            for v in value:
                visit(v, found)

    class Record(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            found = set()
            if getattr(func, "__name__", "") in _NOT_A_USE:  # reading w.shape or w.size() computes nothing
                return func(*args, **(kwargs or {}))
            visit(args, found)
            visit(list((kwargs or {}).values()), found)
            functions.add(getattr(func, "__name__", ""))
            for name in sorted(found, key=lambda n: (n in order, n)):
                if name not in order:
                    order.append(name)
                uses[name] = uses.get(name, 0) + 1
            return func(*args, **(kwargs or {}))

    model.eval()
    original = x.clone()
    with torch.no_grad():
        model(x)
    changed = not torch.equal(x, original)
    with torch.no_grad(), Record():
        model(original.clone())
    return {"order": order, "uses": uses, "functions": sorted(functions), "changed_input": changed}


def _load_unit(module, values, dtype):
    """Copy the grader's ``values`` (weight, bias, running_mean, running_var) into one layer."""
    torch = _torch()
    with torch.no_grad():
        for key, value in values.items():
            target = getattr(module, key, None)
            if isinstance(target, torch.Tensor):
                target.copy_(torch.as_tensor(value, dtype=dtype))
    if getattr(module, "num_batches_tracked", None) is not None:
        module.num_batches_tracked.zero_()


def block_outputs(model, values, mappings, x, train=False, grad_seed=None):
    """Run ``model`` on ``x`` once per mapping of the grader's weights onto its layers.

    ``values``: the grader's weights, by its own layer key (a dict of ``weight``, ``bias``,
    ``running_mean``, ``running_var`` arrays); ``mappings``: a list of {student layer name:
    grader key}.  For each mapping the weights are loaded, the model runs in train or eval mode,
    and the result is (output, {layer: [running_mean, running_var]} afterwards, dL/dx for
    L = sum(output * g) or None), g drawn from ``grad_seed`` in the output's shape (none without a
    seed).  ``x``'s dtype sets the model's dtype.
    """
    torch = _torch()
    x = torch.as_tensor(x)
    model.to(x.dtype)
    modules = dict(model.named_modules())
    results = []
    for mapping in mappings:
        for name, key in mapping.items():
            _load_unit(modules[name], values[key], x.dtype)
        model.train(bool(train))
        xin = x.clone().requires_grad_(grad_seed is not None)
        with torch.enable_grad() if grad_seed is not None else torch.no_grad():
            out = model(xin)
            dx = None
            if grad_seed is not None and isinstance(out, torch.Tensor) and out.requires_grad:
                g = np.random.default_rng(grad_seed).normal(0, 1, tuple(out.shape))
                (out * torch.as_tensor(g, dtype=out.dtype)).sum().backward()
                dx = None if xin.grad is None else xin.grad.detach().numpy().copy()
        stats = {name: [modules[name].running_mean.detach().numpy().copy(),
                        modules[name].running_var.detach().numpy().copy()]
                 for name in mapping if getattr(modules[name], "running_mean", None) is not None}
        out = out.detach().numpy().copy() if isinstance(out, torch.Tensor) else out
        results.append([out, stats, dx])
    return results


def spec_model(spec, seed=0, train=True):
    """A model built from a plain description: a list of layers, or a torchvision model by name.

    Layers: ``["conv", c_in, c_out, k, stride, padding, groups, bias]`` (``k`` and ``padding``
    an int or a [KH, KW] pair), ``["bn", c]``, ``["frozen_bn", c]`` (one in eval mode), ``["relu"]``, ``["maxpool", k]``,
    ``["avgpool"]`` (global), ``["flatten"]``, ``["linear", n_in, n_out, bias]``,
    ``["twice", c, k]`` (one c -> c conv, padding k // 2, called twice), ``["block", c_in,
    c_out, stride]`` (torchvision's BasicBlock with its projection); or ``["torchvision",
    name]``.  The model is in training mode (as built) unless ``train`` is False.
    """
    torch = _torch()
    nn = torch.nn
    torch.manual_seed(seed)
    if spec and spec[0] == "torchvision":
        import torchvision

        return getattr(torchvision.models, spec[1])(weights=None).train(train)

    class Twice(nn.Module):
        def __init__(self, c, k):
            super().__init__()
            self.conv = nn.Conv2d(c, c, k, padding=k // 2)

        def forward(self, x):
            return self.conv(torch.relu(self.conv(x)))

    def block(c_in, c_out, stride):
        from torchvision.models.resnet import BasicBlock

        down = None if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
        return BasicBlock(c_in, c_out, stride, downsample=down)

    def pair(v):
        return tuple(v) if isinstance(v, (list, tuple)) else v

    make = {"conv": lambda ci, co, k, s, p, g, b: nn.Conv2d(ci, co, pair(k), stride=s, padding=pair(p), groups=g,
                                                            bias=b),
            "bn": nn.BatchNorm2d, "relu": nn.ReLU, "maxpool": nn.MaxPool2d, "avgpool": lambda: nn.AdaptiveAvgPool2d(1),
            "flatten": nn.Flatten, "linear": lambda i, o, b: nn.Linear(i, o, bias=b), "twice": Twice, "block": block,
            "frozen_bn": nn.BatchNorm2d}
    model = nn.Sequential(*(make[layer[0]](*layer[1:]) for layer in spec)).train(train)
    for layer, module in zip(spec, model):
        if layer[0] == "frozen_bn":  # a batch norm kept in eval mode inside a model in training mode (fine-tuning)
            module.eval()
    return model


def _model_snapshot(model):
    """Copies of every parameter and buffer, the training flags and the hooks of ``model``'s modules."""
    return {"parameters": [(name, p.detach().clone(), p.requires_grad) for name, p in model.named_parameters()],
            "buffers": [(name, b.detach().clone()) for name, b in model.named_buffers()],
            "modes": [(name, m.training) for name, m in model.named_modules()],
            "hooks": [(name, len(m._forward_hooks) + len(m._forward_pre_hooks)) for name, m in model.named_modules()]}


def _model_change(before, after):
    """What differs between two :func:`_model_snapshot` s: a short description, or None."""
    torch = _torch()

    def differs(a, b):
        return (a[0] != b[0] or a[1].shape != b[1].shape or a[1].dtype != b[1].dtype or a[1].device != b[1].device
                or not torch.equal(a[1], b[1]) or a[2:] != b[2:])

    for kind in ("parameters", "buffers"):
        if len(before[kind]) != len(after[kind]):
            return [kind, "", ""]
        for a, b in zip(before[kind], after[kind]):
            if differs(a, b):
                return [kind, a[0], ""]
    for (name, was), (_, now) in zip(before["modes"], after["modes"]):
        if was != now:
            mode = {True: "training", False: "eval"}
            return ["modes", name, f"{mode[now]} mode (it was in {mode[was]} mode)"]
    return None


def count_on_spec(count_flops, spec, input_shape, seed=0, train=True):
    """The student's ``count_flops`` on :func:`spec_model` ``(spec, train=train)``, and what it got wrong.

    ``count_flops`` runs twice on the same model.  Returns (what the first call returned, None)
    or, when the first call changed the model, (that, ["parameters" | "buffers" | "modes", the
    name of the first tensor or module changed ("" for the model itself), details]); when the
    second call returned another value, (that, ["second call", second value, ""]); when hooks
    are left on the model, (that, ["hooks", module name, ""]).
    """
    model = spec_model(spec, seed, train)
    before = _model_snapshot(model)
    result = count_flops(model, tuple(input_shape))
    after = _model_snapshot(model)
    change = _model_change(before, after)
    if change is not None:
        return result, change
    second = count_flops(model, tuple(input_shape))
    try:
        same = bool(second == result)
    except Exception:  # e.g. a tensor of several values: the comparison of the first value reports it
        same = True
    if not same:
        return result, ["second call", second if isinstance(second, (int, float)) else repr(second), ""]
    for (name, was), (_, now) in zip(before["hooks"], _model_snapshot(model)["hooks"]):
        if now > was:
            return result, ["hooks", name, ""]
    return result, None


# ------------------------------------------------------------------ module 06: a linear layer as a convolution

def fc_to_conv_outputs(fc_to_conv, weight, bias, in_channels, height, width, inputs):
    """The student's ``fc_to_conv`` on a linear layer with the given weights, run on ``inputs``.

    The linear layer is built here (``weight (out, in)``, ``bias (out,)`` or None, in their
    dtype), handed to ``fc_to_conv(linear, in_channels, height, width)``, and the returned
    conv runs on each of ``inputs`` (cast to the conv's own dtype).  Returns
    ``["ok", [outputs...]]`` or ``["problem", kind, detail]`` with kind ``"type"`` (not an
    ``nn.Conv2d``), ``"linear changed"`` or ``"forward"`` (the conv raised on an input; detail:
    the input's shape and the error).
    """
    torch = _torch()
    weight = torch.as_tensor(np.array(weight))
    linear = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None, dtype=weight.dtype)
    with torch.no_grad():
        linear.weight.copy_(weight)
        if bias is not None:
            linear.bias.copy_(torch.as_tensor(np.array(bias)))
    conv = fc_to_conv(linear, in_channels, height, width)
    if not isinstance(conv, torch.nn.Conv2d):
        return ["problem", "type", type(conv).__name__]
    if linear.weight.shape != weight.shape or not torch.equal(linear.weight.detach(), weight) or (
            bias is not None and not torch.equal(linear.bias.detach(), torch.as_tensor(np.array(bias)))):
        return ["problem", "linear changed", ""]
    outputs = []
    for x in inputs:
        x = torch.as_tensor(np.array(x)).to(conv.weight.dtype)
        try:
            with torch.no_grad():
                outputs.append(conv(x).detach().numpy())
        except Exception as exc:  # e.g. a kernel or channel count that does not fit the maps
            return ["problem", "forward", f"{tuple(x.shape)}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"]
    return ["ok", outputs]
