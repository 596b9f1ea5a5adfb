"""Checks of one column of a table against its role: target, id, time, or feature.

Used by :func:`risk_models.data.validation.validate_frame`; each check appends its problems
(naming the column, the number of rows and the fix) to a list and returns the typed values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk_models.data.contract import DEFAULT_MISSING_VALUES, DataSpec
from risk_models.scoring.tablescore.markers import marker_cells

__all__ = ["DEFAULT_MISSING_VALUES", "HIGH_CARDINALITY_MODES", "ID_LIKE_LEVELS", "ID_LIKE_SHARE",
           "MAX_FEATURE_LEVELS", "check_feature", "check_ids", "check_target", "check_times",
           "listed", "read_missing_markers"]  # fmt: skip
_NUMERIC_OBJECT_KINDS = {"integer", "floating", "mixed-integer-float", "decimal", "empty"}
_DATE_KINDS = {"datetime64", "datetime", "date", "timedelta", "timedelta64"}


def _scalar(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def listed(names: list[object], limit: int = 10) -> str:
    """``'a', 'b', ... (+3 more)``: the first ``limit`` names, quoted, for a message.

    Parameters
    ----------
    names : column names or values.
    limit : how many to show.

    Returns
    -------
    str
    """
    shown = ", ".join(repr(_scalar(n)) for n in names[:limit])
    return shown + (f", ... (+{len(names) - limit} more)" if len(names) > limit else "")


def _sorted(values: list[object]) -> list[object]:
    try:
        return sorted(values)  # type: ignore[type-var]
    except TypeError:
        return sorted(values, key=str)


def _label_candidates(label: object) -> list[object]:
    """The label as given, as text, as a number and as a bool: "1" == 1 == 1.0 == "1.0"."""
    text = str(label).strip()
    out: list[object] = [label, text]
    try:
        num = float(text)
        whole = int(num) if num.is_integer() else num
        out += [whole, str(whole)]
    except ValueError:
        if text.lower() in ("true", "false"):
            out.append(text.lower() == "true")
    return out


def check_target(s: pd.Series, spec: DataSpec, problems: list[str]) -> tuple[np.ndarray, object]:
    """Labels of the target column and the positive label in the target's own type.

    Parameters
    ----------
    s : the target column.
    spec : the data spec (its ``target`` and ``positive_label``).
    problems : appended to: missing outcomes, not two classes, an unknown positive label.

    Returns
    -------
    tuple
        ``(int8 labels, matched positive label)``.
    """
    name, n = spec.target, len(s)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(s.cat.categories.dtype)
    n_missing = int(s.isna().sum())
    if n_missing:
        problems.append(
            f"target {name!r}: {n_missing} of {n} rows are missing; "
            "drop those rows or fill in their outcome"
        )
    values = _sorted([_scalar(v) for v in pd.unique(s.dropna())])
    shown = listed(values)
    if len(values) > 2:
        problems.append(
            f"target {name!r}: {len(values)} distinct values ({shown}), expected 2; "
            "recode the target to two classes (bad vs good)"
        )
    elif len(values) == 1:
        problems.append(
            f"target {name!r}: only one class ({shown}) in all {n - n_missing} labelled rows; "
            "a model needs both outcomes, use data that contains both"
        )
    label = spec.positive_label
    match = next((c for c in _label_candidates(label) if any(v == c for v in values)), None)
    if match is None:
        if values:
            problems.append(
                f"target {name!r}: positive label {label!r} is not among the target's values "
                f"({shown}); pass --positive-label with the value that means bad"
            )
        return np.zeros(n, dtype=np.int8), label
    y = (s == match).fillna(False).to_numpy(dtype=np.int8)
    return y, match


def check_ids(s: pd.Series, problems: list[str]) -> np.ndarray:
    """The id column's values; missing and repeated ids are appended to ``problems``.

    Parameters
    ----------
    s : the id column.
    problems : appended to.

    Returns
    -------
    numpy.ndarray
    """
    name = s.name
    n_missing = int(s.isna().sum())
    if n_missing:
        problems.append(
            f"id column {name!r}: {n_missing} rows have no id; fill them in or drop those rows"
        )
    present = s.dropna()
    dup = present.duplicated(keep=False)
    if dup.any():
        repeated = list(pd.unique(present[dup]))
        problems.append(
            f"id column {name!r}: {int(dup.sum())} rows share their id with another row "
            f"({len(repeated)} repeated ids, e.g. {listed(repeated, 5)}); "
            "make the ids unique or drop the duplicate rows"
        )
    return s.to_numpy()


def check_times(s: pd.Series, problems: list[str]) -> np.ndarray | None:
    """Event times as ``datetime64`` (text parsed, time zones to UTC) or ``float64``.

    Parameters
    ----------
    s : the time column.
    problems : appended to: unparsable or missing times, a dtype that is neither.

    Returns
    -------
    numpy.ndarray or None
        None when the dtype cannot hold times.
    """
    name, n = s.name, len(s)
    times: np.ndarray | None = None
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        times = s.to_numpy()
    elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        times = s.to_numpy(dtype="float64", na_value=np.nan)
    elif pd.api.types.is_string_dtype(s.dtype) or pd.api.types.is_object_dtype(s.dtype):
        parsed = pd.to_datetime(s, errors="coerce", format="mixed")
        bad = parsed.isna() & s.notna()
        if bad.any():
            problems.append(
                f"time column {name!r}: {int(bad.sum())} rows are not dates/times "
                f"(e.g. {listed(list(pd.unique(s[bad])), 5)}); write them as ISO dates "
                "(2024-01-31) or leave the time column out"
            )
        times = parsed.to_numpy()
    else:
        problems.append(
            f"time column {name!r}: dtype {s.dtype} is neither dates/times nor numbers; "
            "store event times as dates or numbers"
        )
    n_missing = int(s.isna().sum())
    if n_missing:
        problems.append(
            f"time column {name!r}: {n_missing} of {n} rows have no time; fill them in or drop "
            "those rows (out-of-time splits need a time on every row)"
        )
    return times


def _kind(s: pd.Series, declared_categorical: bool) -> str:
    dtype = s.dtype
    if declared_categorical or isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    inferred = (
        pd.api.types.infer_dtype(s, skipna=True)
        if pd.api.types.is_object_dtype(dtype)
        else "string"
    )
    if inferred in _NUMERIC_OBJECT_KINDS:
        return "numeric"
    if inferred in _DATE_KINDS:
        return "datetime"
    return "categorical" if inferred == "boolean" else "string"


def _level(value: object) -> str:
    value = _scalar(value)
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _to_category(s: pd.Series) -> pd.Series:
    try:
        cat = pd.Categorical(s)
        cat = cat.rename_categories([_level(c) for c in cat.categories])
    except (TypeError, ValueError):  # mixed types, or two raw values with one text
        cat = pd.Categorical(s.map(_level, na_action="ignore"))
    return pd.Series(cat, name=s.name).reset_index(drop=True)


#: A categorical feature with at least this many levels, holding at least ID_LIKE_SHARE of the
#: non-missing rows as distinct levels, is taken for an identifier or free text.
ID_LIKE_LEVELS = 100
ID_LIKE_SHARE = 0.5
#: A categorical feature with more levels than this is too fine to learn a shape over.
MAX_FEATURE_LEVELS = 1000
#: What to do with such a column: drop it with a note (default), or refuse the table.
HIGH_CARDINALITY_MODES = ("drop", "refuse")


def _high_cardinality(cat: pd.Series) -> str | None:
    """Why a categorical feature is too fine to model (id-like, too many levels), or None."""
    n_present = int(cat.notna().sum())
    n_levels = int(cat.nunique())
    if n_levels >= ID_LIKE_LEVELS and n_levels >= ID_LIKE_SHARE * n_present:
        return (
            f"feature {cat.name!r}: {n_levels} distinct values in {n_present} non-missing rows "
            f"({n_levels / n_present:.0%}), which looks like an identifier or free text, not a "
            "category"
        )
    if n_levels > MAX_FEATURE_LEVELS:
        return (
            f"feature {cat.name!r}: {n_levels} distinct values, more than the "
            f"{MAX_FEATURE_LEVELS} a categorical feature may have"
        )
    return None


def check_feature(
    s: pd.Series,
    declared_categorical: bool,
    problems: list[str],
    *,
    high_cardinality: str = "refuse",
    notes: list[str] | None = None,
) -> pd.Series | None:
    """Type one feature: ``float64``, or ``category`` with string levels.

    Parameters
    ----------
    s : the feature column.
    declared_categorical : whether the spec lists it as categorical.
    problems : appended to: dates, infinities, stray text in numbers, a high-cardinality
        text column under ``high_cardinality="refuse"``, no information (all missing or
        constant).
    high_cardinality : ``"drop"``: a categorical that looks like an id or free text, or has
        more than ``MAX_FEATURE_LEVELS`` levels, is left out with a line in ``notes``;
        ``"refuse"``: it is a problem.
    notes : appended to: what was done with a dropped column.

    Returns
    -------
    pandas.Series or None
        None if it cannot be a feature (a date column, a dropped high-cardinality column).
    """
    name, kind = s.name, _kind(s, declared_categorical)
    if kind == "datetime":
        problems.append(
            f"feature {name!r} holds dates/times ({s.dtype}); declare it as the time "
            "column or drop it from features"
        )
        return None
    if kind == "numeric":
        values = pd.to_numeric(s, errors="coerce") if pd.api.types.is_object_dtype(s.dtype) else s
        out = pd.Series(values.to_numpy(dtype="float64", na_value=np.nan), name=name)
        n_inf = int(np.isinf(out).sum())
        if n_inf:
            problems.append(
                f"feature {name!r}: {n_inf} rows hold +inf or -inf; replace them with "
                "finite values or leave them empty (missing)"
            )
    else:
        if kind == "string":  # a numeric column with a few stray texts ("?", "n/a")
            text = s.dropna()
            bad = pd.to_numeric(text.astype(str), errors="coerce").isna().to_numpy()
            if 0 < bad.sum() <= len(text) / 2:
                problems.append(
                    f"feature {name!r}: {bad.sum()} of {len(text)} non-missing rows are not "
                    f"numbers (e.g. {listed(list(pd.unique(text[bad])), 5)}) while the rest "
                    "are; fix or blank those values, or declare the column categorical"
                )
        out = _to_category(s)
        reason = _high_cardinality(out)
        if reason is not None and high_cardinality == "drop":
            if notes is not None:
                notes.append(
                    f"{reason}: left out of the features (set data.high_cardinality: refuse "
                    "to stop instead, or declare it as the id column)"
                )
            return None
        if reason is not None:
            problems.append(
                f"{reason}; declare it as the id column (--id-column) or leave it out (--exclude)"
            )
    present = out.dropna()
    if len(present) == 0:
        problems.append(
            f"feature {name!r}: all {len(s)} rows are missing; it carries no information, "
            "drop it from features"
        )
    elif present.nunique() == 1:
        problems.append(
            f"feature {name!r}: only one value ({_scalar(present.iloc[0])!r}) in all "
            f"{len(present)} non-missing rows; a constant carries no information, "
            "drop it from features"
        )
    return out


def _is_text(s: pd.Series) -> bool:
    dtype = s.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def _marker_cells(s: pd.Series, wanted: set[str]) -> np.ndarray:
    """Whether each cell is a marker, by the scorers' own rule
    (:func:`~risk_models.scoring.tablescore.markers.marker_cells`), tested once per distinct
    value (per category for a categorical column)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, levels = s.cat.codes.to_numpy(), list(s.cat.categories)
    else:
        codes, uniques = pd.factorize(s)
        levels = list(uniques)
    if not levels:
        return np.zeros(len(s), dtype=bool)
    hits = marker_cells(levels, wanted)
    return np.where(codes >= 0, hits[np.maximum(codes, 0)], False)


def read_missing_markers(
    frame: pd.DataFrame,
    columns: list[object],
    markers: tuple[str, ...],
    notes: list[str],
) -> pd.DataFrame:
    """Text cells equal to a marker (``"?"``, ``"n/a"``...; surrounding blanks ignored) become
    missing, in the text columns among ``columns``; numeric columns are left alone.

    A text column that holds only numbers once its markers are gone becomes numeric (a CSV
    column of amounts with ``"?"`` for unknown). Each changed column adds a line to ``notes``
    saying how many cells were turned into missing.

    Parameters
    ----------
    frame : the table (not changed; a copy is returned when a cell changes).
    columns : the columns to look at (features and role columns, not the excluded ones).
    markers : the values that mean "unknown".
    notes : appended to, one line per changed column.

    Returns
    -------
    pandas.DataFrame
    """
    wanted = {m.strip() for m in markers}
    if not wanted:
        return frame
    out = frame
    for name in columns:
        s = frame[name]
        if not _is_text(s):
            continue
        present = s.notna().to_numpy()
        hit = _marker_cells(s, wanted) & present
        n_hit = int(hit.sum())
        if not n_hit:
            continue
        found = sorted({str(v).strip() for v in s[hit].astype(object).unique()})
        cleaned = s.where(~hit)
        became = ""
        rest = cleaned[present & ~hit]
        if not isinstance(s.dtype, pd.CategoricalDtype) and len(rest):
            numbers = pd.to_numeric(rest.astype(str), errors="coerce")
            if numbers.notna().all():
                cleaned = pd.to_numeric(cleaned.astype(object), errors="coerce").astype("float64")
                became = "; the rest are numbers, so the column is numeric"
        if out is frame:
            out = frame.copy()
        out[name] = cleaned
        notes.append(
            f"column {name!r}: {n_hit} of {len(s)} cells were {listed(list(found), 5)} and are "
            f"read as missing (data.missing_values){became}"
        )
    return out
