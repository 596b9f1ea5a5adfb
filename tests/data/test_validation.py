"""Tests for risk_models.data.validation: typing, label coercion and every refusal."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk_models.data.contract import DataSpec
from risk_models.data.io import write_table
from risk_models.data.validation import ValidatedData, validate_file, validate_frame
from risk_models.errors import DataReadError, DataValidationError

N = 40
SPEC = DataSpec(target="y", id_column="id", time_column="when")


def make_frame(n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": np.arange(100, 100 + n),
            "when": pd.date_range("2024-01-01", periods=n, freq="D"),
            "x": rng.normal(size=n),
            "k": rng.integers(0, 5, n),
            "cat": ["a", "b", "c", "d"] * (n // 4),
            "flag": [True, False] * (n // 2),
            "y": [0, 1, 0, 0] * (n // 4),
        }
    )


def problems_of(frame: pd.DataFrame, spec: DataSpec = SPEC) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        validate_frame(frame, spec, source="book.csv")
    assert info.value.source == "book.csv"
    return info.value.problems


def refuses(frame: pd.DataFrame, message: str, spec: DataSpec = SPEC) -> None:
    with pytest.raises(DataValidationError, match=re.escape(message)):
        validate_frame(frame, spec, source="book.csv")


# --- success path -----------------------------------------------------------------------


def test_resolves_roles_and_types() -> None:
    data = validate_frame(make_frame(), SPEC, source="book.csv")
    assert isinstance(data, ValidatedData)
    assert data.spec.features == ("x", "k", "cat", "flag")
    assert data.spec.categorical == ("cat", "flag")
    assert data.X["x"].dtype == np.float64 and data.X["k"].dtype == np.float64
    assert isinstance(data.X["cat"].dtype, pd.CategoricalDtype)
    assert list(data.X["flag"].cat.categories) == ["False", "True"]
    assert data.y.dtype == np.int8 and data.y.sum() == N // 4
    assert data.ids is not None and data.ids[0] == 100
    assert data.times is not None and np.issubdtype(data.times.dtype, np.datetime64)
    assert data.n_rows == N and data.positive_rate == 0.25
    assert data.source == "book.csv"
    assert isinstance(data.X.index, pd.RangeIndex)


def test_declared_features_keep_order_and_declared_categorical_become_strings() -> None:
    frame = make_frame()
    frame.loc[3, "k"] = np.nan  # float column of whole numbers -> levels "0".."4"
    spec = DataSpec(target="y", features=("k", "x"), categorical=("k",))
    data = validate_frame(frame, spec, source="s")
    assert list(data.X.columns) == ["k", "x"]
    assert data.spec.categorical == ("k",)
    assert set(data.X["k"].cat.categories) <= {"0", "1", "2", "3", "4"}
    assert data.X["k"].isna().sum() == 1
    assert data.ids is None and data.times is None


@pytest.mark.parametrize("dtype", [object, "str"])
def test_string_columns_become_categorical(dtype: object) -> None:
    frame = make_frame()
    frame["cat"] = frame["cat"].astype(dtype)
    frame.loc[0, "cat"] = None
    data = validate_frame(frame, SPEC, source="s")
    assert list(data.X["cat"].cat.categories) == ["a", "b", "c", "d"]
    assert data.X["cat"].isna().sum() == 1


def test_object_column_of_numbers_is_numeric() -> None:
    frame = make_frame()
    frame["x"] = frame["x"].astype(object)
    frame.loc[0, "x"] = None
    data = validate_frame(frame, SPEC, source="s")
    assert data.X["x"].dtype == np.float64 and np.isnan(data.X["x"].iloc[0])


def test_nullable_int_feature() -> None:
    frame = make_frame()
    frame["k"] = frame["k"].astype("Int64")
    frame.loc[1, "k"] = pd.NA
    data = validate_frame(frame, SPEC, source="s")
    assert data.X["k"].dtype == np.float64 and np.isnan(data.X["k"].iloc[1])


@pytest.mark.parametrize(
    ("target", "label", "resolved"),
    [
        ([0, 1, 0, 0], "1", 1),
        ([0, 1, 0, 0], 1.0, 1.0),
        ([0.0, 1.0, 0.0, 0.0], "1", 1),
        ([1, 2, 1, 1], "2", 2),
        (["good", "bad", "good", "good"], "bad", "bad"),
        (["0", "1", "0", "0"], 1, "1"),
        ([False, True, False, False], "true", True),
    ],
)
def test_positive_label_coercion(target: list[object], label: object, resolved: object) -> None:
    frame = make_frame()
    frame["y"] = target * (N // 4)
    spec = DataSpec(target="y", positive_label=label, id_column="id", time_column="when")
    data = validate_frame(frame, spec, source="s")
    assert data.y.tolist() == [0, 1, 0, 0] * (N // 4)
    assert data.spec.positive_label == resolved
    assert type(data.spec.positive_label) is type(resolved)


def test_string_times_are_parsed() -> None:
    frame = make_frame()
    frame["when"] = frame["when"].dt.strftime("%Y-%m-%d")
    data = validate_frame(frame, SPEC, source="s")
    assert data.times is not None and np.issubdtype(data.times.dtype, np.datetime64)


def test_numeric_times_are_allowed() -> None:
    frame = make_frame()
    frame["when"] = np.arange(N)
    data = validate_frame(frame, SPEC, source="s")
    assert data.times is not None and data.times.dtype == np.float64


def test_subset_is_positional() -> None:
    data = validate_frame(make_frame(), SPEC, source="s")
    part = data.subset(np.array([3, 1]))
    assert part.n_rows == 2 and part.y.tolist() == [0, 1]
    assert part.ids is not None and part.ids.tolist() == [103, 101]
    assert part.X["x"].tolist() == [data.X["x"].iloc[3], data.X["x"].iloc[1]]
    assert isinstance(part.X.index, pd.RangeIndex) and part.spec is data.spec
    mask = data.y == 1
    assert data.subset(mask).y.sum() == mask.sum()


# --- refusals ----------------------------------------------------------------------------


def test_missing_target() -> None:
    refuses(
        make_frame().drop(columns="y"),
        "target column 'y' not found among the file's 6 columns ('id', 'when', 'x', 'k', "
        "'cat', 'flag'); set the target to the outcome column's name",
    )


def test_missing_declared_columns() -> None:
    spec = DataSpec(
        target="y",
        features=("x", "nope", "gone"),
        categorical=("zzz",),
        id_column="app",
        time_column="date",
    )
    found = problems_of(make_frame(), spec)
    assert found[:4] == [
        "feature column(s) not found in the file: 'nope', 'gone'; "
        "fix the names in the data spec or remove them",
        "categorical column(s) not found in the file: 'zzz'; "
        "fix the names in the data spec or remove them",
        "id column(s) not found in the file: 'app'; fix the names in the data spec or remove them",
        "time column(s) not found in the file: 'date'; "
        "fix the names in the data spec or remove them",
    ]


def test_role_clash_and_stray_categorical() -> None:
    spec = DataSpec(target="y", features=("x", "y", "x"), categorical=("cat",))
    found = problems_of(make_frame(), spec)
    assert found == [
        "feature column(s) listed twice: 'x'; list each once",
        "column(s) 'y' are the target, id, time or segment column and cannot also be "
        "features; remove them from features/categorical",
        "categorical column(s) not among the features: 'cat'; "
        "add them to features or remove them from categorical",
    ]


def test_no_features() -> None:
    refuses(
        make_frame()[["id", "when", "y"]],
        "no feature columns: the file holds only the target, id, time, segment and excluded "
        "columns; add feature columns to the file or exclude fewer",
    )


def test_empty_frame() -> None:
    found = problems_of(make_frame().iloc[:0])
    assert found == ["the table has 0 rows; point the data path at a file with rows"]


def test_duplicate_column_names() -> None:
    frame = make_frame()
    frame.columns = ["id", "when", "x", "x", "cat", "flag", "y"]
    refuses(frame, "duplicate column names 'x'; rename them so each name is unique")


def test_nan_in_target() -> None:
    frame = make_frame()
    frame["y"] = frame["y"].astype(float)
    frame.loc[[0, 5, 7], "y"] = np.nan
    refuses(
        frame,
        f"target 'y': 3 of {N} rows are missing; drop those rows or fill in their outcome",
    )


def test_more_than_two_classes() -> None:
    frame = make_frame()
    frame["y"] = np.arange(N) % 12
    refuses(
        frame,
        "target 'y': 12 distinct values (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (+2 more)), "
        "expected 2; recode the target to two classes (bad vs good)",
    )


def test_single_class() -> None:
    frame = make_frame()
    frame["y"] = 1
    refuses(
        frame,
        f"target 'y': only one class (1) in all {N} labelled rows; a model needs both "
        "outcomes, use data that contains both",
    )


def test_positive_label_not_found() -> None:
    frame = make_frame()
    frame["y"] = ["good", "bad"] * (N // 2)
    refuses(
        frame,
        "target 'y': positive label 1 is not among the target's values ('bad', 'good'); "
        "pass --positive-label with the value that means bad",
    )


def test_all_nan_feature() -> None:
    frame = make_frame()
    frame["x"] = np.nan
    refuses(
        frame,
        f"feature 'x': all {N} rows are missing; it carries no information, drop it from features",
    )


def test_constant_feature_numeric_and_categorical() -> None:
    frame = make_frame()
    frame["k"] = 3
    frame.loc[0, "k"] = np.nan
    frame["cat"] = "a"
    found = problems_of(frame)
    assert found == [
        f"feature 'k': only one value (3.0) in all {N - 1} non-missing rows; a constant "
        "carries no information, drop it from features",
        f"feature 'cat': only one value ('a') in all {N} non-missing rows; a constant "
        "carries no information, drop it from features",
    ]


def test_infinite_values() -> None:
    frame = make_frame()
    frame.loc[[1, 2], "x"] = np.inf
    frame.loc[3, "x"] = -np.inf
    refuses(
        frame,
        "feature 'x': 3 rows hold +inf or -inf; replace them with finite values or leave "
        "them empty (missing)",
    )


def test_duplicate_ids() -> None:
    frame = make_frame()
    frame.loc[[1, 2, 3], "id"] = 100
    frame.loc[[5], "id"] = 104
    refuses(
        frame,
        "id column 'id': 6 rows share their id with another row (2 repeated ids, e.g. 100, "
        "104); make the ids unique or drop the duplicate rows",
    )


def test_missing_ids() -> None:
    frame = make_frame()
    frame["id"] = frame["id"].astype(float)
    frame.loc[[1, 2], "id"] = np.nan
    refuses(frame, "id column 'id': 2 rows have no id; fill them in or drop those rows")


def test_bad_and_missing_times() -> None:
    frame = make_frame()
    frame["when"] = frame["when"].dt.strftime("%Y-%m-%d").astype(object)
    frame.loc[0, "when"] = "yesterday"
    frame.loc[1, "when"] = None
    found = problems_of(frame)
    assert found == [
        "time column 'when': 1 rows are not dates/times (e.g. 'yesterday'); write them as "
        "ISO dates (2024-01-31) or leave the time column out",
        f"time column 'when': 1 of {N} rows have no time; fill them in or drop those rows "
        "(out-of-time splits need a time on every row)",
    ]


def test_mostly_numeric_strings() -> None:
    frame = make_frame()
    frame["x"] = frame["x"].round(2).astype(str)
    frame.loc[[0, 1], "x"] = "?"
    frame.loc[2, "x"] = "n/a!"
    refuses(
        frame,
        f"feature 'x': 3 of {N} non-missing rows are not numbers (e.g. '?', 'n/a!') while "
        "the rest are; fix or blank those values, or declare the column categorical",
        replace(SPEC, missing_values=()),
    )
    # "?" is read as missing by default (data.missing_values): only 'n/a!' is left to refuse.
    refuses(
        frame,
        f"feature 'x': 1 of {N - 2} non-missing rows are not numbers (e.g. 'n/a!') while "
        "the rest are; fix or blank those values, or declare the column categorical",
    )
    # Declared categorical: the same column is accepted as levels.
    spec = DataSpec(target="y", categorical=("x",), id_column="id", time_column="when")
    assert "x" in validate_frame(frame, spec, source="s").spec.categorical


def test_datetime_feature_becomes_age_and_month() -> None:
    frame = make_frame()
    data = validate_frame(frame, DataSpec(target="y", id_column="id"), source="book.csv")
    assert "when" not in data.X.columns
    latest = frame["when"].max()
    np.testing.assert_array_equal(data.X["when_age_days"], (latest - frame["when"]).dt.days)
    np.testing.assert_array_equal(data.X["when_month"], frame["when"].dt.month)
    assert any(note.startswith("feature 'when': dates (detected") for note in data.notes)


def test_bad_monotone() -> None:
    spec = DataSpec(target="y", id_column="id", time_column="when", monotone={"cat": 1, "x": 2})
    assert problems_of(make_frame(), spec) == [
        "monotone constraint(s) on 'cat', which are not numeric features; "
        "remove them from monotone",
        "monotone direction 2 for 'x'; use +1 (risk rises with the feature) or -1 (risk falls)",
    ]


def test_many_problems_reported_together() -> None:
    frame = make_frame()
    frame["y"] = frame["y"].astype(float)
    frame.loc[0, "y"] = np.nan
    frame.loc[1, "id"] = 100
    frame["x"] = np.nan
    frame["k"] = 7
    spec = DataSpec(
        target="y", positive_label="bad", features=("x", "k", "cat", "ghost"), id_column="id"
    )
    with pytest.raises(DataValidationError) as info:
        validate_frame(frame, spec, source="book.csv")
    err = info.value
    assert len(err.problems) == 6
    text = str(err)
    assert text.startswith("book.csv: 6 data problem(s):\n  - feature column(s) not found")
    for part in [
        "'ghost'",
        f"target 'y': 1 of {N} rows are missing",
        "positive label 'bad' is not among the target's values (0.0, 1.0)",
        "id column 'id': 2 rows share their id",
        "feature 'x': all 40 rows are missing",
        "feature 'k': only one value (7.0)",
    ]:
        assert part in text


def test_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        validate_frame(make_frame().iloc[:0], SPEC, source="s")


# --- validate_file -----------------------------------------------------------------------


def test_validate_file_round_trip_csv(tmp_path: Path) -> None:
    path = write_table(make_frame(), tmp_path / "book.csv")
    data = validate_file(path, SPEC)
    assert data.source == str(path) and data.n_rows == N
    assert data.times is not None and np.issubdtype(data.times.dtype, np.datetime64)
    assert data.spec.categorical == ("cat", "flag")


def test_validate_file_names_the_file(tmp_path: Path) -> None:
    frame = make_frame()
    frame["y"] = 1
    path = write_table(frame, tmp_path / "book.parquet")
    with pytest.raises(DataValidationError, match=re.escape(f"{path}: 1 data problem(s):")):
        validate_file(path, SPEC)
    with pytest.raises(DataReadError, match="file not found"):
        validate_file(tmp_path / "other.parquet", SPEC)
