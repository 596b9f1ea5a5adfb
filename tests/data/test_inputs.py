"""risk_models.data.inputs: the one frame check, is_categorical, check_fit_inputs, concat_rows."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from risk_models.data.inputs import check_fit_inputs, check_frame, concat_rows, is_categorical


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pd.Series([1.0, 2.0]), False),
        (pd.Series([1, 2]), False),
        (pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02"])), False),
        (pd.Series(["a", "b"], dtype="category"), True),
        (pd.Series(["a", "b"], dtype=object), True),
        (pd.Series(["a", "b"], dtype="string"), True),
        (pd.Series([True, False]), True),
    ],
)
def test_is_categorical(values: pd.Series, expected: bool) -> None:
    assert is_categorical(values) is expected


def test_frame_passes_through_with_string_names() -> None:
    X = pd.DataFrame({"a": [1.0, np.nan], "c": pd.Categorical(["x", "y"])})
    assert check_frame(X, owner="M") is X
    renamed = check_frame(pd.DataFrame({0: [1.0], 1: [2.0]}), owner="M")
    assert list(renamed.columns) == ["0", "1"]


def test_array_gets_default_or_fitted_names() -> None:
    arr = np.array([[1.0, np.nan], [3.0, 4.0]])
    assert list(check_frame(arr, owner="M").columns) == ["x0", "x1"]
    named = check_frame(arr, owner="M", columns=["a", "b"])
    assert list(named.columns) == ["a", "b"]
    assert np.isnan(named.loc[0, "b"])  # NaN is a missing value, not an error


def test_columns_select_and_order_a_frame() -> None:
    X = pd.DataFrame({"b": [1], "extra": [2], "a": [3]})
    out = check_frame(X, owner="M", columns=["a", "b"])
    assert list(out.columns) == ["a", "b"]
    assert out is not X


def test_refusals_use_scikit_learn_wording() -> None:
    with pytest.raises(TypeError, match="Sparse data was passed for X"):
        check_frame(sp.csr_matrix(np.eye(3)), owner="M")
    with pytest.raises(ValueError, match=re.escape("Expected 2D array, got 1D array instead")):
        check_frame(np.array([1.0, 2.0]), owner="M")
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_frame(np.array([[1 + 1j, 2.0]]), owner="M")
    with pytest.raises(
        ValueError, match=re.escape("X has 3 features, but M is expecting 2 features as input.")
    ):
        check_frame(np.zeros((2, 3)), owner="M", columns=["a", "b"])


def test_frame_problems_are_named() -> None:
    X = pd.DataFrame([[1, 2]], columns=["x", "x"])
    with pytest.raises(ValueError, match=re.escape("X has duplicate column names: ['x']")):
        check_frame(X, owner="M")
    with pytest.raises(
        ValueError, match=re.escape("eval_set X is missing feature column(s) ['c'] seen in fit")
    ):
        check_frame(pd.DataFrame({"a": [1]}), owner="M", columns=["a", "c"], what="eval_set X")


def test_row_and_column_minimums() -> None:
    empty = pd.DataFrame({"a": pd.Series([], dtype=float)})
    assert len(check_frame(empty, owner="M")) == 0  # predict may score no rows
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Found array with 0 sample(s) (shape=(0, 1)) while a minimum of 1 is required by M."
        ),
    ):
        check_frame(empty, owner="M", min_rows=1)
    with pytest.raises(ValueError, match=re.escape("Found array with 0 feature(s) (shape=(2, 0))")):
        check_frame(pd.DataFrame(index=[0, 1]), owner="M")


def test_check_fit_inputs() -> None:
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    target, weight = check_fit_inputs(X, [0, 1, 1], None, None)
    np.testing.assert_array_equal(target, [0.0, 1.0, 1.0])
    assert weight is None
    target, weight = check_fit_inputs(X, [0, 0.4, 1], [0.1, 0.4, 0.9], [1, 2, 0])
    np.testing.assert_array_equal(target, [0.1, 0.4, 0.9])
    np.testing.assert_array_equal(weight, [1.0, 2.0, 0.0])
    with pytest.raises(ValueError, match=re.escape("y has a single class ([1]); a classifier")):
        check_fit_inputs(X, [1, 1, 1], None, None)
    with pytest.raises(ValueError, match=re.escape("sample_weight must be 3 non-negative numbers")):
        check_fit_inputs(X, [0, 1, 1], None, [1, -1, 1])


def test_concat_rows_keeps_the_first_frames_categories() -> None:
    a = pd.DataFrame({"c": pd.Categorical(["x", "y"], categories=["x", "y"]), "n": [1.0, 2.0]})
    b = pd.DataFrame({"c": pd.Categorical(["y", "z"]), "n": [3.0, 4.0]})
    out = concat_rows(a, b)
    assert out["c"].dtype == a["c"].dtype
    assert out["c"].isna().tolist() == [False, False, False, True]  # "z" is not a level of a
    assert list(out.index) == [0, 1, 2, 3]
