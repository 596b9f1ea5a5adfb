"""Date features: a date column (datetime or text) becomes two numeric features.

A raw date does not generalise to future rows, but its age and its month do. A feature column
that holds dates, either as a datetime dtype, as text that parses as dates (detected: at
least ``DATE_SHARE`` of the non-missing values parse and contain a date separator), or
declared in ``DataSpec.date_features``, is replaced by

* ``<name>_age_days``: days from the date to the latest date in the column (0 = newest);
* ``<name>_month``: the calendar month, 1-12.

Each conversion is reported as a note (the caller logs it), with the reference date.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

__all__ = ["DATE_SHARE", "date_feature_names", "expand_date_features", "parse_dates"]

#: Share of non-missing text values that must parse as dates for a column to be taken as one.
DATE_SHARE = 0.95
_DATE_TEXT = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$")
_SAMPLE = 2000


def date_feature_names(name: str) -> tuple[str, str]:
    """Names of the two features derived from date column ``name``."""
    return f"{name}_age_days", f"{name}_month"


def parse_dates(s: pd.Series) -> pd.Series:
    """``s`` as ``datetime64`` (time zones to UTC, then dropped); unparsable text is NaT."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(s, errors="coerce", format="mixed", utc=True)
    return parsed.dt.tz_localize(None)


def _looks_like_dates(s: pd.Series) -> bool:
    """Datetime dtype, or text of which at least ``DATE_SHARE`` parses as dates."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return True
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return False
    text = s.dropna()
    if text.empty or not all(isinstance(v, str) for v in text.iloc[:_SAMPLE]):
        return False
    sample = text.iloc[:: max(len(text) // _SAMPLE, 1)].astype(str)
    if sample.str.match(_DATE_TEXT).mean() < DATE_SHARE:
        return False
    return bool(parse_dates(sample).notna().mean() >= DATE_SHARE)


def expand_date_features(
    frame: pd.DataFrame,
    features: list[object],
    declared: tuple[str, ...],
    problems: list[str],
    notes: list[str],
) -> tuple[pd.DataFrame, list[object]]:
    """Replace every date feature of ``frame`` by its age in days and its month.

    Parameters
    ----------
    frame : the raw table.
    features : its feature columns, in model order.
    declared : columns declared as dates (``DataSpec.date_features``); others are detected.
    problems : appended to: a declared date column that is not a feature, or whose values
        do not parse as dates.
    notes : appended to: one line per converted column, with the reference date.

    Returns
    -------
    tuple
        ``(frame with the derived columns added, features with each date column replaced by
        its two derived ones)``.
    """
    for name in declared:
        if name not in features:
            problems.append(
                f"date feature {name!r} is not among the feature columns; add it to the file "
                "or to features, or remove it from date_features"
            )
    out_features: list[object] = []
    derived: dict[str, pd.Series] = {}
    for name in features:
        if name not in frame.columns:  # reported by the column checks
            out_features.append(name)
            continue
        s = frame[name]
        if name not in declared and not _looks_like_dates(s):
            out_features.append(name)
            continue
        dates = parse_dates(s)
        bad = dates.isna() & s.notna()
        if bad.any() and name in declared:
            problems.append(
                f"date feature {name!r}: {int(bad.sum())} of {int(s.notna().sum())} values "
                f"are not dates (e.g. {s[bad].iloc[0]!r}); write them as ISO dates "
                "(2024-01-31) or blank them"
            )
            continue
        latest = dates.max()
        if pd.isna(latest):
            out_features.append(name)  # nothing parsed: check_feature reports the column
            continue
        age_name, month_name = date_feature_names(str(name))
        age = (latest - dates).dt.total_seconds() / 86400.0
        derived[age_name] = pd.Series(age.to_numpy(dtype=np.float64, na_value=np.nan))
        derived[month_name] = pd.Series(dates.dt.month.to_numpy(dtype=np.float64, na_value=np.nan))
        out_features += [age_name, month_name]
        how = "declared" if name in declared else "detected"
        notes.append(
            f"feature {name!r}: dates ({how}, {int(bad.sum())} unparsable values left missing) "
            f"replaced by {age_name!r} (days before the latest date, {latest.date()}) and "
            f"{month_name!r} (1-12)"
        )
    if not derived:
        return frame, out_features
    clash = [c for c in derived if c in frame.columns]
    for c in clash:
        problems.append(
            f"derived date feature {c!r} already exists as a column; rename that column"
        )
    extra = pd.DataFrame(derived, index=frame.index)
    return pd.concat([frame.drop(columns=clash), extra], axis=1), out_features
