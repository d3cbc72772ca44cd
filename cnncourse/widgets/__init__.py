"""Interactive ipywidgets demos built on :mod:`cnncourse.plot`.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Each widget has a static twin in
:mod:`cnncourse.plot` that draws the same figure for fixed settings (``conv_explorer``
-> ``plot.conv_step`` and ``plot.filter_photo``; ``receptive_field_explorer`` ->
``plot.receptive_field_map``, module 02), so notebooks also read well on GitHub
and execute headless.  Figures are rendered to PNG into ``Output`` widgets and closed at
once, so redrawing never leaks figures.

One module per explorer, on the shared ``_base`` (figure to PNG, error display, layout):
``convolution`` (:func:`conv_explorer`, :func:`kernel_presets`) and ``receptive_field``
(:func:`receptive_field_explorer`, :func:`receptive_field_presets`).  Importing this package
imports neither torch nor the trusted packages (``cnncourse.ref``, ``checks``, ...).
"""

from .. import plot  # noqa: F401  (widgets.plot.conv_step etc.: what the explorers draw through)
from .convolution import DEFAULT_IMAGE, PRESETS, ConvExplorer, conv_explorer, kernel_presets
from .receptive_field import RF_PRESETS, ReceptiveFieldExplorer, receptive_field_explorer, receptive_field_presets

__all__ = ["DEFAULT_IMAGE", "PRESETS", "ConvExplorer", "conv_explorer", "kernel_presets",
           "RF_PRESETS", "ReceptiveFieldExplorer", "receptive_field_explorer", "receptive_field_presets"]
