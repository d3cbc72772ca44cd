"""The share of realistic buggy implementations whose failure names the mistake, per module.

Runs every bank in ``tests/checks/bank_*.py`` through its module's checks and prints, per
module, how many bugs were rejected and how many got the hint naming their mistake (goal:
90 %, DESIGN.md section 5), then the bugs that did not.  To measure an older version of the
checks, put its tree first on the path::

    python benchmarks/hint_share.py
    git worktree add /tmp/old <commit> && PYTHONPATH=/tmp/old python benchmarks/hint_share.py
"""

import argparse
import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]
os.environ.setdefault("MPLBACKEND", "Agg")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="only this module (e.g. pixels_and_filters)")
    parser.add_argument("--quiet", action="store_true", help="the table only, not the unnamed bugs")
    args = parser.parse_args(argv)
    from checks import bank

    import cnncourse
    print(f"cnncourse from {Path(cnncourse.__file__).parent}")
    modules = args.module or [p.stem[5:] for p in sorted((ROOT / "tests" / "checks").glob("bank_*.py"))]
    rows = []
    for module in modules:
        figures = bank.report(module, importlib.import_module(f"checks.bank_{module}").BANK)
        rows.append((module, figures))
    print(f"\n{'module':<22}{'bugs':>6}{'rejected':>10}{'named':>7}{'share':>8}")
    for module, f in rows:
        print(f"{module:<22}{f['total']:>6}{f['rejected']:>10}{f['named']:>7}{f['share']:>8.0%}")
    if not args.quiet:
        for module, f in rows:
            for what, message in f["unnamed"]:
                first = (message or "PASSED").splitlines()
                print(f"\n[{module}] {what}\n    {first[0]}\n    {first[-1] if len(first) > 1 else ''}")


if __name__ == "__main__":
    main()
