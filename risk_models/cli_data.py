"""``riskdistill data synth | validate``: write a synthetic book, check a file."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from risk_models.cli_common import fail
from risk_models.data.contract import DataSpec
from risk_models.errors import RiskModelsError

__all__ = ["data", "run_command_line"]

#: The pipeline config each synthetic kind is made for.
PIPELINE_OF = {"credit": "pipelines/credit.yaml", "fraud": "pipelines/fraud.yaml"}


def run_command_line(config: str, path: str | Path, spec: DataSpec) -> str:
    """The ``riskdistill run`` line that trains on ``path`` with every role of ``spec``.

    Parameters
    ----------
    config : the pipeline config to name (relative to the repository root).
    path : the data file.
    spec : its column roles (target, positive label, id, time, segment, categorical,
        excluded, monotone).

    Returns
    -------
    str
        A shell command line, arguments quoted where needed.
    """
    args = ["riskdistill", "run", config, "--data", str(path), "--target", spec.target]
    args += ["--positive-label", str(spec.positive_label)]
    for flag, value in (
        ("--id-column", spec.id_column),
        ("--time-column", spec.time_column),
        ("--segment-column", spec.segment_column),
    ):
        if value:
            args += [flag, value]
    for column in spec.categorical:
        args += ["--categorical", column]
    for column in spec.exclude:
        args += ["--exclude", column]
    for column, direction in spec.monotone.items():
        args += ["--monotone", f"{column}={int(direction):+d}"]
    return shlex.join(args)


@click.group("data")
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
        fail(exc)
    spec = syn.spec
    click.echo(
        f"wrote {len(syn.frame)} rows to {output} (target {spec.target!r}, positive label "
        f"{spec.positive_label!r}, positive rate {syn.frame[spec.target].mean():.2%})"
    )
    click.echo("train on it (from the repository root) with:")
    click.echo(f"  {run_command_line(PIPELINE_OF[kind], output, spec)}")


@data.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--target", required=True, help="Target column.")
@click.option("--positive-label", default="1", show_default=True, help="Value meaning 'bad'.")
@click.option("--id-column", default=None)
@click.option("--time-column", default=None)
@click.option("--segment-column", default=None)
@click.option("--categorical", multiple=True, help="Categorical column (repeatable).")
@click.option("--exclude", multiple=True, help="Column to leave out (repeatable).")
@click.option("--monotone", multiple=True, metavar="COL=+1|-1", help="Direction (repeatable).")
@click.option(
    "--missing-value",
    "missing_values",
    multiple=True,
    metavar="TEXT",
    help='Also read this text as missing (repeatable; "?" always is).',
)
def data_validate(
    path: Path,
    target: str,
    positive_label: str,
    id_column: str | None,
    time_column: str | None,
    segment_column: str | None,
    categorical: tuple[str, ...],
    exclude: tuple[str, ...],
    monotone: tuple[str, ...],
    missing_values: tuple[str, ...],
) -> None:
    """Check a file (or partitioned Parquet folder) against the data contract; report every
    problem at once."""
    from risk_models.config_overrides import parse_monotone_flags
    from risk_models.data import validate_file

    try:
        spec = DataSpec(
            target=target,
            positive_label=positive_label,
            categorical=categorical,
            id_column=id_column,
            time_column=time_column,
            segment_column=segment_column,
            exclude=exclude,
            monotone=parse_monotone_flags(monotone),
            missing_values=tuple(dict.fromkeys(("?", *missing_values))),
        )
        v = validate_file(path, spec)
    except RiskModelsError as exc:
        fail(exc)
    click.echo(
        f"{path}: OK — {v.n_rows} rows, {len(v.spec.features)} features "
        f"({len(v.spec.categorical)} categorical), positive rate {v.positive_rate:.2%}"
    )
