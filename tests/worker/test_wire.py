"""The wire format between the trusted grader and the worker: plain data only, never a pickle."""

import numpy as np
import pytest

from cnncourse.worker import wire


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, float("inf"), "text", (1, [2, 3]), {"a": 1, 2: (None,)},
    np.arange(6, dtype=np.int32).reshape(2, 3), np.zeros((0, 4)), np.float32(1.5), np.array(7.0),
    np.ones((2, 2), dtype=bool), np.arange(4.0)[::2],
])
def test_plain_values_round_trip(value):
    back = wire.decode(wire.loads(wire.dumps(wire.encode(value))))
    if isinstance(value, np.ndarray):
        assert type(back) is np.ndarray and back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert back == value and type(back) is type(value)


def test_an_ndarray_subclass_crosses_as_its_raw_data():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    back = wire.decode(wire.encode(np.arange(3.0).view(Liar)))
    assert type(back) is np.ndarray and back.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("bad", [
    {"t": "nd", "dtype": "|O", "shape": [1], "b64": ""},              # objects: never
    {"t": "nd", "dtype": "<f8", "shape": [3], "b64": "AAAA"},         # too few bytes
    {"t": "nd", "dtype": "<f8", "shape": [-1], "b64": ""},
    {"t": "pickle", "v": "gASV"},
    {"t": "ref", "id": 1, "type": "X"},                               # refs only where the receiver allows them
    ["a", "list", "without", "a", "tag"],
])
def test_decode_refuses_anything_but_plain_data(bad):
    with pytest.raises(wire.WireError):
        wire.decode(bad)


def test_unencodable_values_need_a_ref_function():
    with pytest.raises(wire.Unencodable):
        wire.encode(object())
    assert wire.encode(object(), ref=lambda obj: {"t": "ref", "id": 1, "type": "object"})["t"] == "ref"


