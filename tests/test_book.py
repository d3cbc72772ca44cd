"""`make book`: the static course site, built from the executed lectures, read in headless Chromium.

The build executes every lecture (the committed notebooks have no outputs), so the build test is
also the lectures' headless-execution test; tests/test_notebooks.py executes the solutions.
"""

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from test_lab import browser_page, require_browser

from cnncourse import course

BOOK = ROOT / "book"


def _toc_files():
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_toc_holds_every_module_in_course_order():
    files = _toc_files()
    lectures = [f for f in files if f.startswith("notebooks/")]
    assignments = [f for f in files if f.startswith("assignments/")]
    assert lectures == [str(Path(m.lecture).with_suffix("")) for m in course.MODULES]
    assert assignments == [str(Path(m.assignment).with_suffix("")) for m in course.MODULES]
    assert files[0] == "index" and "README" in files
    for name in files:
        assert (ROOT / name).with_suffix(".ipynb").exists() or (ROOT / name).with_suffix(".md").exists(), name


def test_book_build_artifacts_are_git_ignored():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "_build/" in ignored


def _build_book(out):
    """`make book` into ``out`` (a fresh folder, so every lecture executes); the build folder and its log."""
    started = time.perf_counter()
    proc = subprocess.run(["make", "book", f"BOOK_ARGS=--path-output {out}"], cwd=ROOT, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=1800, check=False)
    log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"`make book` failed:\n{log[-8000:]}"
    print(f"make book: {time.perf_counter() - started:.0f} s")
    return out / "_build", log


def _check_execution(build, log):
    times = dict(re.findall(r"(notebooks/\S+\.ipynb): Executed notebook in ([\d.]+) seconds", log))
    for module in course.MODULES:
        assert module.lecture in times, f"{module.lecture} was not executed by the build:\n{log[-4000:]}"
        print(f"{module.lecture} executed in {float(times[module.lecture]):.1f} s")  # budgets: benchmarks/
    assert not (build / "html" / "reports").exists(), "execution reports (failed cells) in the build"
    for module in course.MODULES:
        nb = json.loads((build / "jupyter_execute" / module.lecture).read_text(encoding="utf-8"))
        errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
        assert errors == [], f"{module.lecture}: error outputs {[(e['ename'], e['evalue']) for e in errors]}"
        stored = json.loads((ROOT / module.lecture).read_text(encoding="utf-8"))
        assert all(c.get("outputs", []) == [] for c in stored["cells"]), f"{module.lecture}: outputs committed"


def _images_in_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return sum(1 for c in nb["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {}))


def _check_pages(build):
    with browser_page(1280, 900) as page:
        for module in course.MODULES:
            page.goto((build / "html" / Path(module.lecture).with_suffix(".html")).as_uri())
            page.wait_for_load_state("load")
            # the equations are typeset by the site's own MathJax (book/_ext/offline_mathjax.py): offline too
            page.wait_for_function("""() => [...document.querySelectorAll('main .math.notranslate')].every(
                m => m.querySelector('.MathJax, .MathJax_Display'))""", timeout=120_000)
            assert page.evaluate("() => document.querySelectorAll('main .math .merror').length") == 0
            seen = page.evaluate("""() => ({
                h1: document.querySelector('main h1') && document.querySelector('main h1').textContent,
                figures: [...document.querySelectorAll('main .cell_output img')].map(i => i.naturalWidth),
                tracebacks: document.querySelectorAll('main .cell_output .traceback').length,
                text: document.querySelector('main').innerText,
            })""")
            assert seen["h1"] and seen["h1"].startswith(f"{module.number} · {module.title}"), seen["h1"]
            # every figure the executed lecture made (widgets' static twins included) is on the page
            expected = _images_in_outputs(build / "jupyter_execute" / module.lecture)
            assert expected > 0 and len(seen["figures"]) == expected, (module.lecture, expected, seen["figures"])
            assert all(width > 0 for width in seen["figures"]), f"{module.lecture}: a figure did not load"
            assert seen["tracebacks"] == 0 and "Traceback (most recent call last)" not in seen["text"]
        page.goto((build / "html" / "index.html").as_uri())
        links = page.evaluate("() => [...document.querySelectorAll('main a')].map(a => a.getAttribute('href'))")
        for module in course.MODULES:
            assert any(h and h.endswith(Path(module.lecture).with_suffix(".html").name) for h in links), links


@pytest.mark.slow
def test_make_book_executes_the_lectures_and_its_pages_show_them(tmp_path):
    """One test, so that `pytest -n 2` builds the book (about 3-6 minutes) once."""
    build, log = _build_book(tmp_path)
    _check_execution(build, log)
    require_browser()  # the build and the lectures' execution are checked above in any case
    _check_pages(build)
