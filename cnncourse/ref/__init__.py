"""The course's numpy reference implementations, by concept, forward and backward side by side.

Trusted side: the checks grade student code against these, the lectures and plots call them.
The grading sandbox leaves this package out of the student's process (together with
:mod:`cnncourse.torch_ref`, :mod:`cnncourse.checks` and :mod:`cnncourse.grading`).

==================  ===========================================================================
module              what it holds
==================  ===========================================================================
``filters``         single-channel padding, cross-correlation, mean and Sobel kernels (01)
``layer_specs``     output sizes, parameter counts, receptive fields of layer stacks (01, 02)
``conv``            conv forward (naive, vectorized, im2col, fast), im2col/col2im, conv backward
``pool``            max/average pooling forward and backward, average pooling as a conv
``activations``     ReLU, leaky ReLU, ELU, sigmoid, tanh; ``relu_backward``
``layers``          flatten forward/backward, dense backward, sigmoid + binary cross-entropy
``gradcheck``       numerical gradient, relative error
``toy_net``         module 03's 15-parameter network: forward, gradients, training
``boxes``           box area, IoU, NMS (all boxes and per class), anchor offsets, anchor assignment (06)
``metrics``         precision-recall, average precision (all-point and COCO's 101 points), detection mAP (06)
==================  ===========================================================================

Naming: an op with a backward pass is ``<op>_forward`` / ``<op>_backward`` (``conv2d_forward``,
``max_pool2d_backward``, ``flatten_forward``); element-wise activations keep their
mathematical name (``relu``) and their gradient is ``<name>_backward``; ``_naive`` marks a loop
version, other suffixes (``_im2col``, ``_fast``) name the method.
"""
