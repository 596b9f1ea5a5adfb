"""``--engine spark``: the same model, output columns, rejects and manifest, on Spark.

Spark reads the input (Parquet file or partitioned folder, or CSV with every column as text),
and ``mapInArrow`` hands each task's Arrow batches to the same NumPy code as the local engine
(:func:`~risk_models.scoring.tablescore.score_chunk`), so scores and reasons are identical. The
task function carries the model's JSON and compiles it on the worker; it imports the
``tablescore`` package shipped to the workers (``SparkContext.addPyFile``), or
``risk_models.scoring.tablescore`` when installed there. Nothing else is needed on a worker but
numpy, pandas and pyarrow.

The output is a folder of Parquet part files, written beside the destination and renamed onto
it when complete; the rejects go to ``OUTPUT.rejects/`` (``row_number`` is null: Spark splits
files across tasks), the manifest to ``OUTPUT.manifest.json``, written last.

Point it at a cluster with ``--spark-master`` (``spark://host:7077``, ``yarn``, ``k8s://...``) or
run ``riskdistill score --engine spark`` through ``spark-submit`` (the session it builds picks up
the submitted configuration).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from risk_models.scoring import manifest as mf
from risk_models.scoring.tablescore import output_columns, resolve_cutoff

_TABLESCORE = Path(__file__).with_name("tablescore")


def spark_session(master: str | None = None, *, app_name: str = "riskdistill-score") -> Any:
    """A Spark session (``local[*]`` unless a master is given or already configured), UTC."""
    from pyspark.sql import SparkSession

    # Local workers run this interpreter (the one with numpy, pandas and pyarrow).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name).config("spark.sql.session.timeZone", "UTC")
    if master:
        builder = builder.master(master)
    elif "SPARK_MASTER" not in os.environ and "spark.master" not in os.environ.get(
        "PYSPARK_SUBMIT_ARGS", ""
    ):
        builder = builder.master("local[*]")
    return builder.getOrCreate()


def _ship_scorer(spark: Any) -> None:
    """Send the ``tablescore`` package to the workers as a zip (once per session)."""
    conf = spark.sparkContext.getConf()
    if conf.get("spark.master", "").startswith("local") or getattr(spark, "_rd_shipped", False):
        return
    folder = Path(tempfile.mkdtemp(prefix="riskdistill-spark-"))
    zpath = folder / "tablescore.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in sorted(_TABLESCORE.glob("*.py")):
            zf.write(f, f"tablescore/{f.name}")
    spark.sparkContext.addPyFile(str(zpath))
    spark._rd_shipped = True


def _output_fields(id_fields: list[Any], k: int) -> Any:
    from pyspark.sql import types as T

    kinds = {"probability": T.DoubleType(), "logit": T.DoubleType(), "points": T.LongType()}
    fields = list(id_fields)
    for col in output_columns(k):
        t = kinds.get(col, T.DoubleType() if col.endswith("_points") else T.StringType())
        fields.append(T.StructField(col, t, True))
    fields += [T.StructField(c, T.StringType(), True) for c in ("model_name", "model_version",
                                                                "model_run_id")]  # fmt: skip
    fields.append(T.StructField("scored_at", T.TimestampType(), True))
    return T.StructType(fields)


def _scorer(document: dict, options: dict[str, Any], ids: list[str], consts: dict) -> Any:
    """The ``mapInArrow`` function: scored rows of each batch (model compiled on the worker)."""

    def run(batches: Any) -> Any:
        import numpy as np
        import pyarrow as pa

        try:
            import tablescore as ts
        except ImportError:
            from risk_models.scoring import tablescore as ts
        model = ts.compile_model(document)
        for b in batches:
            chunk = ts.score_chunk(model, b, k=options["k"], on_invalid=options["on_invalid"],
                                   cutoff=options["cutoff"])  # fmt: skip
            t = chunk.table
            n = t.num_rows
            cols = {}
            for c in ids:
                col = b.column(c)
                cols[c] = col if chunk.kept is None else col.filter(pa.array(chunk.kept))
            for name in t.schema.names:
                col = t.column(name)
                cols[name] = col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col
            for c in ("model_name", "model_version", "model_run_id"):
                cols[c] = pa.array([consts[c]] * n, type=pa.string())
            cols["scored_at"] = pa.array(np.full(n, consts["scored_at_us"], dtype=np.int64)).cast(
                pa.timestamp("us", tz="UTC")
            )
            yield from pa.table(cols).to_batches()

    return run


def _rejecter(document: dict, options: dict[str, Any], columns: list[str]) -> Any:
    """The ``mapInArrow`` function: refused rows of each batch, as text, with their reasons."""

    def run(batches: Any) -> Any:
        import pyarrow as pa

        try:
            import tablescore as ts
        except ImportError:
            from risk_models.scoring import tablescore as ts
        from_policy = ts.policy
        model = ts.compile_model(document)
        for b in batches:
            if options["on_invalid"] != "reject":
                continue
            cols = model.read_columns(b)
            problems = from_policy.find_problems(model, cols, b.num_rows)
            bad = problems.any_row()
            if not bad.any():
                continue
            picked = b.filter(pa.array(bad))
            out = {c: picked.column(c).cast(pa.string()) for c in columns}
            out["source_file"] = picked.column("_source_file").cast(pa.string())
            out["row_number"] = pa.nulls(picked.num_rows, type=pa.int64())
            out["reject_reason"] = pa.array(list(problems.text(bad)), type=pa.string())
            yield from pa.table(out).to_batches()

    return run


def _commit_dir(tmp: Path, dest: Path) -> None:
    """Move a finished folder onto ``dest`` (an old ``dest`` is moved aside, then removed)."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{secrets.token_hex(4)}")
        os.replace(dest, old)
    os.replace(tmp, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def score_on_spark(
    resolved: Any, source: Any, out_path: Path, *, spark: Any, id_columns: Any, k: int,
    on_invalid: str, cutoff: float | None, scored_at: datetime, rejects: Path | None,
    manifest: Path | None, psi_threshold: float, mlflow_config: Any, started: float,
    date: str | None,
) -> mf.ScoringSummary:  # fmt: skip
    """Score ``source`` on Spark; see :func:`risk_models.scoring.batch.score_batch`."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from risk_models.scoring.batch import _end_run, _options, _start_run

    spark = spark or spark_session()
    _ship_scorer(spark)
    ids = list(id_columns)
    rej_path = rejects or out_path.with_name(out_path.name + ".rejects")
    man_path = manifest or out_path.with_name(out_path.name + ".manifest.json")
    options = _options(ids, k, on_invalid, cutoff, resolved, scored_at, date, "spark", 0)
    cut = resolve_cutoff(resolved.compiled.metadata, cutoff)
    task_opts = {"k": k, "on_invalid": on_invalid, "cutoff": cut}
    if source.format == "parquet":
        reader = spark.read
        if source.path.is_dir():
            reader = reader.option("basePath", str(source.path))
        df = reader.parquet(str(source.path))
    else:
        df = spark.read.option("header", True).option("inferSchema", False).csv(str(source.path))
    source_file = F.regexp_replace(F.input_file_name(), "^file:(//)?", "")
    df = df.select(*source.columns).withColumn("_source_file", source_file)
    consts = {
        "model_name": resolved.name or Path(resolved.source).name,
        "model_version": resolved.version,
        "model_run_id": resolved.run_id,
        "scored_at_us": round(scored_at.timestamp() * 1_000_000),
    }
    id_fields = [df.schema[c] for c in ids]
    out_schema = _output_fields(id_fields, k)
    rej_schema = T.StructType(
        [*(T.StructField(c, T.StringType(), True) for c in source.columns),
         T.StructField("source_file", T.StringType(), True),
         T.StructField("row_number", T.LongType(), True),
         T.StructField("reject_reason", T.StringType(), True)]
    )  # fmt: skip
    run = _start_run(mlflow_config, resolved, options)
    try:
        tag = secrets.token_hex(4)
        tmp_out = out_path.with_name(f".{out_path.name}.tmp-{tag}")
        tmp_rej = rej_path.with_name(f".{rej_path.name}.tmp-{tag}")
        t0 = time.perf_counter()
        scored = df.mapInArrow(_scorer(resolved.document, task_opts, ids, consts), out_schema)
        scored.write.mode("overwrite").parquet(str(tmp_out))
        refused = df.mapInArrow(_rejecter(resolved.document, task_opts, source.columns), rej_schema)
        refused.write.mode("overwrite").parquet(str(tmp_rej))
        t_write = time.perf_counter() - t0
        back = spark.read.parquet(str(tmp_out))
        n_scored = back.count()
        rej_back = spark.read.parquet(str(tmp_rej))
        n_rejected = rej_back.count()
        by_reason = {
            r["kind"]: int(r["count"])
            for r in rej_back.select(F.explode(F.split("reject_reason", ";")).alias("p"))
            .select(F.substring_index("p", ":", 1).alias("kind"))
            .groupBy("kind")
            .count()
            .collect()
        }
        baseline = resolved.compiled.metadata.get("score_baseline")
        counts = psi = None
        if baseline and n_scored:
            import numpy as np

            expr = sum((F.col("logit") >= float(e)).cast("int") for e in baseline["edges"])
            got = {
                r["b"]: r["count"]
                for r in back.select(expr.alias("b")).groupBy("b").count().collect()
            }
            counts = np.asarray([got.get(i, 0) for i in range(len(baseline["edges"]) + 1)])
            psi = mf.psi_from_counts(baseline["counts"], counts)
        _commit_dir(tmp_rej, rej_path)
        _commit_dir(tmp_out, out_path)
        digests = [mf_file(f) for f in source.files]
        elapsed = time.perf_counter() - started
        summary = mf.ScoringSummary(
            model=resolved.describe(), input_path=str(source.path), output_path=str(out_path),
            rejects_path=str(rej_path), manifest_path=str(man_path),
            rows_read=n_scored + n_rejected, rows_scored=n_scored, rows_rejected=n_rejected,
            rejected_by_reason=by_reason, psi=psi, psi_threshold=psi_threshold,
            scored_at=scored_at.isoformat(), seconds=elapsed, engine="spark",
            mlflow_run_id=None if run is None else run.info.run_id,
            timings={"spark_jobs": t_write},
        )  # fmt: skip
        mf.write_manifest(
            man_path,
            mf.build_manifest(
                summary, files=digests, options=options, baseline=baseline, actual_counts=counts
            ),
        )
    except BaseException as exc:
        _end_run(run, None, man_path, exc)
        raise
    _end_run(run, summary, man_path, None)
    return summary


def mf_file(path: Path) -> dict[str, Any]:
    """One input file's manifest entry (path, size, SHA-256)."""
    from risk_models.scoring.reader import file_digest

    return {"path": str(path), "bytes": path.stat().st_size, "sha256": file_digest(path)}
