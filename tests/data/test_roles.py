"""Segment and excluded columns, and the refusal of an id-like categorical feature."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from risk_models.data import DataSpec, split_data, validate_frame
from risk_models.errors import DataValidationError

N = 400


def book(n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "loan_id": [f"L{i:05d}" for i in range(n)],
            "x": rng.normal(size=n),
            "region": rng.choice(["north", "south"], n),
            "notes": [f"called on day {i}" for i in range(n)],
            "product": rng.choice(["card", "loan", None], n),
            "y": (np.arange(n) % 4 == 0).astype(int),
        }
    )


def test_segment_column_is_kept_apart_and_follows_the_rows() -> None:
    spec = DataSpec(target="y", id_column="loan_id", segment_column="product", exclude=("notes",))
    data = validate_frame(book(), spec, "book.csv")
    assert data.spec.features == ("x", "region")
    assert data.segments is not None and data.segments.dtype == object
    assert list(data.segments[:3]) == list(book()["product"][:3])
    assert pd.isna(data.segments).sum() == book()["product"].isna().sum()  # missing kept
    splits = split_data(data, seed=0)
    for part in splits.parts().values():
        frame = book().set_index("loan_id").loc[part.ids]
        assert list(part.segments) == list(frame["product"])
    assert data.spec.roles() == {
        "target": "y",
        "positive_label": 1,
        "id_column": "loan_id",
        "time_column": None,
        "segment_column": "product",
        "features": ["x", "region"],
        "categorical": ["region"],
        "monotone": {},
        "exclude": ["notes"],
    }


def test_without_a_segment_column_segments_is_none() -> None:
    data = validate_frame(book(), DataSpec(target="y", exclude=("notes", "loan_id")), "b.csv")
    assert data.segments is None and data.spec.features == ("x", "region", "product")


def test_an_id_like_text_column_is_dropped_with_a_note_by_default() -> None:
    data = validate_frame(book(), DataSpec(target="y"), "book.csv")
    assert "loan_id" not in data.spec.features and "notes" not in data.spec.features
    assert list(data.X.columns) == list(data.spec.features)
    assert data.notes[0] == (
        "feature 'loan_id': 400 distinct values in 400 non-missing rows (100%), which looks "
        "like an identifier or free text, not a category: left out of the features (set "
        "data.high_cardinality: refuse to stop instead, or declare it as the id column)"
    )


def test_an_id_like_text_column_is_refused_under_high_cardinality_refuse() -> None:
    with pytest.raises(DataValidationError) as info:
        validate_frame(book(), DataSpec(target="y", high_cardinality="refuse"), "book.csv")
    assert info.value.problems == [
        "feature 'loan_id': 400 distinct values in 400 non-missing rows (100%), which looks "
        "like an identifier or free text, not a category; declare it as the id column "
        "(--id-column) or leave it out (--exclude)",
        "feature 'notes': 400 distinct values in 400 non-missing rows (100%), which looks "
        "like an identifier or free text, not a category; declare it as the id column "
        "(--id-column) or leave it out (--exclude)",
    ]


def test_a_small_table_with_many_levels_is_not_called_an_id() -> None:
    frame = book(60)  # 60 levels: fewer than the 100 that make an id-like column
    data = validate_frame(frame, DataSpec(target="y", segment_column="region"), "b.csv")
    assert "loan_id" in data.spec.features and "region" not in data.spec.features


def test_excluded_and_segment_columns_must_exist_and_not_clash() -> None:
    spec = DataSpec(
        target="y",
        id_column="loan_id",
        segment_column="channel",
        exclude=("region", "memo", "loan_id"),
        features=("x", "region"),
    )
    with pytest.raises(DataValidationError) as info:
        validate_frame(book(), spec, "book.csv")
    assert info.value.problems == [
        "segment column(s) not found in the file: 'channel'; fix the names in the data spec "
        "or remove them",
        "excluded column(s) not found in the file: 'memo'; fix the names in the data spec or "
        "remove them",
        "column(s) 'loan_id', 'region' are excluded and also declared as a feature or role; "
        "remove them from exclude or from the other role",
    ]


def test_the_segment_column_is_not_a_feature() -> None:
    spec = DataSpec(target="y", segment_column="region", features=("x", "region"))
    message = "column(s) 'region' are the target, id, time or segment column and cannot also"
    with pytest.raises(DataValidationError, match=re.escape(message)):
        validate_frame(book(), spec, "book.csv")
