"""Matplotlib figures for every module: images, number grids, kernels, conv steps, training results.

Introduced in notebooks/01_pixels_and_filters_lecture.ipynb.  Every figure function draws and returns a
``Figure`` (or the ``Axes`` it drew on) and never calls ``plt.show()``, so the same code runs in
JupyterLab, in a script and headless under the Agg backend.  Each widget in
:mod:`cnncourse.widgets` has a static twin here (``conv_step`` for ``conv_explorer``,
``filter_photo`` for its photo view; ``receptive_field_map`` for ``receptive_field_explorer``,
module 02), so a notebook reads well on GitHub and in CI.  Where a figure's numbers are worth
having without the picture, a pure function returns them (``conv_step_arrays``,
``receptive_field_region``, ``conv_backward_parts``, ``maxpool_survivors``).

In a notebook, end a cell that returns a figure with ``;`` (or assign it) so JupyterLab
does not show it twice.

One module per concept, on the shared drawing primitives of ``_base``:

====================  =========================================================================
module                what it draws
====================  =========================================================================
``panels``            single panels and grids: images, matrices, kernels, feature maps (01)
``convolution``       one output pixel of a cross-correlation, padding modes, a photo (01)
``parameters``        parameters per layer, dense vs conv weights as the image grows (02)
``receptive_field``   the input region one unit sees (02)
``activations``       activation curves and maps (02)
``filters_and_maps``  a 3-channel filter bank (02); learned filters, feature maps, one class compared (04)
``pooling``           one pooling window (02), max-pool routing (03), what a max-pool keeps (04)
``toy_network``       module 03's toy CNN, forward and backward (03)
``conv_backward``     what one upstream gradient adds; dL/dX as a full convolution (03)
``gradient_check``    the error of centred differences against the step h (03)
``training``          Fashion-MNIST grid, lr schedule, curves, train/val gap, comparison, confusion, mistakes (04)
``im2col``            im2col on one tiny image (04)
``speed``             run times per method and shape (04)
``architectures``     ILSVRC winners, block diagrams, stacked 3×3 convs, per-layer memory and parameters,
                      accuracy vs multiply-adds, gradients and training loss against depth, ImageNet
                      predictions (05)
====================  =========================================================================

Importing this package imports neither torch nor the trusted packages (``cnncourse.ref``,
``torch_ref``, ``checks``, ``grading``): functions import them when called, so ``plot`` also
imports inside the grading sandbox.
"""

from ._base import MAX_ANNOTATED, MAX_ANNOTATED_STEP, format_number
from .activations import activation_curves, activation_maps
from .architectures import (HUMAN_TOP5, ILSVRC_TOP5, accuracy_vs_cost, block_diagram, depth_curves, gradient_norms,
                            ilsvrc_top5, layer_costs, pareto_front, predictions, smooth, stacked_vs_single)
from .conv_backward import conv_backward_dx_step, conv_backward_parts, conv_backward_window
from .convolution import conv_step, conv_step_arrays, conv_step_centred, filter_photo, padding_modes
from .filters_and_maps import conv_filters, feature_maps, feature_maps_compared, filter_bank, layer_output
from .gradient_check import gradient_check_vs_h
from .im2col import im2col_picture
from .panels import show_channels, show_feature_map, show_grid, show_image, show_kernel, show_matrix
from .parameters import SMALL_CNN, layer_table, params_vs_image_side
from .pooling import maxpool_routing, maxpool_survivors, maxpool_survivors_map, pool_step
from .receptive_field import receptive_field_map, receptive_field_region
from .speed import speed_bars
from .toy_network import toy_network_diagram, toy_network_pass
from .training import (confusion_matrix, fashion_grid, generalization_gap, learning_rate_schedule, misclassified,
                       model_comparison, training_curves)

__all__ = [
    "MAX_ANNOTATED", "MAX_ANNOTATED_STEP", "SMALL_CNN", "format_number",
    # panels (01)
    "show_image", "show_matrix", "show_kernel", "show_feature_map", "show_grid", "show_channels",
    # convolution (01)
    "conv_step", "conv_step_arrays", "conv_step_centred", "padding_modes", "filter_photo",
    # layers, receptive fields, activations, filters, pooling (02)
    "layer_table", "params_vs_image_side", "receptive_field_region", "receptive_field_map",
    "activation_curves", "activation_maps", "filter_bank", "pool_step",
    # backpropagation (03)
    "toy_network_diagram", "toy_network_pass", "maxpool_routing", "conv_backward_parts", "conv_backward_window",
    "conv_backward_dx_step", "gradient_check_vs_h",
    # training CNNs (04)
    "fashion_grid", "training_curves", "generalization_gap", "learning_rate_schedule", "model_comparison",
    "confusion_matrix", "misclassified", "conv_filters", "feature_maps", "layer_output", "feature_maps_compared",
    "maxpool_survivors", "maxpool_survivors_map", "im2col_picture", "speed_bars",
    # architectures (05)
    "ILSVRC_TOP5", "HUMAN_TOP5", "ilsvrc_top5", "stacked_vs_single", "layer_costs", "pareto_front",
    "accuracy_vs_cost", "smooth", "depth_curves", "gradient_norms", "predictions", "block_diagram",
]
