"""scikit-learn estimator checks the students are expected to fail, each with its reason.

The students are binary credit-risk classifiers whose labels mean something: ``y`` must be
0/1 with 1 = bad (silently mapping ``{"good", "bad"}`` to sorted classes would invert the
risk direction), and object columns are categorical features by design.
"""

LABELS_01 = "labels must be 0/1 (1 = bad); other label sets are refused, not re-encoded"

STUDENT_EXPECTED_FAILURES: dict[str, str] = {
    "check_estimators_dtypes": LABELS_01,
    "check_sample_weights_pandas_series": LABELS_01,
    "check_sample_weights_not_an_array": LABELS_01,
    "check_sample_weights_shape": LABELS_01,
    "check_sample_weights_not_overwritten": LABELS_01,
    "check_classifier_data_not_an_array": LABELS_01,
    "check_classifiers_classes": LABELS_01,
    "check_fit2d_1feature": LABELS_01,
    "check_dtype_object": "object columns are categorical features (levels), not an error",
}
