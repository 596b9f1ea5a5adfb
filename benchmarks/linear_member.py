"""Does a regularised spline logistic member lift the teacher ensemble? (issue 9, tuning seeds)

Usage::

    python benchmarks/linear_member.py german 100,101,102,103,104
    python benchmarks/linear_member.py insurance 100,101 '{"lgbm_c1": ["lightgbm", {...}, 0]}'

The optional third argument replaces the linear candidates by other members (name -> [kind,
params, seed], JSON); ``NO_EBM=1`` skips the EBM baseline (the slow part on some sets).

Like ``additive_member.py``: the pipeline's data step on the file, every member of
``pipelines/credit.yaml`` plus the candidates below cross-fitted once over the ensemble's own
folds, member sets combined with weights fitted on the out-of-fold scores and scored on the
test rows; EBM and a default LightGBM fitted on the same pooled rows. Tuning seeds only.
Writes ``benchmarks/results/linear_member_<dataset>_<seeds>.json``.
"""

from __future__ import annotations

import json
import os
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


def candidates(spec: str | None = None) -> dict:
    from risk_models.teachers.linear import LinearTeacher

    if spec:
        return {k: build_teacher(kind, p, seed) for k, (kind, p, seed) in json.loads(spec).items()}
    return {
        "logit": LinearTeacher(),
        "logit_b4": LinearTeacher(n_bins=4),
        "logit_b16": LinearTeacher(n_bins=16),
    }


def run_seed(dataset: str, seed: int, spec: str | None = None) -> dict:
    cfg = load_config(str(CONFIG), DATASETS[dataset], seed)
    s = compute_data(cfg).splits
    valid = (s.valid.X, s.valid.y)
    pool, y_pool, folds = pooled_folds(s.train.X, s.train.y, valid, cfg.ensemble.cv_folds, seed)
    ests = {t.name: build_teacher(t.kind, t.params, t.seed) for t in cfg.teachers}
    extra = candidates(spec)
    ests.update(extra)
    oof, test, secs = {}, {}, {}
    for name, est in ests.items():
        t = time.perf_counter()
        m, z = cross_fit_member(est, pool, y_pool, folds, seed=seed)
        secs[name] = time.perf_counter() - t
        oof[name] = z
        test[name] = m.decision_function(s.test.X)
    lg = fit_lightgbm(pool, y_pool, s.test.X)
    row: dict = {"seed": seed, "lgbm_default": auc(s.test.y, lg["p"])}
    if not os.environ.get("NO_EBM"):
        t = time.perf_counter()
        row["ebm"] = auc(s.test.y, fit_ebm(pool, y_pool, s.test.X)["p"])
        secs["ebm"] = time.perf_counter() - t
    row.update({f"m.{k}": auc(s.test.y, expit(v)) for k, v in test.items()})
    row.update({f"oof.{k}": auc(y_pool, expit(v)) for k, v in oof.items()})
    base = [t.name for t in cfg.teachers]
    sets = {"base": base, **{f"base+{k}": [*base, k] for k in extra}}
    for k in extra:  # a candidate named "<member>_..." also replaces that member
        if k.split("_")[0] in base:
            sets[f"{k}_for_{k.split('_')[0]}"] = [k if n == k.split("_")[0] else n for n in base]
    for sname, names in sets.items():
        Z = np.column_stack([oof[n] for n in names])
        w = fit_logit_weights(Z, y_pool, l2=cfg.ensemble.weight_l2)
        row[f"e.{sname}"] = auc(s.test.y, np.column_stack([test[n] for n in names]) @ w)
        row[f"w.{sname}"] = [round(x, 3) for x in w]
    row["secs"] = {k: round(v, 1) for k, v in secs.items()}
    return row


def main() -> None:
    dataset, seeds = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
    spec = sys.argv[3] if len(sys.argv) > 3 else None
    out = []
    for seed in seeds:
        row = run_seed(dataset, seed, spec)
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}))
        out.append(row)
    tag = "linear_member" if spec is None else "member_candidates"
    name = f"{tag}_{dataset}_{'_'.join(map(str, seeds))}.json"
    (HERE / "results" / name).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
