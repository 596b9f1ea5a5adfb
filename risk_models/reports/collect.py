"""Read everything a ``riskdistill run`` left in MLflow, and nothing else.

:func:`collect_run` takes the parent run's id and returns plain data: the run (tags, params,
metrics), its JSON artifacts (``config.json``, ``summary.json``,
``evaluation/evaluation.json``), every child run (``data``, ``teachers`` and its members
``teachers.<member>``, ``soft_labels``, ``students.<name>``, ``gates``) with params, metrics,
tags, dataset inputs and the first rows of ``explain/reasons_sample.csv``, the gate reports of
the ``gates`` run, and the registered model versions whose ``risk_models.parent_run_id`` tag
names the run.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

from risk_models.errors import TrackingError

__all__ = ["REQUIRED_ARTIFACTS", "collect_run"]

#: Parent-run artifacts the report cannot do without.
REQUIRED_ARTIFACTS = ("config.json", "summary.json", "evaluation/evaluation.json")
N_REASON_EXAMPLES = 5


def _datasets(run: Any) -> list[dict[str, Any]]:
    out = []
    for d in getattr(run.inputs, "dataset_inputs", None) or []:
        ds = d.dataset
        context = next((t.value for t in d.tags if t.key == "mlflow.data.context"), None)
        try:
            profile = json.loads(ds.profile) if ds.profile else {}
        except (TypeError, ValueError):
            profile = {}
        out.append(
            {
                "name": ds.name,
                "digest": ds.digest,
                "context": context,
                "source_type": ds.source_type,
                "source": ds.source,
                "profile": profile,
            }
        )
    return sorted(out, key=lambda d: str(d["name"]))


def _run_record(run: Any) -> dict[str, Any]:
    info = run.info
    return {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "status": info.status,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "params": dict(run.data.params),
        "metrics": dict(run.data.metrics),
        "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
        "datasets": _datasets(run),
    }


def _artifact_text(client: Any, run_id: str, path: str, tmp: Path) -> str | None:
    parent = str(Path(path).parent) if "/" in path else None
    listed = {a.path for a in client.list_artifacts(run_id, parent)}
    if path not in listed:
        return None
    local = client.download_artifacts(run_id, path, str(tmp))
    return Path(local).read_text(encoding="utf-8")


def _json_artifact(client: Any, run_id: str, path: str, tmp: Path) -> Any:
    text = _artifact_text(client, run_id, path, tmp)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrackingError(f"run {run_id}: artifact {path} is not valid JSON ({exc})") from exc


def _children(client: Any, experiment_id: str, run_id: str) -> list[Any]:
    runs: list[Any] = []
    token = None
    while True:
        page = client.search_runs(
            [experiment_id],
            f"tags.mlflow.parentRunId = '{run_id}'",
            max_results=1000,
            page_token=token,
        )
        runs += list(page)
        token = page.token
        if not token:
            return sorted(runs, key=lambda r: (r.info.start_time or 0, r.info.run_name or ""))


def _reason_examples(client: Any, run_id: str, tmp: Path) -> list[dict[str, Any]]:
    import pandas as pd

    text = _artifact_text(client, run_id, "explain/reasons_sample.csv", tmp)
    if text is None:
        return []
    frame = pd.read_csv(io.StringIO(text), nrows=N_REASON_EXAMPLES)
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _versions(client: Any, model_name: str | None, run_id: str) -> list[dict[str, Any]]:
    if not model_name:
        return []
    out = []
    for mv in client.search_model_versions(f"name = '{model_name}'"):
        tags = dict(mv.tags or {})
        if tags.get("risk_models.parent_run_id") != run_id:
            continue
        out.append(
            {
                "name": mv.name,
                "version": str(mv.version),
                "run_id": mv.run_id,
                "source": mv.source,
                # search results leave aliases out; the version itself carries them
                "aliases": sorted(client.get_model_version(mv.name, mv.version).aliases or []),
                "tags": tags,
            }
        )
    return sorted(out, key=lambda v: int(v["version"]))


def collect_run(run_id: str, *, client: Any = None) -> dict[str, Any]:
    """Everything the audit report needs from MLflow, for the parent run ``run_id``.

    Parameters
    ----------
    run_id:
        The parent run of a ``riskdistill run``.
    client:
        An ``mlflow.MlflowClient`` (``None``: the default client).

    Returns
    -------
    dict
        ``run``, ``experiment``, ``tracking_uri``, ``config``, ``summary``, ``evaluation``,
        ``children`` (run name -> record; members under ``teachers.<member>``),
        ``gate_reports`` (student -> report), ``reason_examples`` (student -> rows) and
        ``versions`` (registered versions of this run).

    Raises
    ------
    TrackingError
        If the run does not exist or lacks one of :data:`REQUIRED_ARTIFACTS`.
    """
    import mlflow

    client = client or mlflow.MlflowClient()
    try:
        run = client.get_run(run_id)
    except mlflow.exceptions.MlflowException as exc:
        raise TrackingError(
            f"run {run_id!r} not found at tracking URI {client.tracking_uri!r}; check the run id "
            "(the parent run printed by `riskdistill run`) and --tracking-uri"
        ) from exc
    experiment = client.get_experiment(run.info.experiment_id)
    with tempfile.TemporaryDirectory(prefix="risk_models_report_") as tmp_dir:
        tmp = Path(tmp_dir)
        docs = {p: _json_artifact(client, run_id, p, tmp) for p in REQUIRED_ARTIFACTS}
        absent = [p for p, doc in docs.items() if doc is None]
        if absent:
            raise TrackingError(
                f"run {run_id}: artifact(s) {absent} not found; the audit report is built from "
                "a finished `riskdistill run` parent run, which logs all of "
                f"{list(REQUIRED_ARTIFACTS)}"
            )
        children: dict[str, dict[str, Any]] = {}
        for child in _children(client, run.info.experiment_id, run_id):
            children[child.info.run_name] = _run_record(child)
            if child.info.run_name == "teachers":
                for member in _children(client, run.info.experiment_id, child.info.run_id):
                    children[member.info.run_name] = _run_record(member)
        gate_reports: dict[str, Any] = {}
        if "gates" in children:
            gates_id = children["gates"]["run_id"]
            for art in client.list_artifacts(gates_id):
                name = Path(art.path).name
                if name.startswith("gates_") and name.endswith(".json"):
                    report = _json_artifact(client, gates_id, art.path, tmp)
                    gate_reports[report.get("student", name[6:-5])] = report
        reasons = {
            name.removeprefix("students."): _reason_examples(client, rec["run_id"], tmp)
            for name, rec in children.items()
            if name.startswith("students.")
        }
    model_name = (docs["config.json"].get("registry") or {}).get("model_name")
    return {
        "run": _run_record(run),
        "experiment": {"id": experiment.experiment_id, "name": experiment.name},
        "tracking_uri": client.tracking_uri,
        "config": docs["config.json"],
        "summary": docs["summary.json"],
        "evaluation": docs["evaluation/evaluation.json"],
        "children": children,
        "gate_reports": gate_reports,
        "reason_examples": reasons,
        "versions": _versions(client, model_name, run_id),
    }
