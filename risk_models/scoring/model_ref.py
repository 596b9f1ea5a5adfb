"""Which model a scoring job runs: a registry URI resolved to one version, or a local file.

``--model`` takes

* ``models:/NAME@ALIAS`` (e.g. ``models:/credit_risk_student@champion``): the version the alias
  points to now, through :class:`mlflow.MlflowClient` (aliases, never the deprecated stages);
* ``models:/NAME/VERSION``: that version;
* a path: an exported ``shape_table.json`` / ``rule_set.json``, or an MLflow model directory
  (holding ``MLmodel`` and ``artifacts/shape_table.json`` or ``artifacts/rule_set.json``).

The model is read as JSON only (nothing is unpickled) and compiled by
:mod:`risk_models.scoring.tablescore`. The resolved version and its run id go into every
output row and the manifest, so a re-run with the same URI after the alias moved is visible.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from risk_models.errors import ModelFormatError, RiskModelsError
from risk_models.scoring.tablescore import CompiledRules, CompiledTable, compile_model

ARTIFACT_NAMES = ("shape_table.json", "rule_set.json")
_ALIAS = re.compile(r"^models:/(?P<name>[^/@]+)@(?P<alias>[^/@]+)$")
_VERSION = re.compile(r"^models:/(?P<name>[^/@]+)/(?P<version>\d+)$")


class ModelResolutionError(RiskModelsError, LookupError):
    """A ``--model`` reference that names no model: unknown name, alias or version, or a file
    that is not an exported student."""


@dataclass(frozen=True, eq=False)
class ResolvedModel:
    """The model a job scores with, and where it came from.

    Attributes
    ----------
    uri : what the caller passed.
    name, version, run_id : registry name, version and its run (``None`` for a local file; a
        local MLflow model directory has the run id of its ``MLmodel`` when it records one).
    source : the file the model was read from (for a registry model, its artifact URI).
    document : the JSON form of the table or rule set.
    sha256 : digest of that JSON file.
    """

    uri: str
    name: str | None
    version: str | None
    run_id: str | None
    source: str
    document: dict[str, Any]
    sha256: str
    compiled: CompiledTable | CompiledRules = field(repr=False)

    @property
    def kind(self) -> str:
        return self.compiled.kind

    @property
    def features(self) -> tuple[str, ...]:
        return self.compiled.features

    def describe(self) -> dict[str, Any]:
        """The manifest's ``model`` entry."""
        return {
            "uri": self.uri,
            "name": self.name,
            "version": self.version,
            "run_id": self.run_id,
            "source": self.source,
            "format": self.document.get("format"),
            "student": self.document.get("metadata", {}).get("student"),
            "sha256": self.sha256,
        }


def _read_model_file(path: Path) -> tuple[dict[str, Any], str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelResolutionError(f"{path}: model file not found; check --model") from exc
    except OSError as exc:
        raise ModelResolutionError(f"{path}: cannot read the model file ({exc})") from exc
    try:
        doc = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(
            f"{path}: not valid JSON ({exc}); pass a shape_table.json, a rule_set.json or an "
            "MLflow model directory"
        ) from exc
    return doc, hashlib.sha256(raw).hexdigest()


def _compile(doc: Any, source: str) -> CompiledTable | CompiledRules:
    if not isinstance(doc, dict):
        raise ModelFormatError(f"{source}: not an exported student model (not a JSON object)")
    try:
        return compile_model(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{source}: {exc}") from exc


def _model_dir_file(directory: Path) -> Path:
    for name in ARTIFACT_NAMES:
        for candidate in (directory / "artifacts" / name, directory / name):
            if candidate.is_file():
                return candidate
    raise ModelResolutionError(
        f"{directory}: no artifacts/shape_table.json or artifacts/rule_set.json in this folder; "
        "pass an exported model file or an MLflow model directory logged by riskdistill"
    )


def _mlmodel_run_id(directory: Path) -> str | None:
    mlmodel = directory / "MLmodel"
    if not mlmodel.is_file():
        return None
    import yaml

    try:
        meta = yaml.safe_load(mlmodel.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    run_id = meta.get("run_id") if isinstance(meta, dict) else None
    return str(run_id) if run_id else None


def resolve_model(uri: str, *, client: Any = None) -> ResolvedModel:
    """Resolve ``--model`` to one model version (or file) and compile it.

    Parameters
    ----------
    uri : ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or a path.
    client : an ``MlflowClient``; default one on MLflow's current tracking and registry URIs
        (:func:`~risk_models.scoring.batch.score_batch` sets them from ``mlflow.yaml``).

    Raises
    ------
    ModelResolutionError
        Unknown model, alias or version; a path that does not exist or holds no model.
    ModelFormatError
        The model's JSON is malformed.
    """
    text = str(uri)
    if text.startswith("models:/"):
        return _resolve_registry(text, client=client)
    path = Path(text)
    if path.is_dir():
        file = _model_dir_file(path)
        run_id = _mlmodel_run_id(path)
    elif path.exists():
        file, run_id = path, None
    else:
        raise ModelResolutionError(
            f"{path}: no such model file or folder; pass models:/NAME@ALIAS, models:/NAME/VERSION "
            "or the path of a shape_table.json / rule_set.json / MLflow model directory"
        )
    doc, digest = _read_model_file(file)
    compiled = _compile(doc, str(file))
    return ResolvedModel(text, None, None, run_id, str(file), doc, digest, compiled)


def _resolve_registry(uri: str, *, client: Any) -> ResolvedModel:
    import mlflow
    from mlflow.exceptions import MlflowException

    m_alias, m_version = _ALIAS.match(uri), _VERSION.match(uri)
    if not (m_alias or m_version):
        raise ModelResolutionError(
            f"{uri}: not a model URI this job understands; use models:/NAME@ALIAS or "
            "models:/NAME/VERSION"
        )
    client = client or mlflow.MlflowClient()
    name = (m_alias or m_version).group("name")  # type: ignore[union-attr]
    try:
        if m_alias:
            mv = client.get_model_version_by_alias(name, m_alias.group("alias"))
        else:
            assert m_version is not None
            mv = client.get_model_version(name, m_version.group("version"))
    except MlflowException as exc:
        what = f"alias {m_alias.group('alias')!r}" if m_alias else "version"
        raise ModelResolutionError(
            f"{uri}: the registry has no such model {what} ({exc.message}); check the name, "
            "the alias (set by promotion) or the version number"
        ) from None
    try:
        local = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{mv.version}"))
    except MlflowException as exc:
        raise ModelResolutionError(
            f"{uri}: version {mv.version} resolved but its files cannot be read ({exc.message})"
        ) from None
    file = _model_dir_file(local)
    doc, digest = _read_model_file(file)
    compiled = _compile(doc, f"{uri} (version {mv.version})")
    return ResolvedModel(
        uri, name, str(mv.version), mv.run_id, str(mv.source), doc, digest, compiled
    )
