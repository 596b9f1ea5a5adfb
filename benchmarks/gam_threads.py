"""The GAM student's boosting on one thread or two (issue 9, item 4: threads by table size).

Usage::

    python benchmarks/gam_threads.py FILE TARGET [--positive-label V] [--seed 100] [--reps 3]

The pipeline's data step on FILE (``pipelines/credit.yaml``, the benchmark's split), a default
LightGBM on the training rows as a stand-in teacher, and the config's ``gam`` student fitted on
its soft labels (no transfer rows) with XGBoost ``nthread`` 1 and 2 in turn, ``--reps`` times
each. Prints fit seconds, rounds and test AUC per fit (the model is the same at either count)
and the ratio of the medians; writes ``benchmarks/results/gam_threads_<file stem>.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from gam_scale import stand_in
from students_vs_baselines import file_arguments, file_config

from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.students.gam import GAMStudent

HERE = Path(__file__).parent


def main() -> None:
    ap = argparse.ArgumentParser()
    file_arguments(ap)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    cfg = file_config(args)
    s = compute_data(cfg).splits
    teacher, base = stand_in(cfg, s)
    q = teacher.predict_proba(s.train.X)[:, 1]
    qv = teacher.predict_proba(s.valid.X)[:, 1]
    own = GAMStudent._booster_params
    rows: list[dict[str, Any]] = []
    for _ in range(args.reps):
        for threads in (1, 2):

            def params(self: GAMStudent, design: Any, n: int, t: int = threads) -> dict:
                return {**own(self, design, n), "nthread": t}

            GAMStudent._booster_params = params  # type: ignore[method-assign]
            t0 = time.perf_counter()
            m = GAMStudent(**base).fit(
                s.train.X, np.zeros(len(q)), soft_target=q, eval_set=(s.valid.X, qv)
            )
            row = {
                "threads": threads,
                "cells": int(s.train.X.size),
                "fit_s": round(time.perf_counter() - t0, 2),
                "rounds": int(m.n_trees_),
                "test_auc": round(auc(s.test.y, m.decision_function(s.test.X)), 6),
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
    GAMStudent._booster_params = own  # type: ignore[method-assign]
    med = {t: statistics.median(r["fit_s"] for r in rows if r["threads"] == t) for t in (1, 2)}
    print(f"median fit s: 1 thread {med[1]}, 2 threads {med[2]}, ratio {med[2] / med[1]:.2f}")
    out = {"rows": rows, "median_s": med}
    (HERE / "results" / f"gam_threads_{Path(args.file).stem}.json").write_text(
        json.dumps(out, indent=1)
    )


if __name__ == "__main__":
    main()
