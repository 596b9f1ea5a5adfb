"""How many MUNGE transfer rows, given the book's size? (issue 9: the transfer set should scale)

Usage::

    python benchmarks/transfer_tuning.py --dataset german --seeds 100 101 102 \
        --rows 0 3000 30000 [--out benchmarks/results/transfer_tuning_german.json]

For each seed the pipeline's own steps run once (data, cross-fitted teachers, soft labels with
``pipelines/credit.yaml``); then the training set is rebuilt with each ``--rows`` count of
transfer rows (``build_training_set``, the config's swap probability, jitter and seed) and the
config's students ``gam``, ``ga2m``, ``scorecard`` and ``nam`` are refitted by ``fit_student``.
Records validation and test AUC and fit seconds. Tuning seeds only (100-104).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from students_vs_baselines import DATASETS, RESULTS, load_config

from risk_models.atomic import atomic_write_text
from risk_models.distill.training_set import build_training_set
from risk_models.steps.data import compute_data
from risk_models.steps.soft_labels import compute_soft_labels
from risk_models.steps.students import fit_student
from risk_models.steps.teachers import compute_teachers

STUDENTS = ("gam", "ga2m", "scorecard", "nam")


def run(dataset: str, seed: int, rows: list[int], config: str) -> dict[str, Any]:
    cfg = load_config(config, DATASETS[dataset], seed)
    data = compute_data(cfg)
    teachers = compute_teachers(cfg, data)
    soft = compute_soft_labels(cfg, data, teachers)
    train, d = data.splits.train, cfg.distill
    out: dict[str, Any] = {
        "seed": seed,
        "n_train": train.n_rows,
        "teacher_auc": teachers.metrics["ensemble"]["auc"],
        "rows": {},
    }
    for n in rows:
        training = build_training_set(
            train.X,
            train.y,
            soft.soft,
            teacher=teachers.ensemble,
            transfer_rows=n,
            swap_prob=d.transfer.swap_prob,
            jitter=d.transfer.jitter,
            seed=d.transfer.seed,
        )
        variant = replace(soft, training=training)
        res = {}
        for scfg in (s for s in cfg.students if s.name in STUDENTS):
            t1 = time.perf_counter()
            fit = fit_student(scfg, cfg, data, variant, teachers)
            res[scfg.name] = {
                "valid_auc": fit.valid_metrics["auc"],
                "test_auc": fit.metrics["auc"],
                "fit_seconds": time.perf_counter() - t1,
            }
            print(seed, n, scfg.name, {k: round(v, 4) for k, v in res[scfg.name].items()})
        out["rows"][str(n)] = res
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="german", choices=sorted(DATASETS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102])
    ap.add_argument("--rows", type=int, nargs="+", default=[0, 3000, 30000])
    ap.add_argument("--config", default=str(Path(__file__).parents[1] / "pipelines/credit.yaml"))
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    if any(s < 100 for s in a.seeds):
        ap.error("transfer settings are chosen on tuning seeds (100-104) only")
    runs = [run(a.dataset, s, a.rows, a.config) for s in a.seeds]
    doc = {
        "command": f"python benchmarks/transfer_tuning.py --dataset {a.dataset} --seeds "
        + " ".join(map(str, a.seeds))
        + " --rows "
        + " ".join(map(str, a.rows)),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, 2 cores (shared with other jobs)",
        "runs": runs,
    }
    out = a.out or RESULTS / f"transfer_tuning_{a.dataset}.json"
    atomic_write_text(out, json.dumps(doc, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
