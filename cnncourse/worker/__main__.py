"""The grading worker: ``python -m cnncourse.worker IN_FD OUT_FD``.

Reads requests from ``IN_FD`` and answers on ``OUT_FD`` (frames of :mod:`.wire`):

- ``{"op": "run", "source": ...}`` runs one notebook cell (IPython syntax and magics);
- ``{"op": "lookup", "name": ...}`` says whether a notebook global exists and is callable;
- ``{"op": "call", "name": ..., "args": ..., "kwargs": ...}`` calls a notebook function and
  returns its result and its arguments afterwards (so the grader sees in-place changes);
- ``{"op": "fixture", "name": ..., "args": ...}`` runs a helper of :mod:`.fixtures`;
- ``{"op": "release", "ids": [...]}`` forgets objects sent as ``ref`` handles.

While a call runs, the worker may ask the grader to evaluate a trusted function passed as
a ``callback`` argument.  Printed output is captured per request, up to a limit.
"""

import builtins
import io
import os
import sys
import traceback
import warnings

from . import wire

OUTPUT_LIMIT = int(os.environ.get("CNNCOURSE_OUTPUT_LIMIT", 1 << 20))  # characters per request and stream


class CappedText(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit):
        self.limit, self.parts, self.kept, self.dropped = limit, [], 0, 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False

    def text(self):
        return "".join(self.parts)


class Worker:
    def __init__(self, in_fd, out_fd):
        self.in_fd, self.out_fd = in_fd, out_fd
        self.objects, self.next_id = {}, 1
        self.shell = None
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}

    # -------------------------------------------------------------- plumbing

    def send(self, message):
        wire.write_frame(self.out_fd, message)

    def ref(self, obj):
        key = self.next_id
        self.next_id += 1
        self.objects[key] = obj
        return {"t": "ref", "id": key, "type": type(obj).__name__}

    def callback_stub(self, key):
        def call_trusted(*args, **kwargs):
            self.send({"op": "callback", "id": key, "args": self.enc(args), "kwargs": self.enc(kwargs)})
            reply = wire.read_frame(self.in_fd)
            if reply.get("op") == "callback_error":
                raise RuntimeError(f"the grader's function failed on what your code passed it: {reply.get('message')}")
            return self.dec(reply.get("value"))
        call_trusted.__name__ = "f"
        return call_trusted

    def enc(self, value):
        return wire.encode(value, ref=self.ref)

    def dec(self, value):
        return wire.decode(value, ref=lambda key, _type: self.objects[key], callback=self.callback_stub,
                           fn=self.global_function)

    def global_function(self, name):
        if name not in self.namespace:
            raise NameError(f"name {name!r} is not defined in the notebook")
        return self.namespace[name]

    def captured(self, func):
        """Run ``func()`` with stdout/stderr captured; return (value, outputs, exception)."""
        out, err = CappedText(OUTPUT_LIMIT), CappedText(OUTPUT_LIMIT)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value, exc = func(), None
            except BaseException as e:  # noqa: BLE001 - the student's code may raise anything, SystemExit included
                value, exc = None, e
            finally:
                sys.stdout, sys.stderr = saved
        for w in caught[:100]:  # shown as a kernel shows them, and passed on (checks may forbid RuntimeWarnings)
            err.write(f"{w.category.__name__}: {w.message}\n")
        outputs = {"stdout": out.text(), "stderr": err.text(), "dropped": out.dropped + err.dropped,
                   "warnings": [[[k.__name__ for k in w.category.__mro__][:10], str(w.message)[:2000]]
                                for w in caught[:100]]}
        return value, outputs, exc

    @staticmethod
    def describe(exc):
        here = os.path.dirname(os.path.abspath(__file__))
        frames = [(f.filename, f.lineno, f.line or "") for f in traceback.extract_tb(exc.__traceback__)
                  if os.path.dirname(os.path.abspath(f.filename)) != here]
        names = [k.__name__ for k in type(exc).__mro__]
        try:
            message = str(exc)
        except Exception:  # noqa: BLE001 - a hostile __str__
            message = "<unprintable message>"
        return {"type": type(exc).__name__, "mro": names[:20], "message": message[:4000], "frames": frames[-10:]}

    # -------------------------------------------------------------- requests

    def run_cell(self, source):
        if self.shell is None:
            from IPython.core.interactiveshell import InteractiveShell

            self.shell = InteractiveShell.instance(colors="NoColor", user_ns=self.namespace)
        result = {}

        def run():
            res = self.shell.run_cell(source, store_history=False, silent=False)
            err = res.error_before_exec or res.error_in_exec
            result["error"] = self.describe(err) if err is not None else None

        _, outputs, exc = self.captured(run)
        error = result.get("error") or (self.describe(exc) if exc is not None else None)
        return {"error": error, **outputs}

    def lookup(self, name):
        if name not in self.namespace:
            return {"kind": "missing"}
        value = self.namespace[name]
        if callable(value):
            return {"kind": "callable", "type": type(value).__name__}
        try:
            return {"kind": "value", "value": wire.encode(value)}
        except wire.Unencodable:
            return {"kind": "object", "type": type(value).__name__}

    def call(self, func, args, kwargs):
        value, outputs, exc = self.captured(lambda: func(*args, **kwargs))
        if exc is not None:
            return {"raised": self.describe(exc), **outputs}
        return {"result": self.enc(value), "args": self.enc(list(args)), "kwargs": self.enc(kwargs), **outputs}

    def handle(self, request):
        op = request.get("op")
        if op == "run":
            return self.run_cell(request["source"])
        if op == "lookup":
            return self.lookup(request["name"])
        if op == "call":
            return self.call(self.global_function(request["name"]), self.dec(request["args"]),
                             self.dec(request["kwargs"]))
        if op == "fixture":
            from . import fixtures

            func = getattr(fixtures, request["name"])
            return self.call(func, self.dec(request["args"]), self.dec(request["kwargs"]))
        if op == "release":
            for key in request["ids"]:
                self.objects.pop(key, None)
            return {}
        raise ValueError(f"unknown request {op!r}")

    def serve(self):
        while True:
            try:
                request = wire.read_frame(self.in_fd)
            except EOFError:
                return
            try:
                reply = self.handle(request)
            except BaseException as exc:  # noqa: BLE001 - report, keep serving
                reply = {"raised": self.describe(exc), "stdout": "", "stderr": "", "dropped": 0}
            try:
                self.send(reply)
            except wire.Unencodable as exc:
                self.send({"raised": self.describe(exc), "stdout": "", "stderr": "", "dropped": 0})


def main(argv):
    in_fd, out_fd = int(argv[1]), int(argv[2])
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # nothing to read on stdin
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
    Worker(in_fd, out_fd).serve()


if __name__ == "__main__":
    main(sys.argv)
