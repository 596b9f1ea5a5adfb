"""Scoring the UCI Taiwan file with a registered model (skipped without ../shared/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from risk_models.config import MlflowConfig
from risk_models.scoring.batch import score_batch

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
UCI = "uci_taiwan_default_credit_card.parquet"
TARGET = "default.payment.next.month"

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture(scope="module")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data not present (fresh clone); real-data tests run in CI")
    return SHARED_DATA


def test_uci_taiwan_scores_reconcile_with_reasons_on_every_row(shared_data, mlflow_uri,
                                                               tmp_path) -> None:  # fmt: skip
    import mlflow

    from risk_models.students.gam import GAMStudent
    from risk_models.tracking.mlflow_model import log_student_model

    frame = pd.read_parquet(shared_data / UCI)
    X = frame.drop(columns=[TARGET, "ID"], errors="ignore")
    table = GAMStudent(n_estimators=200, device="cpu").fit(X, frame[TARGET]).export()
    mlflow.set_tracking_uri(mlflow_uri)
    mlflow.set_registry_uri(mlflow_uri)
    exp = mlflow.MlflowClient().create_experiment("uci", artifact_location=f"{tmp_path}/art")
    mlflow.set_experiment(experiment_id=exp)
    with mlflow.start_run():
        info = log_student_model(table, name="model", input_example=X,
                                 registered_model_name="uci_gam")  # fmt: skip
    mlflow.MlflowClient().set_registered_model_alias(
        "uci_gam", "champion", info.registered_model_version
    )
    cfg = MlflowConfig(tracking_uri=mlflow_uri, experiment="scoring",
                       artifact_location=f"{tmp_path}/art")  # fmt: skip
    ids = ["ID"] if "ID" in frame.columns else []
    s = score_batch("models:/uci_gam@champion", shared_data / UCI, tmp_path / "uci.parquet",
                    id_columns=ids, mlflow_config=cfg)  # fmt: skip
    manifest = json.loads((tmp_path / "uci.manifest.json").read_text())
    assert manifest["rows"]["read"] == len(frame) == s.rows_scored + s.rows_rejected
    out = pd.read_parquet(tmp_path / "uci.parquet")
    assert len(out) == manifest["rows"]["scored"] and out["reason_1"].notna().all()
    assert manifest["psi"]["value"] < 0.01  # the training file itself: no drift
