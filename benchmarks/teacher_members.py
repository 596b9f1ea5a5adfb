"""Which members make a teacher ensemble beat its best member? Side by side, one process.

Usage:
    python benchmarks/teacher_members.py [--seeds 0 1 2 3 4] [--folds 5 10]
        [--config pipelines/credit.yaml]
        [--data ../shared/data/uci_taiwan_default_credit_card.parquet]
        [--target default.payment.next.month] [--positive-label 1]
        [--out benchmarks/results/teacher_members.json]

For every seed and fold count K, the pipeline's split is loaded (``compute_data``) and every
candidate member is cross-fitted exactly as ``TeacherEnsemble(cv_folds=K)`` does it
(``cross_fit_member`` over the same stratified folds of train + valid, early stopping inside
the training folds). Candidates: the config's teachers, plus the members this choice was
measured against: ``xgb`` (the XGBoost member of the previous default config) and
``mlp_standard`` (the config's first MLP with the old standardised numeric inputs instead of
the piecewise-linear encoding). Each member set is then combined on the logit scale with
weights fitted on the out-of-fold scores (``fit_logit_weights``, with ``l2`` 0 and the
config's ``weight_l2``) and with equal weights, and scored on the test rows. Calibration is
left out: it is monotone, so it does not change AUC.

Writes every figure to ``--out`` (JSON) and a markdown table beside it, and prints both.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _legacy_helpers import (
    RESULTS,
    TAIWAN,
    data_info,
    load_config,
    machine_info,
    say,
    with_seed,
    write_json,
)

from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.teachers.bagging import cross_fit_member
from risk_models.teachers.combine import fit_logit_weights
from risk_models.teachers.ensemble import build_teacher, pooled_folds

XGB_PREVIOUS = {
    "max_depth": 5,
    "learning_rate": 0.02,
    "min_child_weight": 20,
    "subsample": 0.8,
    "colsample_bytree": 0.5,
    "reg_lambda": 5,
    "n_estimators": 3000,
    "early_stopping_rounds": 200,
}


def candidates(cfg: Any) -> dict[str, tuple[str, dict[str, Any], int]]:
    """name -> (kind, params, seed): the config's teachers plus the two measured rivals."""
    out = {t.name: (t.kind, dict(t.params), t.seed) for t in cfg.teachers}
    out["xgb"] = ("xgboost", XGB_PREVIOUS, 0)
    mlp = next(t for t in cfg.teachers if t.kind == "torch_mlp")
    out["mlp_standard"] = ("torch_mlp", {**mlp.params, "numeric_encoding": "standard"}, mlp.seed)
    return out


def member_sets(cfg: Any) -> dict[str, list[str]]:
    config = [t.name for t in cfg.teachers]
    boosted = [t.name for t in cfg.teachers if t.kind != "torch_mlp"]
    mlps = [t.name for t in cfg.teachers if t.kind == "torch_mlp"]
    return {
        "config": config,
        "config + xgb": [*config, "xgb"],
        "previous (boosted + xgb)": [*boosted, "xgb"],
        "boosted + mlp_standard": [*boosted, "mlp_standard"],
        "boosted + one mlp": [*boosted, mlps[0]],
    }


def run(cfg: Any, seed: int, k: int) -> dict[str, Any]:
    splits = compute_data(cfg).splits
    pool, y, folds = pooled_folds(
        splits.train.X, splits.train.y, (splits.valid.X, splits.valid.y), k, cfg.split.seed
    )
    y_test = np.asarray(splits.test.y)
    oof, test, members = {}, {}, {}
    for name, (kind, params, mseed) in candidates(cfg).items():
        t0 = time.perf_counter()
        model, z = cross_fit_member(build_teacher(kind, params, mseed), pool, y, folds, seed=seed)
        oof[name], test[name] = z, model.decision_function(splits.test.X)
        members[name] = {
            "test_auc": auc(y_test, test[name]),
            "oof_auc": auc(y, z),
            "fit_seconds": time.perf_counter() - t0,
        }
        say(f"[seed {seed}, K={k}] {name}: test AUC {members[name]['test_auc']:.4f}")
    l2 = cfg.ensemble.weight_l2
    sets = {}
    for set_name, names in member_sets(cfg).items():
        Z = np.column_stack([oof[n] for n in names])
        T = np.column_stack([test[n] for n in names])
        best = max(names, key=lambda n: members[n]["test_auc"])
        row: dict[str, Any] = {"members": names, "best_member": best}
        weightings = {
            "fitted": fit_logit_weights(Z, y.astype(float)),
            f"fitted_l2_{l2:g}": fit_logit_weights(Z, y.astype(float), l2=l2),
            "equal": np.full(len(names), 1.0 / len(names)),
        }
        for label, w in weightings.items():
            a = auc(y_test, T @ w)
            row[label] = {
                "weights": dict(zip(names, np.round(w, 4).tolist(), strict=True)),
                "test_auc": a,
                "minus_best_member": a - members[best]["test_auc"],
            }
        sets[set_name] = row
    return {"seed": seed, "cv_folds": k, "members": members, "sets": sets}


def markdown(runs: list[dict[str, Any]], l2: float) -> str:
    label = f"fitted_l2_{l2:g}"
    lines = ["## Members: test AUC (cross-fitted)", ""]
    names = list(runs[0]["members"])
    lines += [
        "| seed | K | " + " | ".join(names) + " |",
        "| ---: | ---: |" + " ---: |" * len(names),
    ]
    for r in runs:
        cells = " | ".join(f"{r['members'][n]['test_auc']:.4f}" for n in names)
        lines.append(f"| {r['seed']} | {r['cv_folds']} | {cells} |")
    lines += ["", "## Ensemble test AUC minus its best member's", ""]
    lines += [
        "| set | K | weights | "
        + " | ".join(f"seed {r}" for r in sorted({x["seed"] for x in runs}))
        + " | mean | ensemble AUC mean | beats best on |",
    ]
    seeds = sorted({x["seed"] for x in runs})
    lines.append("| --- | ---: | --- |" + " ---: |" * (len(seeds) + 3))
    for k in sorted({x["cv_folds"] for x in runs}):
        rk = [x for x in runs if x["cv_folds"] == k]
        for set_name in rk[0]["sets"]:
            for w in ("fitted", label, "equal"):
                d = [x["sets"][set_name][w]["minus_best_member"] for x in rk]
                a = [x["sets"][set_name][w]["test_auc"] for x in rk]
                cells = " | ".join(f"{v:+.4f}" for v in d)
                wins = sum(v > 0 for v in d)
                lines.append(
                    f"| {set_name} | {k} | {w} | {cells} | {np.mean(d):+.4f} | "
                    f"{np.mean(a):.4f} | {wins} of {len(d)} |"
                )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--folds", type=int, nargs="+", default=[5, 10])
    ap.add_argument(
        "--config", default=str(Path(__file__).resolve().parents[1] / "pipelines" / "credit.yaml")
    )
    ap.add_argument("--data", default=str(TAIWAN))
    ap.add_argument("--target", default="default.payment.next.month")
    ap.add_argument("--positive-label", default="1")
    ap.add_argument("--out", default=str(RESULTS / "teacher_members.json"))
    args = ap.parse_args()
    base = load_config(args)
    if base.fold_order() == "time":
        ap.error(
            "the config cross-fits over time blocks (ensemble.fold_order / out_of_time split); "
            "this benchmark compares members over stratified random folds only"
        )
    t0 = time.perf_counter()
    runs = [run(with_seed(base, s), s, k) for k in args.folds for s in args.seeds]
    table = markdown(runs, base.ensemble.weight_l2)
    payload = {
        "command": " ".join(sys.argv),
        "machine": machine_info(),
        "data": data_info(base, args),
        "config_hash": base.config_hash(),
        "weight_l2": base.ensemble.weight_l2,
        "runs": runs,
        "total_seconds": time.perf_counter() - t0,
    }
    out = Path(args.out)
    write_json(out, payload)
    out.with_suffix(".md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
