"""Where the teacher step's time goes on a large book: one cross-fit fold per member, timed.

Usage::

    python benchmarks/teacher_scale.py FILE TARGET [--config pipelines/credit.yaml] [--seed 100]
        [--all-cores-cells N]

The pipeline's data step on FILE (``--config``'s roles, the benchmark's split), then for every
configured teacher member the first cross-fit fold exactly as the ensemble fits it (train on
the other folds minus a stratified early-stopping slice, stop on that slice; a LightGBM member
with ``capacity_search`` searches as on its first folds): seconds, rounds or epochs, and the
member's estimated cross-fit seconds (fold seconds x ``ensemble.cv_folds``; the later folds of
a capacity-searching member fit one candidate, so this overstates those members). Prints one
JSON line per member. ``--all-cores-cells N`` sets ``risk_models.device.ALL_CORES_CELLS``
(tables from N cells get every core) to compare thread counts. Writes
``benchmarks/results/teacher_scale_<file stem>[_cells<N>].json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split
from students_vs_baselines import file_arguments, file_config

from risk_models.steps.data import compute_data
from risk_models.teachers.bagging import fold_estimator
from risk_models.teachers.ensemble import build_teacher, pooled_folds

HERE = Path(__file__).parent


def main() -> None:
    ap = argparse.ArgumentParser()
    file_arguments(ap)
    ap.add_argument("--all-cores-cells", type=int, default=None)
    args = ap.parse_args()
    if args.all_cores_cells is not None:
        import risk_models.device

        risk_models.device.ALL_CORES_CELLS = args.all_cores_cells
    cfg = file_config(args)
    s = compute_data(cfg).splits
    k_folds = cfg.ensemble.cv_folds
    pool, y, folds = pooled_folds(s.train.X, s.train.y, (s.valid.X, s.valid.y), k_folds, args.seed)
    rest = np.flatnonzero(folds != 0)
    fit_idx, stop_idx = train_test_split(
        rest, test_size=0.1, stratify=y[rest], random_state=args.seed
    )
    out: list[dict[str, Any]] = []
    for t in cfg.teachers:
        est = fold_estimator(build_teacher(t.kind, t.params, t.seed), 0)
        t0 = time.perf_counter()
        model = est.fit(pool.iloc[fit_idx], y[fit_idx], eval_set=(pool.iloc[stop_idx], y[stop_idx]))
        secs = time.perf_counter() - t0
        row = {
            "member": t.name,
            "kind": t.kind,
            "fold_rows": len(fit_idx),
            "fold_seconds": round(secs, 1),
            "cross_fit_estimate_s": round(secs * k_folds, 0),
            "n_trees": getattr(model, "n_trees_", None),
            "best_epoch": getattr(model, "best_epoch_", None),
        }
        choice = getattr(model, "capacity_choice_", None)
        if choice:
            row["candidates"] = [
                {k: (round(v, 4) if isinstance(v, float) else v) for k, v in c.items()}
                for c in choice["candidates"]
            ]
        print(json.dumps(row), flush=True)
        out.append(row)
    cells = "" if args.all_cores_cells is None else f"_cells{args.all_cores_cells}"
    name = f"teacher_scale_{Path(args.file).stem}{cells}.json"
    (HERE / "results" / name).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
