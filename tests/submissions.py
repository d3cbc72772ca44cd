"""Student submissions built from a release: the solution's code pasted into chosen cells.

Used by tests/grading/test_autograde.py and benchmarks/autograde_throughput.py.
"""

from conftest import ROOT, nbgrader_meta, read_nb, write_nb


def solution_sources(module):
    """grade_id -> the solution cell's code without nbgrader's markers (what a correct student writes)."""
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    cells = read_nb(ROOT / "solutions" / module / f"{module}.ipynb")["cells"]
    return {nbgrader_meta(cell)["grade_id"]: "\n".join(ln for ln in "".join(cell["source"]).splitlines()
                                                      if ln.strip() not in markers)
            for cell in cells if nbgrader_meta(cell).get("solution")}


def submission(module, solved=(), replace=None):
    """The committed release of ``module`` with the solutions of ``solved`` pasted in.

    ``replace`` maps a function to ``(old, new)``: a textual bug put into its pasted solution.
    """
    nb = read_nb(ROOT / "assignments" / module / f"{module}.ipynb")
    sources = solution_sources(module)
    for cell in nb["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in solved:
            code = sources[grade_id]
            if replace and grade_id in replace:
                old, new = replace[grade_id]
                assert old in code, (grade_id, old)
                code = code.replace(old, new)
            cell["source"] = code
    return nb


def write_submission(course, student, module, nb):
    """Put ``nb`` (a notebook dict, or raw text for a broken file) at submitted/<student>/<module>/<module>.ipynb."""
    path = course / "submitted" / student / module / f"{module}.ipynb"
    if isinstance(nb, str):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nb, encoding="utf-8")
    else:
        write_nb(path, nb)
    return path
