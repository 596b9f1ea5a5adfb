"""NumPy-only scoring of an exported student: the code a registered model ships with.

This package imports nothing from ``risk_models`` (only NumPy, pandas and, for the output
columns, pyarrow), so MLflow can copy it beside a logged model (``code_paths``) and score the
model in an environment holding only mlflow, numpy, pandas and pyarrow. ``risk_models`` itself
scores through the same code (:class:`~risk_models.students.shape_table.ShapeTable`,
:class:`~risk_models.students.rules.RuleSet`, :func:`risk_models.scoring.score_batch`), so every
path gives the same numbers.

* :func:`compile_model` turns the JSON form of a shape table or rule set into a scorer;
* :func:`score_chunk` gives the output columns (PD, logit, points, decision, reasons, flags);
* :mod:`.policy` finds values a model cannot score faithfully (``+-inf``, unseen levels, text
  in a numeric column, unsupported missing values) and applies ``reject`` or ``flag``.
"""

from __future__ import annotations

from typing import Any

from .codes import axis_labels, feature_code, reason_code
from .columns import level_column, level_string, numeric_column
from .output import (
    DEFAULT_CUTOFF_PD,
    ScoredChunk,
    output_columns,
    plain_frame,
    resolve_cutoff,
    score_chunk,
    sigmoid,
)
from .policy import POLICIES, PROBLEMS
from .rules import CompiledRules
from .table import CompiledTable, pairwise_sum

__all__ = [
    "DEFAULT_CUTOFF_PD",
    "POLICIES",
    "PROBLEMS",
    "CompiledRules",
    "CompiledTable",
    "ScoredChunk",
    "axis_labels",
    "compile_model",
    "feature_code",
    "level_column",
    "level_string",
    "numeric_column",
    "output_columns",
    "pairwise_sum",
    "plain_frame",
    "reason_code",
    "resolve_cutoff",
    "score_chunk",
    "sigmoid",
]

SHAPE_TABLE_FORMAT = "risk_models.shape_table"
RULE_SET_FORMAT = "risk_models.rule_set"


def compile_model(d: dict[str, Any]) -> CompiledTable | CompiledRules:
    """A scorer for the JSON form of a shape table or rule set (dispatched on ``format``)."""
    fmt = d.get("format")
    if fmt == SHAPE_TABLE_FORMAT:
        return CompiledTable.from_dict(d)
    if fmt == RULE_SET_FORMAT:
        return CompiledRules.from_dict(d)
    raise ValueError(
        f"not an exported student (format={fmt!r}); expected {SHAPE_TABLE_FORMAT!r} or "
        f"{RULE_SET_FORMAT!r}"
    )
