"""The pipeline against a real ``mlflow server`` over HTTP on 127.0.0.1 (started, stopped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from risk_models.config import MlflowConfig, parse_pipeline_config
from tests.mlflow_server import mlflow_server as running_server


@pytest.fixture
def mlflow_server(tmp_path: Path) -> Iterator[str]:
    """``mlflow server`` on 127.0.0.1 with a temporary backend and artifact root; stopped after."""
    with running_server(tmp_path) as url:
        yield url


@pytest.mark.slow
def test_pipeline_logs_and_registers_over_http(mlflow_server: str, tmp_path: Path) -> None:
    import mlflow

    from risk_models.pipeline import run_pipeline
    from tests.test_pipeline import small_config

    raw = small_config(n_rows=2000)
    cfg = parse_pipeline_config(raw)
    result = run_pipeline(cfg, MlflowConfig(tracking_uri=mlflow_server), tmp_path / "out")
    client = mlflow.MlflowClient(tracking_uri=mlflow_server, registry_uri=mlflow_server)
    mv = client.get_model_version(cfg.registry.model_name, "1")
    best = mv.tags["risk_models.student"]  # registry.register: best_passing
    assert result.summary["students"][best]["version"] == "1"
    assert mv.run_id == result.summary["students"][best]["run_id"]
    assert mv.tags["risk_models.parent_run_id"] == result.run_id
    assert client.get_run(result.run_id).info.status == "FINISHED"
    mlflow.set_tracking_uri(mlflow_server)
    model = mlflow.pyfunc.load_model(f"models:/{cfg.registry.model_name}/1")
    assert model.metadata.get_input_schema() is not None
