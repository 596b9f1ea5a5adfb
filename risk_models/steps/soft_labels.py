"""Step ``soft_labels``: out-of-fold teacher labels and the optional transfer set."""

from __future__ import annotations

from risk_models.config import PipelineConfig
from risk_models.data import Splits
from risk_models.distill.soft_labels import (
    SoftLabels,
    make_soft_labels,
    soft_labels_from_cross_fit,
)
from risk_models.distill.training_set import StudentTrainingSet, build_training_set
from risk_models.steps.teachers import teacher_ensemble
from risk_models.teachers.ensemble import TeacherEnsemble


def make_training_labels(
    cfg: PipelineConfig, splits: Splits, source: str, teacher: TeacherEnsemble
) -> tuple[SoftLabels, StudentTrainingSet]:
    """Out-of-fold soft labels for the training rows plus the optional transfer set.

    Both are logged as dataset inputs, so a student traces to the exact rows it learned from.
    """
    import mlflow

    from risk_models.evaluation.metrics import auc
    from risk_models.tracking.runs import log_frame_input

    d = cfg.distill
    if getattr(teacher, "cv_folds", 0) >= 2:  # the teachers step already cross-fitted
        soft = soft_labels_from_cross_fit(teacher, splits.train.n_rows, d.temperature)
    else:
        soft = make_soft_labels(
            lambda: teacher_ensemble(cfg),
            splits.train.X,
            splits.train.y,
            n_folds=d.n_folds,
            temperature=d.temperature,
            seed=cfg.split.seed,
        )
    frame = splits.train.X.copy()
    frame["soft_label"] = soft.proba
    frame["fold"] = soft.fold
    log_frame_input(
        frame, name="soft_labels", context="soft_labels", source=source, targets="soft_label"
    )
    training = build_training_set(
        splits.train.X,
        splits.train.y,
        soft,
        teacher=teacher,
        transfer_rows=d.transfer.n_rows,
        swap_prob=d.transfer.swap_prob,
        jitter=d.transfer.jitter,
        seed=d.transfer.seed,
    )
    if training.n_transfer:
        log_frame_input(
            training.transfer_frame,
            name="transfer_set",
            context="transfer_set",
            source=source,
            targets="teacher_proba",
        )
    mlflow.log_params(
        {
            "n_folds": soft.n_folds,
            "temperature": soft.temperature,
            "alpha": d.alpha,
            "transfer.n_rows": d.transfer.n_rows,
            "transfer.swap_prob": d.transfer.swap_prob,
            "transfer.jitter": d.transfer.jitter,
        }
    )
    mlflow.log_metrics({"oof_auc": auc(splits.train.y, soft.proba)})
    return soft, training
