"""Step ``students``: fit each student with the distillation loss, evaluate vs the teacher."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from risk_models.config import PipelineConfig, StudentConfig
from risk_models.data import Splits
from risk_models.distill.loss import teacher_logit
from risk_models.distill.training_set import StudentTrainingSet
from risk_models.evaluation.fidelity import fidelity
from risk_models.evaluation.metrics import classification_metrics
from risk_models.steps.teachers import proba
from risk_models.students.registry import student_class, trainer_logit


@dataclass(frozen=True)
class StudentResult:
    name: str
    kind: str
    model: Any
    metrics: dict[str, float]
    fidelity: dict[str, float]
    model_uri: str
    version: str | None
    run_id: str
    extra: dict[str, Any] = field(default_factory=dict)


def fit_student(
    scfg: StudentConfig,
    cfg: PipelineConfig,
    splits: Splits,
    training: StudentTrainingSet,
    teacher_test_p: np.ndarray,
) -> tuple[Any, dict[str, float], dict[str, float], dict[str, Any]]:
    """Fit one student with the distillation loss and evaluate it against the teacher on test."""
    params = dict(scfg.params)
    spec = splits.train.spec
    cls = student_class(scfg.kind)
    accepted = set(cls().get_params())
    if scfg.monotone_from_data and spec.monotone and "monotone" in accepted:
        numeric = [f for f in spec.features if f not in spec.categorical]
        params.setdefault(
            "monotone", {f: d for f, d in spec.monotone.items() if f in numeric and d}
        )
    if "random_state" in accepted:
        params.setdefault("random_state", cfg.split.seed)
    soft_target = training.teacher_proba
    if "temperature" in accepted:  # the student applies T inside its loss
        params.setdefault("alpha", cfg.distill.alpha)
        params.setdefault("temperature", cfg.distill.temperature)
    else:  # soft targets at temperature T, as one label per row
        T = cfg.distill.temperature
        soft_target = 1.0 / (1.0 + np.exp(-teacher_logit(soft_target) / T))
    model = cls(**params)
    model.fit(
        training.X,
        training.y,
        soft_target=soft_target,
        eval_set=(splits.valid.X, splits.valid.y),
    )
    test = splits.test
    p = proba(model, test.X)
    metrics = classification_metrics(test.y, p)
    fid = fidelity(teacher_test_p, p, test.y)
    extra: dict[str, Any] = {
        "n_train_rows": training.n_real,
        "n_transfer_rows": training.n_transfer,
    }
    trainer = trainer_logit(model, test.X)
    if trainer is not None:  # the exported table/rules must score as the trainer does
        diff = np.abs(model.decision_function(test.X) - np.asarray(trainer))
        extra["table_vs_trainer_max_abs_diff"] = float(diff.max())
    explained = model.explain()
    if hasattr(explained, "n_cells"):
        extra["n_cells"] = explained.n_cells()
        extra["n_terms"] = len(explained.terms)
    return model, metrics, fid, extra


def log_student(
    scfg: StudentConfig,
    model: Any,
    metrics: dict[str, float],
    fid: dict[str, float],
    extra: dict[str, Any],
    splits: Splits,
    cfg: PipelineConfig,
    output_dir: Path,
    *,
    teacher: Any = None,
) -> tuple[Any, Path]:
    """Log params, metrics, the exported table/rules (and points table) and register a version.

    Also logs a sample of reason codes (and, for a shape table, the reason-code catalogue)
    under ``explain/``; given the ``teacher`` ensemble, measures the student's compression
    against it, logs the figures as ``compression.*`` metrics and adds them to ``extra`` (in
    place, so that they reach ``summary.json``).

    Returns MLflow's ``ModelInfo`` and the local path of the exported model file.
    """
    import mlflow

    from risk_models.tracking.mlflow_model import artifact_name, log_student_model
    from risk_models.tracking.runs import log_metrics

    mlflow.log_params({"kind": scfg.kind, **model.get_params()})
    log_metrics("test", metrics)
    log_metrics("fidelity", fid)
    log_metrics("", extra)
    exported = model.explain()
    key = artifact_name(exported)
    folder = output_dir / "students" / scfg.name
    path = exported.save(folder / f"{key}.json")
    mlflow.log_artifact(str(path), artifact_path="explain")
    if hasattr(model, "export_points"):  # scorecards: the points table a reviewer reads
        for suffix in ("csv", "json"):
            points = model.export_points(folder / f"points.{suffix}")
            mlflow.log_artifact(str(points), artifact_path="explain")
    if hasattr(exported, "to_text"):
        mlflow.log_text(exported.to_text(), "explain/rules.txt")
    log_explanations(exported, splits, extra, teacher=teacher)
    info = log_student_model(
        exported,
        name="model",
        input_example=splits.train.X,
        registered_model_name=cfg.registry.model_name,
    )
    return info, path


def log_explanations(
    exported: Any,
    splits: Splits,
    extra: dict[str, Any],
    *,
    teacher: Any = None,
    n_reason_rows: int = 200,
    n_latency_rows: int = 2000,
) -> dict[str, Any]:
    """Log reason codes of the first test rows and, given a teacher, the compression figures.

    Artifacts ``explain/reasons_sample.csv`` (:func:`~risk_models.explain.score_with_reasons`
    on the first ``n_reason_rows`` test rows, k=4, best-bin reference) and, for a shape
    table, ``explain/reason_catalogue.csv``. With ``teacher``, the
    :func:`~risk_models.explain.compression_report` on the first ``n_latency_rows`` test rows
    is logged as ``compression.*`` metrics and merged into ``extra`` in place.

    Returns the compression report (empty without a teacher).
    """
    import mlflow

    from risk_models.explain import compression_report, score_with_reasons
    from risk_models.students.reasons import reason_catalogue
    from risk_models.students.shape_table import ShapeTable
    from risk_models.tracking.runs import log_metrics

    sample = score_with_reasons(exported, splits.test.X.head(n_reason_rows), k=4)
    mlflow.log_text(sample.to_csv(index=False), "explain/reasons_sample.csv")
    if isinstance(exported, ShapeTable):
        catalogue = reason_catalogue(exported)
        mlflow.log_text(catalogue.to_csv(index=False), "explain/reason_catalogue.csv")
    if teacher is None:
        return {}
    report = compression_report(exported, teacher, splits.test.X.head(n_latency_rows))
    log_metrics("compression", report)
    extra.update(report)
    return report
