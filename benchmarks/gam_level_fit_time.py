"""GAM/GA2M fit time against the number of levels of one categorical column (issue 9, item 4).

Synthetic frame: ``--rows`` rows, four numeric features and one categorical column with 20,
200 or 2,000 levels (Zipf-like frequencies, a level effect on the log-odds). Prints one line
per level count: GAM fit seconds, GA2M fit seconds, the number of table cells of the
categorical term, and the GAM's test AUC against the true probability's AUC.

Usage::

    .venv/bin/python benchmarks/gam_level_fit_time.py --rows 20000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from risk_models.students.ga2m import GA2MStudent
from risk_models.students.gam import GAMStudent


def make_frame(n_rows: int, n_levels: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Four numerics and a ``n_levels``-level string column; returns (X, true probability)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f"x{i}": rng.normal(size=n_rows) for i in range(4)})
    freq = 1.0 / np.arange(1, n_levels + 1) ** 0.8
    codes = rng.choice(n_levels, size=n_rows, p=freq / freq.sum())
    effect = rng.normal(scale=0.8, size=n_levels)
    X["cat"] = pd.Series([f"L{c}" for c in codes], dtype=object)
    logit = -2.0 + 0.8 * X["x0"] - 0.5 * X["x1"] ** 2 + effect[codes]
    return X, expit(logit.to_numpy())


def main(argv: list[str] | None = None) -> None:
    """Time GAM and GA2M fits for 20, 200 and 2,000 levels."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--levels", type=int, nargs="+", default=[20, 200, 2000])
    args = ap.parse_args(argv)
    for k in args.levels:
        X, p = make_frame(args.rows, k)
        rng = np.random.default_rng(1)
        y = (rng.random(len(p)) < p).astype(int)
        n_tr = int(0.8 * len(X))
        Xtr, Xte, ptr = X.iloc[:n_tr], X.iloc[n_tr:], p[:n_tr]
        t0 = time.perf_counter()
        gam = GAMStudent(n_estimators=300, device="cpu").fit(Xtr, y[:n_tr], soft_target=ptr)
        t_gam = time.perf_counter() - t0
        t0 = time.perf_counter()
        GA2MStudent(n_estimators=300, n_pairs=2, pair_rounds=100, device="cpu").fit(
            Xtr, y[:n_tr], soft_target=ptr
        )
        t_ga2m = time.perf_counter() - t0
        cells = next(t for t in gam.shape_table_.terms if t.name == "cat").values.size
        auc = roc_auc_score(y[n_tr:], gam.decision_function(Xte))
        auc_true = roc_auc_score(y[n_tr:], p[n_tr:])
        print(
            f"levels={k:5d} gam_fit_s={t_gam:7.2f} ga2m_fit_s={t_ga2m:7.2f} "
            f"cat_cells={cells:5d} gam_auc={auc:.4f} true_auc={auc_true:.4f}"
        )


if __name__ == "__main__":
    main()
