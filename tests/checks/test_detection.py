"""The module-06 checks accept correct student code and reject known-wrong code with the right hint (in progress:
box_area, box_iou, nms)."""

from checks import impls_detection as impl
from checks import suite

from cnncourse.checks import _boxes as det
from cnncourse.ref import boxes

CORRECT = [
    (det.check_box_area, impl.area_vectorized),
    (det.check_box_area, impl.area_loop),
    (det.check_box_area, impl.area_keeps_float32),
    (det.check_box_iou, impl.iou_vectorized),
    (det.check_box_iou, impl.iou_loop),
    (det.check_box_iou, impl.iou_float32_in_float32_out),
    (det.check_nms, impl.nms_loop),
    (det.check_nms, impl.nms_vectorized),
]

BUGGY = [
    (det.check_box_area, impl.area_abs, "expected a floating-point array, got dtype int64"),
    (det.check_box_area, impl.area_no_return, "got NoneType. Did you forget a `return`?"),
    (det.check_box_iou, impl.iou_min_max_mixed_up, "Hint: overlap corners mixed up: the overlap starts at the larger x1, y1"),
    (det.check_nms, impl.nms_returns_boxes, "expected indices of the kept boxes, got an array of shape (2, 4) (boxes?)"),
]

REFERENCES = [
    (det.check_box_area, boxes.box_area),
    (det.check_box_iou, boxes.box_iou),
    (det.check_nms, boxes.nms),
]

MISTAKE_TABLES = [
    (det.check_box_area, boxes.box_area, det.BOX_AREA_MISTAKES),
    (det.check_box_iou, boxes.box_iou, det.BOX_IOU_MISTAKES),
    (det.check_nms, boxes.nms, det.NMS_MISTAKES),
]

globals().update(suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES))
