"""The convolution explorer: pick a kernel, stride, padding and output pixel; see out[i, j] computed.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Static twins: :func:`cnncourse.plot.conv_step`
(the step view) and :func:`cnncourse.plot.filter_photo` (the photo view).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from numpy.typing import ArrayLike

from .. import _validate as v
from .. import data, plot
from ._base import Explorer, figure_output, int_slider, layout

#: Small input with a dark-to-bright vertical edge and a horizontal edge (values 0-9).
DEFAULT_IMAGE = np.array([
    [1, 1, 1, 1, 8, 8],
    [1, 1, 1, 1, 8, 8],
    [1, 1, 1, 1, 8, 8],
    [1, 1, 1, 1, 8, 8],
    [9, 9, 9, 9, 9, 9],
    [9, 9, 9, 9, 9, 9],
], dtype=float)


def kernel_presets() -> dict[str, np.ndarray]:
    """The explorer's named 3x3 kernels.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.

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
    from ..ref import filters
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


#: The preset dropdown: the names of :func:`kernel_presets`, then "custom" (written out, so that
#: importing the explorer needs no reference code).
PRESETS = ("identity", "mean 3x3", "sobel x", "sobel y", "sharpen", "laplacian", "custom")

# Dropdown label -> (pad2d mode, fill value).  "constant" pads with ones so it differs from zeros.
_MODES = {"zeros": ("zeros", 0.0), "constant (ones)": ("constant", 1.0),
          "reflect": ("reflect", 0.0), "replicate": ("replicate", 0.0)}


def _default_photo(size=128):
    try:
        return data.load_photo("camera", gray=True, size=size), "camera"
    except FileNotFoundError:  # no scikit-image: a synthetic picture with edges
        yy, xx = np.mgrid[0:size, 0:size] / size
        photo = 0.2 + 0.6 * ((xx > 0.3) & (xx < 0.7) & (yy > 0.3) & (yy < 0.7)) + 0.2 * yy
        return np.clip(photo, 0.0, 1.0), "synthetic square"


class ConvExplorer(Explorer):
    """State and controls of :func:`conv_explorer`; drive it from code through its widgets.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Static twins:
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
    render : bool, default True
        Draw both views on every change.  False keeps the sliders, :meth:`settings` and
        ``error`` up to date without rendering (set ``render = True`` and call :meth:`update`
        to draw).

    Attributes
    ----------
    preset, cells, stride, padding, mode, row, col : ipywidgets
        The controls; ``cells`` is the 3 x 3 list of ``FloatText`` holding the kernel.
    step_output, photo_output : ipywidgets.Output
        Each holds one PNG display output, replaced on every redraw.
    widget : ipywidgets.VBox
        What :func:`conv_explorer` returns.
    n_draws : int
        How many times :meth:`update` ran (tests use it).
    error : str or None
        The message of the last invalid setting (also shown in the step view).

    Examples
    --------
    >>> explorer = ConvExplorer(photo=np.zeros((16, 16)), render=False)
    >>> explorer.row.max  # (6 - 3) // 1 + 1 = 4 output rows
    3
    >>> explorer.stride.value = 2
    >>> explorer.row.max  # (6 - 3) // 2 + 1 = 2 output rows
    1
    """

    def __init__(self, image: ArrayLike | None = None, preset: str = "sobel x", photo: ArrayLike | None = None,
                 render: bool = True) -> None:
        super().__init__(render)
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

        self.presets = kernel_presets()
        start = self.presets.get(preset, self.presets["sobel x"])
        self.preset = W.Dropdown(options=PRESETS, value=preset, description="kernel")
        self.cells = [[W.FloatText(value=float(start[r, c]), step=0.5,
                                   layout=W.Layout(width="70px")) for c in range(3)] for r in range(3)]
        self.stride = int_slider("stride", value=1, min=1, max=3)
        self.padding = int_slider("padding", max=3)
        self.mode = W.Dropdown(options=tuple(_MODES), value="zeros", description="pad mode")
        self.row = int_slider("out row i")
        self.col = int_slider("out col j")
        self.step_output = self.error_output = W.Output()
        self.photo_output = W.Output()

        self.preset.observe(self._on_preset, names="value")
        for row in self.cells:
            for cell in row:
                cell.observe(self._on_cell, names="value")
        for control in (self.stride, self.padding, self.mode, self.row, self.col):
            control.observe(self._on_setting, names="value")

        grid = W.GridBox([cell for row in self.cells for cell in row],
                         layout=W.Layout(grid_template_columns="repeat(3, 75px)"))
        tabs = W.Tab(children=[self.step_output, self.photo_output])
        tabs.set_title(0, "one output pixel")
        tabs.set_title(1, f"on a photo ({self.photo_name})")
        self.widget = layout([[self.preset, grid], [self.stride, self.padding, self.mode], [self.row, self.col]],
                             tabs)
        self.update()

    # -------------------------------------------------------------- state

    def kernel(self) -> np.ndarray:
        """The current 3x3 kernel read from the grid, shape (3, 3)."""
        return np.array([[cell.value for cell in row] for row in self.cells], dtype=float)

    def settings(self) -> dict[str, Any]:
        """Keyword arguments of :func:`cnncourse.plot.conv_step` for the current state."""
        mode, value = _MODES[self.mode.value]
        return {"kernel": self.kernel(), "i": self.row.value, "j": self.col.value,
                "stride": self.stride.value, "padding": self.padding.value, "mode": mode, "value": value}

    def _on_preset(self, change):
        if change["new"] == "custom" or self._busy:
            return
        kernel = self.presets[change["new"]]
        with self._quietly():
            for r in range(3):
                for c in range(3):
                    self.cells[r][c].value = float(kernel[r, c])
        self.update()

    def _on_cell(self, change):
        if self._busy:
            return
        if self.preset.value != "custom":
            with self._quietly():
                self.preset.value = "custom"
        self.update()

    def _on_setting(self, change):
        if not self._busy:
            self.update()

    def _sync_index_sliders(self):
        """Set the row/col slider ranges to the output size; False if the size is invalid."""
        from ..ref import layer_specs
        h, w = self.image.shape
        try:
            oh = layer_specs.conv_output_size(h, 3, self.stride.value, self.padding.value)
            ow = layer_specs.conv_output_size(w, 3, self.stride.value, self.padding.value)
        except ValueError as err:
            self.error = str(err)
            return False
        with self._quietly():
            for slider, n in ((self.row, oh), (self.col, ow)):
                if slider.value > n - 1:
                    slider.value = n - 1
                slider.max = n - 1
        return True

    def _refresh(self):
        """Sync the row/col sliders with the output size and check the settings (no drawing)."""
        self.error = None
        if not self._sync_index_sliders():
            return False
        try:
            plot.conv_step_arrays(self.image, **self.settings())
        except ValueError as err:  # e.g. reflect padding as large as the image
            self.error = str(err)
            return False
        return True

    # -------------------------------------------------------------- drawing

    def _draw(self):
        s = self.settings()
        step = plot.conv_step(self.image, s["kernel"], s["i"], s["j"], stride=s["stride"], padding=s["padding"],
                              mode=s["mode"], value=s["value"])
        self.step_output.outputs = (figure_output(step),)
        photo_padding = min(self.padding.value, min(self.photo.shape) - 1)
        photo = plot.filter_photo(self.photo, s["kernel"], stride=s["stride"], padding=photo_padding,
                                  mode=s["mode"], value=s["value"],
                                  title=f"{self.preset.value} kernel, stride {s['stride']}, "
                                        f"padding {photo_padding} ({self.mode.value})")
        self.photo_output.outputs = (figure_output(photo),)


def conv_explorer(image: ArrayLike | None = None, preset: str = "sobel x", photo: ArrayLike | None = None) -> W.VBox:
    """Interactive convolution explorer: pick a kernel, stride, padding and output pixel.

    Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Static twin:
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
    return ConvExplorer(image=image, preset=preset, photo=photo).boxed()
