"""Date features: a date column (datetime or text) becomes two numeric features.

A raw date does not generalise to future rows, but its age and its month do. A feature column
that holds dates, either as a datetime dtype, as text that parses as dates (detected: at
least ``DATE_SHARE`` of the non-missing values parse and contain a date separator), or
declared in ``DataSpec.date_features``, is replaced by

* ``<name>_age_days``: days from the date to the *reference date* (0 on it, negative after);
* ``<name>_month``: the calendar month, 1-12.

The reference date is the latest date of the *training rows*: validation (which sees the whole
file) derives the ages against the file's latest date and keeps each column's parsed dates
(:class:`ConvertedDates`); after the split, :func:`reference_from_training` moves the reference
to the training rows' latest date and re-derives the ages of every part, so no test or
validation row sets it. :func:`attach_date_inputs` stores the reference and the rule with the
exported model (``metadata["date_inputs"]``), from which every scorer derives the features of a
new file the same way: the parsing and arithmetic are those of
:mod:`risk_models.scoring.tablescore.dates`, the code shipped with the model.

Each conversion is reported as a note (the caller logs it), with the reference date.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from risk_models.scoring.tablescore.dates import (
    METADATA_KEY,
    DateInput,
    age_days,
    month_of,
    parse_dates,
)

if TYPE_CHECKING:
    from risk_models.data.split import Splits
    from risk_models.data.validation import ValidatedData

__all__ = [
    "DATE_SHARE",
    "ConvertedDates",
    "attach_date_inputs",
    "date_feature_names",
    "expand_date_features",
    "parse_dates",
    "reference_from_training",
]
log = logging.getLogger(__name__)

#: Share of non-missing text values that must parse as dates for a column to be taken as one.
DATE_SHARE = 0.95
_DATE_TEXT = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$")
_SAMPLE = 2000
TRAINING_REFERENCE = "the latest date of the training rows"
_Exported = TypeVar("_Exported")


@dataclass(frozen=True, eq=False)
class ConvertedDates:
    """A converted date column: its date input (names, reference) and its rows' dates."""

    input: DateInput
    dates: np.ndarray  # datetime64[us] per row, NaT = missing or not a date

    def take(self, pos: np.ndarray) -> ConvertedDates:
        """The dates of rows ``pos`` (integer positions)."""
        return ConvertedDates(self.input, self.dates[pos])


def date_feature_names(name: str) -> tuple[str, str]:
    """Names of the two features derived from date column ``name``."""
    return f"{name}_age_days", f"{name}_month"


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
    converted: list[ConvertedDates] | None = None,
) -> tuple[pd.DataFrame, list[object]]:
    """Replace every date feature of ``frame`` by its age in days and its month.

    The ages are against the column's latest date; :func:`reference_from_training` moves the
    reference to the training rows' latest date once the rows are split.

    Parameters
    ----------
    frame : the raw table.
    features : its feature columns, in model order.
    declared : columns declared as dates (``DataSpec.date_features``); others are detected.
    problems : appended to: a declared date column that is not a feature, or whose values
        do not parse as dates.
    notes : appended to: one line per converted column, with the file's latest date.
    converted : appended to (when given): each converted column's dates and date input.

    Returns
    -------
    tuple
        ``(frame with the derived columns added, features with each date column replaced by
        its two derived ones)``.
    """
    from risk_models.scoring.tablescore.dates import not_dates

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
        bad = not_dates(s, dates)
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
        derived[age_name] = pd.Series(age_days(dates, latest))
        derived[month_name] = pd.Series(month_of(dates))
        out_features += [age_name, month_name]
        if converted is not None:
            file_input = DateInput(
                str(name), latest, age_name, month_name, "the file's latest date"
            )
            converted.append(ConvertedDates(file_input, dates.to_numpy()))
        how = "declared" if name in declared else "detected"
        notes.append(
            f"feature {name!r}: dates ({how}, {int(bad.sum())} unparsable values left missing) "
            f"replaced by {age_name!r} (days before the reference date, {TRAINING_REFERENCE}; "
            f"the file's latest is {latest.date()}) and {month_name!r} (1-12)"
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


def _rebased(part: ValidatedData, inputs: dict[str, DateInput]) -> ValidatedData:
    X = part.X.copy()
    dates = []
    for conv in part.dates:
        new = inputs[conv.input.column]
        if new.age_feature in X.columns:
            X[new.age_feature] = age_days(pd.Series(conv.dates), new.reference)
        dates.append(ConvertedDates(new, conv.dates))
    return dataclasses.replace(part, X=X, dates=tuple(dates))


def reference_from_training(data: ValidatedData, splits: Splits) -> tuple[ValidatedData, Splits]:
    """Move every date column's reference to the latest date of the training rows.

    Each part's ages (and the whole table's) are derived again against that date, so the
    features of every row depend on the training rows only, as they will when a new file is
    scored with the stored reference. A column without a date in the training rows keeps the
    file's latest date, and a note says so.

    Returns
    -------
    tuple
        ``(data, splits)`` with the ages re-derived, the date inputs updated and one note per
        column appended to ``data.notes``.
    """
    if not data.dates:
        return data, splits
    inputs: dict[str, DateInput] = {}
    notes: list[str] = []
    for conv in splits.train.dates:
        d = conv.input
        latest = pd.Series(conv.dates).max()
        if pd.isna(latest):
            inputs[d.column] = d
            notes.append(
                f"feature {d.column!r}: no date in the training rows; its ages stay against "
                f"the file's latest date {d.reference.date()}"
            )
            continue
        inputs[d.column] = dataclasses.replace(
            d, reference=pd.Timestamp(latest), reference_source=TRAINING_REFERENCE
        )
        notes.append(
            f"feature {d.column!r}: reference date {pd.Timestamp(latest).isoformat()} (the "
            f"latest of the {splits.train.n_rows} training rows' dates; the file's latest is "
            f"{d.reference.isoformat()}), stored with the model; later dates have negative "
            f"{d.age_feature!r}"
        )
    for note in notes:
        log.warning("%s: %s", data.source, note)
    out = dataclasses.replace(_rebased(data, inputs), notes=(*data.notes, *notes))
    return out, dataclasses.replace(
        splits,
        train=_rebased(splits.train, inputs),
        valid=_rebased(splits.valid, inputs),
        test=_rebased(splits.test, inputs),
    )


def attach_date_inputs(exported: _Exported, dates: Sequence[ConvertedDates]) -> _Exported:
    """An exported student (shape table or rule set) with its date inputs in its metadata.

    ``metadata["date_inputs"]`` gets the JSON form of each date column whose derived features
    the model has (:meth:`~risk_models.scoring.tablescore.dates.DateInput.to_dict`): the
    reference date and the rule, which every scorer reads. Without one, ``exported`` is
    returned as it is.
    """
    model: Any = exported
    features = set(model.features)
    used = [c.input.to_dict() for c in dates if features & set(c.input.derived)]
    if not used:
        return exported
    out: _Exported = dataclasses.replace(model, metadata={**model.metadata, METADATA_KEY: used})
    return out
