"""The course manifest (cnncourse/course.py) agrees with everything that repeats it.

(a) its files exist, and every notebook has an entry; (b) the graded cells' grade ids and points
in solutions/ and assignments/ equal it; (c) so do the points tables of the notebooks' intro
cells, README.md and index.ipynb (the last two are generated from it); (d) cnncourse.checks
has its checks modules and check functions; (e) each test cell calls the check it names.
Each failure says which file, which cell or row, and what the manifest says instead.
"""

import difflib
import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys

import conftest
import nbformat
import pytest
from conftest import ROOT, nbgrader_meta, read_nb

from cnncourse import course

READY = course.MODULES
KINDS = ("solution", "assignment")  # the two nbgrader notebooks of a module, as Module attributes
FIX = f"run `{course.FIX}`"


def _id(m):
    return m.id


def _nb(m, kind):
    path = getattr(m, kind)
    return path, read_nb(ROOT / path)


def _src(cell):
    return "".join(cell["source"])


def _graded_cells(nb):
    return [c for c in nb["cells"] if nbgrader_meta(c).get("grade")]


def _solution_cells(nb):
    return [c for c in nb["cells"] if nbgrader_meta(c).get("solution") and not nbgrader_meta(c).get("grade")]


def _fail(where, problems):
    return f"{where} disagrees with cnncourse/course.py:\n  " + "\n  ".join(problems)


# ------------------------------------------------------------------ (a) files

@pytest.mark.parametrize("m", READY, ids=_id)
def test_manifest_files_exist(m):
    missing = [p for p in (*m.paths, f"cnncourse/checks/{m.checks}.py") if not (ROOT / p).is_file()]
    assert not missing, f"cnncourse/course.py lists {m.id}, but these files of it do not exist: {missing}"


@pytest.mark.parametrize("m", course.PLANNED, ids=_id)
def test_planned_modules_have_no_files_yet(m):
    present = [p for p in (*m.paths, f"cnncourse/checks/{m.checks}.py") if (ROOT / p).exists()]
    assert not present, (f"{m.id} is in course.PLANNED but has {present}: move it to course.MODULES with its "
                         "graded tests (see the module docstring of cnncourse/course.py)")


def test_every_notebook_has_a_manifest_entry():
    known = {p for m in READY for p in m.paths}
    found = {str(p.relative_to(ROOT)) for pattern in ("notebooks/*.ipynb", "solutions/*/*.ipynb",
                                                      "assignments/*/*.ipynb") for p in ROOT.glob(pattern)}
    unknown = sorted(found - known)
    assert not unknown, f"notebooks with no module in cnncourse/course.py MODULES: {unknown}"
    for folder in ("solutions", "assignments"):
        dirs = sorted(p.name for p in (ROOT / folder).iterdir() if p.is_dir() and not p.name.startswith("."))
        assert dirs == sorted(course.ids()), f"{folder}/ has modules {dirs}; cnncourse/course.py lists {list(course.ids())}"


def test_conftest_modules_are_the_manifest_modules():
    # tests/conftest.py generates the scratch course's assignments from solutions/; that must be the manifest's list
    assert conftest.MODULES == list(course.ids())


@pytest.mark.parametrize("m", READY, ids=_id)
def test_titles_and_numbers_match_the_notebooks(m):
    lecture = read_nb(ROOT / m.lecture)["cells"][0]
    assert _src(lecture).splitlines()[0] == f"# {m.number} · {m.title}", (
        f"{m.lecture} starts with {_src(lecture).splitlines()[0]!r}; cnncourse/course.py's title gives "
        f"'# {m.number} · {m.title}'")
    for kind in KINDS:
        path, nb = _nb(m, kind)
        intro = _src(nb["cells"][0])
        assert intro.startswith(f"# {m.number} · "), f"{path} must start with '# {m.number} · '; got {intro[:40]!r}"
        assert m.lecture in intro, f"{path}: its intro cell does not link the lecture {m.lecture}"


@pytest.mark.parametrize("m", READY, ids=_id)
def test_module_for_notebook_finds_each_notebook(m):
    for path in m.paths:  # by id: checks.fresh() in another test may have reloaded the manifest since collection
        assert course.module_for_notebook(ROOT / path).id == m.id


# ------------------------------------------------------------------ (b) cell metadata

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("m", READY, ids=_id)
def test_graded_cells_match_manifest(m, kind):
    path, nb = _nb(m, kind)
    cells = [(nbgrader_meta(c).get("grade_id"), nbgrader_meta(c).get("points")) for c in _graded_cells(nb)]
    got = {g: p for g, p in cells}
    want = m.points
    problems = [f"graded cell {g!r} is not in the manifest (points {got[g]})" for g in got if g not in want]
    problems += [f"manifest test {g!r} ({want[g]} points) has no graded cell" for g in want if g not in got]
    problems += [f"{g!r}: cell metadata has points {got[g]!r}, manifest {want[g]!r}"
                 for g in want if g in got and (got[g] is None or float(got[g]) != float(want[g]))]
    problems += [f"grade_id {g!r} is on {n} graded cells" for g in got if (n := [c[0] for c in cells].count(g)) > 1]
    if not problems and [c[0] for c in cells] != list(want):
        problems.append(f"graded cells are in the order {[c[0] for c in cells]}, the manifest's is {list(want)}")
    assert not problems, _fail(path, problems)
    total = sum(float(p) for _, p in cells)
    assert total == m.total_points, _fail(path, [f"cells total {total:g} points, manifest {m.total_points:g}"])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("m", READY, ids=_id)
def test_solution_cells_match_manifest(m, kind):
    """Each graded function has its solution cell (grade_id = function name) defining it, and no cell is ungraded."""
    path, nb = _nb(m, kind)
    cells = {nbgrader_meta(c).get("grade_id"): _src(c) for c in _solution_cells(nb)}
    problems = [f"solution cell {g!r} is graded by no test in the manifest" for g in cells if g not in m.functions]
    problems += [f"manifest function {f!r} has no solution cell with grade_id {f!r}" for f in m.functions if f not in cells]
    problems += [f"solution cell {f!r} does not define `def {f}(` (or `class {f}(`)" for f in m.functions
                 if f in cells and not re.search(rf"^(def|class) {f}\(", cells[f], re.MULTILINE)]
    problems += [f"{t.grade_id} grades {f!r}, which no solution cell defines" for t in m.tests if t.is_integration
                 for f in t.functions if f not in m.functions]
    if not problems and [g for g in cells] != list(m.functions):
        problems.append(f"solution cells are in the order {list(cells)}, the manifest's is {list(m.functions)}")
    assert not problems, _fail(path, problems)


# ------------------------------------------------------------------ (c) points tables

def _cells_of(line):
    """The cells of a markdown table row (escaped pipes ``\\|`` stay inside their cell)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _intro_table(markdown):
    """Rows ``(function text, points text)`` of the ``| function | points |`` table, or None."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and [c.lower() for c in _cells_of(line)] == ["function", "points"]:
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append(tuple(_cells_of(row)))
            return rows
    return None


def _table_problems(m, rows):
    """What a ``| function | points |`` table gets wrong about module ``m``."""
    by_function = {t.solution: t for t in m.tests if t.solution}
    seen, problems = {}, []
    for first, points in rows:
        where = f"row {first!r}"
        number = re.fullmatch(r"(\d+(?:\.\d+)?)(\s+each)?", points)
        if not number:
            problems.append(f"{where}: points {points!r} must be a number or 'N each'")
            continue
        value, each = float(number.group(1)), bool(number.group(2))
        names = re.findall(r"`([A-Za-z_]\w*)\s*[(`]", first)
        if names:
            unknown = [n for n in names if n not in by_function]
            problems += [f"{where}: `{n}` is not a graded function of {m.id} (manifest: {', '.join(by_function)})"
                         for n in unknown]
            tests = [by_function[n] for n in names if n in by_function]
            if each or len(names) == 1:
                for t in tests:
                    seen.setdefault(t.grade_id, []).append(value)
            else:  # several functions sharing the row's points
                for t in tests:
                    seen.setdefault(t.grade_id, []).append(None)
                if sum(t.points for t in tests) != value:
                    problems.append(f"{where}: {value:g} points in all, manifest {sum(t.points for t in tests):g}")
        else:
            tests = [t for t in m.tests if t.is_integration and t.label.lower() in first.lower()]
            if len(tests) != 1:
                labels = [t.label for t in m.tests if t.is_integration]
                problems.append(f"{where} names no graded function in backticks and no integration test "
                                f"(manifest labels: {labels})")
            for t in tests:
                seen.setdefault(t.grade_id, []).append(value)
    for t in m.tests:
        values = seen.get(t.grade_id, [])
        if not values:
            problems.append(f"{t.label!r} ({t.grade_id}, {t.points:g} points) is missing from the table")
        elif len(values) > 1:
            problems.append(f"{t.label!r} appears in {len(values)} rows")
        elif values[0] is not None and values[0] != t.points:
            problems.append(f"{t.label!r}: the table says {values[0]:g} points, the manifest (and cell "
                            f"{t.grade_id}) {t.points:g}")
    return problems


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("m", READY, ids=_id)
def test_intro_points_table_matches_manifest(m, kind):
    path, nb = _nb(m, kind)
    rows = _intro_table(_src(nb["cells"][0]))
    assert rows is not None, f"{path}: the intro cell has no '| function | points |' table"
    problems = _table_problems(m, rows)
    assert not problems, _fail(f"{path} (intro points table)", problems)


def test_table_parser_reads_each_and_shared_rows():
    m = course.module("02")
    rows = [("`conv2d_forward_naive(x, w, b)`", "4"), ("`relu(x)`, `leaky_relu(x)`, `elu(x)`, `tanh(x)`", "1 each"),
            ("`sigmoid(x)` (no overflow for large \\|x\\|)", "2"), ("`max_pool2d_forward(x)`, `avg_pool2d_forward(x)`", "3"),
            ("`avg_pool_as_conv(x, k)`", "2"), ("`flatten_forward(x)`", "1"), ("`count_params(l, s)`", "3"),
            ("`receptive_field(layers)`", "2")]
    assert _table_problems(m, rows) == []
    wrong = [*rows[:-1], ("`receptive_field(layers)`", "5"), ("`flatten(x)`", "1")]
    assert _table_problems(m, wrong) == [
        "row '`flatten(x)`': `flatten` is not a graded function of 02_convolution_layers (manifest: "
        + ", ".join(m.functions) + ")",
        "'receptive_field': the table says 5 points, the manifest (and cell test_receptive_field) 2"]
    assert _cells_of("| `sigmoid(x)` (large \\|x\\|) | 2 |") == ["`sigmoid(x)` (large \\|x\\|)", "2"]
    assert _table_problems(course.module("04"), [("the training run: 80 %", "3")])[-1].startswith("'evaluate'")


def _region_rows(text, where):
    assert course.BEGIN in text and course.END in text, f"{where} lost its generated table markers; {FIX}"
    region = text[text.index(course.BEGIN):text.index(course.END)]
    return {cells[0]: cells for line in region.splitlines() if re.match(r"^\|\s*\d\d\s*\|", line)
            for cells in [_cells_of(line)]}


def test_readme_table_points_match_manifest():
    rows = _region_rows((ROOT / "README.md").read_text(encoding="utf-8"), "README.md")
    problems = []
    for m in READY:
        row = rows.get(m.number)
        if row is None:
            problems.append(f"module {m.number} has no row")
            continue
        listed = {name or label.strip(): float(points) for name, label, points in
                  re.findall(r"(?:`(\w+)`|([^,`()]+?))\s*\((\d+(?:\.\d+)?)\)", row[3])}
        want = {t.label: float(t.points) for t in m.tests}
        problems += [f"module {m.number}: {name!r} is listed but not graded in the manifest" for name in listed
                     if name not in want]
        problems += [f"module {m.number}: {name!r} ({points:g} points) is not listed" for name, points in want.items()
                     if name not in listed]
        problems += [f"module {m.number}: {name!r} has {listed[name]:g} points, manifest {points:g}"
                     for name, points in want.items() if name in listed and listed[name] != points]
        if not problems and list(listed) != list(want):
            problems.append(f"module {m.number} lists {list(listed)}, manifest order {list(want)}")
        if row[4] != f"{m.total_points:g}":
            problems.append(f"module {m.number} total is {row[4]!r}, manifest {m.total_points:g}")
    problems += [f"planned module {m.number} has no row" for m in course.PLANNED if m.number not in rows]
    assert not problems, _fail("README.md (module table)", problems) + f"\n{FIX}"


def test_index_table_points_match_manifest():
    nb = read_nb(ROOT / "index.ipynb")
    rows = _region_rows("\n".join(_src(c) for c in nb["cells"]), "index.ipynb")
    problems = [f"module {m.number} total is {rows[m.number][4]!r}, manifest {m.total_points:g}"
                if m.number in rows else f"module {m.number} has no row"
                for m in READY if m.number not in rows or rows[m.number][4] != f"{m.total_points:g}"]
    problems += [f"module {m.number} has no link to {p}" for m in READY for p in (m.lecture, m.assignment)
                 if m.number in rows and f"]({p})" not in " ".join(rows[m.number])]
    assert not problems, _fail("index.ipynb (module table)", problems) + f"\n{FIX}"


def test_generated_tables_are_up_to_date():
    stale = []
    for name, (current, new) in course.table_regions(ROOT).items():
        if current != new:
            diff = difflib.unified_diff(current.splitlines(), new.splitlines(), f"{name} (now)",
                                        f"{name} (from cnncourse/course.py)", lineterm="", n=0)
            stale.append("\n".join(diff))
    assert not stale, f"the module tables are out of date: {FIX}\n" + "\n".join(stale)


def test_write_tables_rewrites_only_the_region(tmp_path):
    for name in ("README.md", "index.ipynb"):
        shutil.copy(ROOT / name, tmp_path / name)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    outside = readme.split(course.BEGIN)[0], readme.split(course.END)[1]
    begin, end = readme.index(course.BEGIN) + len(course.BEGIN), readme.index(course.END)
    (tmp_path / "README.md").write_text(readme[:begin] + "\n| stale |\n" + readme[end:], encoding="utf-8")
    nb = read_nb(tmp_path / "index.ipynb")
    cell = next(c for c in nb["cells"] if course.BEGIN in _src(c))
    cell["source"] = [course.BEGIN + "\n", "| stale |\n", course.END]
    (tmp_path / "index.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")

    check = [sys.executable, "-m", "cnncourse.course", "--check", "--root", str(tmp_path)]
    proc = subprocess.run(check, check=False, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "README.md, index.ipynb" in proc.stderr and course.FIX in proc.stderr
    assert course.write_tables(tmp_path) == ["README.md", "index.ipynb"]
    assert subprocess.run(check, check=False, capture_output=True, text=True, cwd=tmp_path).returncode == 0
    assert course.write_tables(tmp_path) == []
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert (readme.split(course.BEGIN)[0], readme.split(course.END)[1]) == outside
    assert course.readme_table() in readme
    written = nbformat.read(tmp_path / "index.ipynb", as_version=4)
    nbformat.validate(written)
    assert course.index_table() in "".join(c.source for c in written.cells)


def test_write_tables_needs_the_markers(tmp_path):
    (tmp_path / "README.md").write_text("# no table here\n", encoding="utf-8")
    shutil.copy(ROOT / "index.ipynb", tmp_path / "index.ipynb")
    with pytest.raises(ValueError, match="README.md must contain the lines"):
        course.write_tables(tmp_path)


# ------------------------------------------------------------------ (d) checks

def test_checks_modules_are_the_manifest_modules():
    import cnncourse.checks

    want = tuple(m.checks for m in READY)
    assert tuple(cnncourse.checks.MODULES) == want, (
        f"cnncourse/checks/__init__.py has MODULES = {tuple(cnncourse.checks.MODULES)}; cnncourse/course.py "
        f"gives {want}")


@pytest.mark.parametrize("m", READY, ids=_id)
def test_manifest_check_functions_exist(m):
    checks = importlib.import_module(f"cnncourse.checks.{m.checks}")
    problems = []
    for t in m.tests:
        fn = getattr(checks, t.check, None)
        if not callable(fn):
            problems.append(f"{t.grade_id}: cnncourse.checks.{m.checks} has no function {t.check}")
            continue
        try:
            inspect.signature(fn).bind(*t.functions, hidden=True)
        except TypeError as exc:
            problems.append(f"{t.grade_id}: {t.check}({', '.join(t.functions)}, hidden=True) does not fit its "
                            f"signature {inspect.signature(fn)}: {exc}")
    assert not problems, _fail(f"cnncourse/checks/{m.checks}.py", problems)


# ------------------------------------------------------------------ (e) test cells call their check

ALL_CHECKS = {t.check for m in READY for t in m.tests}
CHECKS_MODULES = {m.checks for m in READY}


def _cell_problems(m, t, source):
    """What test cell ``t``'s source gets wrong: it must call ``t.check``, pass ``t.functions``, call no other check."""
    problems = []
    if not re.search(rf"\b{t.check}\s*\(", source):
        problems.append(f"{t.grade_id}: the cell never calls {t.check}(...)")
    problems += [f"{t.grade_id}: the cell does not pass `{f}` to {t.check}" for f in t.functions
                 if not re.search(rf"\b{f}\b", source)]
    others = {name for name in re.findall(r"\b(check_\w+)\b", source) if name in ALL_CHECKS - {t.check}}
    problems += [f"{t.grade_id}: the cell calls {name}, the check of another test" for name in sorted(others)]
    wrong_module = {f"{mod}.{name}" for mod, name in re.findall(r"\b(\w+)\s*\.\s*(check_\w+)", source)
                    if mod in CHECKS_MODULES and mod != m.checks}
    problems += [f"{t.grade_id}: the cell uses checks.{ref}, not checks.{m.checks}" for ref in sorted(wrong_module)]
    return problems


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("m", READY, ids=_id)
def test_test_cells_call_their_check(m, kind):
    path, nb = _nb(m, kind)
    by_id = {t.grade_id: t for t in m.tests}
    problems = [p for c in _graded_cells(nb) if nbgrader_meta(c).get("grade_id") in by_id
                for p in _cell_problems(m, by_id[nbgrader_meta(c)["grade_id"]], _src(c))]
    assert not problems, _fail(path, problems)


@pytest.mark.parametrize("m", READY, ids=_id)
def test_solution_test_cells_have_the_house_form(m):
    """A visible check call, then a hidden block calling ``checks.hidden()`` with ``hidden=True``."""
    path, nb = _nb(m, "solution")
    by_id = {t.grade_id: t for t in m.tests}
    problems = []
    for c in _graded_cells(nb):
        t = by_id.get(nbgrader_meta(c).get("grade_id"))
        if t is None:
            continue
        src, args = _src(c), ", ".join(t.functions)
        visible, _, rest = src.partition("### BEGIN HIDDEN TESTS")
        hidden = rest.partition("### END HIDDEN TESTS")[0]
        if f"checks.{m.checks}.{t.check}({args})" not in visible:
            problems.append(f"{t.grade_id}: no visible `checks.{m.checks}.{t.check}({args})`")
        if f"checks.hidden().{m.checks}.{t.check}({args}, hidden=True)" not in hidden:
            problems.append(f"{t.grade_id}: no hidden block with `checks.hidden().{m.checks}.{t.check}({args}, "
                            "hidden=True)`")
    assert not problems, _fail(path, problems)


def test_cell_check_matching_is_robust_to_the_hidden_test_helper():
    m = course.module("02")
    t = m.test("test_flatten_forward")
    visible = "checks.convolution_layers.check_flatten_forward(flatten_forward)\n"
    for hidden in (("importlib.reload(cnncourse.checks).fresh().convolution_layers.check_flatten_forward("
                    "flatten_forward, hidden=True)"),
                   "checks.hidden().convolution_layers.check_flatten_forward(flatten_forward, hidden=True)",
                   "checks.hidden(checks.convolution_layers.check_flatten_forward, flatten_forward)",
                   'checks.hidden("convolution_layers", "check_flatten_forward", flatten_forward)'):
        assert _cell_problems(m, t, visible + hidden) == []
    assert _cell_problems(m, t, "checks.convolution_layers.check_flatten(flatten)") == [
        "test_flatten_forward: the cell never calls check_flatten_forward(...)",
        "test_flatten_forward: the cell does not pass `flatten_forward` to check_flatten_forward"]
    assert _cell_problems(m, t, visible + "checks.backprop.check_flatten_forward(flatten_forward)") == [
        "test_flatten_forward: the cell uses checks.backprop.check_flatten_forward, not checks.convolution_layers"]
    assert _cell_problems(m, t, visible + "checks.convolution_layers.check_relu(relu)") == [
        "test_flatten_forward: the cell calls check_relu, the check of another test"]


# ------------------------------------------------------------------ the manifest itself

def test_manifest_rejects_inconsistent_entries():
    with pytest.raises(ValueError, match="look like 'NN_topic'"):
        course.Module("1_pixels", "Pixels", "x", (course.exercise("pad2d", 1),))
    with pytest.raises(ValueError, match="appears twice"):
        course.Module("01_x", "X", "x", (course.exercise("pad2d", 1), course.exercise("pad2d", 2)))
    with pytest.raises(ValueError, match="no graded tests"):
        course.Module("01_x", "X", "x")
    with pytest.raises(ValueError, match="`points` must be a number > 0"):
        course.exercise("pad2d", 0)
    with pytest.raises(ValueError, match="Use solution=None for an integration test"):
        course.GradedTest("test_run", "check_run", 1, ("a", "b"), "a", "run")


def test_lookups():
    assert course.module("01_pixels_and_filters") is course.module("01") is course.module("pixels_and_filters")
    assert course.total_points("01") == 12 == sum(t.points for t in course.module("01").tests)
    with pytest.raises(ValueError, match="got 'nope'. Written: 01_pixels_and_filters"):
        course.module("nope")
    for planned in course.PLANNED[:1]:
        with pytest.raises(ValueError, match=f"got '{planned.id}', which is planned"):
            course.module(planned.id)
    with pytest.raises(ValueError, match="one of test_conv_output_size, test_pad2d"):
        course.module("01").test("test_nope")
    assert course.module_for_notebook("work/03_backprop/mine.ipynb").id == "03_backprop"


def test_course_imports_nothing_heavy():
    code = ("import sys, cnncourse.course; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'ipywidgets', 'nbformat', 'numpy', "
            "'matplotlib') or m.startswith(('cnncourse.ref', 'cnncourse.torch_ref', 'cnncourse.checks', "
            "'cnncourse.grading'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------ the CLI's use of the manifest

def test_cli_finds_the_assignment_of_a_renamed_copy(tmp_path):
    from cnncourse import cli

    assert cli._assignment_of(tmp_path / "01_pixels_and_filters (1).ipynb", ROOT) == "01_pixels_and_filters"
    assert cli._assignment_of(ROOT / course.module("03").assignment, ROOT) == "03_backprop"
    assert cli._assignment_of(tmp_path / "lost.ipynb", ROOT) == "lost"


def test_cli_score_table_notes_a_total_other_than_the_manifest():
    from cnncourse import cli

    result = {"assignment": "01_pixels_and_filters", "notebook": "nb.ipynb", "seconds": 1.0, "flags": [],
              "rows": [{"test": "test_pad2d", "score": 3.0, "max_score": 3.0, "message": ""}],
              "score": 3.0, "max_score": 3.0, "expected_max_score": 12}
    assert "gives 01_pixels_and_filters 12 points, but this course folder's test cells give 3" in cli.format_table(result)
    result["expected_max_score"] = 3
    assert "note:" not in cli.format_table(result)
