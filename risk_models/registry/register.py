"""Gated registration: only a student whose gate report passed becomes a registered version.

:func:`register_version` is what the pipeline calls after the gates: it refuses a failing
report, registers the logged model as a new version with its lineage tags and the report,
and moves the challenger alias to it through the ledger (:mod:`risk_models.registry.moves`).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Mapping
from typing import Any

from risk_models.errors import RegistryError
from risk_models.registry.moves import ConcurrentPromotionError, move_aliases
from risk_models.registry.versions import (
    GATE_REPORT_TAG,
    GATES_PASSED_TAG,
    current_aliases,
    describe_check,
    failed_checks,
    gate_summary,
    report_passed,
)

__all__ = ["register_version"]

_LOGGED_MODEL = re.compile(r"^models:/(m-[0-9a-f]+)/?$")
_RUNS = re.compile(r"^runs:/([^/]+)/(.+?)/?$")
ALIAS_TRIES = 5


def _ensure_model(client: Any, model_name: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(model_name)
    except MlflowException as exc:
        if exc.error_code not in ("RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"):
            raise


def _logged_model(client: Any, model_uri: str, run_id: str) -> tuple[str, str | None]:
    """The version ``source`` and the ``model_id`` of a logged-model URI."""
    m = _LOGGED_MODEL.match(model_uri)
    if m:
        return model_uri, m.group(1)
    m = _RUNS.match(model_uri)
    if not m:
        return model_uri, None
    run = client.get_run(m.group(1))
    found = client.search_logged_models(
        experiment_ids=[run.info.experiment_id],
        filter_string=f"source_run_id = '{m.group(1)}' AND name = '{m.group(2)}'",
    )
    if not found:
        raise RegistryError(
            f"{model_uri}: run {m.group(1)} has no logged model named {m.group(2)!r}; log the "
            "student with risk_models.tracking.mlflow_model.log_student_model first"
        )
    model_id = max(found, key=lambda lm: lm.creation_timestamp).model_id
    return f"models:/{model_id}", model_id


def register_version(
    client: Any,
    model_name: str,
    model_uri: str,
    *,
    run_id: str,
    tags: Mapping[str, str],
    gate_report: Mapping[str, Any],
    alias: str = "challenger",
    actor: str | None = None,
) -> str:
    """Register a gated student as a new version of ``model_name`` and give it ``alias``.

    Parameters
    ----------
    client : mlflow.MlflowClient
        Tracking and registry client.
    model_name : str
        The registered model (created if absent).
    model_uri : str
        The logged model: ``models:/m-<id>`` or ``runs:/<run_id>/<name>``.
    run_id : str
        The student's run.
    tags : mapping
        Version tags (lineage: kind, teacher runs, digests, config hash...).
    gate_report : mapping
        ``GateReport.to_dict()``; stored as the ``risk_models.gate_report`` tag.
    alias : str
        Alias moved to the new version (ledger event ``register``).
    actor : str, optional
        Recorded in the ledger (default: the OS user).

    Returns
    -------
    str
        The new version number.

    Raises
    ------
    RegistryError
        If the gate report did not pass (nothing is registered), or the alias could not be
        moved after :data:`ALIAS_TRIES` attempts against concurrent registrations.
    """
    if not report_passed(gate_report):
        failing = "; ".join(describe_check(c) for c in failed_checks(gate_report))
        raise RegistryError(
            f"refusing to register {model_uri} as a version of {model_name!r}: its gate report "
            f"did not pass ({failing or 'no passing checks'}); only students that pass their "
            "gates are registered"
        )
    _ensure_model(client, model_name)
    source, model_id = _logged_model(client, model_uri, run_id)
    all_tags = {str(k): str(v) for k, v in tags.items()}
    all_tags[GATE_REPORT_TAG] = json.dumps(dict(gate_report), separators=(",", ":"))
    all_tags[GATES_PASSED_TAG] = "true"
    mv = client.create_model_version(
        model_name, source=source, run_id=run_id, tags=all_tags, model_id=model_id
    )
    version = str(mv.version)
    summary = gate_summary(list(gate_report.get("checks") or []))
    for attempt in range(ALIAS_TRIES):
        before = current_aliases(client, model_name).get(alias)
        try:
            move_aliases(
                client,
                model_name,
                expected={alias: before},
                moves={alias: version},
                event="register",
                alias=alias,
                actor=actor,
                gates=summary,
            )
            return version
        except ConcurrentPromotionError as exc:
            if attempt == ALIAS_TRIES - 1:
                raise RegistryError(
                    f"{model_name} v{version} is registered but alias {alias!r} was not moved "
                    f"to it ({exc}); move it with `riskdistill promote` or re-run"
                ) from exc
            time.sleep(random.uniform(0.2, 1.0) * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover
