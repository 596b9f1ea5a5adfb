"""The evaluation's fraud section: every model's fraud yardsticks and each student's retention.

Pure (arrays in, plain JSON-ready dicts out), called by
:func:`risk_models.steps.evaluation.compute_evaluation` when the config has a ``fraud:``
section (:class:`~risk_models.config_sections.FraudConfig`). On the test rows, for the teacher
and every student: AUPRC, recall and precision at each alert rate, value recall with an amount;
each student's AUPRC and recall retention against the teacher; with both costs, the cost-based
cut-off chosen on the validation rows and its test costs. The figures a gate may read per
student are :func:`fraud_gate_figures` (names as
:func:`~risk_models.evaluation.gate_policy.fraud_gate_metrics` lists them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import expit

from risk_models.evaluation.fraud import (
    fraud_cost_metrics,
    fraud_metrics,
    fraud_retention,
    rate_label,
)

__all__ = ["FraudInputs", "amount_column_problems", "fraud_gate_figures", "fraud_section"]

#: The teacher's key among the evaluated models (as in the evaluation step).
TEACHER = "teacher"


@dataclass(frozen=True)
class FraudInputs:
    """What the fraud section reads beyond the test outcomes and logits.

    ``amount_test`` / ``amount_valid``: the amount column on the test / validation rows (None
    without one). The validation rows (outcomes and every model's log-odds) choose the
    cost-based cut-off; they are needed only when both costs are set.
    """

    alert_rates: tuple[float, ...] = (0.005, 0.01)
    amount_column: str | None = None
    amount_test: ArrayLike | None = None
    amount_valid: ArrayLike | None = None
    cost_missed: float | None = None
    cost_alert: float | None = None
    y_valid: ArrayLike | None = None
    teacher_valid_logit: ArrayLike | None = None
    student_valid_logits: Mapping[str, ArrayLike] = field(default_factory=dict)

    @property
    def has_costs(self) -> bool:
        return self.cost_missed is not None and self.cost_alert is not None


def _amount(values: ArrayLike | None) -> np.ndarray | None:
    """Amounts as float64, a missing amount counted as 0."""
    if values is None:
        return None
    return np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)


def fraud_section(
    y_test: ArrayLike,
    teacher_test_logit: ArrayLike,
    student_test_logits: Mapping[str, ArrayLike],
    inputs: FraudInputs,
) -> dict[str, Any]:
    """The fraud section of the evaluation.

    Parameters
    ----------
    y_test:
        Test outcomes (1 = fraud); at least one fraud.
    teacher_test_logit, student_test_logits:
        Test log-odds of the teacher and of each student (by name).
    inputs:
        Alert rates, amounts, costs and the validation rows (:class:`FraudInputs`).

    Returns
    -------
    dict
        ``settings`` (alert rates and their metric-name labels, amount column, costs),
        ``n_frauds`` (test, and valid with
        costs), ``models`` (name -> figures, teacher first) and ``retention`` (student ->
        ``auprc_retention``, ``recall_retention_at_<r>`` per rate).
    """
    y = np.asarray(y_test, dtype=np.float64)
    rates = tuple(inputs.alert_rates)
    amount_t = _amount(inputs.amount_test)
    scores = {TEACHER: np.asarray(teacher_test_logit, dtype=np.float64)}
    scores.update({k: np.asarray(v, dtype=np.float64) for k, v in student_test_logits.items()})
    models = {
        name: fraud_metrics(y, z, amount=amount_t, alert_rates=rates) for name, z in scores.items()
    }
    retention: dict[str, dict[str, float]] = {}
    for name, z in scores.items():
        if name == TEACHER:
            continue
        figures: dict[str, float] = {}
        for rate in rates:
            figures.update(fraud_retention(y, z, scores[TEACHER], alert_rate=rate))
        retention[name] = figures
    n_frauds: dict[str, int] = {"test": int(y.sum())}
    if inputs.has_costs:
        _add_costs(models, scores, y, amount_t, inputs)
        n_frauds["valid"] = int(np.asarray(inputs.y_valid).sum())
    return {
        "settings": {
            "alert_rates": list(rates),
            "rate_labels": [rate_label(r) for r in rates],  # as in the metric names
            "amount_column": inputs.amount_column,
            "cost_missed": inputs.cost_missed,
            "cost_alert": inputs.cost_alert,
        },
        "n_frauds": n_frauds,
        "models": models,
        "retention": retention,
    }


def _add_costs(
    models: dict[str, dict[str, float]],
    scores: Mapping[str, np.ndarray],
    y_test: np.ndarray,
    amount_test: np.ndarray | None,
    inputs: FraudInputs,
) -> None:
    """Each model's cost-based cut-off (chosen on valid, costed on test; the threshold on the
    probability scale), in place."""
    valid = {TEACHER: inputs.teacher_valid_logit, **inputs.student_valid_logits}
    missing = sorted(n for n in scores if valid.get(n) is None)
    if inputs.y_valid is None or missing:
        raise ValueError(
            f"fraud costs need the validation outcomes and every model's validation log-odds; "
            f"missing for {missing or ['y_valid']}"
        )
    amount_v = _amount(inputs.amount_valid)
    assert inputs.cost_missed is not None and inputs.cost_alert is not None
    for name, z in scores.items():
        models[name].update(
            fraud_cost_metrics(
                inputs.y_valid,
                expit(np.asarray(valid[name], dtype=np.float64)),
                y_test,
                expit(z),
                cost_missed=float(inputs.cost_missed),
                cost_alert=float(inputs.cost_alert),
                amount_valid=amount_v,
                amount_test=amount_test,
            )
        )


def fraud_gate_figures(section: Mapping[str, Any], student: str) -> dict[str, float]:
    """One student's fraud figures under their gate names (``auprc`` is left to the outcome
    metrics, which hold the same value), with ``cost_saving_gap`` = teacher's cost saving
    minus the student's when costs are set."""
    figures = {k: v for k, v in section["models"][student].items() if k != "auprc"}
    figures.update(section["retention"][student])
    if "cost_saving" in figures:
        figures["cost_saving_gap"] = (
            section["models"][TEACHER]["cost_saving"] - figures["cost_saving"]
        )
    return figures


def amount_column_problems(name: str, X: pd.DataFrame, source: str = "the data") -> list[str]:
    """Why ``fraud.amount_column`` cannot be read from the validated features (empty if it can).

    The amount must be a numeric feature of ``X`` with no negative value.
    """
    if name not in X.columns:
        return [
            f"fraud.amount_column {name!r} is not a feature of {source} (features: "
            f"{list(X.columns)[:30]}); name a numeric feature column holding the amount, or "
            "remove amount_column"
        ]
    col = X[name]
    if not pd.api.types.is_numeric_dtype(col.dtype):
        return [f"fraud.amount_column {name!r} is categorical; the amount must be numeric"]
    n_neg = int((col < 0).sum())
    if n_neg:
        return [f"fraud.amount_column {name!r}: {n_neg} rows hold a negative amount"]
    return []
