"""GAM ``fit`` seconds against EBM's ``fit`` seconds on one book, repeated (issue 9, item 4).

Usage::

    python benchmarks/gam_vs_ebm_fit.py FILE:TARGET[:LABEL] [--repeats 3] [--out F.jsonl]

``pipelines/credit.yaml`` on the book with the benchmark's split (seed 100, a tuning seed): the
steps before the students once (``until_students``), then, ``--repeats`` times and in turn,
the config's ``gam`` student through ``fit_student`` (its ``model.fit`` alone is the fact
``fit_seconds``) and ``ExplainableBoostingClassifier()`` with defaults on train + valid, as
``students_vs_baselines.py`` fits it. Prints one JSON line per fit and the medians and their
ratio: one run of ``students_vs_baselines.py`` times each model once, and these machines
drift (EBM 19-47 s on the same rows on different days), so the ratio is quoted from here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _baselines import fit_ebm
from student_variants import until_students
from students_vs_baselines import dataset_of

from risk_models.evaluation.metrics import auc
from risk_models.steps.students import fit_student

CONFIG = Path(__file__).parents[1] / "pipelines" / "credit.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("book", help="FILE:TARGET[:LABEL] or a name of DATASETS")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None, help="also append the JSON lines to this file")
    args = ap.parse_args()
    t = time.perf_counter()
    cfg, data, teachers, soft = until_students(str(CONFIG), dataset_of(args.book), 100)
    print(f"steps before the students: {time.perf_counter() - t:.1f} s", flush=True)
    gam_cfg = next(s for s in cfg.students if s.name == "gam")
    splits = data.splits
    X75 = pd.concat([splits.train.X, splits.valid.X], ignore_index=True)
    y75 = np.r_[np.asarray(splits.train.y), np.asarray(splits.valid.y)].astype(int)
    lines: list[dict[str, object]] = []
    for r in range(args.repeats):
        fit = fit_student(gam_cfg, cfg, data, soft, teachers)
        lines.append(
            {
                "model": "gam",
                "repeat": r,
                "fit_seconds": round(float(fit.facts["fit_seconds"]), 2),
                "n_trees": int(fit.model.n_trees_),
                "test_auc": round(float(fit.metrics["auc"]), 6),
            }
        )
        print(json.dumps(lines[-1]), flush=True)
        ebm = fit_ebm(X75, y75, splits.test.X)
        lines.append(
            {
                "model": "ebm",
                "repeat": r,
                "fit_seconds": round(float(ebm["fit_seconds"]), 2),
                "test_auc": round(float(auc(np.asarray(splits.test.y), ebm["p"])), 6),
            }
        )
        print(json.dumps(lines[-1]), flush=True)
    med = {
        m: statistics.median(float(str(x["fit_seconds"])) for x in lines if x["model"] == m)
        for m in ("gam", "ebm")
    }
    summary = {"book": args.book, "median_seconds": med, "gam_over_ebm": med["gam"] / med["ebm"]}
    print(json.dumps(summary), flush=True)
    if args.out:
        with open(args.out, "a") as fh:
            for x in [*lines, summary]:
                fh.write(json.dumps(x) + "\n")


if __name__ == "__main__":
    main()
