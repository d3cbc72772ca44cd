"""Checks that grade student functions against the course's references.

One submodule per course module, loaded on first use.  A visible test cell calls its check;
a hidden test (between nbgrader's ``### BEGIN HIDDEN TESTS`` markers) calls the same check
through :func:`hidden`, with ``hidden=True``::

    from cnncourse import checks
    checks.pixels_and_filters.check_pad2d(pad2d)
    checks.hidden().pixels_and_filters.check_pad2d(pad2d, hidden=True)

The machinery the checks are written with (:class:`Case`, :class:`Mistake`,
:class:`Mismatch`, :func:`run_check`, ...) lives in :mod:`cnncourse.checks._core`, the checks of
what a function builds (:class:`Property`, :func:`check_properties`, ...) in
:mod:`cnncourse.checks._properties`; both are re-exported here.
"""

import importlib
import sys

from ..display import show_failures_first
from ._core import Case, CheckFailed, Mismatch, Mistake, compare, grading_seed, hidden_rng, random_array, run_check, run_student
from ._properties import FixtureDriver, Property, Subject, check_properties

show_failures_first(CheckFailed)  # in a notebook, a failing check shows its message first, not the course's frames

MODULES = ("pixels_and_filters", "convolution_layers", "backprop", "training_cnns", "architectures")

__all__ = ["CheckFailed", "fresh", "hidden", "Case", "Mistake", "Mismatch", "Property", "Subject", "run_check",
           "check_properties", "compare", "run_student", "FixtureDriver", "grading_seed", "hidden_rng",
           "random_array", *MODULES]


def __getattr__(name):
    if name in MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fresh():
    """Reload every loaded ``cnncourse`` module (helpers first) and return ``cnncourse.checks``.

    ``importlib.reload`` re-executes each module in its own namespace, so functions a
    student imported earlier see the restored globals too.  Every package comes after the
    plain modules (a facade such as :mod:`cnncourse.plot` re-exports its submodules' names, so
    it must see the reloaded ones); the checks come last, this package after its submodules.
    """
    loaded = sorted((name for name in sys.modules if name == "cnncourse" or name.startswith("cnncourse.")),
                    key=lambda name: (name.startswith("cnncourse.checks"), name == __name__,
                                      hasattr(sys.modules[name], "__path__"), name.count("."), name))
    for name in loaded:
        importlib.reload(sys.modules[name])
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return sys.modules[__name__]


def hidden():
    """The checks for a hidden-test cell: this package reloaded first, then everything :func:`fresh` reloads.

    A hidden test runs as ``checks.hidden().<module>.check_<function>(<function>, hidden=True)``.
    In the trusted grader its ``checks`` is the grader's own package, which ``hidden()`` returns as
    loaded, without reloading (``cnncourse/grading/runner.py``); in a notebook's kernel
    (``nbgrader validate``, plain Jupyter) the reload undoes what the notebook patched in the
    checks and references (a notebook can still change anything in its own kernel: the points
    come from the trusted grader, see DESIGN.md section 5).
    """
    return importlib.reload(sys.modules[__name__]).fresh()
