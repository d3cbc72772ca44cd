"""nbgrader configuration: the repository root is the course directory.

solutions/   nbgrader source (solutions, visible and hidden tests)
assignments/ the student release, made by `make release` (nbgrader generate_assignment)
gradebook.db, submitted/, autograded/, feedback/ are nbgrader's state (git-ignored).

`cnncourse grade` loads this same file, so self-study grading matches the instructor's.
"""

import secrets

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "cnncourse"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
# No header/footer notebook: nbgrader's quickstart points IncludeHeaderFooter.header at
# source/header.ipynb, which does not exist in this layout.

# Hardening, each one measured (tests/test_nbgrader_pipeline.py):
# - nbclient skips cells tagged with this string; its default "skip-execution" lets a student
#   tag the test cells and get full marks.  A fresh random string per run cannot be guessed.
c.Execute.skip_cells_with_tag = "cnncourse-skip-" + secrets.token_hex(16)
# - a deleted test cell would otherwise be silently unscored; put it back and grade it.
c.OverwriteCells.add_missing_cells = True
# - any stderr output in a test cell scores 0; drop stderr that is only warnings or progress
#   bars (a torch UserWarning, a tqdm bar).  Errors are separate outputs and still score 0.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?:Warning:|\d+%\|)"
# - a cell that runs longer than this is stopped and scores 0, so an endless loop costs one
#   cell, not the whole autograde.  Slowest honest cell: module 04's training-run test (two
#   4-epoch runs, visible and hidden, about 10 s with the solution on 2 cores).  The check stops
#   a run itself after 90 s (TRAINING_RUN["budget_seconds"]) with a hint, so the cell needs
#   2 x 90 s plus data loading; 240 s leaves room for a slow laptop.
c.Execute.timeout = 240
