"""Step ``soft_labels``: out-of-fold teacher labels and the optional transfer set."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from risk_models.config import PipelineConfig, TailConfig
from risk_models.distill.soft_labels import (
    SoftLabels,
    make_soft_labels,
    soft_labels_from_cross_fit,
)
from risk_models.distill.training_set import StudentTrainingSet, TailFocus, build_training_set
from risk_models.evaluation.metrics import auc
from risk_models.steps.base import QUIET, LogContext, Logged, Reporter
from risk_models.steps.data import DataResult
from risk_models.steps.teachers import TeacherResult, teacher_ensemble


@dataclass(frozen=True)
class SoftLabelResult:
    """Out-of-fold soft labels of the training rows and the rows students learn from.

    ``oof_auc`` is over the labelled rows only (time folds leave the first block of time
    unlabelled; those rows keep their hard labels as targets); NaN when they hold one class.
    """

    soft: SoftLabels
    training: StudentTrainingSet
    oof_auc: float

    def row_counts(self) -> dict[str, int]:
        """Training rows with an out-of-fold label, kept by the tail focus, and transfer rows."""
        n = len(self.soft.logit)
        kept = self.training.n_real
        return {
            "n_train_rows": n,
            "n_oof_labelled": int(self.soft.mask.sum()),
            "n_hard_label_only": int(n - self.soft.mask.sum()),
            "n_student_real_rows": kept,
            "n_dropped_by_tail": n - kept,
            "n_transfer_rows": self.training.n_transfer,
        }


def tail_focus(t: TailConfig, seed: int) -> TailFocus | None:
    """The :class:`TailFocus` of ``distill.tail`` (None when it is off: ``share`` 0)."""
    if t.share <= 0:
        return None
    return TailFocus(t.share, t.weight, t.keep_rest, t.transfer_share, seed=seed)


def labelled_auc(y: np.ndarray, soft: SoftLabels) -> float:
    """AUC of the out-of-fold soft labels over the rows they label (NaN with one class)."""
    mask = soft.mask
    y_l = np.asarray(y)[mask]
    if y_l.size == 0 or y_l.min() == y_l.max():
        return math.nan
    return auc(y_l, soft.proba[mask])


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
            f"out-of-fold scores of the {getattr(ensemble, 'n_folds_', ensemble.cv_folds)}-fold "
            "cross-fitted ensemble",
        )
        soft = soft_labels_from_cross_fit(ensemble, train.n_rows, d.temperature)
    else:
        order = cfg.fold_order()
        n_fits = d.n_folds - 1 if order == "time" else d.n_folds
        what = "time-block" if order == "time" else "out-of-fold"
        reporter.say("soft_labels", f"{d.n_folds}-fold {what} ensemble refits")
        with reporter.counting("soft_labels", "refits", n_fits) as tick:
            soft = make_soft_labels(
                lambda: teacher_ensemble(cfg),
                train.X,
                train.y,
                n_folds=d.n_folds,
                temperature=d.temperature,
                seed=cfg.split.seed,
                on_fold=lambda k, _t: tick(f"fold {k + 1}/{n_fits}"),
                times=train.times if order == "time" else None,
                fold_order=order,
            )
    n_transfer = d.transfer.rows_for(train.n_rows)
    if n_transfer:
        reporter.say("soft_labels", f"labelling {n_transfer} transfer rows")
    elif d.transfer.n_rows and d.transfer.max_total_rows is not None:
        reporter.say(
            "soft_labels",
            f"no transfer rows: the {train.n_rows} training rows reach "
            f"distill.transfer.max_total_rows ({d.transfer.max_total_rows})",
        )
    tail = tail_focus(d.tail, cfg.split.seed)
    training = build_training_set(
        train.X,
        train.y,
        soft,
        teacher=ensemble,
        transfer_rows=n_transfer,
        swap_prob=d.transfer.swap_prob,
        jitter=d.transfer.jitter,
        seed=d.transfer.seed,
        tail=tail,
    )
    result = SoftLabelResult(soft, training, labelled_auc(train.y, soft))
    c = result.row_counts()
    if c["n_hard_label_only"]:
        reporter.say(
            "soft_labels",
            f"{c['n_oof_labelled']} of {c['n_train_rows']} training rows labelled out of fold; "
            f"the earliest time block ({c['n_hard_label_only']} rows) keeps its hard labels",
        )
    if tail is not None:
        t = d.tail
        reporter.say(
            "soft_labels",
            f"tail focus (share {t.share:g}, weight {t.weight:g}, keep_rest {t.keep_rest:g}, "
            f"transfer_share {t.transfer_share:g}): students fit on {c['n_student_real_rows']} "
            f"of {c['n_train_rows']} real rows (+{c['n_transfer_rows']} transfer)",
        )
    return result


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
            "transfer.per_train_row": str(d.transfer.per_train_row),
            "transfer.rows_made": result.training.n_transfer,
            "transfer.swap_prob": d.transfer.swap_prob,
            "transfer.jitter": d.transfer.jitter,
            "fold_order": cfg.fold_order(),
            "tail.share": d.tail.share,
            "tail.weight": d.tail.weight,
            "tail.keep_rest": d.tail.keep_rest,
            "tail.transfer_share": d.tail.transfer_share,
        },
    )
    log_metrics(client, run_id, "", {"oof_auc": result.oof_auc, **result.row_counts()})
    end_run(client, run_id)
    return Logged(run_id, info={"digests": digests})
