"""The trusted grader: the student's code runs in a sandboxed worker, the verdicts are computed here.

``sandbox``       where and how the worker runs (bubblewrap, or a documented weaker fallback)
``client``        the trusted side of the worker protocol (:class:`~.client.RemoteFunction`)
``runner``        grade one notebook: student cells in the worker, test cells here
``nbgrader_ext``  the preprocessors that put this into ``nbgrader autograde``

Nothing in this package is importable from the student's process while it is graded (see
:func:`cnncourse.grading.sandbox.build_student_package`).
"""
