"""``riskdistill explain`` and ``riskdistill reasons`` on files written by the test."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from risk_models.cli import main
from risk_models.explain import load_explained
from risk_models.students.gam import GAMStudent
from risk_models.students.reasons import reason_codes
from risk_models.students.tree import TreeStudent


@pytest.fixture(scope="module")
def files(additive_frame, tmp_path_factory) -> dict[str, Path]:
    """A GAM table, a tree's rules and a CSV of 400 applications with an id column."""
    X, y, p = additive_frame
    tmp = tmp_path_factory.mktemp("cli_explain")
    gam = GAMStudent(n_estimators=60, learning_rate=0.3, max_bin=8, device="cpu")
    tree = TreeStudent(max_depth=2)
    rows = X.head(400).assign(app_id=[f"A{i:04d}" for i in range(400)])
    rows.to_csv(tmp / "rows.csv", index=False)
    return {
        "gam": gam.fit(X, y, soft_target=p).export().save(tmp / "gam" / "shape_table.json"),
        "tree": tree.fit(X, y, soft_target=p).export().save(tmp / "tree" / "rule_set.json"),
        "rows": tmp / "rows.csv",
    }


def _invoke(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_explain_prints_every_term_of_a_table(files) -> None:
    res = _invoke("explain", files["gam"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Shape table (gam): 3 terms over 3 features, n_cells ")
    for term in ("term 'a' over a (numeric)", "term 'b' over b (numeric)", "term 'c' over c ("):
        assert term in res.output
    assert re.search(r"intercept: [+-]\d\.\d{4} log-odds", res.output)


def test_explain_prints_the_rules_of_a_tree(files) -> None:
    res = _invoke("explain", files["tree"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Rule set (tree): 4 rules over 3 features: a, b, c")
    assert len(re.findall(r"^IF .* THEN log-odds [+-]\d\.\d\d \(PD ", res.output, re.M)) == 4


def test_explain_refuses_a_data_file_naming_it(files) -> None:
    res = _invoke("explain", files["rows"])
    assert res.exit_code == 2
    assert f"{files['rows']}: not valid JSON" in res.output.replace("\n", "")


def test_reasons_to_parquet_keeps_every_row(files, tmp_path: Path) -> None:
    out = tmp_path / "scored" / "reasons.parquet"
    res = _invoke(
        "reasons", files["gam"], files["rows"], "--k", "2", "--id-column", "app_id", "-o", out
    )
    assert res.exit_code == 0, res.output
    assert f"wrote 400 rows with up to 2 reason(s) each to {out}" in res.output
    back = pd.read_parquet(out)
    rows = pd.read_csv(files["rows"])
    assert list(back["app_id"]) == list(rows["app_id"])
    assert list(back.columns[:5]) == [
        "app_id",
        "probability",
        "logit",
        "reason_1",
        "reason_1_feature_code",
    ]
    assert {"reason_2_feature", "reason_2_value", "reason_2_bin", "reason_2_points"} <= set(back)
    rc = reason_codes(load_explained(files["gam"]), rows)
    np.testing.assert_allclose(back["logit"], rc.score, rtol=0, atol=1e-12)
    top = rc.reasons[rc.reasons["rank"] == 1]
    assert list(back["reason_1"].iloc[top["row"]]) == list(top["code"].astype(str))
    assert back["reason_1"].dropna().str.match(r"^RC-[ABC]-[0-9A-F]{6}$").all()


def test_reasons_against_the_file_mean_to_csv(files, tmp_path: Path) -> None:
    out = tmp_path / "reasons.csv"
    res = _invoke("reasons", files["tree"], files["rows"], "--reference", "mean", "-o", out)
    assert res.exit_code == 0, res.output
    assert "(log-odds lost against the mean reference)" in res.output
    back = pd.read_csv(out)
    assert len(back) == 400 and list(back["row"]) == list(range(400))
    assert set(back["reason_1_feature"].dropna()) <= {"a", "b", "c"}


def test_reasons_preview_without_output(files) -> None:
    res = _invoke("reasons", files["gam"], files["rows"], "--head", "3", "--id-column", "app_id")
    assert res.exit_code == 0, res.output
    assert re.search(r"^app_id A0000: PD \d+\.\d\d% \(log-odds [+-]\d\.\d{4}\)$", res.output, re.M)
    assert "app_id A0003" not in res.output
    assert re.search(
        r"^  1\. RC-[ABC]-[0-9A-F]{6}  [abc] = .+  bin .+  log-odds lost \d", res.output, re.M
    )
    assert "showing 3 of 400 rows" in res.output


def test_reasons_missing_column_exits_2_naming_it(files, tmp_path: Path) -> None:
    thin = tmp_path / "thin.csv"
    pd.read_csv(files["rows"]).drop(columns=["b"]).to_csv(thin, index=False)
    res = _invoke("reasons", files["gam"], thin, "-o", tmp_path / "x.parquet")
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert f"{thin}: 1 data problem(s)" in text
    assert "missing feature column(s) ['b'] that the model needs" in text
    assert not (tmp_path / "x.parquet").exists()


def test_reasons_unreadable_inputs_exit_2(files, tmp_path: Path) -> None:
    res = _invoke("reasons", files["gam"], tmp_path / "none.csv")
    assert res.exit_code == 2
    assert "none.csv: file not found" in res.output
    res = _invoke("reasons", files["gam"], files["rows"], "-o", tmp_path / "out.xlsx")
    assert res.exit_code == 2
    assert "out.xlsx: unknown file type" in res.output
    res = _invoke("reasons", files["gam"], files["rows"], "--id-column", "nope")
    assert res.exit_code == 2
    assert "id column 'nope' not found" in res.output


def test_reasons_preview_says_when_a_row_has_no_reason(files) -> None:
    res = _invoke("reasons", files["tree"], files["rows"], "--head", "400")
    assert res.exit_code == 0, res.output
    n_rows = len(re.findall(r"^row \d+: PD ", res.output, re.M))
    n_none = res.output.count("  (no reason: no feature scores worse than the reference)")
    n_with = len(re.findall(r"^  1\. RC-", res.output, re.M))
    assert n_rows == 400 and n_none > 0 and n_with > 0 and n_none + n_with == 400
