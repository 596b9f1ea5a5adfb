"""What every ``riskdistill`` command shares: the console, one-line failures, the MLflow
store options, and the bounded probe of the stores before any MLflow call."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

PROBE_TIMEOUT_S = 5.0


def console() -> Any:
    """The stderr console every progress and error message goes to."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(exc: BaseException, code: int = 2) -> NoReturn:
    """Print ``error: <exc>`` (its text taken literally, not as markup) and exit ``code``."""
    from rich.markup import escape

    console().print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
    sys.exit(code)


def store_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--tracking-uri`` and ``--mlflow-config`` (default ``mlflow.yaml``, if present)."""
    fn = click.option(
        "--mlflow-config",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("mlflow.yaml"),
        show_default=True,
        help="MLflow settings file (tracking and registry URIs, experiment, aliases).",
    )(fn)
    return click.option(
        "--tracking-uri", default=None, help="MLflow tracking URI (overrides mlflow.yaml)."
    )(fn)


def probe_stores(mcfg: Any, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """Refuse within a few seconds when the tracking or the registry store cannot be used."""
    from risk_models.registry import probe_tracking

    probe_tracking(mcfg.tracking_uri, timeout_s)
    if mcfg.registry_uri and mcfg.registry_uri != mcfg.tracking_uri:
        probe_tracking(mcfg.registry_uri, timeout_s)


def open_store(tracking_uri: str | None, mlflow_config: Path) -> tuple[Any, Any]:
    """The MLflow config and a client for its stores, after probing both."""
    from risk_models.config import load_mlflow_config

    mcfg = load_mlflow_config(mlflow_config, tracking_uri)
    probe_stores(mcfg)
    import mlflow

    return mlflow.MlflowClient(mcfg.tracking_uri, mcfg.registry_uri or mcfg.tracking_uri), mcfg
