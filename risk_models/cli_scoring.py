"""``riskdistill score`` and ``riskdistill export-sql``: thin wrappers over risk_models.scoring.

Exit status of ``score`` (for schedulers): 0 success; 2 input error (missing file or column,
unreadable data, bad option or config), nothing written; 3 model error (unknown model, alias or
version, malformed model file), nothing written; 4 drift alarm: the output is complete and
committed, but the score PSI against the training baseline is above ``--psi-threshold``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from risk_models.cli_common import console, fail, probe_stores, store_options
from risk_models.errors import ConfigError, DataReadError, DataValidationError, ModelFormatError
from risk_models.scoring.manifest import (
    DEFAULT_PSI_THRESHOLD,
    EXIT_INPUT_ERROR,
    EXIT_MODEL_ERROR,
)


@click.command("score")
@click.option(
    "--model",
    "model",
    required=True,
    help="models:/NAME@ALIAS, models:/NAME/VERSION, or a shape_table.json / "
    "rule_set.json / MLflow model folder.",
)
@click.option(
    "--input",
    "input_path",
    required=True,
    help="Parquet file or partitioned folder, or CSV; {date} is filled by --date.",
)
@click.option(
    "--output",
    "output_path",
    required=True,
    help=".parquet/.csv/.csv.gz file ({date} filled); a folder with --engine spark.",
)
@click.option(
    "--id-column",
    "id_columns",
    multiple=True,
    help="Input column carried to every output and reject row (repeatable).",
)
@click.option(
    "-k",
    "--k",
    "k",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Reason codes per row.",
)
@click.option(
    "--on-invalid",
    type=click.Choice(["reject", "flag"]),
    default="reject",
    show_default=True,
    help="+-inf, unseen levels, text in numeric columns: to the rejects file, or "
    "scored in the missing/unknown bin and flagged.",
)
@click.option(
    "--cutoff",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="Decline at or above this PD (default: the model's cut-off).",
)
@click.option(
    "--as-of",
    default=None,
    help="Scoring timestamp of the job (ISO; default now); fixes re-runs byte for byte.",
)
@click.option("--date", default=None, help="Fills {date} in the paths (e.g. 2026-12-01).")
@click.option("--rejects", default=None, help="Rejects file (default OUTPUT.rejects.<suffix>).")
@click.option("--manifest", default=None, help="Manifest JSON (default OUTPUT.manifest.json).")
@click.option(
    "--psi-threshold",
    type=float,
    default=DEFAULT_PSI_THRESHOLD,
    show_default=True,
    help="Score PSI above which the job exits 4 (drift alarm).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="Score in this process, or on Spark (mapInArrow).",
)
@click.option(
    "--spark-master", default=None, help="Spark master URL (default: the session's, or local[*])."
)
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    default=262_144,
    show_default=True,
    help="Rows per chunk (memory is bounded by a few chunks).",
)
@store_options
@click.option(
    "--no-tracking",
    is_flag=True,
    help="Log no MLflow scoring run (models:/ URIs still use mlflow.yaml).",
)
def score(
    model: str, input_path: str, output_path: str, id_columns: tuple[str, ...], k: int,
    on_invalid: str, cutoff: float | None, as_of: str | None, date: str | None,
    rejects: str | None, manifest: str | None, psi_threshold: float, engine: str,
    spark_master: str | None, batch_rows: int, tracking_uri: str | None, mlflow_config: Path,
    no_tracking: bool,
) -> None:  # fmt: skip
    """Score a book with a model: PD, points, decision, reason codes; rejects and a manifest."""
    from risk_models.config import load_mlflow_config
    from risk_models.errors import TrackingUnreachable
    from risk_models.scoring.batch import score_batch
    from risk_models.scoring.model_ref import ModelResolutionError

    try:
        mcfg = load_mlflow_config(mlflow_config, tracking_uri)
        if not no_tracking or model.startswith("models:/"):  # fail in seconds, not minutes
            probe_stores(mcfg)
    except (ConfigError, TrackingUnreachable) as exc:
        fail(exc, EXIT_INPUT_ERROR)
    spark = None
    if engine == "spark":
        from risk_models.scoring.spark_engine import spark_session

        spark = spark_session(spark_master)
    try:
        summary = score_batch(
            model, input_path, output_path, id_columns=id_columns, k=k, on_invalid=on_invalid,
            cutoff=cutoff, as_of=as_of, date=date, rejects=rejects, manifest=manifest,
            psi_threshold=psi_threshold, batch_rows=batch_rows, engine=engine,
            mlflow_config=mcfg, track=not no_tracking,
            spark=spark,
        )  # fmt: skip
    except (ModelResolutionError, ModelFormatError) as exc:
        fail(exc, EXIT_MODEL_ERROR)
    except (DataReadError, DataValidationError, ConfigError, ValueError) as exc:
        fail(exc, EXIT_INPUT_ERROR)
    out = console()
    m = summary.model
    out.print(
        f"scored {summary.rows_scored:,} of {summary.rows_read:,} rows "
        f"({summary.rows_rejected:,} rejected{_reasons(summary.rejected_by_reason)}) with "
        f"{m['name'] or m['source']}{'' if m['version'] is None else ' v' + m['version']} in "
        f"{summary.seconds:.1f}s ({summary.rows_per_second:,.0f} rows/s)"
    )
    out.print(f"  output    {summary.output_path}")
    out.print(f"  rejects   {summary.rejects_path}")
    out.print(f"  manifest  {summary.manifest_path}")
    if summary.psi is None:
        out.print("  score PSI n/a (the model carries no training baseline)")
    else:
        verdict = "[bold red]DRIFT ALARM[/]" if summary.drift_alarm else "ok"
        out.print(f"  score PSI {summary.psi:.4f} vs threshold {summary.psi_threshold} ({verdict})")
    click.echo(summary.output_path)
    sys.exit(summary.exit_code)


def _reasons(by_reason: dict[str, int]) -> str:
    if not by_reason:
        return ""
    return ": " + ", ".join(f"{n:,} {r}" for r, n in sorted(by_reason.items()))


@click.command("export-sql")
@click.argument("model")
@click.option(
    "--table",
    "table",
    default="applications",
    show_default=True,
    help="Table (or view) the SELECT reads.",
)
@click.option(
    "--id-column",
    "id_columns",
    multiple=True,
    help="Column carried to the output; the first keys the reasons (repeatable).",
)
@click.option(
    "-k",
    "--k",
    "k",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Reason columns (0 for none; needs --id-column).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the SQL here (atomically) instead of standard output.",
)
def export_sql(model: str, table: str, id_columns: tuple[str, ...], k: int,
               output: Path | None) -> None:  # fmt: skip
    """Write one ANSI SQL SELECT that scores TABLE exactly as the model does."""
    from risk_models.atomic import atomic_write_text
    from risk_models.scoring.model_ref import ModelResolutionError, resolve_model
    from risk_models.scoring.sql import table_sql

    try:
        resolved = resolve_model(model)
        sql = table_sql(resolved.document, table=table, id_columns=id_columns, k=k)
    except (ModelResolutionError, ModelFormatError) as exc:
        fail(exc, EXIT_MODEL_ERROR)
    except ValueError as exc:
        fail(exc, EXIT_INPUT_ERROR)
    if output is None:
        click.echo(sql)
        return
    atomic_write_text(output, sql)
    click.echo(str(output))
