"""Date columns become age/month features; awkward columns are dropped with a note (issue 9)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from risk_models.data import DataSpec, split_data, validate_frame
from risk_models.data.date_features import (
    attach_date_inputs,
    expand_date_features,
    reference_from_training,
)
from risk_models.errors import DataValidationError
from risk_models.scoring.tablescore.dates import RULE_TEXT
from risk_models.students.shape_table import Axis, ShapeTable, Term


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
        f"'opened_age_days' (days before the reference date, the latest date of the training "
        f"rows; the file's latest is {latest.date()}) and 'opened_month' (1-12)",
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


def _dated_book(n: int = 100) -> pd.DataFrame:
    """Row i opened on 2024-01-01 + i days (text), its time column the same date."""
    rng = np.random.default_rng(3)
    when = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), "D")
    return pd.DataFrame(
        {
            "y": np.tile([0, 1, 0, 0], n // 4),
            "x": rng.normal(size=n),
            "opened": when.strftime("%Y-%m-%d"),
            "t": when,
        }
    )


def _split_dated(frame: pd.DataFrame):
    data = validate_frame(frame, DataSpec(target="y", time_column="t"), "dated.csv")
    splits = split_data(data, method="out_of_time", test_size=0.25, valid_size=0.15)
    return reference_from_training(data, splits)


def test_the_reference_date_is_the_latest_date_of_the_training_rows() -> None:
    data, splits = _split_dated(_dated_book())
    # out of time, 100 rows: train = days 0..59, valid 60..74, test 75..99
    (train_dates,) = splits.train.dates
    assert train_dates.input.reference == pd.Timestamp("2024-02-29")  # 2024-01-01 + 59 days
    assert train_dates.input.reference_source == "the latest date of the training rows"
    for part, first in ((splits.train, 0), (splits.valid, 60), (splits.test, 75)):
        days = np.arange(first, first + part.n_rows)
        np.testing.assert_array_equal(part.X["opened_age_days"], 59.0 - days)
        assert part.dates[0].input == train_dates.input
    assert splits.test.X["opened_age_days"].max() == -16.0  # after the reference: negative
    np.testing.assert_array_equal(data.X["opened_age_days"], 59.0 - np.arange(100))
    assert data.notes[-1] == (
        "feature 'opened': reference date 2024-02-29T00:00:00 (the latest of the 60 training "
        "rows' dates; the file's latest is 2024-04-09T00:00:00), stored with the model; later "
        "dates have negative 'opened_age_days'"
    )


def test_test_rows_dates_do_not_move_the_training_features() -> None:
    frame = _dated_book()
    moved = frame.copy()
    moved.loc[75:, "opened"] = "2031-07-04"  # every test row far in the future
    _, a = _split_dated(frame)
    _, b = _split_dated(moved)
    pd.testing.assert_frame_equal(a.train.X, b.train.X)
    pd.testing.assert_frame_equal(a.valid.X, b.valid.X)
    assert a.train.dates[0].input == b.train.dates[0].input


def test_attach_date_inputs_stores_the_reference_as_json() -> None:
    _, splits = _split_dated(_dated_book())
    axis = Axis("opened_age_days", "numeric", edges=(10.0,))
    table = ShapeTable(0.0, (Term("opened_age_days", (axis,), np.array([0.0, 1.0, 0.5])),),
                       ("x", "opened_age_days"))  # fmt: skip
    stored = attach_date_inputs(table, splits.train.dates)
    meta = json.loads(stored.to_json())["metadata"]
    assert meta["date_inputs"] == [
        {
            "column": "opened",
            "reference": "2024-02-29T00:00:00",
            "reference_source": "the latest date of the training rows",
            "features": {"age_days": "opened_age_days", "month": "opened_month"},
            "rule": "risk_models.date_features/1",
            "description": RULE_TEXT,
        }
    ]
    no_dates = ShapeTable(0.0, (), ("x",))
    assert attach_date_inputs(no_dates, splits.train.dates) is no_dates
