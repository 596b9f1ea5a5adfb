"""``riskdistill report``: rebuild a run's audit report from MLflow and write it (and log it)."""

from __future__ import annotations

from pathlib import Path

import click

from risk_models.cli_common import fail, open_store, store_options
from risk_models.errors import RiskModelsError

__all__ = ["report"]


@click.command("report")
@click.option("--run-id", required=True, help="Parent run id printed by `riskdistill run`.")
@store_options
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
    from risk_models.reports import build_audit_report, log_audit_report, write_audit_report

    out = output_dir or Path("runs") / f"report-{run_id}"
    try:
        client, _ = open_store(tracking_uri, mlflow_config)  # fails in seconds, not minutes
        built = build_audit_report(run_id, client=client)
        if log_to_run:
            html, js = log_audit_report(built, client=client, out_dir=out)
        else:
            html, js = write_audit_report(built, out)
    except RiskModelsError as exc:
        fail(exc)
    click.echo(f"wrote {html}")
    click.echo(f"wrote {js}")
