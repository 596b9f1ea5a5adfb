"""Random feature subsets per boosting round for the distilled GAM? (issue 9, tuning seeds)

Usage::

    python benchmarks/gam_student_sampling.py german 105,106,107 [0.5,0.3,0.1]

``gam_feature_sampling.py`` found that on hard labels (Statlog German) EBM's edge over the GAM
comes from how it boosts (one feature at a time, bagged), not from its pairs. This asks whether
the distilled student gains from the cheap part of that: XGBoost ``colsample_bynode`` < 1 makes
each stump round choose among a random subset of the features instead of all of them.

For each seed the pipeline's own steps run once (data, cross-fitted teachers, soft labels,
``pipelines/credit.yaml``), then the config's ``gam`` student is refitted by ``fit_student``
once per fraction (1.0 = the current student). Validation and test AUC, rounds, fit seconds.
Tuning seeds only. Writes ``benchmarks/results/gam_student_sampling_<dataset>_<seeds>.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from students_vs_baselines import DATASETS, load_config

from risk_models.steps.data import compute_data
from risk_models.steps.soft_labels import compute_soft_labels
from risk_models.steps.students import fit_student
from risk_models.steps.teachers import compute_teachers
from risk_models.students.gam import GAMStudent

HERE = Path(__file__).parent
CONFIG = HERE.parent / "pipelines" / "credit.yaml"
EXTRA: dict[str, Any] = {}
_own = GAMStudent._booster_params


def _patched(self: GAMStudent, design: Any, n_rows: int) -> dict[str, Any]:
    return {**_own(self, design, n_rows), **EXTRA}


def run_seed(dataset: str, seed: int, fractions: list[float]) -> dict[str, Any]:
    cfg = load_config(str(CONFIG), DATASETS[dataset], seed)
    data = compute_data(cfg)
    teachers = compute_teachers(cfg, data)
    soft = compute_soft_labels(cfg, data, teachers)
    scfg = next(s for s in cfg.students if s.kind == "gam")
    row: dict[str, Any] = {"seed": seed, "teacher": teachers.metrics["ensemble"]["auc"]}
    for frac in fractions:
        EXTRA.clear()
        if frac < 1:
            EXTRA["colsample_bynode"] = frac
        t = time.perf_counter()
        fit = fit_student(scfg, cfg, data, soft, teachers)
        row[f"cs{frac}"] = {
            "test_auc": fit.metrics["auc"],
            "valid_auc": fit.valid_metrics["auc"],
            "rounds": int(getattr(fit.model, "n_trees_", 0)),
            "seconds": round(time.perf_counter() - t, 2),
        }
    return row


def main() -> None:
    GAMStudent._booster_params = _patched  # type: ignore[method-assign]
    dataset, seeds = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
    given = sys.argv[3] if len(sys.argv) > 3 else "0.5,0.3,0.1"
    fractions = [1.0, *(float(x) for x in given.split(","))]
    out = []
    for seed in seeds:
        row = run_seed(dataset, seed, fractions)
        print(json.dumps(row), flush=True)
        out.append(row)
    mean = {
        k: round(sum(r[k]["test_auc"] for r in out) / len(out), 4) for k in out[0] if k[:2] == "cs"
    }
    print("mean test", mean, "teacher", round(sum(r["teacher"] for r in out) / len(out), 4))
    name = f"gam_student_sampling_{dataset}_{'_'.join(map(str, seeds))}.json"
    (HERE / "results" / name).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
