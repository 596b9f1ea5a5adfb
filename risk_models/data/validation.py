"""Validate a table against its :class:`DataSpec`, once, at the boundary.

:func:`validate_frame` checks every rule of the data contract (data/README.md) and
raises *every* problem found as one :class:`~risk_models.errors.DataValidationError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from risk_models.data.contract import DataSpec
from risk_models.data.io import read_table
from risk_models.errors import DataValidationError

__all__ = ["ValidatedData", "validate_file", "validate_frame"]

_NUMERIC_OBJECT_KINDS = {"integer", "floating", "mixed-integer-float", "decimal", "empty"}
_DATE_KINDS = {"datetime64", "datetime", "date", "timedelta", "timedelta64"}


@dataclass(frozen=True, eq=False)
class ValidatedData:
    """A table that passed validation, split into its roles.

    Attributes
    ----------
    X:
        Feature columns in ``spec.features`` order with a ``RangeIndex``; numeric
        features are ``float64``, categorical ones ``category`` with string categories.
    y:
        ``int8`` labels, 1 where the target equals ``spec.positive_label``.
    spec:
        The resolved spec: ``features`` and ``categorical`` filled in, and
        ``positive_label`` coerced to the target's type (``"1"`` -> ``1``).
    ids:
        Values of the id column, or ``None``.
    times:
        Event times (``datetime64`` or ``float64``), or ``None``.
    segments:
        Values of the segment column as they are in the file (missing stays missing), or
        ``None`` without a segment column.
    source:
        Where the data came from (a file path), used in error messages.
    """

    X: pd.DataFrame
    y: np.ndarray
    spec: DataSpec
    ids: np.ndarray | None = None
    times: np.ndarray | None = None
    source: str = "<frame>"
    segments: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.y)

    @property
    def positive_rate(self) -> float:
        """Share of rows with label 1 (NaN when there are no rows)."""
        return float(self.y.mean()) if len(self.y) else float("nan")

    def subset(self, idx: np.ndarray) -> ValidatedData:
        """Return the rows at positions ``idx`` (or where a boolean mask is true).

        Parameters
        ----------
        idx:
            Integer positions or a boolean mask of length ``n_rows``.

        Returns
        -------
        ValidatedData
            A new object with the same spec and source; ``X`` gets a fresh ``RangeIndex``.
        """
        pos = np.asarray(idx)
        if pos.dtype == bool:
            pos = np.flatnonzero(pos)
        return replace(
            self,
            X=self.X.iloc[pos].reset_index(drop=True),
            y=self.y[pos],
            ids=None if self.ids is None else self.ids[pos],
            times=None if self.times is None else self.times[pos],
            segments=None if self.segments is None else self.segments[pos],
        )


def _scalar(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _names(names: list[object], limit: int = 10) -> str:
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


def _check_target(s: pd.Series, spec: DataSpec, problems: list[str]) -> tuple[np.ndarray, object]:
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
    shown = _names(values)
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


def _check_ids(s: pd.Series, problems: list[str]) -> np.ndarray:
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
            f"({len(repeated)} repeated ids, e.g. {_names(repeated, 5)}); "
            "make the ids unique or drop the duplicate rows"
        )
    return s.to_numpy()


def _check_times(s: pd.Series, problems: list[str]) -> np.ndarray | None:
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
                f"(e.g. {_names(list(pd.unique(s[bad])), 5)}); write them as ISO dates "
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
#: non-missing rows as distinct levels, is refused as a probable identifier.
ID_LIKE_LEVELS = 100
ID_LIKE_SHARE = 0.5


def _check_id_like(cat: pd.Series, problems: list[str]) -> None:
    """Refuse a categorical feature whose levels are nearly one per row (an id, a free text)."""
    n_present = int(cat.notna().sum())
    n_levels = int(cat.nunique())
    if n_levels >= ID_LIKE_LEVELS and n_levels >= ID_LIKE_SHARE * n_present:
        problems.append(
            f"feature {cat.name!r}: {n_levels} distinct values in {n_present} non-missing rows "
            f"({n_levels / n_present:.0%}), which looks like an identifier or free text, not a "
            "category; declare it as the id column (--id-column) or leave it out (--exclude)"
        )


def _check_feature(
    s: pd.Series, declared_categorical: bool, problems: list[str]
) -> pd.Series | None:
    """Type one feature (float64 or category); ``None`` if it cannot be a feature."""
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
                    f"numbers (e.g. {_names(list(pd.unique(text[bad])), 5)}) while the rest "
                    "are; fix or blank those values, or declare the column categorical"
                )
        out = _to_category(s)
        _check_id_like(out, problems)
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


def _check_columns(frame: pd.DataFrame, spec: DataSpec, problems: list[str]) -> list[object]:
    """Check that declared columns exist and roles do not overlap; return the features."""
    columns = list(frame.columns)
    present = set(columns)
    roles = set(spec.role_columns())
    if spec.target not in present:
        problems.append(
            f"target column {spec.target!r} not found among the file's {len(columns)} columns "
            f"({_names(columns)}); set the target to the outcome column's name"
        )
    declared = {
        "feature": list(spec.features),
        "categorical": list(spec.categorical),
        "id": [spec.id_column] if spec.id_column else [],
        "time": [spec.time_column] if spec.time_column else [],
        "segment": [spec.segment_column] if spec.segment_column else [],
        "excluded": list(spec.exclude),
    }
    for role, names in declared.items():
        missing = [c for c in names if c not in present]
        if missing:
            problems.append(
                f"{role} column(s) not found in the file: {_names(missing)}; "
                "fix the names in the data spec or remove them"
            )
    repeated = [c for c in dict.fromkeys(spec.features) if spec.features.count(c) > 1]
    if repeated:
        problems.append(f"feature column(s) listed twice: {_names(repeated)}; list each once")
    clash = [c for c in dict.fromkeys(spec.features + spec.categorical) if c in roles]
    if clash:
        problems.append(
            f"column(s) {_names(clash)} are the target, id, time or segment column and cannot "
            "also be features; remove them from features/categorical"
        )
    excluded = set(spec.exclude)
    both = [c for c in dict.fromkeys(spec.exclude) if c in roles]
    both += [c for c in dict.fromkeys(spec.features + spec.categorical) if c in excluded]
    if both:
        problems.append(
            f"column(s) {_names(list(dict.fromkeys(both)))} are excluded and also declared as a "
            "feature or role; remove them from exclude or from the other role"
        )
    if spec.features:
        stray = [c for c in spec.categorical if c not in spec.features and c not in roles]
        if stray:
            problems.append(
                f"categorical column(s) not among the features: {_names(stray)}; "
                "add them to features or remove them from categorical"
            )
        features = [c for c in dict.fromkeys(spec.features) if c in present and c not in roles]
    else:
        features = [c for c in columns if c not in roles and c not in excluded]
        if not features:
            problems.append(
                "no feature columns: the file holds only the target, id, time, segment and "
                "excluded columns; add feature columns to the file or exclude fewer"
            )
    return features


def validate_frame(frame: pd.DataFrame, spec: DataSpec, source: str) -> ValidatedData:
    """Check a table against the data contract and split it into its roles.

    Parameters
    ----------
    frame:
        The raw table, as read from a file.
    spec:
        Column roles. ``features`` may be empty (= every column without another role).
    source:
        Name of the data (usually the file path), used as the error's prefix.

    Returns
    -------
    ValidatedData
        Typed features, int8 labels, ids, times and the resolved spec.

    Raises
    ------
    DataValidationError
        With every problem found (see data/README.md for the full list).
    """
    dup_cols = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dup_cols:
        raise DataValidationError(
            source,
            [f"duplicate column names {_names(dup_cols)}; rename them so each name is unique"],
        )
    problems: list[str] = []
    features = _check_columns(frame, spec, problems)
    n = len(frame)
    if n == 0:
        problems.append("the table has 0 rows; point the data path at a file with rows")
        raise DataValidationError(source, problems)
    frame = frame.reset_index(drop=True)

    y, label = np.zeros(n, dtype=np.int8), spec.positive_label
    if spec.target in frame.columns:
        y, label = _check_target(frame[spec.target], spec, problems)
    ids = None
    if spec.id_column and spec.id_column in frame.columns:
        ids = _check_ids(frame[spec.id_column], problems)
    times = None
    if spec.time_column and spec.time_column in frame.columns:
        times = _check_times(frame[spec.time_column], problems)
    segments = None
    if spec.segment_column and spec.segment_column in frame.columns:
        segments = frame[spec.segment_column].to_numpy(dtype=object)

    columns: dict[object, pd.Series] = {}
    for name in features:
        typed = _check_feature(frame[name], name in spec.categorical, problems)
        if typed is not None:
            columns[name] = typed
    categorical = [c for c, v in columns.items() if isinstance(v.dtype, pd.CategoricalDtype)]

    numeric = {c for c in columns if c not in categorical}
    missing_features = set(spec.features) - set(frame.columns)
    not_numeric = [f for f in spec.monotone if f not in numeric and f not in missing_features]
    if not_numeric:
        problems.append(
            f"monotone constraint(s) on {_names(not_numeric)}, which are not numeric features; "
            "remove them from monotone"
        )
    for f, direction in spec.monotone.items():
        if direction not in (1, -1):
            problems.append(
                f"monotone direction {direction!r} for {f!r}; use +1 (risk rises with the "
                "feature) or -1 (risk falls)"
            )
    if problems:
        raise DataValidationError(source, problems)

    resolved = replace(
        spec, features=tuple(features), categorical=tuple(categorical), positive_label=label
    )
    X = pd.DataFrame(columns, index=pd.RangeIndex(n))
    return ValidatedData(
        X=X, y=y, spec=resolved, ids=ids, times=times, source=source, segments=segments
    )


def validate_file(path: str | os.PathLike[str], spec: DataSpec) -> ValidatedData:
    """Read a Parquet/CSV file and validate it (:func:`read_table` + :func:`validate_frame`).

    Parameters
    ----------
    path:
        The data file; its path becomes the ``source`` in error messages.
    spec:
        Column roles.

    Returns
    -------
    ValidatedData

    Raises
    ------
    DataReadError
        If the file cannot be read.
    DataValidationError
        If the table breaks the data contract.
    """
    return validate_frame(read_table(path), spec, source=str(path))
