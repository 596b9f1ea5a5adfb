"""Date columns become age/month features; awkward columns are dropped with a note (issue 9)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk_models.data import DataSpec, validate_frame
from risk_models.data.date_features import expand_date_features
from risk_models.errors import DataValidationError


def awkward_book(n: int = 120_000, seed: int = 0) -> pd.DataFrame:
    """String columns, a date stored as text, an id-like column and a 50,000-level column."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 700, size=n)
    return pd.DataFrame(
        {
            "y": rng.integers(0, 2, size=n),
            "income": rng.normal(50, 10, size=n),
            "home": rng.choice(["RENT", "OWN", "MORTGAGE"], size=n),
            "opened": (pd.Timestamp("2022-01-01") + pd.to_timedelta(days, "D")).strftime(
                "%Y-%m-%d"
            ),
            "ref": [f"R{i:07d}" for i in range(n)],
            "merchant": [f"M{i % 50_000}" for i in rng.permutation(n)],
        }
    )


def test_default_spec_accepts_an_awkward_file_and_says_what_it_did() -> None:
    frame = awkward_book()
    data = validate_frame(frame, DataSpec(target="y"), "book.csv")
    assert list(data.X.columns) == ["income", "home", "opened_age_days", "opened_month"]
    assert data.spec.features == tuple(data.X.columns)
    latest = pd.to_datetime(frame["opened"]).max()
    np.testing.assert_array_equal(
        data.X["opened_age_days"], (latest - pd.to_datetime(frame["opened"])).dt.days
    )
    assert data.notes == (
        f"feature 'opened': dates (detected, 0 unparsable values left missing) replaced by "
        f"'opened_age_days' (days before the latest date, {latest.date()}) and 'opened_month' "
        "(1-12)",
        "feature 'ref': 120000 distinct values in 120000 non-missing rows (100%), which looks "
        "like an identifier or free text, not a category: left out of the features (set "
        "data.high_cardinality: refuse to stop instead, or declare it as the id column)",
        "feature 'merchant': 50000 distinct values, more than the 1000 a categorical feature "
        "may have: left out of the features (set data.high_cardinality: refuse to stop "
        "instead, or declare it as the id column)",
    )


def test_refuse_mode_lists_every_high_cardinality_column() -> None:
    with pytest.raises(DataValidationError) as info:
        validate_frame(awkward_book(), DataSpec(target="y", high_cardinality="refuse"), "b.csv")
    assert [p.split(":")[0] for p in info.value.problems] == ["feature 'ref'", "feature 'merchant'"]


def test_declared_date_column_with_bad_values_is_a_problem() -> None:
    frame = pd.DataFrame({"d": ["2024-01-01", "soon", None], "x": [1.0, 2.0, 3.0]})
    problems: list[str] = []
    notes: list[str] = []
    _, features = expand_date_features(frame, ["d", "x"], ("d", "z"), problems, notes)
    assert problems == [
        "date feature 'z' is not among the feature columns; add it to the file or to "
        "features, or remove it from date_features",
        "date feature 'd': 1 of 2 values are not dates (e.g. 'soon'); write them as ISO dates "
        "(2024-01-31) or blank them",
    ]
    assert notes == [] and features == ["x"]


def test_text_that_is_not_dates_is_left_alone() -> None:
    frame = pd.DataFrame({"code": ["1-2", "A-7", "x", "3/4"] * 10, "n": ["12", "7", "3", "1"] * 10})
    notes: list[str] = []
    out, features = expand_date_features(frame, ["code", "n"], (), [], notes)
    assert features == ["code", "n"] and notes == [] and out is frame
