"""The module-06 checks accept correct student code and reject known-wrong code with the right hint (in progress:
correct and buggy student-style code for box_area, box_iou and nms; the references and every listed mistake for all
ten graded functions)."""

from checks import impls_detection as impl
from checks import suite

from cnncourse.checks import _boxes as det
from cnncourse.checks import _detection as d6
from cnncourse.ref import boxes
from cnncourse.torch_ref import overfeat

CORRECT = [
    (det.check_box_area, impl.area_vectorized),
    (det.check_box_area, impl.area_loop),
    (det.check_box_area, impl.area_keeps_float32),
    (det.check_box_iou, impl.iou_vectorized),
    (det.check_box_iou, impl.iou_loop),
    (det.check_box_iou, impl.iou_float32_in_float32_out),
    (det.check_nms, impl.nms_loop),
    (det.check_nms, impl.nms_vectorized),
    (d6.check_fc_to_conv, impl.fc_to_conv_solution),
    (d6.check_encode_boxes, impl.encode_boxes_solution),
    (d6.check_decode_boxes, impl.decode_boxes_solution),
    (d6.check_assign_anchors, impl.assign_anchors_solution),
    (d6.check_average_precision, impl.average_precision_solution),
    (d6.check_mean_average_precision, impl.mean_average_precision_solution),
    (d6.check_decode_predictions, impl.decode_predictions_solution),
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
    (d6.check_fc_to_conv, overfeat.fc_to_conv),
    (d6.check_encode_boxes, boxes.encode_boxes),
    (d6.check_decode_boxes, boxes.decode_boxes),
    (d6.check_assign_anchors, boxes.assign_anchors),
    (d6.check_average_precision, d6.average_precision),
    (d6.check_mean_average_precision, d6.mean_average_precision),
    (d6.check_decode_predictions, d6._decode_grid),
]

MISTAKE_TABLES = [
    (det.check_box_area, boxes.box_area, det.BOX_AREA_MISTAKES),
    (det.check_box_iou, boxes.box_iou, det.BOX_IOU_MISTAKES),
    (det.check_nms, boxes.nms, det.NMS_MISTAKES),
    (d6.check_fc_to_conv, None, d6.FC_TO_CONV_MISTAKES),
    (d6.check_encode_boxes, None, d6.ENCODE_MISTAKES),
    (d6.check_decode_boxes, None, d6.DECODE_MISTAKES),
    (d6.check_assign_anchors, None, d6.ASSIGN_MISTAKES),
    (d6.check_average_precision, None, d6.AP_MISTAKES),
    (d6.check_mean_average_precision, None, d6.MAP_MISTAKES),
    (d6.check_decode_predictions, None, d6.DECODE_PREDICTIONS_MISTAKES),
]

globals().update(suite.standard_tests(CORRECT, BUGGY, REFERENCES, MISTAKE_TABLES))


def test_the_numpy_decoder_of_the_mistakes_is_the_reference_decoder():
    """The decode_predictions mistakes are switches of one numpy decoder; with none set it is torch_ref's."""
    import numpy as np

    from cnncourse.torch_ref import detector

    out = np.random.default_rng(0).normal(0, 1.5, (3, 9, 8, 8)).astype(np.float32)
    for threshold, iou in [(0.05, 0.5), (0.3, 0.3)]:
        ours, theirs = d6._decode_grid(out, threshold, iou), detector.decode_predictions(out, threshold, iou)
        assert sum(len(o["scores"]) for o in ours) > 10
        for a, b in zip(ours, theirs):
            for key in ("boxes", "scores", "labels"):
                np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=1e-12)
