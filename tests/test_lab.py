"""The course's JupyterLab in a real browser: what a student sees (`make lab`) and what an instructor sees.

Each test starts the lab through the Makefile on a free port, with a token and private settings and
workspace folders (so nothing of the user's ~/.jupyter is read or written), and drives headless
Chromium (Debian's `chromium`) with playwright. They skip, saying why, without either.
"""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, stop_process_group

LECTURE = "notebooks/01_pixels_and_filters_lecture.ipynb"
ASSIGNMENT = "assignments/01_pixels_and_filters/01_pixels_and_filters.ipynb"
TOKEN = "cnncourse-browser-test"
NEWS_PROMPT = "official Jupyter news"


def chromium_path():
    """The system Chromium (`CNNCOURSE_CHROMIUM` overrides), or None."""
    return os.environ.get("CNNCOURSE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def require_browser():
    """Skip the calling test, saying what to install, unless playwright and Chromium are there."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    if not chromium_path():
        pytest.skip("no chromium on PATH: apt-get install chromium (.ci/run installs it), or set CNNCOURSE_CHROMIUM")


@contextmanager
def browser_page(width=1440, height=900):
    """A fresh page in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # --no-sandbox: CI runs as root, where Chromium's own sandbox refuses to start.
        browser = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def course_lab(target, tmp_path):
    """`make <target>` serving the course on a free port; yields its base URL."""
    port = _free_port()
    # no autosave: a test must never write the course's notebooks, even when one shows as modified
    docmanager = tmp_path / "user-settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text('{"autosave": false}', encoding="utf-8")
    args = " ".join([f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.token={TOKEN}",
                     f"--LabApp.user_settings_dir={tmp_path / 'user-settings'}",
                     f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
                     # JupyterLab makes a checkpoint of each notebook it opens: not in the course folders
                     f"--FileCheckpoints.checkpoint_dir={tmp_path / 'checkpoints'}",
                     "--LabApp.expose_app_in_browser=True"])  # lets the test open documents by command
    with open(tmp_path / f"{target}.log", "w+b") as log:
        proc = subprocess.Popen(["make", target, f"PORT={port}", f"LAB_ARGS={args}"], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise AssertionError(f"`make {target}` did not serve: {log.read().decode(errors='replace')}")
                    time.sleep(0.5)
            yield base
        finally:
            stop_process_group(proc)


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""


def open_lab(page, base, paths=()):
    """Load the lab, open ``paths`` as tabs, wait until their kernels are idle; return the page's state."""
    page.goto(f"{base}/lab?token={TOKEN}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    for path in paths:
        page.evaluate("async p => { await window.jupyterapp.restored;"
                      " await window.jupyterapp.commands.execute('docmanager:open', {path: p}); }", path)
    page.wait_for_function("""n => {
        const ws = [...window.jupyterapp.shell.widgets('main')].filter(w => w.sessionContext);
        return ws.length === n && ws.every(w => {
            const k = w.sessionContext.session && w.sessionContext.session.kernel;
            return w.context.isReady && k && k.status === 'idle'; });
    }""", arg=len(paths), timeout=180_000)
    time.sleep(3)  # the kernel's metadata write and the startup notifications come just after
    return page.evaluate("""() => ({
        menus: [...document.querySelectorAll('#jp-menu-panel .lm-MenuBar-itemLabel')].map(e => e.textContent),
        sidebars: [...document.querySelectorAll('.jp-SideBar .lm-TabBar-tab')].map(e => e.title || e.textContent),
        toolbar: [...document.querySelectorAll('.jp-NotebookPanel-toolbar')].map(e => e.innerText).join(' '),
        tabs: [...document.querySelectorAll('#jp-main-dock-panel .lm-TabBar-tab')].map(e => ({
            label: e.querySelector('.lm-TabBar-tabLabel').textContent,
            dirty: e.classList.contains('jp-mod-dirty')})),
        models: [...window.jupyterapp.shell.widgets('main')].filter(w => w.context)
                    .map(w => ({path: w.context.path, dirty: w.context.model.dirty})),
        text: document.body.innerText,
        disabled: JSON.parse(document.getElementById('jupyter-config-data').textContent).disabledExtensions,
    })""")


def nbgrader_ui(state):
    """What of nbgrader's instructor UI the page shows."""
    found = []
    if "Nbgrader" in state["menus"]:
        found.append("Nbgrader menu")
    if any("Create Assignment" in t or "Assignment List" in t or "Courses" in t for t in state["sidebars"]):
        found.append("nbgrader sidebar")
    if "Validate" in state["toolbar"]:
        found.append("Validate button")
    return found


@pytest.mark.slow
def test_student_lab_has_no_instructor_ui_no_news_and_clean_distinct_tabs(tmp_path):
    require_browser()
    with course_lab("lab", tmp_path) as base, browser_page() as page:
        state = open_lab(page, base, [LECTURE, ASSIGNMENT])
        status, _ = _get(f"{base}/formgrader?token={TOKEN}")
        settings = json.loads(_get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification"
                                   f"?token={TOKEN}")[1])
    assert nbgrader_ui(state) == [], f"the student's lab shows nbgrader's instructor UI: {nbgrader_ui(state)}"
    assert "@jupyter/nbgrader" in state["disabled"]
    assert status == 404, "formgrader is served in the student's lab"
    assert NEWS_PROMPT not in state["text"], "the JupyterLab news prompt is shown"
    defaults = {k: v.get("default") for k, v in settings["schema"]["properties"].items()}  # overrides change these
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults
    labels = [t["label"] for t in state["tabs"] if t["label"].endswith(".ipynb")]
    assert sorted(labels) == sorted(["01_pixels_and_filters_lecture.ipynb", "01_pixels_and_filters.ipynb"]), labels
    assert [m for m in state["models"] if m["dirty"]] == [], f"marked modified on open: {state['models']}"
    assert not any(t["dirty"] for t in state["tabs"]), state["tabs"]


@pytest.mark.slow
def test_instructor_lab_has_nbgrader_ui(tmp_path):
    require_browser()
    with course_lab("lab-instructor", tmp_path) as base, browser_page() as page:
        state = open_lab(page, base, [ASSIGNMENT])
        status, _ = _get(f"{base}/formgrader?token={TOKEN}")
    assert set(nbgrader_ui(state)) >= {"Nbgrader menu", "nbgrader sidebar", "Validate button"}, nbgrader_ui(state)
    assert status == 200, "formgrader is not served in the instructor's lab"
    assert NEWS_PROMPT not in state["text"]
    assert [m for m in state["models"] if m["dirty"]] == []


def _installed(*parts):
    import sys

    return Path(sys.prefix, *parts)


def test_settings_overrides_name_real_settings_with_valid_values():
    """A misspelt plugin, key or value would be ignored silently, and the news prompt would be back."""
    overrides = json.loads((ROOT / "jupyter" / "settings" / "overrides.json").read_text(encoding="utf-8"))
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}
    for plugin, values in overrides.items():
        package, name = plugin.split(":")
        schema_path = _installed("share", "jupyter", "lab", "schemas", package, f"{name}.json")
        assert schema_path.exists(), f"no JupyterLab settings schema for {plugin}"
        properties = json.loads(schema_path.read_text(encoding="utf-8"))["properties"]
        for key, value in values.items():
            assert key in properties, f"{plugin} has no setting {key!r}"
            allowed = [o["const"] for o in properties[key].get("oneOf", [])] or None
            assert allowed is None or value in allowed, f"{plugin}.{key}: {value!r} not in {allowed}"


def test_student_config_turns_off_every_nbgrader_extension_installed():
    student = ROOT / "jupyter" / "student"
    disabled_lab = json.loads((student / "labconfig" / "page_config.json").read_text(encoding="utf-8"))
    assert disabled_lab["disabledExtensions"] == {"@jupyter/nbgrader": True}
    assert _installed("share", "jupyter", "labextensions", "@jupyter", "nbgrader", "package.json").exists()
    server = json.loads((student / "jupyter_server_config.json").read_text(encoding="utf-8"))
    disabled = server["ServerApp"]["jpserver_extensions"]
    enabled_by_nbgrader = json.loads(_installed("etc", "jupyter", "jupyter_server_config.d", "nbgrader.json")
                                     .read_text(encoding="utf-8"))["ServerApp"]["jpserver_extensions"]
    assert disabled == {name: False for name in enabled_by_nbgrader}
