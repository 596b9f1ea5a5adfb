"""``score_batch``: inputs, rejects, manifest, atomic and reproducible outputs, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from risk_models.cli import main
from risk_models.errors import DataValidationError
from risk_models.explain import load_explained
from risk_models.scoring.batch import score_batch
from risk_models.scoring.tablescore import output_columns, score_chunk

SCORE_COLUMNS = ["probability", "logit", "points", "decision"] + [
    c for c in output_columns(4) if c.startswith("reason_")
]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if str(path).endswith(".parquet") else pd.read_csv(path)


def test_parquet_book_reconciles_and_matches_the_table(students, book, tmp_path) -> None:
    book.to_parquet(tmp_path / "book.parquet", index=False)
    s = score_batch(students["scorecard"], tmp_path / "book.parquet", tmp_path / "out.parquet",
                    id_columns=["app_id"], as_of="2026-12-01T02:00:00+00:00")  # fmt: skip
    assert (s.rows_read, s.rows_scored, s.rows_rejected) == (2000, 2000, 0)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.columns) == ["app_id", *output_columns(4), "model_name", "model_version",
                                 "model_run_id", "scored_at"]  # fmt: skip
    table = load_explained(students["scorecard"])
    np.testing.assert_array_equal(out["logit"].to_numpy(), table.predict_logit(book))
    assert out["app_id"].tolist() == book["app_id"].tolist()
    assert (out["points"] > 0).all() and set(out["decision"]) <= {"approve", "decline"}
    assert str(out["scored_at"][0]) == "2026-12-01 02:00:00+00:00"
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    assert manifest["rows"] == {"read": 2000, "scored": 2000, "rejected": 0}
    assert len(manifest["input"]["files"][0]["sha256"]) == 64
    assert manifest["options"]["cutoff"]["pd"] == 0.5
    assert pd.read_parquet(tmp_path / "out.rejects.parquet").empty


def test_csv_rejects_each_reason_and_scores_the_rest(students, book, tmp_path) -> None:
    rows = book.head(300).copy().astype({"income": object})
    rows.loc[3, "income"] = "lots"  # wrong_type ("n/a" would read as missing)
    rows.loc[4, "income"] = np.inf  # infinite_value
    rows.loc[5, "region"] = "atlantis"  # unseen_level
    rows.to_csv(tmp_path / "book.csv", index=False)
    s = score_batch(students["gam"], tmp_path / "book.csv", tmp_path / "out.csv",
                    id_columns=["app_id"], as_of="2026-12-01")  # fmt: skip
    assert (s.rows_read, s.rows_scored, s.rows_rejected) == (300, 297, 3)
    assert s.rejected_by_reason == {"wrong_type": 1, "infinite_value": 1, "unseen_level": 1}
    rej = pd.read_csv(tmp_path / "out.rejects.csv")
    assert rej["reject_reason"].tolist() == [
        "wrong_type:income", "infinite_value:income", "unseen_level:region"
    ]  # fmt: skip
    assert rej["row_number"].tolist() == [3, 4, 5] and rej["income"][0] == "lots"
    out = pd.read_csv(tmp_path / "out.csv")
    clean = book.head(300).drop(index=[3, 4, 5])
    np.testing.assert_allclose(
        out["logit"], load_explained(students["gam"]).predict_logit(clean), rtol=0, atol=1e-12
    )


def test_missing_value_without_a_missing_bin_is_rejected(tmp_path) -> None:
    from tests.scoring.conftest import hand_table

    model = hand_table().save(tmp_path / "t.json")
    pd.DataFrame({"util": [np.nan, 0.2], "home": ["own", "rent"], "age": [40, 41]}).to_parquet(
        tmp_path / "in.parquet"
    )
    s = score_batch(model, tmp_path / "in.parquet", tmp_path / "out.parquet")
    assert s.rejected_by_reason == {"missing_value": 1} and s.rows_scored == 1


def test_partitioned_folder_is_one_table(students, book, tmp_path) -> None:
    part = tmp_path / "book"
    for region, rows in book.groupby("region"):
        (part / f"region={region}").mkdir(parents=True)
        rows.drop(columns="region").to_parquet(part / f"region={region}" / "p0.parquet")
    s = score_batch(students["gam"], part, tmp_path / "out.parquet", id_columns=["app_id"])
    assert s.rows_scored == len(book)
    out = pd.read_parquet(tmp_path / "out.parquet").set_index("app_id")
    ref = score_chunk(load_explained(students["gam"]).compiled, book, k=4).table.to_pandas()
    ref.index = book["app_id"]
    np.testing.assert_array_equal(out.loc[ref.index, "logit"], ref["logit"])


def test_schema_problems_stop_before_any_output(students, book, tmp_path) -> None:
    book.drop(columns=["income"]).to_parquet(tmp_path / "book.parquet")
    with pytest.raises(
        DataValidationError,
        match=re.escape("missing feature column(s) ['income'] that the model needs"),
    ):
        score_batch(students["gam"], tmp_path / "book.parquet", tmp_path / "out.parquet",
                    id_columns=["app_id", "branch"])  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.parquet"]


def test_reruns_give_byte_identical_score_columns(students, book, tmp_path) -> None:
    book.to_parquet(tmp_path / "book.parquet")
    for run in ("a", "b"):
        score_batch(students["ga2m"], tmp_path / "book.parquet", tmp_path / f"{run}.parquet",
                    id_columns=["app_id"], as_of="2026-12-01", batch_rows=700)  # fmt: skip
    a, b = pq.read_table(tmp_path / "a.parquet"), pq.read_table(tmp_path / "b.parquet")
    for col in ["app_id", *SCORE_COLUMNS, "scored_at"]:
        assert a.column(col).equals(b.column(col)), col
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_date_template_and_an_empty_day(students, book, tmp_path) -> None:
    day = tmp_path / "in" / "2026-12-01"
    day.mkdir(parents=True)
    book.head(0).to_parquet(day / "apps.parquet")
    out_path = tmp_path / "scores-{date}.parquet"
    s = score_batch(students["tree"], tmp_path / "in" / "{date}", out_path, id_columns=["app_id"],
                    date="2026-12-01")  # fmt: skip
    assert s.output_path.endswith("scores-2026-12-01.parquet") and s.rows_read == 0
    out = pd.read_parquet(s.output_path)
    assert out.empty and "reason_4_points" in out.columns


def test_exit_codes(students, book, tmp_path) -> None:
    book.to_parquet(tmp_path / "book.parquet")

    def run(*args: str):
        return CliRunner().invoke(main, ["score", "--no-tracking", *map(str, args)])

    ok = run("--model", students["gam"], "--input", tmp_path / "book.parquet", "--output",
             tmp_path / "ok.parquet")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert run("--model", students["gam"], "--input", tmp_path / "nope.parquet", "--output",
               tmp_path / "x.parquet").exit_code == 2  # fmt: skip
    bad_model = run("--model", tmp_path / "missing.json", "--input", tmp_path / "book.parquet",
                    "--output", tmp_path / "x.parquet")  # fmt: skip
    assert bad_model.exit_code == 3 and "no such model file" in bad_model.output
    assert not (tmp_path / "x.parquet").exists()
