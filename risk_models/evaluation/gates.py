"""Promotion gates: explicit thresholds a student must pass, reported check by check."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class GateCheck:
    """One threshold check."""

    name: str
    value: float
    threshold: float
    comparison: str  # ">=" or "<="
    passed: bool


@dataclass(frozen=True)
class GateReport:
    """All checks for one student; ``passed`` only if every check passed."""

    student: str
    checks: tuple[GateCheck, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "passed": self.passed,
            "checks": [asdict(c) for c in self.checks],
        }


def _check(name: str, value: float, threshold: float, comparison: str) -> GateCheck:
    ok = value >= threshold if comparison == ">=" else value <= threshold
    return GateCheck(name, float(value), float(threshold), comparison, bool(ok))


def evaluate_gates(
    student: str,
    *,
    auc: float,
    auc_gap: float,
    logit_correlation: float,
    min_auc: float,
    max_auc_gap: float,
    min_logit_correlation: float,
) -> GateReport:
    """Check a student's test AUC, its AUC gap to the teacher and its logit correlation."""
    checks = (
        _check("auc", auc, min_auc, ">="),
        _check("auc_gap", auc_gap, max_auc_gap, "<="),
        _check("logit_correlation", logit_correlation, min_logit_correlation, ">="),
    )
    return GateReport(student, checks)
