"""Student kinds by name (the ``kind`` key of ``students[]`` in pipeline YAML)."""

from __future__ import annotations

from typing import Any


def student_class(kind: str) -> type[Any]:
    """The estimator class for a student kind."""
    if kind == "gam":
        from risk_models.students.gam import GAMStudent

        return GAMStudent
    raise ValueError(f"unknown student kind {kind!r}; use gam")
