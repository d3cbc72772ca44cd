"""The module-05 checks accept correct student blocks and counts, and reject known-wrong ones with the right hint.

The block checks compare with torchvision's blocks; here each block's functional forward pass
(the base of its known mistakes) is first shown equal to that oracle, then every listed mistake,
built as a student's module, is rejected with its own hint.
"""

import pytest
import torch
from checks import bank_architectures
from checks import impls_architectures as impl
from checks import suite
from conftest import as_student
from torch import nn

from cnncourse.checks import CheckFailed
from cnncourse.checks import architectures as ca
from cnncourse.checks._architecture_blocks import SPECS
from cnncourse.checks._blocks import BlockCase, _as_dtype, _input, _run_functional, _run_oracle, draw_values
from cnncourse.torch_ref import architectures as ref

pytestmark = pytest.mark.usefixtures("one_torch_thread")

BLOCK_CHECKS = {name: getattr(ca, f"check_{name}") for name in SPECS}

CORRECT = [(getattr(ca, check), student) for check, students in impl.CORRECT.items() for student in students]

BUGGY = [(getattr(ca, check), student, text) for check, student, text in impl.BUGGY]  # more: bank_architectures.py

REFERENCES = [(ca.check_conv_param_count, ref.conv_param_count), (ca.check_stacked_3x3, ref.stacked_3x3),
              (ca.check_count_flops, ref.count_flops)] + [(BLOCK_CHECKS[name], getattr(ref, name)) for name in SPECS]

MISTAKE_TABLES = [
    (ca.check_conv_param_count, ref.conv_param_count, ca.CONV_PARAM_MISTAKES),
    (ca.check_stacked_3x3, ref.stacked_3x3, ca.STACKED_MISTAKES),
    (ca.check_count_flops, None, ca.FLOPS_MISTAKES),
]

globals().update(suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES))
globals().update(suite.bank_tests("architectures", bank_architectures.BANK))


# ------------------------------------------------------------------ the functional forms equal torchvision's blocks

ORACLE_ARGS = {
    "ResidualBlock": [(4, 4), (4, 8, 2), (3, 6, 1), (5, 5, 2)],
    "Bottleneck": [(16, 4, 16), (8, 4, 16, 2), (6, 3, 12)],
    "Inception": [(4, 2, 3, 4, 2, 3, 2), (3, 1, 1, 1, 1, 1, 1)],
    "SqueezeExcitation": [(32,), (12, 4), (6, 8)],
    "Fire": [(6, 2, 4, 4), (8, 3, 4, 6)],
    "DenseLayer": [(8, 3), (5, 2)],
    "DenseBlock": [(1, 4, 2), (3, 5, 2)],
}


@pytest.mark.parametrize("name, args", [(n, a) for n, all_args in ORACLE_ARGS.items() for a in all_args])
@pytest.mark.parametrize("train, dtype", [(False, "float32"), (True, "float32"), (True, "float64")])
def test_functional_forward_equals_torchvisions_block(name, args, train, dtype):
    spec = SPECS[name]
    units = spec.units(args)
    in_channels = args[1] if name == "DenseBlock" else args[0]
    case = BlockCase("oracle", args, (3, in_channels, 6, 5), train, dtype, seed=7)
    values = _as_dtype(draw_values(units, case.seed), dtype)
    x, grad_seed = _input(case)
    oracle = _run_oracle(spec, values, x, grad_seed, train, args)
    functional = _run_functional(spec, units, values, x, grad_seed, train, args, {})
    assert oracle is not None
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(torch.tensor(functional[0]), torch.tensor(oracle[0]), **tol)
    torch.testing.assert_close(torch.tensor(functional[2]), torch.tensor(oracle[2]), **tol)
    assert functional[1].keys() == oracle[1].keys()
    for key in oracle[1]:
        for got, want in zip(functional[1][key], oracle[1][key]):
            torch.testing.assert_close(torch.tensor(got), torch.tensor(want), **tol)


@pytest.mark.parametrize("name", list(SPECS))
def test_oracle_parameter_count_equals_the_course_reference(name):
    """The oracle (torchvision's block) has exactly the parameters the course's reference block has."""
    spec = SPECS[name]
    for args in ORACLE_ARGS[name]:
        module, _ = spec.oracle(args)
        n_oracle = sum(p.numel() for p in module.parameters())
        n_ref = sum(p.numel() for p in as_student(getattr(ref, name))(*args).parameters())
        assert n_oracle == n_ref, (name, args)


# ------------------------------------------------------------------ every listed block mistake is reachable

class MistakeBlock(nn.Module):
    """A block built from a spec's (possibly wrong) layers, computing its (possibly wrong) forward pass."""

    def __init__(self, spec, args, flags):
        super().__init__()
        self.spec, self.args, self.flags = spec, args, flags
        self.layers = nn.ModuleDict()
        for u in spec.units(args, **flags):
            if u.kind == "conv":
                f, c, kh, kw = u.shape
                layer = nn.Conv2d(c, f, (kh, kw), padding=(kh // 2, kw // 2), bias=u.bias)  # as students pad
            elif u.kind == "linear":
                layer = nn.Linear(u.shape[1], u.shape[0], bias=u.bias)
            else:
                layer = nn.BatchNorm2d(u.shape[0], affine=u.bias)
            self.layers[u.key.replace(".", "_")] = layer
        self.keys = [u.key for u in spec.units(args, **flags)]

    def forward(self, x):
        p = {}
        for key in self.keys:
            m = self.layers[key.replace(".", "_")]
            p[key] = {name: t for name, t in (("weight", m.weight), ("bias", m.bias),
                                              ("running_mean", getattr(m, "running_mean", None)),
                                              ("running_var", getattr(m, "running_var", None))) if t is not None}
        return self.spec.forward(p, x, self.training, self.args, **self.flags)


def _mistake_student(spec, flags):
    def build(*args):
        return MistakeBlock(spec, args, flags)
    build.__name__ = spec.name
    return build


def test_the_mistake_block_builder_builds_correct_blocks():
    for name, spec in SPECS.items():
        BLOCK_CHECKS[name](_mistake_student(spec, {}))


@pytest.mark.parametrize("name, index", [(n, i) for n, s in SPECS.items() for i in range(len(s.mistakes))],
                         ids=[f"{n}-{m.name}" for n, s in SPECS.items() for m in s.mistakes])
def test_every_listed_block_mistake_is_reachable(name, index):
    spec = SPECS[name]
    mistake = spec.mistakes[index]
    with pytest.raises(CheckFailed) as info:
        BLOCK_CHECKS[name](_mistake_student(spec, mistake.flags))
    message = str(info.value)
    assert message.startswith(f"{name}() failed on case '"), message
    assert f"Hint: {mistake.name}: {mistake.hint}" in message, message


def test_every_graded_function_has_at_least_five_known_wrong_variants():  # replaces the suite's: blocks count too
    counts = {check.__name__: len(mistakes) for check, _, mistakes in MISTAKE_TABLES}
    counts.update({f"check_{name}": len(spec.mistakes) for name, spec in SPECS.items()})
    assert len(counts) == len(impl.CORRECT)
    assert {check: n for check, n in counts.items() if n < 5} == {}


def test_block_check_refuses_torchvisions_block_and_loose_parameters():
    from torchvision.models.squeezenet import Fire

    with pytest.raises(CheckFailed, match="uses torchvision.models.squeezenet.Fire"):
        ca.check_Fire(Fire)

    class Loose(nn.Module):
        def __init__(self, channels, reduction=16):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(channels))

        def forward(self, x):
            return x * torch.sigmoid(self.w)[None, :, None, None]

    with pytest.raises(CheckFailed, match="parameter `w` is not part of"):
        ca.check_SqueezeExcitation(Loose)
