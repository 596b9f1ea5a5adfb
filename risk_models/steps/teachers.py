"""Step ``teachers``: fit the ensemble, log each member, evaluate and report calibration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk_models.config import PipelineConfig
from risk_models.data import Splits
from risk_models.evaluation.metrics import classification_metrics, reliability_table
from risk_models.teachers.ensemble import TeacherEnsemble, build_teacher


@dataclass(frozen=True)
class TeacherResult:
    ensemble: TeacherEnsemble
    metrics: dict[str, dict[str, float]]
    run_ids: dict[str, str]


def teacher_ensemble(cfg: PipelineConfig) -> TeacherEnsemble:
    members = [(t.name, build_teacher(t.kind, t.params, t.seed)) for t in cfg.teachers]
    e = cfg.ensemble
    return TeacherEnsemble(
        members=members,
        weighting=e.weighting,
        calibration=e.calibration,
        cv_folds=e.cv_folds,
        weight_l2=e.weight_l2,
        random_state=cfg.split.seed,
    )


def proba(model: Any, X: pd.DataFrame) -> np.ndarray:
    return np.asarray(model.predict_proba(X))[:, 1]


def fit_teachers(cfg: PipelineConfig, splits: Splits, output_dir: Path) -> TeacherResult:
    """Fit the teacher ensemble, log each member in a child run, evaluate on test."""
    import mlflow

    from risk_models.tracking.runs import log_metrics

    ensemble = teacher_ensemble(cfg)
    ensemble.fit(splits.train.X, splits.train.y, eval_set=(splits.valid.X, splits.valid.y))
    test = splits.test
    metrics: dict[str, dict[str, float]] = {}
    run_ids: dict[str, str] = {}
    member_logits = ensemble.member_logits(test.X)
    save_dir = output_dir / "teachers"
    ensemble.save(save_dir)
    for j, ((name, member), tcfg) in enumerate(
        zip(ensemble.fitted_members_, cfg.teachers, strict=True)
    ):
        p = 1.0 / (1.0 + np.exp(-member_logits[:, j]))
        metrics[name] = classification_metrics(test.y, p)
        with mlflow.start_run(run_name=f"teachers.{name}", nested=True) as run:
            mlflow.log_params({"kind": tcfg.kind, "seed": tcfg.seed, **member.get_params()})
            log_metrics("test", metrics[name])
            mlflow.log_metrics({"n_trees": float(getattr(member, "n_trees_", 0))})
            mlflow.set_tag("risk_models.device", getattr(member, "device_", "cpu"))
            mlflow.log_artifacts(str(save_dir / name), artifact_path=f"teacher_{name}")
            run_ids[name] = run.info.run_id
    metrics["ensemble"] = classification_metrics(test.y, proba(ensemble, test.X))
    raw_p = 1.0 / (1.0 + np.exp(-ensemble.raw_logit(test.X)))
    metrics["ensemble_uncalibrated"] = classification_metrics(test.y, raw_p)
    log_metrics("test.ensemble", metrics["ensemble"])
    log_metrics("test.ensemble_uncalibrated", metrics["ensemble_uncalibrated"])
    for label, p in (("uncalibrated", raw_p), ("calibrated", proba(ensemble, test.X))):
        table = reliability_table(test.y, p, n_bins=10)
        mlflow.log_dict(table.to_dict(orient="records"), f"reliability_{label}.json")
    mlflow.log_params({"weighting": ensemble.weighting, "calibration": ensemble.calibration})
    mlflow.log_dict(
        {"members": ensemble.member_names, "weights": ensemble.weights_.tolist()},
        "ensemble_weights.json",
    )
    mlflow.log_artifact(str(save_dir / "ensemble.json"))
    return TeacherResult(ensemble, metrics, run_ids)
