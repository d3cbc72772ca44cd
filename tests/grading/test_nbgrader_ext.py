"""The course's nbgrader preprocessors."""

import json


def test_duplicated_cells_lose_their_nbgrader_metadata():
    import nbformat

    from cnncourse.grading.nbgrader_ext import SafeDeduplicateIds

    meta = {"nbgrader": {"grade_id": "f", "solution": True, "grade": False, "locked": False, "schema_version": 3}}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a", metadata=json.loads(json.dumps(meta))),
                                         nbformat.v4.new_code_cell("b", metadata=json.loads(json.dumps(meta)))])
    nb, _ = SafeDeduplicateIds().preprocess(nb, {})
    assert "nbgrader" not in nb.cells[0].metadata and nb.cells[1].metadata["nbgrader"]["grade_id"] == "f"
