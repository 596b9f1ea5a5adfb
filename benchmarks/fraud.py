"""Fraud distillation measured the way fraud teams measure it (issue 13).

Usage:
    python benchmarks/fraud.py synthetic [--rows 2000000] [--seeds 11]
        [--variants plain tail] [--cache DIR] [--config pipelines/fraud.yaml]
    python benchmarks/fraud.py claims [--data ../shared/data/auto_insurance_claims.parquet]

``synthetic``: for each seed, the synthetic stream of ``--rows`` payments goes through the
pipeline's own pieces with ``pipelines/fraud.yaml``'s settings: ``compute_data`` (validation and
the out-of-time split), the teacher ensemble cross-fitted over forward-chaining time folds
(``fold_order: time``), soft labels from its out-of-fold scores, the student training set with
and without the tail focus (``distill.tail``), and every student of the config fitted with its
row weights. A logistic regression on the same training rows (hard labels, one-hot
categoricals, standardised numerics) is the "poor model". On the out-of-time test months:
AUPRC, recall / precision / value recall at 0.5 % and 1 % alert rates, the cost-based cut-off
(chosen on the validation months: an alert costs ``COST_ALERT``, a missed fraud its amount),
and each student's AUPRC and recall retention against the teacher. Stage timings too.
``--cache DIR`` keeps the fitted teacher (safe formats) and soft labels (``.npz``) per rows,
seed and teacher settings, so student-side changes rerun in minutes.

``claims``: ``riskdistill run pipelines/fraud.yaml --data <claims> ...`` with documented flags
only (id and time columns, excluded identifiers, the amount column; ``"?"`` is read as missing
and the text bind date becomes age and month by default), in a temporary MLflow
store; then InterpretML's ``ExplainableBoostingClassifier`` (defaults) on the same split (train
+ valid rows, hard labels) and the same figures for teacher, students and EBM on the test rows.
The claims test split holds about 250 rows, so alert rates of 10 % and 20 % are reported.

Writes JSON and a markdown table to ``benchmarks/results/fraud_<command>.{json,md}``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from risk_models.config import PipelineConfig, load_pipeline_config
from risk_models.distill.soft_labels import (
    SoftLabels,
    make_soft_labels,
    soft_labels_from_cross_fit,
)
from risk_models.distill.training_set import StudentTrainingSet, TailFocus, build_training_set
from risk_models.evaluation.fraud import fraud_cost_metrics, fraud_metrics, fraud_retention
from risk_models.evaluation.metrics import auc
from risk_models.steps.data import compute_data
from risk_models.steps.students import student_params
from risk_models.steps.teachers import teacher_ensemble
from risk_models.students.registry import student_class

REPO = Path(__file__).resolve().parents[1]
CLAIMS = REPO.parent / "shared" / "data" / "auto_insurance_claims.parquet"
RESULTS = REPO / "benchmarks" / "results"
COST_ALERT = 5.0  # an analyst's review of one alert, in the amount's currency
COST_MISSED = 1.0  # share of a missed fraud's amount that is lost
CLAIMS_FLAGS = [
    "--target", "fraud_reported", "--positive-label", "Y",
    "--id-column", "policy_number", "--time-column", "incident_date",
    "--exclude", "insured_zip", "--exclude", "incident_location",
    "--amount-column", "total_claim_amount",
]  # fmt: skip
CLAIMS_EXCLUDE = ["insured_zip", "incident_location"]


def machine() -> dict[str, Any]:
    """Where and when the figures were measured (load average included: a shared machine)."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def figures(
    y: np.ndarray,
    score: np.ndarray,
    amount: np.ndarray | None,
    rates: tuple[float, ...],
) -> dict[str, float]:
    out = fraud_metrics(y, score, amount=amount, alert_rates=rates)
    out["auc"] = auc(y, score)
    return out


def fit_teacher(cfg: PipelineConfig, splits: Any) -> Any:
    """The ensemble of the config, with its fold order, fitted as the teachers step does."""
    ens = teacher_ensemble(cfg)
    ens.set_params(fold_order=cfg.fold_order())
    return ens.fit(
        splits.train.X,
        splits.train.y,
        eval_set=(splits.valid.X, splits.valid.y),
        times=splits.train.times,
        eval_times=splits.valid.times,
    )


def soft_labels(cfg: PipelineConfig, splits: Any, ens: Any) -> Any:
    if ens.cv_folds >= 2:
        return soft_labels_from_cross_fit(ens, splits.train.n_rows, cfg.distill.temperature)
    return make_soft_labels(
        lambda: teacher_ensemble(cfg).set_params(fold_order="random"),
        splits.train.X,
        splits.train.y,
        n_folds=cfg.distill.n_folds,
        temperature=cfg.distill.temperature,
        times=splits.train.times,
        fold_order=cfg.fold_order(),
    )


def training_set(cfg: PipelineConfig, splits: Any, soft: Any, ens: Any, tail: bool) -> Any:
    t = cfg.distill.tail
    focus = TailFocus(t.share, t.weight, t.keep_rest, t.transfer_share) if tail else None
    d = cfg.distill.transfer
    return build_training_set(
        splits.train.X,
        splits.train.y,
        soft,
        teacher=ens,
        transfer_rows=d.n_rows,
        swap_prob=d.swap_prob,
        jitter=d.jitter,
        seed=d.seed,
        tail=focus,
    )


def fit_students(
    cfg: PipelineConfig, splits: Any, training: StudentTrainingSet
) -> dict[str, tuple[np.ndarray, np.ndarray, float, Any]]:
    """Every student of the config on ``training`` (with its row weights): valid and test
    log-odds, fit seconds and the fitted student."""
    out = {}
    for scfg in cfg.students:
        cls = student_class(scfg.kind)
        model = cls(**student_params(scfg, cfg, splits.train.spec, cls.distill_params))
        t0 = time.perf_counter()
        model.fit(
            training.X,
            training.y,
            soft_target=training.teacher_proba,
            eval_set=(splits.valid.X, splits.valid.y),
            sample_weight=training.sample_weight,
        )
        seconds = time.perf_counter() - t0
        out[scfg.name] = (
            np.asarray(model.decision_function(splits.valid.X), dtype=float),
            np.asarray(model.decision_function(splits.test.X), dtype=float),
            seconds,
            model,
        )
    return out


def example_alerts(model: Any, splits: Any, n: int = 3) -> list[dict[str, Any]]:
    """The riskiest test rows' reasons in words (``analyst_reasons``), against train rows."""
    from risk_models.explain import score_with_reasons
    from risk_models.explain.analyst import analyst_reasons

    test = splits.test
    top = np.argsort(-model.decision_function(test.X))[:n]
    frame = test.X.iloc[top].reset_index(drop=True)
    frame.insert(0, "transaction_id", np.asarray(test.ids)[top])
    reasons = score_with_reasons(model.export(), frame, k=3, id_column="transaction_id")
    words = analyst_reasons(
        reasons,
        k=3,
        reference=splits.train.X.sample(50_000, random_state=0)
        if splits.train.n_rows > 50_000
        else splits.train.X,
    )
    words["is_fraud"] = np.asarray(test.y)[top]
    return words.to_dict(orient="records")


def logistic_regression(splits: Any) -> tuple[np.ndarray, np.ndarray]:
    """The poor model: one-hot + standardised logistic regression on train (hard labels)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    parts = [splits.train.X, splits.valid.X, splits.test.X]
    stacked = pd.get_dummies(pd.concat(parts, ignore_index=True)).astype(float)
    stacked = stacked.fillna(stacked.median())
    n1, n2 = len(parts[0]), len(parts[0]) + len(parts[1])
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    lr.fit(stacked.iloc[:n1], splits.train.y)
    return lr.decision_function(stacked.iloc[n1:n2]), lr.decision_function(stacked.iloc[n2:])


def cached_teacher(
    cfg: PipelineConfig, splits: Any, cache: Path | None, key: str
) -> tuple[Any, SoftLabels]:
    """Fit the teacher and its soft labels, or read them back from ``cache`` (the ensemble in
    its safe formats, the soft labels as a plain ``.npz``; keyed by rows, seed and the
    teachers, ensemble and soft-label settings), so a rerun of the students skips them."""
    from risk_models.teachers.ensemble import TeacherEnsemble

    if cache is None:
        ens = fit_teacher(cfg, splits)
        return ens, soft_labels(cfg, splits, ens)
    sections = cfg.model_dump(
        mode="json",
        include={"teachers": True, "ensemble": True, "distill": {"n_folds", "temperature"}},
    )
    digest = hashlib.sha256(json.dumps(sections, sort_keys=True).encode()).hexdigest()[:10]
    folder = cache / f"{key}-{digest}"
    if (folder / "soft_labels.npz").exists():
        z = np.load(folder / "soft_labels.npz", allow_pickle=False)
        train_index = tuple(z[f"train_{k}"] for k in range(int(z["k"])))
        soft = SoftLabels(
            z["logit"], z["fold"], train_index, float(z["temperature"]), z["labelled"]
        )
        return TeacherEnsemble.load(folder / "teacher"), soft
    ens = fit_teacher(cfg, splits)
    soft = soft_labels(cfg, splits, ens)
    ens.save(folder / "teacher")
    np.savez(
        folder / "soft_labels.npz",
        logit=soft.logit, fold=soft.fold, labelled=soft.mask, temperature=soft.temperature,
        k=len(soft.train_index), **{f"train_{k}": t for k, t in enumerate(soft.train_index)},
    )  # fmt: skip
    return ens, soft


def synthetic_seed(
    cfg: PipelineConfig,
    rows: int,
    seed: int,
    cache: Path | None = None,
    variants: tuple[str, ...] = ("plain", "tail"),
) -> dict[str, Any]:
    """One seed of the synthetic benchmark."""
    syn = cfg.data.synthetic.model_copy(update={"n_rows": rows, "seed": seed})  # type: ignore[union-attr]
    cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"synthetic": syn})})
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data = compute_data(cfg)
    splits = data.splits
    timings["data"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ens, soft = cached_teacher(cfg, splits, cache, f"{rows}-{seed}")
    timings["teachers_and_soft_labels"] = time.perf_counter() - t0
    valid, test = splits.valid, splits.test
    amount_v = valid.X["amount"].to_numpy(dtype=float)
    amount_t = test.X["amount"].to_numpy(dtype=float)
    rates = (0.005, 0.01)
    teacher_v, teacher_t = ens.decision_function(valid.X), ens.decision_function(test.X)
    models: dict[str, dict[str, Any]] = {
        "teacher": figures(test.y, teacher_t, amount_t, rates),
    }
    scores = {"teacher": (teacher_v, teacher_t)}
    t0 = time.perf_counter()
    scores["logistic_regression"] = logistic_regression(splits)
    timings["logistic_regression"] = time.perf_counter() - t0
    models["logistic_regression"] = figures(
        test.y, scores["logistic_regression"][1], amount_t, rates
    )
    alerts: list[dict[str, Any]] = []
    for label in variants:
        t0 = time.perf_counter()
        training = training_set(cfg, splits, soft, ens, label == "tail")
        timings[f"training_set_{label}"] = time.perf_counter() - t0
        for name, (sv, st, secs, model) in fit_students(cfg, splits, training).items():
            key = f"{name}_{label}"
            if name == cfg.students[0].name:
                alerts = example_alerts(model, splits)
            timings[f"student_{key}"] = secs
            scores[key] = (sv, st)
            models[key] = {
                **figures(test.y, st, amount_t, rates),
                **fraud_retention(test.y, st, teacher_t),
                "n_training_rows": len(training.y),
            }
    for key, (sv, st) in scores.items():
        models[key].update(
            fraud_cost_metrics(
                valid.y,
                expit(sv),
                test.y,
                expit(st),
                cost_missed=COST_MISSED,
                cost_alert=COST_ALERT,
                amount_valid=amount_v,
                amount_test=amount_t,
            )
        )
    return {
        "seed": seed,
        "rows": rows,
        "splits": data.split_facts(),
        "oof_labelled_share": float(soft.mask.mean()),
        "example_alerts": alerts,
        "models": models,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }


def claims(args: argparse.Namespace) -> dict[str, Any]:
    """The claims data through ``riskdistill run`` (documented flags), then EBM on its split."""
    from interpret.glassbox import ExplainableBoostingClassifier

    from risk_models.explain.loading import load_explained
    from risk_models.teachers.ensemble import TeacherEnsemble

    with tempfile.TemporaryDirectory(prefix="fraud-claims-") as tmp:
        out_dir = Path(tmp) / "run"
        cmd = [
            str(Path(sys.executable).with_name("riskdistill")), "run", args.config,
            "--data", str(args.data), *CLAIMS_FLAGS, "--output-dir", str(out_dir),
            "--tracking-uri", f"sqlite:///{tmp}/mlflow.db",
        ]  # fmt: skip
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
        run_seconds = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"riskdistill run failed ({done.returncode}):\n{done.stderr[-4000:]}")
        summary = json.loads((out_dir / "summary.json").read_text())
        overrides = dict(zip(CLAIMS_FLAGS[::2], CLAIMS_FLAGS[1::2], strict=True))
        cfg = load_pipeline_config(
            args.config,
            {
                "path": str(args.data),
                "target": overrides["--target"],
                "positive_label": overrides["--positive-label"],
                "id_column": overrides["--id-column"],
                "time_column": overrides["--time-column"],
                "exclude": CLAIMS_EXCLUDE,
                "amount_column": overrides["--amount-column"],
            },
        )
        splits = compute_data(cfg).splits
        test = splits.test
        amount_t = test.X["total_claim_amount"].to_numpy(dtype=float)
        rates = (0.1, 0.2)
        teacher = TeacherEnsemble.load(out_dir / "teachers")
        teacher_t = teacher.decision_function(test.X)
        models: dict[str, Any] = {"teacher": figures(test.y, teacher_t, amount_t, rates)}
        for name, info in summary["students"].items():
            exported = load_explained(info["model_file"])
            st = np.asarray(exported.predict_logit(test.X), dtype=float)
            models[name] = {
                **figures(test.y, st, amount_t, rates),
                **fraud_retention(test.y, st, teacher_t, alert_rate=0.1),
                "gates_passed": (info.get("gates") or {}).get("passed"),
            }
        X_fit = pd.concat([splits.train.X, splits.valid.X], ignore_index=True)
        y_fit = np.r_[splits.train.y, splits.valid.y]
        ebm = ExplainableBoostingClassifier(random_state=42).fit(X_fit, y_fit)
        p_ebm = ebm.predict_proba(test.X)[:, 1]
        models["ebm"] = {
            **figures(test.y, p_ebm, amount_t, rates),
            **fraud_retention(test.y, p_ebm, teacher_t, alert_rate=0.1),
        }
    return {
        "command": " ".join(
            [
                "riskdistill",
                *cmd[1:3],
                "--data",
                "../shared/data/auto_insurance_claims.parquet",
                *CLAIMS_FLAGS,
            ]
        ),
        "run_seconds": round(run_seconds, 1),
        "splits": {k: v["n_rows"] for k, v in summary["data"]["splits"].items()},
        "test_frauds": int(test.y.sum()),
        "models": models,
        # The run's own fraud section (summary.json: the config's alert rates 0.5 % and 1 %,
        # i.e. 2 and 3 alerts among 250 test claims) and each student's gate checks.
        "run_fraud": summary.get("fraud"),
        "run_gates": {k: v.get("gates") for k, v in summary["students"].items()},
    }


def markdown(result: dict[str, Any]) -> str:
    """One table per seed (or for the claims run): every model's headline figures."""
    lines = []
    blocks = result.get("seeds", [result])
    for block in blocks:
        title = f"seed {block['seed']}, {block['rows']:,} rows" if "seed" in block else "claims"
        lines += [f"### {title}", ""]
        models = block["models"]
        keys = [k for k in next(iter(models.values())) if not k.startswith("cost_")]
        keys = [k for k in keys if k not in ("n_training_rows", "gates_passed")]
        keys += ["cost_saving"] if "cost_saving" in next(iter(models.values())) else []
        lines.append("| model | " + " | ".join(keys) + " |")
        lines.append("| --- |" + " ---: |" * len(keys))
        for name, m in models.items():
            cells = [f"{m[k]:.3f}" if isinstance(m.get(k), float) else "-" for k in keys]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        for alert in block.get("example_alerts", []):
            lines.append(
                f"- alert {alert['transaction_id']} (p = {alert['probability']:.3f}, fraud = "
                f"{alert['is_fraud']}): {alert['summary']}"
            )
        if "seconds" in block:
            lines.append("")
            lines.append("seconds: " + ", ".join(f"{k} {v}" for k, v in block["seconds"].items()))
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    syn = sub.add_parser("synthetic")
    syn.add_argument("--rows", type=int, default=2_000_000)
    syn.add_argument("--seeds", type=int, nargs="+", default=[11])
    syn.add_argument("--config", default="pipelines/fraud.yaml")
    syn.add_argument("--cache", type=Path, default=None, help="reuse fitted teachers from here")
    syn.add_argument(
        "--variants", nargs="+", choices=("plain", "tail"), default=["plain", "tail"],
        help="student training sets: without (plain) and with the distill.tail focus",
    )  # fmt: skip
    cl = sub.add_parser("claims")
    cl.add_argument("--data", type=Path, default=CLAIMS)
    cl.add_argument("--config", default="pipelines/fraud.yaml")
    for p in (syn, cl):
        p.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    if args.command == "synthetic":
        cfg = load_pipeline_config(REPO / args.config)
        result: dict[str, Any] = {
            "seeds": [
                synthetic_seed(cfg, args.rows, s, args.cache, tuple(args.variants))
                for s in args.seeds
            ]
        }
    else:
        if not args.data.exists():
            raise SystemExit(f"{args.data} not found: the claims data lives in ../shared/data")
        result = claims(args)
    result["machine"] = {**machine(), "total_seconds": round(time.perf_counter() - started, 1)}
    out = args.out or RESULTS / f"fraud_{args.command}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=float))
    table = markdown(result)
    out.with_suffix(".md").write_text(table)
    print(table)
    print(f"wrote {out} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
