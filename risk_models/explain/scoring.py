"""Scoring a frame with reason codes: one wide line per row, the table a nightly job writes."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import expit

from risk_models.errors import DataValidationError
from risk_models.explain.loading import Explained, as_explained
from risk_models.students.reasons import reason_codes
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable

__all__ = ["check_scoring_frame", "score_with_reasons"]


def _numeric_features(m: Explained) -> list[str]:
    if isinstance(m, RuleSet):
        return [f for f in m.features if f not in m.categories]
    kinds: dict[str, str] = {}
    for t in m.terms:
        for a in t.axes:
            kinds.setdefault(a.feature, a.kind)
    return [f for f in m.features if kinds.get(f) == "numeric"]


def check_scoring_frame(
    model: ShapeTable | RuleSet | Any,
    frame: pd.DataFrame,
    *,
    source: str = "input frame",
    id_column: str | None = None,
) -> None:
    """Refuse a frame the model cannot score faithfully, listing every problem at once.

    Checks that every feature column (and ``id_column``) is present and that numeric
    features hold numbers: a text value in a numeric column would otherwise score silently
    as a missing value.

    Raises
    ------
    DataValidationError
        Naming ``source``, each column and how many rows are affected.
    """
    m = as_explained(model)
    problems: list[str] = []
    absent = [f for f in m.features if f not in frame.columns]
    if absent:
        problems.append(
            f"missing feature column(s) {absent} that the model needs; add them "
            "(an empty value scores as the missing bin)"
        )
    if id_column is not None and id_column not in frame.columns:
        problems.append(f"id column {id_column!r} not found; columns are {list(frame.columns)}")
    for f in _numeric_features(m):
        if f not in frame.columns:
            continue
        col = frame[f]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            continue
        as_num = pd.to_numeric(col, errors="coerce")
        bad = col.notna().to_numpy() & as_num.isna().to_numpy()
        if bad.any():
            example = col[bad].iloc[0]
            problems.append(
                f"column {f!r}: {int(bad.sum())} of {len(col)} rows are not numbers "
                f"(e.g. {example!r}); the model reads it as numeric, fix or blank those values"
            )
    if problems:
        raise DataValidationError(source, problems)


def _text(v: Any) -> str | None:
    """A raw value as text for the wide table (``None`` for a missing value)."""
    if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    return str(v)


def score_with_reasons(
    model: ShapeTable | RuleSet | Any,
    frame: pd.DataFrame,
    *,
    k: int = 4,
    reference: Literal["best", "mean"] = "best",
    reference_frame: pd.DataFrame | None = None,
    id_column: str | None = None,
    source: str = "input frame",
) -> pd.DataFrame:
    """Score every row and attach its top-``k`` reason codes, one wide line per row.

    Parameters
    ----------
    model : a :class:`ShapeTable`, a :class:`RuleSet` or a fitted student.
    frame : rows to score; must hold every feature of the model (extra columns are ignored).
    k : reasons per row. A row gets fewer when fewer features push it towards bad; the
        unused reason columns are empty.
    reference : ``"best"`` (each term's lowest-risk bin; a tree's lowest-risk leaf) or
        ``"mean"`` (the mean over ``reference_frame``; see
        :func:`~risk_models.students.reasons.reason_codes`).
    reference_frame : the population for ``reference="mean"``; required for a shape table.
    id_column : a column of ``frame`` to carry as the first output column; without it the
        first column is ``row``, the index label of ``frame``.
    source : how to name ``frame`` in errors (the CLI passes the file name).

    Returns
    -------
    pandas.DataFrame
        In input order, one line per input row (``RangeIndex``): ``<id_column>`` or
        ``row``, ``probability``, ``logit``, then for ``i = 1..k``: ``reason_i`` (the stable
        code, e.g. ``RC-UTILISATION-3F2A9C``), ``reason_i_feature_code``,
        ``reason_i_feature``, ``reason_i_value`` (the raw value as text),
        ``reason_i_bin`` (the row's bin or rule condition) and ``reason_i_points`` (points
        lost, in log-odds, or scorecard points when the model has ``points_factor``). The
        reasons of a row are ordered by points lost, largest first; per row, the points lost
        of *all* features add up to ``logit - reference logit``. ``attrs`` holds
        ``reference``, ``reference_logit`` and ``units``.

    Raises
    ------
    DataValidationError
        If a feature column (or ``id_column``) is missing or a numeric feature holds text.
    """
    m = as_explained(model)
    check_scoring_frame(m, frame, source=source, id_column=id_column)
    if reference_frame is not None and reference_frame is not frame:
        check_scoring_frame(m, reference_frame, source=f"{source} (reference frame)")
    X = frame.reset_index(drop=True)  # row positions, whatever the caller's index
    rc = reason_codes(m, X, k=k, reference=reference, reference_frame=reference_frame)
    n = len(X)
    first = (
        {id_column: frame[id_column].to_numpy()}
        if id_column is not None
        else {"row": frame.index.to_numpy()}
    )
    out: dict[str, Any] = {
        **first,
        "probability": expit(rc.score),
        "logit": np.asarray(rc.score, dtype=np.float64),
    }
    tidy = rc.reasons
    pos = tidy["row"].to_numpy(dtype=np.int64) if len(tidy) else np.zeros(0, dtype=np.int64)
    rank = tidy["rank"].to_numpy() if len(tidy) else np.zeros(0, dtype=np.int64)
    for i in range(1, k + 1):
        sel = rank == i
        rows = pos[sel]
        for field, src in (
            ("", "code"),
            ("_feature_code", "feature_code"),
            ("_feature", "feature"),
            ("_value", "value"),
            ("_bin", "bin"),
        ):
            col = np.full(n, None, dtype=object)
            if len(rows):
                vals = tidy[src].to_numpy(dtype=object)[sel]
                col[rows] = [_text(v) for v in vals] if src == "value" else vals
            out[f"reason_{i}{field}"] = col
        pts = np.full(n, np.nan)
        if len(rows):
            pts[rows] = tidy["points_lost"].to_numpy(dtype=np.float64)[sel]
        out[f"reason_{i}_points"] = pts
    result = pd.DataFrame(out)
    assert len(result) == len(frame), "score_with_reasons lost or added rows"
    result.attrs.update(
        {"reference": rc.reference, "reference_logit": rc.reference_score, "units": rc.units}
    )
    return result
