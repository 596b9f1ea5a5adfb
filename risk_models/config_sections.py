"""Config sections of the evaluation, gates and registry (parsed by :mod:`risk_models.config`).

Gates are rules over named metrics (``auc: {min: 0.65}``); the names are checked against the
metrics the evaluation produces (:data:`risk_models.evaluation.gate_policy.GATE_METRICS`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DEFAULT_GATES",
    "DistillCompareConfig",
    "EvaluationConfig",
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


def check_gate_names(v: dict[str, GateBounds], known: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(v) - set(known))
    if unknown:
        raise ValueError(f"unknown {what} metric(s) {unknown}; known: {list(known)}")


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
