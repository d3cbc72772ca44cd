"""Banks of realistic buggy student code, and the share of them whose failure names the mistake.

A bank (``bank_<module>.py``) is a list ``BANK`` of :class:`Bug` s: functions written the way
students write them (loops, slices, the usual slips), each with the text of the hint that names
its mistake.  The tests (:func:`suite.bank_tests`) require every bug to be rejected and at least
90 % of each bank to be rejected *with its named hint* (DESIGN.md section 5); the rest get a
generic hint and are listed.  ``benchmarks/hint_share.py`` prints the same figures, also for an
older checkout of the package (``PYTHONPATH=<old tree> python benchmarks/hint_share.py``).

This file and the banks import nothing from ``cnncourse`` at import time: checks are named by
module and function, so a bank runs against whichever ``cnncourse`` is on the path.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Callable

#: Goal for the share of realistic bugs whose failure names the mistake.
NAMED_SHARE_GOAL = 0.90
#: Every module's bank holds at least this many bugs.
MIN_BANK_SIZE = 40


@dataclasses.dataclass(frozen=True)
class Bug:
    """One buggy implementation: the check that grades it, the function, and the hint that names it.

    ``names``: text the failure's hint must contain for the mistake to count as named (usually a
    listed mistake's name, e.g. ``"stride ignored"``); ``None`` when no specific hint is expected.
    ``what``: the bug in a few words, for reports.
    """

    check: str
    func: Callable
    names: str | None
    what: str


def outcome(module: str, bug: Bug, hidden: bool = False) -> str | None:
    """The check's failure message for ``bug`` (``None`` when the check passed it)."""
    checks = importlib.import_module("cnncourse.checks")
    check = getattr(importlib.import_module(f"cnncourse.checks.{module}"), bug.check)
    try:
        check(bug.func, hidden=hidden)
    except checks.CheckFailed as exc:
        return str(exc)
    return None


def hint_of(message: str) -> str:
    """The hint line of a failure message ('' when there is none)."""
    return message.partition("Hint:")[2].strip()


def is_named(bug: Bug, message: str | None) -> bool:
    """True when the check rejected ``bug`` with the hint that names its mistake."""
    return message is not None and bug.names is not None and bug.names in hint_of(message)


def report(module: str, bank: list[Bug]) -> dict:
    """``{"total", "rejected", "named", "share", "unnamed": [(what, message)]}`` for one module's bank."""
    results = [(bug, outcome(module, bug)) for bug in bank]
    named = [bug for bug, message in results if is_named(bug, message)]
    return {"total": len(bank), "rejected": sum(message is not None for _, message in results), "named": len(named),
            "share": len(named) / len(bank) if bank else 0.0,
            "unnamed": [(bug.what, message) for bug, message in results if not is_named(bug, message)]}
