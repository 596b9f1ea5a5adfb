"""Seconds of the pipeline's steps before the students on one book (data, teachers, soft labels).

Usage::

    python benchmarks/step_seconds.py FILE:TARGET[:LABEL]     # or a name of DATASETS

``pipelines/credit.yaml`` on the book with the benchmark's split (seed 100, a tuning seed), the
steps run in turn as ``riskdistill run`` runs them; prints each step's seconds, the teacher
members' test AUC, and a profile of the soft-label step (where labelling the transfer rows
goes).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

from students_vs_baselines import dataset_of, load_config

from risk_models.steps.data import compute_data
from risk_models.steps.soft_labels import compute_soft_labels
from risk_models.steps.teachers import compute_teachers

CONFIG = Path(__file__).parents[1] / "pipelines" / "credit.yaml"


def main() -> None:
    cfg = load_config(str(CONFIG), dataset_of(sys.argv[1]), 100)
    t = time.perf_counter()
    data = compute_data(cfg)
    print("data", round(time.perf_counter() - t, 1), flush=True)
    t = time.perf_counter()
    teachers = compute_teachers(cfg, data)
    print("teachers", round(time.perf_counter() - t, 1), flush=True)
    print({k: round(v["auc"], 6) for k, v in teachers.metrics.items()}, flush=True)
    profile = cProfile.Profile()
    profile.enable()
    t = time.perf_counter()
    compute_soft_labels(cfg, data, teachers)
    print("soft_labels", round(time.perf_counter() - t, 1), flush=True)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
