"""MLflow plumbing the pipeline's ``log_*`` functions share, all through an explicit client.

Every function takes the ``MlflowClient`` (and the run id) it writes to, so the steps log to a
temporary SQLite store in tests and to a tracking server in production alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk_models.config import MlflowConfig

MAX_PARAM_LENGTH = 500


def configure_mlflow(cfg: MlflowConfig) -> tuple[Any, str]:
    """Point MLflow at the configured stores; return a client and the experiment id.

    The global URIs are set as well, because model logging (``mlflow.pyfunc.log_model``)
    uses MLflow's fluent API.
    """
    import mlflow

    mlflow.set_tracking_uri(cfg.tracking_uri)
    mlflow.set_registry_uri(cfg.registry_uri or cfg.tracking_uri)
    client = mlflow.MlflowClient(cfg.tracking_uri, cfg.registry_uri or cfg.tracking_uri)
    exp = client.get_experiment_by_name(cfg.experiment)
    if exp is None:
        exp_id = client.create_experiment(cfg.experiment, artifact_location=cfg.artifact_location)
    else:
        exp_id = exp.experiment_id
    return client, str(exp_id)


def default_client(client: Any = None) -> Any:
    """``client`` itself, or MLflow's default client (``client=None``)."""
    if client is not None:
        return client
    import mlflow

    return mlflow.MlflowClient()


def start_run(
    client: Any,
    experiment_id: str,
    name: str,
    *,
    parent_run_id: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> str:
    """Create a run (a child of ``parent_run_id`` when given); return its id."""
    all_tags = {"mlflow.runName": name, **(tags or {})}
    if parent_run_id is not None:
        all_tags["mlflow.parentRunId"] = parent_run_id
    run = client.create_run(experiment_id, run_name=name, tags=all_tags)
    return str(run.info.run_id)


def end_run(client: Any, run_id: str, *, failed: bool = False) -> None:
    """Mark a run FINISHED (or FAILED)."""
    client.set_terminated(run_id, status="FAILED" if failed else "FINISHED")


def log_params(client: Any, run_id: str, params: Mapping[str, Any]) -> None:
    """Log params in one batch; values longer than MLflow's limit are cut to 500 characters."""
    from mlflow.entities import Param

    batch = [Param(str(k), str(v)[:MAX_PARAM_LENGTH]) for k, v in params.items()]
    if batch:
        client.log_batch(run_id, params=batch)


def log_metrics(client: Any, run_id: str, prefix: str, metrics: Mapping[str, Any]) -> None:
    """Log every finite numeric entry of ``metrics`` as ``prefix.key`` in one batch."""
    import time

    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    batch = [
        Metric(f"{prefix}.{k}" if prefix else str(k), float(v), now, 0)
        for k, v in metrics.items()
        if isinstance(v, (int, float, np.floating, np.integer))
        and not isinstance(v, bool)
        and np.isfinite(v)
    ]
    if batch:
        client.log_batch(run_id, metrics=batch)


def set_tags(client: Any, run_id: str, tags: Mapping[str, str]) -> None:
    """Set run tags in one batch."""
    from mlflow.entities import RunTag

    if tags:
        client.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])


def log_json(client: Any, run_id: str, obj: Any, artifact_file: str) -> None:
    """Log ``obj`` as a JSON artifact (``artifact_file`` may hold a folder: ``a/b.json``)."""
    client.log_text(run_id, json.dumps(obj, indent=1, default=str), artifact_file)


def content_digest(frame: pd.DataFrame) -> str:
    """SHA-256 over every cell of ``frame`` (row-hash based), first 16 hex digits."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    cols = "\x1f".join(map(str, frame.columns)).encode()
    return hashlib.sha256(cols + hashed.tobytes()).hexdigest()[:16]


def log_frame_input(
    client: Any,
    run_id: str,
    frame: pd.DataFrame,
    *,
    name: str,
    context: str,
    source: str,
    targets: str | None,
) -> dict[str, str]:
    """Log ``frame`` as an MLflow dataset input of run ``run_id``.

    Returns MLflow's digest and our full-content digest (MLflow's covers a sample of rows);
    the content digest is also set as the run tag ``risk_models.digest.<name>``.
    """
    import mlflow
    from mlflow.entities import DatasetInput, InputTag
    from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

    loggable = frame.copy()
    for col in loggable.columns:
        if isinstance(loggable[col].dtype, pd.CategoricalDtype):
            loggable[col] = loggable[col].astype(object)
    dataset = mlflow.data.from_pandas(
        loggable, source=_dataset_source(source), targets=targets, name=name
    )
    entity = DatasetInput(
        dataset=dataset._to_mlflow_entity(), tags=[InputTag(MLFLOW_DATASET_CONTEXT, context)]
    )
    client.log_inputs(run_id, datasets=[entity])
    digest = content_digest(frame)
    client.set_tag(run_id, f"risk_models.digest.{name}", digest)
    return {"name": name, "mlflow_digest": dataset.digest, "content_digest": digest}


def _dataset_source(source: str) -> Any:
    """A file path as itself; anything else (a synthetic generator) as a code source."""
    from mlflow.data.code_dataset_source import CodeDatasetSource

    if Path(source).exists():
        return source
    return CodeDatasetSource(tags={"risk_models.source": source})


def tag_model_version(client: Any, name: str, version: str | int, tags: Mapping[str, str]) -> None:
    """Set lineage tags on a registered model version."""
    for k, v in tags.items():
        client.set_model_version_tag(name, str(version), k, v)
