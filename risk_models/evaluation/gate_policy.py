"""Gates declared over metric names: each rule is ``metric op threshold``, checked one by one.

The evaluation suite names its figures the way gates refer to them (``auc``, ``auc_ci_low``,
``ks``, ``psi``, ``csi_max``, ``ece``, ``auc_gap``, ``logit_r2``, ``top_k_agreement``,
``monotone_violations``...; see :func:`risk_models.steps.evaluation.gate_metrics`), so a new
metric needs a rule in the policy, never new gate code. Results reuse
:class:`~risk_models.evaluation.gates.GateReport`.

Fraud yardsticks (:func:`fraud_gate_metrics`: recall and precision at each alert rate,
value recall, AUPRC and recall retention, cost-based cut-off figures) exist only for a config
with a ``fraud:`` section, and their names depend on its alert rates; :func:`known_gate_metrics`
is what a config may gate on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from risk_models.errors import RiskModelsError
from risk_models.evaluation.gates import GateCheck, GateReport

__all__ = [
    "CHAMPION_METRICS",
    "FRAUD_COST_METRICS",
    "GATE_METRICS",
    "GateRule",
    "UnknownMetricError",
    "evaluate_policy",
    "fraud_gate_metrics",
    "known_gate_metrics",
    "looks_like_fraud_metric",
    "parse_rules",
]

#: Every metric name a ``gates:`` rule may use: the evaluation step produces each of them for
#: every student (tests pin the two lists together), so config validation can refuse a
#: misspelt gate before anything trains.
OUTCOME_METRICS = (
    "auc",
    "auc_ci_low",
    "auc_ci_high",
    "gini",
    "ks",
    "auprc",
    "brier",
    "log_loss",
    "ece",
)
FIDELITY_METRICS = (
    "auc_gap",
    "auprc_gap",
    "logit_correlation",
    "spearman",
    "logit_r2",
    "agreement",
    "top_k_agreement",
    "prob_mae",
)
GATE_METRICS: tuple[str, ...] = (
    *OUTCOME_METRICS,
    "psi",
    "teacher_psi",
    "csi_max",
    *FIDELITY_METRICS,
    "auc_gap_p_value",
    "monotone_violations",
    "compression_ratio",
    "latency_ratio",
)
#: Cost-based cut-off figures (threshold chosen on the validation rows, costs on test; see
#: :func:`risk_models.evaluation.fraud.fraud_cost_metrics`) and the teacher's cost saving minus
#: the student's, produced when the ``fraud:`` section sets both costs.
FRAUD_COST_METRICS = (
    "cost_threshold",
    "cost_alert_rate",
    "cost_recall",
    "cost_precision",
    "cost_total",
    "cost_per_1k_rows",
    "cost_saving",
    "cost_saving_gap",
)
#: Name stems of the fraud yardsticks, for the hint when a gate names one without a section.
_FRAUD_STEMS = ("recall_at_", "precision_at_", "value_recall_at_", "recall_retention_at_",
                "auprc_retention", "cost_")  # fmt: skip


def fraud_gate_metrics(
    alert_rates: Sequence[float], *, amount: bool = False, costs: bool = False
) -> tuple[str, ...]:
    """The fraud yardsticks' gate names for a ``fraud:`` section.

    Parameters
    ----------
    alert_rates:
        The section's alert rates; ``<r>`` below is each one as
        :func:`~risk_models.evaluation.fraud.rate_label` writes it (``0.005 -> 0_5pct``).
    amount:
        Whether an amount column is declared (adds ``value_recall_at_<r>``).
    costs:
        Whether both costs are declared (adds :data:`FRAUD_COST_METRICS`).

    Returns
    -------
    tuple of str
        ``auprc_retention``; per rate ``recall_at_<r>``, ``precision_at_<r>``,
        ``recall_retention_at_<r>`` (and ``value_recall_at_<r>``); then the cost figures.
    """
    from risk_models.evaluation.fraud import rate_label

    names = ["auprc_retention"]
    for rate in alert_rates:
        r = rate_label(rate)
        names += [f"recall_at_{r}", f"precision_at_{r}", f"recall_retention_at_{r}"]
        if amount:
            names.append(f"value_recall_at_{r}")
    if costs:
        names += FRAUD_COST_METRICS
    return tuple(names)


def known_gate_metrics(fraud: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Every name a ``gates:`` rule may use: :data:`GATE_METRICS` plus ``fraud`` (the
    :func:`fraud_gate_metrics` of the config's ``fraud:`` section, None without one)."""
    return GATE_METRICS + (fraud or ())


def looks_like_fraud_metric(name: str) -> bool:
    """Whether a gate name has the form of a fraud yardstick (``recall_at_...``, ``cost_...``)."""
    return name.startswith(_FRAUD_STEMS)


def fraud_section_hint(names: Sequence[str]) -> str:
    """A sentence for unknown gate names that look like fraud yardsticks, else ``""``."""
    fraudy = sorted(n for n in names if looks_like_fraud_metric(n))
    if not fraudy:
        return ""
    return (
        f"; {fraudy} look like fraud yardsticks: they exist with a 'fraud:' section "
        "(alert_rates, and amount_column / cost_missed + cost_alert for value and cost "
        "figures), for the alert rates it lists"
    )


#: Metrics compared with the current champion on the candidate's test rows at promotion
#: (``<metric>_vs_champion`` = candidate minus champion).
CHAMPION_METRICS = ("auc", "gini", "ks", "auprc", "brier", "log_loss", "ece")

_OPS = (">=", "<=")


class UnknownMetricError(RiskModelsError, KeyError):
    """A gate names a metric the evaluation did not produce."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class GateRule:
    """``metric op threshold``: ``op`` is ``">="`` (at least) or ``"<="`` (at most)."""

    metric: str
    op: str
    threshold: float

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"gate on {self.metric!r}: op must be one of {_OPS}, got {self.op!r}")
        if not math.isfinite(float(self.threshold)):
            raise ValueError(f"gate on {self.metric!r}: threshold must be finite")


def parse_rules(spec: Mapping[str, Mapping[str, Any]]) -> tuple[GateRule, ...]:
    """Rules from ``{metric: {"min": x}}`` / ``{metric: {"max": x}}`` (the YAML shape).

    Parameters
    ----------
    spec:
        Metric name -> ``{"min": value}`` (``>=``) and/or ``{"max": value}`` (``<=``).

    Returns
    -------
    tuple of GateRule
        In the order given, ``min`` before ``max``.
    """
    rules = []
    for metric, bounds in spec.items():
        unknown = sorted(set(bounds) - {"min", "max"})
        if unknown or not bounds:
            raise ValueError(f"gate on {metric!r}: give 'min' and/or 'max', got {sorted(bounds)}")
        if "min" in bounds:
            rules.append(GateRule(metric, ">=", float(bounds["min"])))
        if "max" in bounds:
            rules.append(GateRule(metric, "<=", float(bounds["max"])))
    return tuple(rules)


def evaluate_policy(
    student: str, metrics: Mapping[str, float], rules: Sequence[GateRule]
) -> GateReport:
    """Check every rule against a student's metrics.

    Parameters
    ----------
    student:
        The student's name (carried in the report).
    metrics:
        Metric name -> value, e.g. ``gate_metrics(result)[student]``.
    rules:
        The policy.

    Returns
    -------
    GateReport
        One check per rule; a NaN value fails its check.

    Raises
    ------
    UnknownMetricError
        If a rule names a metric absent from ``metrics`` (every such rule is listed).
    """
    absent = [r.metric for r in rules if r.metric not in metrics]
    if absent:
        raise UnknownMetricError(
            f"gates for {student!r} name metric(s) {sorted(set(absent))} that the evaluation "
            f"did not produce; known metrics: {sorted(metrics)}"
        )
    checks = []
    for r in rules:
        value = float(metrics[r.metric])
        ok = value >= r.threshold if r.op == ">=" else value <= r.threshold
        checks.append(GateCheck(r.metric, value, float(r.threshold), r.op, bool(ok)))
    return GateReport(student, tuple(checks))
