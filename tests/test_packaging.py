"""pyproject.toml and environment.yml list the same dependencies; import stays light; repo hygiene."""

import os
import re
import subprocess
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from conftest import ROOT

CONDA_NAMES = {"torch": "pytorch"}  # PyPI name -> conda-forge name where they differ


def _split(requirement):
    requirement = requirement.split(";")[0].split("#")[0]  # drop environment markers and comments
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return name.lower(), spec.replace(" ", "")


def _pyproject():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = dict(_split(r) for r in data["dependencies"] + data["optional-dependencies"]["test"])
    return data, deps


def _environment():
    deps, in_deps = {}, False
    for line in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        match = re.match(r"^\s+-\s+(\S+)", line)
        if in_deps and match:
            name, spec = _split(match.group(1))
            deps[name] = spec
    return deps


def test_environment_yml_matches_pyproject():
    data, pip_deps = _pyproject()
    conda = _environment()
    assert conda.pop("python") == data["requires-python"].replace(" ", "")
    conda.pop("pip")
    expected = {CONDA_NAMES.get(name, name): spec for name, spec in pip_deps.items()}
    assert conda == expected


def test_required_runtime_dependencies_are_declared():
    _, deps = _pyproject()
    for name in ("numpy", "torch", "torchvision", "matplotlib", "ipywidgets", "jupyterlab", "nbgrader", "tqdm",
                 "pillow", "scikit-image", "mlxtend"):
        assert name in deps


def test_importing_cnncourse_does_not_import_torch_or_ipywidgets():
    code = ("import sys, cnncourse, cnncourse.checks, cnncourse.ref.filters; "
            "cnncourse.checks.pixels_and_filters; cnncourse.checks.training_cnns; cnncourse.checks.fresh(); "
            "print(sorted(m for m in ('torch', 'ipywidgets', 'torchvision') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")]
    assert commands[-1] == "make test" and "make test" in readme and "make lab" in readme


def test_ci_script_runs_to_make_test_when_installs_fail(tmp_path):
    """`.ci/run` must be valid bash and reach `make test` even when every apt install fails."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    calls = tmp_path / "calls"
    (stubs / "make").write_text(f'#!/bin/sh\necho "make $*" >> {calls}\n', encoding="utf-8")
    (stubs / "apt-get").write_text(f'#!/bin/sh\necho "apt-get $*" >> {calls}\nexit 1\n', encoding="utf-8")
    (stubs / "sudo").write_text('#!/bin/sh\nshift; exec "$@"\n', encoding="utf-8")
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(ROOT / ".ci" / "run")], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert calls.read_text(encoding="utf-8").splitlines()[-1] == "make test"


def test_nbgrader_state_is_git_ignored():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    for entry in ("gradebook.db", "submitted/", "autograded/", "feedback/", ".venv/"):
        assert entry in ignored


def test_nbgrader_config_layout():
    text = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    assert 'c.CourseDirectory.source_directory = "solutions"' in text
    assert 'c.CourseDirectory.release_directory = "assignments"' in text
    assert "IncludeHeaderFooter.header =" not in text.replace("# nbgrader's quickstart points IncludeHeaderFooter.header", "")
