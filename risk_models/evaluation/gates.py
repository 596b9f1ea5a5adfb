"""Gate results: one check per rule, reported check by check (rules: ``gate_policy``)."""

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
