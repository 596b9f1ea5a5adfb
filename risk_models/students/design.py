"""Numeric design matrix for additive students: numerics as-is, categoricals one-hot.

One-hot columns keep a boosted stump model exactly additive per raw feature, so the
contribution of a categorical level is the sum of its dummies' stump values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk_models.data.inputs import is_categorical
from risk_models.students.shape_table import to_level_strings

MISSING_LEVEL = "<missing>"


@dataclass(frozen=True)
class DummyColumn:
    """One design column: a numeric feature, or one level of a categorical feature."""

    name: str
    feature: str
    level: str | None  # None for numeric columns; MISSING_LEVEL for the NaN dummy


@dataclass(frozen=True)
class AdditiveDesign:
    """How raw features become design columns."""

    numeric: tuple[str, ...]
    categorical: dict[str, tuple[str, ...]]
    categorical_has_missing: dict[str, bool]
    features: tuple[str, ...]

    @classmethod
    def fit(cls, X: pd.DataFrame) -> AdditiveDesign:
        numeric: list[str] = []
        cats: dict[str, tuple[str, ...]] = {}
        has_missing: dict[str, bool] = {}
        for col in X.columns:
            s = X[col]
            if is_categorical(s):
                lv = to_level_strings(s)
                cats[col] = tuple(sorted(lv.dropna().unique().tolist()))
                has_missing[col] = bool(lv.isna().any())
            else:
                numeric.append(col)
        return cls(tuple(numeric), cats, has_missing, tuple(X.columns))

    @property
    def columns(self) -> tuple[DummyColumn, ...]:
        out: list[DummyColumn] = []
        for f in self.features:
            if f in self.categorical:
                out += [DummyColumn(f"{f}=={lv}", f, lv) for lv in self.categorical[f]]
                if self.categorical_has_missing[f]:
                    out.append(DummyColumn(f"{f}=={MISSING_LEVEL}", f, MISSING_LEVEL))
            else:
                out.append(DummyColumn(f, f, None))
        return tuple(out)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """float32 matrix; NaN only in numeric columns (missing); unseen levels are all-zero."""
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise ValueError(f"input is missing feature column(s) {missing}")
        blocks: list[np.ndarray] = []
        for f in self.features:
            if f in self.categorical:
                lv = to_level_strings(X[f])
                levels = list(self.categorical[f])
                codes = pd.Index(levels, dtype=object).get_indexer(lv)
                block = np.zeros((len(X), len(levels)), dtype=np.float32)
                hit = codes >= 0
                block[np.flatnonzero(hit), codes[hit]] = 1.0
                blocks.append(block)
                if self.categorical_has_missing[f]:
                    blocks.append(lv.isna().to_numpy(dtype=np.float32)[:, None])
            else:
                col = pd.to_numeric(X[f], errors="coerce").to_numpy(dtype=np.float64)
                blocks.append(col.astype(np.float32)[:, None])
        if not blocks:
            return np.zeros((len(X), 0), dtype=np.float32)
        return np.hstack(blocks)
