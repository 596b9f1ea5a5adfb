"""``export-sql``: the SELECT scores a table in SQLite (and DuckDB) as the Python path does."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from risk_models.cli import main
from risk_models.explain import load_explained
from risk_models.scoring.sql import float32_threshold, table_sql
from risk_models.scoring.tablescore import score_chunk

REASON_TEXT = ("", "_feature_code", "_feature", "_bin")


def _python(model, rows: pd.DataFrame) -> pd.DataFrame:
    return score_chunk(model.compiled, rows, k=4, on_invalid="flag").table.to_pandas()


def _text(col: pd.Series) -> list[str | None]:
    return [v if isinstance(v, str) else None for v in col.astype(object)]


def _compare(sql_out: pd.DataFrame, py: pd.DataFrame) -> None:
    sql_out = sql_out.sort_values("app_id").reset_index(drop=True)
    np.testing.assert_allclose(sql_out["logit"], py["logit"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(sql_out["probability"], py["probability"], rtol=0, atol=1e-9)
    assert sql_out["decision"].tolist() == py["decision"].astype(str).tolist()
    np.testing.assert_array_equal(sql_out["points"].fillna(-1), py["points"].fillna(-1))
    for i in range(1, 5):
        for f in REASON_TEXT:
            assert _text(sql_out[f"reason_{i}{f}"]) == _text(py[f"reason_{i}{f}"]), (i, f)
        got, want = sql_out[f"reason_{i}_points"], py[f"reason_{i}_points"]
        np.testing.assert_allclose(got.astype(float), want.astype(float), rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def rows(book) -> pd.DataFrame:
    r = book.head(600).copy()
    r.loc[r.index[::11], "income"] = np.nan
    r.loc[r.index[5], "region"] = "atlantis"  # the unknown bin
    r["app_id"] = np.arange(len(r))
    return r


@pytest.mark.parametrize("kind", ["gam", "ga2m", "scorecard", "tree"])
def test_sqlite_matches_python_to_1e_9(kind, students, rows) -> None:
    model = load_explained(students[kind])
    con = sqlite3.connect(":memory:")
    rows.astype({c: object for c in rows.columns if rows[c].dtype == "str"}).to_sql(
        "apps", con, index=False
    )
    sql = table_sql(model.to_dict(), table="apps", id_columns=["app_id"], k=4)
    _compare(pd.read_sql_query(sql, con), _python(model, rows))


def test_duckdb_matches_python(students, rows) -> None:
    duckdb = pytest.importorskip("duckdb")
    model = load_explained(students["gam"])
    con = duckdb.connect()
    con.register("rows_df", rows)
    con.execute("CREATE TABLE apps AS SELECT * FROM rows_df")
    out = con.execute(table_sql(model.to_dict(), table="apps", id_columns=["app_id"])).df()
    _compare(out, _python(model, rows))


def test_float32_thresholds_pick_the_numpy_cell() -> None:
    rng = np.random.default_rng(0)
    for edge in [0.1, 24.5, 1e-30, -3.3, 123456.789, 2.0**-126]:
        op, m = float32_threshold(edge)
        x = np.concatenate([m + rng.normal(size=200) * abs(m) * 1e-7,
                            [m, np.nextafter(m, np.inf), np.nextafter(m, -np.inf)]])  # fmt: skip
        want = x.astype(np.float32) >= np.float32(edge)
        got = x >= m if op == ">=" else x > m
        np.testing.assert_array_equal(got, want)


def test_export_sql_command_writes_the_file(students, tmp_path) -> None:
    out = tmp_path / "score.sql"
    res = CliRunner().invoke(main, ["export-sql", str(students["gam"]), "--id-column", "app_id",
                                    "--table", "book", "-o", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith('WITH src AS (SELECT "app_id"')
    refused = CliRunner().invoke(main, ["export-sql", str(students["gam"])])
    assert refused.exit_code == 2 and "reasons in SQL need --id-column" in refused.output
