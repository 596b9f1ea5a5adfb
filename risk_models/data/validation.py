"""Validate a table against its :class:`DataSpec`, once, at the boundary.

:func:`validate_frame` checks every rule of the data contract (data/README.md) and
raises *every* problem found as one :class:`~risk_models.errors.DataValidationError`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from risk_models.data.column_checks import (
    check_feature,
    check_ids,
    check_target,
    check_times,
    listed,
    read_missing_markers,
)
from risk_models.data.contract import DataSpec
from risk_models.data.date_features import ConvertedDates, expand_date_features
from risk_models.data.io import read_table
from risk_models.errors import DataValidationError

__all__ = ["ValidatedData", "validate_file", "validate_frame"]
log = logging.getLogger(__name__)


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
    notes: tuple[str, ...] = ()  # what validation did with columns (dropped, dates converted)
    dates: tuple[ConvertedDates, ...] = ()  # each converted date column's dates and reference

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
            dates=tuple(d.take(pos) for d in self.dates),
        )


def _check_columns(frame: pd.DataFrame, spec: DataSpec, problems: list[str]) -> list[object]:
    """Check that declared columns exist and roles do not overlap; return the features."""
    columns = list(frame.columns)
    present = set(columns)
    roles = set(spec.role_columns())
    if spec.target not in present:
        problems.append(
            f"target column {spec.target!r} not found among the file's {len(columns)} columns "
            f"({listed(columns)}); set the target to the outcome column's name"
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
                f"{role} column(s) not found in the file: {listed(missing)}; "
                "fix the names in the data spec or remove them"
            )
    repeated = [c for c in dict.fromkeys(spec.features) if spec.features.count(c) > 1]
    if repeated:
        problems.append(f"feature column(s) listed twice: {listed(repeated)}; list each once")
    clash = [c for c in dict.fromkeys(spec.features + spec.categorical) if c in roles]
    if clash:
        problems.append(
            f"column(s) {listed(clash)} are the target, id, time or segment column and cannot "
            "also be features; remove them from features/categorical"
        )
    excluded = set(spec.exclude)
    both = [c for c in dict.fromkeys(spec.exclude) if c in roles]
    both += [c for c in dict.fromkeys(spec.features + spec.categorical) if c in excluded]
    if both:
        problems.append(
            f"column(s) {listed(list(dict.fromkeys(both)))} are excluded and also declared as a "
            "feature or role; remove them from exclude or from the other role"
        )
    if spec.features:
        stray = [c for c in spec.categorical if c not in spec.features and c not in roles]
        if stray:
            problems.append(
                f"categorical column(s) not among the features: {listed(stray)}; "
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
            [f"duplicate column names {listed(dup_cols)}; rename them so each name is unique"],
        )
    problems: list[str] = []
    features = _check_columns(frame, spec, problems)
    n = len(frame)
    if n == 0:
        problems.append("the table has 0 rows; point the data path at a file with rows")
        raise DataValidationError(source, problems)
    frame = frame.reset_index(drop=True)
    notes: list[str] = []
    used = list(dict.fromkeys(c for c in (*spec.role_columns(), *features) if c in frame.columns))
    frame = read_missing_markers(frame, used, tuple(spec.missing_values), notes)

    y, label = np.zeros(n, dtype=np.int8), spec.positive_label
    if spec.target in frame.columns:
        y, label = check_target(frame[spec.target], spec, problems)
    ids = None
    if spec.id_column and spec.id_column in frame.columns:
        ids = check_ids(frame[spec.id_column], problems)
    times = None
    if spec.time_column and spec.time_column in frame.columns:
        times = check_times(frame[spec.time_column], problems)
    segments = None
    if spec.segment_column and spec.segment_column in frame.columns:
        segments = frame[spec.segment_column].to_numpy(dtype=object)

    converted: list[ConvertedDates] = []
    frame, features = expand_date_features(
        frame, features, tuple(spec.date_features), problems, notes, converted
    )
    columns: dict[object, pd.Series] = {}
    for name in features:
        typed = check_feature(
            frame[name],
            name in spec.categorical,
            problems,
            high_cardinality=spec.high_cardinality,
            notes=notes,
        )
        if typed is not None:
            columns[name] = typed
    features = [f for f in features if f in columns]  # less dropped columns
    categorical = [c for c, v in columns.items() if isinstance(v.dtype, pd.CategoricalDtype)]

    numeric = {c for c in columns if c not in categorical}
    missing_features = set(spec.features) - set(frame.columns)
    not_numeric = [f for f in spec.monotone if f not in numeric and f not in missing_features]
    if not_numeric:
        problems.append(
            f"monotone constraint(s) on {listed(not_numeric)}, which are not numeric features; "
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
        spec,
        features=tuple(features),
        categorical=tuple(categorical),
        positive_label=label,
        date_features=(),
    )
    X = pd.DataFrame(columns, index=pd.RangeIndex(n))
    for note in notes:
        log.warning("%s: %s", source, note)
    return ValidatedData(
        X=X,
        y=y,
        spec=resolved,
        ids=ids,
        times=times,
        source=source,
        segments=segments,
        notes=tuple(notes),
        dates=tuple(converted),
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
