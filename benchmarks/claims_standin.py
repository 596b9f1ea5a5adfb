"""A synthetic stand-in for a categorical-heavy claims-fraud book (issue 9's third data set).

Usage::

    python benchmarks/claims_standin.py /tmp/claims15k.parquet [--rows 15420] [--seed 3]

Issue 9's third book (15,000 rows, 24 string columns, 6 % fraud) is not in ../shared/data, and
no shared book has that shape (auto-insurance has 1,000 rows, UCI Taiwan no string column). This
writes a book of that shape: 24 string columns of 2-19 levels (months and week days as names,
banded ages and counts as text such as ``"2 to 4"`` or ``"more than 30"``, a Zipf-like make),
8 integer columns (one an id-like policy number, unique per row), and a 0/1 ``fraud_found``
target from additive level effects plus two interactions, tuned to about 6 % positives. It is
for the protocol's time checks (whole run / EBM fit, GAM fit / EBM fit) on that shape; its AUCs
say nothing about real data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MAKES = [f"make_{c}" for c in "ABCDEFGHIJKLMNOPQRS"]
#: column -> (levels, strength of its level effects on the log-odds)
STRINGS: dict[str, tuple[list[str], float]] = {
    "month": (MONTHS, 0.1),
    "day_of_week": (DAYS, 0.1),
    "make": (MAKES, 0.4),
    "accident_area": (["Urban", "Rural"], 0.3),
    "day_of_week_claimed": (DAYS, 0.05),
    "month_claimed": (MONTHS, 0.05),
    "sex": (["Male", "Female"], 0.2),
    "marital_status": (["Single", "Married", "Widow", "Divorced"], 0.2),
    "fault": (["Policy Holder", "Third Party"], 1.2),
    "policy_type": ([f"type_{i}" for i in range(9)], 0.7),
    "vehicle_category": (["Sedan", "Sport", "Utility"], 0.5),
    "vehicle_price": (["less than 20000", "20000 to 29000", "30000 to 39000",
                       "40000 to 59000", "60000 to 69000", "more than 69000"], 0.5),
    "days_policy_accident": (["none", "1 to 7", "8 to 15", "15 to 30", "more than 30"], 0.3),
    "days_policy_claim": (["8 to 15", "15 to 30", "more than 30", "none"], 0.3),
    "past_number_of_claims": (["none", "1", "2 to 4", "more than 4"], 0.6),
    "age_of_vehicle": (["new", "2 years", "3 years", "4 years", "5 years", "6 years",
                        "7 years", "more than 7"], 0.4),
    "age_of_policy_holder": (["16 to 17", "18 to 20", "21 to 25", "26 to 30", "31 to 35",
                              "36 to 40", "41 to 50", "51 to 65", "over 65"], 0.4),
    "police_report_filed": (["No", "Yes"], 0.2),
    "witness_present": (["No", "Yes"], 0.2),
    "agent_type": (["External", "Internal"], 0.4),
    "number_of_suppliments": (["none", "1 to 2", "3 to 5", "more than 5"], 0.3),
    "address_change_claim": (["no change", "under 6 months", "1 year", "2 to 3 years",
                              "4 to 8 years"], 0.8),
    "number_of_cars": (["1 vehicle", "2 vehicles", "3 to 4", "5 to 8", "more than 8"], 0.2),
    "base_policy": (["Liability", "Collision", "All Perils"], 0.9),
}  # fmt: skip
TARGET = "fraud_found"


def make_claims_book(n_rows: int = 15_420, seed: int = 3) -> pd.DataFrame:
    """The stand-in book (see the module docstring); the same ``seed`` gives the same rows."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    logit = np.zeros(n_rows)
    for name, (levels, strength) in STRINGS.items():
        k = len(levels)
        freq = 1.0 / np.arange(1, k + 1) ** (1.2 if name == "make" else 0.6)
        freq = rng.permutation(freq / freq.sum())
        codes = rng.choice(k, size=n_rows, p=freq)
        effect = rng.normal(0.0, strength, size=k)
        logit += effect[codes]
        cols[name] = np.asarray(levels, dtype=object)[codes]
    fault_holder = cols["fault"] == "Policy Holder"
    logit += 0.8 * (fault_holder & (cols["base_policy"] != "Liability"))
    logit -= 0.6 * ((cols["vehicle_category"] == "Sport") & (cols["policy_type"] == "type_0"))
    ints = {
        "week_of_month": rng.integers(1, 6, n_rows),
        "week_of_month_claimed": rng.integers(1, 6, n_rows),
        "age": np.clip(rng.normal(40, 13, n_rows), 16, 80).astype(int),
        "policy_number": rng.permutation(n_rows) + 1,
        "rep_number": rng.integers(1, 17, n_rows),
        "deductible": rng.choice([300, 400, 500, 700], n_rows, p=[0.05, 0.85, 0.07, 0.03]),
        "driver_rating": rng.integers(1, 5, n_rows),
        "year": rng.choice([1994, 1995, 1996], n_rows),
    }
    logit += -0.02 * (ints["age"] - 40) + 0.002 * (ints["deductible"] - 400)
    logit += rng.normal(0.0, 0.5, n_rows)  # what no feature explains
    # intercept for ~6 % positives
    lo, hi = -10.0, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.mean(1 / (1 + np.exp(-(logit + mid)))) < 0.06 else (lo, mid)
    p = 1 / (1 + np.exp(-(logit + lo)))
    frame = pd.DataFrame({**cols, **ints})
    frame[TARGET] = (rng.random(n_rows) < p).astype(int)
    return frame


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows", type=int, default=15_420)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    frame = make_claims_book(args.rows, args.seed)
    frame.to_parquet(args.out, index=False)
    print(f"{args.out}: {len(frame)} rows, {frame.shape[1]} columns, "
          f"{frame[TARGET].mean():.3%} {TARGET}")  # fmt: skip


if __name__ == "__main__":
    main()
