"""Tests for the MUNGE transfer-set generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk_models.distill import munge
from risk_models.distill.munge import make_transfer_set


@pytest.fixture(scope="module")
def credit_frame() -> pd.DataFrame:
    """A small credit-like table: floats with missing, integer codes, categoricals."""
    rng = np.random.default_rng(7)
    n = 2_000
    frame = pd.DataFrame(
        {
            "limit_bal": rng.lognormal(11, 0.6, n),
            "age": rng.integers(21, 75, n).astype(np.float64),
            "pay_0": rng.integers(-2, 9, n).astype(np.float64),
            "n_cards": rng.poisson(2.0, n).astype(np.float64),
            "bill_amt": rng.normal(5e4, 2e4, n),
            "education": pd.Categorical(
                rng.choice(["grad", "uni", "high", "other"], n, p=[0.35, 0.45, 0.15, 0.05]),
                categories=["grad", "uni", "high", "other", "unused"],
            ),
            "grade": pd.Categorical(
                rng.choice(["A", "B", "C"], n), categories=["A", "B", "C"], ordered=True
            ),
        }
    )
    for col, rate in [("limit_bal", 0.08), ("age", 0.15), ("bill_amt", 0.30)]:
        frame.loc[rng.random(n) < rate, col] = np.nan
    frame.loc[rng.random(n) < 0.12, "education"] = np.nan
    return frame


@pytest.fixture(scope="module")
def generated(credit_frame: pd.DataFrame) -> pd.DataFrame:
    """6,000 generated rows (three passes) from the credit-like table."""
    return make_transfer_set(credit_frame, 6_000, seed=3)


@pytest.fixture(scope="module")
def gaussian_frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    cov = [[1.0, 0.6, 0.0], [0.6, 1.0, 0.3], [0.0, 0.3, 1.0]]
    values = rng.multivariate_normal([0.0, 0.0, 0.0], cov, 3_000) * [1.0, 5.0, 20.0]
    offsets = np.array([10.0, 50.0, 200.0])
    return pd.DataFrame(values + offsets, columns=["x1", "x2", "x3"])


def test_output_shape_columns_and_index(credit_frame: pd.DataFrame) -> None:
    for n_rows in (1, 1_999, 4_001):
        out = make_transfer_set(credit_frame, n_rows, seed=0)
        assert out.shape == (n_rows, credit_frame.shape[1])
        assert list(out.columns) == list(credit_frame.columns)
        pd.testing.assert_index_equal(out.index, pd.RangeIndex(n_rows))


def test_dtypes_and_categories_preserved(credit_frame, generated) -> None:
    pd.testing.assert_series_equal(generated.dtypes, credit_frame.dtypes)
    for col in ("education", "grade"):
        assert generated[col].dtype == credit_frame[col].dtype
    assert generated["grade"].cat.ordered


def test_no_new_category_levels(credit_frame, generated) -> None:
    for col in ("education", "grade"):
        assert set(generated[col].dropna()) <= set(credit_frame[col].dropna())
    assert "unused" not in set(generated["education"].dropna())


def test_integer_features_stay_integral(credit_frame, generated) -> None:
    for col in ("age", "pay_0", "n_cards"):
        values = generated[col].dropna().to_numpy()
        np.testing.assert_array_equal(values, np.round(values))
    assert generated["bill_amt"].dropna().pipe(lambda s: (s != s.round()).mean()) > 0.5


def test_explicit_integer_features_are_rounded(gaussian_frame: pd.DataFrame) -> None:
    out = make_transfer_set(gaussian_frame, 500, seed=1, integer_features=["x3"])
    np.testing.assert_array_equal(out["x3"], np.round(out["x3"]))
    assert (out["x1"] != out["x1"].round()).any()


def test_integer_dtype_column_kept(gaussian_frame: pd.DataFrame) -> None:
    frame = gaussian_frame.assign(count=np.arange(len(gaussian_frame)) % 13)
    out = make_transfer_set(frame, 500, seed=1, integer_features=[])
    assert out["count"].dtype == np.int64
    assert out["count"].between(0, 12).all()


def test_values_within_training_range(credit_frame, generated) -> None:
    for col in credit_frame.select_dtypes("number").columns:
        assert generated[col].min() >= credit_frame[col].min()
        assert generated[col].max() <= credit_frame[col].max()


def test_missing_rates_close_to_original(credit_frame, generated) -> None:
    gap = (generated.isna().mean() - credit_frame.isna().mean()).abs()
    assert gap.max() < 0.02, gap.to_dict()


def test_full_pass_keeps_missing_and_level_counts_exactly(credit_frame) -> None:
    out = make_transfer_set(credit_frame, len(credit_frame), seed=5)
    pd.testing.assert_series_equal(out.isna().sum(), credit_frame.isna().sum())
    for col in ("education", "grade"):
        pd.testing.assert_series_equal(
            out[col].value_counts(dropna=False), credit_frame[col].value_counts(dropna=False)
        )


def test_deterministic_under_seed(credit_frame) -> None:
    first = make_transfer_set(credit_frame, 1_000, seed=42)
    pd.testing.assert_frame_equal(first, make_transfer_set(credit_frame, 1_000, seed=42))
    assert not first.equals(make_transfer_set(credit_frame, 1_000, seed=43))


def test_rows_are_near_the_data(gaussian_frame: pd.DataFrame) -> None:
    out = make_transfer_set(gaussian_frame, 6_000, seed=2)
    for col in gaussian_frame.columns:
        mean, std = gaussian_frame[col].mean(), gaussian_frame[col].std()
        assert abs(out[col].mean() - mean) < 0.1 * abs(mean)
        assert abs(out[col].mean() - mean) < 0.1 * std
        assert 0.9 < out[col].std() / std < 1.1
    corr_gap = (out.corr() - gaussian_frame.corr()).abs().to_numpy().max()
    assert corr_gap < 0.1


def test_rows_are_not_copies(credit_frame, generated) -> None:
    keys = ["limit_bal", "age", "pay_0", "n_cards", "bill_amt", "education", "grade"]
    original = credit_frame.drop_duplicates().assign(_hit=True)
    hits = generated.merge(original, on=keys, how="left")["_hit"].notna()
    assert hits.mean() < 0.5


def test_swap_prob_zero_returns_copies(credit_frame) -> None:
    out = make_transfer_set(credit_frame, len(credit_frame), swap_prob=0.0, seed=0)
    key = list(credit_frame.columns)
    restored = out.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(restored, credit_frame.sort_values(key).reset_index(drop=True))


def test_large_frames_use_a_pool(monkeypatch, gaussian_frame: pd.DataFrame) -> None:
    monkeypatch.setattr(munge, "_POOL_SIZE", 500)
    out = make_transfer_set(gaussian_frame, 1_200, swap_prob=0.0, seed=0)
    assert len(out) == 1_200
    assert len(out.drop_duplicates()) == 500


def test_two_row_frame(gaussian_frame: pd.DataFrame) -> None:
    out = make_transfer_set(gaussian_frame.head(2), 5, seed=0)
    assert len(out) == 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_rows": 0}, r"^n_rows must be a positive integer, got 0$"),
        ({"n_rows": 2.5}, r"^n_rows must be a positive integer, got 2\.5$"),
        ({"swap_prob": 1.5}, r"^swap_prob must be in \[0, 1\], got 1\.5$"),
        ({"swap_prob": -0.1}, r"^swap_prob must be in \[0, 1\], got -0\.1$"),
        ({"jitter": 0.0}, r"^jitter must be > 0, got 0\.0$"),
        ({"jitter": -1.0}, r"^jitter must be > 0, got -1\.0$"),
        (
            {"integer_features": ["nope"]},
            r"^integer_features names columns not in X: \['nope'\]$",
        ),
        (
            {"integer_features": ["grade"]},
            r"^integer_features must name numeric columns, got \['grade'\]$",
        ),
    ],
)
def test_invalid_arguments(credit_frame, kwargs, message) -> None:
    args = {"n_rows": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_transfer_set(credit_frame, **args)


def test_invalid_frames(credit_frame) -> None:
    with pytest.raises(ValueError, match=r"^X is empty \(0 rows x 7 columns\); MUNGE needs"):
        make_transfer_set(credit_frame.iloc[:0], 10)
    with pytest.raises(ValueError, match=r"^X is empty \(5 rows x 0 columns\)"):
        make_transfer_set(pd.DataFrame(index=range(5)), 10)
    with pytest.raises(ValueError, match=r"^X has 1 row; MUNGE needs at least 2 rows"):
        make_transfer_set(credit_frame.head(1), 10)
    with pytest.raises(ValueError, match=r"^unsupported column dtype\(s\): \['name \(object\)'\]"):
        make_transfer_set(
            pd.DataFrame({"x": [1.0, 2.0], "name": ["a", "b"]}, dtype=object).astype({"x": float}),
            10,
        )
    with pytest.raises(ValueError, match=r"^X has duplicate column names: \['x'\]$"):
        make_transfer_set(pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=["x", "x"]), 10)
