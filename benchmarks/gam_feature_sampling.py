"""Is the GAM's greedy stump boosting what keeps it below EBM on small books? (issue 9, tuning)

Usage::

    python benchmarks/gam_feature_sampling.py german 105,106,107
    python benchmarks/gam_feature_sampling.py german 105,106 '{"cs03": {"colsample_bynode": 0.3}}'
    REFIT=1 EBM_TRAIN=1 python benchmarks/gam_feature_sampling.py german 105,106 '{"greedy": {}}'

For each seed: the pipeline's data step on the file (``pipelines/credit.yaml``, the benchmark's
split), then the GAM student fitted on the training rows' 0/1 labels with early stopping on the
validation rows, once per variant (the third argument: name -> changes of GAM or XGBoost
parameters, JSON; default below), and EBM with its defaults fitted on train + valid.
``REFIT=1`` also refits each variant on train + valid at its stopped rounds x n_all / n_train;
``EBM_TRAIN=1`` also fits EBM on the training rows only (what the GAM sees); ``NO_EBM=1``
skips EBM.
Test AUC of each. EBM boosts one feature at a time in turn (cyclic), the GAM picks the best
stump over all features each round (greedy); ``colsample_bynode`` < 1 makes each round choose
among a random subset of features, a cheap step towards EBM's cycling. Tuning seeds only.
Writes ``benchmarks/results/gam_feature_sampling_<dataset>_<seeds>_<variant names>.json``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from _baselines import fit_ebm
from students_vs_baselines import DATASETS, load_config

from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.students.gam import GAMStudent

HERE = Path(__file__).parent
CONFIG = HERE.parent / "pipelines" / "credit.yaml"
DEFAULT_VARIANTS: dict[str, dict[str, Any]] = {
    "greedy": {},
    "cs05": {"colsample_bynode": 0.5},
    "cs03": {"colsample_bynode": 0.3},
    "cs01": {"colsample_bynode": 0.1},
}


class SampledGAM(GAMStudent):
    """The GAM student with extra XGBoost parameters on top of its own."""

    extra: dict[str, Any]  # set on each instance before fit

    def _booster_params(self, design: Any, n_rows: int) -> dict[str, Any]:
        return {**super()._booster_params(design, n_rows), **self.extra}


def _pool(s: Any) -> tuple[pd.DataFrame, Any]:
    pool = pd.concat([s.train.X, s.valid.X])
    y_pool = pd.concat([pd.Series(s.train.y), pd.Series(s.valid.y)]).to_numpy()
    return pool, y_pool


def run_seed(dataset: str, seed: int, variants: dict[str, dict[str, Any]]) -> dict[str, Any]:
    cfg = load_config(str(CONFIG), DATASETS[dataset], seed)
    s = compute_data(cfg).splits
    gam_params = next(st.params for st in cfg.students if st.kind == "gam")
    row: dict[str, Any] = {"seed": seed, "secs": {}}
    for name, change in variants.items():
        own = {k: v for k, v in change.items() if k in GAMStudent._get_param_names()}
        est = SampledGAM(**{**gam_params, **own})
        est.extra = {k: v for k, v in change.items() if k not in own}
        t = time.perf_counter()
        est.fit(s.train.X, s.train.y, eval_set=(s.valid.X, s.valid.y))
        row["secs"][name] = round(time.perf_counter() - t, 2)
        row[name] = auc(s.test.y, est.predict_proba(s.test.X)[:, 1])
        row[f"rounds.{name}"] = int(est.n_trees_)
        if os.environ.get("REFIT"):  # refit on train + valid at the stopped rounds x n_all/n_train
            pool, y_pool = _pool(s)
            rounds = max(1, round(est.n_trees_ * len(pool) / len(s.train.X)))
            re = SampledGAM(**{**gam_params, **own, "n_estimators": rounds})
            re.extra = est.extra
            re.fit(pool, y_pool)
            row[f"{name}_refit"] = auc(s.test.y, re.predict_proba(s.test.X)[:, 1])
    if not os.environ.get("NO_EBM"):
        pool, y_pool = _pool(s)
        t = time.perf_counter()
        row["ebm"] = auc(s.test.y, fit_ebm(pool, y_pool, s.test.X)["p"])
        row["secs"]["ebm"] = round(time.perf_counter() - t, 1)
        if os.environ.get("EBM_TRAIN"):  # EBM on the training rows only, as the GAM sees
            row["ebm_train"] = auc(s.test.y, fit_ebm(s.train.X, s.train.y, s.test.X)["p"])
    return row


def main() -> None:
    dataset, seeds = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
    variants = json.loads(sys.argv[3]) if len(sys.argv) > 3 else DEFAULT_VARIANTS
    out = []
    for seed in seeds:
        row = run_seed(dataset, seed, variants)
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}))
        out.append(row)
    names = [k for k in out[0] if k != "seed" and isinstance(out[0][k], float)]
    print("mean", {n: round(sum(r[n] for r in out) / len(out), 4) for n in names})
    tag = "_".join(variants) + ("_refit" if os.environ.get("REFIT") else "")
    name = f"gam_feature_sampling_{dataset}_{'_'.join(map(str, seeds))}_{tag}.json"
    (HERE / "results" / name).write_text(json.dumps({"variants": variants, "rows": out}, indent=1))


if __name__ == "__main__":
    main()
