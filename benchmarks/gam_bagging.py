"""Does bagging the GAM (EBM's outer bags) close its gap to EBM on hard labels? (issue 9, tuning)

Usage::

    EXTRA='{"colsample_bynode": 0.1}' python benchmarks/gam_bagging.py german 105,106,107 [8]

The pipeline's data step on the file (``pipelines/credit.yaml``, the benchmark's split); the
config's GAM student on the training rows' 0/1 labels: ``single`` = one fit stopped on the
validation rows; ``bag_own`` = the mean log-odds of B (default 8) fits, each on a random 85 %
of the training rows, stopped on the other 15 % (EBM's outer bags); ``bag_valid`` = the same,
stopped on the validation rows; ``bag_own_pool`` = ``bag_own`` on train + valid. ``EXTRA``:
XGBoost parameters added to every fit (JSON). Test AUC per seed and the means. Tuning seeds only.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from gam_feature_sampling import SampledGAM
from students_vs_baselines import DATASETS, load_config

from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data

CONFIG = Path(__file__).parents[1] / "pipelines" / "credit.yaml"


def fit_gam(params: dict[str, Any], extra: dict[str, Any], X: Any, y: Any, ev: Any) -> Any:
    model = SampledGAM(**params)
    model.extra = extra
    return model.fit(X, y, eval_set=ev)


def bag(
    s: Any,
    params: dict[str, Any],
    extra: dict[str, Any],
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    stop_on_valid: bool,
    n_bags: int,
    rng: np.random.Generator,
) -> float:
    """Mean test log-odds of ``n_bags`` fits on random 85 % slices of ``X``."""
    zs = []
    for b in range(n_bags):
        idx = rng.permutation(len(X))
        cut = int(0.15 * len(X))
        stop, fit = idx[:cut], idx[cut:]
        ev = (s.valid.X, s.valid.y) if stop_on_valid else (X.iloc[stop], y[stop])
        model = fit_gam({**params, "random_state": b}, extra, X.iloc[fit], y[fit], ev)
        zs.append(model.decision_function(s.test.X))
    return auc(s.test.y, np.mean(zs, axis=0))


def main() -> None:
    dataset, seeds = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
    n_bags = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    extra = json.loads(os.environ.get("EXTRA", "{}"))
    res: dict[str, list[float]] = {}
    for seed in seeds:
        cfg = load_config(str(CONFIG), DATASETS[dataset], seed)
        s = compute_data(cfg).splits
        gp = next(st.params for st in cfg.students if st.kind == "gam")
        Xt, yt = s.train.X.reset_index(drop=True), np.asarray(s.train.y)
        pool = pd.concat([s.train.X, s.valid.X]).reset_index(drop=True)
        yp = np.r_[yt, np.asarray(s.valid.y)]
        rng = np.random.default_rng(seed)
        single = fit_gam(gp, extra, Xt, yt, (s.valid.X, s.valid.y))
        row = {
            "single": auc(s.test.y, single.decision_function(s.test.X)),
            "bag_own": bag(s, gp, extra, Xt, yt, stop_on_valid=False, n_bags=n_bags, rng=rng),
            "bag_valid": bag(s, gp, extra, Xt, yt, stop_on_valid=True, n_bags=n_bags, rng=rng),
            "bag_own_pool": bag(
                s, gp, extra, pool, yp, stop_on_valid=False, n_bags=n_bags, rng=rng
            ),
        }
        for k, v in row.items():
            res.setdefault(k, []).append(v)
        print(seed, {k: round(v, 4) for k, v in row.items()}, flush=True)
    print("mean", {k: round(float(np.mean(v)), 4) for k, v in res.items()})


if __name__ == "__main__":
    main()
