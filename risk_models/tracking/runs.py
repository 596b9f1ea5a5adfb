"""MLflow set-up and the small logging helpers the pipeline steps share."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk_models.config import MlflowConfig


def configure_mlflow(cfg: MlflowConfig) -> str:
    """Point MLflow at the configured tracking/registry store and experiment; return its id."""
    import mlflow

    mlflow.set_tracking_uri(cfg.tracking_uri)
    mlflow.set_registry_uri(cfg.registry_uri or cfg.tracking_uri)
    client = mlflow.MlflowClient()
    exp = client.get_experiment_by_name(cfg.experiment)
    if exp is None:
        exp_id = client.create_experiment(cfg.experiment, artifact_location=cfg.artifact_location)
    else:
        exp_id = exp.experiment_id
    mlflow.set_experiment(experiment_id=exp_id)
    return exp_id


def content_digest(frame: pd.DataFrame) -> str:
    """SHA-256 over every cell of ``frame`` (row-hash based), first 16 hex digits."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    cols = "\x1f".join(map(str, frame.columns)).encode()
    return hashlib.sha256(cols + hashed.tobytes()).hexdigest()[:16]


def log_frame_input(
    frame: pd.DataFrame, *, name: str, context: str, source: str, targets: str | None
) -> dict[str, str]:
    """Log ``frame`` as an MLflow dataset input of the active run.

    Returns MLflow's digest and our full-content digest (MLflow's covers a sample of rows).
    """
    import mlflow

    loggable = frame.copy()
    for col in loggable.columns:
        if isinstance(loggable[col].dtype, pd.CategoricalDtype):
            loggable[col] = loggable[col].astype(object)
    dataset = mlflow.data.from_pandas(
        loggable, source=_dataset_source(source), targets=targets, name=name
    )
    mlflow.log_input(dataset, context=context)
    digest = content_digest(frame)
    mlflow.set_tag(f"risk_models.digest.{name}", digest)
    return {"name": name, "mlflow_digest": dataset.digest, "content_digest": digest}


def _dataset_source(source: str) -> Any:
    """A file path as itself; anything else (a synthetic generator) as a code source."""
    from mlflow.data.code_dataset_source import CodeDatasetSource

    if Path(source).exists():
        return source
    return CodeDatasetSource(tags={"risk_models.source": source})


def log_metrics(prefix: str, metrics: dict[str, Any]) -> None:
    """Log every finite numeric entry of ``metrics`` as ``prefix.key``."""
    import mlflow

    clean = {
        f"{prefix}.{k}" if prefix else k: float(v)
        for k, v in metrics.items()
        if isinstance(v, (int, float, np.floating, np.integer)) and np.isfinite(v)
    }
    if clean:
        mlflow.log_metrics(clean)


def tag_model_version(name: str, version: str | int, tags: dict[str, str]) -> None:
    """Set lineage tags on a registered model version."""
    import mlflow

    client = mlflow.MlflowClient()
    for k, v in tags.items():
        client.set_model_version_tag(name, str(version), k, v)
