"""Student kinds by name (the ``kind`` key of ``students[]`` in pipeline YAML)."""

from __future__ import annotations

import importlib
from typing import Any

STUDENT_KINDS: dict[str, tuple[str, str]] = {
    "gam": ("risk_models.students.gam", "GAMStudent"),
    "ga2m": ("risk_models.students.ga2m", "GA2MStudent"),
    "scorecard": ("risk_models.students.scorecard", "ScorecardStudent"),
    "nam": ("risk_models.students.nam", "NAMStudent"),
    "tree": ("risk_models.students.tree", "TreeStudent"),
}


def student_class(kind: str) -> type[Any]:
    """The estimator class for a student kind (imported lazily: NAM needs Torch)."""
    if kind not in STUDENT_KINDS:
        raise ValueError(f"unknown student kind {kind!r}; use one of {sorted(STUDENT_KINDS)}")
    module, name = STUDENT_KINDS[kind]
    return getattr(importlib.import_module(module), name)
