"""The evaluation step's fraud inputs: amounts, costs and validation scores (issue 13).

Built from a config's ``fraud:`` section and the earlier steps' results for
:func:`risk_models.evaluation.fraud_suite.fraud_section`; None without the section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from risk_models.config import PipelineConfig
from risk_models.evaluation.fraud_suite import FraudInputs

if TYPE_CHECKING:
    from risk_models.steps.data import DataResult
    from risk_models.steps.students import StudentsResult
    from risk_models.steps.teachers import TeacherResult

__all__ = ["fraud_inputs", "teacher_valid_logit"]


def teacher_valid_logit(data: DataResult, teachers: TeacherResult) -> np.ndarray:
    """The teacher's validation log-odds: out of fold from a cross-fitted ensemble (its final
    members trained on the validation rows), else one scoring pass of the ensemble."""
    ensemble = teachers.ensemble
    n_train, n_valid = data.splits.train.n_rows, data.splits.valid.n_rows
    z = getattr(ensemble, "cross_fitted_logit_", None)
    if ensemble.cv_folds >= 2 and z is not None:
        part = np.asarray(z, dtype=np.float64)[n_train : n_train + n_valid]
        if len(part) == n_valid and np.all(np.isfinite(part)):
            return part
    return np.asarray(ensemble.decision_function(data.splits.valid.X), dtype=np.float64)


def fraud_inputs(
    cfg: PipelineConfig, data: DataResult, teachers: TeacherResult, students: StudentsResult
) -> FraudInputs | None:
    """The fraud section's inputs from the config's ``fraud:`` section (None without one)."""
    f = cfg.fraud
    if f is None:
        return None
    sp = data.splits
    col = f.amount_column
    costs = f.has_costs
    return FraudInputs(
        alert_rates=tuple(f.alert_rates),
        amount_column=col,
        amount_test=None if col is None else sp.test.X[col].to_numpy(dtype=np.float64),
        amount_valid=None if col is None else sp.valid.X[col].to_numpy(dtype=np.float64),
        cost_missed=f.cost_missed,
        cost_alert=f.cost_alert,
        y_valid=sp.valid.y if costs else None,
        teacher_valid_logit=teacher_valid_logit(data, teachers) if costs else None,
        student_valid_logits={fit.name: fit.valid_logit for fit in students.fits} if costs else {},
    )
