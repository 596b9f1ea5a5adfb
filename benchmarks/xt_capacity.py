"""Extremely randomised trees as one more LightGBM capacity candidate? (issue 9, tuning seeds)

Usage::

    python benchmarks/xt_capacity.py german 105,106,107 [--ebm] [--off JSON --on JSON --tag NAME]
    python benchmarks/xt_capacity.py /tmp/book.parquet:default_12m 100 --on JSON --tag NAME

``capacity_extra_trees: true`` adds, to the capacities an ``lgbm`` member with
``capacity_search`` compares on the first cross-fit folds' early-stopping rows, the smallest of
them with LightGBM's ``extra_trees`` splits. For each seed: the pipeline's data step
(``pipelines/credit.yaml``, the benchmark's split), every configured member cross-fitted once
over the ensemble's folds (``ensemble.cv_folds``, fewer within ``cv_row_budget`` as the
pipeline cuts them) with the LightGBM members as configured (``off``) and again with
``capacity_extra_trees: true`` (``on``; the MLPs are shared); each member set blended with
weights fitted on the out-of-fold scores, as the ensemble does. Test AUC of the blends and the
LightGBM members, the capacity each LightGBM member settled on, member fit seconds; a default
LightGBM (and with ``--ebm`` EBM) on the same pooled rows. Tuning seeds only. Writes
``benchmarks/results/xt_capacity_<dataset>_<seeds>.json``.

``--on JSON`` compares another change of the LightGBM members' params instead (e.g.
``'{"min_data_per_group": null}'``), ``--off JSON`` changes the ``off`` members too (e.g.
``'{"min_data_per_group": 100}'``, LightGBM's own default, now that the project's default is
``null``); ``--tag NAME`` names the file ``NAME_<dataset>_<seeds>.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _baselines import fit_ebm, fit_lightgbm
from scipy.special import expit
from students_vs_baselines import dataset_of, load_config

from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.steps.teachers import teacher_ensemble
from risk_models.teachers.bagging import cross_fit_member
from risk_models.teachers.combine import fit_logit_weights
from risk_models.teachers.ensemble import build_teacher, pooled_folds

HERE = Path(__file__).parent
CONFIG = HERE.parent / "pipelines" / "credit.yaml"


def settled(member: Any) -> dict[str, Any]:
    """The capacity the member's later folds were fixed at (its last fold model's params)."""
    p = member.fold_models_[-1].get_params()
    return {k: p[k] for k in ("num_leaves", "min_child_samples", "extra_trees")}


def run_seed(
    dataset: str,
    seed: int,
    with_ebm: bool,
    on: dict[str, Any] | None = None,
    off: dict[str, Any] | None = None,
) -> dict[str, Any]:
    cfg = load_config(str(CONFIG), dataset_of(dataset), seed)
    s = compute_data(cfg).splits
    k = teacher_ensemble(cfg).folds_for(s.train.n_rows + s.valid.n_rows)
    pool, y_pool, folds = pooled_folds(s.train.X, s.train.y, (s.valid.X, s.valid.y), k, seed)
    variants: dict[str, list[str]] = {"off": [], "on": []}
    ests: dict[str, Any] = {}
    for t in cfg.teachers:
        if t.kind == "lightgbm":
            change = on or {"capacity_extra_trees": True}
            for v, extra in (("off", off or {}), ("on", change)):
                ests[f"{t.name}.{v}"] = build_teacher(t.kind, {**t.params, **extra}, t.seed)
                variants[v].append(f"{t.name}.{v}")
        else:
            ests[t.name] = build_teacher(t.kind, t.params, t.seed)
            variants["off"].append(t.name)
            variants["on"].append(t.name)
    oof, test, secs, caps = {}, {}, {}, {}
    for name, est in ests.items():
        t0 = time.perf_counter()
        m, z = cross_fit_member(est, pool, y_pool, folds, seed=seed)
        secs[name] = round(time.perf_counter() - t0, 1)
        oof[name], test[name] = z, m.decision_function(s.test.X)
        if "." in name:
            caps[name] = settled(m)
    row: dict[str, Any] = {"seed": seed}
    row["lgbm_default"] = auc(s.test.y, fit_lightgbm(pool, y_pool, s.test.X)["p"])
    if with_ebm:
        row["ebm"] = auc(s.test.y, fit_ebm(pool, y_pool, s.test.X)["p"])
    for v, names in variants.items():
        w = fit_logit_weights(
            np.column_stack([oof[n] for n in names]), y_pool, l2=cfg.ensemble.weight_l2
        )
        row[f"blend.{v}"] = auc(s.test.y, np.column_stack([test[n] for n in names]) @ w)
        row[f"w.{v}"] = [round(float(x), 3) for x in w]
    row.update({f"m.{k}": auc(s.test.y, expit(v)) for k, v in test.items() if "." in k})
    row["capacity"], row["secs"] = caps, secs
    return row


def main() -> None:
    dataset, seeds = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
    with_ebm = "--ebm" in sys.argv
    flag = {
        a: sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a in ("--on", "--off", "--tag")
    }
    on = json.loads(flag["--on"]) if "--on" in flag else None
    off = json.loads(flag["--off"]) if "--off" in flag else None
    out = []
    for seed in seeds:
        row = run_seed(dataset, seed, with_ebm, on, off)
        print(
            json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}),
            flush=True,
        )
        out.append(row)
    d = [r["blend.on"] - r["blend.off"] for r in out]
    print(
        f"blend on - off: mean {np.mean(d):+.4f}, wins {sum(x > 0 for x in d)}, "
        f"losses {sum(x < 0 for x in d)} of {len(d)}"
    )
    stem = dataset_of(dataset).name
    name = f"{flag.get('--tag', 'xt_capacity')}_{stem}_{'_'.join(map(str, seeds))}.json"
    (HERE / "results" / name).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
