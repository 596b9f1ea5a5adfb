"""``riskdistill run``: the whole pipeline on a config, with a user's own data and column roles.

Check first, record after: the data file's columns, the config (with the command line's
roles), the MLflow settings and the tracking store are all checked before anything runs; a
refusal prints ``error: ...`` and exits 2 without a traceback, an output folder or an MLflow
run. :func:`risk_models.pipeline.run_pipeline` then validates the data before it creates
either.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from risk_models.cli_common import console, fail, probe_stores
from risk_models.cli_progress import progress_bar
from risk_models.errors import ConfigError, RiskModelsError

__all__ = ["run"]


def _mlflow_settings(config: Path, mlflow_config: Path | None, tracking_uri: str | None) -> Any:
    """The MLflow config and a line saying which file it came from."""
    from risk_models.config import find_mlflow_config, load_mlflow_config

    if mlflow_config is None:
        found, note = find_mlflow_config(config)
    else:
        if not mlflow_config.is_file():
            raise ConfigError(str(mlflow_config), ["file not found (given by --mlflow-config)"])
        found, note = mlflow_config, f"MLflow settings from {mlflow_config}"
    mcfg = load_mlflow_config(found, tracking_uri)
    if tracking_uri:
        note += f"; tracking URI {tracking_uri} from --tracking-uri"
    return mcfg, note


def _roles_line(roles: dict[str, Any]) -> str:
    parts = [f"target {roles['target']} (bad = {roles['positive_label']!r})"]
    for key in ("id_column", "time_column", "segment_column"):
        if roles[key]:
            parts.append(f"{key.removesuffix('_column')} {roles[key]}")
    parts.append(f"{len(roles['features'])} features ({len(roles['categorical'])} categorical)")
    if roles["monotone"]:
        parts.append(f"{len(roles['monotone'])} monotone")
    if roles["exclude"]:
        parts.append(f"excluded {', '.join(roles['exclude'])}")
    return ", ".join(parts)


@click.command("run")
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--data",
    "data_path",
    type=click.Path(),
    default=None,
    help="Parquet/CSV file or partitioned Parquet folder instead of the config's data source "
    "(the config's column roles are kept for the columns it has).",
)
@click.option("--target", default=None, help="Target column (overrides the config).")
@click.option("--positive-label", default=None, help="Target value meaning 'bad'.")
@click.option("--id-column", default=None, help="Unique row id column (never a feature).")
@click.option(
    "--time-column", default=None, help="Event time column (out-of-time splits; not a feature)."
)
@click.option(
    "--segment-column", default=None, help="Column that segments the reports (not a feature)."
)
@click.option("--categorical", multiple=True, help="Treat this column as categorical (repeatable).")
@click.option("--exclude", multiple=True, help="Leave this column out entirely (repeatable).")
@click.option(
    "--monotone",
    multiple=True,
    metavar="COL=+1|-1",
    help="Risk rises (+1) or falls (-1) with COL; enforced on the students (repeatable).",
)
@click.option(
    "--missing-value",
    "missing_values",
    multiple=True,
    metavar="TEXT",
    help='Also read this text as missing in text columns (repeatable; "?" always is, '
    "unless the config's data.missing_values says otherwise).",
)
@click.option(
    "--amount-column",
    default=None,
    help="Numeric feature holding the amount (fraud yardsticks: value recall and "
    "amount-weighted costs; sets fraud.amount_column).",
)
@click.option(
    "--quick",
    is_flag=True,
    help="A small first run: synthetic book of at most 3,000 rows (fraud stream: 200,000, "
    "so the validation and test months hold frauds), at most 3 cross-fitting folds, no "
    "transfer set.",
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
    default=None,
    help="MLflow settings file [default: ./mlflow.yaml, else the one beside the config's "
    "repository, else built-in defaults].",
)
@click.option(
    "--until",
    metavar="STEP",
    default=None,
    help="Stop after this step of the pipeline (data, teachers, soft_labels, students, ...; "
    "summary.json holds what was computed).",
)
def run(
    config: Path,
    data_path: str | None,
    target: str | None,
    positive_label: str | None,
    id_column: str | None,
    time_column: str | None,
    segment_column: str | None,
    categorical: tuple[str, ...],
    exclude: tuple[str, ...],
    monotone: tuple[str, ...],
    missing_values: tuple[str, ...],
    amount_column: str | None,
    quick: bool,
    output_dir: Path | None,
    tracking_uri: str | None,
    mlflow_config: Path | None,
    until: str | None,
) -> None:
    """Run the whole pipeline: data, teachers, soft labels, students, gates, registry."""
    from risk_models.config import load_run_config
    from risk_models.config_overrides import DataOverrides, parse_monotone_flags
    from risk_models.data.io import read_columns
    from risk_models.pipeline import run_pipeline, steps_until

    out_console = console()
    try:
        steps_until(until)  # an unknown step is refused before anything else
        overrides = DataOverrides(
            path=data_path,
            target=target,
            positive_label=positive_label,
            id_column=id_column,
            time_column=time_column,
            segment_column=segment_column,
            categorical=categorical,
            exclude=exclude,
            monotone=parse_monotone_flags(monotone),
            amount_column=amount_column,
            missing_values=missing_values,
            quick=quick,
        )
        columns = read_columns(data_path) if data_path is not None else None
        cfg, notes = load_run_config(config, overrides, columns)
        mcfg, mlflow_note = _mlflow_settings(config, mlflow_config, tracking_uri)
        probe_stores(mcfg)
    except RiskModelsError as exc:
        fail(exc)
    for note in notes:
        out_console.print(f"note: {note}", markup=False)
    out_console.print(mlflow_note, markup=False)
    out = output_dir or Path("runs") / f"{cfg.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    started = time.perf_counter()

    def progress(step: str, message: str) -> None:
        out_console.print(
            f"[{time.perf_counter() - started:6.1f}s] [bold cyan]{step:<11}[/] {message}"
        )

    try:
        with progress_bar(out_console) as bar:
            result = run_pipeline(cfg, mcfg, out, progress=progress, bar=bar, until=until)
    except RiskModelsError as exc:
        fail(exc)
    _print_result(out_console, result, mcfg, until)


def _fraud_line(fraud: dict[str, Any], name: str) -> str:
    """``AUPRC 0.759 (teacher 0.797, 95.2 % kept), recall at 0.5 % ...`` for one student."""
    from risk_models.evaluation.fraud import rate_label

    models, kept = fraud["models"], fraud["retention"][name]
    parts = [
        f"AUPRC {models[name]['auprc']:.3f} (teacher {models['teacher']['auprc']:.3f}, "
        f"{_share(kept['auprc_retention'])} kept)"
    ]
    for rate in fraud["settings"]["alert_rates"]:
        r = rate_label(rate)
        parts.append(
            f"recall at {100 * rate:g} % {models[name][f'recall_at_{r}']:.3f} "
            f"({_share(kept[f'recall_retention_at_{r}'])} kept)"
        )
    return "fraud: " + ", ".join(parts)


def _share(value: Any) -> str:
    return "-" if value is None else f"{100 * float(value):.1f} %"


def _print_result(out: Any, result: Any, mcfg: Any, until: str | None) -> None:
    s = result.summary
    done = f" (stopped after {until})" if until else ""
    out.print(f"\n[bold green]done[/]{done} in {s['elapsed_seconds']:.0f}s")
    if "roles" in s.get("data", {}):
        out.print(f"  data         {_roles_line(s['data']['roles'])}", markup=False)
    if "teachers" in s:
        out.print(f"  teacher ensemble test AUC  {s['teachers']['ensemble']['auc']:.4f}")
    fraud = s.get("fraud")
    for name, st in s.get("students", {}).items():
        verdict = "-" if st["gates"] is None else "pass" if st["gates"]["passed"] else "FAIL"
        where = (
            f"registered {st['registered_model']} v{st['version']}"
            if st["version"]
            else f"not registered ({st['not_registered_because'] or 'stopped before register'})"
        )
        out.print(
            f"  student {name:<18} test AUC {st['test']['auc']:.4f}  "
            f"(gap {st['fidelity']['auc_gap']:+.4f}, gates {verdict}), {where}",
            markup=False,
        )
        if fraud and name in fraud.get("retention", {}):
            out.print(f"    {_fraud_line(fraud, name)}", markup=False)
    out.print(f"  summary      {result.summary_path}", markup=False)
    if "audit_report" in s:
        out.print(f"  audit report {s['audit_report']['html']}", markup=False)
    out.print(f"  MLflow run   {result.run_id} at {mcfg.tracking_uri}", markup=False)
    out.print(f"  browse with  mlflow ui --backend-store-uri {mcfg.tracking_uri}", markup=False)
    click.echo(str(result.summary_path))
