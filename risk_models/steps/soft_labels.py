"""Step ``soft_labels``: out-of-fold teacher labels and the optional transfer set."""

from __future__ import annotations

from dataclasses import dataclass

from risk_models.config import PipelineConfig
from risk_models.distill.soft_labels import (
    SoftLabels,
    make_soft_labels,
    soft_labels_from_cross_fit,
)
from risk_models.distill.training_set import StudentTrainingSet, build_training_set
from risk_models.evaluation.metrics import auc
from risk_models.steps.base import QUIET, LogContext, Logged, Reporter
from risk_models.steps.data import DataResult
from risk_models.steps.teachers import TeacherResult, teacher_ensemble


@dataclass(frozen=True)
class SoftLabelResult:
    """Out-of-fold soft labels of the training rows and the rows students learn from."""

    soft: SoftLabels
    training: StudentTrainingSet
    oof_auc: float


def compute_soft_labels(
    cfg: PipelineConfig,
    data: DataResult,
    teachers: TeacherResult,
    reporter: Reporter = QUIET,
) -> SoftLabelResult:
    """Soft labels from the cross-fitted ensemble (or K-fold refits), plus MUNGE rows."""
    d = cfg.distill
    train = data.splits.train
    ensemble = teachers.ensemble
    if ensemble.cv_folds >= 2:  # the teachers step already cross-fitted
        reporter.say(
            "soft_labels",
            f"out-of-fold scores of the {ensemble.cv_folds}-fold cross-fitted ensemble",
        )
        soft = soft_labels_from_cross_fit(ensemble, train.n_rows, d.temperature)
    else:
        reporter.say("soft_labels", f"{d.n_folds}-fold out-of-fold ensemble refits")
        with reporter.counting("soft_labels", "refits", d.n_folds) as tick:
            soft = make_soft_labels(
                lambda: teacher_ensemble(cfg),
                train.X,
                train.y,
                n_folds=d.n_folds,
                temperature=d.temperature,
                seed=cfg.split.seed,
                on_fold=lambda k, _t: tick(f"fold {k + 1}/{d.n_folds}"),
            )
    if d.transfer.n_rows:
        reporter.say("soft_labels", f"labelling {d.transfer.n_rows} transfer rows")
    training = build_training_set(
        train.X,
        train.y,
        soft,
        teacher=ensemble,
        transfer_rows=d.transfer.n_rows,
        swap_prob=d.transfer.swap_prob,
        jitter=d.transfer.jitter,
        seed=d.transfer.seed,
    )
    return SoftLabelResult(soft, training, auc(train.y, soft.proba))


def log_soft_labels(
    result: SoftLabelResult, cfg: PipelineConfig, data: DataResult, ctx: LogContext
) -> Logged:
    """Log the soft-label table and the transfer set as dataset inputs, with the settings."""
    from risk_models.tracking.runs import end_run, log_frame_input, log_metrics, log_params

    client = ctx.client
    run_id = ctx.child_run("soft_labels")
    frame = data.splits.train.X.copy()
    frame["soft_label"] = result.soft.proba
    frame["fold"] = result.soft.fold
    log_frame_input(
        client,
        run_id,
        frame,
        name="soft_labels",
        context="soft_labels",
        source=data.source,
        targets="soft_label",
    )
    digests = {}
    if result.training.n_transfer:
        digests["transfer_set"] = log_frame_input(
            client,
            run_id,
            result.training.transfer_frame,
            name="transfer_set",
            context="transfer_set",
            source=data.source,
            targets="teacher_proba",
        )["content_digest"]
    d = cfg.distill
    log_params(
        client,
        run_id,
        {
            "n_folds": result.soft.n_folds,
            "temperature": result.soft.temperature,
            "alpha": d.alpha,
            "transfer.n_rows": d.transfer.n_rows,
            "transfer.swap_prob": d.transfer.swap_prob,
            "transfer.jitter": d.transfer.jitter,
        },
    )
    log_metrics(client, run_id, "", {"oof_auc": result.oof_auc})
    end_run(client, run_id)
    return Logged(run_id, info={"digests": digests})
