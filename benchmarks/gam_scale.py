"""Where the GAM student's time goes on a large book, and what cuts it (issue 9, item 4).

Usage::

    python benchmarks/gam_scale.py FILE TARGET [--seed 100] [--variants '{"name": {...}}']

The pipeline's data step on FILE (``pipelines/credit.yaml``, the benchmark's split), a default
LightGBM fitted on the training rows as a stand-in teacher, MUNGE transfer rows as the pipeline
adds them (``distill.transfer``), and the config's ``gam`` student fitted on the teacher's soft
labels, stopped on the validation rows' soft labels, once per variant (changes to the student's
params; ``"no_transfer"`` in a variant's name drops the transfer rows). Per variant: fit seconds,
rounds, test AUC, and the seconds of the exact booster check ``fit_student`` runs on the test
rows (``trainer_logit``). Writes ``benchmarks/results/gam_scale_<file stem>.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from students_vs_baselines import file_arguments, file_config

from risk_models.config import PipelineConfig
from risk_models.data.split import Splits
from risk_models.distill.munge import make_transfer_set
from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.students.gam import GAMStudent

HERE = Path(__file__).parent


def stand_in(cfg: PipelineConfig, s: Splits) -> tuple[Any, dict[str, Any]]:
    """A default LightGBM on the training rows (the stand-in teacher) and the config's GAM
    params."""
    import lightgbm as lgb

    teacher = lgb.LGBMClassifier(verbose=-1, random_state=0).fit(s.train.X, s.train.y)
    return teacher, dict(next(st.params for st in cfg.students if st.kind == "gam"))


def main() -> None:
    ap = argparse.ArgumentParser()
    file_arguments(ap)
    ap.add_argument("--variants", default='{"config": {}}')
    args = ap.parse_args()
    cfg = file_config(args)
    s = compute_data(cfg).splits
    teacher, base = stand_in(cfg, s)
    tr = cfg.distill.transfer
    n_munge = tr.rows_for(s.train.n_rows)
    X_all = s.train.X.reset_index(drop=True)
    if n_munge:  # none once the training rows reach distill.transfer.max_total_rows
        extra = make_transfer_set(
            s.train.X, n_munge, swap_prob=tr.swap_prob, jitter=tr.jitter, seed=args.seed
        )
        X_all = pd.concat([X_all, extra], ignore_index=True)
    q_all = teacher.predict_proba(X_all)[:, 1]
    qv = teacher.predict_proba(s.valid.X)[:, 1]
    out: list[dict[str, Any]] = []
    for name, change in json.loads(args.variants).items():
        n = s.train.n_rows if "no_transfer" in name else len(X_all)
        X, q = X_all.iloc[:n], q_all[:n]
        t0 = time.perf_counter()
        model = GAMStudent(**{**base, **change}).fit(
            X, np.zeros(n), soft_target=q, eval_set=(s.valid.X, qv)
        )
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        model.trainer_logit(s.test.X)
        check_s = time.perf_counter() - t0
        row = {
            "variant": name,
            "change": change,
            "rows": n,
            "fit_s": round(fit_s, 1),
            "rounds": int(model.n_trees_),
            "test_auc": round(auc(s.test.y, model.decision_function(s.test.X)), 5),
            "trainer_check_s": round(check_s, 1),
        }
        print(json.dumps(row), flush=True)
        out.append(row)
    (HERE / "results" / f"gam_scale_{Path(args.file).stem}.json").write_text(
        json.dumps(out, indent=1)
    )


if __name__ == "__main__":
    main()
