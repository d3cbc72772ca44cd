"""What the exercises hand a student: starting parameters, toy data, datasets and loaders.

Student side: importable in the notebook and in the grading worker (unlike :mod:`cnncourse.ref`,
:mod:`cnncourse.torch_ref` and :mod:`cnncourse.checks`).  None of it is a solution.

- :mod:`cnncourse.helpers.toy_net`: module 03's toy network, its parameters and edge images;
- :mod:`cnncourse.helpers.training`: module 04's Fashion-MNIST tensors, loader, validation split,
  seeding and parameter budget;
- :mod:`cnncourse.helpers.detector`: module 06's grid detector, its targets, loss and training loop;
- :mod:`cnncourse.helpers.runtime`: PyTorch's CPU threads and the device the notebooks train on.
"""
