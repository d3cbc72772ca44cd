"""nbgrader configuration: the repository root is the course directory.

solutions/   nbgrader source (solutions, visible and hidden tests)
assignments/ the student release, made by `make release` (nbgrader generate_assignment)
gradebook.db, submitted/, autograded/, feedback/ are nbgrader's state (git-ignored).

`cnncourse grade` loads this same file, so self-study grading matches the instructor's.
"""

from cnncourse.grading.nbgrader_ext import RecordFlags, SafeDeduplicateIds, TrustedExecute
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, LimitOutput,
                                    OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "cnncourse"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
# No header/footer notebook: nbgrader's quickstart points IncludeHeaderFooter.header at
# source/header.ipynb, which does not exist in this layout.

# Trusted grading (cnncourse/grading, DESIGN.md §5).  nbgrader's Execute runs the test cells in
# the kernel that the student's code controls, so its verdicts can be forged.  TrustedExecute
# runs the student's cells in a sandboxed worker (bubblewrap where it works; CNNCOURSE_SANDBOX)
# and the instructor's test cells in the grader's own process, against the worker's functions.
# It ignores cell tags, so a student cannot skip a test cell, and only the grader's own output
# reaches a test cell, so noise, progress bars and warnings cannot cost points.
# RecordFlags marks faults (crash, timeout, memory, output flood, tampering) for manual review.
# SafeDeduplicateIds keeps a duplicated cell from crashing the whole submission.
c.Autograde.sanitize_preprocessors = [ClearOutput, SafeDeduplicateIds, OverwriteKernelspec, OverwriteCells,
                                      CheckCellMetadata]
c.Autograde.autograde_preprocessors = [TrustedExecute, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                                       RecordFlags, AssignLatePenalties, CheckCellMetadata]
# A deleted test cell would otherwise be silently unscored; put it back and grade it.
c.OverwriteCells.add_missing_cells = True
# Used only by `nbgrader validate` and other kernels nbgrader starts itself (autograde does not):
# the slowest honest cell, module 04's training-run test, takes about 10-15 s on 2 cores.
c.Execute.timeout = 240
