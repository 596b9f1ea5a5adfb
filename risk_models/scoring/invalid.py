"""The invalid-value policy for a whole frame: what ``riskdistill reasons`` applies before scoring.

``riskdistill score`` applies the policy chunk by chunk (rejects go to the rejects file);
``reasons`` scores one frame and has no rejects file, so the same policy reads:

``reject`` (default)
    refuse the frame, naming every column, problem and how many rows (the first row numbers
    too), and say how to fix it;
``flag``
    score the rows anyway, ``+-inf`` and text in a numeric column in the missing bin, unseen
    levels in the unknown bin, and name the problems in a ``flags`` column.

The problems are those of :mod:`risk_models.scoring.tablescore.policy`, found by the same code
in both commands.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from risk_models.errors import DataValidationError
from risk_models.scoring.tablescore.columns import level_column, numeric_column
from risk_models.scoring.tablescore.policy import POLICIES, Problems, find_problems

_WHAT = {
    "wrong_type": "hold text that is not a number",
    "infinite_value": "hold +inf or -inf",
    "unseen_level": "hold a level the model never saw in training",
    "missing_value": "are missing where the model's missing bin had no training rows",
}


def frame_problems(model: Any, frame: pd.DataFrame) -> Problems:
    """Problems of :data:`~risk_models.scoring.tablescore.policy.PROBLEMS` in ``frame``.

    ``model`` is a :class:`~risk_models.students.shape_table.ShapeTable` or
    :class:`~risk_models.students.rules.RuleSet` (or their compiled form).
    """
    compiled = getattr(model, "compiled", model)
    cols = {  # a missing column is the scorer's to refuse, by name
        f: numeric_column(frame[f]) if kind == "numeric" else level_column(frame[f])
        for f, kind in compiled.kinds.items()
        if f in frame.columns
    }
    return find_problems(compiled, cols, len(frame))


def _describe(problems: Problems, frame: pd.DataFrame) -> list[str]:
    lines = []
    for feature, kind, mask in problems.found:
        rows = np.flatnonzero(mask)
        shown = ", ".join(str(frame.index[r]) for r in rows[:5])
        more = "" if len(rows) <= 5 else ", ..."
        lines.append(
            f"column {feature!r}: {len(rows)} of {len(frame)} rows {_WHAT[kind]} ({kind}; row "
            f"labels {shown}{more}); fix those values, or pass --on-invalid flag to score them in "
            f"the {'unknown' if kind == 'unseen_level' else 'missing'} bin with a flag"
        )
    return lines


def apply_invalid_policy(
    model: Any, frame: pd.DataFrame, on_invalid: str, *, source: str = "input frame"
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The frame to score and its per-row ``flags`` (``None`` when nothing was flagged).

    Raises
    ------
    DataValidationError
        Policy ``reject`` and at least one problem: every (column, problem) is listed.
    """
    if on_invalid not in POLICIES:
        raise ValueError(f"on_invalid must be one of {list(POLICIES)}, got {on_invalid!r}")
    problems = frame_problems(model, frame)
    if not problems.found:
        return frame, None
    if on_invalid == "reject":
        raise DataValidationError(source, _describe(problems, frame))
    out = frame.copy()
    for feature, kind, mask in problems.found:
        if kind in ("infinite_value", "wrong_type"):
            col = out[feature].astype(object) if kind == "wrong_type" else out[feature]
            out[feature] = col.where(~mask, np.nan)
            if kind == "wrong_type":
                out[feature] = pd.to_numeric(out[feature], errors="coerce")
    return out, problems.text(np.ones(len(frame), dtype=bool))
