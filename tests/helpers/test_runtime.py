"""cnncourse.helpers.runtime: the thread settings and the device, and the grader's own thread settings."""

import os
import pathlib
import subprocess
import sys

import pytest
import torch

from cnncourse.helpers import runtime


@pytest.fixture
def threads_restored(monkeypatch):
    """Leave torch's thread count as it was; no course or OpenMP variables from the caller's environment."""
    for name in ("CNNCOURSE_THREADS", "CNNCOURSE_GRADING_WORKER", "CNNCOURSE_DEVICE", "OMP_WAIT_POLICY"):
        monkeypatch.delenv(name, raising=False)
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


# ------------------------------------------------------------------ configure_threads

@pytest.mark.parametrize("n", [1, 2, 3])
def test_configure_threads_sets_and_returns_the_count(threads_restored, n):
    torch.set_num_threads(2 if n == 1 else 1)  # start elsewhere, so the call has to change it
    assert runtime.configure_threads(n) == n
    assert torch.get_num_threads() == n


def test_configure_threads_defaults_to_the_course_default_when_waiting_threads_sleep(threads_restored, monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "passive")  # OpenMP reads it case-insensitively
    torch.set_num_threads(5)
    assert runtime.configure_threads() == runtime.DEFAULT_THREADS == torch.get_num_threads()


@pytest.mark.parametrize("policy", [None, "ACTIVE"])
def test_configure_threads_defaults_to_one_thread_when_waiting_threads_spin(threads_restored, monkeypatch, policy):
    """torch already imported without PASSIVE: 2 spinning threads were up to 15x slower than 1 under load."""
    if policy:
        monkeypatch.setenv("OMP_WAIT_POLICY", policy)
    torch.set_num_threads(2)
    assert runtime.configure_threads() == 1 == torch.get_num_threads()
    assert "OMP_WAIT_POLICY" not in os.environ or os.environ["OMP_WAIT_POLICY"] == policy  # too late to set it


def test_the_default_is_two_threads_or_the_cores_if_fewer():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert runtime.DEFAULT_THREADS == min(2, cores)


@pytest.mark.parametrize("raw, expected", [("3", 3), (" 2 ", 2), ("1", 1)])
def test_cnncourse_threads_sets_the_default(threads_restored, monkeypatch, raw, expected):
    monkeypatch.setenv("CNNCOURSE_THREADS", raw)  # a deliberate choice: kept whatever the wait policy
    torch.set_num_threads(4)
    assert runtime.configure_threads() == expected == torch.get_num_threads()


def test_an_explicit_count_beats_cnncourse_threads(threads_restored, monkeypatch):
    monkeypatch.setenv("CNNCOURSE_THREADS", "3")
    assert runtime.configure_threads(1) == 1


def test_an_empty_cnncourse_threads_means_the_default(threads_restored, monkeypatch):
    monkeypatch.setenv("CNNCOURSE_THREADS", "")
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    assert runtime.configure_threads() == runtime.DEFAULT_THREADS


@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5"])
def test_a_bad_cnncourse_threads_is_named(threads_restored, monkeypatch, raw):
    monkeypatch.setenv("CNNCOURSE_THREADS", raw)
    torch.set_num_threads(3)
    with pytest.raises(ValueError, match=rf"^`CNNCOURSE_THREADS` must be a positive integer; got '{raw}'\. "
                                         r"Set it to 1 or 2, or unset it for the course default \(\d\)\.$"):
        runtime.configure_threads()
    assert torch.get_num_threads() == 3  # nothing changed


@pytest.mark.parametrize("bad, error, got", [(0, ValueError, "0"), (-1, ValueError, "-1"),
                                             (1.5, TypeError, "float 1.5"), ("2", TypeError, "str '2'"),
                                             (True, TypeError, "bool True")])
def test_a_bad_thread_count_is_named(threads_restored, bad, error, got):
    with pytest.raises(error, match=rf"^`threads` must be an integer >= 1; got {got}\. Pass 1 or 2, or None"):
        runtime.configure_threads(bad)


def test_numpy_integers_are_thread_counts(threads_restored):
    import numpy as np

    assert runtime.configure_threads(np.int64(1)) == 1


@pytest.mark.parametrize("asked", [None, 2])
def test_the_grading_worker_always_gets_one_thread(threads_restored, monkeypatch, asked):
    monkeypatch.setenv("CNNCOURSE_GRADING_WORKER", "1")
    monkeypatch.setenv("CNNCOURSE_THREADS", "2")
    torch.set_num_threads(2)
    assert runtime.configure_threads(asked) == 1 == torch.get_num_threads()


def _fresh_python(code, env_changes):
    """Run ``code`` in a new interpreter (torch not yet imported), with libgomp's settings printed."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "CNNCOURSE_THREADS", "CNNCOURSE_GRADING_WORKER")}
    env.update(OMP_DISPLAY_ENV="VERBOSE", **env_changes)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip(), proc.stderr


def _spin_count(stderr):
    """libgomp's spin count as it printed it (0 = PASSIVE: waiting threads sleep at once)."""
    lines = [ln for ln in stderr.splitlines() if "GOMP_SPINCOUNT" in ln]
    bundled = list((pathlib.Path(torch.__file__).parent / "lib").glob("libgomp*"))
    if not lines and not bundled:
        return None  # torch built with another OpenMP (macOS, Windows, some conda builds): only the variable is checked
    assert lines, f"torch's libgomp ({bundled[0].name}) did not print its settings (OMP_DISPLAY_ENV):\n{stderr}"
    return int(lines[0].split("=")[1].strip().strip("'"))


def test_configure_threads_before_torch_makes_openmp_sleep_when_waiting():
    code = ("import os, sys\nfrom cnncourse.helpers import runtime\nassert 'torch' not in sys.modules\n"
            "n = runtime.configure_threads()\nprint(n, os.environ['OMP_WAIT_POLICY'])")
    out, err = _fresh_python(code, {})
    assert out == f"{runtime.DEFAULT_THREADS} PASSIVE"
    assert _spin_count(err) in (0, None)


def test_configure_threads_after_torch_leaves_the_policy_alone():
    """Too late for OpenMP: it does not pretend, the variable stays unset and OpenMP spins as before."""
    code = ("import os\nimport torch\ntorch.set_num_threads(2)\nfrom cnncourse.helpers import runtime\n"
            "n = runtime.configure_threads()\nprint(n, os.environ.get('OMP_WAIT_POLICY', 'unset'))")
    out, err = _fresh_python(code, {})
    assert out == "1 unset"  # and so one thread: two would spin
    assert _spin_count(err) in (300000, None)  # libgomp's default: spin, then sleep


def test_configure_threads_keeps_a_policy_the_user_set():
    code = ("import os\nfrom cnncourse.helpers import runtime\n"
            "print(runtime.configure_threads(), os.environ['OMP_WAIT_POLICY'])")
    out, err = _fresh_python(code, {"OMP_WAIT_POLICY": "ACTIVE"})
    assert out == "1 ACTIVE"
    assert _spin_count(err) in (30_000_000_000, None)


def test_importing_runtime_does_not_import_torch():
    out, _ = _fresh_python("import sys\nfrom cnncourse.helpers import runtime\nprint('torch' in sys.modules)", {})
    assert out == "False"


# ------------------------------------------------------------------ device

@pytest.fixture
def no_device_env(monkeypatch):
    monkeypatch.delenv("CNNCOURSE_DEVICE", raising=False)


def _gpus(monkeypatch, count):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


def test_device_is_the_cpu_without_a_gpu(no_device_env, monkeypatch):
    _gpus(monkeypatch, 0)
    assert runtime.device() == torch.device("cpu")


def test_device_on_this_machine_follows_torch(no_device_env):
    assert runtime.device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_device_is_the_gpu_when_there_is_one(no_device_env, monkeypatch):
    _gpus(monkeypatch, 1)
    assert runtime.device() == torch.device("cuda")


@pytest.mark.parametrize("raw, expected", [("cpu", "cpu"), (" CPU ", "cpu"), ("cuda", "cuda"), ("cuda:1", "cuda:1")])
def test_cnncourse_device_overrides_the_choice(monkeypatch, raw, expected):
    _gpus(monkeypatch, 2)
    monkeypatch.setenv("CNNCOURSE_DEVICE", raw)
    assert runtime.device() == torch.device(expected)


def test_an_empty_cnncourse_device_means_automatic(monkeypatch):
    _gpus(monkeypatch, 0)
    monkeypatch.setenv("CNNCOURSE_DEVICE", "")
    assert runtime.device() == torch.device("cpu")


def test_a_name_beats_cnncourse_device(monkeypatch):
    _gpus(monkeypatch, 1)
    monkeypatch.setenv("CNNCOURSE_DEVICE", "cuda")
    assert runtime.device("cpu") == torch.device("cpu")


def test_cuda_without_a_gpu_says_what_to_do(monkeypatch):
    _gpus(monkeypatch, 0)
    monkeypatch.setenv("CNNCOURSE_DEVICE", "cuda")
    with pytest.raises(ValueError, match=r"^`CNNCOURSE_DEVICE` must name a device torch can use; got 'cuda' but torch "
                                         r"sees no GPU \(torch.cuda.is_available\(\) is False\)\. Use 'cpu', or install"):
        runtime.device()
    with pytest.raises(ValueError, match=r"^`name` must name a device torch can use; got 'cuda:0'"):
        runtime.device("cuda:0")


def test_a_gpu_index_past_the_last_is_named(monkeypatch):
    _gpus(monkeypatch, 2)
    with pytest.raises(ValueError, match=r"^`name` must name a GPU torch sees \(cuda:0 to cuda:1\); got 'cuda:2'\."):
        runtime.device("cuda:2")


@pytest.mark.parametrize("bad", ["gpu", "mps", "cpu:0", "cuda:x", "cuda:", ""])
def test_an_unknown_device_lists_the_valid_ones(monkeypatch, bad):
    _gpus(monkeypatch, 1)
    with pytest.raises(ValueError, match=rf"^`name` must be one of 'cpu', 'cuda', 'cuda:<index>'; got '{bad}'\. "
                                         r"Pass 'cpu' or 'cuda'\.$"):
        runtime.device(bad)


def test_an_unknown_cnncourse_device_says_how_to_unset_it(monkeypatch):
    _gpus(monkeypatch, 0)
    monkeypatch.setenv("CNNCOURSE_DEVICE", "gpu")
    with pytest.raises(ValueError, match=r"^`CNNCOURSE_DEVICE` must be one of .*; got 'gpu'\. Set it to 'cpu' or "
                                         r"'cuda', or unset it"):
        runtime.device()


def test_a_device_name_must_be_text():
    with pytest.raises(TypeError, match=r"^`name` must be one of .*; got int 0\."):
        runtime.device(0)


# ------------------------------------------------------------------ the grader: one thread, PASSIVE

def test_the_worker_environment_has_one_thread_and_passive_waits(tmp_path):
    from cnncourse.grading import sandbox

    env = sandbox.worker_env(tmp_path, str(tmp_path / "home"), str(tmp_path / "tmp"), sandbox.Limits())
    assert {k: env[k] for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")} == {
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    assert env["CNNCOURSE_GRADING_WORKER"] == "1"  # configure_threads keeps 1 thread there


def test_a_notebook_calling_configure_threads_in_the_worker_still_runs_one_thread(tmp_path):
    """The solution notebooks call configure_threads(); graded, their import cell must not change the count."""
    from cnncourse.grading import client, sandbox

    pkg = sandbox.build_student_package(tmp_path / "pkg")
    (tmp_path / "work").mkdir()
    worker = client.Worker(tmp_path / "work", pkg, mode="fallback", limits=sandbox.Limits(request_seconds=60))
    try:
        reply = worker.run_cell("import os\nfrom cnncourse.helpers import runtime\nn = runtime.configure_threads()\n"
                                "m = runtime.configure_threads(2)\nimport torch\n"
                                "print(n, m, torch.get_num_threads(), os.environ['OMP_WAIT_POLICY'])")
    finally:
        worker.close()
    assert reply["error"] is None, reply["error"]
    assert reply["stdout"] == "1 1 1 PASSIVE\n"


def test_the_trusted_side_computes_with_one_thread(threads_restored, monkeypatch):
    from cnncourse.grading import runner

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    torch.set_num_threads(2)
    runner._one_thread()
    assert torch.get_num_threads() == 1 and os.environ["OMP_NUM_THREADS"] == "1"


def test_cnncourse_grade_runs_nbgrader_with_one_thread_and_passive_waits(monkeypatch, tmp_path):
    """`cnncourse grade` and `cnncourse autograde` start nbgrader (the trusted side) through _run_nbgrader."""
    from cnncourse import cli

    seen = {}

    def fake_run(cmd, cwd, env, **kwargs):
        seen.update(env)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(cli.subprocess, "run", fake_run)
    monkeypatch.setenv("OMP_NUM_THREADS", "8")
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    cli._run_nbgrader(["autograde", "01_pixels_and_filters"], tmp_path, [])
    assert {k: seen[k] for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")} == {
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}


def test_numpys_blas_threads_follow_the_course_setting():
    from threadpoolctl import threadpool_info

    from cnncourse.helpers import runtime

    before = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    try:
        runtime.configure_threads(1)
        assert {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"} == {1}
    finally:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=max(before, default=1), user_api="blas")
