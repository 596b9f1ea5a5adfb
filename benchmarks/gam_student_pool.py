"""Should the distilled GAM also learn from the validation rows? (issue 9, tuning seeds)

Usage::

    python benchmarks/gam_student_pool.py german 105,106,107 [n_bags]

The students train on the training rows (plus MUNGE transfer rows) and stop on the validation
rows, while EBM, the baseline, trains on train + valid. A cross-fitted teacher has out-of-fold
soft labels for the validation rows too, so a student could learn from all of them. For each
seed the pipeline's steps run once (``pipelines/credit.yaml``), then the config's ``gam``:

* ``base``: as the pipeline fits it (train + transfer rows, stopped on valid's soft labels);
* ``refit_pool``: one fit on train + valid + transfer rows at ``base``'s stopped rounds;
* ``bag_pool``: the mean log-odds of ``n_bags`` (default 5) fits, each stopped on its own
  1/n_bags of the train + valid rows (out-of-fold soft labels) and trained on the rest + the
  transfer rows (EBM's outer bags, on soft labels).

Test AUC (and the teacher's). Tuning seeds only. Writes
``benchmarks/results/gam_student_pool_<dataset>_<seeds>.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from students_vs_baselines import DATASETS, load_config

from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.steps.soft_labels import compute_soft_labels
from risk_models.steps.students import student_params, valid_soft_target
from risk_models.steps.teachers import compute_teachers
from risk_models.students.gam import GAMStudent

HERE = Path(__file__).parent
CONFIG = HERE.parent / "pipelines" / "credit.yaml"


def run_seed(dataset: str, seed: int, n_bags: int) -> dict[str, Any]:
    cfg = load_config(str(CONFIG), DATASETS[dataset], seed)
    data = compute_data(cfg)
    teachers = compute_teachers(cfg, data)
    soft = compute_soft_labels(cfg, data, teachers)
    s = data.splits
    scfg = next(st for st in cfg.students if st.kind == "gam")
    params = student_params(scfg, cfg, s.train.spec, GAMStudent.distill_params)
    tr = soft.training
    pv = valid_soft_target(data, teachers)
    assert pv is not None, "needs a cross-fitted teacher"
    row: dict[str, Any] = {"seed": seed, "teacher": teachers.metrics["ensemble"]["auc"]}

    t = time.perf_counter()
    base = GAMStudent(**params).fit(
        tr.X, tr.y, soft_target=tr.teacher_proba, eval_set=(s.valid.X, pv)
    )
    row["base"] = {
        "test_auc": auc(s.test.y, base.decision_function(s.test.X)),
        "rounds": int(base.n_trees_),
        "seconds": round(time.perf_counter() - t, 2),
    }

    real = ~np.asarray(tr.is_transfer)
    X_real = pd.concat([tr.X[real], s.valid.X]).reset_index(drop=True)
    p_real = np.r_[np.asarray(tr.teacher_proba)[real], pv]
    y_real = np.r_[np.asarray(tr.y)[real], np.asarray(s.valid.y)]
    X_tf = tr.X[~real].reset_index(drop=True)
    p_tf = np.asarray(tr.teacher_proba)[~real]
    y_tf = np.asarray(tr.y)[~real]

    t = time.perf_counter()
    fixed = {**params, "n_estimators": int(base.n_trees_)}
    refit = GAMStudent(**fixed).fit(
        pd.concat([X_real, X_tf], ignore_index=True),
        np.r_[y_real, y_tf],
        soft_target=np.r_[p_real, p_tf],
    )
    row["refit_pool"] = {
        "test_auc": auc(s.test.y, refit.decision_function(s.test.X)),
        "seconds": round(time.perf_counter() - t, 2),
    }

    t = time.perf_counter()
    fold = np.random.default_rng(seed).permutation(len(X_real)) % n_bags
    zs, rounds = [], []
    for b in range(n_bags):
        out, inn = fold == b, fold != b
        model = GAMStudent(**{**params, "random_state": seed + b}).fit(
            pd.concat([X_real[inn], X_tf], ignore_index=True),
            np.r_[y_real[inn], y_tf],
            soft_target=np.r_[p_real[inn], p_tf],
            eval_set=(X_real[out], p_real[out]),
        )
        zs.append(model.decision_function(s.test.X))
        rounds.append(int(model.n_trees_))
    row["bag_pool"] = {
        "test_auc": auc(s.test.y, np.mean(zs, axis=0)),
        "rounds": rounds,
        "seconds": round(time.perf_counter() - t, 2),
    }
    return row


def main() -> None:
    dataset, seeds = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
    n_bags = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    out = []
    for seed in seeds:
        row = run_seed(dataset, seed, n_bags)
        print(json.dumps(row), flush=True)
        out.append(row)
    keys = ("base", "refit_pool", "bag_pool")
    mean = {k: round(float(np.mean([r[k]["test_auc"] for r in out])), 4) for k in keys}
    print("mean test", mean, "teacher", round(float(np.mean([r["teacher"] for r in out])), 4))
    name = f"gam_student_pool_{dataset}_{'_'.join(map(str, seeds))}.json"
    (HERE / "results" / name).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
