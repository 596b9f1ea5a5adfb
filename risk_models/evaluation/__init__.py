"""Evaluation: metrics, teacher-student fidelity and post-hoc calibration."""

from __future__ import annotations

from risk_models.evaluation.calibration import (
    CalibrationMethod,
    Calibrator,
    IdentityCalibrator,
    PlattScaler,
    TemperatureScaler,
    calibrator_from_dict,
    make_calibrator,
)
from risk_models.evaluation.fidelity import fidelity
from risk_models.evaluation.metrics import (
    auc,
    auprc,
    brier,
    classification_metrics,
    ece,
    gini,
    ks,
    log_loss,
    logit,
    reliability_table,
    sigmoid,
)

__all__ = [
    "CalibrationMethod",
    "Calibrator",
    "IdentityCalibrator",
    "PlattScaler",
    "TemperatureScaler",
    "auc",
    "auprc",
    "brier",
    "calibrator_from_dict",
    "classification_metrics",
    "ece",
    "fidelity",
    "gini",
    "ks",
    "log_loss",
    "logit",
    "make_calibrator",
    "reliability_table",
    "sigmoid",
]
