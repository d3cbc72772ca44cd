"""Tests for cnncourse.plot._base: the number text every figure prints."""

from cnncourse import plot


def test_format_number():
    assert plot.format_number(7.0) == "7"
    assert plot.format_number(-0.25) == "\u22120.25"
    assert plot.format_number(-1e-12) == "0"
