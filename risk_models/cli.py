"""``riskdistill``: the one command-line entry point; each subcommand wraps a library call."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

import click

from risk_models.cli_common import console, fail
from risk_models.errors import RiskModelsError


def _quiet_libraries() -> None:
    """Keep the terminal for our progress: libraries log warnings only."""
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    for name in ("mlflow", "alembic", "urllib3", "git", "lightgbm", "xgboost"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="mlflow")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="risk_models")
@click.option("-v", "--verbose", is_flag=True, help="Log every library step (INFO level).")
def main(verbose: bool) -> None:
    """Distil credit and fraud teacher ensembles into interpretable students."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _quiet_libraries()


@main.command("explain")
@click.argument("model_file", type=click.Path(dir_okay=False, path_type=Path))
def explain(model_file: Path) -> None:
    """Describe an exported student (shape_table.json or rule_set.json) for a reader."""
    from risk_models.explain import explain_text, load_explained

    try:
        model = load_explained(model_file)
    except RiskModelsError as exc:
        fail(exc)
    click.echo(explain_text(model))


def _preview_value(value: Any) -> str:
    import pandas as pd

    if pd.isna(value):
        return "missing"
    try:
        return f"{float(value):.6g}"
    except (TypeError, ValueError):
        return str(value)


@main.command("reasons")
@click.argument("model_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("data_file", type=click.Path(path_type=Path))
@click.option(
    "-k",
    "--k",
    "k",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Reasons per row.",
)
@click.option(
    "--reference",
    type=click.Choice(["best", "mean"]),
    default="best",
    show_default=True,
    help="Points lost against each term's best bin, or against DATA_FILE's mean.",
)
@click.option("--id-column", default=None, help="Column to carry as the row identifier.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every row to this .csv/.csv.gz/.parquet (atomically) instead of a preview.",
)
@click.option(
    "--head",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Rows to preview when no --output is given.",
)
@click.option(
    "--on-invalid",
    type=click.Choice(["reject", "flag"]),
    default="reject",
    show_default=True,
    help="+-inf, unseen levels, text in numeric columns: refuse the file, or score them in the "
    "missing/unknown bin with a flags column (as riskdistill score).",
)
def reasons(
    model_file: Path,
    data_file: Path,
    k: int,
    reference: str,
    id_column: str | None,
    output: Path | None,
    head: int,
    on_invalid: str,
) -> None:
    """Score DATA_FILE with MODEL_FILE: probability and top-k reason codes per row."""
    from risk_models.data import read_table, table_format, write_table
    from risk_models.explain import load_explained, score_with_reasons
    from risk_models.scoring.invalid import apply_invalid_policy

    try:
        if output is not None:
            table_format(output)  # refuse a bad suffix before any work
        model = load_explained(model_file)
        frame, flags = apply_invalid_policy(
            model, read_table(data_file), on_invalid, source=str(data_file)
        )
        scored = score_with_reasons(
            model,
            frame,
            k=k,
            reference=reference,  # type: ignore[arg-type]
            reference_frame=frame if reference == "mean" else None,
            id_column=id_column,
            source=str(data_file),
        )
        if flags is not None:
            scored["flags"] = flags
        if output is not None:
            write_table(scored, output)
    except (RiskModelsError, ValueError) as exc:
        fail(exc)
    units = scored.attrs.get("units", "log-odds")
    if output is not None:
        click.echo(
            f"wrote {len(scored)} rows with up to {k} reason(s) each to {output} "
            f"({units} lost against the {reference} reference)"
        )
        return
    key = scored.columns[0]
    for _, row in scored.head(head).iterrows():
        click.echo(f"{key} {row[key]}: PD {row['probability']:.2%} (log-odds {row['logit']:+.4f})")
        if isinstance(row.get("flags"), str):
            click.echo(f"  flagged: {row['flags']}")
        for i in range(1, k + 1):
            code = row[f"reason_{i}"]
            if not isinstance(code, str):  # fewer reasons than k: the rest are empty
                if i == 1:
                    click.echo("  (no reason: no feature scores worse than the reference)")
                break
            click.echo(
                f"  {i}. {code}  {row[f'reason_{i}_feature']} = "
                f"{_preview_value(row[f'reason_{i}_value'])}  bin {row[f'reason_{i}_bin']}  "
                f"{units} lost {row[f'reason_{i}_points']:.2f}"
            )
    shown = min(head, len(scored))
    console().print(
        f"showing {shown} of {len(scored)} rows ({units} lost against the {reference} "
        "reference); write every row with -o OUT.csv or OUT.parquet"
    )


from risk_models.cli_data import data as _data_group  # noqa: E402
from risk_models.cli_run import run as _run_command  # noqa: E402

main.add_command(_run_command)
main.add_command(_data_group)

from risk_models.cli_report import report as _report_command  # noqa: E402

main.add_command(_report_command)

from risk_models.cli_registry import REGISTRY_COMMANDS  # noqa: E402

for _command in REGISTRY_COMMANDS:  # promote, rollback, history, lineage
    main.add_command(_command)

from risk_models.cli_scoring import export_sql as _export_sql  # noqa: E402
from risk_models.cli_scoring import score as _score  # noqa: E402

main.add_command(_score)  # batch scoring (README "Batch scoring")
main.add_command(_export_sql)


if __name__ == "__main__":  # pragma: no cover
    main()
