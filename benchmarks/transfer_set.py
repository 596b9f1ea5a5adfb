"""What the MUNGE transfer set does to student AUC and fidelity on real credit data.

Usage:
    python benchmarks/transfer_set.py [--seeds 0 1 2] [--rows 0 30000]
        [--students gam ga2m scorecard nam] [--config pipelines/credit.yaml]
        [--data ../shared/data/uci_taiwan_default_credit_card.parquet]
        [--target default.payment.next.month] [--positive-label 1]
        [--out benchmarks/results/transfer_set.json]

For every seed the pipeline splits the data (``split.seed`` = the seed; ``compute_data``) and
fits the teacher ensemble once (``compute_teachers``), exactly as ``students_vs_baselines.py``
does; the same cross-fitted soft labels then feed one training set per ``--rows`` value
(``compute_soft_labels`` with ``distill.transfer.n_rows`` set to that value and
``per_train_row`` off, so exactly that many MUNGE rows, with the config's swap probability,
jitter, transfer seed and tail focus), and each student of the config named in ``--students``
is fitted on each by ``fit_student``. Records test AUC, AUC gap and logit correlation with the
teacher, and fit seconds (the whole ``fit_student`` call: fit, export and test-row
evaluation); prints the means over seeds and the change of each figure from the first
``--rows`` value to each other one.

Run as a script from the repository root (it imports helpers from the script beside it).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from _legacy_helpers import (
    REPO,
    RESULTS,
    TAIWAN,
    config_info,
    data_info,
    fit_teacher,
    load_config,
    machine_info,
    make_training,
    run_student,
    say,
    teacher_figures,
    with_seed,
    write_json,
)

from risk_models.steps.data import compute_data

FIGURES = ("auc", "auc_gap", "logit_correlation", "fit_seconds")


def run_seed(base: Any, seed: int, rows: list[int], names: list[str]) -> dict[str, Any]:
    cfg = with_seed(base, seed)
    t_seed = time.perf_counter()
    data = compute_data(cfg)
    teachers, t_fit = fit_teacher(cfg, data)
    teacher = teacher_figures(teachers, data, t_fit)
    say(f"[seed {seed}] teacher AUC {teacher['auc']:.4f} in {t_fit:.0f}s")
    students = [s for s in cfg.students if s.name in names]
    by_rows: dict[str, Any] = {}
    for n in rows:
        soft = make_training(cfg, data, teachers, transfer_rows=n)
        res = {}
        for scfg in students:
            r = run_student(scfg, cfg, data, soft, teachers)
            res[scfg.name] = {k: r[k] for k in FIGURES}
            say(
                f"[seed {seed}] rows {n:>6} {scfg.name:>9}: AUC {r['auc']:.4f}, "
                f"gap {r['auc_gap']:+.4f}, logit corr {r['logit_correlation']:.4f}, "
                f"{r['fit_seconds']:.1f}s"
            )
        by_rows[str(n)] = {"n_transfer": soft.training.n_transfer, "students": res}
    return {
        "seed": seed,
        "teacher": teacher,
        "transfer": by_rows,
        "seed_seconds": time.perf_counter() - t_seed,
    }


def summarise(runs: list[dict[str, Any]], rows: list[int], names: list[str]) -> dict[str, Any]:
    means = {
        str(n): {
            s: {
                k: float(np.mean([r["transfer"][str(n)]["students"][s][k] for r in runs]))
                for k in FIGURES
            }
            for s in names
        }
        for n in rows
    }
    base = str(rows[0])
    deltas = {
        f"{n}-{base}": {
            s: {
                k: float(
                    np.mean(
                        [
                            r["transfer"][str(n)]["students"][s][k]
                            - r["transfer"][base]["students"][s][k]
                            for r in runs
                        ]
                    )
                )
                for k in FIGURES
            }
            for s in names
        }
        for n in rows[1:]
    }
    per_seed = {
        f"{n}-{base}": {
            s: {
                k: [
                    r["transfer"][str(n)]["students"][s][k] - r["transfer"][base]["students"][s][k]
                    for r in runs
                ]
                for k in ("auc", "logit_correlation")
            }
            for s in names
        }
        for n in rows[1:]
    }
    return {"means": means, "deltas": deltas, "per_seed_deltas": per_seed}


def markdown(
    runs: list[dict[str, Any]], summary: dict[str, Any], rows: list[int], names: list[str]
) -> str:
    lines = ["### Per seed: test AUC / logit correlation with the teacher", ""]
    head = ["seed", "teacher AUC", "transfer rows", *names]
    lines += ["| " + " | ".join(head) + " |", "|" + " ---: |" * len(head)]
    for r in runs:
        for n in rows:
            res = r["transfer"][str(n)]["students"]
            cells = [f"{res[s]['auc']:.4f} / {res[s]['logit_correlation']:.4f}" for s in names]
            lines.append(
                f"| {r['seed']} | {r['teacher']['auc']:.4f} | {n} | " + " | ".join(cells) + " |"
            )
    lines += ["", "### Means over seeds", ""]
    head = ["transfer rows", *(f"{s} AUC" for s in names), *(f"{s} corr" for s in names)]
    lines += ["| " + " | ".join(head) + " |", "|" + " ---: |" * len(head)]
    for n in rows:
        m = summary["means"][str(n)]
        cells = [f"{m[s]['auc']:.4f}" for s in names] + [
            f"{m[s]['logit_correlation']:.4f}" for s in names
        ]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    for key, d in summary["deltas"].items():
        cells = [f"{d[s]['auc']:+.4f}" for s in names] + [
            f"{d[s]['logit_correlation']:+.4f}" for s in names
        ]
        lines.append(f"| **delta {key}** | " + " | ".join(cells) + " |")
    lines += ["", "### Mean fit seconds", ""]
    lines += ["| transfer rows | " + " | ".join(names) + " |", "|" + " ---: |" * (len(names) + 1)]
    for n in rows:
        m = summary["means"][str(n)]
        lines.append(f"| {n} | " + " | ".join(f"{m[s]['fit_seconds']:.1f}" for s in names) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--rows", type=int, nargs="+", default=[0, 30000])
    ap.add_argument("--students", nargs="+", default=["gam", "ga2m", "scorecard", "nam"])
    ap.add_argument("--config", default=str(REPO / "pipelines" / "credit.yaml"))
    ap.add_argument("--data", default=str(TAIWAN))
    ap.add_argument("--target", default="default.payment.next.month")
    ap.add_argument("--positive-label", default="1")
    ap.add_argument("--out", default=str(RESULTS / "transfer_set.json"))
    args = ap.parse_args()
    started = time.perf_counter()
    base = load_config(args)
    known = [s.name for s in base.students]
    names = [s for s in args.students if s in known]
    if missing := sorted(set(args.students) - set(known)):
        ap.error(f"students {missing} are not in {args.config} (it has {known})")
    out = Path(args.out)
    d = base.distill.transfer
    header = {
        "benchmark": "transfer_set",
        "command": "python benchmarks/transfer_set.py --seeds "
        + " ".join(map(str, args.seeds))
        + " --rows "
        + " ".join(map(str, args.rows))
        + " --students "
        + " ".join(names),
        "data": data_info(base, args),
        "seeds": args.seeds,
        "transfer_rows": args.rows,
        "transfer": {"swap_prob": d.swap_prob, "jitter": d.jitter, "seed": d.seed},
        "config_transfer_rows": d.n_rows,
        "config_transfer_per_train_row": d.per_train_row,
        "pipeline_config": config_info(base),
        "machine": machine_info(),
    }
    runs: list[dict[str, Any]] = []
    for seed in args.seeds:
        runs.append(run_seed(base, seed, args.rows, names))
        write_json(out, {**header, "runs": runs, "complete": False})
    summary = summarise(runs, args.rows, names)
    table = markdown(runs, summary, args.rows, names)
    total = time.perf_counter() - started
    write_json(out, {**header, "runs": runs, **summary, "total_seconds": total, "complete": True})
    out.with_suffix(".md").write_text(table)
    say("")
    say(table)
    say(f"total {total:.0f}s; results in {out}")


if __name__ == "__main__":
    main()
