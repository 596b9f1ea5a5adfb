"""Batch scoring throughput: in memory, Parquet to Parquet with reasons, I/O floor, teacher.

Usage:
    python benchmarks/scoring.py [--parts inmemory,parquet,teacher] [--sizes 1000000,10000000]
        [--models gam,ga2m,scorecard] [--work /tmp/riskdistill-scoring-bench] [--seed 0]

Models: a GAM, a GA2M with 20 pairs and a scorecard fitted on the UCI Taiwan file
(``../shared/data``; the synthetic credit book when it is absent), cached in ``--work``.
Books: ``n`` synthetic rows with the UCI Taiwan schema, every column drawn (with replacement,
seeded) from that column's values in the real file, an ``ID`` column, written as Parquet in
row groups of 262,144 rows.

Parts (each a few minutes on 2 cores; run them separately on a busy machine):

``inmemory``  on 1M rows: ``ShapeTable.predict_logit`` (pandas frame); the top-4 reasons (codes
              and points lost: ``tablescore.output.evaluate``); ``score_chunk`` (every output
              column, value texts included) without and with the top-4 reasons (Arrow
              table); median of ``--repeats``, wall and per CPU second.
``parquet``   ``riskdistill score`` (library call, k=4, rejects, manifest) of each book, one
              fresh process per run, wall time and peak RSS; beside it the I/O floor: the same
              file streamed through pyarrow (``iter_batches`` then ``ParquetWriter``, default
              settings) in a fresh process.
``teacher``   the ``pipelines/credit.yaml`` ensemble (2 LightGBM, 2 Torch MLPs, cross-fitted over
              its 10 folds; ``--teacher-folds 0`` fits each member once, ~10x faster to score)
              fitted on the real file; ``decision_function`` on a 50k-row sample, vs the GAM.

Prints one JSON line per measurement and writes them all to
``benchmarks/results/scoring.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TAIWAN = REPO.parent / "shared" / "data" / "uci_taiwan_default_credit_card.parquet"
TARGET = "default.payment.next.month"
ROW_GROUP = 262_144
CPU: list[float] = []


def _log(record: dict, out: list[dict]) -> None:
    record = {k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()}
    print(json.dumps(record), flush=True)
    out.append(record)


def training_frame():
    """(X, y, source): the real UCI Taiwan file, or the synthetic credit book without it."""
    import pandas as pd

    if TAIWAN.is_file():
        frame = pd.read_parquet(TAIWAN)
        return frame.drop(columns=[TARGET, "ID"], errors="ignore"), frame[TARGET], str(TAIWAN)
    from risk_models.data import make_credit_book

    syn = make_credit_book(n_rows=30_000, seed=0)
    return syn.frame[list(syn.spec.features)], syn.frame[syn.spec.target], "synthetic credit book"


def fit_models(work: Path, names: list[str], out: list[dict]) -> dict[str, Path]:
    """Fit (or reuse) the students; their exported JSON paths."""
    from risk_models.students.ga2m import GA2MStudent
    from risk_models.students.gam import GAMStudent
    from risk_models.students.scorecard import ScorecardStudent

    makers = {
        "gam": lambda: GAMStudent(device="cpu"),
        "ga2m": lambda: GA2MStudent(n_pairs=20, device="cpu"),
        "scorecard": lambda: ScorecardStudent(),
    }
    paths = {n: work / "models" / f"{n}.json" for n in names}
    missing = [n for n in names if not paths[n].exists()]
    if missing:
        X, y, source = training_frame()
        for n in missing:
            t = time.perf_counter()
            table = makers[n]().fit(X, y).export()
            table.save(paths[n])
            _log({"part": "fit", "model": n, "seconds": time.perf_counter() - t,
                  "terms": len(table.terms), "data": source}, out)  # fmt: skip
    return paths


def make_book(work: Path, n: int, seed: int) -> Path:
    """``n`` synthetic rows with the UCI Taiwan schema (per-column draws), cached."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = work / f"book_{n}_{seed}.parquet"
    if path.exists():
        return path
    X, _, _ = training_frame()
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp")
    writer = None
    for lo in range(0, n, 1_000_000):
        m = min(1_000_000, n - lo)
        cols = {"ID": np.arange(lo, lo + m, dtype=np.int64)}
        for c in X.columns:
            values = X[c].to_numpy()
            cols[c] = values[rng.integers(0, len(values), m)]
        table = pa.table(cols)
        writer = writer or pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=ROW_GROUP)
    writer.close()
    os.replace(tmp, path)
    return path


def _median(fn, repeats: int) -> float:
    """Median wall seconds of ``fn`` (after a warm-up); the CPU seconds of those calls go to
    :data:`CPU` (on a shared machine, rows per CPU second is the idle-core figure)."""
    fn()  # warm-up
    times, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU.append(float(np.median(cpu)))
    return float(np.median(times))


def part_inmemory(paths: dict[str, Path], book: Path, repeats: int, out: list[dict]) -> None:
    import pyarrow.parquet as pq

    from risk_models.explain import load_explained
    from risk_models.scoring.tablescore import compile_model, score_chunk
    from risk_models.scoring.tablescore.output import evaluate

    arrow = pq.read_table(book)
    frame = arrow.to_pandas()
    n = len(frame)
    for name, path in paths.items():
        table = load_explained(path)
        compiled = compile_model(table.to_dict())
        t_logit = _median(lambda table=table: table.predict_logit(frame), repeats)
        t_rc = _median(lambda c=compiled: evaluate(c, arrow, k=4), repeats)
        t0 = _median(lambda c=compiled: score_chunk(c, arrow, k=0), repeats)
        t4 = _median(lambda c=compiled: score_chunk(c, arrow, k=4), repeats)
        c_logit, c_rc, c0, c4 = CPU[-4:]
        _log({"part": "inmemory", "model": name, "rows": n, "terms": len(table.terms),
              "predict_logit_rows_per_s": n / t_logit, "reasons_k4_rows_per_s": n / t_rc,
              "score_k0_rows_per_s": n / t0, "score_k4_rows_per_s": n / t4,
              "per_cpu_second": {"predict_logit": n / c_logit, "reasons_k4": n / c_rc,
                                 "score_k0": n / c0, "score_k4": n / c4},
              "load_avg_1m": os.getloadavg()[0]}, out)  # fmt: skip


_SCORE_JOB = """
import json, resource, sys, time
from risk_models.scoring.batch import score_batch
t = time.perf_counter()
s = score_batch(sys.argv[1], sys.argv[2], sys.argv[3], id_columns=["ID"], k=4,
                as_of="2026-12-01")
dt = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": dt, "rows": s.rows_read, "rejected": s.rows_rejected,
                  "peak_rss_mb": u.ru_maxrss / 1024, "cpu_seconds": u.ru_utime + u.ru_stime,
                  "timings": s.timings}))
"""

_FLOOR_JOB = """
import json, resource, sys, time
import pyarrow.parquet as pq
t = time.perf_counter()
f = pq.ParquetFile(sys.argv[1])
w = None
for b in f.iter_batches(batch_size=262144):
    w = w or pq.ParquetWriter(sys.argv[2], b.schema)
    w.write_batch(b)
w.close()
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": f.metadata.num_rows,
                  "peak_rss_mb": u.ru_maxrss / 1024, "cpu_seconds": u.ru_utime + u.ru_stime}))
"""


def _job(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=True, cwd=REPO)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def part_parquet(
    paths: dict[str, Path], books: dict[int, Path], work: Path, out: list[dict]
) -> None:
    for n, book in books.items():
        floor = _job(_FLOOR_JOB, str(book), str(work / "floor.parquet"))
        floor_rps = floor["rows"] / floor["seconds"]
        _log({"part": "parquet_floor", "rows": n, "rows_per_s": floor_rps,
              "seconds": floor["seconds"], "cpu_seconds": floor["cpu_seconds"],
              "peak_rss_mb": floor["peak_rss_mb"]}, out)  # fmt: skip
        for name, path in paths.items():
            res = _job(_SCORE_JOB, str(path), str(book), str(work / f"scores_{name}.parquet"))
            _log({"part": "parquet_score", "model": name, "rows": n, "k": 4,
                  "rows_per_s": res["rows"] / res["seconds"], "seconds": res["seconds"],
                  "x_floor": res["seconds"] / floor["seconds"], "peak_rss_mb": res["peak_rss_mb"],
                  "cpu_seconds": res["cpu_seconds"], "load_avg_1m": os.getloadavg()[0],
                  "timings": {k: round(v, 2) for k, v in res["timings"].items()}}, out)  # fmt: skip


def part_teacher(paths: dict[str, Path], book: Path, folds: int | None, out: list[dict]) -> None:
    import pyarrow.parquet as pq

    from risk_models.config import load_pipeline_config
    from risk_models.explain import load_explained
    from risk_models.steps.teachers import teacher_ensemble

    X, y, source = training_frame()
    cfg = load_pipeline_config(REPO / "pipelines" / "credit.yaml")
    if folds is not None:
        cfg = cfg.model_copy(
            update={"ensemble": cfg.ensemble.model_copy(update={"cv_folds": folds})}
        )
    rng = np.random.default_rng(0)
    valid = rng.random(len(X)) < 0.2
    t = time.perf_counter()
    ens = teacher_ensemble(cfg).fit(X[~valid], y[~valid], eval_set=(X[valid], y[valid]))
    fit_s = time.perf_counter() - t
    sample = pq.read_table(book).slice(0, 50_000).to_pandas()[list(X.columns)]
    t_teacher = _median(lambda: ens.decision_function(sample), 1)
    gam = load_explained(paths["gam"])
    t_gam = _median(lambda: gam.predict_logit(sample), 5)
    _log({"part": "teacher", "rows": len(sample), "members": list(ens.member_names),
          "cv_folds": cfg.ensemble.cv_folds,
          "fit_seconds": fit_s, "teacher_rows_per_s": len(sample) / t_teacher,
          "gam_rows_per_s": len(sample) / t_gam, "gam_x_teacher": t_teacher / t_gam,
          "data": source}, out)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="inmemory,parquet,teacher")
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--models", default="gam,ga2m,scorecard")
    ap.add_argument("--work", default="/tmp/riskdistill-scoring-bench")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--teacher-folds",
        type=int,
        default=None,
        help="cross-fit folds of the teacher (default: the config's, 10)",
    )
    args = ap.parse_args()
    work = Path(args.work)
    (work / "models").mkdir(parents=True, exist_ok=True)
    out: list[dict] = []
    _log({"part": "machine", "cpus": os.cpu_count(), "platform": platform.platform(),
          "python": platform.python_version(), "load_avg": os.getloadavg(),
          "date": time.strftime("%Y-%m-%d %H:%M")}, out)  # fmt: skip
    paths = fit_models(work, args.models.split(","), out)
    sizes = [int(s) for s in args.sizes.split(",")]
    books = {n: make_book(work, n, args.seed) for n in sizes}
    parts = args.parts.split(",")
    if "inmemory" in parts:
        part_inmemory(paths, make_book(work, 1_000_000, args.seed), args.repeats, out)
    if "parquet" in parts:
        part_parquet(paths, books, work, out)
    if "teacher" in parts:
        part_teacher(paths, make_book(work, 1_000_000, args.seed), args.teacher_folds, out)
    _log({"part": "end", "load_avg": os.getloadavg()}, out)
    from risk_models.atomic import atomic_write_text

    dest = REPO / "benchmarks" / "results" / "scoring.json"
    old = json.loads(dest.read_text()) if dest.exists() else []
    atomic_write_text(dest, json.dumps(old + out, indent=1))


if __name__ == "__main__":
    main()
