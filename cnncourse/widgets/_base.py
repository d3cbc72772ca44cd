"""What both explorers share: figures as PNG outputs, errors shown as text, the controls' layout.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Private to the package.  An explorer keeps
its *state* (slider ranges, settings, the last error) apart from its *drawing*: :meth:`Explorer.update`
refreshes the state and then draws, unless ``render`` is False (tests and scripts that only
need the state skip the PNG rendering, which is what costs time).
"""

from __future__ import annotations

import base64
import contextlib
import io
from typing import Iterator, Sequence

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def figure_output(fig: Figure) -> dict:
    """A notebook display_data output holding ``fig`` as PNG; closes ``fig``."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    finally:
        plt.close(fig)
    return {"output_type": "display_data",
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                     "text/plain": "<Figure>"},
            "metadata": {}}


def text_output(text: str) -> dict:
    """A notebook stream output printing ``text``."""
    return {"output_type": "stream", "name": "stdout", "text": text + "\n"}


def int_slider(description: str, value: int = 0, min: int = 0, max: int = 0) -> W.IntSlider:
    """An integer slider that reports only when released (each change redraws)."""
    return W.IntSlider(value=value, min=min, max=max, description=description, continuous_update=False)


def layout(columns: Sequence[Sequence[W.Widget]], below: W.Widget) -> W.VBox:
    """Controls in columns side by side, the figure area below them."""
    return W.VBox([W.HBox([W.VBox(list(column)) for column in columns]), below])


class Explorer:
    """Shared machinery of the explorers: the update cycle, redraw counting, error display.

    A subclass builds its controls and ``widget``, sets ``error_output`` (where an invalid
    setting is explained) and implements ``_refresh()`` (bring the state up to date; return
    False, with ``error`` set, when the settings cannot be drawn) and ``_draw()``.

    Attributes
    ----------
    render : bool
        Draw the figures on every update.  False keeps the state (and the error message)
        up to date without rendering any PNG; set it back to True and call :meth:`update`.
    n_draws : int
        How many times :meth:`update` ran (each one a redraw when ``render`` is True).
    error : str or None
        The message of the last invalid setting (shown in ``error_output``).
    """

    widget: W.VBox
    error_output: W.Output

    def __init__(self, render: bool = True) -> None:
        self.render = bool(render)
        self.n_draws = 0
        self.error: str | None = None
        self._busy = False

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change controls without their observers updating the explorer."""
        self._busy = True
        try:
            yield
        finally:
            self._busy = False

    def _refresh(self) -> bool:
        raise NotImplementedError

    def _draw(self) -> None:
        raise NotImplementedError

    def update(self) -> None:
        """Refresh the state and redraw; an invalid setting is shown as text instead of raised."""
        if self._refresh() and self.render:
            self._draw()
        if self.error is not None:
            self.error_output.outputs = (text_output(f"Cannot draw these settings: {self.error}"),)
        self.n_draws += 1

    def boxed(self) -> W.VBox:
        """The explorer's widget, with the explorer attached as its ``explorer`` attribute."""
        box = self.widget
        box.explorer = self
        return box
