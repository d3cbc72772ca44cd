"""Where the student's code runs while it is graded: a sandboxed worker process.

Two modes, chosen by ``CNNCOURSE_SANDBOX`` (``auto``, the default, ``bwrap`` or ``fallback``):

``bwrap``
    bubblewrap (Debian ``bubblewrap``): only the system folders and Python's own, read-only
    (:data:`SYSTEM_DIRS`); private ``/tmp``, ``HOME`` and working folder; no network and new
    PID/IPC/UTS namespaces; an unprivileged user in a user namespace with every capability
    dropped.  So the course folder (solutions, gradebook), the real ``cnncourse`` package and
    every home folder and data cache are simply not there; Debian's Fashion-MNIST test labels
    read as empty files.  The worker imports a *student copy* of the package
    (:func:`build_student_package`): the trusted packages (references, checks, grader) are
    left out, so the process cannot import them.
``fallback``
    where bubblewrap is missing or does not run: the worker runs as ``nobody`` when the
    grader is root and ``nobody`` can run this Python (files it does not own stay read-only
    to it), in a fresh folder with a private ``HOME`` and ``TMPDIR``, no proxy settings, and
    the same student copy first on ``sys.path``.  Much weaker: whatever the grading user can
    read stays readable by path (the real package, the instructor's ``solutions/``), and the
    network is not cut.  Use it for self-study, not to grade a class.  What a submission
    could change for the next one (the course folder, the package, IPython and Jupyter
    settings, the data cache) is snapshotted first and compared after the run
    (:class:`Snapshot`); a change is restored and flagged.

Both apply the same limits (:class:`Limits`): memory (resident size, polled by the grader,
plus an address-space ceiling), CPU seconds, file size and printed output.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pathlib
import pwd
import resource
import shutil
import subprocess
import sys
import tempfile

PACKAGE = pathlib.Path(__file__).resolve().parent.parent  # the real cnncourse package
#: Parts of the package the student's process must not have (trusted side only).
TRUSTED_PARTS = ("ref", "torch_ref", "checks", "grading")
#: Files whose contents would give away test labels.
HIDDEN_FILE_PATTERNS = ("t10k-labels*",)
#: Stand-in for a trusted package in the student copy: importing it says why it is missing.
TRUSTED_STUB = '''"""Left out of the student's process while a notebook is graded (see cnncourse.grading.sandbox)."""

raise ImportError("cnncourse.{name} holds the course's {what}; it is not available while your notebook is "
                  "graded. Write the computation yourself (your own helper functions are fine).")
'''
_WHAT = {"ref": "reference solutions", "torch_ref": "PyTorch reference solutions", "grading": "grader"}
CHECKS_STUB = '''"""The checks run in the course's trusted grader, not in your notebook's process, while it is graded."""


class CheckFailed(AssertionError):
    """A student's function gave a wrong result."""


def __getattr__(name):
    raise AttributeError("cnncourse.checks is not available while your notebook is graded: the grader runs "
                         "the test cells itself.")
'''


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one worker; every one can be set by an environment variable.

    ``memory_bytes``
        resident memory of the worker's process tree (``CNNCOURSE_MEMORY_MB``, default 2048).
    ``cpu_seconds``
        CPU time of one worker process (``CNNCOURSE_CPU_SECONDS``, default 1800).
    ``request_seconds``
        wall-clock safety net for one request (``CNNCOURSE_REQUEST_SECONDS``, default 900):
        far above any honest cell, so it flags runaway code, never slow machines.
    ``output_chars``
        printed characters kept per request and stream (``CNNCOURSE_OUTPUT_LIMIT``, default 1 Mi).
    """

    memory_bytes: int = 2048 << 20
    cpu_seconds: int = 1800
    request_seconds: float = 900.0
    output_chars: int = 1 << 20
    file_bytes: int = 512 << 20

    @classmethod
    def from_env(cls) -> "Limits":
        env = os.environ
        return cls(memory_bytes=int(env.get("CNNCOURSE_MEMORY_MB", 2048)) << 20,
                   cpu_seconds=int(env.get("CNNCOURSE_CPU_SECONDS", 1800)),
                   request_seconds=float(env.get("CNNCOURSE_REQUEST_SECONDS", 900)),
                   output_chars=int(env.get("CNNCOURSE_OUTPUT_LIMIT", 1 << 20)))


# ------------------------------------------------------------------ the student copy of the package

def build_student_package(dest: pathlib.Path) -> pathlib.Path:
    """Write the student copy of ``cnncourse`` into ``dest/cnncourse``; return ``dest``.

    Only Python files and the shipped ``datasets/`` are copied (no dot-folders such as tool
    caches).  The trusted packages (:data:`TRUSTED_PARTS`: references, checks, grader) are left out by
    package: each is replaced by a stub whose import raises ``ImportError`` saying why
    (``checks`` by one that still defines ``CheckFailed``); data files that hold test labels are
    left out.  The student side of the package (plots, widgets, data, helpers, the worker)
    imports the trusted packages only inside functions, so it imports without them.
    """
    target = dest / "cnncourse"
    for path in sorted(PACKAGE.rglob("*")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in TRUSTED_PARTS or "__pycache__" in rel.parts or path.is_dir():
            continue
        if any(part.startswith(".") for part in rel.parts):  # tool caches, editor backups: not the package
            continue
        if path.suffix != ".py" and rel.parts[0] != "datasets":  # code, and the data the package ships
            continue
        if any(path.match(pattern) for pattern in HIDDEN_FILE_PATTERNS):
            continue
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
    for part in TRUSTED_PARTS:
        (target / part).mkdir(parents=True, exist_ok=True)
        if part != "checks":
            stub = TRUSTED_STUB.format(name=part, what=_WHAT[part])
            (target / part / "__init__.py").write_text(stub, encoding="utf-8")
    (target / "checks" / "__init__.py").write_text(CHECKS_STUB, encoding="utf-8")
    return dest


# ------------------------------------------------------------------ choosing the mode

@functools.lru_cache(maxsize=None)
def bwrap_works() -> bool:
    """True when bubblewrap is installed and can create the sandbox on this machine."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = bwrap_command(pathlib.Path(tmp), pathlib.Path(tmp), pathlib.Path(os.devnull),
                                [sys.executable, "-c", "pass"])
            proc = subprocess.run(cmd, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


@functools.lru_cache(maxsize=None)
def can_drop_root() -> bool:
    """True when running as root and ``nobody`` can start this Python (fallback mode drops root then)."""
    if os.geteuid() != 0:
        return False
    try:
        proc = subprocess.run([sys.executable, "-c", "pass"], capture_output=True, timeout=60,
                              preexec_fn=preexec(Limits(), True), cwd="/")
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def mode() -> str:
    """``"bwrap"`` or ``"fallback"``, from ``CNNCOURSE_SANDBOX`` and what the machine has."""
    wanted = os.environ.get("CNNCOURSE_SANDBOX", "auto").strip() or "auto"
    if wanted not in ("auto", "bwrap", "fallback"):
        raise ValueError(f"CNNCOURSE_SANDBOX must be one of 'auto', 'bwrap', 'fallback'; got {wanted!r}.")
    if wanted == "fallback":
        return "fallback"
    if bwrap_works():
        return "bwrap"
    if wanted == "bwrap":
        raise RuntimeError("CNNCOURSE_SANDBOX=bwrap but bubblewrap is missing or cannot run here; "
                           "install it (Debian: apt-get install bubblewrap) or unset CNNCOURSE_SANDBOX.")
    return "fallback"


def _bwrap_isolation():
    return ["--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000", "--cap-drop", "ALL",
            "--die-with-parent", "--new-session"]


# ------------------------------------------------------------------ the command

def worker_env(student_pkg: pathlib.Path, home: str, tmp: str, limits: Limits) -> dict:
    """The worker's whole environment: nothing of the grader's but the basics."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(HOME=home, TMPDIR=tmp, PYTHONPATH=str(student_pkg), PYTHONNOUSERSITE="1",
               PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg", MPLCONFIGDIR=f"{tmp}/mpl",
               CNNCOURSE_OFFLINE="1", CNNCOURSE_OUTPUT_LIMIT=str(limits.output_chars),
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE",
               PYTHONHASHSEED="0", CNNCOURSE_GRADING_WORKER="1")
    return env


#: System folders the worker sees, read-only (``--ro-bind-try``: missing ones are skipped).  Nothing
#: else of the machine is there: not the course folder, not any home folder, not the data cache.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")


def _python_dirs() -> list[pathlib.Path]:
    """Folders the worker's Python needs: the venv, the base installation, site-packages."""
    import sysconfig

    paths = {sys.prefix, sys.base_prefix, *sysconfig.get_paths().values(), os.path.dirname(sys.executable),
             os.path.dirname(os.path.realpath(sys.executable))}
    found = sorted({pathlib.Path(p).resolve() for p in paths if p and os.path.exists(p)})
    return [p for p in found if not any(q != p and q in p.parents for q in found)]  # outermost only


def _hidden_files() -> list[pathlib.Path]:
    """Test-label files inside the folders the worker sees (e.g. Debian's Fashion-MNIST under /usr)."""
    from .. import data

    found = []
    folder = data.DEBIAN_FASHION_MNIST
    if folder.is_dir():
        for pattern in HIDDEN_FILE_PATTERNS:
            found.extend(p for p in folder.rglob(pattern) if p.is_file())
    return found


def bwrap_command(workdir: pathlib.Path, student_pkg: pathlib.Path, empty: pathlib.Path,
                  worker_argv: list[str]) -> list[str]:
    """The bubblewrap command line that runs ``worker_argv`` in the sandbox.

    A whitelist: the system folders and Python's own, read-only; a fresh ``/tmp`` holding
    the student copy of the package (read-only), the working folder (writable) and ``HOME``.
    """
    cmd = [shutil.which("bwrap") or "bwrap", *_bwrap_isolation()]
    for folder in SYSTEM_DIRS:
        cmd += ["--ro-bind-try", folder, folder]
    cmd += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
    for folder in _python_dirs():  # after /tmp's tmpfs: a venv may live in /tmp (a CI clone does)
        if not any(str(folder) == d or str(folder).startswith(d + "/") for d in SYSTEM_DIRS):
            cmd += ["--ro-bind", str(folder), str(folder)]
    for path in _hidden_files():
        cmd += ["--ro-bind", str(empty), str(path)]
    cmd += ["--ro-bind", str(student_pkg), "/tmp/cnncourse-student", "--bind", str(workdir), "/tmp/work",
            "--dir", "/tmp/home", "--chdir", "/tmp/work", "--", *worker_argv]
    return cmd


def preexec(limits: Limits, as_nobody: bool):
    """A ``preexec_fn`` that applies the limits (and drops root in fallback mode) in the child."""
    nobody = pwd.getpwnam("nobody") if as_nobody else None

    def apply():
        os.setsid()
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        # The address space holds torch's reservations (about 3.3 GB) besides real memory.
        space = limits.memory_bytes + (6 << 30)
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if nobody is not None:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
    return apply


# ------------------------------------------------------------------ fallback: snapshots

class Snapshot:
    """Contents of files a submission could change for the next one; restore what changed.

    >>> import tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "a.txt").write_text("x")
    1
    >>> snap = Snapshot([d]); (d / "a.txt").write_text("evil"); (d / "new.py").write_text("")
    4
    0
    >>> sorted(p.name for p in snap.changed())
    ['a.txt', 'new.py']
    >>> snap.restore(); (d / "a.txt").read_text(), (d / "new.py").exists()
    ('x', False)
    """

    MAX_FILE = 64 << 20

    def __init__(self, roots):
        self.roots = [pathlib.Path(r) for r in roots]
        self.absent = [r for r in self.roots if not r.exists()]  # created by the submission: removed again
        self.files = dict(self._scan())

    def _scan(self):
        for root in self.roots:
            if not root.exists():
                continue
            paths = [root] if root.is_file() else root.rglob("*")
            for path in paths:
                if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                    size = path.stat().st_size
                    yield path, (path.read_bytes() if size <= self.MAX_FILE else self._digest(path))

    @staticmethod
    def _digest(path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return ("sha256", h.hexdigest())

    def changed(self):
        now = dict(self._scan())
        return sorted({p for p in self.files.keys() | now.keys() if self.files.get(p) != now.get(p)})

    def restore(self, changed=None):
        """Undo the submission's changes (``changed``: what :meth:`changed` just returned, to save a rescan)."""
        for root in self.absent:
            if root.is_dir() and not root.is_symlink():
                shutil.rmtree(root, ignore_errors=True)
            elif root.exists() or root.is_symlink():
                root.unlink()
        for path in (self.changed() if changed is None else changed):
            before = self.files.get(path)
            if before is None:
                path.unlink(missing_ok=True)
            elif isinstance(before, bytes):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(before)


def fallback_watch_list(course: pathlib.Path | None) -> list[pathlib.Path]:
    """What the fallback snapshots: the package, the course's own files, IPython/Jupyter settings, the data cache."""
    from .. import data

    home = pathlib.Path.home()
    roots = [PACKAGE, home / ".ipython", home / ".jupyter", home / ".config" / "matplotlib", data.data_dir(),
             pathlib.Path("/etc/jupyter"), pathlib.Path(sys.prefix) / "etc" / "jupyter"]
    if course is not None:
        # gradebook.db too: the grader writes it only before and after the worker runs (serial autograde).
        roots += [course / "nbgrader_config.py", course / "solutions", course / "source", course / "assignments",
                  course / "gradebook.db"]
    return roots
