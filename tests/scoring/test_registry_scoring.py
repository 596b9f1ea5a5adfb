"""Scoring a registered model: alias and version resolution, the scoring run, drift, exit 3/4."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from risk_models.cli import main
from risk_models.config import MlflowConfig
from risk_models.explain import load_explained
from risk_models.scoring.batch import score_batch
from risk_models.scoring.model_ref import ModelResolutionError, resolve_model


def _score(model: str, uri: str, tmp_path, *args):
    cfg = tmp_path / "mlflow.yaml"
    cfg.write_text(f"tracking_uri: {uri}\nexperiment: scoring\nartifact_location: {tmp_path}/art\n")
    return CliRunner().invoke(
        main, ["score", "--model", model, "--mlflow-config", str(cfg), *map(str, args)]
    )


@pytest.fixture
def registered(students, book, mlflow_uri, tmp_path):
    """The scorecard logged (baseline from the book) as version 1 of ``credit``, alias champion."""
    import mlflow

    from risk_models.tracking.mlflow_model import log_student_model

    mlflow.set_tracking_uri(mlflow_uri)
    mlflow.set_registry_uri(mlflow_uri)
    exp = mlflow.MlflowClient().create_experiment("students", artifact_location=f"{tmp_path}/art")
    mlflow.set_experiment(experiment_id=exp)
    with mlflow.start_run() as run:
        info = log_student_model(load_explained(students["scorecard"]), name="model",
                                 input_example=book, registered_model_name="credit")  # fmt: skip
    client = mlflow.MlflowClient()
    client.set_registered_model_alias("credit", "champion", info.registered_model_version)
    return {"run_id": run.info.run_id, "version": str(info.registered_model_version)}


def test_alias_resolves_to_the_version_and_is_recorded(
    registered, book, mlflow_uri, tmp_path
) -> None:
    book.to_parquet(tmp_path / "book.parquet")
    cfg = MlflowConfig(
        tracking_uri=mlflow_uri, experiment="scoring", artifact_location=f"{tmp_path}/art"
    )
    s = score_batch("models:/credit@champion", tmp_path / "book.parquet", tmp_path / "out.parquet",
                    id_columns=["app_id"], mlflow_config=cfg)  # fmt: skip
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert set(out["model_version"]) == {registered["version"]}
    assert set(out["model_run_id"]) == {registered["run_id"]} and set(out["model_name"]) == {
        "credit"
    }
    assert s.psi is not None and s.psi < 0.01 and not s.drift_alarm  # same book as the baseline
    import mlflow

    run = mlflow.MlflowClient(mlflow_uri).get_run(s.mlflow_run_id)
    assert run.data.metrics["rows_scored"] == 2000 and run.info.status == "FINISHED"
    assert run.data.tags["risk_models.model_version"] == registered["version"]
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    assert manifest["model"]["version"] == registered["version"]
    assert manifest["mlflow_run_id"] == s.mlflow_run_id
    by_version = resolve_model("models:/credit/1")
    assert by_version.version == "1" and by_version.run_id == registered["run_id"]


def test_unknown_alias_is_a_model_error(registered, book, mlflow_uri, tmp_path) -> None:
    with pytest.raises(ModelResolutionError, match="the registry has no such model alias 'gold'"):
        resolve_model("models:/credit@gold")
    book.to_parquet(tmp_path / "book.parquet")
    args = ["--input", tmp_path / "book.parquet", "--output", tmp_path / "o.parquet"]
    res = _score("models:/credit@gold", mlflow_uri, tmp_path, *args)
    assert res.exit_code == 3 and not (tmp_path / "o.parquet").exists()


def test_drift_alarm_exits_4_with_the_output_committed(
    registered, book, mlflow_uri, tmp_path
) -> None:
    shifted = book.assign(utilisation=np.clip(book["utilisation"] + 0.4, 0, 1.5),
                          n_delinquencies=book["n_delinquencies"] + 3)  # fmt: skip
    shifted.to_parquet(tmp_path / "shifted.parquet")
    args = ["--input", tmp_path / "shifted.parquet", "--output", tmp_path / "o.parquet"]
    res = _score("models:/credit@champion", mlflow_uri, tmp_path, *args)
    assert res.exit_code == 4, res.output
    assert "DRIFT ALARM" in res.output and (tmp_path / "o.parquet").exists()
    manifest = json.loads((tmp_path / "o.manifest.json").read_text())
    assert manifest["psi"]["alarm"] is True and manifest["exit_code"] == 4
