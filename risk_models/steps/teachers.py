"""Step ``teachers``: fit the ensemble, score the test rows once, evaluate, log each member."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from risk_models.config import PipelineConfig
from risk_models.errors import ConfigError
from risk_models.evaluation.metrics import classification_metrics, reliability_table
from risk_models.steps.base import QUIET, LogContext, Logged, Reporter
from risk_models.steps.data import DataResult
from risk_models.teachers.ensemble import TeacherEnsemble, build_teacher


@dataclass(frozen=True)
class TeacherScores:
    """One scoring pass of the ensemble over a row set: every member's log-odds and the
    ensemble's raw and calibrated log-odds derived from them."""

    members: np.ndarray
    raw: np.ndarray
    logit: np.ndarray
    seconds: float

    @property
    def proba(self) -> np.ndarray:
        return np.asarray(expit(self.logit))


@dataclass(frozen=True)
class TeacherResult:
    """The fitted ensemble, its test-row scores, test metrics and size/latency profile."""

    ensemble: TeacherEnsemble
    test: TeacherScores
    metrics: dict[str, dict[str, float]]
    reliability: dict[str, pd.DataFrame]
    profile: dict[str, Any]


def teacher_ensemble(cfg: PipelineConfig) -> TeacherEnsemble:
    """The unfitted ensemble the config declares, with its fold order (``cfg.fold_order()``:
    forward-chaining time folds for an out-of-time split unless ``ensemble.fold_order`` says
    otherwise; the order only matters with ``cv_folds >= 2``)."""
    members = [(t.name, build_teacher(t.kind, t.params, t.seed)) for t in cfg.teachers]
    e = cfg.ensemble
    return TeacherEnsemble(
        members=members,
        weighting=e.weighting,
        calibration=e.calibration,
        cv_folds=e.cv_folds,
        weight_l2=e.weight_l2,
        random_state=cfg.split.seed,
        fold_order=cfg.fold_order(),
        cv_row_budget=e.cv_row_budget,
    )


def fit_times(cfg: PipelineConfig, data: DataResult) -> dict[str, Any]:
    """``times=`` / ``eval_times=`` for ``TeacherEnsemble.fit``: the event times of the
    training and validation rows when the ensemble cross-fits over time folds, else none.

    Raises
    ------
    ConfigError
        When time folds are asked for and the data has no time column.
    """
    if cfg.fold_order() != "time" or cfg.ensemble.cv_folds < 2:
        return {}
    splits = data.splits
    if splits.train.times is None or splits.valid.times is None:
        raise ConfigError(
            f"pipeline {cfg.name!r}",
            [
                "ensemble.fold_order: time folds need the event time of every row, and the "
                "data has no time column; set data.time_column (--time-column) or "
                "ensemble.fold_order: random"
            ],
        )
    return {"times": splits.train.times, "eval_times": splits.valid.times}


def score_teacher(ensemble: TeacherEnsemble, X: pd.DataFrame) -> TeacherScores:
    """Score ``X`` once: member log-odds, then the ensemble combination of them."""
    started = time.perf_counter()
    members = ensemble.member_logits(X)
    seconds = time.perf_counter() - started
    raw, logit = ensemble.combine(members)
    return TeacherScores(members, raw, logit, seconds)


def teacher_profile(ensemble: TeacherEnsemble, scores: TeacherScores) -> dict[str, Any]:
    """Size on disk (everything ``save`` writes) and scoring latency from the test pass."""
    with tempfile.TemporaryDirectory(prefix="risk_models-teacher-") as tmp:
        ensemble.save(Path(tmp) / "teacher")
        sizes = [p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()]
    n = max(len(scores.logit), 1)
    return {
        "teacher_size_bytes": sum(sizes),
        "teacher_n_files": len(sizes),
        "teacher_seconds_per_1k_rows": scores.seconds / n * 1000.0,
    }


def compute_teachers(
    cfg: PipelineConfig, data: DataResult, reporter: Reporter = QUIET
) -> TeacherResult:
    """Fit the ensemble (progress per member and fold), score test once, evaluate."""
    splits = data.splits
    ensemble = teacher_ensemble(cfg)
    k = ensemble.folds_for(splits.train.n_rows + splits.valid.n_rows)
    total = len(cfg.teachers) * (k if k >= 2 else 1)
    times = fit_times(cfg, data)
    what = f"{k}-fold cross-fit" if k >= 2 else "fit"
    if times:
        what = f"{k}-block time cross-fit"
    reporter.say("teachers", f"fitting {len(cfg.teachers)} member(s), {what} each")
    with reporter.counting("teachers", what, total) as tick:
        ensemble.fit(
            splits.train.X,
            splits.train.y,
            eval_set=(splits.valid.X, splits.valid.y),
            on_member=None if k >= 2 else (lambda name, _m: tick(name)),
            on_fold=lambda name, j, n: tick(f"{name} fold {j + 1}/{n}"),
            **times,
        )
    test = splits.test
    scores = score_teacher(ensemble, test.X)
    metrics: dict[str, dict[str, float]] = {
        name: classification_metrics(test.y, expit(scores.members[:, j]))
        for j, name in enumerate(ensemble.member_names)
    }
    raw_p = expit(scores.raw)
    metrics["ensemble"] = classification_metrics(test.y, scores.proba)
    metrics["ensemble_uncalibrated"] = classification_metrics(test.y, raw_p)
    reliability = {
        "uncalibrated": reliability_table(test.y, raw_p, n_bins=10),
        "calibrated": reliability_table(test.y, scores.proba, n_bins=10),
    }
    reporter.say("teachers", f"ensemble test AUC {metrics['ensemble']['auc']:.4f}")
    return TeacherResult(ensemble, scores, metrics, reliability, teacher_profile(ensemble, scores))


def log_teachers(result: TeacherResult, cfg: PipelineConfig, ctx: LogContext) -> Logged:
    """Save the ensemble under ``output_dir/teachers``; one child run per member."""
    from risk_models.tracking.runs import (
        end_run,
        log_json,
        log_metrics,
        log_params,
        set_tags,
        start_run,
    )

    client = ctx.client
    run_id = ctx.child_run("teachers")
    ensemble = result.ensemble
    save_dir = ensemble.save(ctx.output_dir / "teachers")
    children: dict[str, str] = {}
    for (name, member), tcfg in zip(ensemble.fitted_members_, cfg.teachers, strict=True):
        child = start_run(client, ctx.experiment_id, f"teachers.{name}", parent_run_id=run_id)
        log_params(client, child, {"kind": tcfg.kind, "seed": tcfg.seed, **member.get_params()})
        log_metrics(client, child, "test", result.metrics[name])
        log_metrics(client, child, "", {"n_trees": float(getattr(member, "n_trees_", 0))})
        set_tags(client, child, {"risk_models.device": getattr(member, "device_", "cpu")})
        client.log_artifacts(child, str(save_dir / name), artifact_path=f"teacher_{name}")
        end_run(client, child)
        children[name] = child
    log_metrics(client, run_id, "test.ensemble", result.metrics["ensemble"])
    log_metrics(
        client, run_id, "test.ensemble_uncalibrated", result.metrics["ensemble_uncalibrated"]
    )
    for label, table in result.reliability.items():
        log_json(client, run_id, table.to_dict(orient="records"), f"reliability_{label}.json")
    log_params(
        client, run_id, {"weighting": ensemble.weighting, "calibration": ensemble.calibration}
    )
    log_json(
        client,
        run_id,
        {"members": ensemble.member_names, "weights": ensemble.weights_.tolist()},
        "ensemble_weights.json",
    )
    client.log_artifact(run_id, str(save_dir / "ensemble.json"))
    end_run(client, run_id)
    return Logged(run_id, children=children)
