"""The MLflow helpers against a real temporary SQLite store."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from risk_models.config import MlflowConfig
from risk_models.tracking.runs import (
    configure_mlflow,
    content_digest,
    end_run,
    log_frame_input,
    log_json,
    log_metrics,
    log_params,
    start_run,
)


@pytest.fixture
def store(tmp_path):
    cfg = MlflowConfig(
        tracking_uri=f"sqlite:///{tmp_path / 'm.db'}",
        experiment="unit",
        artifact_location=str(tmp_path / "art"),
    )
    client, exp_id = configure_mlflow(cfg)
    return client, exp_id


def test_configure_creates_the_experiment_once(tmp_path, store) -> None:
    client, exp_id = store
    cfg = MlflowConfig(tracking_uri=client.tracking_uri, experiment="unit")
    assert configure_mlflow(cfg)[1] == exp_id


def test_child_runs_point_at_their_parent_and_end_with_a_status(store) -> None:
    client, exp_id = store
    parent = start_run(client, exp_id, "run.x", tags={"risk_models.config_hash": "abc"})
    child = start_run(client, exp_id, "data", parent_run_id=parent)
    end_run(client, child, failed=True)
    end_run(client, parent)
    run = client.get_run(child)
    assert run.info.run_name == "data"
    assert run.data.tags["mlflow.parentRunId"] == parent
    assert run.info.status == "FAILED"
    assert client.get_run(parent).data.tags["risk_models.config_hash"] == "abc"
    assert client.get_run(parent).info.status == "FINISHED"


def test_params_are_cut_to_mlflows_limit_and_metrics_keep_finite_numbers(store) -> None:
    client, exp_id = store
    run_id = start_run(client, exp_id, "r")
    log_params(client, run_id, {"long": "x" * 900, "n": 3})
    metrics = {"auc": 0.75, "n": np.int64(7), "bad": math.nan, "inf": np.inf, "flag": True}
    log_metrics(client, run_id, "test", {**metrics, "name": "gam"})
    data = client.get_run(run_id).data
    assert data.params == {"long": "x" * 500, "n": "3"}
    assert data.metrics == {"test.auc": 0.75, "test.n": 7.0}
    log_json(client, run_id, {"a": [1, 2]}, "sub/a.json")
    assert [f.path for f in client.list_artifacts(run_id, "sub")] == ["sub/a.json"]


def test_a_frame_input_is_logged_with_its_context_and_full_content_digest(store) -> None:
    client, exp_id = store
    run_id = start_run(client, exp_id, "data")
    frame = pd.DataFrame({"a": [1.0, 2.0], "c": pd.Categorical(["x", "y"]), "y": [0, 1]})
    out = log_frame_input(
        client, run_id, frame, name="train", context="train", source="synthetic:x", targets="y"
    )
    assert out["content_digest"] == content_digest(frame)
    run = client.get_run(run_id)
    (inp,) = run.inputs.dataset_inputs
    assert inp.dataset.name == "train"
    assert inp.dataset.digest == out["mlflow_digest"]
    assert {t.key: t.value for t in inp.tags}["mlflow.data.context"] == "train"
    assert run.data.tags["risk_models.digest.train"] == out["content_digest"]
