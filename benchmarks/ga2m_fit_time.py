"""GA2M student fit time on UCI Taiwan (issue 9, item 4): margins from the table vs leaf routing.

Usage (one run compares two checkouts; the figures in RESULTS.md came from this)::

    git worktree add /tmp/ga2m_before <commit before>
    for i in 1 2 3; do
      PYTHONPATH=/tmp/ga2m_before python benchmarks/ga2m_fit_time.py before
      PYTHONPATH=. python benchmarks/ga2m_fit_time.py after
    done

The pipeline's data step on the UCI Taiwan file (``pipelines/credit.yaml``, split seed 100, a
tuning seed), a default LightGBM fitted on the training rows as a stand-in teacher, and the
config's ``ga2m`` student fitted on its soft labels of the training rows, with
``MUNGE_ROWS`` (default 30,000, as the pipeline adds on this set) transfer rows labelled by the
same LightGBM, early stopping on the validation rows' soft labels. Prints one JSON line: the
checkout's label, fit seconds, pairs kept, test AUC and the test logits' checksum (the two
checkouts should fit the same model: equal AUC, checksums within float noise).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from students_vs_baselines import DATASETS, load_config

import risk_models
from risk_models.distill.munge import make_transfer_set
from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.students.ga2m import GA2MStudent

CONFIG = Path(__file__).parents[1] / "pipelines" / "credit.yaml"


def print_fit_line(
    label: str, rows: int, seconds: float, y_test: Any, z: np.ndarray, **extra: Any
) -> None:
    """One JSON line per timed fit: the checkout, its package folder, rows, seconds, ``extra``
    and the test AUC and logit checksum (two checkouts fitting the same model agree on both)."""
    line = {
        "checkout": label,
        "package": str(Path(risk_models.__file__).parent),
        "rows": rows,
        "fit_seconds": round(seconds, 2),
        **extra,
        "test_auc": round(auc(y_test, z), 6),
        "logit_sum": round(float(np.sum(z)), 6),
    }
    print(json.dumps(line), flush=True)


def main() -> None:
    label = sys.argv[1] if len(sys.argv) > 1 else "this checkout"
    import lightgbm as lgb

    cfg = load_config(str(CONFIG), DATASETS["taiwan"], 100)
    s = compute_data(cfg).splits
    teacher = lgb.LGBMClassifier(verbose=-1, random_state=0).fit(s.train.X, s.train.y)
    n_munge = int(os.environ.get("MUNGE_ROWS", "30000"))
    extra = make_transfer_set(s.train.X, n_munge, swap_prob=0.5, jitter=1.0, seed=0)
    X = pd.concat([s.train.X, extra], ignore_index=True)
    q = teacher.predict_proba(X)[:, 1]
    qv = teacher.predict_proba(s.valid.X)[:, 1]
    params = next(st.params for st in cfg.students if st.kind == "ga2m")
    t0 = time.perf_counter()
    model = GA2MStudent(**params).fit(X, np.zeros(len(X)), soft_target=q, eval_set=(s.valid.X, qv))
    seconds = time.perf_counter() - t0
    z = model.decision_function(s.test.X)
    print_fit_line(label, len(X), seconds, s.test.y, z, pairs=len(model.pairs_))


if __name__ == "__main__":
    main()
