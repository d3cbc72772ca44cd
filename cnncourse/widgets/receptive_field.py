"""The receptive-field explorer: pick a layer stack, a layer and one of its units; see the input it sees.

Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Static twin:
:func:`cnncourse.plot.receptive_field_map`.
"""

from __future__ import annotations

from typing import Any, Sequence

import ipywidgets as W

from .. import _validate as v
from .. import plot
from ._base import Explorer, figure_output, int_slider, layout


def _conv(k, padding=0):
    return {"type": "conv", "filters": 8, "kernel_size": k, "stride": 1, "padding": padding}


def receptive_field_presets() -> dict[str, list[dict]]:
    """The receptive-field explorer's named layer stacks.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.

    Returns
    -------
    dict of str to list of dict
        Layer specs (see :mod:`cnncourse.ref.layer_specs`): one 3×3 conv; two 3×3 convs (= 5×5);
        three 3×3 convs (= 7×7); 3×3 conv + 2×2 max-pool + 3×3 conv (the jump doubles);
        one 5×5 conv.

    Examples
    --------
    >>> from cnncourse.ref import layer_specs
    >>> {name: layer_specs.receptive_field(layers)[-1] for name, layers in receptive_field_presets().items()}
    ... # doctest: +NORMALIZE_WHITESPACE
    {'one 3×3 conv': (3, 1), 'two 3×3 convs (= 5×5)': (5, 1), 'three 3×3 convs (= 7×7)': (7, 1),
     '3×3 conv + 2×2 max-pool + 3×3 conv': (8, 2), 'one 5×5 conv': (5, 1)}
    """
    return {
        "one 3\u00d73 conv": [_conv(3)],
        "two 3\u00d73 convs (= 5\u00d75)": [_conv(3), _conv(3)],
        "three 3\u00d73 convs (= 7\u00d77)": [_conv(3), _conv(3), _conv(3)],
        "3\u00d73 conv + 2\u00d72 max-pool + 3\u00d73 conv": [_conv(3), {"type": "maxpool", "kernel_size": 2,
                                                                     "stride": None}, _conv(3)],
        "one 5\u00d75 conv": [_conv(5)],
    }


RF_PRESETS = tuple(receptive_field_presets())


class ReceptiveFieldExplorer(Explorer):
    """State and controls of :func:`receptive_field_explorer`; drive it from code through its widgets.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Static twin:
    :func:`cnncourse.plot.receptive_field_map`.

    Parameters
    ----------
    layers : list of dict, optional
        A conv/pool/relu stack of your own, offered as the preset "custom" (and selected);
        when omitted the explorer starts on "three 3×3 convs (= 7×7)".
    input_side : int, default 16
        Side of the square input.
    render : bool, default True
        Draw the map on every change.  False keeps the sliders, :meth:`settings` and ``error``
        up to date without rendering (set ``render = True`` and call :meth:`update` to draw).

    Attributes
    ----------
    preset, layer, row, col, same_padding : ipywidgets
        The controls: stack preset, layer shown (index into the stack), output unit row and
        column (ranges follow that layer's output size), and a checkbox that gives every conv
        ``padding = K // 2`` ("same" size).
    output : ipywidgets.Output
        Holds one PNG display output, replaced on every redraw.
    widget : ipywidgets.VBox
    n_draws : int
        How many times :meth:`update` ran.
    error : str or None
        The message of the last invalid setting (shown instead of the figure).

    Examples
    --------
    >>> explorer = ReceptiveFieldExplorer(input_side=12, render=False)
    >>> explorer.layer.max, explorer.row.max  # 3 layers; 12 - 3*2 = 6 outputs
    (2, 5)
    >>> explorer.same_padding.value = True
    >>> explorer.row.max  # "same" padding keeps 12
    11
    """

    def __init__(self, layers: Sequence[dict] | None = None, input_side: int = 16, render: bool = True) -> None:
        super().__init__(render)
        self.input_side = v.require_int("input_side", input_side, minimum=1)
        self.presets = receptive_field_presets()
        start = "three 3\u00d73 convs (= 7\u00d77)"
        if layers is not None:
            layers = [dict(layer) for layer in layers]
            plot.receptive_field_region(layers, self.input_side, 0, 0, 0)  # validates the stack early
            self.presets = {"custom": layers, **self.presets}
            start = "custom"

        self.preset = W.Dropdown(options=tuple(self.presets), value=start, description="layers",
                                 layout=W.Layout(width="420px"))
        self.same_padding = W.Checkbox(value=False, description="pad convs to keep the size (padding = K // 2)",
                                       indent=False)
        self.layer = int_slider("layer")
        self.row = int_slider("unit row i")
        self.col = int_slider("unit col j")
        self.output = self.error_output = W.Output()

        self.preset.observe(self._on_stack, names="value")
        self.same_padding.observe(self._on_stack, names="value")
        for control in (self.layer, self.row, self.col):
            control.observe(self._on_setting, names="value")
        self.widget = layout([[self.preset, self.same_padding], [self.layer, self.row, self.col]], self.output)
        self._sync_sliders(new_stack=True)
        self.update()

    # -------------------------------------------------------------- state

    def layers(self) -> list[dict]:
        """The current stack (a copy of the preset, with "same" padding if ticked)."""
        layers = [dict(layer) for layer in self.presets[self.preset.value]]
        if self.same_padding.value:
            for layer in layers:
                if layer["type"] == "conv":
                    layer["padding"] = layer["kernel_size"] // 2
        return layers

    def settings(self) -> dict[str, Any]:
        """Arguments of :func:`cnncourse.plot.receptive_field_map` for the current state."""
        return {"layers": self.layers(), "input_side": self.input_side, "i": self.row.value,
                "j": self.col.value, "layer_index": self.layer.value}

    def _side(self):
        """Output side of the selected layer."""
        from ..ref import layer_specs

        rows = layer_specs.count_params(self.layers(), (1, self.input_side, self.input_side))
        return rows[self.layer.value][0][1]

    def _sync_sliders(self, new_stack=False):
        """Fit the slider ranges to the stack and layer; False (and ``error`` set) if the stack does not fit."""
        with self._quietly():
            if new_stack:
                n = len(self.presets[self.preset.value])
                self.layer.max = n - 1
                self.layer.value = n - 1
            try:
                side = self._side()
            except ValueError as err:  # e.g. a stack too deep for the input
                self.error = str(err)
                return False
            for slider in (self.row, self.col):
                if slider.value > side - 1:
                    slider.value = side - 1
                slider.max = side - 1
                if new_stack:
                    slider.value = (side - 1) // 2
        return True

    def _on_stack(self, change):
        if not self._busy:
            self.error = None
            self._sync_sliders(new_stack=True)
            self.update()

    def _on_setting(self, change):
        if self._busy:
            return
        if change["owner"] is self.layer:
            self.error = None
            self._sync_sliders()
        self.update()

    def _refresh(self):
        """Check the settings (no drawing): the regions of the chosen unit must be computable."""
        if self.error is not None:
            return False
        try:
            plot.receptive_field_region(**self.settings())
        except ValueError as err:
            self.error = str(err)
            return False
        return True

    # -------------------------------------------------------------- drawing

    def _draw(self):
        self.output.outputs = (figure_output(plot.receptive_field_map(**self.settings())),)


def receptive_field_explorer(layers: Sequence[dict] | None = None, input_side: int = 16) -> W.VBox:
    """Interactive receptive field: pick a layer stack, a layer and one of its units.

    Introduced in notebooks/02_convolution_layers_lecture.ipynb.  Static twin:
    :func:`cnncourse.plot.receptive_field_map` (same figure for fixed settings).

    Controls: a dropdown of stacks (one 3×3 conv; two 3×3; three 3×3 (= 7×7); 3×3 conv +
    2×2 max-pool + 3×3 conv; one 5×5 conv; and "custom" when ``layers`` is given), a
    checkbox for "same" padding, the layer shown, and the unit's row and column, whose ranges
    follow that layer's output size.  The figure shades the input region the unit sees and
    its title gives the receptive field ``R×R`` and the jump.

    Parameters
    ----------
    layers : list of dict, optional
        Your own conv/pool/relu stack, e.g.
        ``[{"type": "conv", "filters": 8, "kernel_size": 3}, {"type": "maxpool", "kernel_size": 2}]``.
    input_side : int, default 16

    Returns
    -------
    ipywidgets.VBox
        The widget; its ``explorer`` attribute is the :class:`ReceptiveFieldExplorer` that drives it.

    Raises
    ------
    ValueError
        An invalid ``layers`` stack (unknown layer, flatten/dense, too deep for the input).

    Examples
    --------
    >>> box = receptive_field_explorer()
    >>> box.explorer.preset.value
    'three 3×3 convs (= 7×7)'
    """
    return ReceptiveFieldExplorer(layers=layers, input_side=input_side).boxed()
