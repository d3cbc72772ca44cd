"""The real nbgrader pipeline on every assignment: release, autograde, feedback, export.

One autograde run grades a set of crafted submissions per assignment (all students at once),
then each test reads its student's scores from the gradebook. The assignments, their test
cells and their points come from the course manifest (cnncourse/course.py).
"""

import copy
import re

import pytest
from conftest import ROOT, nbgrader, nbgrader_meta, read_nb, write_nb
from nbgrader.api import Gradebook

from cnncourse import course as manifest

pytestmark = pytest.mark.slow  # real nbgrader runs: tens of seconds each

MODULES = manifest.ids()


def _graded_by(module):
    """test grade_id -> the solution cell it grades (None for an integration test), from the manifest."""
    return {t.grade_id: t.solution for t in manifest.module(module).tests}


def _solution_source(cell):
    """A solution cell's code without nbgrader's markers: what a correct student writes."""
    lines = [ln for ln in "".join(cell["source"]).splitlines()
             if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "\n".join(lines)


def _graded(module):
    """(solution grade_ids in order, their solution sources, test grade_id -> points)."""
    source = read_nb(ROOT / "solutions" / module / f"{module}.ipynb")
    solutions, points = {}, {}
    for cell in source["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            solutions[meta["grade_id"]] = _solution_source(cell)
        if meta.get("grade"):
            points[meta["grade_id"]] = float(meta["points"])
    return solutions, points


def _submission(release, solved=(), transform=None):
    nb = copy.deepcopy(release)
    solutions = _graded.current[0]
    for cell in nb["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in solved:
            cell["source"] = solutions[grade_id]
    return transform(nb) if transform else nb


def _tag_tests_skip(nb):
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("grade"):
            cell["metadata"].setdefault("tags", []).append("skip-execution")
    return nb


def _delete_tests(nb):
    nb["cells"] = [c for c in nb["cells"] if not nbgrader_meta(c).get("grade")]
    return nb


def _with_warning(nb):
    """Every solved function also emits a UserWarning on stderr while it runs."""
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("solution"):
            src = "".join(cell["source"])
            body = re.sub(r'(    """.*?"""\n)', r'\1    import warnings; warnings.warn("noisy but correct", UserWarning)\n',
                          src, count=1, flags=re.S)
            cell["source"] = body
    return nb


# Module-scoped: with pytest-xdist's --dist load, the two workers may both grade an assignment whose tests they
# share (correct, each in its own course_dir, only slower; the Makefile says why load is still the faster choice).
@pytest.fixture(scope="module", params=MODULES)
def graded_course(request, course_dir):
    """Submit crafted notebooks for one assignment, autograde them all, return scores by student."""
    module = request.param
    solutions, points = _graded(module)
    _graded.current = (solutions, points)
    release = read_nb(course_dir / "assignments" / module / f"{module}.ipynb")
    functions = list(solutions)
    students = {
        "solution": _submission(release, functions),
        "blank": _submission(release),
        "skiptag": _submission(release, (), _tag_tests_skip),
        "deleted": _submission(release, (), _delete_tests),
        "warns": _submission(release, functions, _with_warning),
    }
    for fn in functions:
        students[f"only-{fn}"] = _submission(release, [fn])
    for student, nb in students.items():
        write_nb(course_dir / "submitted" / student / module / f"{module}.ipynb", nb)
    nbgrader(["autograde", module, "--force"], cwd=course_dir)
    scores = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        for student in students:
            nb = gb.find_submission_notebook(module, module, student)
            scores[student] = {g.name: float(g.score or 0.0) for g in nb.grades}
    return {"module": module, "scores": scores, "points": points, "functions": functions, "course": course_dir}


def test_solution_scores_full_marks(graded_course):
    scores, points = graded_course["scores"], graded_course["points"]
    assert scores["solution"] == points
    assert sum(points.values()) > 0
    m = manifest.module(graded_course["module"])
    assert scores["solution"] == m.points  # what cnncourse/course.py says each test cell is worth
    assert graded_course["functions"] == list(m.functions)


def test_untouched_release_scores_zero(graded_course):
    assert set(graded_course["scores"]["blank"].values()) == {0.0}


def _depends_on(module, fn):
    """Graded functions a function's solution calls, directly or through each other (e.g. correlate2d -> pad2d)."""
    solutions, _ = _graded(module)
    found, todo = [], [fn]
    while todo:
        current = todo.pop()
        for other in solutions:
            if other not in (fn, *found) and re.search(rf"\b{other}\(", solutions[current]):
                found.append(other)
                todo.append(other)
    return found


def test_one_correct_function_scores_exactly_its_points(graded_course):
    module, scores, points = graded_course["module"], graded_course["scores"], graded_course["points"]
    graded_by = _graded_by(module)
    independent = 0
    for fn in graded_course["functions"]:
        if _depends_on(module, fn):
            continue  # graded below together with what it calls
        independent += 1
        expected = {test: (points[test] if graded_by.get(test) == fn else 0.0) for test in points}
        assert scores[f"only-{fn}"] == expected, fn
    assert independent >= 3


def test_student_tagging_tests_skip_execution_gets_no_points(graded_course):
    assert set(graded_course["scores"]["skiptag"].values()) == {0.0}


def test_deleted_test_cells_are_restored_and_graded(graded_course):
    scores = graded_course["scores"]["deleted"]
    assert set(scores) == set(graded_course["points"])  # every test cell is in the gradebook
    assert set(scores.values()) == {0.0}
    graded = read_nb(graded_course["course"] / "autograded" / "deleted" / graded_course["module"]
                     / f"{graded_course['module']}.ipynb")
    restored = [c for c in graded["cells"] if nbgrader_meta(c).get("grade")]
    assert len(restored) == len(graded_course["points"])


def test_warnings_on_stderr_do_not_cost_points(graded_course):
    assert graded_course["scores"]["warns"] == graded_course["points"]


def test_dependent_functions_score_with_what_they_call(course_dir, graded_course):
    module, points = graded_course["module"], graded_course["points"]
    solutions, _ = _graded(module)
    _graded.current = (solutions, points)
    release = read_nb(course_dir / "assignments" / module / f"{module}.ipynb")
    dependent = {fn: _depends_on(module, fn) for fn in solutions if _depends_on(module, fn)}
    graded_by = _graded_by(module)
    for fn, deps in dependent.items():
        student = f"with-deps-{fn}"
        write_nb(course_dir / "submitted" / student / module / f"{module}.ipynb", _submission(release, [fn, *deps]))
        nbgrader(["autograde", module, "--student", student, "--force"], cwd=course_dir)
        with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
            got = {g.name: float(g.score or 0.0) for g in gb.find_submission_notebook(module, module, student).grades}
        assert got == {t: (points[t] if graded_by.get(t) in (fn, *deps) else 0.0) for t in points}


def test_feedback_and_export(graded_course):
    course, module = graded_course["course"], graded_course["module"]
    nbgrader(["generate_feedback", module, "--student", "solution", "--force"], cwd=course)
    feedback = course / "feedback" / "solution" / module / f"{module}.html"
    html = feedback.read_text(encoding="utf-8")
    assert all(test in html for test in graded_course["points"])
    nbgrader(["export", "--to", str(course / "grades.csv")], cwd=course)
    lines = (course / "grades.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
    row = next(r for r in rows if r["student_id"] == "solution" and r["assignment"] == module)
    assert float(row["score"]) == sum(graded_course["points"].values())
    assert float(row["score"]) == manifest.total_points(module)
    blank = next(r for r in rows if r["student_id"] == "blank" and r["assignment"] == module)
    assert float(blank["score"]) == 0.0


def test_committed_release_equals_a_fresh_generate_assignment(course_dir):
    for module in MODULES:
        fresh = (course_dir / "assignments" / module / f"{module}.ipynb").read_text(encoding="utf-8")
        committed = (ROOT / "assignments" / module / f"{module}.ipynb").read_text(encoding="utf-8")
        assert committed == fresh, f"assignments/{module} is stale: run `make release`"
        extra = {p.name for p in (ROOT / "assignments" / module).iterdir()} - {
            p.name for p in (course_dir / "assignments" / module).iterdir()}
        assert not extra, f"assignments/{module} has files nbgrader does not generate: {extra}"
