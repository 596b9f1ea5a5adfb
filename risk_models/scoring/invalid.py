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
in both commands. Text that the model's training read as missing (its declared markers,
``metadata["missing_values"]``, ``"?"`` by default; :mod:`risk_models.scoring.tablescore.
markers`) is missing here too, before the checks: never an unseen level nor ``wrong_type``, and
the frame returned holds those cells as missing.

A model with date inputs (:mod:`risk_models.scoring.tablescore.dates`) reads the raw date column:
the frame returned holds ``<col>_age_days`` / ``<col>_month`` derived from it with the model's
stored reference date (replacing any such columns of the input: the raw column wins), and a frame
without the raw column is refused by name. A value that is not a date is ``wrong_type`` of the
date column: refused, or (``flag``) missing with a flag.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from risk_models.errors import DataValidationError
from risk_models.scoring.tablescore.columns import level_column, numeric_column
from risk_models.scoring.tablescore.dates import read_dates
from risk_models.scoring.tablescore.markers import marker_cells
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
    marks = compiled.missing_markers
    dates = read_dates(compiled.date_inputs, frame, compiled.kinds, marks)
    cols = {  # a missing column is the scorer's to refuse, by name
        f: dates[f]
        if f in dates
        else numeric_column(frame[f], marks)
        if kind == "numeric"
        else level_column(frame[f], marks)
        for f, kind in compiled.kinds.items()
        if f in dates or f in frame.columns
    }
    return find_problems(compiled, cols, len(frame))


def without_markers(model: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the model's markers read as missing in the input columns it reads
    (text cells only; ``frame`` itself is left unchanged, a copy is returned when one changes)."""
    compiled = getattr(model, "compiled", model)
    marks = compiled.missing_markers
    if not marks:
        return frame
    out = frame
    for c in compiled.input_kinds:
        if c not in frame.columns or pd.api.types.is_numeric_dtype(frame[c].dtype):
            continue
        s = frame[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            hit = marker_cells(list(s.cat.categories.astype(str)), marks)
            codes = s.cat.codes.to_numpy()
            rows = np.where(codes >= 0, np.append(hit, False)[codes], False)
        else:
            present = s.notna().to_numpy()
            rows = np.zeros(len(s), dtype=bool)
            rows[present] = marker_cells(s[present].astype(str).tolist(), marks)
        if rows.any():
            if out is frame:
                out = frame.copy()
            out[c] = s.where(~rows)
    return out


def with_date_features(model: Any, frame: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """``frame`` with the features a model derives from its date columns (the raw column wins).

    Raises
    ------
    DataValidationError
        A date column of the model is absent: every missing input column is named.
    """
    compiled = getattr(model, "compiled", model)
    if not compiled.date_inputs:
        return frame
    absent = [c for c in compiled.input_kinds if c not in frame.columns]
    if absent:
        raise DataValidationError(
            source,
            [
                f"missing feature column(s) {absent} that the model needs; add them (an empty "
                "value scores as the missing bin)"
            ],
        )
    out = frame.copy()
    for d in compiled.date_inputs:
        age, month, _ = d.derive(frame[d.column])
        for f, values in ((d.age_feature, age), (d.month_feature, month)):
            if f in compiled.features:
                out[f] = values
    return out


def _describe(problems: Problems, frame: pd.DataFrame, dates: set[str]) -> list[str]:
    lines = []
    for feature, kind, mask in problems.found:
        rows = np.flatnonzero(mask)
        shown = ", ".join(str(frame.index[r]) for r in rows[:5])
        more = "" if len(rows) <= 5 else ", ..."
        lines.append(
            f"column {feature!r}: {len(rows)} of {len(frame)} rows "
            f"{'hold text that is not a date' if feature in dates else _WHAT[kind]} ({kind}; row "
            f"labels {shown}{more}); fix those values, or pass --on-invalid flag to score them in "
            f"the {'unknown' if kind == 'unseen_level' else 'missing'} bin with a flag"
        )
    return lines


def apply_invalid_policy(
    model: Any, frame: pd.DataFrame, on_invalid: str, *, source: str = "input frame"
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The frame to score and its per-row ``flags`` (``None`` when nothing was flagged).

    The frame holds the features derived from the model's date columns
    (:func:`with_date_features`).

    Raises
    ------
    DataValidationError
        Policy ``reject`` and at least one problem: every (column, problem) is listed.
    """
    if on_invalid not in POLICIES:
        raise ValueError(f"on_invalid must be one of {list(POLICIES)}, got {on_invalid!r}")
    frame = with_date_features(model, without_markers(model, frame), source=source)
    dates = {d.column for d in getattr(model, "compiled", model).date_inputs}
    problems = frame_problems(model, frame)
    if not problems.found:
        return frame, None
    if on_invalid == "reject":
        raise DataValidationError(source, _describe(problems, frame, dates))
    out = frame.copy()
    for feature, kind, mask in problems.found:
        if feature in dates:  # its derived features already read the bad values as missing
            continue
        if kind in ("infinite_value", "wrong_type"):
            col = out[feature].astype(object) if kind == "wrong_type" else out[feature]
            out[feature] = col.where(~mask, np.nan)
            if kind == "wrong_type":
                out[feature] = pd.to_numeric(out[feature], errors="coerce")
    return out, problems.text(np.ones(len(frame), dtype=bool))
