"""Students refitted with changed params on the pipeline's own soft labels (issue 9, tuning seeds).

Usage::

    python benchmarks/student_variants.py german 105,106,107 [--variants JSON] [--ebm]
    python benchmarks/student_variants.py /tmp/book.parquet:default_12m 100

For each seed the pipeline's steps run once (data, cross-fitted teachers, soft labels;
``pipelines/credit.yaml`` or ``--config``, the benchmark's split), then every student of the
config except the tree is fitted by ``fit_student`` as configured (``base``) and again once per
variant. A variant maps student names to param changes, e.g.
``'{"tol": {"gam": {"early_stopping_tolerance": 1e-4}}}'``; only the students it names are
refitted. Per fit: test AUC, validation AUC (hard labels), validation log loss against the
hard labels and against the teacher's out-of-fold probabilities of the validation rows (the
students' early-stopping target), boosting rounds, fit seconds. With ``--ebm``, EBM with its
defaults on train + valid as a yardstick. These are the figures a rule that picks one student
on validation (``registry.register``) can be judged by. Tuning seeds only. Writes
``benchmarks/results/student_variants_<tag>_<dataset>_<seeds>.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from _baselines import fit_ebm
from students_vs_baselines import Dataset, dataset_of, load_config

from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.steps.soft_labels import compute_soft_labels
from risk_models.steps.students import fit_student, valid_soft_target
from risk_models.steps.teachers import compute_teachers

HERE = Path(__file__).parent
CONFIG = HERE.parent / "pipelines" / "credit.yaml"


def log_loss(q: np.ndarray, z: np.ndarray) -> float:
    """Mean log loss of logits ``z`` against (possibly soft) labels ``q``."""
    z = np.asarray(z, dtype=np.float64)
    return float(np.mean(np.logaddexp(0.0, z) - np.asarray(q, dtype=np.float64) * z))


def describe(fit: Any, seconds: float, y_valid: np.ndarray, q_valid: np.ndarray | None) -> dict:
    """The figures of one student fit."""
    return {
        "test_auc": float(fit.metrics["auc"]),
        "valid_auc": float(fit.valid_metrics["auc"]),
        "valid_ll": log_loss(y_valid, fit.valid_logit),
        "valid_soft_ll": None if q_valid is None else log_loss(q_valid, fit.valid_logit),
        "rounds": int(getattr(fit.model, "n_trees_", 0) or 0),
        "n_pairs": len(getattr(fit.model, "pairs_", []) or []),
        "seconds": round(seconds, 2),
    }


def until_students(config: str, ds: Dataset, seed: int) -> tuple[Any, Any, Any, Any]:
    """The pipeline's steps before the students on ``ds``: config, data, teachers, soft labels."""
    cfg = load_config(config, ds, seed)
    data = compute_data(cfg)
    teachers = compute_teachers(cfg, data)
    return cfg, data, teachers, compute_soft_labels(cfg, data, teachers)


def run_seed(
    config: str, ds: Dataset, seed: int, variants: dict[str, dict[str, dict]], ebm: bool
) -> dict[str, Any]:
    cfg, data, teachers, soft = until_students(config, ds, seed)
    splits = data.splits
    y_valid = np.asarray(splits.valid.y, dtype=float)
    q_valid = valid_soft_target(data, teachers)
    row: dict[str, Any] = {
        "seed": seed,
        "teacher": {"test_auc": float(teachers.metrics["ensemble"]["auc"])},
    }
    if q_valid is not None:
        row["teacher"]["valid_auc"] = auc(y_valid, q_valid)
    fits: dict[str, dict[str, Any]] = {"base": {}}
    for scfg in cfg.students:
        if scfg.kind == "tree":
            continue
        t = time.perf_counter()
        fit = fit_student(scfg, cfg, data, soft, teachers)
        fits["base"][scfg.name] = describe(fit, time.perf_counter() - t, y_valid, q_valid)
    by_name = {s.name: s for s in cfg.students}
    for tag, changes in variants.items():
        fits[tag] = {}
        for name, change in changes.items():
            base = by_name[name]
            scfg = base.model_copy(update={"params": {**base.params, **change}})
            t = time.perf_counter()
            fit = fit_student(scfg, cfg, data, soft, teachers)
            fits[tag][name] = describe(fit, time.perf_counter() - t, y_valid, q_valid)
    row["fits"] = fits
    if ebm:
        row["ebm"] = ebm_on_train_and_valid(splits)
    return row


def ebm_on_train_and_valid(splits: Any) -> dict[str, float]:
    """EBM with its defaults on train + valid (0/1 labels): test AUC and fit seconds."""
    import pandas as pd

    X75 = pd.concat([splits.train.X, splits.valid.X], ignore_index=True)
    y75 = np.r_[np.asarray(splits.train.y), np.asarray(splits.valid.y)].astype(int)
    e = fit_ebm(X75, y75, splits.test.X)
    return {"test_auc": auc(splits.test.y, e["p"]), "seconds": e["fit_seconds"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", help="a name of students_vs_baselines.DATASETS or FILE:TARGET[:V]")
    ap.add_argument("seeds")
    ap.add_argument("--config", default=str(CONFIG))
    ap.add_argument("--variants", default="{}")
    ap.add_argument("--tag", default="base")
    ap.add_argument("--ebm", action="store_true")
    args = ap.parse_args()
    ds = dataset_of(args.dataset)
    seeds = [int(x) for x in args.seeds.split(",")]
    variants = json.loads(args.variants)
    out = []
    name = f"student_variants_{args.tag}_{ds.name}_{'_'.join(map(str, seeds))}.json"
    for seed in seeds:
        row = run_seed(args.config, ds, seed, variants, args.ebm)
        print(json.dumps(row), flush=True)
        out.append(row)
        (HERE / "results" / name).write_text(json.dumps(out, indent=1))
    for tag in out[0]["fits"]:
        for student in out[0]["fits"][tag]:
            vals = [r["fits"][tag][student]["test_auc"] for r in out]
            secs = [r["fits"][tag][student]["seconds"] for r in out]
            print(f"{tag:>12} {student:>10} test AUC {np.mean(vals):.4f}  s {np.median(secs):.1f}")


if __name__ == "__main__":
    main()
