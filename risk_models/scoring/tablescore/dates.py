"""Date inputs: a raw date column that a model reads through the features derived from it.

Training turns a date column ``c`` (a datetime column, or text that parses as dates) into

* ``c_age_days``: days from the date to the *reference date* (the latest date of the training
  rows), as ``(reference - date) / 1 day`` on microseconds: 0 on the reference, negative
  after it (a new book's dates are usually after it);
* ``c_month``: the calendar month, 1-12.

The exported model carries the contract in ``metadata["date_inputs"]``: one JSON object per
date column (:meth:`DateInput.to_dict`), with the reference date as ISO text and the rule's
identifier (:data:`RULE`). Scoring derives both features from the raw column with the stored
reference, by this module's code, which training runs too, so the values are the same bits.

Input rule: when the raw column is in the input it is *the* input, and derived columns of the
same names in the input are ignored (the raw column wins). The scoring entry points
(``riskdistill score``, the pyfunc, ``riskdistill reasons``) need the raw column and name it
when it is absent; only a frame without it (the library's own validated frames, which hold the
derived columns) is read through the derived columns. A value that is not a date is missing and
is reported as ``wrong_type`` of the raw column, under the caller's invalid-value policy.

Nothing here imports ``risk_models``: the package ships with a registered model.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .columns import NumericColumn, column_names, get_column, is_arrow
from .markers import marker_cells

__all__ = [
    "METADATA_KEY",
    "RULE",
    "RULE_TEXT",
    "DateInput",
    "age_days",
    "date_inputs",
    "input_kinds",
    "month_of",
    "not_dates",
    "parse_dates",
    "read_dates",
]

#: Where an exported model keeps its date inputs.
METADATA_KEY = "date_inputs"
#: Identifier of the derivation below; a model naming another rule is refused.
RULE = "risk_models.date_features/1"
RULE_TEXT = (
    "age_days = (reference - date) / 1 day, on microseconds (negative after the reference); "
    "month = calendar month (1-12); text is parsed value by value with pandas.to_datetime("
    "format='mixed', utc=True) (month first), a time with a zone is converted to UTC and "
    "the zone dropped; a value that is not a date is missing"
)
#: Text that reads as a missing value, not as a value that is not a date.
_MISSING_TEXT = ("", "nan", "nat", "none", "null", "na", "<na>")
_US_PER_DAY = 86_400_000_000.0


def _series(values: Any) -> pd.Series:
    if is_arrow(values):
        values = values.to_pandas()
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    s = s.reset_index(drop=True)
    return s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s


def parse_dates(values: Any) -> pd.Series:
    """``values`` as ``datetime64[us]``: time zones to UTC, then dropped; unparsable is NaT.

    Text is parsed value by value (``format="mixed"``), so a value's date does not depend on
    the other values of its column (or chunk).
    """
    s = _series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(s.dtype):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = pd.to_datetime(s, errors="coerce", format="mixed", utc=True).dt.tz_localize(None)
    return s.astype("datetime64[us]")


def not_dates(values: Any, dates: pd.Series, markers: tuple[str, ...] = ()) -> np.ndarray:
    """Rows holding a value (not blank, ``nan`` or ``null`` text, nor one of ``markers``) that
    did not parse as a date."""
    s = _series(values)
    bad = s.notna().to_numpy() & dates.isna().to_numpy()
    if bad.any() and not pd.api.types.is_datetime64_any_dtype(s.dtype):
        text = s.astype(str).str.strip().str.lower().to_numpy()
        bad &= ~np.isin(text, _MISSING_TEXT)
        if bad.any() and markers:
            rows = np.flatnonzero(bad)
            bad[rows[marker_cells(s.iloc[rows].astype(str).tolist(), markers)]] = False
    return np.asarray(bad, dtype=bool)


def age_days(dates: pd.Series, reference: pd.Timestamp) -> np.ndarray:
    """Days from each date to ``reference`` (float64, NaN where the date is missing)."""
    missing = dates.isna().to_numpy()
    us = dates.astype("datetime64[us]").to_numpy().astype(np.int64)
    ref = np.datetime64(pd.Timestamp(reference).to_datetime64(), "us").astype(np.int64)
    us[missing] = ref
    age = (ref - us) / _US_PER_DAY
    age[missing] = np.nan
    return np.asarray(age, dtype=np.float64)


def month_of(dates: pd.Series) -> np.ndarray:
    """Calendar month of each date, 1-12 (float64, NaN where the date is missing)."""
    return np.asarray(dates.dt.month.to_numpy(dtype=np.float64, na_value=np.nan))


@dataclass(frozen=True)
class DateInput:
    """One raw date column of a model and the two features derived from it."""

    column: str
    reference: pd.Timestamp
    age_feature: str
    month_feature: str
    reference_source: str = "the latest date of the training rows"

    @property
    def derived(self) -> tuple[str, str]:
        return self.age_feature, self.month_feature

    def derive(
        self, values: Any, markers: tuple[str, ...] = ()
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(age_days, month, not_a_date)`` of raw values, with the stored reference (a value
        equal to one of ``markers`` is missing, not a non-date)."""
        dates = parse_dates(values)
        bad = not_dates(values, dates, markers)
        return age_days(dates, self.reference), month_of(dates), bad

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as stored in ``metadata["date_inputs"]``."""
        return {
            "column": self.column,
            "reference": pd.Timestamp(self.reference).isoformat(),
            "reference_source": self.reference_source,
            "features": {"age_days": self.age_feature, "month": self.month_feature},
            "rule": RULE,
            "description": RULE_TEXT,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DateInput:
        if d.get("rule") != RULE:
            raise ValueError(
                f"date input {d.get('column')!r}: unknown rule {d.get('rule')!r} (this scorer "
                f"knows {RULE!r}); score with the risk_models version that exported the model"
            )
        try:
            reference = pd.Timestamp(str(d["reference"]))
        except ValueError as exc:
            raise ValueError(
                f"date input {d.get('column')!r}: reference {d.get('reference')!r} is not an "
                "ISO date"
            ) from exc
        if reference.tzinfo is not None or pd.isna(reference):
            raise ValueError(
                f"date input {d.get('column')!r}: reference {d['reference']!r} must be a "
                "UTC date without a zone"
            )
        feats = d["features"]
        return cls(
            str(d["column"]),
            reference,
            str(feats["age_days"]),
            str(feats["month"]),
            str(d.get("reference_source", "")),
        )


def date_inputs(metadata: Mapping[str, Any]) -> tuple[DateInput, ...]:
    """The date inputs recorded in a model's metadata (none: ``()``)."""
    raw = metadata.get(METADATA_KEY) or ()
    if not isinstance(raw, (list, tuple)):
        raise ValueError(f"metadata[{METADATA_KEY!r}] must be a list of date inputs")
    return tuple(DateInput.from_dict(d) for d in raw)


def input_kinds(kinds: Mapping[str, str], inputs: Iterable[DateInput]) -> dict[str, str]:
    """The columns a scoring input must hold, and how each is read.

    ``kinds`` (feature -> ``"numeric"`` / ``"categorical"``, in model order) with every
    feature derived from a date column replaced, at its first position, by that column
    (kind ``"date"``).
    """
    source = {f: d.column for d in inputs for f in d.derived}
    out: dict[str, str] = {}
    for f, kind in kinds.items():
        if f in source and kind == "numeric":
            out.setdefault(source[f], "date")
        else:
            out[f] = kind
    return out


def read_dates(
    inputs: Iterable[DateInput],
    data: Any,
    wanted: Iterable[str],
    markers: tuple[str, ...] = (),
) -> dict[str, NumericColumn]:
    """The derived features in ``wanted`` whose raw date column is in ``data``.

    Each is a numeric column whose ``source`` is the raw column and whose ``wrong_type`` marks
    the values that are not dates (they read as missing; a value equal to one of ``markers``
    is missing without being marked).
    """
    want = set(wanted)
    present = set(column_names(data))
    out: dict[str, NumericColumn] = {}
    for d in inputs:
        used = [f for f in d.derived if f in want]
        if not used or d.column not in present:
            continue
        age, month, bad = d.derive(get_column(data, d.column), markers)
        wrong = bad if bad.any() else None
        for f, values in ((d.age_feature, age), (d.month_feature, month)):
            if f in want:
                out[f] = NumericColumn(values, wrong, None, source=d.column)
    return out
