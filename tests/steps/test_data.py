"""Step ``data`` without MLflow: load, validate, split, digest."""

from __future__ import annotations

import pytest

from risk_models.config import parse_pipeline_config
from risk_models.errors import DataValidationError
from risk_models.steps.data import compute_data, labelled_frame
from risk_models.tracking.runs import content_digest
from tests.steps.conftest import tiny_raw


def test_splits_cover_every_row_once_and_carry_their_digests(tiny_run) -> None:
    state, _ = tiny_run
    data = state.data
    parts = data.splits.parts()
    assert set(parts) == {"train", "valid", "test"}
    assert sum(p.n_rows for p in parts.values()) == data.data.n_rows == 1500
    for name, part in parts.items():
        assert data.digests[name] == content_digest(labelled_frame(part))
    facts = data.split_facts()
    assert facts["test"]["n_rows"] == parts["test"].n_rows
    assert data.source == "synthetic:credit?n_rows=1500&seed=1"


def test_same_config_gives_the_same_digests(tiny_cfg, tiny_run) -> None:
    assert compute_data(tiny_cfg).digests == tiny_run[0].data.digests


def test_a_bad_file_is_refused_before_anything_trains(tmp_path) -> None:
    path = tmp_path / "book.csv"
    path.write_text("x,bad\n1,0\n2,1\n3,7\n")
    raw = tiny_raw()
    raw["data"] = {"path": str(path), "target": "bad"}
    with pytest.raises(DataValidationError, match="bad"):
        compute_data(parse_pipeline_config(raw))


def test_date_ages_are_against_the_latest_training_date(tmp_path) -> None:
    import numpy as np
    import pandas as pd

    n = 400
    rng = np.random.default_rng(0)
    opened = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D")
    path = tmp_path / "book.csv"
    pd.DataFrame({"id": np.arange(n), "bad": rng.integers(0, 2, n), "x": rng.normal(size=n),
                  "opened": opened.strftime("%Y-%m-%d")}).to_csv(path, index=False)  # fmt: skip
    raw = tiny_raw()
    raw["data"] = {"path": str(path), "target": "bad", "id_column": "id"}
    result = compute_data(parse_pipeline_config(raw))
    train = result.splits.train
    reference = pd.Timestamp(opened[train.ids].max())  # by hand, from the training ids
    assert train.dates[0].input.reference == reference
    for part in result.splits.parts().values():
        want = (reference - opened[part.ids]).days.to_numpy(dtype=float)
        np.testing.assert_array_equal(part.X["opened_age_days"], want)
    assert result.data.notes[-1].startswith(
        f"feature 'opened': reference date {reference.isoformat()} (the latest of the "
        f"{train.n_rows} training rows' dates"
    )
