"""Tests for risk_models.data.synthetic: determinism, rates, truth and monotone directions."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from risk_models.data.io import read_table
from risk_models.data.synthetic import (
    SyntheticData,
    credit_true_logit,
    make_credit_book,
    make_fraud_stream,
    write_synthetic,
)
from risk_models.data.validation import validate_file, validate_frame


@pytest.fixture(scope="module")
def credit() -> SyntheticData:
    return make_credit_book(seed=0)


@pytest.fixture(scope="module")
def fraud() -> SyntheticData:
    return make_fraud_stream(seed=0)


def test_deterministic_under_seed() -> None:
    a, b = make_credit_book(2_000, seed=3), make_credit_book(2_000, seed=3)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    np.testing.assert_array_equal(a.true_logit, b.true_logit)
    assert not make_credit_book(2_000, seed=4).frame.equals(a.frame)
    f1, f2 = make_fraud_stream(5_000, seed=3), make_fraud_stream(5_000, seed=3)
    pd.testing.assert_frame_equal(f1.frame, f2.frame)


def test_credit_book_shape(credit: SyntheticData) -> None:
    frame, spec = credit.frame, credit.spec
    assert len(frame) == 20_000
    assert 10 <= len(spec.features) <= 14
    assert set(frame.columns) == set(spec.features) | set(spec.role_columns())
    assert spec.categorical == ("employment_type", "region")
    assert 4 <= frame["employment_type"].nunique() <= 6
    span = frame["application_date"].max() - frame["application_date"].min()
    assert pd.Timedelta(days=700) < span < pd.Timedelta(days=740)
    assert frame["application_id"].is_unique


def test_fraud_stream_shape(fraud: SyntheticData) -> None:
    frame, spec = fraud.frame, fraud.spec
    assert len(frame) == 50_000
    assert set(frame.columns) == set(spec.features) | set(spec.role_columns())
    assert spec.categorical == ("merchant_category", "channel")
    assert frame["event_time"].is_monotonic_increasing
    assert (frame["hour"] == frame["event_time"].dt.hour).all()
    assert set(frame["is_foreign"].unique()) == {0, 1}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_target_rates(seed: int) -> None:
    assert 0.08 <= make_credit_book(seed=seed).frame["default_12m"].mean() <= 0.15
    assert 0.001 <= make_fraud_stream(seed=seed).frame["is_fraud"].mean() <= 0.004


def test_missing_rates(credit: SyntheticData, fraud: SyntheticData) -> None:
    for data, cols in [
        (credit, ["income", "months_employed", "credit_history_months"]),
    ]:
        rates = data.frame.isna().mean()
        for col in cols:
            assert 0.05 <= rates[col] <= 0.15, (col, rates[col])
        assert rates.drop(cols).eq(0).all()


def test_missingness_has_an_effect(credit: SyntheticData) -> None:
    row = credit.frame.iloc[[0]].copy()
    base = credit_true_logit(row)
    row["income"] = np.nan
    assert credit_true_logit(row)[0] != base[0]


def test_true_logit_drives_target(credit: SyntheticData, fraud: SyntheticData) -> None:
    assert roc_auc_score(credit.frame["default_12m"], credit.true_logit) > 0.75
    assert roc_auc_score(fraud.frame["is_fraud"], fraud.true_logit) > 0.75
    np.testing.assert_array_equal(credit.true_logit, credit_true_logit(credit.frame))


def _step(frame: pd.DataFrame, col: str) -> float:
    if pd.api.types.is_integer_dtype(frame[col]):
        return 1.0
    return float(frame[col].std()) * 0.05


# The fraud stream's truth depends on hidden mechanisms, not on a formula of the features:
# tests/data/test_fraud_stream.py checks its monotone directions on observed fraud rates.
@pytest.mark.parametrize("kind", ["credit"])
def test_monotone_spec_matches_generating_function(kind: str, credit: SyntheticData) -> None:
    data = credit
    logit_fn: Callable[[pd.DataFrame], np.ndarray] = credit_true_logit
    frame = data.frame.iloc[:5_000]
    base = logit_fn(frame)
    numeric = [c for c in data.spec.features if c not in data.spec.categorical]
    for col in numeric:
        moved = frame.copy()
        moved[col] = moved[col] + _step(frame, col)
        diff = (logit_fn(moved) - base)[frame[col].notna().to_numpy()]
        direction = data.spec.monotone.get(col)
        if direction is None:  # declared non-monotone: the effect changes sign
            assert (diff > 1e-9).any() and (diff < -1e-9).any(), col
        else:
            assert (direction * diff >= -1e-12).all(), col
            assert (direction * diff).mean() > 0, col


def test_frames_pass_validation(credit: SyntheticData, fraud: SyntheticData) -> None:
    for data in (credit, fraud):
        valid = validate_frame(data.frame, data.spec, source="synthetic")
        assert valid.spec.features == data.spec.features
        assert valid.n_rows == len(data.frame)
        assert valid.times is not None and valid.ids is not None


def test_spec_is_a_private_copy() -> None:
    a = make_credit_book(500, seed=0)
    a.spec.monotone["age"] = 1
    assert "age" not in make_credit_book(500, seed=0).spec.monotone


def test_fast() -> None:
    start = time.perf_counter()
    make_credit_book(20_000, seed=7)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(("kind", "name"), [("credit", "c.parquet"), ("fraud", "f.csv.gz")])
def test_write_synthetic(tmp_path: Path, kind: str, name: str) -> None:
    data = write_synthetic(kind, tmp_path / name, n_rows=1_000, seed=1)  # type: ignore[arg-type]
    back = read_table(tmp_path / name)
    assert back.shape == data.frame.shape
    assert validate_file(tmp_path / name, data.spec).n_rows == 1_000


def test_write_synthetic_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown synthetic kind 'loans'"):
        write_synthetic("loans", tmp_path / "x.csv")  # type: ignore[arg-type]
