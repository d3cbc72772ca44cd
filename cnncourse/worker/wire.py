"""The grading wire format: plain data between the trusted grader and the student's worker.

Both sides import this module.  A message is one frame: an 8-byte big-endian length, then
UTF-8 JSON.  Values are JSON primitives (None, bool, int, float including NaN and inf, str)
or tagged objects::

    {"t": "tuple" | "list", "v": [...]}          sequences
    {"t": "dict", "v": [[key, value], ...]}      str or int keys only
    {"t": "nd", "dtype": "<f8", "shape": [2, 3], "b64": "..."}   a numeric numpy array
    {"t": "scalar", "dtype": "<f8", "b64": "..."}                a numpy scalar
    {"t": "tensor", "v": <nd>}                   a torch tensor (rebuilt only where torch is loaded)
    {"t": "ref", "id": 3, "type": "Sequential"}  an object that stays in the worker
    {"t": "callback", "id": 1}                   a trusted function the worker may call back
    {"t": "fn", "name": "relu"}                  a global of the student's notebook (trusted -> worker)

Decoding never unpickles and never calls code: it builds base-class ndarrays from raw
bytes after checking the dtype against a fixed list and the byte count against the shape,
so an object that lies to comparisons cannot cross.  Anything else is a :class:`WireError`.

Examples
--------
>>> import numpy as np
>>> back = decode(loads(dumps(encode((1, np.arange(3.0), "a")))))
>>> back[0], back[1].tolist(), back[2]
(1, [0.0, 1.0, 2.0], 'a')
"""

from __future__ import annotations

import base64
import json
import os
import struct
import sys
from typing import Any, Callable

import numpy as np

#: dtypes that may cross the wire (numeric only: no objects, no strings, no structured types).
DTYPES = frozenset(np.dtype(c).newbyteorder("<").str for c in "?bBhHiIlLqQefd")
MAX_DEPTH = 64
MAX_FRAME = 1 << 30  # 1 GiB: a larger frame is refused, not read


class WireError(ValueError):
    """A message that is not valid plain data (from a broken or hostile worker)."""


class Unencodable(TypeError):
    """A value that cannot cross as plain data; the worker sends a ``ref`` instead."""


# ------------------------------------------------------------------ encode

def _nd(a: np.ndarray) -> dict:
    a = np.array(a.view(np.ndarray), order="C", copy=True)  # raw memory: a subclass's overrides are ignored
    if a.dtype.kind not in "biuf":
        raise Unencodable(f"array of dtype {a.dtype}")
    a = a.astype(a.dtype.newbyteorder("<"), copy=False)
    return {"t": "nd", "dtype": a.dtype.str, "shape": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode()}


def encode(value: Any, *, ref: Callable[[Any], dict] | None = None, callback: Callable[[Any], dict] | None = None,
           depth: int = 0) -> Any:
    """Turn ``value`` into JSON-ready plain data.

    ``ref(obj)`` is asked for objects that are not plain data (the worker keeps them and
    sends a handle); ``callback(func)`` for functions (the trusted side serves their calls).
    Without them such values raise :class:`Unencodable`.
    """
    if depth > MAX_DEPTH:
        raise Unencodable("nested too deeply")
    kw = {"ref": ref, "callback": callback, "depth": depth + 1}
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) is int or type(value) is float:  # exact types: subclasses may override operators
        return value
    if isinstance(value, np.ndarray):
        try:
            return _nd(value)
        except Unencodable:
            if ref is None:
                raise
            return ref(value)
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        nd = _nd(np.asarray(value))
        return {"t": "scalar", "dtype": nd["dtype"], "b64": nd["b64"]}
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # int/float subclasses: their value only
        return int.__index__(value) if isinstance(value, int) else float.__float__(value)
    if type(value) in (tuple, list):
        return {"t": type(value).__name__, "v": [encode(v, **kw) for v in value]}
    if type(value) is dict and all(type(k) in (str, int) for k in value):
        return {"t": "dict", "v": [[k, encode(v, **kw)] for k, v in value.items()]}
    torch = _loaded_torch()
    if torch is not None and isinstance(value, torch.Tensor) and value.layout == torch.strided and \
            not value.is_complex() and value.dtype != torch.bfloat16:
        return {"t": "tensor", "v": _nd(value.detach().cpu().numpy())}
    if callable(value) and callback is not None:
        return callback(value)
    if ref is not None:
        return ref(value)
    raise Unencodable(f"{type(value).__name__} is not plain data")


def _loaded_torch():
    return sys.modules.get("torch")  # never imported here: a tensor can only exist where torch is loaded


# ------------------------------------------------------------------ decode

def _decode_nd(obj: dict, scalar: bool = False) -> np.ndarray:
    dtype = obj.get("dtype")
    if dtype not in DTYPES:
        raise WireError(f"dtype {dtype!r} is not allowed")
    try:
        raw = base64.b64decode(obj["b64"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise WireError("array bytes missing or not base64") from None
    shape = [] if scalar else obj.get("shape")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError(f"bad shape {shape!r}")
    dt = np.dtype(dtype)
    if int(np.prod(shape, dtype=np.int64)) * dt.itemsize != len(raw):
        raise WireError(f"{len(raw)} bytes do not fill shape {tuple(shape)} of {dtype}")
    arr = np.frombuffer(raw, dtype=dt).reshape(tuple(shape)).astype(dt.newbyteorder("="))  # native, writable copy
    return arr[()] if scalar else arr


def decode(obj: Any, *, ref: Callable[[int, str], Any] | None = None,
           callback: Callable[[int], Any] | None = None, fn: Callable[[str], Any] | None = None,
           depth: int = 0) -> Any:
    """Rebuild plain values from :func:`encode`'s output; raise :class:`WireError` on anything else."""
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if type(obj) is not dict:
        raise WireError(f"unexpected {type(obj).__name__}")
    kw = {"ref": ref, "callback": callback, "fn": fn, "depth": depth + 1}
    tag = obj.get("t")
    if tag in ("tuple", "list"):
        items = obj.get("v")
        if type(items) is not list:
            raise WireError("sequence without items")
        values = [decode(v, **kw) for v in items]
        return tuple(values) if tag == "tuple" else values
    if tag == "dict":
        items = obj.get("v")
        if type(items) is not list or not all(type(p) is list and len(p) == 2 and type(p[0]) in (str, int)
                                              for p in items):
            raise WireError("bad dict")
        return {k: decode(v, **kw) for k, v in items}
    if tag == "nd":
        return _decode_nd(obj)
    if tag == "scalar":
        return _decode_nd(obj, scalar=True)
    if tag == "tensor":
        arr = _decode_nd(obj.get("v") if type(obj.get("v")) is dict else {})
        torch = _loaded_torch()
        return torch.from_numpy(arr) if torch is not None else arr
    if tag == "ref" and ref is not None and type(obj.get("id")) is int and type(obj.get("type")) is str:
        return ref(obj["id"], obj["type"][:100])
    if tag == "callback" and callback is not None and type(obj.get("id")) is int:
        return callback(obj["id"])
    if tag == "fn" and fn is not None and type(obj.get("name")) is str:
        return fn(obj["name"])
    raise WireError(f"unexpected tag {tag!r}")


# ------------------------------------------------------------------ frames

def dumps(message: Any) -> bytes:
    """One frame: length prefix + JSON."""
    body = json.dumps(message, separators=(",", ":")).encode()
    return struct.pack(">Q", len(body)) + body


def loads(frame: bytes) -> Any:
    """The message in one whole frame (as :func:`dumps` made it)."""
    (n,) = struct.unpack(">Q", frame[:8])
    if n != len(frame) - 8:
        raise WireError("frame length does not match")
    return parse(frame[8:])


def parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"not JSON: {exc}") from None


def write_frame(fd: int, message: Any) -> None:
    """Write one message to the file descriptor ``fd`` (blocking)."""
    data = memoryview(dumps(message))
    while data:
        n = os.write(fd, data)
        data = data[n:]


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly ``n`` bytes from ``fd``; EOFError when the other side closed first."""
    parts, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def frame_size(header: bytes) -> int:
    """The payload length announced by a frame's 8-byte header; WireError above :data:`MAX_FRAME`."""
    (n,) = struct.unpack(">Q", header)
    if n > MAX_FRAME:
        raise WireError(f"frame of {n} bytes is larger than {MAX_FRAME}")
    return n


def read_frame(fd: int) -> Any:
    """Read one message from ``fd`` (blocking)."""
    return parse(read_exact(fd, frame_size(read_exact(fd, 8))))
