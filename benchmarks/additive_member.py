"""Does an EBM-style additive member (teachers/additive.py) lift the teacher ensemble? (issue 9)

Usage::

    python benchmarks/additive_member.py german 100,101,102   # dataset, comma-separated seeds

For each seed: the pipeline's data step (``pipelines/credit.yaml`` on the file), then every
member of the config plus three additive candidates (GAM; GA2M with up to 10 pairs; GA2M at
learning rate 0.05 / 64 bins) is cross-fitted once over the ensemble's own folds
(``pooled_folds`` + ``cross_fit_member``, as ``TeacherEnsemble(cv_folds=10)``). Member sets are
combined with weights fitted on the out-of-fold scores (``fit_logit_weights``, the config's
``weight_l2``) and scored on the test rows (calibration left out: monotone, AUC unchanged).
EBM and a default LightGBM are fitted on the same pooled rows. Tuning seeds only.
Writes ``benchmarks/results/additive_member_<dataset>_<seeds>.json``; prints one JSON line per seed.
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
EXTRA = {
    "add_gam": ("additive", {"n_pairs": 0}),
    "add_ga2m": ("additive", {"n_pairs": 10}),
    "add_ga2m_lr05": ("additive", {"n_pairs": 10, "learning_rate": 0.05, "max_bin": 64}),
}


def run_seed(dataset: str, seed: int) -> dict:
    cfg = load_config(str(CONFIG), DATASETS[dataset], seed)
    s = compute_data(cfg).splits
    valid = (s.valid.X, s.valid.y)
    pool, y_pool, folds = pooled_folds(s.train.X, s.train.y, valid, cfg.ensemble.cv_folds, seed)
    members = {t.name: (t.kind, t.params, t.seed) for t in cfg.teachers}
    members.update({k: (kind, p, 0) for k, (kind, p) in EXTRA.items()})
    oof, test, secs = {}, {}, {}
    for name, (kind, params, mseed) in members.items():
        t = time.perf_counter()
        est = build_teacher(kind, params, mseed)
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
    base = [t.name for t in cfg.teachers]
    sets = {
        "base": base,
        "base+add_gam": [*base, "add_gam"],
        "base+add_ga2m": [*base, "add_ga2m"],
        "base+add_ga2m_lr05": [*base, "add_ga2m_lr05"],
        "lgbm+add_ga2m": ["lgbm", "lgbm_narrow", "add_ga2m"],
    }
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
    name = f"additive_member_{dataset}_{'_'.join(map(str, seeds))}.json"
    (HERE / "results" / name).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
