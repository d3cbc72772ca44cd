"""Tests for cnncourse.widgets._base: figures become PNG outputs, the update cycle, errors shown as text."""

import base64

import ipywidgets as W
import matplotlib.pyplot as plt

from cnncourse.widgets import _base


def test_figure_output_is_a_png_and_closes_the_figure():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    out = _base.figure_output(fig)
    assert out["output_type"] == "display_data" and out["data"]["text/plain"] == "<Figure>"
    assert base64.b64decode(out["data"]["image/png"]).startswith(b"\x89PNG")
    assert plt.get_fignums() == []


def test_text_output_is_a_stdout_stream():
    assert _base.text_output("hello") == {"output_type": "stream", "name": "stdout", "text": "hello\n"}


class _Counter(_base.Explorer):
    """The smallest explorer: its state is "ok" or not; drawing counts."""

    def __init__(self, render):
        super().__init__(render)
        self.ok, self.drawn = True, 0
        self.slider = _base.int_slider("n", max=5)
        self.error_output = W.Output()
        self.widget = _base.layout([[self.slider]], self.error_output)
        self.update()

    def _refresh(self):
        self.error = None if self.ok else "n is too large"
        return self.ok

    def _draw(self):
        self.drawn += 1


def test_update_refreshes_then_draws_only_when_rendering():
    ex = _Counter(render=False)
    assert (ex.drawn, ex.n_draws) == (0, 1)
    ex.render = True
    ex.update()
    assert (ex.drawn, ex.n_draws) == (1, 2)
    ex.ok = False
    ex.update()
    assert (ex.drawn, ex.n_draws) == (1, 3)
    (out,) = ex.error_output.outputs
    assert out["text"] == "Cannot draw these settings: n is too large\n"


def test_controls_layout_and_the_boxed_widget():
    ex = _Counter(render=False)
    box = ex.boxed()
    assert isinstance(box, W.VBox) and box.explorer is ex
    (controls, below) = box.children
    assert below is ex.error_output and controls.children[0].children == (ex.slider,)
    assert (ex.slider.min, ex.slider.max, ex.slider.continuous_update) == (0, 5, False)
