"""``--engine spark``: the same scores, reasons, rejects and manifest as the local engine."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from risk_models.scoring.batch import score_batch
from tests.scoring.test_batch import SCORE_COLUMNS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from risk_models.scoring.spark_engine import spark_session

    session = spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("kind", ["ga2m", "tree"])
def test_spark_and_local_give_identical_scores(kind, spark, students, book, tmp_path) -> None:
    rows = book.copy()
    rows.loc[7, "income"] = np.inf
    rows.loc[9, "region"] = "atlantis"
    rows.to_parquet(tmp_path / "book.parquet")
    opts = {"id_columns": ["app_id"], "as_of": "2026-12-01"}
    local = score_batch(
        students[kind], tmp_path / "book.parquet", tmp_path / "local.parquet", **opts
    )
    remote = score_batch(
        students[kind], tmp_path / "book.parquet", tmp_path / "spark", engine="spark", spark=spark,
        **opts,
    )  # fmt: skip
    assert (remote.rows_read, remote.rows_scored, remote.rows_rejected) == (
        local.rows_read, local.rows_scored, local.rows_rejected
    )  # fmt: skip
    assert remote.rejected_by_reason == local.rejected_by_reason
    a = pd.read_parquet(tmp_path / "spark").sort_values("app_id").reset_index(drop=True)
    b = pd.read_parquet(tmp_path / "local.parquet")
    assert list(a.columns) == list(b.columns)
    for col in ["app_id", *SCORE_COLUMNS, "model_name"]:
        x, y = a[col].astype(object), b[col].astype(object)
        assert ((x == y) | (x.isna() & y.isna())).all(), col
    ra = pd.read_parquet(tmp_path / "spark.rejects").sort_values("app_id")
    rb = pd.read_parquet(tmp_path / "local.rejects.parquet")
    assert ra["reject_reason"].tolist() == rb["reject_reason"].tolist()
    assert ra["source_file"].tolist() == rb["source_file"].astype(str).tolist()
    manifest = json.loads((tmp_path / "spark.manifest.json").read_text())
    assert manifest["engine"] == "spark" and manifest["rows"]["read"] == len(book)


def test_spark_knows_pooled_levels_and_reads_markers_as_missing(spark, tmp_path) -> None:
    from risk_models.scoring.tablescore.markers import attach_missing_values
    from risk_models.students.shape_table import Axis, ShapeTable, Term

    cat = Axis("cat", "categorical", levels=("A", "B"), pooled_levels=("rare",))
    table = attach_missing_values(
        ShapeTable(-1.0, (Term("cat", (cat,), np.array([0.1, 0.2, 0.3, 0.7])),), ("cat",)),
        ("?",),
    )
    path = table.save(tmp_path / "m" / "shape_table.json")
    rows = pd.DataFrame({"app_id": ["p", "q", "r", "s"], "cat": ["A", "rare", "?", "new"]})
    rows.to_parquet(tmp_path / "book.parquet")
    opts = {"id_columns": ["app_id"], "as_of": "2026-12-01"}
    local = score_batch(path, tmp_path / "book.parquet", tmp_path / "local.parquet", **opts)
    remote = score_batch(
        path, tmp_path / "book.parquet", tmp_path / "spark", engine="spark", spark=spark, **opts
    )
    for summary in (local, remote):  # only the level never seen in training is refused
        assert (summary.rows_scored, summary.rows_rejected) == (3, 1)
        assert summary.rejected_by_reason == {"unseen_level": 1}
    a = pd.read_parquet(tmp_path / "spark").sort_values("app_id")
    np.testing.assert_allclose(a["logit"], [-0.9, -0.3, -0.7], rtol=0, atol=1e-15)
    assert pd.read_parquet(tmp_path / "spark.rejects")["app_id"].tolist() == ["s"]
