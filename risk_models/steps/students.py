"""Step ``students``: fit each student with the distillation loss, evaluate vs the teacher."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from risk_models.config import PipelineConfig, StudentConfig
from risk_models.data import DataSpec
from risk_models.data.date_features import attach_date_inputs
from risk_models.distill.loss import teacher_logit
from risk_models.evaluation.fidelity import fidelity
from risk_models.evaluation.metrics import classification_metrics
from risk_models.scoring.tablescore.markers import attach_missing_values
from risk_models.steps.base import QUIET, LogContext, Logged, Reporter
from risk_models.steps.data import DataResult
from risk_models.steps.soft_labels import SoftLabelResult
from risk_models.steps.teachers import TeacherResult
from risk_models.students.protocol import Exported, Student
from risk_models.students.registry import student_class

N_REASON_ROWS = 200
N_LATENCY_ROWS = 2000
N_CHECK_ROWS = 5000


@dataclass(frozen=True)
class StudentFit:
    """One fitted student, its exported model and its test-row evaluation."""

    name: str
    kind: str
    model: Student
    exported: Exported
    test_logit: np.ndarray
    valid_logit: np.ndarray
    metrics: dict[str, float]
    valid_metrics: dict[str, float]
    fidelity: dict[str, float]
    facts: dict[str, Any]
    compression: dict[str, Any]
    reasons_sample: pd.DataFrame
    reason_catalogue: pd.DataFrame | None


@dataclass(frozen=True)
class StudentsResult:
    fits: tuple[StudentFit, ...]

    def by_name(self) -> dict[str, StudentFit]:
        return {f.name: f for f in self.fits}


def student_params(
    scfg: StudentConfig, cfg: PipelineConfig, spec: DataSpec, takes: frozenset[str]
) -> dict[str, Any]:
    """The student's YAML params plus the distillation settings it declares it takes
    (``alpha``, ``temperature``, ``monotone`` from the data roles, ``random_state``)."""
    params = dict(scfg.params)
    if "monotone" in takes and scfg.monotone_from_data and spec.monotone:
        numeric = set(spec.features) - set(spec.categorical)
        params.setdefault(
            "monotone", {f: d for f, d in spec.monotone.items() if f in numeric and d}
        )
    if "random_state" in takes:
        params.setdefault("random_state", cfg.split.seed)
    if "alpha" in takes:
        params.setdefault("alpha", cfg.distill.alpha)
    if "temperature" in takes:
        params.setdefault("temperature", cfg.distill.temperature)
    return params


def valid_soft_target(data: DataResult, teachers: TeacherResult) -> np.ndarray | None:
    """The teacher's out-of-fold probabilities of the validation rows (a cross-fitted
    ensemble pools train then valid rows), or ``None`` when it has none for every row."""
    ensemble = teachers.ensemble
    z = getattr(ensemble, "cross_fitted_logit_", None)
    if ensemble.cv_folds < 2 or z is None:
        return None
    n_train, n_valid = data.splits.train.n_rows, data.splits.valid.n_rows
    part = np.asarray(z, dtype=float)[n_train : n_train + n_valid]
    if len(part) != n_valid or not np.all(np.isfinite(part)):
        return None
    return np.asarray(expit(part))


def fit_student(
    scfg: StudentConfig,
    cfg: PipelineConfig,
    data: DataResult,
    soft: SoftLabelResult,
    teachers: TeacherResult,
    earlier: tuple[Student, ...] = (),
) -> StudentFit:
    """Fit one student on the soft labels and evaluate it against the teacher on test.

    ``earlier``: the students already fitted in this run, offered to a student that declares
    the ``reuse`` fit option (it takes only a stage it would have fitted identically)."""
    from risk_models.explain import compression_report, score_with_reasons
    from risk_models.students.reasons import reason_catalogue
    from risk_models.students.shape_table import ShapeTable

    splits = data.splits
    cls = student_class(scfg.kind)
    training = soft.training
    soft_target = training.teacher_proba
    if "temperature" not in cls.distill_params:  # soft targets at T, one label per row
        soft_target = expit(teacher_logit(soft_target) / cfg.distill.temperature)
    model: Student = cls(**student_params(scfg, cfg, splits.train.spec, cls.distill_params))
    options: dict[str, Any] = {}
    if "count_mask" in cls.fit_options:
        options["count_mask"] = ~training.is_transfer
    if "reuse" in cls.fit_options:
        options["reuse"] = earlier
    eval_target = valid_soft_target(data, teachers) if "soft_eval" in cls.fit_options else None
    t0 = time.perf_counter()
    model.fit(
        training.X,
        training.y,
        soft_target=soft_target,
        eval_set=(splits.valid.X, splits.valid.y if eval_target is None else eval_target),
        sample_weight=training.weight,  # None unless distill.tail weights the rows
        **options,
    )
    fit_seconds = time.perf_counter() - t0  # the fit alone: no export, checks or reasons
    valid = splits.valid
    valid_logit = np.asarray(model.decision_function(valid.X), dtype=float)
    valid_p = expit(valid_logit)
    test = splits.test
    logit = np.asarray(model.decision_function(test.X), dtype=float)
    p = expit(logit)
    exported = attach_date_inputs(model.export(), splits.train.dates)  # reference dates
    exported = attach_missing_values(exported, splits.train.spec.missing_values)  # "?" markers
    # the exported model against its trainer, on the first test rows (the trainer's exact
    # check routes every row through every tree: ~10 s on 37,500 rows for a 4,000-stump GAM)
    n_check = min(len(logit), N_CHECK_ROWS)
    diff = np.abs(logit[:n_check] - np.asarray(model.trainer_logit(test.X.iloc[:n_check])))
    facts: dict[str, Any] = {
        "fit_seconds": fit_seconds,
        "n_train_rows": training.n_real,
        "n_transfer_rows": training.n_transfer,
        "table_vs_trainer_max_abs_diff": float(diff.max()) if n_check else 0.0,
        "table_vs_trainer_rows": n_check,
    }
    if training.weight is not None:
        facts["training_weight_sum"] = float(np.sum(training.weight))
    catalogue = None
    if isinstance(exported, ShapeTable):
        facts["n_cells"] = exported.n_cells()
        facts["n_terms"] = len(exported.terms)
        catalogue = reason_catalogue(exported)
    return StudentFit(
        name=scfg.name,
        kind=scfg.kind,
        model=model,
        exported=exported,
        test_logit=logit,
        valid_logit=valid_logit,
        metrics=classification_metrics(test.y, p),
        valid_metrics=classification_metrics(valid.y, valid_p),
        fidelity=fidelity(teachers.test.proba, p, test.y),
        facts=facts,
        compression=compression_report(exported, teachers.profile, test.X.head(N_LATENCY_ROWS)),
        reasons_sample=score_with_reasons(exported, test.X.head(N_REASON_ROWS), k=4),
        reason_catalogue=catalogue,
    )


def compute_students(
    cfg: PipelineConfig,
    data: DataResult,
    soft: SoftLabelResult,
    teachers: TeacherResult,
    reporter: Reporter = QUIET,
) -> StudentsResult:
    """Fit every configured student, in order."""
    fits: list[StudentFit] = []
    for scfg in cfg.students:
        reporter.say("students", f"fitting {scfg.name} ({scfg.kind})")
        fit = fit_student(scfg, cfg, data, soft, teachers, tuple(f.model for f in fits))
        reporter.say(
            "students",
            f"{fit.name}: test AUC {fit.metrics['auc']:.4f}, "
            f"AUC gap {fit.fidelity['auc_gap']:+.4f}",
        )
        fits.append(fit)
    return StudentsResult(tuple(fits))


def lineage_of(fit: StudentFit, data: DataResult, ctx: LogContext) -> dict[str, str]:
    """Tags that link a student's model version to its teachers, soft labels and data."""
    teachers = ctx.logged["teachers"]
    teacher_runs = {**teachers.children, "ensemble": teachers.run_id}
    digests = dict(data.digests)
    digests.update(ctx.logged["soft_labels"].info.get("digests", {}))
    return {
        "risk_models.student": fit.name,
        "risk_models.student_kind": fit.kind,
        "risk_models.parent_run_id": ctx.parent_run_id,
        "risk_models.soft_labels_run_id": ctx.logged["soft_labels"].run_id,
        "risk_models.config_hash": ctx.config_hash,
        "risk_models.source": data.source[:500],
        **{f"risk_models.teacher_run_id.{k}": v for k, v in teacher_runs.items()},
        **{f"risk_models.digest.{k}": v for k, v in digests.items()},
    }


def log_students(
    result: StudentsResult, cfg: PipelineConfig, data: DataResult, ctx: LogContext
) -> Logged:
    """One child run per student: params, metrics, exported model, reasons, logged pyfunc."""
    children: dict[str, str] = {}
    info: dict[str, Any] = {}
    for fit in result.fits:
        run_id = ctx.child_run(f"students.{fit.name}")
        children[fit.name] = run_id
        info[fit.name] = log_student(fit, cfg, data, ctx, run_id)
    return Logged(ctx.parent_run_id, children=children, info=info)


def log_student(
    fit: StudentFit, cfg: PipelineConfig, data: DataResult, ctx: LogContext, run_id: str
) -> dict[str, Any]:
    """Log one student into ``run_id`` (not registered: that is the ``register`` step's
    decision); return its logged model's URI and the local model file."""
    import mlflow

    from risk_models.registry import log_test_scores
    from risk_models.students.rules import RuleSet
    from risk_models.tracking.mlflow_model import artifact_name, log_student_model
    from risk_models.tracking.runs import end_run, log_metrics, log_params

    client = ctx.client
    log_params(client, run_id, {"kind": fit.kind, **fit.model.get_params()})
    log_metrics(client, run_id, "test", fit.metrics)
    log_metrics(client, run_id, "valid", fit.valid_metrics)
    log_metrics(client, run_id, "fidelity", fit.fidelity)
    log_metrics(client, run_id, "", fit.facts)
    log_metrics(client, run_id, "compression", fit.compression)
    folder = ctx.output_dir / "students" / fit.name
    path = fit.exported.save(folder / f"{artifact_name(fit.exported)}.json")
    client.log_artifact(run_id, str(path), artifact_path="explain")
    for extra in fit.model.export_artifacts(folder):
        client.log_artifact(run_id, str(extra), artifact_path="explain")
    if isinstance(fit.exported, RuleSet):
        client.log_text(run_id, fit.exported.to_text(), "explain/rules.txt")
    client.log_text(run_id, fit.reasons_sample.to_csv(index=False), "explain/reasons_sample.csv")
    if fit.reason_catalogue is not None:
        client.log_text(
            run_id, fit.reason_catalogue.to_csv(index=False), "explain/reason_catalogue.csv"
        )
    test = data.splits.test
    log_test_scores(
        client,
        run_id,
        y=test.y,
        logit=fit.test_logit,
        features=test.X if cfg.registry.log_test_rows else None,
        row_ids=test.ids,
    )
    with mlflow.start_run(run_id=run_id):
        model_info = log_student_model(
            fit.exported,
            name="model",
            input_example=data.splits.train.X,
        )
    end_run(client, run_id)
    return {"model_uri": model_info.model_uri, "model_file": str(path)}
