"""Declared unknown markers ("?" by default) are read as missing, with a note per column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk_models.data.column_checks import read_missing_markers
from risk_models.data.contract import DEFAULT_MISSING_VALUES, DataSpec
from risk_models.data.validation import validate_frame
from risk_models.errors import DataValidationError

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CLAIMS = SHARED_DATA / "auto_insurance_claims.parquet"


def _frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "blue", "green"], size=n).astype(object)
    colour[:5] = "?"
    colour[5] = " ? "  # blanks around a marker are ignored
    amount = [str(round(v, 2)) for v in rng.random(n) * 100]
    amount[7] = "?"
    amount[8] = "n/a"
    return pd.DataFrame(
        {
            "colour": colour,
            "amount_text": amount,
            "kind": pd.Categorical(rng.choice(["a", "b", "?"], size=n)),
            "age": rng.integers(18, 80, size=n).astype(float),
            "bad": np.r_[np.ones(n // 2), np.zeros(n - n // 2)].astype(int),
        }
    )


def test_markers_become_missing_with_a_count_per_column() -> None:
    frame = _frame()
    notes: list[str] = []
    out = read_missing_markers(frame, list(frame.columns), ("?", "n/a"), notes)
    assert out["colour"].isna().sum() == 6 and frame["colour"].isna().sum() == 0  # a copy
    assert out["kind"].isna().sum() == (frame["kind"] == "?").sum() > 0
    assert isinstance(out["kind"].dtype, pd.CategoricalDtype)
    # Numbers once "?" and "n/a" are gone: the column turns numeric.
    assert out["amount_text"].dtype == np.float64 and out["amount_text"].isna().sum() == 2
    assert notes[0] == (
        "column 'colour': 6 of 40 cells were '?' and are read as missing (data.missing_values)"
    )
    assert notes[1].startswith("column 'amount_text': 2 of 40 cells were '?', 'n/a'")
    assert notes[1].endswith("; the rest are numbers, so the column is numeric")
    assert [n.split(":")[0] for n in notes] == [
        "column 'colour'",
        "column 'amount_text'",
        "column 'kind'",
    ]


def test_validation_reads_the_default_marker_and_can_be_told_not_to() -> None:
    assert DataSpec(target="bad").missing_values == DEFAULT_MISSING_VALUES == ("?",)
    data = validate_frame(_frame().drop(columns="amount_text"), DataSpec(target="bad"), "t.csv")
    assert data.X["colour"].isna().sum() == 6
    assert "?" not in list(data.X["colour"].cat.categories)
    assert any(n.startswith("column 'colour': 6 of 40 cells") for n in data.notes)
    raw = validate_frame(
        _frame().drop(columns="amount_text"), DataSpec(target="bad", missing_values=()), "t.csv"
    )
    assert "?" in list(raw.X["colour"].cat.categories) and raw.notes == ()
    # A numeric column with stray "n/a" is still refused unless "n/a" is declared.
    with pytest.raises(DataValidationError, match=r"feature 'amount_text': 1 of 39 non-missing"):
        validate_frame(_frame(), DataSpec(target="bad"), "t.csv")
    both = validate_frame(_frame(), DataSpec(target="bad", missing_values=("?", "n/a")), "t.csv")
    assert both.X["amount_text"].dtype == np.float64


def test_the_config_default_equals_the_contracts() -> None:
    from risk_models.config import DataConfig

    assert DataConfig(target="bad", path="x.csv").missing_values == DEFAULT_MISSING_VALUES


@pytest.mark.realdata
def test_auto_insurance_question_marks_are_missing() -> None:
    if not CLAIMS.is_file():
        pytest.skip("../shared/data not present (fresh clone); real-data tests run in CI")
    from risk_models.config import load_pipeline_config
    from risk_models.steps.data import compute_data

    raw = pd.read_parquet(CLAIMS)
    cfg = load_pipeline_config(
        Path(__file__).resolve().parents[2] / "pipelines" / "fraud.yaml",
        {
            "path": str(CLAIMS),
            "target": "fraud_reported",
            "positive_label": "Y",
            "id_column": "policy_number",
            "time_column": "incident_date",
        },
    )
    data = compute_data(cfg).data
    for column, n in {
        "collision_type": 178,
        "property_damage": 360,
        "police_report_available": 343,
    }.items():
        assert int((raw[column] == "?").sum()) == n
        assert int(data.X[column].isna().sum()) == n
        assert "?" not in list(data.X[column].cat.categories)
        assert f"column {column!r}: {n} of 1000 cells were '?' and are read as missing" in " ".join(
            data.notes
        )
    assert "None" in list(data.X["authorities_contacted"].cat.categories)  # a real level
