"""The auto-insurance claims set with the default spec: dates converted, an id-like column
dropped, every note logged (skipped without ../shared/data; the pattern of test_realdata)."""

from __future__ import annotations

from pathlib import Path

import pytest

from risk_models.data.contract import DataSpec
from risk_models.data.validation import validate_file

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data not present (fresh clone); real-data tests run in CI")
    return SHARED_DATA


def test_auto_insurance_runs_without_edits(shared_data: Path) -> None:
    spec = DataSpec(target="fraud_reported", positive_label="Y")
    data = validate_file(shared_data / "auto_insurance_claims.parquet", spec)
    assert data.n_rows == 1000 and round(data.positive_rate, 3) == 0.247
    features = set(data.spec.features)
    for date in ("policy_bind_date", "incident_date"):
        assert date not in features
        assert {f"{date}_age_days", f"{date}_month"} <= features
    assert "incident_location" not in features  # 1,000 distinct addresses in 1,000 rows
    assert [n.split(":")[0] for n in data.notes] == [
        "column 'collision_type'",  # "?" read as missing (data.missing_values)
        "column 'property_damage'",
        "column 'police_report_available'",
        "feature 'policy_bind_date'",
        "feature 'incident_date'",
        "feature 'incident_location'",
    ]
    assert "incident_severity" in data.spec.categorical
