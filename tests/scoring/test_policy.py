"""The invalid-value policy: each problem found, rejected or flagged, the same in both commands."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from risk_models.cli import main
from risk_models.errors import DataValidationError
from risk_models.scoring.invalid import apply_invalid_policy
from risk_models.scoring.tablescore import score_chunk
from tests.scoring.conftest import hand_table


@pytest.fixture
def rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "util": [0.7, np.inf, np.nan, 0.2, -np.inf],
            "home": ["rent", "own", "own", "mars", None],
            "age": [60, 20, 40, 35, 45],
        }
    )


def test_every_problem_is_found_and_rejected(rows) -> None:
    chunk = score_chunk(hand_table().compiled, rows, k=2, on_invalid="reject")
    assert chunk.kept.tolist() == [True, False, False, False, False]
    assert chunk.reject_reason.tolist() == [
        "infinite_value:util",
        "missing_value:util",  # util's missing cell had no training rows (cell_counts 0)
        "unseen_level:home",
        "infinite_value:util",
    ]
    assert chunk.table.num_rows == 1
    assert chunk.problems.counts() == {
        "infinite_value": 2, "missing_value": 1, "unseen_level": 1
    }  # fmt: skip


def test_flag_scores_in_the_missing_and_unknown_bins(rows) -> None:
    table = hand_table()
    out = score_chunk(table.compiled, rows, k=2, on_invalid="flag").table.to_pandas()
    assert out["flags"].tolist()[1:] == [
        "infinite_value:util", "missing_value:util", "unseen_level:home", "infinite_value:util"
    ]  # fmt: skip
    as_missing = rows.assign(util=rows["util"].replace([np.inf, -np.inf], np.nan))
    np.testing.assert_array_equal(out["logit"].to_numpy(), table.predict_logit(as_missing))
    assert pd.isna(out["flags"][0])


def test_text_in_a_numeric_column_is_a_wrong_type_problem() -> None:
    X = pd.DataFrame({"util": ["0.7", "lots"], "home": ["own", "own"], "age": [40, 40]})
    chunk = score_chunk(hand_table().compiled, X, on_invalid="reject")
    assert chunk.reject_reason.tolist() == ["wrong_type:util"]


def test_reasons_policy_refuses_or_flags(rows) -> None:
    table = hand_table()
    with pytest.raises(
        DataValidationError,
        match=re.escape(
            "column 'util': 2 of 5 rows hold +inf or -inf (infinite_value; row labels 1, 4)"
        ),
    ):
        apply_invalid_policy(table, rows, "reject", source="apps.csv")
    frame, flags = apply_invalid_policy(table, rows, "flag")
    assert np.isnan(frame["util"][[1, 4]]).all() and flags[3] == "unseen_level:home"
    clean, none = apply_invalid_policy(table, rows.head(1), "reject")
    assert (none is None and clean is rows.head(1)) or clean.equals(rows.head(1))


def test_reasons_command_refuses_by_default_and_flags_on_request(rows, tmp_path) -> None:
    model = hand_table().save(tmp_path / "shape_table.json")
    data = tmp_path / "rows.csv"
    rows.assign(app=[f"A{i}" for i in range(5)]).to_csv(data, index=False)
    refused = CliRunner().invoke(main, ["reasons", str(model), str(data)])
    assert refused.exit_code == 2
    assert "rows hold +inf or -inf (infinite_value" in refused.output
    assert "--on-invalid flag" in refused.output
    out = tmp_path / "reasons.csv"
    flagged = CliRunner().invoke(
        main, ["reasons", str(model), str(data), "--on-invalid", "flag", "--id-column", "app",
               "-o", str(out)]
    )  # fmt: skip
    assert flagged.exit_code == 0, flagged.output
    got = pd.read_csv(out)
    assert got["flags"].tolist()[1:] == [
        "infinite_value:util", "missing_value:util", "unseen_level:home", "infinite_value:util"
    ]  # fmt: skip
