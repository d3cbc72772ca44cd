"""What runs in the student's process while a notebook is graded: nothing here is secret.

The trusted grader (:mod:`cnncourse.grading`) starts ``python -m cnncourse.worker`` inside a
sandbox, with a copy of the package from which the reference solutions and the checks are
removed.  The worker runs the student's cells and calls their functions on inputs the
grader sends; it answers with plain data (:mod:`cnncourse.worker.wire`).  Whatever the
student's code does to this process cannot change a grade: the comparison, the expected
values and the points live only on the trusted side.

``fixtures`` builds the small PyTorch models, loaders and optimizers of module 04's checks
from a spec, identically on both sides, so the grader can compare the student's training
step with the reference one.
"""
