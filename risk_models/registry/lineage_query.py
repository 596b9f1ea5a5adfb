"""Lineage of a registered version, as a query over version tags, run inputs and the ledger.

From ``models:/NAME@ALIAS`` or ``models:/NAME/VERSION`` the chain is followed through what the
pipeline records: the version's tags (``risk_models.parent_run_id``,
``risk_models.teacher_run_id.<member|ensemble>``, ``risk_models.soft_labels_run_id``,
``risk_models.digest.<split>``, ``risk_models.config_hash``...), the student run that logged
the model, the ``data`` and ``soft_labels`` child runs' dataset inputs (name, digest, rows), the
teacher runs (params, metrics), the registered model's aliases now and the ledger entries that
moved an alias to or from the version. A link that cannot be followed (a deleted run, a version
registered by hand) is listed in ``missing`` rather than failing the query. Rendering lives in
:mod:`risk_models.registry.lineage_render`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from risk_models.errors import RegistryError
from risk_models.registry.ledger import LedgerEntry, parse_ledger
from risk_models.registry.versions import get_registered_model, get_version

__all__ = ["DatasetFacts", "Lineage", "RunFacts", "lineage", "parse_model_uri"]

_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/]+)|/(?P<version>\d+))$")
TAG = "risk_models."


@dataclass(frozen=True)
class DatasetFacts:
    """A dataset input of a run: name, digests, row count, the run that logged it."""

    name: str
    digest: str | None
    mlflow_digest: str | None
    rows: int | None
    context: str | None
    run: str


@dataclass(frozen=True)
class RunFacts:
    """One run of the chain: its role, name, id, status, params and metrics."""

    role: str
    name: str
    run_id: str
    status: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Lineage:
    """The chain behind one registered version (see the module docstring)."""

    uri: str
    model_name: str
    version: str
    source: str
    student_kind: str | None
    config_hash: str | None
    gates_passed: str | None
    digests: dict[str, str]
    datasets: tuple[DatasetFacts, ...]
    teachers: tuple[RunFacts, ...]
    ensemble: RunFacts | None
    soft_labels: RunFacts | None
    student: RunFacts | None
    parent: RunFacts | None
    aliases: tuple[str, ...]
    model_aliases: dict[str, str]
    ledger: tuple[LedgerEntry, ...]
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (ledger entries via :meth:`LedgerEntry.to_dict`)."""
        d = asdict(self)
        d["ledger"] = [e.to_dict() for e in self.ledger]
        return d


def parse_model_uri(uri: str) -> tuple[str, str | None, str | None]:
    """``(name, alias, version)`` of ``models:/NAME@ALIAS`` or ``models:/NAME/VERSION``."""
    m = _URI.match(uri.strip())
    if m is None:
        raise RegistryError(
            f"{uri!r}: expected models:/NAME@ALIAS or models:/NAME/VERSION (e.g. "
            "models:/credit-student@champion)"
        )
    return m.group("name"), m.group("alias"), m.group("version")


def _run(client: Any, run_id: str | None, role: str, missing: list[str]) -> Any:
    from mlflow.exceptions import MlflowException

    if not run_id:
        return None
    try:
        return client.get_run(run_id)
    except MlflowException:
        missing.append(f"{role} run {run_id} not found")
        return None


def _facts(run: Any, role: str) -> RunFacts:
    return RunFacts(
        role=role,
        name=str(run.info.run_name),
        run_id=str(run.info.run_id),
        status=str(run.info.status),
        params=dict(run.data.params),
        metrics={k: float(v) for k, v in run.data.metrics.items()},
    )


def _datasets(run: Any, digests: dict[str, str]) -> list[DatasetFacts]:
    out = []
    for d in getattr(run.inputs, "dataset_inputs", None) or []:
        ds = d.dataset
        context = next((t.value for t in d.tags if t.key == "mlflow.data.context"), None)
        try:
            rows = json.loads(ds.profile).get("num_rows") if ds.profile else None
        except (TypeError, ValueError, AttributeError):
            rows = None
        out.append(
            DatasetFacts(
                name=str(ds.name),
                digest=digests.get(str(ds.name)) or run.data.tags.get(f"{TAG}digest.{ds.name}"),
                mlflow_digest=ds.digest,
                rows=int(rows) if rows is not None else None,
                context=context,
                run=str(run.info.run_name),
            )
        )
    return out


def _child(client: Any, parent: Any, name: str, missing: list[str]) -> Any:
    runs = client.search_runs(
        [parent.info.experiment_id],
        f"tags.mlflow.parentRunId = '{parent.info.run_id}' AND tags.mlflow.runName = '{name}'",
        max_results=5,
    )
    if not runs:
        missing.append(f"no {name!r} child run under run {parent.info.run_id}")
        return None
    return runs[0]


def lineage(client: Any, model_uri_or_alias: str) -> Lineage:
    """The chain from datasets to aliases behind one registered version.

    Parameters
    ----------
    client : mlflow.MlflowClient
        Tracking and registry client (both stores must be the ones the pipeline used).
    model_uri_or_alias : str
        ``models:/NAME@ALIAS`` or ``models:/NAME/VERSION``.

    Returns
    -------
    Lineage
        Datasets, teacher runs, soft labels and transfer set, student run, the version, its
        aliases now and the ledger entries that moved it; ``missing`` lists broken links.

    Raises
    ------
    RegistryError
        If the URI is malformed or names no version.
    """
    name, alias, number = parse_model_uri(model_uri_or_alias)
    mv = get_version(client, name, version=number, alias=alias)
    tags = dict(mv.tags or {})
    missing: list[str] = []
    digests = {
        k.removeprefix(f"{TAG}digest."): v for k, v in tags.items() if k.startswith(f"{TAG}digest.")
    }
    student_run = _run(client, mv.run_id, "student", missing)
    parent_id = tags.get(f"{TAG}parent_run_id")
    if parent_id is None and student_run is not None:
        parent_id = student_run.data.tags.get("mlflow.parentRunId")
    parent = _run(client, parent_id, "parent", missing)
    if parent_id is None:
        missing.append("no risk_models.parent_run_id tag: datasets cannot be traced")
    datasets: list[DatasetFacts] = []
    if parent is not None:
        data_run = _child(client, parent, "data", missing)
        if data_run is not None:
            datasets += _datasets(data_run, digests)
    soft = _run(client, tags.get(f"{TAG}soft_labels_run_id"), "soft_labels", missing)
    if soft is not None:
        datasets += _datasets(soft, digests)
    teacher_ids = {
        k.removeprefix(f"{TAG}teacher_run_id."): v
        for k, v in tags.items()
        if k.startswith(f"{TAG}teacher_run_id.")
    }
    teachers = []
    for member in sorted(m for m in teacher_ids if m != "ensemble"):
        run = _run(client, teacher_ids[member], f"teacher {member}", missing)
        if run is not None:
            teachers.append(_facts(run, "teacher"))
    ensemble = _run(client, teacher_ids.get("ensemble"), "teacher ensemble", missing)
    model = get_registered_model(client, name)
    model_aliases = {str(a): str(v) for a, v in (model.aliases or {}).items()}
    version = str(mv.version)
    moved = [
        e
        for e in parse_ledger(dict(model.tags or {}), name)
        if any(version in pair for pair in e.moves.values())
    ]
    return Lineage(
        uri=model_uri_or_alias,
        model_name=name,
        version=version,
        source=str(mv.source),
        student_kind=tags.get(f"{TAG}student_kind"),
        config_hash=tags.get(f"{TAG}config_hash"),
        gates_passed=tags.get(f"{TAG}gates_passed"),
        digests=digests,
        datasets=tuple(datasets),
        teachers=tuple(teachers),
        ensemble=_facts(ensemble, "ensemble") if ensemble is not None else None,
        soft_labels=_facts(soft, "soft_labels") if soft is not None else None,
        student=_facts(student_run, "student") if student_run is not None else None,
        parent=_facts(parent, "pipeline") if parent is not None else None,
        aliases=tuple(sorted(a for a, v in model_aliases.items() if v == version)),
        model_aliases=model_aliases,
        ledger=tuple(moved),
        missing=tuple(missing),
    )
