"""Module 05's blocks graded by the real ``nbgrader autograde`` against submissions that try to game them.

The block checks hand the student's class weights and inputs the grader draws and compare what
comes back with torchvision's block on the trusted side (cnncourse/checks/_blocks.py), so a
block gets points only by computing the block: the course's reference is hidden from the
grading worker, torchvision's own block is refused, and a block that reports the right layers
but computes something else fails on its outputs.
"""

import pytest
from conftest import write_nb
from grading.test_hostile_submissions import _new_course, _scores, submission

M05 = "05_architectures"

STUDENTS = {
    "solution": {},
    "reference-import": {"ResidualBlock": "from cnncourse.torch_ref.architectures import ResidualBlock\n"},
    "torchvision-subclass": {"Fire": "from torchvision.models.squeezenet import Fire\n"},
    "torchvision-inside": {"Bottleneck": '''
import torchvision
class Bottleneck(nn.Module):
    def __init__(self, c_in, c_mid, c_out, stride=1):
        super().__init__()
        down = None
        if stride != 1 or c_in != c_out:
            down = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
        self.inner = torchvision.models.resnet.Bottleneck(c_in, c_out // 4, stride, down, base_width=64 * c_mid // (c_out // 4))
    def forward(self, x):
        return self.inner(x)
'''},
    "right-layers-wrong-forward": {"SqueezeExcitation": '''
class SqueezeExcitation(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)
    def forward(self, x):
        s = torch.sigmoid(self.fc2(torch.relu(self.fc1(x.mean((2, 3))))))
        return x * 0.5 + 0 * s.sum()   # uses every layer, computes something else
'''},
    "count-from-the-builder": {"count_flops": '''
def count_flops(model, input_shape):
    import cnncourse.torch_ref.architectures as A
    return A.count_flops(model, input_shape)
'''},
}


@pytest.fixture(scope="module")
def hostile_05(tmp_path_factory):
    """One autograde run: the solution, and one submission with every attack above (each on its own function)."""
    course = _new_course(tmp_path_factory.mktemp("hostile-05") / "course")
    attacks = {grade_id: source for student, replace in STUDENTS.items() for grade_id, source in replace.items()}
    for student, replace in {"solution": {}, "attacker": attacks}.items():
        write_nb(course / "submitted" / student / M05 / f"{M05}.ipynb", submission(M05, replace))
    from conftest import nbgrader

    nbgrader(["autograde", M05, "--force"], cwd=course)
    return {student: _scores(course, M05, student)[0] for student in ("solution", "attacker")}


FULL = {"test_conv_param_count": 2, "test_stacked_3x3": 1, "test_count_flops": 3, "test_ResidualBlock": 3,
        "test_Bottleneck": 2, "test_Inception": 3, "test_SqueezeExcitation": 2, "test_Fire": 2, "test_DenseLayer": 2,
        "test_DenseBlock": 2}
ATTACKED = {"reference-import": "test_ResidualBlock", "torchvision-subclass": "test_Fire",
            "torchvision-inside": "test_Bottleneck", "right-layers-wrong-forward": "test_SqueezeExcitation",
            "count-from-the-builder": "test_count_flops"}


@pytest.mark.slow
def test_the_solution_scores_full_marks(hostile_05):
    assert hostile_05["solution"] == pytest.approx({k: float(v) for k, v in FULL.items()})


@pytest.mark.slow
@pytest.mark.parametrize("attack", sorted(ATTACKED))
def test_a_gamed_block_gets_nothing(hostile_05, attack):
    assert hostile_05["attacker"][ATTACKED[attack]] == 0, (attack, hostile_05["attacker"])


@pytest.mark.slow
def test_the_attacker_keeps_the_points_of_its_honest_functions(hostile_05):
    honest = {k: float(v) for k, v in FULL.items() if k not in ATTACKED.values()}
    assert {k: hostile_05["attacker"][k] for k in honest} == pytest.approx(honest)
