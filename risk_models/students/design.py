"""Design matrix for the boosted additive students: numerics as-is, categoricals as level codes.

A categorical feature is one design column of integer level codes that XGBoost splits natively
(``enable_categorical`` with partition splits), so a depth-1 tree over it sends any subset of
levels one way and the rest the other: the student learns a shape over the levels directly,
and the matrix has one column per raw feature whatever the number of levels.

Codes of a categorical feature with ``K`` kept levels (sorted):

* ``0 .. K-1``: the levels seen at least ``min_level_count`` times in training;
* ``K``: the pooled bin ``OTHER_LEVEL``: rarer training levels and levels never seen in
  training (the shape table's *unknown* cell takes this bin's value);
* NaN: missing (the table's missing cell).

The rarer training levels are kept by name (``pooled_levels``): the exported axes record them
(:attr:`~risk_models.students.shape_table.Axis.pooled_levels`), so the scorers score them in
the pooled cell as known levels and flag only levels never seen in training as unseen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from risk_models.data.inputs import is_categorical
from risk_models.students.shape_table import to_level_strings

MISSING_LEVEL = "<missing>"
OTHER_LEVEL = "<other>"


@dataclass(frozen=True)
class DummyColumn:
    """One design column: a numeric feature, or a categorical feature's level codes."""

    name: str
    feature: str
    level: str | None  # None for every column (kept for callers that test for dummies)


@dataclass(frozen=True)
class AdditiveDesign:
    """How raw features become design columns (one per feature)."""

    numeric: tuple[str, ...]
    categorical: dict[str, tuple[str, ...]]
    categorical_has_missing: dict[str, bool]
    features: tuple[str, ...]
    pooled: dict[str, int]  # categorical feature -> number of rare training levels pooled
    #: categorical feature -> the rare training levels pooled (sorted), by name
    pooled_levels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def fit(cls, X: pd.DataFrame, *, min_level_count: int = 1) -> AdditiveDesign:
        """Learn the numeric columns and, per categorical, the levels kept as their own bin.

        Parameters
        ----------
        X : training frame.
        min_level_count : a level seen fewer times in ``X`` joins the pooled ``OTHER_LEVEL``.
        """
        numeric: list[str] = []
        cats: dict[str, tuple[str, ...]] = {}
        has_missing: dict[str, bool] = {}
        pooled: dict[str, int] = {}
        pooled_levels: dict[str, tuple[str, ...]] = {}
        for col in X.columns:
            s = X[col]
            if is_categorical(s):
                lv = to_level_strings(s)
                counts = lv.value_counts(dropna=True)
                common = counts.to_numpy() >= min_level_count
                cats[col] = tuple(sorted(str(v) for v in counts.index[common]))
                pooled_levels[col] = tuple(sorted(str(v) for v in counts.index[~common]))
                pooled[col] = len(pooled_levels[col])
                has_missing[col] = bool(lv.isna().any())
            else:
                numeric.append(col)
        return cls(tuple(numeric), cats, has_missing, tuple(X.columns), pooled, pooled_levels)

    @property
    def columns(self) -> tuple[DummyColumn, ...]:
        return tuple(DummyColumn(f, f, None) for f in self.features)

    @property
    def column_names(self) -> list[str]:
        return list(self.features)

    @property
    def feature_types(self) -> list[str]:
        """XGBoost feature types: ``"c"`` for categorical columns, ``"q"`` for numeric ones."""
        return ["c" if f in self.categorical else "q" for f in self.features]

    def other_code(self, feature: str) -> int:
        """Code of the pooled bin (rare and unseen levels) of a categorical feature."""
        return len(self.categorical[feature])

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """float32 matrix: numeric values, or level codes (NaN = missing, K = pooled bin)."""
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise ValueError(f"input is missing feature column(s) {missing}")
        out = np.empty((len(X), len(self.features)), dtype=np.float32)
        for j, f in enumerate(self.features):
            if f in self.categorical:
                lv = to_level_strings(X[f])
                codes = pd.Index(self.categorical[f], dtype=object).get_indexer(lv)
                col = np.where(codes < 0, self.other_code(f), codes).astype(np.float32)
                col[lv.isna().to_numpy()] = np.nan
                out[:, j] = col
            else:
                out[:, j] = pd.to_numeric(X[f], errors="coerce").to_numpy(dtype=np.float64)
        return out

    def dmatrix(self, X: pd.DataFrame, **kwargs: Any) -> Any:
        """An ``xgboost.DMatrix`` of :meth:`transform` with native categorical columns."""
        import xgboost as xgb

        return xgb.DMatrix(
            self.transform(X),
            feature_types=self.feature_types,
            enable_categorical=True,
            missing=np.nan,
            **kwargs,
        )

    def category_grid(self, feature: str) -> np.ndarray:
        """Codes of one categorical feature's table cells: levels, missing (NaN), unknown."""
        k = len(self.categorical[feature])
        return np.asarray([*range(k), np.nan, self.other_code(feature)], dtype=np.float32)
