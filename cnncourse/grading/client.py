"""The trusted side of the worker protocol: start a sandboxed worker, send requests, read plain data.

:class:`Worker` owns one sandboxed process.  :class:`RemoteFunction` makes a function of
the student's notebook look like a local callable to the checks: calling it sends the
arguments, and what comes back is rebuilt from plain data (:mod:`cnncourse.worker.wire`),
arguments included, so a check sees the student's in-place changes as before.  An
exception the student's code raised comes back as an instance of the same built-in class
(``ValueError`` stays a ``ValueError``) carrying the student's frames.

Anything that breaks the process (a crash, ``os._exit``, an endless loop, too much memory
or output, a garbled reply) raises :class:`WorkerFault`; the worker is then dead and a new
one must be started.
"""

from __future__ import annotations

import builtins
import os
import pathlib
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

from ..worker import wire
from . import sandbox

POLL_SECONDS = 0.05


class WorkerFault(BaseException):
    """The worker process failed as a whole; ``kind`` is one of :data:`FAULT_KINDS`.

    A ``BaseException`` (like ``KeyboardInterrupt``), so that the checks' ``except Exception``,
    which turns the student's own exceptions into hints, lets it through to the grader.
    """

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{FAULT_KINDS[kind]}: {detail}")
        self.kind, self.detail = kind, detail


FAULT_KINDS = {
    "crashed": "the notebook's process died",
    "timeout": "ran out of time",
    "memory": "used too much memory",
    "output": "printed too much",
    "protocol": "sent something that is not plain data",
    "cpu": "used too much CPU time",
}

_BUILTIN_EXCEPTIONS = {name: obj for name, obj in vars(builtins).items()
                       if isinstance(obj, type) and issubclass(obj, Exception)}


class StudentError(Exception):
    """Mixin of exceptions rebuilt from the worker: ``student_frames`` holds (file, line, code)."""

    student_frames: list = []


def rebuild_exception(desc: dict) -> Exception:
    """An exception of the nearest built-in class of what the student raised, with its message and frames."""
    mro = [n for n in desc.get("mro", []) if isinstance(n, str)]
    base = next((_BUILTIN_EXCEPTIONS[n] for n in mro if n in _BUILTIN_EXCEPTIONS), RuntimeError)
    message = str(desc.get("message", ""))
    name = str(desc.get("type", "Exception"))[:100] or "Exception"
    frames = [tuple(f) for f in desc.get("frames", []) if isinstance(f, list) and len(f) == 3]
    attrs = {"student_frames": frames, "__str__": lambda self: message, "__module__": "student"}
    try:
        cls = type(name, (base, StudentError), attrs)
        exc = cls(message)
    except TypeError:  # e.g. UnicodeDecodeError wants five arguments
        cls = type(name, (RuntimeError, StudentError), attrs)
        exc = cls(message)
    return exc


_BUILTIN_WARNINGS = {name: obj for name, obj in vars(builtins).items()
                     if isinstance(obj, type) and issubclass(obj, Warning)}


def replay_warnings(caught):
    """Re-issue the warnings the student's code emitted in the worker, as the nearest built-in category."""
    import warnings

    if not isinstance(caught, list):
        return
    for item in caught[:100]:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], list)):
            continue
        names, message = item
        category = next((_BUILTIN_WARNINGS[n] for n in names if n in _BUILTIN_WARNINGS), UserWarning)
        warnings.warn_explicit(str(message), category, "<the notebook's code>", 0)


class RemoteObject:
    """An object that lives in the worker (e.g. the student's model); only fixtures use it."""

    def __init__(self, worker: "Worker", key: int):
        self._worker, self._key = worker, key

    def __repr__(self):
        return f"<{type(self).__name__} in the student's process>"

    def __getattr__(self, name):
        raise AttributeError(f"{type(self).__name__} lives in the student's process; the grader cannot read "
                             f".{name} directly")


class RemoteFunction:
    """A function of the student's notebook, called in the worker."""

    remote = True

    def __init__(self, worker: "Worker", name: str):
        self.worker, self.name, self.__name__ = worker, name, name

    def __repr__(self):
        return f"<function {self.name} of the notebook>"

    def __call__(self, *args, **kwargs):
        reply = self.worker.request({"op": "call", "name": self.name, "args": self.worker.encode(list(args)),
                                     "kwargs": self.worker.encode(kwargs)})
        return self.worker.finish_call(reply, args, kwargs)


def _write_back(original, after):
    """Copy what the student's code left in an argument into the caller's object (in-place changes)."""
    import numpy as np

    if isinstance(original, np.ndarray) and isinstance(after, np.ndarray):
        if after.shape == original.shape and original.flags.writeable:
            np.copyto(original, after, casting="unsafe")
        return
    if isinstance(original, list) and isinstance(after, list) and len(original) == len(after):
        for i, (o, a) in enumerate(zip(original, after)):
            if isinstance(o, (np.ndarray, list, dict)):
                _write_back(o, a)
            else:
                original[i] = a
    elif isinstance(original, dict) and isinstance(after, dict) and original.keys() == after.keys():
        for k in original:
            if isinstance(original[k], (np.ndarray, list, dict)):
                _write_back(original[k], after[k])
            else:
                original[k] = after[k]


class Worker:
    """One sandboxed worker process for one submission.

    Parameters
    ----------
    workdir : path
        The worker's private, writable working folder (fresh and empty for a submission).
    student_pkg : path
        Output of :func:`sandbox.build_student_package`.
    limits : sandbox.Limits, optional
        Default: :meth:`sandbox.Limits.from_env`.
    mode : {"bwrap", "fallback"}, optional
        Default: :func:`sandbox.mode`.
    """

    def __init__(self, workdir, student_pkg, limits: sandbox.Limits | None = None, mode: str | None = None):
        self.limits = limits or sandbox.Limits.from_env()
        self.mode = mode or sandbox.mode()
        self.workdir, self.student_pkg = pathlib.Path(workdir), pathlib.Path(student_pkg)
        self.callbacks: dict[int, Any] = {}
        self.dead: WorkerFault | None = None
        self._start()

    # -------------------------------------------------------------- process

    def _start(self):
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        argv_tail = ["-m", "cnncourse.worker", str(to_worker_r), str(from_worker_w)]
        scratch = pathlib.Path(tempfile.mkdtemp(prefix="cnncourse-sandbox-"))
        self._scratch = scratch
        if self.mode == "bwrap":
            empty = scratch / "empty"
            empty.write_bytes(b"")
            env = sandbox.worker_env(pathlib.Path("/tmp/cnncourse-student"), "/tmp/home", "/tmp", self.limits)
            cmd = sandbox.bwrap_command(self.workdir, self.student_pkg, empty, [sys.executable, *argv_tail])
            cwd, as_nobody = str(scratch), False
        else:
            home, tmp = scratch / "home", scratch / "tmp"
            home.mkdir()
            tmp.mkdir()
            as_nobody = sandbox.can_drop_root()
            if as_nobody:
                nobody = sandbox.pwd.getpwnam("nobody")
                for path in (scratch, home, tmp, self.workdir):
                    os.chown(path, nobody.pw_uid, nobody.pw_gid)
                for path in self.workdir.rglob("*"):
                    os.chown(path, nobody.pw_uid, nobody.pw_gid)
            env = sandbox.worker_env(self.student_pkg, str(home), str(tmp), self.limits)
            cmd = [sys.executable, "-s", *argv_tail]
            cwd = str(self.workdir)
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, pass_fds=(to_worker_r, from_worker_w),
                                     preexec_fn=sandbox.preexec(self.limits, as_nobody))
        os.close(to_worker_r)
        os.close(from_worker_w)
        self._out, self._in = to_worker_w, from_worker_r
        self._stderr_tail = b""

    def close(self):
        """Stop the worker (its whole process group) and remove its scratch folder."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        self.proc.wait()
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.stderr:
            self.proc.stderr.close()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fault(self, kind, detail):
        self.dead = WorkerFault(kind, detail)
        self.close()
        raise self.dead

    def _rss(self):
        """Resident memory of the worker's process group, in bytes."""
        total = 0
        try:
            import psutil

            root = psutil.Process(self.proc.pid)
            for p in [root, *root.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
        except Exception:  # noqa: BLE001 - psutil missing or the process just ended
            return 0
        return total

    # -------------------------------------------------------------- messages

    def _read(self, deadline):
        buf = b""
        need = 8
        size = None
        while True:
            now = time.monotonic()
            if now > deadline:
                self._fault("timeout", f"no answer within {self.limits.request_seconds:g} s (an endless loop?)")
            ready, _, _ = select.select([self._in, self.proc.stderr], [], [], POLL_SECONDS)
            if self.proc.stderr in ready:
                chunk = os.read(self.proc.stderr.fileno(), 65536)
                self._stderr_tail = (self._stderr_tail + chunk)[-4000:]
            if self._in in ready:
                chunk = os.read(self._in, min(1 << 20, need - len(buf)))
                if not chunk:
                    self._died()
                buf += chunk
                if len(buf) == need:
                    if size is not None:
                        return self._parse(buf)
                    try:
                        size = wire.frame_size(buf)
                    except wire.WireError as exc:
                        self._fault("output", f"a reply too large: {exc}")
                    if size == 0:
                        self._fault("protocol", "an empty reply")
                    buf, need = b"", size
            elif self.proc.poll() is not None:
                self._died()
            rss = self._rss()
            if rss > self.limits.memory_bytes:
                self._fault("memory", f"{rss / 2**20:.0f} MiB resident, the limit is "
                                      f"{self.limits.memory_bytes / 2**20:.0f} MiB")

    def _parse(self, data):
        """A reply's JSON; anything garbled is a protocol fault (the worker is then dead), never a test failure."""
        try:
            return wire.parse(data)
        except wire.WireError as exc:
            self._fault("protocol", f"a garbled reply: {exc}")

    def _died(self):
        code = self.proc.wait()
        tail = self._stderr_tail.decode(errors="replace").strip().splitlines()
        if code in (-signal.SIGXCPU, 128 + signal.SIGXCPU):  # bubblewrap reports the signal as 128 + number
            self._fault("cpu", f"more than {self.limits.cpu_seconds} CPU seconds")
        if tail and "MemoryError" in tail[-1]:
            self._fault("memory", tail[-1])
        why = f"exit code {code}" if code is not None and code >= 0 else f"killed by signal {-code}"
        self._fault("crashed", f"{why}" + (f" ({tail[-1][:300]})" if tail else ""))

    def request(self, message: dict) -> dict:
        """Send one request; serve callbacks until the reply comes; return the reply."""
        if self.dead is not None:
            raise self.dead
        deadline = time.monotonic() + self.limits.request_seconds
        try:
            wire.write_frame(self._out, message)
        except (BrokenPipeError, OSError):
            self._died()
        while True:
            reply = self._read(deadline)
            if not isinstance(reply, dict):
                self._fault("protocol", f"reply of type {type(reply).__name__}")
            if reply.get("op") != "callback":
                dropped = reply.get("dropped", 0)
                if isinstance(dropped, int) and dropped > 0:
                    self._fault("output", f"more than {self.limits.output_chars:,} characters in one cell or call")
                return reply
            self._serve_callback(reply)

    def _serve_callback(self, reply):
        func = self.callbacks.get(reply.get("id"))
        try:
            args = self.decode(reply.get("args"))
            kwargs = self.decode(reply.get("kwargs"))
            value = {"op": "callback_result", "value": wire.encode(func(*args, **kwargs))}
        except wire.WireError as exc:
            self._fault("protocol", str(exc))
        except Exception as exc:  # noqa: BLE001 - the student passed our function something it cannot take
            value = {"op": "callback_error", "message": f"{type(exc).__name__}: {exc}"}
        wire.write_frame(self._out, value)

    def encode(self, value):
        def callback(func):
            if isinstance(func, (RemoteFunction, RemoteObject)):
                return ref(func)
            key = len(self.callbacks) + 1
            self.callbacks[key] = func
            return {"t": "callback", "id": key}

        def ref(obj):
            if isinstance(obj, RemoteObject) and obj._worker is self:
                return {"t": "ref", "id": obj._key, "type": type(obj).__name__}
            if isinstance(obj, RemoteFunction) and obj.worker is self:
                return {"t": "fn", "name": obj.name}
            raise wire.Unencodable(f"{type(obj).__name__} cannot be sent to the student's process")

        return wire.encode(value, ref=ref, callback=callback)

    def decode(self, value):
        def ref(key, type_name):
            cls = type(type_name, (RemoteObject,), {})
            return cls(self, key)

        try:
            return wire.decode(value, ref=ref)
        except wire.WireError as exc:
            self._fault("protocol", str(exc))

    def finish_call(self, reply, args=(), kwargs=None):
        """The value of a ``call``/``fixture`` reply; raise what the student's code raised."""
        replay_warnings(reply.get("warnings"))
        if "raised" in reply:
            raise rebuild_exception(reply["raised"] if isinstance(reply["raised"], dict) else {})
        result = self.decode(reply.get("result"))
        after_args, after_kwargs = self.decode(reply.get("args")), self.decode(reply.get("kwargs"))
        _write_back(list(args), after_args)
        if kwargs:
            _write_back(dict(kwargs), after_kwargs)
        return result

    # -------------------------------------------------------------- conveniences

    def run_cell(self, source: str) -> dict:
        """Run one notebook cell; return ``{"error": ... or None, "stdout": ..., "stderr": ...}``."""
        return self.request({"op": "run", "source": source})

    def lookup(self, name: str) -> dict:
        return self.request({"op": "lookup", "name": name})

    def function(self, name: str) -> RemoteFunction:
        return RemoteFunction(self, name)

    def fixture(self, name: str, *args, **kwargs):
        """Run ``cnncourse.worker.fixtures.<name>(*args, **kwargs)`` in the worker; return its value."""
        reply = self.request({"op": "fixture", "name": name, "args": self.encode(list(args)),
                              "kwargs": self.encode(kwargs)})
        return self.finish_call(reply)
