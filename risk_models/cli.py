"""``riskdistill``: the one command-line entry point; each subcommand wraps a library call."""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import click

from risk_models.errors import RiskModelsError


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _quiet_libraries() -> None:
    """Keep the terminal for our progress: libraries log warnings only."""
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    for name in ("mlflow", "alembic", "urllib3", "git", "lightgbm", "xgboost"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="mlflow")


def _fail(exc: Exception) -> None:
    _console().print(f"[bold red]error:[/] {exc}", markup=True)
    sys.exit(2)


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


@main.command()
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--data",
    "data_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Parquet or CSV file to use instead of the config's data source.",
)
@click.option("--target", default=None, help="Target column (overrides the config).")
@click.option("--positive-label", default=None, help="Target value meaning 'bad'.")
@click.option(
    "--categorical",
    multiple=True,
    help="Treat this column as categorical (repeatable; with --data).",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where summary.json and the model tables go (default runs/<name>-<time>).",
)
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (overrides mlflow.yaml).")
@click.option(
    "--mlflow-config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("mlflow.yaml"),
    show_default=True,
    help="MLflow settings file.",
)
def run(
    config: Path,
    data_path: str | None,
    target: str | None,
    positive_label: str | None,
    categorical: tuple[str, ...],
    output_dir: Path | None,
    tracking_uri: str | None,
    mlflow_config: Path,
) -> None:
    """Run the whole pipeline: data, teachers, soft labels, students, gates, registry."""
    from risk_models.config import load_mlflow_config, load_pipeline_config
    from risk_models.pipeline import run_pipeline

    console = _console()
    overrides: dict[str, Any] = {
        "path": data_path,
        "target": target,
        "positive_label": positive_label,
    }
    if categorical:
        overrides["categorical"] = list(categorical)
    try:
        cfg = load_pipeline_config(config, overrides)
        mcfg = load_mlflow_config(mlflow_config, tracking_uri)
    except RiskModelsError as exc:
        _fail(exc)
    out = output_dir or Path("runs") / f"{cfg.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    started = time.perf_counter()

    def progress(step: str, message: str) -> None:
        console.print(f"[{time.perf_counter() - started:6.1f}s] [bold cyan]{step:<11}[/] {message}")

    try:
        result = run_pipeline(cfg, mcfg, out, progress=progress)
    except RiskModelsError as exc:
        _fail(exc)
    s = result.summary
    console.print(f"\n[bold green]done[/] in {s['elapsed_seconds']:.0f}s")
    console.print(f"  teacher ensemble test AUC  {s['teachers']['ensemble']['auc']:.4f}")
    for name, st in s["students"].items():
        verdict = "pass" if st["gates"]["passed"] else "FAIL"
        console.print(
            f"  student {name:<18} test AUC {st['test']['auc']:.4f}  "
            f"(gap {st['fidelity']['auc_gap']:+.4f}, gates {verdict}), "
            f"registered {st['registered_model']} v{st['version']}"
        )
    console.print(f"  summary      {result.summary_path}")
    console.print(f"  MLflow run   {result.run_id} at {mcfg.tracking_uri}")
    console.print(f"  browse with  mlflow ui --backend-store-uri {mcfg.tracking_uri}")
    click.echo(str(result.summary_path))


@main.group()
def data() -> None:
    """Make and check data files."""


@data.command("synth")
@click.argument("kind", type=click.Choice(["credit", "fraud"]))
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--rows",
    type=click.IntRange(min=100),
    default=None,
    help="Number of rows (default 20,000 credit / 50,000 fraud).",
)
@click.option("--seed", type=int, default=0, show_default=True)
def data_synth(kind: str, output: Path, rows: int | None, seed: int) -> None:
    """Write a synthetic credit book or fraud stream (Parquet or CSV by suffix)."""
    from risk_models.data import write_synthetic

    try:
        syn = write_synthetic(kind, output, n_rows=rows, seed=seed)  # type: ignore[arg-type]
    except (RiskModelsError, ValueError) as exc:
        _fail(exc)
    spec = syn.spec
    click.echo(
        f"wrote {len(syn.frame)} rows to {output} (target {spec.target!r}, positive label "
        f"{spec.positive_label!r}, positive rate {syn.frame[spec.target].mean():.2%})"
    )


@data.command("validate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", required=True, help="Target column.")
@click.option("--positive-label", default="1", show_default=True, help="Value meaning 'bad'.")
@click.option("--id-column", default=None)
@click.option("--time-column", default=None)
@click.option("--categorical", multiple=True, help="Categorical column (repeatable).")
def data_validate(
    path: Path,
    target: str,
    positive_label: str,
    id_column: str | None,
    time_column: str | None,
    categorical: tuple[str, ...],
) -> None:
    """Check a file against the data contract; report every problem at once."""
    from risk_models.data import DataSpec, validate_file

    spec = DataSpec(
        target=target,
        positive_label=positive_label,
        categorical=categorical,
        id_column=id_column,
        time_column=time_column,
    )
    try:
        v = validate_file(path, spec)
    except RiskModelsError as exc:
        _fail(exc)
    click.echo(
        f"{path}: OK — {v.n_rows} rows, {len(v.spec.features)} features "
        f"({len(v.spec.categorical)} categorical), positive rate {v.positive_rate:.2%}"
    )


@main.command("explain")
@click.argument("model_file", type=click.Path(dir_okay=False, path_type=Path))
def explain(model_file: Path) -> None:
    """Describe an exported student (shape_table.json or rule_set.json) for a reader."""
    from risk_models.explain import explain_text, load_explained

    try:
        model = load_explained(model_file)
    except RiskModelsError as exc:
        _fail(exc)
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
def reasons(
    model_file: Path,
    data_file: Path,
    k: int,
    reference: str,
    id_column: str | None,
    output: Path | None,
    head: int,
) -> None:
    """Score DATA_FILE with MODEL_FILE: probability and top-k reason codes per row."""
    from risk_models.data import read_table, table_format, write_table
    from risk_models.explain import load_explained, score_with_reasons

    try:
        if output is not None:
            table_format(output)  # refuse a bad suffix before any work
        model = load_explained(model_file)
        frame = read_table(data_file)
        scored = score_with_reasons(
            model,
            frame,
            k=k,
            reference=reference,  # type: ignore[arg-type]
            reference_frame=frame if reference == "mean" else None,
            id_column=id_column,
            source=str(data_file),
        )
        if output is not None:
            write_table(scored, output)
    except (RiskModelsError, ValueError) as exc:
        _fail(exc)
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
    _console().print(
        f"showing {shown} of {len(scored)} rows ({units} lost against the {reference} "
        "reference); write every row with -o OUT.csv or OUT.parquet"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
