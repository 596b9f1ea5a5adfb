"""Teacher ensemble vs its members on a real data set, with the pipeline's own split.

Usage:
    python benchmarks/teacher_ensemble.py [--config pipelines/credit.yaml]
        [--data ../shared/data/uci_taiwan_default_credit_card.parquet]
        [--target default.payment.next.month] [--positive-label 1]

Prints one JSON line per model (test AUC, ECE) and the ensemble weights; the figures go into
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from risk_models.config import load_pipeline_config
from risk_models.evaluation.metrics import auc, ece
from risk_models.steps.data import load_data
from risk_models.steps.teachers import teacher_ensemble

REPO = Path(__file__).resolve().parents[1]
TAIWAN = REPO.parent / "shared" / "data" / "uci_taiwan_default_credit_card.parquet"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=str(REPO / "pipelines" / "credit.yaml"))
    ap.add_argument("--data", default=str(TAIWAN))
    ap.add_argument("--target", default="default.payment.next.month")
    ap.add_argument("--positive-label", default="1")
    args = ap.parse_args()
    cfg = load_pipeline_config(
        args.config,
        {"path": args.data, "target": args.target, "positive_label": args.positive_label},
    )
    loaded = load_data(cfg)
    s = loaded.splits
    t0 = time.perf_counter()
    ens = teacher_ensemble(cfg).fit(s.train.X, s.train.y, eval_set=(s.valid.X, s.valid.y))
    fit_s = time.perf_counter() - t0
    z = ens.member_logits(s.test.X)
    rows = []
    for j, name in enumerate(ens.member_names):
        p = 1 / (1 + np.exp(-z[:, j]))
        rows.append({"model": name, "auc": auc(s.test.y, p), "ece": ece(s.test.y, p)})
    raw = 1 / (1 + np.exp(-ens.raw_logit(s.test.X)))
    cal = ens.predict_proba(s.test.X)[:, 1]
    rows.append(
        {"model": "ensemble_uncalibrated", "auc": auc(s.test.y, raw), "ece": ece(s.test.y, raw)}
    )
    rows.append(
        {"model": "ensemble_calibrated", "auc": auc(s.test.y, cal), "ece": ece(s.test.y, cal)}
    )
    for r in rows:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}))
    print(
        json.dumps(
            {
                "weights": dict(
                    zip(ens.member_names, np.round(ens.weights_, 3).tolist(), strict=True)
                ),
                "calibrator": ens.calibrator_.to_dict(),
                "split": {
                    "method": s.method,
                    "seed": s.seed,
                    "train": s.train.n_rows,
                    "valid": s.valid.n_rows,
                    "test": s.test.n_rows,
                },
                "fit_seconds": round(fit_s, 1),
                "machine": f"{platform.machine()} python {platform.python_version()}",
            }
        )
    )


if __name__ == "__main__":
    main()
