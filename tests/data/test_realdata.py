"""Load the real data sets in ../shared/data through validate_file (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
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


def test_uci_taiwan(shared_data: Path) -> None:
    spec = DataSpec(target="default.payment.next.month", positive_label="1")
    data = validate_file(shared_data / "uci_taiwan_default_credit_card.parquet", spec)
    assert data.n_rows == 30_000
    assert round(data.positive_rate * 100, 2) == 22.12
    assert data.spec.positive_label == 1
    assert len(data.spec.features) == 23 and data.spec.categorical == ()
    assert (data.X.dtypes == np.float64).all()


def test_statlog_german(shared_data: Path) -> None:
    spec = DataSpec(target="class", positive_label="2")
    data = validate_file(shared_data / "statlog_german_credit.parquet", spec)
    assert data.n_rows == 1_000
    assert data.positive_rate == pytest.approx(0.30)
    assert data.spec.positive_label == 2
    assert len(data.spec.features) == 20 and len(data.spec.categorical) == 13
    assert isinstance(data.X["checking_status"].dtype, pd.CategoricalDtype)
    assert list(data.X["checking_status"].cat.categories) == ["A11", "A12", "A13", "A14"]
    assert data.X["duration"].dtype == np.float64
