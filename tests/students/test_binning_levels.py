"""Scorecard binning of categoricals: small levels are ranked by risk, not pooled (issue 9)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk_models.students.binning import (
    MIN_LEVEL_ROWS,
    LevelCodes,
    bin_categorical,
    rare_level_rows,
)


def test_rare_level_rows() -> None:
    assert rare_level_rows(37) == MIN_LEVEL_ROWS == 20
    assert rare_level_rows(1500) == 375
    assert rare_level_rows(10) == 10  # never above min_rows


def test_a_small_risky_level_joins_the_risky_group_not_the_rare_pool() -> None:
    # 'chess' and 'xfit' have 30 rows each (< min_rows 40, >= 20) and a bad rate of 0.8;
    # 'tiny' has 5 rows (pooled); the large levels have a bad rate of 0.1
    levels = ["a"] * 300 + ["b"] * 300 + ["chess"] * 30 + ["xfit"] * 30 + ["tiny"] * 5
    rng = np.random.default_rng(0)
    rate = {"a": 0.1, "b": 0.1, "chess": 0.8, "xfit": 0.8, "tiny": 0.1}
    target = np.array([float(rng.random() < rate[v]) for v in levels])
    fb = bin_categorical(
        "hobby",
        pd.Series(levels, dtype=object),
        target,
        np.ones(len(levels)),
        max_bins=4,
        min_rows=40,
    )
    bins = dict(zip(fb.axis.levels, fb.cell_bin, strict=False))
    assert bins["chess"] == bins["xfit"]  # ranked together, as the riskiest group
    assert bins["chess"] not in (bins["a"], bins["b"])
    # pooling by min_rows would have put 'tiny' in one unit with 'chess' and 'xfit'
    assert bins["tiny"] != bins["chess"]


def test_level_codes_computed_once_bin_as_the_raw_values_do() -> None:
    # The scorecard's bins path reads each categorical column's levels once (LevelCodes) and
    # bins it at every ceiling and backfitting round; the bins and the rows' bin indices must
    # be those of binning the raw values: numbers stored as floats, None / NaN, a category dtype
    rng = np.random.default_rng(3)
    raw = rng.choice(np.array([1.0, 2.0, 3.0, 7.5, None, np.nan, "x"], dtype=object), 2000)
    cases = [pd.Series(raw, dtype=object), pd.Series(raw.astype(str)).astype("category")]
    for values in cases:
        target = rng.random(len(values))
        w = rng.random(len(values)) + 0.5
        coded = LevelCodes.of("c", values)
        for max_bins in (2, 3, 5):
            plain = bin_categorical("c", values, target, w, max_bins=max_bins, min_rows=50)
            cached = bin_categorical(
                "c", None, target, w, max_bins=max_bins, min_rows=50, coded=coded
            )
            assert cached == plain
            np.testing.assert_array_equal(coded.bin_index(cached), plain.bin_index(values))
    other = bin_categorical("d", pd.Series(["a", "b"] * 50), np.ones(100), np.ones(100),
                            max_bins=2, min_rows=10)  # fmt: skip
    with pytest.raises(ValueError, match="not on these level codes"):
        coded.bin_index(other)
