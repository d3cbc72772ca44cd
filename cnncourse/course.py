"""The course manifest: every module, its notebooks, its checks and its graded test cells, as data.

One :class:`Module` per course module (``MODULES``, in course order) and one per module still
being written (``PLANNED``). A module's four files follow from its id (DESIGN §3: the id is used
verbatim in all four places; the lecture adds ``_lecture`` so that a lecture and its assignment open
in JupyterLab as two tabs with different names)::

    notebooks/01_pixels_and_filters_lecture.ipynb                  lecture
    solutions/01_pixels_and_filters/01_pixels_and_filters.ipynb    nbgrader source
    assignments/01_pixels_and_filters/01_pixels_and_filters.ipynb  nbgrader release
    cnncourse/checks/pixels_and_filters.py                         checks module (id without "NN_")

Each graded test cell is a :class:`GradedTest`: its nbgrader ``grade_id``, the check it calls,
the student functions it passes to that check, and its points. The values were read off the
solution notebooks' cell metadata; ``tests/test_course.py`` keeps the two in agreement (files,
cell metadata of solutions/ and assignments/, the points tables, ``cnncourse.checks``).

The module tables of ``README.md`` and ``index.ipynb`` are generated from this file::

    python -m cnncourse.course --write    # rewrite them
    python -m cnncourse.course --check    # exit 1 if they are out of date

This module is student-side (the CLI and the grading worker's copy use it): it imports only the
standard library, and nothing from the references, checks or grader.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MODULES", "PLANNED", "GradedTest", "Module", "exercise", "find_test", "ids", "index_table", "main",
           "module", "module_for_notebook", "readme_table", "table_regions", "total_points", "write_tables"]

_ID = re.compile(r"^(\d\d)_([a-z][a-z0-9_]*)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class GradedTest:
    """One graded test cell of an assignment (nbgrader ``grade: true``).

    Parameters
    ----------
    grade_id : str
        nbgrader ``grade_id`` of the test cell, e.g. ``"test_pad2d"``.
    check : str
        The function of the module's checks module that the cell calls, e.g. ``"check_pad2d"``.
    points : int or float
        The cell's ``metadata.nbgrader.points``.
    functions : tuple of str
        The student functions the cell passes to the check, in call order.
    solution : str or None
        ``grade_id`` of the solution cell (and name of the function it defines) that this cell
        grades; ``None`` for an integration test that grades several functions together.
    label : str
        How tables name the test: the function name, or e.g. ``"the training run"``.

    Examples
    --------
    >>> GradedTest("test_training_run", "check_training_run", 3,
    ...            ("build_cnn", "train_one_epoch", "evaluate"), None, "the training run").is_integration
    True
    """

    grade_id: str
    check: str
    points: float
    functions: tuple[str, ...]
    solution: str | None
    label: str

    def __post_init__(self) -> None:
        for name in (self.grade_id, self.check, *self.functions):
            if not _NAME.match(name):
                raise ValueError(f"`GradedTest` names must be Python identifiers; got {name!r}.")
        if not self.functions:
            raise ValueError(f"`functions` must name at least one student function; got () for {self.grade_id}.")
        if self.solution is not None and self.functions != (self.solution,):
            raise ValueError(f"`functions` must be ({self.solution!r},) for a test of one solution cell; "
                             f"got {self.functions!r} for {self.grade_id}. Use solution=None for an integration test.")
        if isinstance(self.points, bool) or not isinstance(self.points, (int, float)) or self.points <= 0:
            raise ValueError(f"`points` must be a number > 0; got {self.points!r} for {self.grade_id}.")

    @property
    def is_integration(self) -> bool:
        """True when the cell grades several functions together rather than one solution cell."""
        return self.solution is None


def exercise(function: str, points: float) -> GradedTest:
    """The usual test cell: ``test_<function>`` calls ``check_<function>(<function>)``.

    Parameters
    ----------
    function : str
        The student function, also the ``grade_id`` of the solution cell that defines it.
    points : int or float
        The test cell's points.

    Returns
    -------
    GradedTest

    Examples
    --------
    >>> exercise("pad2d", 3)
    GradedTest(grade_id='test_pad2d', check='check_pad2d', points=3, functions=('pad2d',), solution='pad2d', label='pad2d')
    """
    return GradedTest(f"test_{function}", f"check_{function}", points, (function,), function, function)


@dataclass(frozen=True)
class Module:
    """One course module: its id, what it teaches and its graded test cells.

    Parameters
    ----------
    id : str
        ``NN_topic``, e.g. ``"01_pixels_and_filters"``; names the lecture, solution, assignment
        and (without ``NN_``) the checks module.
    title : str
        The lecture notebook's title (its heading is ``# NN · <title>``).
    summary : str
        One line on what it teaches, for the README and index tables.
    tests : tuple of GradedTest
        The graded test cells, in notebook order; empty for a planned module.
    planned : bool
        True while the module is not written yet (no files, no checks).

    Examples
    --------
    >>> m = module("01_pixels_and_filters")
    >>> m.number, m.checks, m.total_points
    ('01', 'pixels_and_filters', 12)
    >>> m.solution
    'solutions/01_pixels_and_filters/01_pixels_and_filters.ipynb'
    >>> m.test("test_pad2d").points
    3
    """

    id: str
    title: str
    summary: str
    tests: tuple[GradedTest, ...] = ()
    planned: bool = False

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"`id` must look like 'NN_topic' (two digits, underscore, lower-case topic); got {self.id!r}.")
        if self.planned and self.tests:
            raise ValueError(f"a planned module has no graded tests yet; got {len(self.tests)} for {self.id}.")
        if not self.planned and not self.tests:
            raise ValueError(f"module {self.id} has no graded tests; list them, or mark it planned=True.")
        seen: set[str] = set()
        for name in [t.grade_id for t in self.tests] + [t.solution for t in self.tests if t.solution]:
            if name in seen:
                raise ValueError(f"grade_id {name!r} appears twice in module {self.id}; nbgrader needs unique ids.")
            seen.add(name)

    @property
    def number(self) -> str:
        """The two-digit module number, e.g. ``"03"``."""
        return self.id[:2]

    @property
    def checks(self) -> str:
        """Name of the checks module, ``cnncourse.checks.<checks>``: the id without ``NN_``."""
        return self.id[3:]

    @property
    def lecture(self) -> str:
        """The lecture notebook, relative to the course folder."""
        return f"notebooks/{self.id}_lecture.ipynb"

    @property
    def solution(self) -> str:
        """The nbgrader source notebook, relative to the course folder."""
        return f"solutions/{self.id}/{self.id}.ipynb"

    @property
    def assignment(self) -> str:
        """The nbgrader release notebook (generated from :attr:`solution`), relative to the course folder."""
        return f"assignments/{self.id}/{self.id}.ipynb"

    @property
    def paths(self) -> tuple[str, str, str]:
        """``(lecture, solution, assignment)``."""
        return self.lecture, self.solution, self.assignment

    @property
    def total_points(self) -> float:
        """The sum of the test cells' points (what nbgrader's max score for the notebook is)."""
        return sum(t.points for t in self.tests)

    @property
    def points(self) -> dict[str, float]:
        """``{test grade_id: points}`` in notebook order, as nbgrader's gradebook lists them."""
        return {t.grade_id: t.points for t in self.tests}

    @property
    def functions(self) -> tuple[str, ...]:
        """The student functions with a solution cell of their own, in notebook order."""
        return tuple(t.solution for t in self.tests if t.solution)

    def test(self, grade_id: str) -> GradedTest:
        """The test cell ``grade_id``; raises ValueError naming the module's test cells."""
        for t in self.tests:
            if t.grade_id == grade_id:
                return t
        raise ValueError(f"`grade_id` must be a test cell of {self.id}: one of "
                         f"{', '.join(t.grade_id for t in self.tests)}; got {grade_id!r}.")


MODULES: tuple[Module, ...] = (
    Module(
        "01_pixels_and_filters", "Pixels and filters",
        "images as matrices, cross-correlation by hand, blur and Sobel edge filters, kernel size, stride, "
        "padding modes, output size",
        (
            exercise("conv_output_size", 2),
            exercise("pad2d", 3),
            exercise("correlate2d", 4),
            exercise("mean_kernel", 1),
            exercise("sobel_kernels", 2),
        ),
    ),
    Module(
        "02_convolution_layers", "Convolution layers",
        "why dense layers don't scale, multi-channel conv with bias, activations, max/average pooling "
        "(and pooling as a convolution), flatten, parameter counts, receptive fields",
        (
            exercise("conv2d_forward_naive", 4),
            exercise("relu", 1),
            exercise("leaky_relu", 1),
            exercise("elu", 1),
            exercise("sigmoid", 2),
            exercise("tanh", 1),
            exercise("max_pool2d_forward", 2),
            exercise("avg_pool2d_forward", 1),
            exercise("avg_pool_as_conv", 2),
            exercise("flatten_forward", 1),
            exercise("count_params", 3),
            exercise("receptive_field", 2),
        ),
    ),
    Module(
        "03_backprop", "Backpropagation through a CNN",
        "the chain rule layer by layer on a 15-parameter CNN: backward of dense + sigmoid + cross-entropy, "
        "flatten, max-pool, ReLU and the batched multi-channel conv; numerical gradient checks; training by "
        "gradient descent; comparison with PyTorch autograd",
        (
            exercise("relu_backward", 1),
            exercise("flatten_backward", 1),
            exercise("max_pool2d_backward", 3),
            exercise("conv2d_backward", 4),
            exercise("sigmoid_bce_backward", 1),
            exercise("dense_backward", 2),
            exercise("numerical_gradient", 2),
            exercise("toy_forward", 2),
            exercise("toy_gradients", 3),
            exercise("train_toy", 2),
        ),
    ),
    Module(
        "04_training_cnns", "Training CNNs in PyTorch",
        "a CNN vs a dense network on Fashion-MNIST: Dataset/DataLoader, the training loop with a progress bar, "
        "loss/accuracy curves, confusion matrix, learned filters and feature maps; convolution as a matrix "
        "multiply (im2col) and its speed against loops and PyTorch",
        (
            exercise("im2col", 3),
            exercise("conv2d_forward_im2col", 2),
            exercise("build_cnn", 2),
            exercise("train_one_epoch", 3),
            exercise("evaluate", 2),
            # Integration test: the student's CNN, trained with their loop and scored with their
            # evaluate, must reach 80 % test accuracy.
            GradedTest("test_training_run", "check_training_run", 3,
                       ("build_cnn", "train_one_epoch", "evaluate"), None, "the training run"),
        ),
    ),
    Module(
        "05_architectures", "Architectures: from LeNet to ResNet and beyond",
        "the ImageNet winners, LeNet, AlexNet, VGG's stacked 3x3 convs, Inception, residual and "
        "bottleneck blocks, DenseNet, ResNeXt, Squeeze-and-Excitation, SqueezeNet, MobileNet; parameters and "
        "multiply-adds counted; accuracy vs cost of torchvision's models; a plain vs a residual deep CNN trained",
        (
            exercise("conv_param_count", 2),
            exercise("stacked_3x3", 1),
            exercise("count_flops", 3),
            exercise("ResidualBlock", 3),
            exercise("Bottleneck", 2),
            exercise("Inception", 3),
            exercise("SqueezeExcitation", 2),
            exercise("Fire", 2),
            exercise("DenseLayer", 2),
            exercise("DenseBlock", 2),
        ),
    ),
)

PLANNED: tuple[Module, ...] = (
    Module("06_detection", "Object detection",
           "localization, sliding windows, IoU, NMS, anchors, R-CNN family, mAP", planned=True),
    Module("07_segmentation", "Segmentation",
           "FCN / U-Net, max-unpooling, transposed and dilated convolution, mean IoU", planned=True),
    Module("08_adversarial", "Adversarial examples",
           "FGSM, iterative and targeted attacks, transfer, defenses", planned=True),
    Module("09_style_transfer", "Neural style transfer",
           "content loss, Gram matrix, style loss, total variation", planned=True),
    Module("10_visualization", "Visualizing CNNs",
           "feature maps, activation maximization, Deep Dream, saliency, Grad-CAM", planned=True),
)


def _check_manifest() -> None:
    everything = MODULES + PLANNED
    for key in ("id", "number", "checks"):
        values = [getattr(m, key) for m in everything]
        if len(set(values)) != len(values):
            raise ValueError(f"module {key}s must be unique; got {values}.")
    for name, group in (("MODULES", MODULES), ("PLANNED", PLANNED)):
        if [m.id for m in group] != sorted(m.id for m in group):
            raise ValueError(f"{name} must be in course order (sorted by id); got {[m.id for m in group]}.")
    if any(m.planned for m in MODULES) or not all(m.planned for m in PLANNED):
        raise ValueError("MODULES holds the written modules, PLANNED the planned ones (planned=True).")


_check_manifest()


# ------------------------------------------------------------------ lookups

def ids() -> tuple[str, ...]:
    """The ids of the written modules, in course order.

    >>> ids()[:2]
    ('01_pixels_and_filters', '02_convolution_layers')
    """
    return tuple(m.id for m in MODULES)


def module(key: str) -> Module:
    """The written module with id, number or checks name ``key``.

    Parameters
    ----------
    key : str
        ``"03_backprop"``, ``"03"`` or ``"backprop"``.

    Returns
    -------
    Module

    Raises
    ------
    ValueError
        No written module matches (the message lists them, and says so for a planned one).

    Examples
    --------
    >>> module("03").id
    '03_backprop'
    >>> module("pixels")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `module` must be a module id, number or topic; got 'pixels'. Written: 01_pixels_and_filters, ...
    """
    for m in MODULES:
        if key in (m.id, m.number, m.checks):
            return m
    written = ", ".join(ids())
    if any(key in (m.id, m.number, m.checks) for m in PLANNED):
        raise ValueError(f"`module` must be a written module; got {key!r}, which is planned. Written: {written}.")
    raise ValueError(f"`module` must be a module id, number or topic; got {key!r}. Written: {written}.")


def total_points(key: str) -> float:
    """The points of module ``key`` (id, number or checks name).

    >>> total_points("02_convolution_layers")
    21
    """
    return module(key).total_points


def find_test(grade_id: str) -> list[tuple[Module, GradedTest]]:
    """Every ``(module, test)`` whose test cell is ``grade_id`` (grade ids are unique per module only).

    >>> [(m.id, t.check) for m, t in find_test("test_training_run")]
    [('04_training_cnns', 'check_training_run')]
    """
    return [(m, t) for m in MODULES for t in m.tests if t.grade_id == grade_id]


def module_for_notebook(path: str | Path) -> Module | None:
    """The written module a notebook belongs to, from its folder or file name; None if none.

    The folder wins (``.../03_backprop/anything.ipynb``); else a file name starting with a
    module id, as a browser download names it (``03_backprop (1).ipynb``).

    >>> module_for_notebook("Downloads/01_pixels_and_filters (1).ipynb").id
    '01_pixels_and_filters'
    >>> module_for_notebook("notes.ipynb") is None
    True
    """
    path = Path(path)
    for m in MODULES:
        if path.parent.name == m.id:
            return m
    for m in MODULES:
        if path.stem.startswith(m.id):
            return m
    return None


# ------------------------------------------------------------------ generated tables

#: The generated region of README.md and of index.ipynb's modules cell lies between these lines.
BEGIN = "<!-- course-table: generated from cnncourse/course.py by `python -m cnncourse.course --write` -->"
END = "<!-- /course-table -->"
FIX = "python -m cnncourse.course --write"


def _pts(x: float) -> str:
    return f"{x:g}"


def _span(numbers: list[str]) -> str:
    """``["01", "02", "03"]`` -> ``"01–03"``; non-contiguous numbers are listed."""
    if len(numbers) > 1 and [int(n) for n in numbers] == list(range(int(numbers[0]), int(numbers[-1]) + 1)):
        return f"{numbers[0]}–{numbers[-1]}"
    return ", ".join(numbers)


def readme_table() -> str:
    """The README's module table (markdown), with each graded test's points.

    >>> print(readme_table().splitlines()[0])
    | # | module | lecture | graded exercises (points) | points | status |
    """
    rows = ["| # | module | lecture | graded exercises (points) | points | status |",
            "|---|---|---|---|---|---|"]
    for m in MODULES:
        graded = ", ".join(f"{t.label if t.is_integration else f'`{t.label}`'} ({_pts(t.points)})" for t in m.tests)
        rows.append(f"| {m.number} | **{m.title}** — {m.summary} | `{m.lecture}` | {graded} | {_pts(m.total_points)} | ready |")
    for m in PLANNED:
        rows.append(f"| {m.number} | **{m.title}** — {m.summary} | | | | planned |")
    return "\n".join(rows)


def index_table() -> str:
    """index.ipynb's module table (markdown, with links) and the line on what is ready."""
    rows = ["| # | module | lecture | assignment | points |", "|---|---|---|---|---|"]
    for m in MODULES:
        rows.append(f"| {m.number} | **{m.title}** — {m.summary} | [lecture]({m.lecture}) | "
                    f"[assignment]({m.assignment}) | {_pts(m.total_points)} |")
    for m in PLANNED:
        rows.append(f"| {m.number} | **{m.title}** — {m.summary} | `{m.lecture}` *(coming soon)* | "
                    f"`{m.assignment}` *(coming soon)* | |")
    ready = _span([m.number for m in MODULES])
    if PLANNED:
        status = f"Modules {ready} are ready; modules {_span([m.number for m in PLANNED])} are being written."
    else:
        status = f"All {len(MODULES)} modules are ready."
    return "\n".join(rows + ["", status])


def _replace_region(text: str, table: str, where: str) -> str:
    start = text.find(BEGIN)
    end = text.find(END, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        raise ValueError(f"{where} must contain the lines {BEGIN!r} and {END!r} around its module table; "
                         "got no such region. Add the two lines where the table belongs.")
    # blank lines around the table: every markdown renderer then ends the comment and the table cleanly
    return text[:start + len(BEGIN)] + "\n\n" + table + "\n\n" + text[end:]


def _index_cell(nb: dict) -> dict:
    cells = [c for c in nb["cells"] if c["cell_type"] == "markdown" and BEGIN in "".join(c["source"])]
    if len(cells) != 1:
        raise ValueError(f"index.ipynb must have one markdown cell with the line {BEGIN!r}; got {len(cells)}.")
    return cells[0]


def table_regions(root: str | Path) -> dict[str, tuple[str, str]]:
    """``{file: (current text, generated text)}`` for README.md and index.ipynb under ``root``.

    Only the region between :data:`BEGIN` and :data:`END` differs between the two texts.
    """
    root = Path(root)
    readme = (root / "README.md").read_text(encoding="utf-8")
    index_text = (root / "index.ipynb").read_text(encoding="utf-8")
    cell = _index_cell(json.loads(index_text))
    source = "".join(cell["source"])
    return {"README.md": (readme, _replace_region(readme, readme_table(), "README.md")),
            "index.ipynb": (source, _replace_region(source, index_table(), "index.ipynb"))}


def write_tables(root: str | Path) -> list[str]:
    """Rewrite the generated tables of README.md and index.ipynb under ``root``; return the files changed."""
    root = Path(root)
    changed = []
    regions = table_regions(root)
    current, new = regions["README.md"]
    if current != new:
        (root / "README.md").write_text(new, encoding="utf-8")
        changed.append("README.md")
    current, new = regions["index.ipynb"]
    if current != new:
        path = root / "index.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        _index_cell(nb)["source"] = new.splitlines(keepends=True)
        # nbformat's own layout, so the file stays byte-identical to what Jupyter writes
        path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        changed.append("index.ipynb")
    return changed


def main(argv: list[str] | None = None) -> int:
    """``python -m cnncourse.course [--write | --check] [--root DIR]``; without options, list the modules."""
    parser = argparse.ArgumentParser(prog="python -m cnncourse.course", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="rewrite the module tables of README.md and index.ipynb")
    action.add_argument("--check", action="store_true", help="exit 1 if those tables are out of date")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent),
                        help="the course folder (default: the one this package lives in)")
    args = parser.parse_args(argv)
    if args.write:
        changed = write_tables(args.root)
        print(f"rewrote the module table of {', '.join(changed)}" if changed else "module tables are up to date")
        return 0
    if args.check:
        stale = [name for name, (current, new) in table_regions(args.root).items() if current != new]
        if stale:
            print(f"out of date: {', '.join(stale)}; run `{FIX}`", file=sys.stderr)
            return 1
        print("module tables are up to date")
        return 0
    for m in MODULES:
        print(f"{m.id:<24} {_pts(m.total_points):>3} points  {len(m.tests)} tests  checks.{m.checks}")
    for m in PLANNED:
        print(f"{m.id:<24}   planned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
