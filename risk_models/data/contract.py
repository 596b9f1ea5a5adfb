"""The data contract: which column plays which role (see data/README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Text values read as missing unless ``data.missing_values`` says otherwise (``"?"``: the
#: UCI convention for "unknown").
DEFAULT_MISSING_VALUES: tuple[str, ...] = ("?",)


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
    monotone:
        Feature -> +1 (risk rises with the value) or -1 (risk falls).
    segment_column:
        Optional column whose values split the rows into segments for reporting (region,
        product, channel); never used as a feature.
    exclude:
        Columns of the file that play no part at all (neither feature nor role), such as
        free-text notes or a column that leaks the outcome.
    high_cardinality:
        ``"drop"`` (default): a text feature that looks like an id or free text, or has more
        than ``MAX_FEATURE_LEVELS`` levels, is left out with a logged note; ``"refuse"``: the
        table is refused (see :mod:`risk_models.data.column_checks`).
    date_features:
        Feature columns holding dates (as text or dates); each becomes ``<name>_age_days``
        and ``<name>_month``. Date columns are also detected
        (:mod:`risk_models.data.date_features`).
    missing_values:
        Text values that mean "unknown" (default ``("?",)``): in text columns, cells equal to
        one of them (blanks around ignored) are read as missing before any other check; ``()``
        reads every value as it is (:func:`~risk_models.data.column_checks.
        read_missing_markers`).
    """

    target: str
    positive_label: object = 1
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    id_column: str | None = None
    time_column: str | None = None
    monotone: dict[str, int] = field(default_factory=dict)
    segment_column: str | None = None
    exclude: tuple[str, ...] = ()
    high_cardinality: str = "drop"
    date_features: tuple[str, ...] = ()
    missing_values: tuple[str, ...] = DEFAULT_MISSING_VALUES

    def role_columns(self) -> tuple[str, ...]:
        """Columns that are never features: target, id, time and segment."""
        cols = [self.target]
        for col in (self.id_column, self.time_column, self.segment_column):
            if col:
                cols.append(col)
        return tuple(cols)

    def roles(self) -> dict[str, Any]:
        """Every role as plain JSON values (``summary.json``'s ``data.roles``)."""
        label = self.positive_label
        return {
            "target": self.target,
            "positive_label": label.item() if hasattr(label, "item") else label,
            "id_column": self.id_column,
            "time_column": self.time_column,
            "segment_column": self.segment_column,
            "features": list(self.features),
            "categorical": list(self.categorical),
            "monotone": {str(k): int(v) for k, v in self.monotone.items()},
            "exclude": list(self.exclude),
        }
