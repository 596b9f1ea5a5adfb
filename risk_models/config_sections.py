"""Config sections of the evaluation, fraud yardsticks, gates and registry (parsed by
:mod:`risk_models.config`).

Gates are rules over named metrics (``auc: {min: 0.65}``); the names are checked against the
metrics the evaluation produces (:data:`risk_models.evaluation.gate_policy.GATE_METRICS`, plus
the fraud yardsticks of a ``fraud:`` section).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DEFAULT_GATES",
    "DistillCompareConfig",
    "EvaluationConfig",
    "FraudConfig",
    "GateBounds",
    "RegistryConfig",
    "check_gate_names",
    "gate_specs",
]


class StrictSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GateBounds(StrictSection):
    """``{min: x}`` (at least), ``{max: x}`` (at most) or both, on one named metric."""

    min: float | None = Field(None, strict=True)
    max: float | None = Field(None, strict=True)

    @model_validator(mode="after")
    def _some_bound(self) -> GateBounds:
        if self.min is None and self.max is None:
            raise ValueError("give 'min' and/or 'max'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    def as_spec(self) -> dict[str, float]:
        return {k: v for k, v in (("min", self.min), ("max", self.max)) if v is not None}


DEFAULT_GATES: dict[str, dict[str, float]] = {
    "auc": {"min": 0.6},
    "auc_gap": {"max": 0.02},
    "logit_correlation": {"min": 0.9},
}


def check_gate_names(
    v: dict[str, GateBounds], known: tuple[str, ...], what: str, hint: str = ""
) -> None:
    unknown = sorted(set(v) - set(known))
    if unknown:
        raise ValueError(f"unknown {what} metric(s) {unknown}; known: {list(known)}{hint}")


def gate_specs(gates: dict[str, GateBounds]) -> dict[str, dict[str, float]]:
    """The gate policy as plain ``{metric: {min|max: value}}`` (the shape gate rules parse)."""
    return {name: bounds.as_spec() for name, bounds in gates.items()}


class DistillCompareConfig(StrictSection):
    """Distill-and-compare in the audit evaluation: mimic vs outcome model, bootstrap bands."""

    enabled: bool = True
    n_boot: int = Field(8, ge=2, le=200, strict=True)
    max_rows: int = Field(4000, ge=200, strict=True)


class EvaluationConfig(StrictSection):
    """The audit evaluation after the students (its metrics are what gates read)."""

    n_bins: int = Field(10, ge=2, le=100, strict=True)
    top_k: float = Field(0.1, gt=0, lt=1)
    # Decision cut-off on the probability scale (decline when p >= cutoff); None = the
    # teacher's 90th percentile on the test rows.
    cutoff: float | None = Field(None, gt=0, lt=1)
    distill_compare: DistillCompareConfig = DistillCompareConfig()
    # Write the audit report (HTML + JSON) at the end of every run and log it to MLflow.
    report: bool = True


class FraudConfig(StrictSection):
    """Fraud yardsticks in the evaluation (:mod:`risk_models.evaluation.fraud`), gateable.

    Without this section a run computes none of them (credit configs). ``alert_rates``: the
    shares of rows an analyst team reviews (top 0.5 % and 1 % by default); recall, precision
    and the teacher-retention figures are reported at each. ``amount_column``: a numeric
    feature holding the transaction amount (adds value-weighted recall; a missing amount counts
    as 0). ``cost_missed`` and ``cost_alert`` (both or neither): the cost-based cut-off chosen
    on the validation rows; a missed fraud costs ``cost_missed`` times its amount with an
    amount column (the share of the amount lost), ``cost_missed`` without one.
    """

    alert_rates: tuple[float, ...] = (0.005, 0.01)
    amount_column: str | None = Field(None, min_length=1)
    cost_missed: float | None = Field(None, ge=0, strict=True)
    cost_alert: float | None = Field(None, ge=0, strict=True)

    @field_validator("alert_rates")
    @classmethod
    def _rates(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        from risk_models.evaluation.fraud import rate_label

        if not v:
            raise ValueError("give at least one alert rate (a share of rows, e.g. 0.005)")
        bad = [r for r in v if not 0.0 < r < 1.0]
        if bad:
            raise ValueError(f"alert rates are shares of rows in (0, 1), got {bad}")
        labels = [rate_label(r) for r in v]
        if len(set(labels)) != len(labels):
            raise ValueError(f"alert rates must differ (as metric names {labels})")
        return v

    @model_validator(mode="after")
    def _both_costs(self) -> FraudConfig:
        if (self.cost_missed is None) != (self.cost_alert is None):
            raise ValueError("give both cost_missed and cost_alert (or neither)")
        return self

    @property
    def has_costs(self) -> bool:
        return self.cost_missed is not None and self.cost_alert is not None

    def gate_metrics(self) -> tuple[str, ...]:
        """The gate names this section adds (:func:`~risk_models.evaluation.gate_policy.
        fraud_gate_metrics`)."""
        from risk_models.evaluation.gate_policy import fraud_gate_metrics

        return fraud_gate_metrics(
            self.alert_rates, amount=self.amount_column is not None, costs=self.has_costs
        )


class RegistryConfig(StrictSection):
    model_name: str = Field(min_length=1)
    # Which students that pass their gates become registered versions (with the challenger
    # alias): the one with the best validation AUC, all of them, or none (logged models only).
    # (YAML key ``register``; ``register`` itself would shadow pydantic's ABC ``register``.)
    register_rule: Literal["best_passing", "all_passing", "none"] = Field(
        "best_passing", alias="register"
    )
    # Log each student's test rows (features, outcome, logit) with its run, so that promotion
    # can score the champion on the candidate's test data; false keeps feature values out of
    # the artifact store (champion gates then need matching test digests).
    log_test_rows: bool = True
    # Gates against the current champion at promotion, on the candidate's test rows:
    # ``<metric>_vs_champion`` is candidate minus champion (see README "Registry").
    champion_gates: dict[str, GateBounds] = Field(
        default_factory=lambda: {"auc_vs_champion": GateBounds(min=0.0)}
    )

    @field_validator("champion_gates")
    @classmethod
    def _champion_names(cls, v: dict[str, GateBounds]) -> dict[str, GateBounds]:
        from risk_models.evaluation.gate_policy import CHAMPION_METRICS

        check_gate_names(v, tuple(f"{m}_vs_champion" for m in CHAMPION_METRICS), "champion gate")
        return v
