"""Module 06's functions graded by the real ``nbgrader autograde`` against submissions that try to game them.

The checks run on the trusted side; the student's functions run in the grading worker, where the
course's references (``cnncourse.ref``, ``cnncourse.torch_ref``) and checks are left out, and only
plain data comes back (cnncourse/worker/wire.py).  ``fc_to_conv`` is driven by the grader: it builds
the linear layer, calls the student's function in the worker and runs the returned conv on
inputs of its choosing (cnncourse/worker/fixtures.py ``fc_to_conv_outputs``).
"""

import pytest
from conftest import write_nb
from grading.test_hostile_submissions import _new_course, _scores, submission

M06 = "06_detection"

STUDENTS = {  # attack -> {grade_id: source}; each on a function no other solution calls, so one attacker runs them all
    "reference-import": {"assign_anchors": "from cnncourse.ref.boxes import assign_anchors\n"},
    "checks-rebound": {"decode_boxes": '''
import cnncourse.checks.detection as D
D.check_decode_boxes = lambda *a, **k: print("decode_boxes: all 6 checks passed.")
def decode_boxes(offsets, anchors):
    return np.zeros((len(anchors), 4))
'''},
    "numpy-patched": {"encode_boxes": '''
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *args, **kw: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, dtype=bool)
def encode_boxes(gt, anchors):
    return np.zeros((len(gt), 4))
'''},
    "conv-that-is-a-linear": {"fc_to_conv": '''
class _Flat(nn.Conv2d):
    """Right on the original size only: it flattens whatever it is given."""
    def forward(self, x):
        return self.linear(x.flatten(1)[:, : self.linear.in_features])[:, :, None, None]
def fc_to_conv(linear, in_channels, height, width):
    conv = _Flat(in_channels, linear.out_features, (height, width), dtype=linear.weight.dtype)
    conv.linear = linear
    return conv
'''},
    "lying-number": {"mean_average_precision": '''
class _Yes(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)
    def __array_ufunc__(self, *args, **kwargs):
        return np.ones(self.shape, dtype=bool)
def mean_average_precision(detections, ground_truth, iou_threshold=0.5):
    return np.zeros(()).view(_Yes)
'''},
    "the-reference-detector": {"decode_predictions": '''
def decode_predictions(grid_output, score_threshold=0.05, iou_threshold=0.5):
    from cnncourse.torch_ref.detector import decode_predictions as ref
    return ref(grid_output, score_threshold, iou_threshold)
'''},
}

FULL = {"test_box_area": 1, "test_box_iou": 2, "test_nms": 3, "test_fc_to_conv": 3, "test_encode_boxes": 2,
        "test_decode_boxes": 2, "test_assign_anchors": 3, "test_average_precision": 3,
        "test_mean_average_precision": 3, "test_decode_predictions": 3}
ATTACKED = {attack: f"test_{fn}" for attack, replace in STUDENTS.items() for fn in replace}


@pytest.fixture(scope="module")
def hostile_06(tmp_path_factory):
    """One autograde run: the solution, and one submission with every attack above (each on its own function)."""
    course = _new_course(tmp_path_factory.mktemp("hostile-06") / "course")
    attacks = {grade_id: source for replace in STUDENTS.values() for grade_id, source in replace.items()}
    for student, replace in {"solution": {}, "attacker": attacks}.items():
        write_nb(course / "submitted" / student / M06 / f"{M06}.ipynb", submission(M06, replace))
    from conftest import nbgrader

    nbgrader(["autograde", M06, "--force"], cwd=course)
    return {student: _scores(course, M06, student)[0] for student in ("solution", "attacker")}


@pytest.mark.slow
def test_the_solution_scores_full_marks(hostile_06):
    assert hostile_06["solution"] == pytest.approx({k: float(v) for k, v in FULL.items()})


@pytest.mark.slow
@pytest.mark.parametrize("attack", sorted(ATTACKED))
def test_a_gamed_function_gets_nothing(hostile_06, attack):
    assert hostile_06["attacker"][ATTACKED[attack]] == 0, (attack, hostile_06["attacker"])


@pytest.mark.slow
def test_the_attacker_keeps_the_points_of_its_honest_functions(hostile_06):
    honest = {k: float(v) for k, v in FULL.items() if k not in ATTACKED.values()}
    assert {k: hostile_06["attacker"][k] for k in honest} == pytest.approx(honest)
