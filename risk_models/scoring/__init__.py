"""Batch scoring: stream a registered student over a book, with reasons, rejects and a manifest.

* :func:`score_batch` (``riskdistill score``): the scheduled job (:mod:`.batch`);
* :class:`ScoringSummary`: its hand-off (:mod:`.manifest`);
* :func:`resolve_model`: ``models:/NAME@ALIAS`` / ``models:/NAME/V`` / a path (:mod:`.model_ref`);
* :func:`table_sql` (``riskdistill export-sql``): the model as one SQL ``SELECT`` (:mod:`.sql`);
* :mod:`.tablescore`: the NumPy-only scorer every path (and the registered pyfunc) runs.

Names are imported on first use, so that importing the scorer alone stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ScoringSummary", "apply_invalid_policy", "resolve_model", "score_batch", "table_sql"]

_WHERE = {
    "score_batch": "risk_models.scoring.batch",
    "ScoringSummary": "risk_models.scoring.manifest",
    "resolve_model": "risk_models.scoring.model_ref",
    "table_sql": "risk_models.scoring.sql",
    "apply_invalid_policy": "risk_models.scoring.invalid",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'risk_models.scoring' has no attribute {name!r}")
