"""Fixtures for the widget tests: read an Output widget's PNG back, record the figures an explorer draws."""

import base64
import inspect

import pytest

from cnncourse import widgets


@pytest.fixture
def png():
    """png(output_widget): the bytes of the one PNG the widget holds."""
    def read(output_widget):
        (out,) = output_widget.outputs
        assert out["output_type"] == "display_data"
        return base64.b64decode(out["data"]["image/png"])
    return read


@pytest.fixture
def spy(monkeypatch):
    """spy("conv_step"): a list that records the arguments (a dict per call) of every call the explorers make."""
    def install(name):
        calls = []
        original = getattr(widgets.plot, name)
        signature = inspect.signature(original)

        def recorder(*args, **kwargs):
            calls.append(dict(signature.bind(*args, **kwargs).arguments))
            return original(*args, **kwargs)

        monkeypatch.setattr(widgets.plot, name, recorder)
        return calls
    return install
