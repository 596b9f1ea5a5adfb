"""Tests for the synthetic fraud stream and its history features (no look-ahead)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from risk_models.data.fraud_stream import STREAM_SPEC, generate_fraud_stream
from risk_models.data.history_features import RawEvents, history_features
from risk_models.data.synthetic import FRAUD_SPEC, make_fraud_stream
from risk_models.data.validation import validate_frame


@pytest.fixture(scope="module")
def stream():  # type: ignore[no-untyped-def]
    return generate_fraud_stream(200_000, seed=5)


def _tiny() -> RawEvents:
    # customer 0: five payments (two at the same second), customer 1: one.
    return RawEvents(
        customer=np.array([0, 0, 0, 0, 0, 1]),
        merchant=np.array([1, 1, 2, 2, 1, 1]),
        device=np.array([-1, 5, 5, 6, -1, -1]),
        seconds=np.array([0, 100, 4000, 4000, 90000, 50]),
        amount=np.array([10.0, 20.0, 30.0, 40.0, 50.0, 7.0]),
        x_km=np.array([0.0, 3.0, 3.0, 4.0, 0.0, 9.0]),
        y_km=np.zeros(6),
    )


def test_history_features_hand_computed() -> None:
    h = history_features(_tiny())
    np.testing.assert_array_equal(h["n_prior_txns"], [0, 1, 2, 2, 4, 0])
    np.testing.assert_array_equal(h["txn_count_1h"], [0, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(h["txn_count_24h"], [0, 1, 2, 2, 2, 0])
    np.testing.assert_allclose(h["amount_sum_24h"], [0, 10, 30, 30, 70, 0])
    np.testing.assert_allclose(h["amount_vs_avg"], [np.nan, 2.0, 2.0, 2.6667, 2.0, np.nan])
    np.testing.assert_allclose(
        h["hours_since_last"], [np.nan, 0.0278, 1.0833, 1.0833, 23.8889, np.nan]
    )
    # The row at 90000 s follows the tie at 4000 s; ties are ordered by content (amount),
    # so its previous payment is the 40.00 one at x = 4.
    np.testing.assert_allclose(h["km_from_last"], [np.nan, 3.0, 0.0, 1.0, 4.0, np.nan])
    np.testing.assert_allclose(
        h["speed_from_last"], [np.nan, 60.0, 0.0, 0.92, 0.17, np.nan], atol=0.006
    )
    np.testing.assert_array_equal(h["is_new_merchant"], [1, 0, 1, 1, 0, 1])
    np.testing.assert_array_equal(h["is_new_device"], [0, 1, 0, 1, 0, 0])
    np.testing.assert_array_equal(h["merchant_txn_count_1h"], [0, 2, 0, 0, 0, 1])


def _random_events(n: int, seed: int) -> RawEvents:
    rng = np.random.default_rng(seed)
    return RawEvents(
        customer=rng.integers(0, 50, n),
        merchant=rng.integers(0, 30, n),
        device=np.where(rng.random(n) < 0.5, rng.integers(0, 10, n), -1),
        seconds=rng.integers(0, 20 * 86_400, n) // 600 * 600,  # many ties on purpose
        amount=np.round(rng.lognormal(3, 1, n), 2),
        x_km=rng.normal(0, 50, n),
        y_km=rng.normal(0, 50, n),
    )


def _assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], rows: np.ndarray) -> None:
    for name in a:
        np.testing.assert_array_equal(a[name][rows], b[name], err_msg=name)


def test_features_never_depend_on_later_rows() -> None:
    events = _random_events(5_000, seed=1)
    full = history_features(events)
    cutoff = 10 * 86_400
    early = np.flatnonzero(events.seconds < cutoff)
    _assert_same(full, history_features(events.take(early)), early)
    # Changing every later row (amounts, places, merchants, devices) changes no earlier row.
    later = events.seconds >= cutoff
    moved = RawEvents(
        customer=events.customer,
        merchant=np.where(later, 7, events.merchant),
        device=np.where(later, 3, events.device),
        seconds=events.seconds,
        amount=np.where(later, 9_999.0, events.amount),
        x_km=np.where(later, 500.0, events.x_km),
        y_km=events.y_km,
    )
    after = history_features(moved)
    _assert_same(full, {k: v[early] for k, v in after.items()}, early)


def test_features_do_not_depend_on_row_order() -> None:
    events = _random_events(3_000, seed=2)
    full = history_features(events)
    perm = np.random.default_rng(0).permutation(3_000)
    _assert_same(full, history_features(events.take(perm)), perm)


def test_negative_time_is_refused() -> None:
    events = _tiny()
    bad = RawEvents(**{**events.__dict__, "seconds": events.seconds - 100})
    with pytest.raises(ValueError, match="needs seconds >= 0 and customer ids >= 0"):
        history_features(bad)


def test_stream_shape_roles_and_validation(stream) -> None:  # type: ignore[no-untyped-def]
    frame = stream.frame
    assert len(frame) == 200_000
    assert list(frame.columns) == [
        "transaction_id",
        "event_time",
        *STREAM_SPEC.features,
        "is_fraud",
    ]
    assert frame["event_time"].is_monotonic_increasing
    assert frame["transaction_id"].is_unique
    assert (frame["hour"] == frame["event_time"].dt.hour).all()
    span = frame["event_time"].max() - frame["event_time"].min()
    assert pd.Timedelta(days=175) < span <= pd.Timedelta(days=180)
    assert len(stream.true_logit) == len(stream.mechanism) == len(stream.customer) == 200_000
    valid = validate_frame(frame, stream.spec, source="stream")
    assert valid.spec.categorical == ("merchant_category", "channel")
    # Customers have histories from the warm-up month: few first-ever payments.
    assert (frame["n_prior_txns"] == 0).mean() < 0.01


def test_deterministic_and_delegated() -> None:
    a, b = generate_fraud_stream(5_000, seed=3), generate_fraud_stream(5_000, seed=3)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    np.testing.assert_array_equal(a.true_logit, b.true_logit)
    assert not generate_fraud_stream(5_000, seed=4).frame.equals(a.frame)
    syn = make_fraud_stream(5_000, seed=3)
    pd.testing.assert_frame_equal(syn.frame, a.frame)
    assert FRAUD_SPEC == STREAM_SPEC


def test_fraud_rate_mechanisms_and_drift(stream) -> None:  # type: ignore[no-untyped-def]
    frame, mech = stream.frame, pd.Series(stream.mechanism)
    assert 0.001 <= frame["is_fraud"].mean() <= 0.004
    assert set(mech) == {"none", "account_takeover", "card_testing", "counterfeit"}
    fraud = frame["is_fraud"].to_numpy() == 1
    assert fraud[mech.to_numpy() != "none"].mean() > 0.85
    assert fraud[mech.to_numpy() == "none"].mean() < 0.001
    month = frame["event_time"].dt.month.to_numpy()
    attacks = mech.to_numpy() != "none"
    ato = mech.to_numpy() == "account_takeover"
    assert ato[attacks & (month >= 5)].mean() > ato[attacks & (month <= 2)].mean()
    card_present = frame["channel"].isin(["chip", "contactless"]).to_numpy()
    contactless = (frame["channel"] == "contactless").to_numpy()
    assert contactless[card_present & (month == 6)].mean() > (
        contactless[card_present & (month == 1)].mean() + 0.15
    )


def test_declared_directions_hold_on_observed_rates(stream) -> None:  # type: ignore[no-untyped-def]
    frame = stream.frame
    y = frame["is_fraud"].to_numpy()
    for feature, direction in stream.spec.monotone.items():
        x = frame[feature].to_numpy(dtype=float)
        seen = ~np.isnan(x)
        high = x[seen] > np.quantile(x[seen], 0.95)
        if x[seen].max() <= 1:  # a 0/1 flag
            high = x[seen] == 1
        rate_high, rate_low = y[seen][high].mean(), y[seen][~high].mean()
        assert direction * (rate_high - rate_low) > 0, feature
    for feature in ("txn_count_1h", "txn_count_24h"):  # counts: rising value by value
        rates = frame.groupby(feature)["is_fraud"].agg(["mean", "size"])
        rates = rates[rates["size"] >= 2_000]["mean"].to_numpy()
        assert len(rates) >= 3 and (np.diff(rates) > 0).all(), (feature, rates)


def test_true_risk_is_a_ceiling(stream) -> None:  # type: ignore[no-untyped-def]
    y = stream.frame["is_fraud"].to_numpy()
    assert average_precision_score(y, stream.true_logit) > 0.7
    assert not any(c in stream.frame.columns for c in ("true_logit", "mechanism", "customer"))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_rows must be at least 1000 for a fraud stream"):
        generate_fraud_stream(500)
    with pytest.raises(ValueError, match=r"fraud_rate must be in \[0.0005, 0.05\], got 0.2"):
        generate_fraud_stream(5_000, fraud_rate=0.2)
    with pytest.raises(ValueError, match="n_months must be >= 1, got 0"):
        generate_fraud_stream(5_000, n_months=0)


@pytest.mark.slow
def test_two_million_rows_in_under_a_minute() -> None:
    start = time.perf_counter()
    out = generate_fraud_stream(2_000_000, seed=0)
    assert time.perf_counter() - start < 60.0
    assert len(out.frame) == 2_000_000


@pytest.mark.slow
def test_a_good_model_beats_a_poor_one() -> None:
    """Out of time, gradient boosting beats a logistic regression clearly on AUPRC, and
    both sit far above the base rate (the stream separates good models from poor ones)."""
    import lightgbm as lgb
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    s = generate_fraud_stream(300_000, seed=1)
    X, y = s.frame[list(STREAM_SPEC.features)], s.frame["is_fraud"].to_numpy()
    cut = int(0.75 * len(y))
    gbm = lgb.LGBMClassifier(
        n_estimators=300,
        learning_rate=0.05,
        max_depth=2,
        num_leaves=4,
        min_child_samples=50,
        max_bin=64,
        verbose=-1,
        n_jobs=2,
    ).fit(X.iloc[:cut], y[:cut])
    ap_gbm = average_precision_score(y[cut:], gbm.predict_proba(X.iloc[cut:])[:, 1])
    Xd = pd.get_dummies(X, columns=list(STREAM_SPEC.categorical)).fillna(0).astype(float)
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    lr.fit(Xd.iloc[:cut], y[:cut])
    ap_lr = average_precision_score(y[cut:], lr.predict_proba(Xd.iloc[cut:])[:, 1])
    base = y[cut:].mean()
    assert ap_gbm > 100 * base
    assert ap_gbm > ap_lr + 0.1, (ap_gbm, ap_lr)
    assert average_precision_score(y[cut:], s.true_logit[cut:]) > ap_gbm
