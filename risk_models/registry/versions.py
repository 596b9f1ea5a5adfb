"""Registry look-ups the promotion commands share: models, versions, aliases, stored gate reports.

Every MLflow "not found" becomes a :class:`~risk_models.errors.RegistryError` that names the
model, version or alias and says what would fix it.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from risk_models.errors import RegistryError

__all__ = [
    "GATES_PASSED_TAG",
    "GATE_REPORT_TAG",
    "current_aliases",
    "default_actor",
    "failed_checks",
    "gate_summary",
    "get_registered_model",
    "get_version",
    "stored_gate_report",
]

GATE_REPORT_TAG = "risk_models.gate_report"
GATES_PASSED_TAG = "risk_models.gates_passed"


def _not_found(exc: Exception) -> bool:
    return getattr(exc, "error_code", None) == "RESOURCE_DOES_NOT_EXIST"


def registry_location(client: Any) -> str:
    """The registry URI ``client`` talks to (for messages)."""
    return str(getattr(client, "_registry_uri", None) or client.tracking_uri)


def get_registered_model(client: Any, model_name: str) -> Any:
    """The registered model ``model_name``; a missing one raises :class:`RegistryError`."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_registered_model(model_name)
    except MlflowException as exc:
        if _not_found(exc):
            raise RegistryError(
                f"registered model {model_name!r} not found at {registry_location(client)!r}; "
                "check the name (pipelines/*.yaml registry.model_name) and --tracking-uri"
            ) from None
        raise


def current_aliases(client: Any, model_name: str) -> dict[str, str]:
    """Alias -> version (as a string) of ``model_name`` now."""
    model = get_registered_model(client, model_name)
    return {str(a): str(v) for a, v in (model.aliases or {}).items()}


def get_version(
    client: Any, model_name: str, *, version: str | int | None = None, alias: str | None = None
) -> Any:
    """The ``ModelVersion`` named by ``version`` or, failing that, by ``alias``.

    Raises
    ------
    RegistryError
        If the model, the version or the alias does not exist.
    """
    from mlflow.exceptions import MlflowException

    get_registered_model(client, model_name)
    try:
        if version is not None:
            return client.get_model_version(model_name, str(version))
        if alias is None:
            raise ValueError("pass a version or an alias")
        return client.get_model_version_by_alias(model_name, alias)
    except MlflowException as exc:
        if not _not_found(exc) and "not found" not in str(exc).lower():
            raise
        if version is not None:
            raise RegistryError(
                f"registered model {model_name!r} has no version {version}; "
                f"`riskdistill history {model_name}` lists the versions that were moved"
            ) from None
        raise RegistryError(
            f"registered model {model_name!r} has no alias {alias!r}; pass --version V, or "
            "register a version first (riskdistill run sets the challenger alias)"
        ) from None


def stored_gate_report(version: Any) -> dict[str, Any] | None:
    """The gate report a version carries in its ``risk_models.gate_report`` tag (or ``None``).

    A version with only the older ``risk_models.gates_passed`` tag gets a report without
    checks whose ``passed`` is that tag's value.
    """
    tags = dict(version.tags or {})
    if GATE_REPORT_TAG in tags:
        try:
            report = json.loads(tags[GATE_REPORT_TAG])
        except json.JSONDecodeError as exc:
            raise RegistryError(
                f"{version.name} v{version.version}: tag {GATE_REPORT_TAG} is not valid JSON "
                f"({exc}); re-register the version from its run"
            ) from None
        if not isinstance(report, dict):
            raise RegistryError(
                f"{version.name} v{version.version}: tag {GATE_REPORT_TAG} is not a JSON object"
            )
        return report
    if GATES_PASSED_TAG in tags:
        return {"passed": tags[GATES_PASSED_TAG].lower() == "true", "checks": []}
    return None


def report_passed(report: Mapping[str, Any]) -> bool:
    """True when ``report`` says it passed and none of its checks failed."""
    checks = report.get("checks") or []
    return bool(report.get("passed", bool(checks))) and all(c.get("passed") for c in checks)


def failed_checks(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The failing checks of a gate report (``name``, ``value``, ``threshold``, ``comparison``)."""
    return [dict(c) for c in report.get("checks") or [] if not c.get("passed")]


def describe_check(check: Mapping[str, Any]) -> str:
    """``auc = 0.6123 (needs >= 0.7)``."""
    value = check.get("value")
    if value is None:
        shown = "not evaluated"
    else:
        shown = f"{float(value):.4g}" if isinstance(value, (int, float)) else str(value)
    return (
        f"{check.get('name')} = {shown} (needs {check.get('comparison')} "
        f"{float(check.get('threshold', float('nan'))):g})"
    )


def gate_summary(
    checks: Sequence[Mapping[str, Any]], *, evidence: str | None = None
) -> dict[str, Any]:
    """The compact gate summary a ledger entry carries: verdict, count and the failures."""
    failed = [
        {k: c.get(k) for k in ("name", "value", "threshold", "comparison")}
        for c in checks
        if not c.get("passed")
    ]
    out: dict[str, Any] = {"passed": not failed, "n_checks": len(checks), "failed": failed}
    if evidence is not None:
        out["evidence"] = evidence
    return out


def default_actor(actor: str | None = None) -> str:
    """``actor`` itself, or the OS user running the command."""
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"
