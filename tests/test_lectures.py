"""The lectures teach what the seed asks for, and teach each tool before a cell uses it.

These read the stored lectures (their figures and numbers are checked where they are computed:
tests/plot/, tests/ref/, and tests/test_book.py executes every lecture).
"""

import re

import pytest
from conftest import ROOT, read_nb

from cnncourse import course


def _cells(module_id):
    return read_nb(ROOT / course.module(module_id[:2]).lecture)["cells"]


def _src(cell):
    return "".join(cell["source"])


def _first(cells, kind, pattern):
    """Index of the first cell of ``kind`` whose source matches ``pattern`` (a regex)."""
    for i, cell in enumerate(cells):
        if cell["cell_type"] == kind and re.search(pattern, _src(cell)):
            return i
    raise AssertionError(f"no {kind} cell matches {pattern!r}")


def _first_heading(cells, pattern):
    return _first(cells, "markdown", rf"(?im)^#+ .*{pattern}")


@pytest.mark.parametrize("taught, used", [
    ("batch normali[sz]ation", r"BatchNorm2d"),
    ("AdamW", r"AdamW|\bfit\("),
    ("one cycle|one-cycle", r"OneCycle|onecycle|\bfit\("),
    ("validation split", r"\bfit\("),
])
def test_lecture_04_teaches_each_tool_before_a_cell_uses_it(taught, used):
    cells = _cells("04_training_cnns")
    assert _first_heading(cells, taught) < _first(cells, "code", used), f"{taught!r} is used before it is taught"


def test_lecture_04_sets_the_threads_before_torch_and_uses_the_test_set_after_validation():
    cells = _cells("04_training_cnns")
    first_code = _src(cells[_first(cells, "code", r"import torch")])
    assert first_code.index("configure_threads()") < first_code.index("import torch")
    assert _first_heading(cells, "validation split") < _first_heading(cells, "test set, once")
    assert _first_heading(cells, "overfitting") < _first_heading(cells, "several|one class")


def test_lecture_01_works_the_192_example_centred_and_bridges_to_the_top_left_view():
    cells = _cells("01_pixels_and_filters")
    example = _first(cells, "markdown", r"(?s)\*\*192\*\*.*neighbour.*−1")
    assert _first_heading(cells, "top-left corner") > example
    assert re.search(r"out\[r - 1, c - 1\]", _src(cells[_first(cells, "code", r"correlate2d\(image6")]))


def test_lecture_02_names_min_pooling_and_counts_one_network():
    cells = _cells("02_convolution_layers")
    assert _first_heading(cells, "min pooling") > _first_heading(cells, "max and average")
    assert re.search(r"(?s)810.*1,470", _src(cells[_first(cells, "markdown", r"(?s)810.*1,470")]))


def test_lecture_03_derives_softmax_cross_entropy_and_checks_it_against_torch():
    cells = _cells("03_backprop")
    derivation = _first_heading(cells, "softmax and cross-entropy")
    assert _first(cells, "code", r"F\.cross_entropy") > derivation
    assert re.search(r"onehot|one-hot", _src(cells[_first_heading(cells, r"softmax\(z\)")]))
