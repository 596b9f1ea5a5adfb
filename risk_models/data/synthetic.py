"""Synthetic credit and fraud tables with a known true log-odds.

Both generators draw features, compute the true bad log-odds with a public function
(:func:`credit_true_logit`, :func:`fraud_true_logit`) and draw the target as
``Bernoulli(sigmoid(logit))``. Because the generating function is known, tests and
benchmarks can check that a student recovers the right shapes and monotone
directions. The formulas are written out in data/README.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import expit

from risk_models.data.contract import DataSpec
from risk_models.data.fraud_stream import STREAM_SPEC, generate_fraud_stream
from risk_models.data.io import write_table

__all__ = [
    "CREDIT_SPEC",
    "FRAUD_SPEC",
    "SyntheticData",
    "credit_true_logit",
    "fraud_true_logit",
    "make_credit_book",
    "make_fraud_stream",
    "write_synthetic",
]

EMPLOYMENT_EFFECT = {
    "salaried": 0.0,
    "self_employed": 0.30,
    "contract": 0.35,
    "part_time": 0.40,
    "unemployed": 0.90,
    "retired": 0.10,
}
EMPLOYMENT_SHARE = [0.55, 0.12, 0.10, 0.10, 0.05, 0.08]
REGION_EFFECT = {"north": 0.0, "south": 0.15, "east": -0.10, "west": 0.05, "central": 0.20}
MERCHANT_EFFECT = {
    "grocery": -0.60,
    "fuel": 0.0,
    "restaurant": -0.30,
    "online_retail": 0.40,
    "electronics": 0.80,
    "travel": 0.50,
    "gaming": 1.00,
}
MERCHANT_SHARE = [0.30, 0.15, 0.20, 0.15, 0.07, 0.08, 0.05]
CHANNEL_EFFECT = {"chip": 0.0, "contactless": 0.20, "online": 0.90, "phone": 0.70}
CHANNEL_SHARE = [0.45, 0.30, 0.20, 0.05]

CREDIT_SPEC = DataSpec(
    target="default_12m",
    positive_label=1,
    features=(
        "age",
        "income",
        "debt_to_income",
        "utilisation",
        "n_delinquencies",
        "months_employed",
        "credit_history_months",
        "n_inquiries",
        "loan_amount",
        "employment_type",
        "region",
    ),
    categorical=("employment_type", "region"),
    id_column="application_id",
    time_column="application_date",
    monotone={
        "income": -1,
        "debt_to_income": 1,
        "utilisation": 1,
        "n_delinquencies": 1,
        "months_employed": -1,
        "credit_history_months": -1,
        "n_inquiries": 1,
        "loan_amount": 1,
    },
)

# The fraud stream's roles come from its generator (risk_models.data.fraud_stream).
FRAUD_SPEC = STREAM_SPEC

CREDIT_INTERCEPT = -4.0
FRAUD_INTERCEPT = -6.6


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """A generated table and the truth behind it.

    Attributes
    ----------
    frame:
        The table: features, target, id and time columns.
    true_logit:
        The true bad log-odds of every row (the target was drawn from its sigmoid).
    spec:
        Column roles, with ``monotone`` holding the true monotone directions.
    """

    frame: pd.DataFrame
    true_logit: np.ndarray
    spec: DataSpec


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    return frame[col].to_numpy(dtype="float64", na_value=np.nan)


def _effect(frame: pd.DataFrame, col: str, table: dict[str, float]) -> np.ndarray:
    levels = frame[col].astype(object).to_numpy()
    return np.array([table.get(str(v), 0.0) for v in levels], dtype="float64")


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), 8)).astype(object)


def _with_missing(rng: np.random.Generator, x: np.ndarray, rate: float) -> np.ndarray:
    x = x.astype("float64")
    x[rng.random(len(x)) < rate] = np.nan
    return x


def credit_true_logit(frame: pd.DataFrame) -> np.ndarray:
    """True bad log-odds of a credit-book table (see data/README.md for the formula).

    Parameters
    ----------
    frame:
        A table with the :data:`CREDIT_SPEC` feature columns (NaN allowed where the
        generator makes values missing).

    Returns
    -------
    numpy.ndarray
        ``float64`` log-odds, one per row.
    """
    age = _num(frame, "age")
    income = _num(frame, "income")
    dti = _num(frame, "debt_to_income")
    util = _num(frame, "utilisation")
    delinq = np.minimum(_num(frame, "n_delinquencies"), 4.0)
    months = _num(frame, "months_employed")
    history = _num(frame, "credit_history_months")
    util_ramp = np.clip(util - 0.3, 0.0, 0.6)
    risky_job = frame["employment_type"].astype(object).isin(["self_employed", "contract"])
    logit = (
        CREDIT_INTERCEPT
        + 0.0008 * (age - 45.0) ** 2  # U-shape: young and old riskier
        + np.where(np.isnan(income), 0.35, -1.0 * np.log(np.maximum(income, 1.0) / 45_000.0))
        + 2.5 * dti
        + 3.5 * util_ramp
        + 0.7 * delinq
        + np.where(np.isnan(months), 0.25, -0.25 * np.log1p(months / 12.0))
        + np.where(np.isnan(history), 0.40, -0.005 * np.minimum(history, 240.0))
        + 0.18 * _num(frame, "n_inquiries")
        + 0.25 * np.log(_num(frame, "loan_amount") / 10_000.0)
        + _effect(frame, "employment_type", EMPLOYMENT_EFFECT)
        + _effect(frame, "region", REGION_EFFECT)
        + 0.8 * util_ramp * delinq  # interaction 1: utilisation x delinquencies
        + 1.0 * dti * risky_job.to_numpy(dtype="float64")  # interaction 2: dti x job
    )
    return np.asarray(logit, dtype="float64")


def fraud_true_logit(frame: pd.DataFrame) -> np.ndarray:
    """True fraud log-odds of a fraud-stream table (see data/README.md for the formula).

    Parameters
    ----------
    frame:
        A table with the :data:`FRAUD_SPEC` feature columns.

    Returns
    -------
    numpy.ndarray
        ``float64`` log-odds, one per row.
    """
    log_amount = np.log(np.maximum(_num(frame, "amount"), 0.01) / 40.0)
    hour = _num(frame, "hour")
    night = np.exp(-(np.minimum(np.abs(hour - 3.0), 24.0 - np.abs(hour - 3.0)) ** 2) / 8.0)
    dist = _num(frame, "distance_from_home")
    ratio = _num(frame, "amount_vs_avg")
    ratio_ramp = np.where(np.isnan(ratio), 0.0, np.clip(np.log(np.maximum(ratio, 1e-3)), 0, 2.5))
    velocity = np.minimum(_num(frame, "txn_count_24h"), 15.0)
    online = (frame["channel"].astype(object) == "online").to_numpy(dtype="float64")
    logit = (
        FRAUD_INTERCEPT
        + 0.6 * log_amount
        + 1.5 * night
        + _effect(frame, "merchant_category", MERCHANT_EFFECT)
        + _effect(frame, "channel", CHANNEL_EFFECT)
        + np.where(np.isnan(dist), 0.30, 0.35 * np.log1p(np.maximum(dist, 0.0) / 10.0))
        + 0.12 * velocity
        + np.where(np.isnan(ratio), 0.50, 1.3 * ratio_ramp)
        - 0.30 * np.log1p(_num(frame, "card_age_days") / 30.0)
        + 0.5 * np.minimum(_num(frame, "n_declines_7d"), 5.0)
        + 0.9 * _num(frame, "is_foreign")
        + 0.30 * log_amount * online  # interaction 1: amount x online channel
        + 0.06 * velocity * ratio_ramp  # interaction 2: velocity x unusual amount
    )
    return np.asarray(logit, dtype="float64")


def _draw_target(rng: np.random.Generator, logit: np.ndarray) -> np.ndarray:
    return (rng.random(len(logit)) < expit(logit)).astype("int64")


def make_credit_book(n_rows: int = 20_000, seed: int = 0) -> SyntheticData:
    """Generate a synthetic loan-application book with a known default log-odds.

    Parameters
    ----------
    n_rows:
        Number of applications.
    seed:
        Seed of the NumPy generator; the same seed gives the same table.

    Returns
    -------
    SyntheticData
        About 8-15 % defaults over two years of application dates (2022-2023).
    """
    rng = np.random.default_rng(seed)
    n = n_rows
    days = np.sort(rng.integers(0, 730, n))
    age = np.clip(rng.normal(41, 12, n), 21, 75).round()
    income = np.round(rng.lognormal(np.log(45_000), 0.5, n), -2)
    employment = rng.choice(list(EMPLOYMENT_EFFECT), n, p=EMPLOYMENT_SHARE)
    months_cap = (age - 18) * 12
    frame = pd.DataFrame(
        {
            "application_id": _ids("APP-", n),
            "application_date": np.datetime64("2022-01-01", "ns") + days.astype("timedelta64[D]"),
            "age": age.astype("int64"),
            "income": _with_missing(rng, income, 0.08),
            "debt_to_income": rng.beta(2.0, 5.0, n).round(3),
            # Slow drift: utilisation creeps up over the two years.
            "utilisation": np.clip(rng.beta(1.5, 2.5, n) + 0.05 * days / 730, 0, 1.2).round(3),
            "n_delinquencies": np.minimum(rng.poisson(0.35, n), 10).astype("int64"),
            "months_employed": _with_missing(
                rng, np.minimum(rng.exponential(60, n), months_cap).round(), 0.06
            ),
            "credit_history_months": _with_missing(
                rng, (months_cap * rng.beta(2.0, 2.0, n)).round(), 0.10
            ),
            "n_inquiries": rng.poisson(1.2, n).astype("int64"),
            "loan_amount": np.round(rng.lognormal(np.log(12_000), 0.6, n), -2).clip(500),
            "employment_type": employment,
            "region": rng.choice(list(REGION_EFFECT), n, p=[0.2, 0.25, 0.2, 0.2, 0.15]),
        }
    )
    logit = credit_true_logit(frame)
    frame["default_12m"] = _draw_target(rng, logit)
    return SyntheticData(
        frame=frame,
        true_logit=logit,
        spec=replace(CREDIT_SPEC, monotone=dict(CREDIT_SPEC.monotone)),
    )


def make_fraud_stream(n_rows: int = 50_000, seed: int = 0) -> SyntheticData:
    """Generate a synthetic card-transaction stream with a known fraud log-odds.

    Delegates to :func:`risk_models.data.fraud_stream.generate_fraud_stream` (customers with
    histories, account takeover, card-testing rings, counterfeit, drift across six months;
    about 0.2 % fraud); use that function for the mechanisms and hidden ids of every row.

    Parameters
    ----------
    n_rows:
        Number of transactions (>= 1,000).
    seed:
        Seed of the NumPy generator; the same seed gives the same table.

    Returns
    -------
    SyntheticData
        Six months of events from 2024-01-01, in time order.
    """
    stream = generate_fraud_stream(n_rows, seed)
    return SyntheticData(frame=stream.frame, true_logit=stream.true_logit, spec=stream.spec)


def write_synthetic(
    kind: Literal["credit", "fraud"],
    path: str | os.PathLike[str],
    n_rows: int | None = None,
    seed: int = 0,
) -> SyntheticData:
    """Generate a synthetic table and write it atomically (Parquet or CSV by suffix).

    Parameters
    ----------
    kind:
        ``"credit"`` (:func:`make_credit_book`) or ``"fraud"`` (:func:`make_fraud_stream`).
    path:
        Destination file; see :func:`~risk_models.data.io.write_table`.
    n_rows:
        Number of rows; ``None`` uses the generator's default.
    seed:
        Generator seed.

    Returns
    -------
    SyntheticData
        What was written, with its spec and true log-odds.
    """
    makers = {"credit": make_credit_book, "fraud": make_fraud_stream}
    if kind not in makers:
        raise ValueError(f"unknown synthetic kind {kind!r}; use 'credit' or 'fraud'")
    maker = makers[kind]
    data = maker(seed=seed) if n_rows is None else maker(n_rows=n_rows, seed=seed)
    write_table(data.frame, Path(path))
    return data
