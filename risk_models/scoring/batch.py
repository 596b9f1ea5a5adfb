"""``score_batch``: stream a model over a book, with reasons, rejects, a manifest and drift.

Order of work, so that a refused job leaves nothing behind:

1. resolve the model (registry alias or version, or a file) and compile it;
2. open the input and check its schema (every feature and id column, readable types);
3. check the output paths; only then start the MLflow scoring run (when tracking is on);
4. stream batches: read (a background thread reads ahead), score with
   :func:`risk_models.scoring.tablescore.score_chunk`, append the scored rows to the output and
   the refused ones to the rejects file, count the scores in the baseline's bins;
5. commit rejects then output atomically, write the manifest last, log the MLflow run.

Each output row carries the id columns, the scores and reasons, the model's name, version and
run id, and ``scored_at`` (one timestamp per job; ``as_of`` fixes it, so a re-run gives the same
bytes).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from risk_models.errors import DataReadError
from risk_models.scoring import manifest as mf
from risk_models.scoring.model_ref import ResolvedModel, resolve_model
from risk_models.scoring.reader import (
    DEFAULT_BATCH_ROWS,
    BatchSource,
    file_digest,
    fill_template,
    open_input,
)
from risk_models.scoring.tablescore import POLICIES, resolve_cutoff, score_chunk
from risk_models.scoring.threads import BackgroundWriter, prefetch
from risk_models.scoring.writer import committed_outputs, default_companion

if TYPE_CHECKING:  # the config module imports the estimators; scoring does not need them
    from risk_models.config import MlflowConfig

ENGINES = ("local", "spark")
MODEL_COLUMNS = ("model_name", "model_version", "model_run_id", "scored_at")


def parse_as_of(as_of: datetime | str | None) -> datetime:
    """The job's scoring timestamp (UTC, microseconds): ``as_of`` or now."""
    if as_of is None:
        ts = datetime.now(UTC)
    elif isinstance(as_of, datetime):
        ts = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    else:
        try:
            ts = datetime.fromisoformat(str(as_of))
        except ValueError:
            raise DataReadError(
                f"--as-of {as_of!r}: not an ISO date or time (e.g. 2026-12-01 or "
                "2026-12-01T02:00:00+00:00)"
            ) from None
        ts = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC)


def model_columns(resolved: ResolvedModel, scored_at: datetime, n: int) -> dict[str, Any]:
    """The constant per-job columns: model name, version, run id and the scoring time."""
    import pyarrow as pa

    def const(value: str | None) -> Any:
        if value is None:
            return pa.nulls(n, type=pa.dictionary(pa.int32(), pa.string()))
        return pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, dtype=np.int32)), pa.array([value])
        )

    name = resolved.name or Path(resolved.source).name
    return {
        "model_name": const(name),
        "model_version": const(resolved.version),
        "model_run_id": const(resolved.run_id),
        "scored_at": pa.array(np.full(n, _epoch_us(scored_at), dtype=np.int64)).cast(
            pa.timestamp("us", tz="UTC")
        ),
    }


def _epoch_us(ts: datetime) -> int:
    return round(ts.timestamp() * 1_000_000)


def _reject_table(
    batch: Any, rejected: np.ndarray, reasons: np.ndarray, file: str, first: int
) -> Any:
    """The refused rows of a batch, every column as text, with file, row number and reasons."""
    import pyarrow as pa

    rows = np.flatnonzero(rejected)
    picked = batch.take(pa.array(rows))
    cols = {name: picked.column(name).cast(pa.string()) for name in picked.schema.names}
    n = len(rows)
    cols["source_file"] = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([file])
    )
    cols["row_number"] = pa.array(rows + first, type=pa.int64())
    cols["reject_reason"] = pa.array(list(reasons), type=pa.string())
    return pa.table(cols)


def _rejects_schema(columns: Sequence[str]) -> Any:
    import pyarrow as pa

    return pa.schema(
        [*(pa.field(c, pa.string()) for c in columns),
         pa.field("source_file", pa.dictionary(pa.int32(), pa.string())),
         pa.field("row_number", pa.int64()), pa.field("reject_reason", pa.string())]
    )  # fmt: skip


def score_batch(
    model: str | ResolvedModel,
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    id_columns: Sequence[str] = (),
    k: int = 4,
    on_invalid: str = "reject",
    cutoff: float | None = None,
    as_of: datetime | str | None = None,
    date: str | None = None,
    rejects: str | os.PathLike[str] | None = None,
    manifest: str | os.PathLike[str] | None = None,
    psi_threshold: float = mf.DEFAULT_PSI_THRESHOLD,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    engine: str = "local",
    mlflow_config: MlflowConfig | None = None,
    track: bool = True,
    client: Any = None,
    spark: Any = None,
) -> mf.ScoringSummary:
    """Score every row of ``input`` with ``model`` and commit the output atomically.

    Parameters
    ----------
    model : ``models:/NAME@ALIAS``, ``models:/NAME/VERSION``, a path to an exported
        ``shape_table.json`` / ``rule_set.json`` or MLflow model folder, or a
        :class:`~risk_models.scoring.model_ref.ResolvedModel`.
    input : Parquet file or (hive-partitioned) folder, or CSV file; ``{date}`` is filled
        from ``date``.
    output : ``.parquet``, ``.csv`` or ``.csv.gz`` file (``{date}`` filled too); with
        ``engine="spark"`` a folder of Parquet part files.
    id_columns : input columns carried to the output and rejects (first columns).
    k : reason codes per row (0 for none).
    on_invalid : ``"reject"`` (default: rows with ``+-inf``, unseen levels, text in a numeric
        column or an unsupported missing value go to the rejects file with the reason) or
        ``"flag"`` (scored in the missing/unknown bin and named in the ``flags`` column).
    cutoff : PD at or above which the decision is ``decline`` (default: the model's
        ``metadata["cutoff"]``, else 0.5).
    as_of : the job's ``scored_at`` (ISO text or datetime; default now, UTC).
    date : fills ``{date}`` in ``input``/``output``/``rejects``/``manifest``.
    rejects, manifest : paths (default ``OUTPUT.rejects.<suffix>`` and
        ``OUTPUT.manifest.json``).
    psi_threshold : score PSI above which :attr:`ScoringSummary.drift_alarm` is raised.
    batch_rows : rows per chunk (memory is bounded by a few chunks).
    engine : ``"local"`` (this process) or ``"spark"`` (``mapInArrow`` on ``spark`` or a
        local session).
    mlflow_config : where ``models:/`` URIs are resolved and the scoring run is logged;
        ``None``: MLflow's current URIs, no run.
    track : log the scoring run (with ``mlflow_config``); ``False`` resolves only.
    client : an ``MlflowClient`` for model resolution (tests).

    Returns
    -------
    ScoringSummary
        Rows read, scored and rejected (per reason), PSI, timings, paths, resolved model.

    Raises
    ------
    DataReadError, DataValidationError
        Input problems that affect every row (exit 2), before anything is written.
    ModelResolutionError, ModelFormatError
        The model cannot be found or read (exit 3).
    """
    started = time.perf_counter()
    if on_invalid not in POLICIES:
        raise ValueError(f"on_invalid must be one of {list(POLICIES)}, got {on_invalid!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"k must be a non-negative integer, got {k!r}")
    if cutoff is not None and not 0.0 < float(cutoff) < 1.0:
        raise ValueError(f"cutoff must be a PD strictly between 0 and 1, got {cutoff!r}")
    if mlflow_config is not None and isinstance(model, str) and model.startswith("models:/"):
        _point_mlflow(mlflow_config)
    resolved = model if isinstance(model, ResolvedModel) else resolve_model(model, client=client)
    in_path = fill_template(input, date)
    out_path = Path(fill_template(output, date))
    source = open_input(in_path, kinds=dict(resolved.compiled.input_kinds), id_columns=id_columns)
    scored_at = parse_as_of(as_of)
    if engine == "spark":
        from risk_models.scoring.spark_engine import score_on_spark

        return score_on_spark(
            resolved, source, out_path, spark=spark, id_columns=id_columns, k=k,
            on_invalid=on_invalid, cutoff=cutoff, scored_at=scored_at,
            rejects=None if rejects is None else Path(fill_template(rejects, date)),
            manifest=None if manifest is None else Path(fill_template(manifest, date)),
            psi_threshold=psi_threshold, mlflow_config=mlflow_config if track else None,
            started=started,
            date=date,
        )  # fmt: skip
    rej_path = (
        Path(fill_template(rejects, date)) if rejects else default_companion(out_path, "rejects")
    )
    man_path = (
        Path(fill_template(manifest, date)) if manifest else default_companion(out_path, "manifest")
    )
    options = _options(id_columns, k, on_invalid, cutoff, resolved, scored_at, date, engine,
                       batch_rows)  # fmt: skip
    run = _start_run(mlflow_config if track else None, resolved, options)
    try:
        summary, files, counts = _run_local(
            resolved, source, out_path, rej_path, man_path, options, psi_threshold, started,
            run,
        )  # fmt: skip
        mf.write_manifest(
            man_path,
            mf.build_manifest(
                summary, files=files, options=options,
                baseline=resolved.document.get("metadata", {}).get("score_baseline"),
                actual_counts=counts,
            ),
        )  # fmt: skip
    except BaseException as exc:
        _end_run(run, None, man_path, exc)
        raise
    _end_run(run, summary, man_path, None)
    return summary


def _point_mlflow(cfg: MlflowConfig) -> None:
    import mlflow

    mlflow.set_tracking_uri(cfg.tracking_uri)
    mlflow.set_registry_uri(cfg.registry_uri or cfg.tracking_uri)


def _options(
    id_columns: Sequence[str], k: int, on_invalid: str, cutoff: float | None,
    resolved: ResolvedModel, scored_at: datetime, date: str | None, engine: str, batch_rows: int,
) -> dict[str, Any]:  # fmt: skip
    return {
        "id_columns": list(id_columns),
        "k": k,
        "on_invalid": on_invalid,
        "cutoff": resolve_cutoff(resolved.compiled.metadata, cutoff),
        "as_of": scored_at.isoformat(),
        "date": date,
        "engine": engine,
        "batch_rows": batch_rows,
    }


def _run_local(
    resolved: ResolvedModel, source: BatchSource, out_path: Path, rej_path: Path,
    man_path: Path, options: dict[str, Any], psi_threshold: float, started: float, run: Any,
) -> tuple[mf.ScoringSummary, list[dict[str, Any]], np.ndarray | None]:  # fmt: skip
    import pyarrow as pa

    model = resolved.compiled
    baseline = model.metadata.get("score_baseline")
    counts = np.zeros(len(baseline["edges"]) + 1, dtype=np.int64) if baseline else None
    ids = options["id_columns"]
    k, cut = options["k"], options["cutoff"]
    scored_at = datetime.fromisoformat(options["as_of"])
    by_reason: dict[str, int] = {}
    n_read = n_scored = n_rejected = 0
    t_score = t_write = 0.0
    with ThreadPoolExecutor(max_workers=1) as pool:
        digests = pool.map(file_digest, source.files)
        with committed_outputs(out_path, rej_path) as (out_w, rej_w):
            rej_w.empty_schema = _rejects_schema(source.columns)
            with BackgroundWriter() as bg:
                for b in prefetch(source.batches(options["batch_rows"])):
                    t0 = time.perf_counter()
                    chunk = score_chunk(
                        model, b.data, k=k, on_invalid=options["on_invalid"], cutoff=cut
                    )
                    table = chunk.table
                    n = table.num_rows
                    extra = model_columns(resolved, scored_at, n)
                    kept = chunk.kept
                    id_cols = {
                        c: b.data.column(c)
                        if kept is None
                        else b.data.column(c).filter(pa.array(kept))
                        for c in ids
                    }
                    full = pa.table(
                        {**id_cols, **{c: table.column(c) for c in table.schema.names}, **extra}
                    )
                    if counts is not None and n:
                        counts += mf.baseline_counts(baseline, chunk.logit)
                    t1 = time.perf_counter()
                    bg.put(out_w, full)
                    if kept is not None:
                        file = str(source.files[b.file_index])
                        bg.put(
                            rej_w,
                            _reject_table(b.data, ~kept, chunk.reject_reason, file, b.first_row),
                        )
                        for kind, count in chunk.problems.counts().items():
                            by_reason[kind] = by_reason.get(kind, 0) + count
                    t_score += t1 - t0
                    n_read += b.data.num_rows
                    n_scored += n
                    n_rejected += b.data.num_rows - n
            t_write = bg.seconds
            if out_w.rows == 0:
                out_w.empty_schema = _empty_output_schema(resolved, source, options)
        files = [
            {"path": str(f), "bytes": f.stat().st_size, "sha256": d}
            for f, d in zip(source.files, digests, strict=True)
        ]
    psi = None
    if counts is not None and n_scored:
        psi = mf.psi_from_counts(baseline["counts"], counts)
    elapsed = time.perf_counter() - started
    summary = mf.ScoringSummary(
        model=resolved.describe(), input_path=str(source.path), output_path=str(out_path),
        rejects_path=str(rej_path), manifest_path=str(man_path), rows_read=n_read,
        rows_scored=n_scored, rows_rejected=n_rejected, rejected_by_reason=by_reason, psi=psi,
        psi_threshold=psi_threshold, scored_at=scored_at.isoformat(), seconds=elapsed,
        engine="local", mlflow_run_id=None if run is None else run.info.run_id,
        timings={"score": t_score, "write (in a thread)": t_write,
                 "read_wait": max(elapsed - t_score, 0.0)},
    )  # fmt: skip
    return summary, files, counts


def _empty_output_schema(resolved: ResolvedModel, source: BatchSource, options: dict) -> Any:
    """Schema of a job with no scored row: score an empty frame of the input's columns."""
    import pandas as pd
    import pyarrow as pa

    empty = pd.DataFrame({c: pd.Series([], dtype="float64") for c in resolved.compiled.kinds})
    table = score_chunk(resolved.compiled, empty, k=options["k"]).table
    ids = [pa.field(c, pa.string()) for c in options["id_columns"]]
    extra = model_columns(resolved, datetime.now(UTC), 0)
    return pa.schema([*ids, *table.schema, *(pa.field(c, a.type) for c, a in extra.items())])


def _start_run(cfg: MlflowConfig | None, resolved: ResolvedModel, options: dict) -> Any:
    if cfg is None:
        return None
    from risk_models.scoring.tracking import start_scoring_run

    return start_scoring_run(cfg, resolved, options)


def _end_run(run: Any, summary: mf.ScoringSummary | None, man_path: Path, exc: Any) -> None:
    if run is None:
        return
    from risk_models.scoring.tracking import end_scoring_run

    end_scoring_run(run, summary, man_path, exc)
