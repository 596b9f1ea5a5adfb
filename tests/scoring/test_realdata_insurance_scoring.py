"""Scoring the auto-insurance claims with a GAM trained on them: no row is refused for a level
seen in training (rare levels are pooled, "?" is missing), only for truly new levels.

Skipped without ../shared/data. The spec is the README's fraud run on this file.
"""

from __future__ import annotations

import pandas as pd
import pytest

from risk_models.data import DataSpec, split_data, validate_file
from risk_models.scoring.batch import score_batch
from risk_models.scoring.tablescore.markers import attach_missing_values

FILE = "auto_insurance_claims.parquet"

pytestmark = pytest.mark.realdata  # shared_data (tests/conftest.py) skips without ../shared/data


def test_insurance_rows_are_refused_only_for_levels_never_seen_in_training(
    shared_data, tmp_path
) -> None:
    from risk_models.students.gam import GAMStudent

    spec = DataSpec(
        target="fraud_reported", positive_label="Y", id_column="policy_number",
        time_column="incident_date",
        exclude=("insured_zip", "incident_location", "policy_bind_date"),
    )  # fmt: skip
    data = validate_file(shared_data / FILE, spec)
    train = split_data(data, method="out_of_time", seed=0).train
    gam = GAMStudent(n_estimators=60, learning_rate=0.2, min_level_count=20, device="cpu")
    table = attach_missing_values(gam.fit(train.X, train.y).export(), spec.missing_values)
    model = table.save(tmp_path / "gam" / "shape_table.json")
    pooled = {a.feature: a.pooled_levels for t in table.terms for a in t.axes if a.pooled_levels}
    assert pooled.get("auto_model")  # rare training levels of auto_model: the reported case

    raw = pd.read_parquet(shared_data / FILE)
    new = pd.Series(False, index=raw.index)  # by hand: a level absent from the training rows
    for f in train.spec.categorical:
        seen = set(train.X[f].dropna().astype(str))
        text = raw[f].astype(str).str.strip()
        new |= raw[f].notna() & (text != "?") & ~raw[f].astype(str).isin(seen)
    s = score_batch(
        model, shared_data / FILE, tmp_path / "out.parquet", id_columns=["policy_number"],
        as_of="2026-12-01", track=False,
    )  # fmt: skip
    assert (s.rows_read, s.rows_rejected) == (1000, int(new.sum()))
    flagged = score_batch(
        model, shared_data / FILE, tmp_path / "flag.parquet", on_invalid="flag",
        as_of="2026-12-01", track=False,
    )  # fmt: skip
    flags = pd.read_parquet(tmp_path / "flag.parquet")["flags"]
    assert flagged.rows_scored == 1000 and int(flags.notna().sum()) == int(new.sum())
