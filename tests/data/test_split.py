"""Tests for risk_models.data.split: stratified random and out-of-time splits."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from risk_models.data.contract import DataSpec
from risk_models.data.split import Splits, holdout_split, split_data
from risk_models.data.synthetic import make_credit_book
from risk_models.data.validation import ValidatedData, validate_frame
from risk_models.errors import DataValidationError


@pytest.fixture(scope="module")
def data() -> ValidatedData:
    book = make_credit_book(4_000, seed=5)
    return validate_frame(book.frame, book.spec, source="book.parquet")


def _ids(part: ValidatedData) -> set[str]:
    assert part.ids is not None
    return set(part.ids.tolist())


@pytest.mark.parametrize("method", ["random", "out_of_time"])
def test_parts_are_disjoint_and_cover_all_rows(data: ValidatedData, method: str) -> None:
    splits = split_data(data, method=method, seed=1)  # type: ignore[arg-type]
    assert isinstance(splits, Splits) and splits.method == method and splits.seed == 1
    train, valid, test = (_ids(p) for p in splits.parts().values())
    assert not (train & valid) and not (train & test) and not (valid & test)
    assert train | valid | test == _ids(data)
    assert splits.test.n_rows == 1_000  # 25 % of 4,000
    assert splits.valid.n_rows == 600  # 15 % of the whole, not of the remainder
    assert splits.train.n_rows == 2_400
    for part in splits.parts().values():
        assert len(part.X) == part.n_rows and part.spec is data.spec


def test_stratification_keeps_the_rate(data: ValidatedData) -> None:
    splits = split_data(data, method="random", seed=3)
    for part in splits.parts().values():
        assert abs(part.positive_rate - data.positive_rate) < 0.01


def test_rows_stay_aligned(data: ValidatedData) -> None:
    splits = split_data(data, seed=0)
    lookup = pd.Series(data.y, index=data.ids)
    for part in splits.parts().values():
        assert part.ids is not None
        np.testing.assert_array_equal(lookup.loc[part.ids].to_numpy(), part.y)


def test_out_of_time_order(data: ValidatedData) -> None:
    splits = split_data(data, method="out_of_time")
    train, valid, test = (p.times for p in splits.parts().values())
    assert train is not None and valid is not None and test is not None
    assert train.max() <= valid.min() and valid.max() <= test.min()
    assert (np.diff(test.astype("int64")) >= 0).all()  # in time order


@pytest.mark.parametrize("method", ["random", "out_of_time"])
def test_deterministic(data: ValidatedData, method: str) -> None:
    a = split_data(data, method=method, seed=11)  # type: ignore[arg-type]
    b = split_data(data, method=method, seed=11)  # type: ignore[arg-type]
    for pa, pb in zip(a.parts().values(), b.parts().values(), strict=True):
        assert pa.ids is not None and pb.ids is not None
        np.testing.assert_array_equal(pa.ids, pb.ids)
    c = split_data(data, method="random", seed=12)
    assert _ids(c.test) != _ids(split_data(data, method="random", seed=11).test)


def test_out_of_time_needs_a_time_column(data: ValidatedData) -> None:
    no_time = ValidatedData(X=data.X, y=data.y, spec=data.spec, ids=data.ids, source="b.csv")
    msg = (
        "b.csv: 1 data problem(s):\n  - out-of-time split needs a time column, and the data "
        "spec has none; set time_column (--time-column) or use the random split"
    )
    with pytest.raises(DataValidationError, match=re.escape(msg)):
        split_data(no_time, method="out_of_time")


def test_single_class_part_is_refused() -> None:
    n = 100
    frame = pd.DataFrame(
        {
            "t": np.arange(n),
            "x": np.arange(n) * 1.0,
            "y": ((np.arange(n) % 3 == 0) & (np.arange(n) < 75)).astype(int),
        }
    )
    small = validate_frame(frame, DataSpec(target="y", time_column="t"), source="s.csv")
    with pytest.raises(DataValidationError) as info:
        split_data(small, method="out_of_time")
    assert info.value.problems == [
        "out_of_time split: the test part (25 rows) holds only negative rows; use more data, "
        "larger part sizes or another split method",
    ]


def test_too_few_positives_for_stratification() -> None:
    frame = pd.DataFrame({"x": np.arange(20.0), "y": [1] + [0] * 19})
    tiny = validate_frame(frame, DataSpec(target="y"), source="t.csv")
    with pytest.raises(DataValidationError, match=re.escape("stratified random split of 20 rows")):
        split_data(tiny)


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"method": "kfold"}, "unknown split method 'kfold'"),
        ({"test_size": 0.0}, "test_size must be between 0 and 1 (exclusive), got 0.0"),
        ({"valid_size": 1.5}, "valid_size must be between 0 and 1 (exclusive), got 1.5"),
        ({"test_size": 0.6, "valid_size": 0.4}, "must leave rows for training"),
    ],
)
def test_bad_arguments(data: ValidatedData, kwargs: dict[str, object], msg: str) -> None:
    with pytest.raises(ValueError, match=re.escape(msg)):
        split_data(data, **kwargs)  # type: ignore[arg-type]


def test_holdout_split_is_sorted_stratified_and_seeded() -> None:
    strata = np.r_[np.zeros(80, dtype=np.int64), np.ones(20, dtype=np.int64)]
    train, valid = holdout_split(strata, 0.1, np.random.RandomState(0))
    assert len(valid) == 10 and strata[valid].sum() == 2  # the 20% bad rate kept
    assert np.all(np.diff(train) > 0) and np.all(np.diff(valid) > 0)
    assert sorted(np.r_[train, valid].tolist()) == list(range(100))
    again = holdout_split(strata, 0.1, np.random.RandomState(0))
    np.testing.assert_array_equal(again[1], valid)
    with pytest.raises(ValueError, match=re.escape("need at least 10 rows to hold out a")):
        holdout_split(np.zeros(9, dtype=np.int64), 0.1, np.random.RandomState(0))
