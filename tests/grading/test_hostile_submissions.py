"""Submissions built by a determined student, graded by the real ``nbgrader autograde``.

Each submission is the release with every function solved except the ones it attacks,
which are wrong (``mean_kernel`` forgets to divide by the kernel size) and try to get
points anyway: patching the checks, frame walking, lying arrays, IPython hooks, the
reference's own code, files for the next student.  The trusted grader must give those
tests 0 and the honest functions full marks.  Honest-but-noisy submissions must get full
marks, and faults (crash, endless loop, memory, output flood) must cost only their
function and be flagged (``needs_manual_grade`` and an automatic comment).
"""

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import MODULES, ROOT, nbgrader, nbgrader_meta, read_nb, write_nb
from nbgrader.api import Gradebook

M01 = "01_pixels_and_filters"
M04 = "04_training_cnns"

WRONG_MEAN = '''
def mean_kernel(size):
    kh, kw = (size, size) if np.isscalar(size) else size
    return np.ones((kh, kw))   # wrong: not divided by kh * kw
'''


def _solution(cell):
    return "\n".join(ln for ln in "".join(cell["source"]).splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _solutions(module):
    nb = read_nb(ROOT / "solutions" / module / f"{module}.ipynb")
    return {nbgrader_meta(c)["grade_id"]: _solution(c) for c in nb["cells"] if nbgrader_meta(c).get("solution")}


def _points(module):
    nb = read_nb(ROOT / "solutions" / module / f"{module}.ipynb")
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"]) for c in nb["cells"]
            if nbgrader_meta(c).get("grade")}


def _code_cell(source):
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}


def submission(module, replace=None, setup="", last="", duplicate=None):
    """The release, solved, with ``replace`` (grade_id -> source), a ``setup`` cell after the imports, a ``last`` cell."""
    nb = read_nb(ROOT / "assignments" / module / f"{module}.ipynb")
    solutions = _solutions(module)
    replace = replace or {}
    cells = []
    for i, cell in enumerate(nb["cells"]):
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution"):
            cell["source"] = replace.get(grade_id, solutions[grade_id])
        cells.append(cell)
        if duplicate is not None and grade_id == duplicate:
            cells.append(copy.deepcopy(cell))
        if i == 1 and setup:
            cells.append(_code_cell(textwrap.dedent(setup)))
    if last:
        cells.append(_code_cell(textwrap.dedent(last)))
    nb["cells"] = cells
    return nb


ATTACK = {  # name -> (setup cell, mean_kernel source); mean_kernel is wrong in all of them
    "rebind-check": ("""
        import cnncourse.checks.pixels_and_filters as P
        P.check_mean_kernel = lambda *a, **k: print("mean_kernel: all checks passed.")
        """, WRONG_MEAN),
    "fake-fresh": ("""
        import cnncourse.checks as C, types
        fake = types.SimpleNamespace(pixels_and_filters=types.SimpleNamespace(check_mean_kernel=lambda *a, **k: None))
        C.fresh = C.hidden = lambda: fake
        import importlib
        importlib.reload = lambda m: C
        """, WRONG_MEAN),
    "import-hook": ("""
        import sys, types, importlib.abc, importlib.machinery
        class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
            def find_spec(self, name, path, target=None):
                if name.startswith("cnncourse.checks"):
                    return importlib.machinery.ModuleSpec(name, self, is_package=True)
            def create_module(self, spec):
                return None
            def exec_module(self, module):
                module.__getattr__ = lambda n: types.SimpleNamespace(__getattr__=None) if False else (lambda *a, **k: None)
                module.fresh = lambda: module
                module.pixels_and_filters = module
        for name in [n for n in sys.modules if n.startswith("cnncourse.checks")]:
            del sys.modules[name]
        sys.meta_path.insert(0, Finder())
        """, WRONG_MEAN),
    "guard-reload": ("""
        import importlib, cnncourse.ref._guard as G, cnncourse.ref.filters as F
        G.reference = lambda f: f
        importlib.reload(F)
        """, "def mean_kernel(size):\n    return F.mean_kernel(size)\n"),
    "exec-reference-source": ("", """
import inspect, cnncourse.ref.filters as F
_ns = {"np": np, "v": __import__("cnncourse._validate", fromlist=["x"])}
exec(inspect.getsource(F.mean_kernel).split("\\n", 1)[1], _ns)   # without the decorator
mean_kernel = _ns["mean_kernel"]
"""),
    "reference-code-object": ("", """
import cnncourse.ref.filters as F
_inner = next(c.cell_contents for c in F.mean_kernel.__closure__ if callable(c.cell_contents))
def mean_kernel(size):
    return _inner(size)
"""),
    "guard-escape-hatch": ("", """
import cnncourse.ref._guard as G, cnncourse.ref.filters as F
def mean_kernel(size):
    with G.trusted_code():
        return F.mean_kernel(size)
"""),
    "reference-from-deeper-frame": ("", """
import threading, cnncourse.ref.filters as F
def mean_kernel(size):
    box = []
    t = threading.Thread(target=lambda: box.append(F.mean_kernel(size)))
    t.start(); t.join()
    return box[0] if box else np.ones((size, size))
"""),
    "frame-walk-read": ("", """
import sys
def mean_kernel(size):
    f = sys._getframe(1)
    while f is not None:
        for key in ("expected", "variant_output", "want"):
            if isinstance(f.f_locals.get(key), np.ndarray):
                return f.f_locals[key]
        f = f.f_back
    return np.ones((size, size) if np.isscalar(size) else size)
"""),
    "frame-walk-write": ("", """
import sys
def mean_kernel(size):
    out = np.ones((size, size) if np.isscalar(size) else size)
    f = sys._getframe(1)
    while f is not None:
        if "expected" in f.f_locals:
            f.f_locals["expected"] = out
            import ctypes
            ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(f), ctypes.c_int(0))
        f = f.f_back
    return out
"""),
    "lying-ndarray": ("", """
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), bool)
    def __sub__(self, other): return np.zeros(np.shape(self))
    def __rsub__(self, other): return np.zeros(np.shape(self))
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(np.shape(inputs[0]), bool) if ufunc in (np.isclose, np.equal) else np.zeros(np.shape(inputs[0]))
def mean_kernel(size):
    return np.ones((size, size) if np.isscalar(size) else size).view(Liar)
"""),
    "patch-numpy": ("""
        np.isclose = lambda *a, **k: np.True_
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        """, WRONG_MEAN),
    "custom-exc": ("""
        get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)
        """, WRONG_MEAN),
    "nbgrader-env": ("""
        import os
        if os.environ.get("NBGRADER_EXECUTION") or True:
            import cnncourse.checks.pixels_and_filters as P
            P.check_mean_kernel = lambda *a, **k: None
        """, WRONG_MEAN),
    "fake-sys-modules": ("""
        import sys, types
        fake = types.ModuleType("cnncourse.checks")
        fake.pixels_and_filters = types.SimpleNamespace(check_mean_kernel=lambda *a, **k: None)
        fake.fresh = lambda: fake
        sys.modules["cnncourse.checks"] = fake
        import cnncourse; cnncourse.checks = fake
        checks = fake
        """, WRONG_MEAN),
    "hostile-object": ("", """
class Anything:
    shape = (3, 3); dtype = np.dtype(float)
    def __eq__(self, other): return True
    def __array__(self, *a, **k): return np.full((3, 3), 1 / 9)
def mean_kernel(size):
    return Anything()
"""),
    "system-exit": ("", "def mean_kernel(size):\n    raise SystemExit(0)\n"),
    "read-instructor-solutions": ("", f"""
import json
try:   # the instructor's source notebook, by its path on the grading machine
    _nb = json.load(open({str(ROOT / "solutions" / M01 / (M01 + ".ipynb"))!r}))
    exec(next("".join(c["source"]) for c in _nb["cells"]
              if c["metadata"].get("nbgrader", {{}}).get("grade_id") == "mean_kernel"))
except OSError:
""" + textwrap.indent(WRONG_MEAN, "    ")),
}
#: Attacks only bubblewrap stops: the fallback sandbox leaves readable files readable (documented).
NEEDS_BWRAP = {"read-instructor-solutions"}

# The input transformer turns every later cell into `pass`: no function is defined at all.
ALL_ZERO = {"input-transformer": ("get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n", None)}

FAULTS = {  # name -> (mean_kernel source, flag kind)
    "crash-os-exit": ("def mean_kernel(size):\n    import os; os._exit(3)\n", "crashed"),
    "endless-loop": ("""
def mean_kernel(size):
    while True:
        try:
            pass
        except KeyboardInterrupt:
            pass
""", "timeout"),
    "memory-hog": ("def mean_kernel(size):\n    hog = np.ones(int(2.5 * 2**30) // 8)\n    return hog\n", "memory"),
    "output-flood": ("def mean_kernel(size):\n    print('x' * 20_000_000)\n    return np.ones((size, size)) / size**2\n",
                     "output"),
}

HONEST = {  # name -> (replace, setup, duplicate)
    "tqdm-no-total": ({"correlate2d": _solutions(M01)["correlate2d"].replace(
        "    for i in range(out_h):", "    import tqdm\n    for _ in tqdm.tqdm(iter(range(3))): pass\n    for i in range(out_h):")},
        "", None),
    "carriage-returns-and-stderr": ({"mean_kernel": _solutions(M01)["mean_kernel"].replace(
        '    return np.ones', '    import sys; print("working\\r", end=""); print("debug", file=sys.stderr)\n'
                               '    import warnings; warnings.warn("noisy", UserWarning)\n    return np.ones')}, "", None),
    "float32-results": ({"correlate2d": _solutions(M01)["correlate2d"].replace(
        "    return out", "    return out.astype(np.float32)")}, "", None),
    "duplicated-cell": ({}, "", "mean_kernel"),
}


def _new_course(path):
    """A course of its own (config + solutions, assignments generated) at ``path``."""
    import shutil

    path.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", path / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", path / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    for module in MODULES:
        nbgrader(["generate_assignment", module, "--force"], cwd=path)
    return path


def _once(tmp_path_factory, worker_id, name, build):
    """``build(course)`` once per test run, even with several xdist workers; return (course, its results).

    The results are stored as JSON next to the course, in the temporary folder the workers
    share; the others wait on a file lock and read them.
    """
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    course, done = shared / f"{name}-course", shared / f"{name}.json"
    with FileLock(str(shared / f"{name}.lock")):
        if not done.exists():
            results = build(_new_course(course))
            done.write_text(json.dumps(results), encoding="utf-8")
    results = json.loads(done.read_text(encoding="utf-8"))
    return course, {key: (scores, set(flagged), comments) for key, (scores, flagged, comments) in results.items()}


def _scores(course, module, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(module, module, student)
        scores = {g.name: float(g.score or 0.0) for g in nb.grades}
        flagged = {g.name for g in nb.grades if g.needs_manual_grade}
        comments = " ".join(c.auto_comment or "" for c in nb.comments)
    return scores, flagged, comments


def _grade_01(course_dir):
    """Autograde every module-01 attack, fault and honest variant in one nbgrader run."""
    students = {}
    for name, (setup, mean) in ATTACK.items():
        students[name] = submission(M01, {"mean_kernel": mean}, setup=setup)
    for name, (setup, _) in ALL_ZERO.items():
        students[name] = submission(M01, setup=setup)
    for name, (mean, _) in FAULTS.items():
        students[name] = submission(M01, {"mean_kernel": mean})
    for name, (replace, setup, duplicate) in HONEST.items():
        students[name] = submission(M01, replace, setup=setup, duplicate=duplicate)
    students["solution"] = submission(M01)
    students["top-level-crash"] = submission(M01, setup="import os\nos._exit(0)\n")
    for student, nb in students.items():
        write_nb(course_dir / "submitted" / student / M01 / f"{M01}.ipynb", nb)
    with _env(CNNCOURSE_REQUEST_SECONDS="20", CNNCOURSE_MEMORY_MB="2048"):
        nbgrader(["autograde", M01, "--force"], cwd=course_dir)  # every student in submitted/, one process
    return {s: _jsonable(_scores(course_dir, M01, s)) for s in students}


def _jsonable(result):
    scores, flagged, comments = result
    return scores, sorted(flagged), comments


@pytest.fixture(scope="module")
def hostile_01_course(tmp_path_factory, worker_id):
    return _once(tmp_path_factory, worker_id, "hostile-01", _grade_01)


@pytest.fixture(scope="module")
def hostile_01(hostile_01_course):
    return hostile_01_course[1]


class _env:
    """Set environment variables for the nbgrader subprocesses started inside the block."""

    def __init__(self, **values):
        self.values = values

    def __enter__(self):
        self.old = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)

    def __exit__(self, *exc):
        for k, v in self.old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ATTACK))
def test_attack_gets_no_points_for_the_wrong_function(hostile_01, name):
    from cnncourse.grading import sandbox

    if name in NEEDS_BWRAP and sandbox.mode() != "bwrap":
        pytest.skip("graded in the fallback sandbox (no bubblewrap here), which does not hide readable files")
    scores, flagged, _ = hostile_01[name]
    points = _points(M01)
    assert scores["test_mean_kernel"] == 0.0, name
    assert {k: v for k, v in scores.items() if k != "test_mean_kernel"} == \
        {k: v for k, v in points.items() if k != "test_mean_kernel"}, name


@pytest.mark.slow
def test_input_transformer_cannot_skip_the_tests(hostile_01):
    scores, _, _ = hostile_01["input-transformer"]
    assert set(scores.values()) == {0.0}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_costs_only_its_function_and_is_flagged(hostile_01, name):
    scores, flagged, comments = hostile_01[name]
    points = _points(M01)
    assert scores["test_mean_kernel"] == 0.0
    assert {k: v for k, v in scores.items() if k != "test_mean_kernel"} == \
        {k: v for k, v in points.items() if k != "test_mean_kernel"}
    assert "test_mean_kernel" in flagged
    kind = FAULTS[name][1]
    from cnncourse.grading.client import FAULT_KINDS
    assert f"cnncourse flag: test test_mean_kernel: {FAULT_KINDS[kind]}" in comments, comments


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(HONEST) + ["solution"])
def test_honest_work_gets_full_marks(hostile_01, name):
    scores, flagged, _ = hostile_01[name]
    assert scores == _points(M01), name
    assert not flagged, name


@pytest.mark.slow
def test_a_crashing_student_cell_costs_nothing_and_is_flagged(hostile_01):
    scores, flagged, comments = hostile_01["top-level-crash"]
    assert scores == _points(M01)
    assert not flagged and "cnncourse flag: cell" in comments and "the notebook's process died" in comments


# ------------------------------------------------------------------ persistence: attacker, then honest victim

def _targets(course, package):
    from cnncourse import data

    return {
        "package file": package / "checks" / "_core.py",
        "course config": course / "nbgrader_config.py",
        "solution notebook": course / "solutions" / M01 / f"{M01}.ipynb",
        "IPython startup file": Path.home() / ".ipython" / "profile_default" / "startup" / "00-cnncourse-evil.py",
        "Fashion-MNIST cache": data.data_dir() / "fashion-mnist" / "train-images-idx3-ubyte",
    }


PAYLOAD = ("\nimport cnncourse.checks._core as _c\n_c.run_check = lambda *a, **k: None  # evil\n"
           "c = get_config() if 'get_config' in dir() else None\n")


def _attacker(course, gradebook, package):
    paths = [str(p) for p in _targets(course, package).values()]
    return submission(M01, {"mean_kernel": WRONG_MEAN}, setup=f"""
        import os, sqlite3
        for path in {paths!r} + ["../../../nbgrader_config.py"]:
            try:
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                with open(path, "a") as f:
                    f.write({PAYLOAD!r})
            except Exception as exc:
                print("blocked:", path, type(exc).__name__)
        try:
            db = sqlite3.connect({str(gradebook)!r})
            db.execute("UPDATE grade SET manual_score = 100")
            db.commit()
        except Exception as exc:
            print("blocked: gradebook", type(exc).__name__)
        """)


def _digest(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["bwrap", "fallback"])
def test_nothing_an_attacker_writes_reaches_the_next_student(tmp_path, mode, monkeypatch):
    """The attacker writes to what the grading user can write; the fallback sandbox may let it, then restores.

    So that what it writes meanwhile reaches no other test, nbgrader grades here with a copy of the
    package (first on PYTHONPATH), a HOME and a data cache of its own: other tests, run at the same
    time by pytest-xdist, import the real package and start kernels with the real IPython settings.
    """
    import shutil

    from cnncourse.grading import sandbox

    if mode == "bwrap" and not sandbox.bwrap_works():
        pytest.skip("bubblewrap is not installed or cannot run here (Debian: apt-get install bubblewrap)")
    shutil.copytree(ROOT / "cnncourse", tmp_path / "site" / "cnncourse", ignore=shutil.ignore_patterns("__pycache__"))
    package = tmp_path / "site" / "cnncourse"
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CNNCOURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("CNNCOURSE_SANDBOX", mode)
    (package / "checks" / "_core.py").chmod(0o666)  # writable to the worker's user, whoever that is
    course_dir = _new_course(tmp_path / "course")
    probe = subprocess.run([sys.executable, "-c", "import cnncourse; print(cnncourse.__file__)"], capture_output=True,
                           text=True, check=True, cwd=course_dir)
    assert probe.stdout.strip() == str(package / "__init__.py")  # nbgrader (run in course_dir) grades with the copy
    targets = _targets(course_dir, package)
    before = {name: _digest(path) for name, path in targets.items()}
    attacker, victim = f"attacker-{mode}", f"victim-{mode}"
    write_nb(course_dir / "submitted" / attacker / M01 / f"{M01}.ipynb", _attacker(course_dir, course_dir / "gradebook.db", package))
    write_nb(course_dir / "submitted" / victim / M01 / f"{M01}.ipynb", submission(M01, {"mean_kernel": WRONG_MEAN}))
    try:
        nbgrader(["autograde", M01, "--student", attacker, "--force"], cwd=course_dir)
        after = {name: _digest(path) for name, path in targets.items()}
        nbgrader(["autograde", M01, "--student", victim, "--force"], cwd=course_dir)
    finally:
        startup = targets["IPython startup file"]
        if before["IPython startup file"] is None and startup.exists():
            startup.unlink()
    assert after == before, [name for name in before if after[name] != before[name]]
    scores, flagged, comments = _scores(course_dir, M01, victim)
    points = _points(M01)
    assert scores == {**points, "test_mean_kernel": 0.0}
    assert not flagged
    attacker_scores, attacker_flagged, attacker_comments = _scores(course_dir, M01, attacker)
    # the writes gained nothing: its wrong mean_kernel fails, though the checks' file it loaded from was
    # rewritten (fallback) before its first test cell ran, and its hidden tests ran after that
    assert attacker_scores == {**points, "test_mean_kernel": 0.0}
    if mode == "fallback":  # the weaker sandbox let the writes happen, then restored and flagged them
        assert "changed" in attacker_comments and attacker_flagged
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(M01, M01, attacker)
        assert all(g.manual_score is None for g in nb.grades)


# ------------------------------------------------------------------ modules 02-04

M02, M03 = "02_convolution_layers", "03_backprop"

LATER = {  # (module, student) -> (replacements, setup, tests that must score 0)
    (M02, "lying-relu"): ({"relu": """
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), bool)
    def __array_ufunc__(self, *a, **k): return np.ones(np.shape(a[2]), bool)
def relu(x):
    return np.abs(x).view(Liar)
"""}, "", {"test_relu"}),
    (M02, "patched-checks-core"): ({"sigmoid": "def sigmoid(x):\n    return np.tanh(x)\n"}, """
        import cnncourse.checks._core as core
        core.compare = lambda *a, **k: None
        core.run_check = lambda student, **k: print("sigmoid: all checks passed.")
        """, {"test_sigmoid"}),
    (M03, "frame-walk-backward"): ({"dense_backward": """
import sys
def dense_backward(dout, x, w):
    f = sys._getframe(1)
    while f is not None:
        if "expected" in f.f_locals:
            return f.f_locals["expected"]
        f = f.f_back
    return dout @ w, x.T @ dout, dout.sum(axis=0)    # wrong: dw and dx mixed up
"""}, "", {"test_dense_backward", "test_toy_gradients", "test_train_toy"}),  # the toy network uses it
    (M03, "numerical-gradient-from-callback"): ({"numerical_gradient": """
def numerical_gradient(f, x, h=1e-5):
    import inspect
    g = getattr(f, "__globals__", {})       # the grader's function: its globals are not here
    return g.get("expected", np.zeros_like(x))
"""}, "", {"test_numerical_gradient"}),
    (M04, "hardcoded-evaluate"): ({"evaluate": "def evaluate(model, loader):\n    return 0.9\n"}, "",
                                  {"test_evaluate", "test_training_run"}),
    (M04, "train-on-test-set"): ({"train_one_epoch": _solutions(M04)["train_one_epoch"].replace(
        "    for x, y in loader:", "    images, labels = data.load_fashion_mnist('test')\n"
                                   "    loader = [(torch.as_tensor(images[:64, None] / 255.0).float(), "
                                   "torch.as_tensor(labels[:64]))]\n    for x, y in loader:")}, "",
        {"test_train_one_epoch", "test_training_run"}),
    (M04, "saved-weights"): ({"train_one_epoch": _solutions(M04)["train_one_epoch"].replace(
        "    model.train()", "    import os\n    model.load_state_dict(torch.load(os.path.expanduser('~/cheat.pt')))\n"
                            "    model.train()")}, """
        import os, torch
        torch.save({}, os.path.expanduser("~/cheat.pt"))
        """, {"test_train_one_epoch", "test_training_run"}),
    (M04, "over-budget-mlp"): ({"build_cnn": """
def build_cnn():
    return nn.Sequential(nn.Conv2d(1, 1, 1), nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
"""}, "", {"test_build_cnn", "test_training_run"}),
    (M04, "honest-variants"): ({
        "build_cnn": _solutions(M04)["build_cnn"].replace("nn.Linear(64 * 3 * 3, 10)", "nn.LazyLinear(10)"),
        "train_one_epoch": _solutions(M04)["train_one_epoch"].replace(
            "    for x, y in loader:", "    import sys\n    from tqdm.auto import tqdm\n"
                                      "    print('epoch starts', file=sys.stderr)\n    for x, y in tqdm(iter(loader)):")
        .replace("return total / count", "return total / len(loader.dataset)")}, "", set()),
}


def _grade_later(course):
    for (module, student), (replace, setup, _) in LATER.items():
        write_nb(course / "submitted" / student / module / f"{module}.ipynb", submission(module, replace, setup=setup))
    for module in (M02, M03, M04):
        nbgrader(["autograde", module, "--force"], cwd=course)  # its LATER students, one process
    return {f"{module}/{student}": _jsonable(_scores(course, module, student)) for module, student in LATER}


@pytest.fixture(scope="module")
def hostile_later(tmp_path_factory, worker_id):
    return _once(tmp_path_factory, worker_id, "hostile-later", _grade_later)[1]


@pytest.mark.slow
@pytest.mark.parametrize("module, student", sorted(LATER))
def test_later_modules_give_attacks_nothing_and_honest_variants_everything(hostile_later, module, student):
    scores, flagged, _ = hostile_later[f"{module}/{student}"]
    zero = LATER[(module, student)][2]
    assert scores == {test: (0.0 if test in zero else points) for test, points in _points(module).items()}
    assert not flagged


# ------------------------------------------------------------------ the self-study path

@pytest.mark.slow
@pytest.mark.parametrize("name", ["rebind-check", "frame-walk-read", "lying-ndarray"])
def test_cnncourse_grade_gives_the_trusted_scores(tmp_path, name):
    setup, mean = ATTACK[name]
    notebook = tmp_path / M01 / f"{M01}.ipynb"
    write_nb(notebook, submission(M01, {"mean_kernel": mean}, setup=setup))
    proc = subprocess.run([sys.executable, "-m", "cnncourse.cli", "grade", str(notebook), "--course", str(ROOT)],
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stderr
    total = sum(_points(M01).values())
    assert f"{total - _points(M01)['test_mean_kernel']:g} / {total:g}" in proc.stdout, proc.stdout
    assert "Hint: unnormalized mean kernel" in proc.stdout or "mean_kernel() failed" in proc.stdout


@pytest.mark.slow
def test_feedback_shows_the_fault_and_the_hint(hostile_01_course):
    hostile_course = hostile_01_course[0]
    nbgrader(["generate_feedback", M01, "--student", "crash-os-exit", "--force"], cwd=hostile_course)
    nbgrader(["generate_feedback", M01, "--student", "rebind-check", "--force"], cwd=hostile_course)
    crash = (hostile_course / "feedback" / "crash-os-exit" / M01 / f"{M01}.html").read_text(encoding="utf-8")
    assert "flagged for your instructor: test test_mean_kernel: the notebook" in crash and "process died" in crash
    wrong = (hostile_course / "feedback" / "rebind-check" / M01 / f"{M01}.html").read_text(encoding="utf-8")
    assert "Hint: unnormalized mean kernel" in wrong
