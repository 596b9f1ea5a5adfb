"""Scorecard student fit time on a large book: the Newton step's products (review of issue 9).

Usage (one run compares two checkouts; the figures in RESULTS.md came from this)::

    git worktree add /tmp/sc_before <commit before>
    for i in 1 2 3; do
      PYTHONPATH=/tmp/sc_before python benchmarks/scorecard_fit_time.py before FILE:TARGET
      PYTHONPATH=. python benchmarks/scorecard_fit_time.py after FILE:TARGET
    done

The pipeline's data step on the book (a name of ``students_vs_baselines.DATASETS`` or
``FILE:TARGET[:LABEL]``; ``pipelines/credit.yaml``, split seed 100, a tuning seed), a default
LightGBM fitted on the training rows as a stand-in teacher (string columns as categories), the
MUNGE transfer rows the pipeline would add (``distill.transfer``; none from 60,000 training
rows), and the config's ``scorecard`` student fitted on the teacher's soft labels, its bins
path scored on the validation rows' soft labels. Prints one JSON line: the checkout's label,
fit seconds, the bin ceiling chosen, test AUC and the test logits' checksum (the two checkouts
should fit the same card).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from ga2m_fit_time import print_fit_line
from students_vs_baselines import dataset_of, load_config

from risk_models.distill.munge import make_transfer_set
from risk_models.steps.data import compute_data
from risk_models.students.scorecard import ScorecardStudent

CONFIG = Path(__file__).parents[1] / "pipelines" / "credit.yaml"


def as_categories(X: pd.DataFrame) -> pd.DataFrame:
    """String columns as pandas categories, for LightGBM."""
    out = X.copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype("category")
    return out


def main() -> None:
    label = sys.argv[1]
    import lightgbm as lgb

    cfg = load_config(str(CONFIG), dataset_of(sys.argv[2]), 100)
    s = compute_data(cfg).splits
    teacher = lgb.LGBMClassifier(verbose=-1, random_state=0)
    teacher.fit(as_categories(s.train.X), s.train.y)
    tr = cfg.distill.transfer
    n_munge = tr.rows_for(s.train.n_rows)
    X = s.train.X.reset_index(drop=True)
    if n_munge:
        extra = make_transfer_set(X, n_munge, swap_prob=tr.swap_prob, jitter=tr.jitter, seed=0)
        X = pd.concat([X, extra], ignore_index=True)
    cats = as_categories(pd.concat([X, s.valid.X], ignore_index=True))
    q = teacher.predict_proba(cats.iloc[: len(X)])[:, 1]
    qv = teacher.predict_proba(cats.iloc[len(X) :])[:, 1]
    params = next(st.params for st in cfg.students if st.kind == "scorecard")
    t0 = time.perf_counter()
    model = ScorecardStudent(**params).fit(
        X, np.zeros(len(X)), soft_target=q, eval_set=(s.valid.X, qv)
    )
    seconds = time.perf_counter() - t0
    z = model.decision_function(s.test.X)
    print_fit_line(label, len(X), seconds, s.test.y, z, max_bins=int(model.max_bins_))


if __name__ == "__main__":
    main()
