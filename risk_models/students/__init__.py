"""Interpretable students and their exported forms.

Names are loaded lazily (PEP 562), so ``import risk_models.students.shape_table`` — the
decision-time path — never imports Torch or the boosting libraries.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "ShapeTable": "shape_table",
    "Term": "shape_table",
    "Axis": "shape_table",
    "RuleSet": "rules",
    "GAMStudent": "gam",
    "GA2MStudent": "ga2m",
    "ScorecardStudent": "scorecard",
    "NAMStudent": "nam",
    "TreeStudent": "tree",
    "reason_codes": "reasons",
    "reason_catalogue": "reasons",
    "verify_monotone": "monotonicity",
    "student_class": "registry",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module 'risk_models.students' has no attribute {name!r}")
    return getattr(importlib.import_module(f"risk_models.students.{_NAMES[name]}"), name)
