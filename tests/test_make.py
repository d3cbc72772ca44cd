"""The README's commands: `make lab` serves JupyterLab; a second `make` reinstalls nothing; the
commands that run the course's code share its thread policy."""

import socket
import subprocess
import time
import urllib.request

from conftest import ROOT, stop_process_group


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_install_stamps_are_up_to_date_after_setup():
    # `make -q` exits 0 when the target needs no work: a second `make test`/`make lab` installs nothing.
    for target in (".venv/.installed", ".venv/.installed-test", ".venv/.installed-book"):
        proc = subprocess.run(["make", "-q", target], cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, f"`make {target}` would reinstall: {proc.stdout}{proc.stderr}"


def _recipe(target):
    """What `make TARGET` would run (`make -n`), without running it."""
    proc = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True)
    return proc.stdout


def test_commands_that_run_course_code_use_the_course_thread_policy():
    from cnncourse.helpers import runtime

    for target in ("lab", "lab-instructor", "book", "test", "test-fast"):
        recipe = _recipe(target)
        assert f"OMP_WAIT_POLICY={runtime.WAIT_POLICY}" in recipe, f"`make {target}` does not set OMP_WAIT_POLICY:\n{recipe}"


def test_student_and_instructor_labs_read_the_course_config():
    student, instructor = _recipe("lab"), _recipe("lab-instructor")
    assert f"JUPYTER_CONFIG_PATH=\"{ROOT}/jupyter/student:{ROOT}/jupyter/course" in student
    assert f"JUPYTER_CONFIG_PATH=\"{ROOT}/jupyter/course" in instructor and "jupyter/student" not in instructor
    assert "jupyter lab" in student and "jupyter lab" in instructor


def test_make_lab_serves_jupyterlab_on_the_course():
    port, token = _free_port(), "cnncourse-test-token"
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.token={token} --ServerApp.open_browser=False"
    proc = subprocess.Popen(["make", "lab", f"PORT={port}", f"LAB_ARGS={args}"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline, body, status = time.monotonic() + 120, "", None
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/lab/tree/index.ipynb?token={token}"
                with urllib.request.urlopen(url, timeout=5) as response:
                    status, body = response.status, response.read().decode("utf-8", "replace")
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        assert status == 200, proc.stdout.read().decode() if proc.poll() is not None else "no answer in 120 s"
        assert "JupyterLab" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/index.ipynb?token={token}",
                                    timeout=10) as response:
            assert response.status == 200  # the landing notebook is served from the course root
    finally:
        stop_process_group(proc)
        proc.stdout.close()
