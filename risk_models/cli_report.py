"""``riskdistill report``: rebuild a run's audit report from MLflow and write it (and log it)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from risk_models.errors import RiskModelsError

__all__ = ["report"]


@click.command("report")
@click.option("--run-id", required=True, help="Parent run id printed by `riskdistill run`.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (overrides mlflow.yaml).")
@click.option(
    "--mlflow-config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("mlflow.yaml"),
    show_default=True,
    help="MLflow settings file (tracking and registry URIs).",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where audit_report.html and audit_report.json go (default runs/report-<run id>).",
)
@click.option(
    "--log/--no-log",
    "log_to_run",
    default=False,
    show_default=True,
    help="Also log both files to the run (and tag the run and its registered versions).",
)
def report(
    run_id: str,
    tracking_uri: str | None,
    mlflow_config: Path,
    output_dir: Path | None,
    log_to_run: bool,
) -> None:
    """Build the model-risk audit report of RUN_ID from its MLflow records alone."""
    import mlflow

    from risk_models.config import load_mlflow_config
    from risk_models.reports import build_audit_report, log_audit_report, write_audit_report

    out = output_dir or Path("runs") / f"report-{run_id}"
    try:
        mcfg = load_mlflow_config(mlflow_config, tracking_uri)
        from risk_models.registry import probe_tracking  # fail in seconds, not minutes

        probe_tracking(mcfg.tracking_uri)
        client = mlflow.MlflowClient(
            tracking_uri=mcfg.tracking_uri, registry_uri=mcfg.registry_uri or mcfg.tracking_uri
        )
        built = build_audit_report(run_id, client=client)
        if log_to_run:
            html, js = log_audit_report(built, client=client, out_dir=out)
        else:
            html, js = write_audit_report(built, out)
    except RiskModelsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {html}")
    click.echo(f"wrote {js}")
