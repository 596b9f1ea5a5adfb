"""The pipeline against a real ``mlflow server`` over HTTP on 127.0.0.1 (started, stopped)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from risk_models.config import MlflowConfig, parse_pipeline_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mlflow_server(tmp_path: Path):
    port = _free_port()
    exe = shutil.which("mlflow", path=str(Path(sys.executable).parent)) or "mlflow"
    cmd = [
        exe,
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        f"sqlite:///{tmp_path / 'server.db'}",
        "--artifacts-destination",
        str(tmp_path / "artifacts"),
    ]
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mlflow server did not start: {(tmp_path / 'server.log').read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
    assert mv.run_id == result.summary["students"]["gam"]["run_id"]
    assert mv.tags["risk_models.parent_run_id"] == result.run_id
    assert client.get_run(result.run_id).info.status == "FINISHED"
    mlflow.set_tracking_uri(mlflow_server)
    model = mlflow.pyfunc.load_model(f"models:/{cfg.registry.model_name}/1")
    assert model.metadata.get_input_schema() is not None
