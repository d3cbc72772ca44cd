"""Interactive ipywidgets demos built on :mod:`cnncourse.plot`.

Introduced in notebooks/01_pixels_and_filters.ipynb.  Each widget has a static twin in
:mod:`cnncourse.plot` that draws the same figure for fixed settings (``conv_explorer``
-> ``plot.conv_step`` and ``plot.filter_photo``; ``receptive_field_explorer`` ->
``plot.receptive_field_map``, module 02), so notebooks also read well on GitHub
and execute headless.  Figures are rendered to PNG into ``Output`` widgets and closed at
once, so redrawing never leaks figures.
"""

import base64
import io

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from . import _validate as v
from . import data, plot

#: Small input with a dark-to-bright vertical edge and a horizontal edge (values 0-9).
DEFAULT_IMAGE = np.array([
    [1, 1, 1, 1, 8, 8],
    [1, 1, 1, 1, 8, 8],
    [1, 1, 1, 1, 8, 8],
    [1, 1, 1, 1, 8, 8],
    [9, 9, 9, 9, 9, 9],
    [9, 9, 9, 9, 9, 9],
], dtype=float)


def kernel_presets():
    """The explorer's named 3x3 kernels.

    Introduced in notebooks/01_pixels_and_filters.ipynb.

    Returns
    -------
    dict of str to ndarray, shape (3, 3)
        "identity", "mean 3x3", "sobel x", "sobel y", "sharpen", "laplacian".

    Examples
    --------
    >>> kernel_presets()["sharpen"]
    array([[ 0., -1.,  0.],
           [-1.,  5., -1.],
           [ 0., -1.,  0.]])
    """
    from .ref import filters
    kx, ky = filters.sobel_kernels()
    identity = np.zeros((3, 3))
    identity[1, 1] = 1.0
    return {
        "identity": identity,
        "mean 3x3": filters.mean_kernel(3),
        "sobel x": kx,
        "sobel y": ky,
        "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
        "laplacian": np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]),
    }


PRESETS = tuple(kernel_presets()) + ("custom",)

# Dropdown label -> (pad2d mode, fill value).  "constant" pads with ones so it differs from zeros.
_MODES = {"zeros": ("zeros", 0.0), "constant (ones)": ("constant", 1.0),
          "reflect": ("reflect", 0.0), "replicate": ("replicate", 0.0)}


def _figure_output(fig):
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


def _text_output(text):
    return {"output_type": "stream", "name": "stdout", "text": text + "\n"}


def _default_photo(size=128):
    try:
        return data.load_photo("camera", gray=True, size=size), "camera"
    except FileNotFoundError:  # no scikit-image: a synthetic picture with edges
        yy, xx = np.mgrid[0:size, 0:size] / size
        photo = 0.2 + 0.6 * ((xx > 0.3) & (xx < 0.7) & (yy > 0.3) & (yy < 0.7)) + 0.2 * yy
        return np.clip(photo, 0.0, 1.0), "synthetic square"


class ConvExplorer:
    """State and controls of :func:`conv_explorer`; drive it from code through its widgets.

    Introduced in notebooks/01_pixels_and_filters.ipynb.  Static twins:
    :func:`cnncourse.plot.conv_step` (the step view) and :func:`cnncourse.plot.filter_photo`
    (the photo view).

    Parameters
    ----------
    image : ndarray, shape (H, W), optional
        Small input for the step view (numbers shown up to about 12 x 12);
        :data:`DEFAULT_IMAGE` when omitted.
    preset : str, default "sobel x"
        One of :data:`PRESETS`.
    photo : ndarray, shape (H, W), optional
        Grayscale photo for the photo view; default the camera man at 128 px.

    Attributes
    ----------
    preset, cells, stride, padding, mode, row, col : ipywidgets
        The controls; ``cells`` is the 3 x 3 list of ``FloatText`` holding the kernel.
    step_output, photo_output : ipywidgets.Output
        Each holds one PNG display output, replaced on every redraw.
    widget : ipywidgets.VBox
        What :func:`conv_explorer` returns.
    n_draws : int
        How many times :meth:`update` redrew (tests use it).
    error : str or None
        The message of the last invalid setting (also shown in the step view).

    Examples
    --------
    >>> explorer = ConvExplorer(photo=np.zeros((16, 16)))
    >>> explorer.row.max  # (6 - 3) // 1 + 1 = 4 output rows
    3
    >>> explorer.stride.value = 2
    >>> explorer.row.max  # (6 - 3) // 2 + 1 = 2 output rows
    1
    """

    def __init__(self, image=None, preset="sobel x", photo=None):
        image = DEFAULT_IMAGE if image is None else image
        self.image = v.as_float(v.require_array("image", image, ndim=2, shape_text="(H, W)",
                                                fix="For an RGB image, pass one channel: image[..., c]."))
        v.require_choice("preset", preset, PRESETS)
        if photo is None:
            photo, photo_name = _default_photo()
        else:
            photo_name = "photo"
        self.photo = v.as_float(v.require_array("photo", photo, ndim=2, shape_text="(H, W)",
                                                fix="Load it with data.load_photo(name, gray=True)."))
        self.photo_name = photo_name
        self.n_draws = 0
        self.error = None
        self._busy = False

        self.presets = kernel_presets()
        start = self.presets.get(preset, self.presets["sobel x"])
        self.preset = W.Dropdown(options=PRESETS, value=preset, description="kernel")
        self.cells = [[W.FloatText(value=float(start[r, c]), step=0.5,
                                   layout=W.Layout(width="70px")) for c in range(3)] for r in range(3)]
        self.stride = W.IntSlider(value=1, min=1, max=3, description="stride", continuous_update=False)
        self.padding = W.IntSlider(value=0, min=0, max=3, description="padding", continuous_update=False)
        self.mode = W.Dropdown(options=tuple(_MODES), value="zeros", description="pad mode")
        self.row = W.IntSlider(value=0, min=0, max=0, description="out row i", continuous_update=False)
        self.col = W.IntSlider(value=0, min=0, max=0, description="out col j", continuous_update=False)
        self.step_output = W.Output()
        self.photo_output = W.Output()

        self.preset.observe(self._on_preset, names="value")
        for row in self.cells:
            for cell in row:
                cell.observe(self._on_cell, names="value")
        for control in (self.stride, self.padding, self.mode, self.row, self.col):
            control.observe(self._on_setting, names="value")

        grid = W.GridBox([cell for row in self.cells for cell in row],
                         layout=W.Layout(grid_template_columns="repeat(3, 75px)"))
        controls = W.HBox([
            W.VBox([self.preset, grid]),
            W.VBox([self.stride, self.padding, self.mode]),
            W.VBox([self.row, self.col]),
        ])
        tabs = W.Tab(children=[self.step_output, self.photo_output])
        tabs.set_title(0, "one output pixel")
        tabs.set_title(1, f"on a photo ({self.photo_name})")
        self.widget = W.VBox([controls, tabs])
        self.update()

    # -------------------------------------------------------------- state

    def kernel(self):
        """The current 3x3 kernel read from the grid, shape (3, 3)."""
        return np.array([[cell.value for cell in row] for row in self.cells], dtype=float)

    def settings(self):
        """Keyword arguments of :func:`cnncourse.plot.conv_step` for the current state."""
        mode, value = _MODES[self.mode.value]
        return {"kernel": self.kernel(), "i": self.row.value, "j": self.col.value,
                "stride": self.stride.value, "padding": self.padding.value, "mode": mode, "value": value}

    def _on_preset(self, change):
        if change["new"] == "custom" or self._busy:
            return
        kernel = self.presets[change["new"]]
        self._busy = True
        try:
            for r in range(3):
                for c in range(3):
                    self.cells[r][c].value = float(kernel[r, c])
        finally:
            self._busy = False
        self.update()

    def _on_cell(self, change):
        if self._busy:
            return
        if self.preset.value != "custom":
            self._busy = True
            try:
                self.preset.value = "custom"
            finally:
                self._busy = False
        self.update()

    def _on_setting(self, change):
        if not self._busy:
            self.update()

    def _sync_index_sliders(self):
        """Set the row/col slider ranges to the output size; False if the size is invalid."""
        from .ref import layer_specs
        h, w = self.image.shape
        try:
            oh = layer_specs.conv_output_size(h, 3, self.stride.value, self.padding.value)
            ow = layer_specs.conv_output_size(w, 3, self.stride.value, self.padding.value)
        except ValueError as err:
            self.error = str(err)
            return False
        self._busy = True
        try:
            for slider, n in ((self.row, oh), (self.col, ow)):
                if slider.value > n - 1:
                    slider.value = n - 1
                slider.max = n - 1
        finally:
            self._busy = False
        return True

    # -------------------------------------------------------------- drawing

    def update(self):
        """Sync the row/col sliders with the output size and redraw both views."""
        self.error = None
        if self._sync_index_sliders():
            s = self.settings()
            try:
                step = plot.conv_step(self.image, s["kernel"], s["i"], s["j"], stride=s["stride"],
                                      padding=s["padding"], mode=s["mode"], value=s["value"])
            except ValueError as err:  # e.g. reflect padding as large as the image
                self.error = str(err)
            else:
                self.step_output.outputs = (_figure_output(step),)
                photo_padding = min(self.padding.value, min(self.photo.shape) - 1)
                photo = plot.filter_photo(self.photo, s["kernel"], stride=s["stride"], padding=photo_padding,
                                          mode=s["mode"], value=s["value"],
                                          title=f"{self.preset.value} kernel, stride {s['stride']}, "
                                                f"padding {photo_padding} ({self.mode.value})")
                self.photo_output.outputs = (_figure_output(photo),)
        if self.error is not None:
            self.step_output.outputs = (_text_output(f"Cannot draw these settings: {self.error}"),)
        self.n_draws += 1


def conv_explorer(image=None, preset="sobel x", photo=None):
    """Interactive convolution explorer: pick a kernel, stride, padding and output pixel.

    Introduced in notebooks/01_pixels_and_filters.ipynb.  Static twin:
    :func:`cnncourse.plot.conv_step` (same figure for fixed settings) and
    :func:`cnncourse.plot.filter_photo` for the photo tab.

    Controls: a preset dropdown (identity, mean 3x3, sobel x, sobel y, sharpen,
    laplacian, custom), an editable 3 x 3 kernel grid (editing switches to "custom"),
    stride (1-3), padding (0-3), padding mode, and the output row/column, whose ranges
    follow the output size ``OH = (H + 2*padding - 3) // stride + 1``.  The first tab
    draws how ``out[i, j]`` is computed; the second applies the kernel to a photo.

    Parameters
    ----------
    image : ndarray, shape (H, W), optional
        Small input (numbers shown up to about 12 x 12); a 6 x 6 picture with a
        vertical and a horizontal edge by default.
    preset : str, default "sobel x"
        Starting kernel, one of :data:`PRESETS`.
    photo : ndarray, shape (H, W), optional
        Grayscale photo for the second tab; ``data.load_photo("camera", gray=True, size=128)``
        by default.

    Returns
    -------
    ipywidgets.VBox
        The widget; its ``explorer`` attribute is the :class:`ConvExplorer` that drives it.

    Examples
    --------
    >>> box = conv_explorer(photo=np.zeros((16, 16)))
    >>> box.explorer.preset.value
    'sobel x'
    """
    explorer = ConvExplorer(image=image, preset=preset, photo=photo)
    box = explorer.widget
    box.explorer = explorer
    return box


# ------------------------------------------------------------------ module 02: receptive field explorer


def _conv(k, padding=0):
    return {"type": "conv", "filters": 8, "kernel_size": k, "stride": 1, "padding": padding}


def receptive_field_presets():
    """The receptive-field explorer's named layer stacks.

    Introduced in notebooks/02_convolution_layers.ipynb.

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


class ReceptiveFieldExplorer:
    """State and controls of :func:`receptive_field_explorer`; drive it from code through its widgets.

    Introduced in notebooks/02_convolution_layers.ipynb.  Static twin:
    :func:`cnncourse.plot.receptive_field_map`.

    Parameters
    ----------
    layers : list of dict, optional
        A conv/pool/relu stack of your own, offered as the preset "custom" (and selected);
        when omitted the explorer starts on "three 3×3 convs (= 7×7)".
    input_side : int, default 16
        Side of the square input.

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
        How many times :meth:`update` redrew.
    error : str or None
        The message of the last invalid setting (shown instead of the figure).

    Examples
    --------
    >>> explorer = ReceptiveFieldExplorer(input_side=12)
    >>> explorer.layer.max, explorer.row.max  # 3 layers; 12 - 3*2 = 6 outputs
    (2, 5)
    >>> explorer.same_padding.value = True
    >>> explorer.row.max  # "same" padding keeps 12
    11
    """

    def __init__(self, layers=None, input_side=16):
        self.input_side = v.require_int("input_side", input_side, minimum=1)
        self.presets = receptive_field_presets()
        start = "three 3\u00d73 convs (= 7\u00d77)"
        if layers is not None:
            layers = [dict(layer) for layer in layers]
            plot.receptive_field_region(layers, self.input_side, 0, 0, 0)  # validates the stack early
            self.presets = {"custom": layers, **self.presets}
            start = "custom"
        self.n_draws = 0
        self.error = None
        self._busy = False

        self.preset = W.Dropdown(options=tuple(self.presets), value=start, description="layers",
                                 layout=W.Layout(width="420px"))
        self.same_padding = W.Checkbox(value=False, description="pad convs to keep the size (padding = K // 2)",
                                       indent=False)
        self.layer = W.IntSlider(value=0, min=0, max=0, description="layer", continuous_update=False)
        self.row = W.IntSlider(value=0, min=0, max=0, description="unit row i", continuous_update=False)
        self.col = W.IntSlider(value=0, min=0, max=0, description="unit col j", continuous_update=False)
        self.output = W.Output()

        self.preset.observe(self._on_stack, names="value")
        self.same_padding.observe(self._on_stack, names="value")
        for control in (self.layer, self.row, self.col):
            control.observe(self._on_setting, names="value")
        self.widget = W.VBox([W.HBox([W.VBox([self.preset, self.same_padding]),
                                      W.VBox([self.layer, self.row, self.col])]), self.output])
        self._sync_sliders(new_stack=True)
        self.update()

    # -------------------------------------------------------------- state

    def layers(self):
        """The current stack (a copy of the preset, with "same" padding if ticked)."""
        layers = [dict(layer) for layer in self.presets[self.preset.value]]
        if self.same_padding.value:
            for layer in layers:
                if layer["type"] == "conv":
                    layer["padding"] = layer["kernel_size"] // 2
        return layers

    def settings(self):
        """Arguments of :func:`cnncourse.plot.receptive_field_map` for the current state."""
        return {"layers": self.layers(), "input_side": self.input_side, "i": self.row.value,
                "j": self.col.value, "layer_index": self.layer.value}

    def _side(self):
        """Output side of the selected layer."""
        from .ref import layer_specs

        rows = layer_specs.count_params(self.layers(), (1, self.input_side, self.input_side))
        return rows[self.layer.value][0][1]

    def _sync_sliders(self, new_stack=False):
        """Fit the slider ranges to the stack and layer; False (and ``error`` set) if the stack does not fit."""
        self._busy = True
        try:
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
        finally:
            self._busy = False
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

    # -------------------------------------------------------------- drawing

    def update(self):
        """Redraw the receptive-field map for the current settings."""
        if self.error is None:
            try:
                fig = plot.receptive_field_map(**self.settings())
            except ValueError as err:
                self.error = str(err)
            else:
                self.output.outputs = (_figure_output(fig),)
        if self.error is not None:
            self.output.outputs = (_text_output(f"Cannot draw these settings: {self.error}"),)
        self.n_draws += 1


def receptive_field_explorer(layers=None, input_side=16):
    """Interactive receptive field: pick a layer stack, a layer and one of its units.

    Introduced in notebooks/02_convolution_layers.ipynb.  Static twin:
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
    explorer = ReceptiveFieldExplorer(layers=layers, input_side=input_side)
    box = explorer.widget
    box.explorer = explorer
    return box
