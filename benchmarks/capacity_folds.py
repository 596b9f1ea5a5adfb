"""LightGBM capacity searched on every cross-fit fold vs on the first few (issue 9, fit time).

Usage::

    python benchmarks/capacity_folds.py --datasets german insurance --seeds 100 101 102 103 104 \
        --capacity-folds 0 3 [--out benchmarks/results/capacity_folds.json]

For each data set and *tuning* seed, runs the pipeline's ``compute_data`` and
``compute_teachers`` with every LightGBM member's ``capacity_folds`` set to each value
(0 = every fold searches, the old behaviour; -1 = the config unchanged), and records the
teacher's test AUC, the teacher step's seconds, and the members' out-of-fold / test
log-odds (``--dump`` .npz) so combination rules can be compared offline without refitting.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from students_vs_baselines import DATASETS, RESULTS, load_config

from risk_models.atomic import atomic_write_text
from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.steps.teachers import compute_teachers


def with_capacity_folds(cfg, n: int):  # type: ignore[no-untyped-def]
    if n < 0:  # the config as it is (a commit before capacity_folds existed)
        return cfg
    teachers = [
        t.model_copy(update={"params": {**t.params, "capacity_folds": n}})
        if t.kind == "lightgbm" and t.params.get("capacity_search")
        else t
        for t in cfg.teachers
    ]
    return cfg.model_copy(update={"teachers": teachers})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["german"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103, 104])
    ap.add_argument("--capacity-folds", type=int, nargs="+", default=[0, 3])
    ap.add_argument("--config", default="pipelines/credit.yaml")
    ap.add_argument("--out", default=str(RESULTS / "capacity_folds.json"))
    ap.add_argument("--dump", default=None, help="folder for per-run member log-odds (.npz)")
    args = ap.parse_args()
    rows = []
    for name in args.datasets:
        for seed in args.seeds:
            for n in args.capacity_folds:
                cfg = with_capacity_folds(load_config(args.config, DATASETS[name], seed), n)
                data = compute_data(cfg)
                t0 = time.perf_counter()
                te = compute_teachers(cfg, data)
                secs = time.perf_counter() - t0
                y_test = np.asarray(data.splits.test.y, dtype=int)
                row = {
                    "dataset": name, "seed": seed, "capacity_folds": n,
                    "teacher_auc": float(auc(y_test, te.test.logit)),
                    "member_auc": [float(auc(y_test, z)) for z in te.test.members.T],
                    "weights": [float(w) for w in te.ensemble.weights_],
                    "teacher_seconds": secs,
                }  # fmt: skip
                print(json.dumps(row), flush=True)
                rows.append(row)
                if args.dump:
                    ens = te.ensemble
                    folds = ens.folds_
                    Path(args.dump).mkdir(parents=True, exist_ok=True)
                    np.savez(
                        Path(args.dump) / f"{name}_{seed}_cf{n}.npz",
                        oof=ens.oof_member_logits_, folds=folds,
                        y_pool=np.concatenate([data.splits.train.y, data.splits.valid.y]),
                        test=te.test.members, y_test=y_test,
                    )  # fmt: skip
    atomic_write_text(Path(args.out), json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
