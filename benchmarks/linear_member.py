"""Does a regularised spline logistic member lift the teacher ensemble? (issue 9, tuning seeds)

Usage::

    python benchmarks/linear_member.py german 100,101,102,103,104

Like ``additive_member.py``: the pipeline's data step on the file, every member of
``pipelines/credit.yaml`` plus the candidates below cross-fitted once over the ensemble's own
folds, member sets combined with weights fitted on the out-of-fold scores and scored on the
test rows; EBM and a default LightGBM fitted on the same pooled rows. Tuning seeds only.
Writes ``benchmarks/results/linear_member_<dataset>_<seeds>.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from _baselines import fit_ebm, fit_lightgbm
from scipy.special import expit
from students_vs_baselines import DATASETS, load_config

from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.teachers.bagging import cross_fit_member
from risk_models.teachers.combine import fit_logit_weights
from risk_models.teachers.ensemble import build_teacher, pooled_folds

HERE = Path(__file__).parent
CONFIG = HERE.parent / "pipelines" / "credit.yaml"


def candidates() -> dict:
    from risk_models.teachers.linear import LinearTeacher

    return {
        "logit": LinearTeacher(),
        "logit_b4": LinearTeacher(n_bins=4),
        "logit_b16": LinearTeacher(n_bins=16),
    }


def run_seed(dataset: str, seed: int) -> dict:
    cfg = load_config(str(CONFIG), DATASETS[dataset], seed)
    s = compute_data(cfg).splits
    valid = (s.valid.X, s.valid.y)
    pool, y_pool, folds = pooled_folds(s.train.X, s.train.y, valid, cfg.ensemble.cv_folds, seed)
    ests = {t.name: build_teacher(t.kind, t.params, t.seed) for t in cfg.teachers}
    extra = candidates()
    ests.update(extra)
    oof, test, secs = {}, {}, {}
    for name, est in ests.items():
        t = time.perf_counter()
        m, z = cross_fit_member(est, pool, y_pool, folds, seed=seed)
        secs[name] = time.perf_counter() - t
        oof[name] = z
        test[name] = m.decision_function(s.test.X)
    t = time.perf_counter()
    e = fit_ebm(pool, y_pool, s.test.X)
    secs["ebm"] = time.perf_counter() - t
    lg = fit_lightgbm(pool, y_pool, s.test.X)
    row: dict = {"seed": seed, "ebm": auc(s.test.y, e["p"]), "lgbm_default": auc(s.test.y, lg["p"])}
    row.update({f"m.{k}": auc(s.test.y, expit(v)) for k, v in test.items()})
    row.update({f"oof.{k}": auc(y_pool, expit(v)) for k, v in oof.items()})
    base = [t.name for t in cfg.teachers]
    sets = {"base": base, **{f"base+{k}": [*base, k] for k in extra}}
    for sname, names in sets.items():
        Z = np.column_stack([oof[n] for n in names])
        w = fit_logit_weights(Z, y_pool, l2=cfg.ensemble.weight_l2)
        row[f"e.{sname}"] = auc(s.test.y, np.column_stack([test[n] for n in names]) @ w)
        row[f"w.{sname}"] = [round(x, 3) for x in w]
    row["secs"] = {k: round(v, 1) for k, v in secs.items()}
    return row


def main() -> None:
    dataset, seeds = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
    out = []
    for seed in seeds:
        row = run_seed(dataset, seed)
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}))
        out.append(row)
    name = f"linear_member_{dataset}_{'_'.join(map(str, seeds))}.json"
    (HERE / "results" / name).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
