"""Checks of ``nn.Module`` classes a student builds to spec (module 05's blocks).

A student's block cannot be compared with a reference by attribute names (students name their
layers as they like), so the grader relates the two by their **weighted layers**: every
``nn.Conv2d``, ``nn.BatchNorm2d`` and ``nn.Linear`` of the student's block must match one layer
of the oracle (torchvision's block, e.g. ``torchvision.models.resnet.BasicBlock``) in kind,
weight shape and bias.  The grader then draws every weight and batch-norm statistic itself
(from the case's seed), loads the same values into both blocks under each matching of layers
with equal shapes (the one that follows the student's call order first), and runs both on the
same random input, in train and in eval mode: the block passes a case when, for some matching,
its output, its batch-norm running statistics afterwards and dL/dx agree with the oracle's.

In the trusted grader the student's block lives in the grading worker
(:mod:`cnncourse.worker.fixtures`: ``block_units``, ``block_call_order``, ``block_outputs``);
weights and inputs go there, outputs come back as arrays, and the comparison happens here.

Known mistakes are functional variants of the block (:class:`BlockMistake`): flags that change
its layers (:meth:`BlockSpec.units`) or its forward pass (:meth:`BlockSpec.forward`).  A
student whose layers match a mistake's, and whose outputs equal that variant's for some
matching, gets the mistake's hint.  torch is imported on first use.
"""

from __future__ import annotations

import dataclasses
import itertools
import zlib
from collections import Counter
from typing import Callable, Sequence

import numpy as np

from ._core import Case, Mismatch, compare, require_student_function
from ._properties import Subject

#: At most this many matchings of equal-shaped layers are tried per case.
MAX_MATCHINGS = 720

_KIND_NAMES = {"conv": "Conv2d", "bn": "BatchNorm2d", "linear": "Linear"}


def _torch():
    import torch

    return torch


@dataclasses.dataclass(frozen=True)
class Unit:
    """One weighted layer of a block: its key, kind (conv / bn / linear), weight shape and bias."""

    key: str
    kind: str
    shape: tuple
    bias: bool = False

    @property
    def signature(self) -> tuple:
        return self.kind, tuple(self.shape), bool(self.bias)


def describe_signature(sig: tuple) -> str:
    """A layer as a student would write it.

    >>> describe_signature(("conv", (16, 8, 1, 1), False))
    'Conv2d(8, 16, kernel 1x1, bias=False)'
    >>> describe_signature(("bn", (16,), True))
    'BatchNorm2d(16)'
    """
    kind, shape, bias = sig
    if kind == "conv":
        f, c, kh, kw = shape
        return f"Conv2d({c}, {f}, kernel {kh}x{kw}, bias={bias})"
    if kind == "linear":
        return f"Linear({shape[1]}, {shape[0]}, bias={bias})"
    return f"BatchNorm2d({shape[0]})" + ("" if bias else " without affine weights")


@dataclasses.dataclass(frozen=True)
class BlockMistake:
    """A known-wrong block: ``flags`` for :meth:`BlockSpec.units` and :meth:`BlockSpec.forward`.

    ``alternatives`` are further flag sets that count as the same mistake (e.g. every wrong
    order of Inception's branches).
    """

    name: str
    hint: str
    flags: dict = dataclasses.field(default_factory=dict)
    alternatives: tuple = ()

    def flag_sets(self):
        return (self.flags, *self.alternatives)


@dataclasses.dataclass(frozen=True)
class BlockCase:
    """One case: the block built as ``cls(*args)``, run on a random ``x`` of ``shape``."""

    name: str
    args: tuple
    shape: tuple
    train: bool = False
    dtype: str = "float32"
    seed: int = 0
    hidden: bool = False


class BlockSpec:
    """What a block check knows about one block: its layers, forward pass, oracle and mistakes.

    Subclasses define :meth:`units` (the layers for the constructor ``args`` and a mistake's
    ``flags``, in the order the forward pass calls them), :meth:`forward` (functional, on a dict
    ``p`` of torch tensors by layer key; batch norm updates ``p``'s running statistics in train
    mode) and :meth:`oracle` (torchvision's block and the path of each key in it, or None).
    """

    name: str = "block"
    mistakes: Sequence[BlockMistake] = ()

    def units(self, args: tuple, **flags) -> list[Unit]:
        raise NotImplementedError

    def forward(self, p: dict, x, train: bool, args: tuple, **flags):
        raise NotImplementedError

    def oracle(self, args: tuple):
        return None

    def explain(self, exc: Exception, attempt=None):
        """(message, hint) for an exception of the student's code, or None for the generic one.

        ``attempt`` (when the block was built) holds the student's layers: ``attempt.facts``,
        ``attempt.all_units`` (:func:`cnncourse.worker.fixtures.block_units`) and ``attempt.case``.
        """
        return None

    def named(self, name: str) -> str:
        """The hint of the listed mistake ``name``, as a check shows it (``"<name>: <hint>"``)."""
        mistake = next(m for m in self.mistakes if m.name == name)
        return f"{mistake.name}: {mistake.hint}"

    def call(self, args: tuple) -> str:
        return f"{self.name}({', '.join(map(repr, args))})"


#: Hints of mistakes any block can make, recognised from what its forward pass does.
INPLACE_HINT = ("input changed in place: forward must not write into x (x += ..., x.add_(...), x.mul_(...), "
                "F.relu(x, inplace=True) or nn.ReLU(inplace=True) applied to x itself); write out = out + x instead.")
SHARED_HINT = ("one layer used twice: every conv needs its own batch norm and every block its own layers; "
               "nn.ModuleList([layer] * n) or [bn] * 2 holds one layer n times, build n of them in a loop.")
DROPOUT_HINT = "dropout added: this block has no dropout (torchvision's blocks here are built with drop_rate=0)."
UNREGISTERED_HINT = ("layers not registered: keep layers as attributes (self.conv = nn.Conv2d(...)) or in nn.ModuleList "
                     "/ nn.Sequential; a plain Python list hides them from PyTorch (no parameters, no .to(), no "
                     "state_dict).")
MOMENTUM_HINT = ("batch norm momentum changed: keep PyTorch's default momentum=0.1 (Keras's momentum=0.9 means the "
                 "same as PyTorch's 0.1).")


# ---------------------------------------------------------------- the grader's weights

def _rng(seed: int, *parts) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(repr(parts).encode())])


def draw_values(units: Sequence[Unit], seed: int) -> dict:
    """The grader's weights for ``units``: each layer's values depend only on the seed, its key and its shape.

    Conv and linear weights are Gaussian with He scaling (so activations stay near 1), biases and
    batch-norm affine weights uniform, running means Gaussian and running variances in [0.5, 2].
    """
    values = {}
    for u in units:
        rng = _rng(seed, u.key, u.kind, tuple(u.shape), u.bias)
        if u.kind == "bn":
            c = u.shape[0]
            values[u.key] = {"running_mean": rng.normal(0, 0.5, c), "running_var": rng.uniform(0.5, 2.0, c)}
            if u.bias:
                values[u.key].update(weight=rng.uniform(0.5, 1.5, c), bias=rng.uniform(-0.5, 0.5, c))
        else:
            fan_in = max(1, int(np.prod(u.shape[1:])))
            values[u.key] = {"weight": rng.normal(0, np.sqrt(2.0 / fan_in), u.shape)}
            if u.bias:
                values[u.key]["bias"] = rng.uniform(-0.5, 0.5, u.shape[0])
    return values


def _as_dtype(values: dict, dtype: str) -> dict:
    return {key: {k: np.asarray(a, dtype=dtype) for k, a in unit.items()} for key, unit in values.items()}


def _tensors(values: dict) -> dict:
    torch = _torch()
    return {key: {k: torch.tensor(a) for k, a in unit.items()} for key, unit in values.items()}


def _input(case: BlockCase):
    rng = _rng(case.seed, "x", case.shape)
    x = rng.normal(0, 1, case.shape).astype(case.dtype)
    g = rng.normal(0, 1, 1).astype(case.dtype)  # a seed for the output gradient, drawn once its shape is known
    return x, int(abs(g[0]) * 1e6)


def _grad_for(shape, seed, dtype):
    return np.random.default_rng(seed).normal(0, 1, shape).astype(dtype)


def _run_functional(spec: BlockSpec, units, values, x, grad_seed, train, args, flags):
    """(output, running stats by key, dL/dx) of ``spec.forward`` with ``flags``; None if the variant cannot run."""
    torch = _torch()
    p = _tensors(values)
    xin = torch.tensor(x, requires_grad=True)
    try:
        out = spec.forward(p, xin, train, args, **flags)
    except RuntimeError:  # this variant does not fit these shapes (e.g. concatenating different heights)
        return None
    g = torch.tensor(_grad_for(tuple(out.shape), grad_seed, x.dtype))
    (out * g).sum().backward()
    stats = {u.key: [p[u.key]["running_mean"].numpy(), p[u.key]["running_var"].numpy()]
             for u in units if u.kind == "bn"}
    return out.detach().numpy(), stats, xin.grad.numpy()


def _run_oracle(spec: BlockSpec, values, x, grad_seed, train, args):
    """The same as :func:`_run_functional` on torchvision's block; None when torchvision has no such block."""
    torch = _torch()
    made = spec.oracle(args)
    if made is None:
        return None
    module, paths = made
    module.to(torch.float64 if x.dtype == np.float64 else torch.float32)
    modules = dict(module.named_modules())
    with torch.no_grad():
        for key, path in paths.items():
            m = modules[path]
            for name, value in values[key].items():
                target = getattr(m, name)
                target.copy_(torch.as_tensor(value).reshape(target.shape))
    module.train(train)
    xin = torch.tensor(x, requires_grad=True)
    out = module(xin)
    g = torch.tensor(_grad_for(tuple(out.shape), grad_seed, x.dtype))
    (out * g).sum().backward()
    stats = {key: [modules[path].running_mean.detach().numpy(), modules[path].running_var.detach().numpy()]
             for key, path in paths.items() if getattr(modules[path], "running_mean", None) is not None}
    return out.detach().numpy(), stats, xin.grad.numpy()


# ---------------------------------------------------------------- relating the student's layers to the grader's

def _compounds(items, sig):
    """Group a batch norm with the conv called just before it (same channels): (names, signature) pairs.

    A block's batch norms all have the same few shapes, but each belongs to the conv whose output
    it normalizes; grouping them keeps the number of matchings small.
    """
    groups, i = [], 0
    while i < len(items):
        a = sig(items[i])
        if a[0] == "conv" and i + 1 < len(items):
            b = sig(items[i + 1])
            if b[0] == "bn" and b[1][0] == a[1][0]:
                groups.append(((items[i], items[i + 1]), (a, b)))
                i += 2
                continue
        groups.append(((items[i],), (a,)))
        i += 1
    return groups


def matchings(student_units: Sequence[dict], units: Sequence[Unit], limit: int = MAX_MATCHINGS) -> list[dict]:
    """Ways to relate the student's layers to ``units`` with equal signatures, the call order's first.

    ``student_units`` must be in the order the student's forward pass calls them and have the
    same multiset of signatures as ``units``.  A conv and the batch norm called right after it
    move together (:func:`_compounds`); when the two blocks group differently, every matching of
    single layers is tried (up to ``limit``).

    >>> s = [{"name": "a", "kind": "bn", "shape": [4], "bias": True}, {"name": "b", "kind": "bn", "shape": [4], "bias": True}]
    >>> matchings(s, [Unit("bn1", "bn", (4,), True), Unit("bn2", "bn", (4,), True)])
    [{'a': 'bn1', 'b': 'bn2'}, {'a': 'bn2', 'b': 'bn1'}]
    """
    theirs = _compounds([u["name"] for u in student_units], {u["name"]: _signature(u) for u in student_units}.get)
    ours = _compounds([u.key for u in units], {u.key: u.signature for u in units}.get)
    if Counter(sig for _, sig in theirs) != Counter(sig for _, sig in ours):
        theirs = [((u["name"],), (_signature(u),)) for u in student_units]
        ours = [((u.key,), (u.signature,)) for u in units]
    groups: dict[tuple, list] = {}
    for keys, sig in ours:
        groups.setdefault(sig, []).append(keys)
    slots: dict[tuple, list] = {}
    for names, sig in theirs:
        slots.setdefault(sig, []).append(names)
    sigs = list(groups)
    found = []
    for combo in itertools.product(*(itertools.permutations(groups[sig]) for sig in sigs)):
        mapping = {}
        for sig, keys in zip(sigs, combo):
            for names, key_group in zip(slots[sig], keys):
                mapping.update(zip(names, key_group))
        found.append(mapping)
        if len(found) >= limit:
            break
    return found


def _signature(student_unit: dict) -> tuple:
    return student_unit["kind"], tuple(student_unit["shape"]), bool(student_unit["bias"])


def structure_message(student_units: Sequence[dict], units: Sequence[Unit], call: str) -> str:
    """What the student's layers lack or have too many of, against ``units``.

    >>> s = [{"name": "c", "kind": "conv", "shape": [4, 2, 3, 3], "bias": True}]
    >>> structure_message(s, [Unit("conv1", "conv", (4, 2, 3, 3)), Unit("bn1", "bn", (4,), True)], "Block(2, 4)")
    'Block(2, 4) has 1 layer with weights where 2 are expected: missing BatchNorm2d(4), Conv2d(2, 4, kernel 3x3, bias=False); unexpected Conv2d(2, 4, kernel 3x3, bias=True).'
    """
    have = Counter(_signature(s) for s in student_units)
    want = Counter(u.signature for u in units)
    missing, extra = want - have, have - want
    parts = []
    if missing:
        parts.append("missing " + ", ".join(describe_signature(s) for s in sorted(missing.elements())))
    if extra:
        parts.append("unexpected " + ", ".join(describe_signature(s) for s in sorted(extra.elements())))
    n_have, n_want = sum(have.values()), sum(want.values())
    count = (f"has {n_have} layer{'s' if n_have != 1 else ''} with weights where {n_want} "
             f"{'are' if n_want != 1 else 'is'} expected" if n_have != n_want else "has the right number of layers")
    return f"{call} {count}: {'; '.join(parts)}."


# ---------------------------------------------------------------- comparing runs

_PARTS = ("output", "running statistics", "gradient")


def _close(a, b, dtype) -> bool:
    if not isinstance(b, np.ndarray) or a.shape != b.shape or b.dtype.kind != "f":
        return False
    rtol, atol = (1e-4, 1e-4) if np.dtype(dtype) != np.float64 else (1e-7, 1e-9)
    return bool(np.allclose(b.astype(np.float64), a.astype(np.float64), rtol=rtol, atol=atol))


def _first_difference(expected, got, mapping, dtype):
    """None if the student's run ``got`` (under ``mapping``) equals ``expected``, else (part, layer key or '')."""
    out, stats, dx = expected
    s_out, s_stats, s_dx = got
    if not _close(out, s_out, dtype):
        return "output", ""
    inverse = {key: name for name, key in mapping.items()}
    for key, (mean, var) in stats.items():
        theirs = s_stats.get(inverse.get(key, ""), None)
        if theirs is None or not (_close(mean, np.asarray(theirs[0]), dtype) and _close(var, np.asarray(theirs[1]),
                                                                                           dtype)):
            return "running statistics", key
    if dx is not None and (s_dx is None or not _close(dx, s_dx, dtype)):
        return "gradient", ""
    return None


class _Attempt:
    """The student's block on one case: built once, run under as many matchings as needed."""

    def __init__(self, subject: Subject, spec: BlockSpec, case: BlockCase):
        self.s, self.spec, self.case = subject, spec, case
        self.x, self.grad_seed = _input(case)
        self.results: dict = {}  # (value set id, mapping items) -> result

    def explain(self, exc):
        """(message, hint) for an exception of the student's code: the engine's own patterns, then the spec's."""
        text = str(exc)
        if "in-place operation" in text and "leaf Variable" in text:
            return f"forward raised {type(exc).__name__}: {text.splitlines()[0]}", INPLACE_HINT
        return self.spec.explain(exc, self)

    def build(self):
        s, case = self.s, self.case
        self.facts, self.units = None, []
        model = s.run("call", s.student, *case.args, explain=self.explain)
        facts = s.run("block_units", model)
        if not facts.get("is_module"):
            s.fail(f"{self.spec.call(case.args)} gave {facts.get('type')}, not an nn.Module.",
                   f"define `class {self.spec.name}(nn.Module)` with `super().__init__()` first in __init__.")
        if facts["borrowed"]:
            s.fail(f"the block uses {facts['borrowed'][0]}.",
                   "build it yourself from nn.Conv2d, nn.BatchNorm2d, nn.Linear and activations, as the exercise asks.")
        if facts["lazy"]:
            s.fail("the block has lazy layers.", "give every layer its sizes (nn.Conv2d, not nn.LazyConv2d).")
        if facts["loose"]:
            s.fail(f"parameter `{facts['loose'][0]}` is not part of an nn.Conv2d, nn.BatchNorm2d or nn.Linear.",
                   "build the block from these layers, so that its weights can be set and counted.")
        if not facts["units"]:
            s.fail(f"{self.spec.call(case.args)} has no nn.Conv2d, nn.BatchNorm2d or nn.Linear layer that PyTorch "
                   "can see.", UNREGISTERED_HINT)
        self.facts, self.all_units = facts, facts["units"]
        used = s.run("block_call_order", model, self.x, explain=self.explain)
        if used["changed_input"]:
            s.fail("forward changed its input x in place.", INPLACE_HINT)
        if any("dropout" in name for name in used["functions"]):
            s.fail("forward calls dropout.", DROPOUT_HINT)
        twice = [name for name, n in used["uses"].items() if n > 1]
        if twice:
            s.fail(f"layer `{twice[0]}` is used {used['uses'][twice[0]]} times in one forward pass.", SHARED_HINT)
        by_name = {u["name"]: u for u in facts["units"]}
        self.model, self.units = model, [by_name[name] for name in used["order"] if name in by_name]
        self.unused = [u for u in facts["units"] if u["name"] not in used["order"]]
        self.n_params = sum(int(np.prod(u["shape"])) * (2 if u["kind"] == "bn" and u["bias"] else 1)
                            + (u["shape"][0] if u["bias"] and u["kind"] != "bn" else 0) for u in facts["units"])
        self.momentum_changed = any(u["kind"] == "bn" and u["momentum"] != 0.1 for u in facts["units"])

    def fits(self, units) -> bool:
        return Counter(_signature(u) for u in self.units) == Counter(u.signature for u in units)

    def runs(self, units, values, mappings):
        """The student's (output, stats, dx) under each mapping (cached)."""
        vid = id(values)
        todo = [m for m in mappings if (vid, tuple(sorted(m.items()))) not in self.results]
        if todo:
            results = self.s.run("block_outputs", self.model, values, todo, self.x, self.case.train, self.grad_seed,
                                 explain=self.explain)
            for m, r in zip(todo, results):
                self.results[vid, tuple(sorted(m.items()))] = r
        return [(m, self.results[vid, tuple(sorted(m.items()))]) for m in mappings]

    def each_run(self, units, values, mappings, chunk=48):
        """:meth:`runs` lazily: the call-order matching alone first, then the others a chunk at a time."""
        for start, stop in [(0, 1), *((i, i + chunk) for i in range(1, len(mappings), chunk))]:
            yield from self.runs(units, values, mappings[start:stop])


def check_block(student: Callable, spec: BlockSpec, cases: Sequence[BlockCase]) -> None:
    """Grade the student's block class ``student`` on ``cases``; print one line or raise ``CheckFailed``."""
    __tracebackhide__ = True
    require_student_function(student, spec.name)
    n_params = None
    for case in cases:
        subject = Subject(student, spec.name)
        subject.case = case.name
        attempt = _Attempt(subject, spec, case)
        attempt.build()
        _grade_case(subject, spec, case, attempt)
        n_params = attempt.n_params if n_params is None else n_params
    n_hidden = sum(c.hidden for c in cases)
    extra = f" ({n_hidden} of them hidden)" if n_hidden else ""
    first = cases[0]
    print(f"{spec.name}: all {len(cases)} checks passed{extra}; {spec.call(first.args)} has {n_params:,} "
          "parameters, as torchvision's block.")


def _grade_case(s: Subject, spec: BlockSpec, case: BlockCase, attempt: _Attempt) -> None:
    __tracebackhide__ = True
    units = spec.units(case.args)
    values = _as_dtype(draw_values(units, case.seed), case.dtype)
    x = attempt.x
    expected = _run_oracle(spec, values, x, attempt.grad_seed, case.train, case.args)
    if expected is None:
        expected = _run_functional(spec, units, values, x, attempt.grad_seed, case.train, case.args, {})
    best = None
    if attempt.fits(units):
        for mapping, got in attempt.each_run(units, values, matchings(attempt.units, units)):
            if _first_difference(expected, got, mapping, case.dtype) is None:
                if attempt.unused:
                    s.fail(f"layer `{attempt.unused[0]['name']}` is never used in forward.",
                           "remove the layers forward does not use: their parameters still count.")
                return
            best = best or (mapping, got)
    named = _recognise(spec, case, attempt, expected)
    hint = f"{named.name}: {named.hint}" if named is not None else ""
    if best is None:
        message = structure_message(attempt.units, units, spec.call(case.args))
        if attempt.unused:
            message += f" (Layer `{attempt.unused[0]['name']}` is never used in forward.)"
        s.fail(message, hint or "build the block's layers exactly as the exercise lists them (kind, channels, "
                                "kernel size, bias=False before batch norm).")
    mapping, got = best
    part, key = _first_difference(expected, got, mapping, case.dtype)
    mode = "train" if case.train else "eval"
    if part == "output":
        if got[0] is None:
            s.fail("forward returned None. Did you forget a `return`?", "end forward with `return out`.")
        try:
            compare(expected[0], got[0], Case(case.name))
            message, own = "wrong output.", ""
        except Mismatch as mismatch:
            message, own = mismatch.message.replace("expected shape", "expected output shape", 1), mismatch.hint
        s.fail(f"{message[:-1]} in {mode} mode.", hint or own or _generic_hint(message))
    if part == "running statistics":
        if attempt.momentum_changed and not hint:
            hint = MOMENTUM_HINT
        s.fail(f"after a training-mode pass, the running statistics of the batch norm that should be `{key}` differ.",
               hint or "each batch norm must see the output of its own convolution, once per forward pass.")
    s.fail("the output is right but its gradient with respect to the input is not.",
           hint or "do not detach anything or use torch.no_grad() inside forward; the shortcut must carry the "
                   "gradient back to x.")


def _generic_hint(message: str) -> str:
    if "shape" in message:
        return "print the shape after each layer; compare strides and paddings with the exercise's table."
    return "compare your forward pass, layer by layer, with the exercise's description of the block."


def _recognise(spec: BlockSpec, case: BlockCase, attempt: _Attempt, expected) -> BlockMistake | None:
    """The first mistake whose layers and outputs the student's block has on this case (and the oracle has not)."""
    for mistake in spec.mistakes:
        for flags in mistake.flag_sets():
            units = spec.units(case.args, **flags)
            if not attempt.fits(units):
                continue
            values = _as_dtype(draw_values(units, case.seed), case.dtype)
            wrong = _run_functional(spec, units, values, attempt.x, attempt.grad_seed, case.train, case.args, flags)
            if wrong is None or _first_difference(expected, wrong, {u.key: u.key for u in units}, case.dtype) is None:
                continue  # cannot run here, or no different from the right block on this case
            for mapping, got in attempt.each_run(units, values, matchings(attempt.units, units)):
                if _close(wrong[0], got[0], case.dtype) and (wrong[2] is None or got[2] is None
                                                             or _close(wrong[2], got[2], case.dtype)):
                    return mistake
    return None


__all__ = ["BlockCase", "BlockMistake", "BlockSpec", "Unit", "check_block", "describe_signature", "draw_values",
           "matchings", "structure_message"]
