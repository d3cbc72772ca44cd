"""Shared input checks for the reference implementations.

Every message has the form "`arg` must <rule>; got <actual>. <how to fix>." so that
errors read the same across the course and tests can match them.
"""

import numbers

import numpy as np


def message(name, rule, got, fix=""):
    """The house error text: "`name` must <rule>; got <got>. <fix>"."""
    text = f"`{name}` must {rule}; got {got}."
    return f"{text} {fix}" if fix else text


def require_int(name, value, *, minimum=None, fix=""):
    """Return ``value`` as an ``int``; raise if it is not an integer >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        rule = "be an integer" if minimum is None else f"be an integer >= {minimum}"
        raise TypeError(message(name, rule, f"{type(value).__name__} {value!r}",
                                 fix or "Pass a whole number such as 3."))
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(message(name, f"be an integer >= {minimum}", value, fix))
    return value


def require_number(name, value, *, fix=""):
    """Return ``value`` as a ``float``; raise TypeError if it is not a real number."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(message(name, "be a real number", f"{type(value).__name__} {value!r}",
                                 fix or "Pass a number such as 0.0 or 1.0."))
    return float(value)


def require_shape(name, value, *, ndim=None, shape_text="(a tuple of sizes)", fix=""):
    """Return ``value`` as a tuple of ints >= 0 (a shape), of length ``ndim`` if given.

    >>> require_shape("x_shape", [2, 1, 4, 4], ndim=4)
    (2, 1, 4, 4)
    >>> require_shape("x_shape", 7)
    Traceback (most recent call last):
    ...
    TypeError: `x_shape` must be a shape (a tuple of sizes); got int 7. Pass x.shape.
    """
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if not isinstance(value, (tuple, list)):
        raise TypeError(message(name, f"be a shape {shape_text}", f"{type(value).__name__} {value!r}",
                                fix or "Pass x.shape."))
    if ndim is not None and len(value) != ndim:
        raise ValueError(message(name, f"have {ndim} sizes {shape_text}", repr(tuple(value)), fix or "Pass x.shape."))
    return tuple(require_int(f"{name}[{i}]", s, minimum=0) for i, s in enumerate(value))


def require_choice(name, value, choices):
    """Raise ValueError unless ``value`` is one of ``choices`` (listed in the message)."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(message(name, f"be one of {valid}", repr(value), "Pick one of the listed values."))
    return value


def require_array(name, x, *, ndim, shape_text, fix=""):
    """Return ``x`` as a real-valued ndarray with ``ndim`` dimensions.

    ``shape_text`` names the expected layout, e.g. ``"(H, W)"``.
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except Exception:  # ragged lists and the like
            arr = None
        if arr is None or arr.dtype == object:
            raise TypeError(message(name, f"be a numeric array of shape {shape_text}",
                                     type(x).__name__, "Pass a numpy array, e.g. np.asarray(...)."))
    if arr.dtype.kind not in "biuf":
        raise TypeError(message(name, f"be a real-valued array of shape {shape_text}",
                                 f"dtype {arr.dtype}", "Convert it with .astype(float)."))
    if arr.ndim != ndim:
        raise ValueError(message(name, f"be a {ndim}-D array of shape {shape_text}",
                                  f"shape {arr.shape}", fix))
    if arr.size == 0:
        raise ValueError(message(name, f"be a non-empty array of shape {shape_text}",
                                  f"shape {arr.shape}", "Every dimension must be at least 1."))
    return arr


def as_float(x):
    """Return ``x`` as a floating array, keeping float32/float64 and promoting integers."""
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def require_boxes(name, boxes, fix=""):
    """Return ``boxes`` as a float ndarray of shape (K, 4), rows ``(x1, y1, x2, y2)``; K may be 0.

    Accepts anything ``np.asarray`` takes (lists, numpy arrays, CPU torch tensors). Boxes with
    ``x2 < x1`` or ``y2 < y1`` are refused: they are not corners.

    >>> require_boxes("boxes", [[0, 0, 2, 3]]).dtype
    dtype('float64')
    >>> require_boxes("boxes1", [0, 0, 2, 3])
    Traceback (most recent call last):
    ...
    ValueError: `boxes1` must have shape (K, 4) with rows (x1, y1, x2, y2); got shape (4,). For a single box, pass boxes1[None, :].
    """
    if hasattr(boxes, "detach"):  # a torch tensor: numpy's view of it, without the graph
        boxes = boxes.detach().cpu().numpy()
    try:
        arr = np.asarray(boxes)
    except Exception:  # noqa: BLE001 - ragged lists and the like
        arr = None
    if arr is None or arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(message(name, "be a numeric array of shape (K, 4) with rows (x1, y1, x2, y2)",
                                type(boxes).__name__, "Pass a numpy array, e.g. np.asarray(...)."))
    if arr.ndim != 2 or arr.shape[1] != 4:
        single = f"For a single box, pass {name}[None, :]." if arr.shape == (4,) else fix
        raise ValueError(message(name, "have shape (K, 4) with rows (x1, y1, x2, y2)", f"shape {arr.shape}", single))
    arr = as_float(arr)
    if not np.isfinite(arr).all():
        raise ValueError(message(name, "hold finite coordinates", "NaN or infinity", fix))
    bad = np.flatnonzero((arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1]))
    if bad.size:
        raise ValueError(message(name, "hold corners with x2 >= x1 and y2 >= y1", f"row {int(bad[0])} = "
                                 f"{arr[bad[0]].tolist()}", fix or "Boxes are (x1, y1, x2, y2); convert (x, y, w, h) "
                                 "boxes with x2 = x + w, y2 = y + h."))
    return arr
