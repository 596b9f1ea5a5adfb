"""Blends of additive students: is the mean of a GAM's and a NAM's log-odds a better student?

Usage::

    python benchmarks/additive_blend.py german 105,106,107 [--ebm]

The mean of additive models' log-odds is itself an additive model (one shape per feature, the
shapes averaged), so a blend of the pipeline's ``gam``, ``ga2m`` and ``nam`` students is still a
readable student. For each seed the pipeline's steps run once (data, cross-fitted teachers,
soft labels; ``pipelines/credit.yaml`` or ``--config``), the three students are fitted by
``fit_student`` as configured, and every equal-weight blend of two or three of them is scored
on the test rows, beside the single students and the single student a validation rule picks
(validation AUC, as ``registry.register`` does). With ``--ebm``, EBM with its defaults on
train + valid. Tuning seeds only. Writes
``benchmarks/results/additive_blend_<dataset>_<seeds>.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
from student_variants import ebm_on_train_and_valid, log_loss, until_students
from students_vs_baselines import Dataset, dataset_of

from risk_models.evaluation.metrics import auc
from risk_models.steps.students import fit_student, valid_soft_target

HERE = Path(__file__).parent
CONFIG = HERE.parent / "pipelines" / "credit.yaml"
MEMBERS = ("gam", "ga2m", "nam")


def run_seed(config: str, ds: Dataset, seed: int, ebm: bool) -> dict[str, Any]:
    cfg, data, teachers, soft = until_students(config, ds, seed)
    splits = data.splits
    y_test = np.asarray(splits.test.y, dtype=float)
    y_valid = np.asarray(splits.valid.y, dtype=float)
    q_valid = valid_soft_target(data, teachers)
    test: dict[str, np.ndarray] = {}
    valid: dict[str, np.ndarray] = {}
    for scfg in cfg.students:
        if scfg.name in MEMBERS:
            fit = fit_student(scfg, cfg, data, soft, teachers)
            test[scfg.name], valid[scfg.name] = fit.test_logit, fit.valid_logit
    rows: dict[str, dict[str, float]] = {}
    for k in (1, 2, 3):
        for combo in itertools.combinations(sorted(test), k):
            zt = np.mean([test[c] for c in combo], axis=0)
            zv = np.mean([valid[c] for c in combo], axis=0)
            rows["+".join(combo)] = {
                "test_auc": auc(y_test, zt),
                "valid_auc": auc(y_valid, zv),
                "valid_soft_ll": None if q_valid is None else log_loss(q_valid, zv),
            }
    singles = [c for c in rows if "+" not in c]
    picked = max(singles, key=lambda c: rows[c]["valid_auc"])
    out: dict[str, Any] = {
        "seed": seed,
        "teacher_test_auc": float(teachers.metrics["ensemble"]["auc"]),
        "fits": rows,
        "picked_single": picked,
        "picked_single_test_auc": rows[picked]["test_auc"],
    }
    if ebm:
        out["ebm_test_auc"] = ebm_on_train_and_valid(splits)["test_auc"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", help="a name of students_vs_baselines.DATASETS or FILE:TARGET[:V]")
    ap.add_argument("seeds")
    ap.add_argument("--config", default=str(CONFIG))
    ap.add_argument("--ebm", action="store_true")
    args = ap.parse_args()
    ds = dataset_of(args.dataset)
    seeds = [int(x) for x in args.seeds.split(",")]
    name = f"additive_blend_{ds.name}_{'_'.join(map(str, seeds))}.json"
    out = []
    for seed in seeds:
        row = run_seed(args.config, ds, seed, args.ebm)
        print(json.dumps(row), flush=True)
        out.append(row)
        (HERE / "results" / name).write_text(json.dumps(out, indent=1))
    for combo in out[0]["fits"]:
        vals = [r["fits"][combo]["test_auc"] for r in out]
        print(f"{combo:>14} test AUC {np.mean(vals):.4f}")
    picked = np.mean([r["picked_single_test_auc"] for r in out])
    print(f"{'picked single':>14} test AUC {picked:.4f}")
    if args.ebm:
        print(f"{'EBM':>14} test AUC {np.mean([r['ebm_test_auc'] for r in out]):.4f}")


if __name__ == "__main__":
    main()
