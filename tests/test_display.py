"""Notebook glue: figures of unfinished exercises, and failing checks shown message first."""

import html
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from cnncourse import display
from cnncourse.checks import CheckFailed
from cnncourse.checks import pixels_and_filters as pf


def _raising(image, kernel, stride=1, padding=0, mode="zeros"):
    out = [[0.0]]
    return out[len(image)]  # IndexError in the student's own line


def test_failure_lines_put_the_message_first_and_list_only_the_students_frames():
    with pytest.raises(CheckFailed) as info:
        pf.check_correlate2d(_raising)
    lines = display.failure_lines(info.value)
    assert lines[0].startswith(f"{display._RED}{display._BOLD}correlate2d() failed on case '")
    assert lines[1].startswith("  Hint: ")
    frames = [line for line in lines if ", line " in line]
    assert frames == [f"  {__file__}, line {_raising.__code__.co_firstlineno + 2}, in _raising"]
    assert not any("cnncourse" in line for line in lines[2:])


def test_a_failure_without_an_exception_of_the_student_shows_message_and_hint_only():
    with pytest.raises(CheckFailed) as info:
        pf.check_mean_kernel(lambda size: __import__("numpy").ones((size, size)))
    assert len(display.failure_lines(info.value)) == 2
    assert not hasattr(info.value, "student_error")


def test_not_implemented_shows_no_frames():
    def stub(n, kernel_size, stride=1, padding=0):
        raise NotImplementedError()

    with pytest.raises(CheckFailed) as info:
        pf.check_conv_output_size(stub)
    assert len(display.failure_lines(info.value)) == 2


def test_outside_ipython_nothing_is_installed():
    assert display.show_failures_first(CheckFailed) is False


CELLS = {
    "raises": """\
def correlate2d(image, kernel, stride=1, padding=0, mode="zeros"):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1] + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
checks.pixels_and_filters.check_correlate2d(correlate2d)""",
    "wrong values": """\
def correlate2d(image, kernel, stride=1, padding=0, mode="zeros"):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
checks.pixels_and_filters.check_correlate2d(correlate2d)""",
    "over the budget": """\
import torch.nn as nn
def build_cnn():
    return nn.Sequential(nn.Conv2d(1, 64, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 28 * 28, 10))
checks.training_cnns.check_build_cnn(build_cnn)""",
}


def _rendered_errors(nb):
    """The text of each error output as nbconvert's HTML shows it (what JupyterLab shows), by cell."""
    body, _ = HTMLExporter().from_notebook_node(nb)
    shown = re.findall(r'data-mime-type="application/vnd.jupyter.stderr"[^>]*>\s*<pre>(.*?)</pre>', body, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in shown]


def test_an_executed_notebook_shows_the_message_first_and_no_course_frames(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("from cnncourse import checks\nimport numpy as np")]
                                  + [nbformat.v4.new_code_cell(source) for source in CELLS.values()])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert [o.output_type for c in nb.cells[1:] for o in c.outputs] == ["error"] * 3  # the cells still fail
    raises, wrong, budget = _rendered_errors(nb)
    for text, case in ((raises, "2x2 ones kernel on a 3x3 image"), (wrong, "stride 2"),
                       (budget, "at most 100,000 parameters")):
        lines = text.splitlines()
        assert lines[0].startswith(f"{'build_cnn' if text is budget else 'correlate2d'}() failed on case '{case}'")
        assert lines[1].startswith("  Hint: ")
        for internal in ("cnncourse", "_core.py", "Traceback", "During handling", "site-packages", "----> "):
            assert internal not in text, (internal, text)
    assert "Hint: stride ignored" in wrong and len(wrong.splitlines()) == 2
    assert len(budget.splitlines()) == 2
    assert raises.splitlines()[2:] == ["", "Where your code raised IndexError:", "  Cell In[2], line 6, in correlate2d",
                                       "    out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)"]
