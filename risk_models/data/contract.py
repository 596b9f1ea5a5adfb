"""The data contract: which column plays which role (see data/README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataSpec:
    """Column roles of a modelling table.

    Parameters
    ----------
    target:
        Name of the binary outcome column.
    positive_label:
        The target value that means "bad" (default, fraud). Rows with this value get
        label 1, the other class 0.
    features:
        Feature columns in model order. Empty means "every column that has no other role".
    categorical:
        Subset of ``features`` treated as categorical (levels, not numbers). String,
        boolean and pandas ``category`` columns are categorical whether listed or not.
    id_column:
        Optional unique row identifier, never used as a feature.
    time_column:
        Optional event time, used by out-of-time splits, never used as a feature.
    """

    target: str
    positive_label: object = 1
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    id_column: str | None = None
    time_column: str | None = None
    monotone: dict[str, int] = field(default_factory=dict)

    def role_columns(self) -> tuple[str, ...]:
        """Columns that are never features: target, id and time."""
        cols = [self.target]
        if self.id_column:
            cols.append(self.id_column)
        if self.time_column:
            cols.append(self.time_column)
        return tuple(cols)
