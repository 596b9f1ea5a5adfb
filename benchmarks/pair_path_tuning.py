"""Student capacity settings on tuning seeds: GA2M pairs, scorecard bins (issue 9, item 3).

Usage::

    python benchmarks/pair_path_tuning.py --dataset taiwan --seeds 100 101 \
        [--out benchmarks/results/pair_path_tuning.json]
    python benchmarks/pair_path_tuning.py --student scorecard --dataset german \
        --seeds 100 101 102 --out benchmarks/results/scorecard_bins_tuning_german.json

With ``--student scorecard`` the variants are the scorecard's ``max_bins`` instead.

For each seed the pipeline's own steps run once (data, cross-fitted teachers, soft labels, as
``riskdistill run`` with ``pipelines/credit.yaml``); then the config's ``ga2m`` student is
refitted under each pair-path variant (``pair_min_gain``, ``pair_patience``, or a fixed number
of pairs without a path) on the same soft labels, and its validation and test AUC and the
number of pairs kept are recorded. Tuning seeds only (100-104): the choice made here is then
reported on seeds 0-4 by ``students_vs_baselines.py``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from students_vs_baselines import DATASETS, RESULTS, load_config

from risk_models.atomic import atomic_write_text
from risk_models.steps.data import compute_data
from risk_models.steps.soft_labels import compute_soft_labels
from risk_models.steps.students import fit_student
from risk_models.steps.teachers import compute_teachers

VARIANTS: dict[str, dict[str, Any]] = {
    "share0.002_pat2": {"pair_min_gain": 0.002, "pair_patience": 2},
    "share0.0005_pat3": {"pair_min_gain": 0.0005, "pair_patience": 3},
    "share0.0002_pat3": {"pair_min_gain": 0.0002, "pair_patience": 3},
    "share0_pat3": {"pair_min_gain": 0.0, "pair_patience": 3},
    "fixed20": {"pair_min_gain": 0.0, "pair_patience": 1000},
}
SCORECARD_VARIANTS: dict[str, dict[str, Any]] = {
    f"max_bins{b}": {"max_bins": b} for b in (4, 6, 8, 10, 12)
}


def run(dataset: str, seed: int, config: str, student: str = "ga2m") -> dict[str, Any]:
    ds = DATASETS[dataset]
    cfg = load_config(config, ds, seed)
    t0 = time.perf_counter()
    data = compute_data(cfg)
    teachers = compute_teachers(cfg, data)
    soft = compute_soft_labels(cfg, data, teachers)
    base = next(s for s in cfg.students if s.kind == student)
    variants = VARIANTS if student == "ga2m" else SCORECARD_VARIANTS
    out: dict[str, Any] = {
        "seed": seed,
        "teacher_auc": teachers.metrics["ensemble"]["auc"],
        "setup_seconds": time.perf_counter() - t0,
        "variants": {},
    }
    for name, extra in variants.items():
        scfg = base.model_copy(update={"params": {**base.params, **extra}})
        t1 = time.perf_counter()
        fit = fit_student(scfg, cfg, data, soft, teachers)
        out["variants"][name] = {
            "valid_auc": fit.valid_metrics["auc"],
            "test_auc": fit.metrics["auc"],
            "n_pairs": len(getattr(fit.model, "pairs_", ())),
            "fit_seconds": time.perf_counter() - t1,
        }
        print(seed, name, {k: round(v, 4) for k, v in out["variants"][name].items()}, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="taiwan", choices=sorted(DATASETS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[100, 101])
    ap.add_argument("--student", default="ga2m", choices=["ga2m", "scorecard"])
    ap.add_argument("--config", default=str(Path(__file__).parents[1] / "pipelines/credit.yaml"))
    ap.add_argument("--out", type=Path, default=RESULTS / "pair_path_tuning.json")
    a = ap.parse_args()
    if any(s < 100 for s in a.seeds):
        ap.error("pair-path settings are chosen on tuning seeds (100-104) only")
    runs = [run(a.dataset, s, a.config, a.student) for s in a.seeds]
    doc = {
        "command": f"python benchmarks/pair_path_tuning.py --student {a.student} "
        f"--dataset {a.dataset} --seeds " + " ".join(map(str, a.seeds)),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, 2 cores (shared)",
        "dataset": a.dataset,
        "runs": runs,
    }
    atomic_write_text(a.out, json.dumps(doc, indent=1))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
