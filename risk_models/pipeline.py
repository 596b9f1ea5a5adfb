"""The ordered steps of ``riskdistill run``: data -> teachers -> soft_labels -> students -> gates.

Each step is a function over small frozen hand-offs; :func:`run_pipeline` runs them in order
under one MLflow parent run with one child run per step, and writes ``summary.json``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from risk_models.atomic import atomic_write_text
from risk_models.config import MlflowConfig, PipelineConfig
from risk_models.evaluation.gates import GateReport, evaluate_gates
from risk_models.explain import profile_teacher
from risk_models.steps.data import load_data, log_data
from risk_models.steps.soft_labels import make_training_labels
from risk_models.steps.students import StudentResult, fit_student, log_student
from risk_models.steps.teachers import TeacherResult, fit_teachers, proba

log = logging.getLogger(__name__)

STEPS = ("data", "teachers", "soft_labels", "students", "gates")

Progress = Callable[[str, str], None]  # (step, message)


@dataclass(frozen=True)
class RunResult:
    """What ``riskdistill run`` produced."""

    summary: dict[str, Any]
    summary_path: Path
    run_id: str


def run_pipeline(
    cfg: PipelineConfig,
    mlflow_cfg: MlflowConfig,
    output_dir: str | Path,
    *,
    progress: Progress | None = None,
) -> RunResult:
    """Run every step under one MLflow parent run and write ``output_dir/summary.json``."""
    import mlflow

    from risk_models.tracking.lineage import lineage_tags
    from risk_models.tracking.runs import configure_mlflow, tag_model_version

    say = progress or (lambda step, msg: log.info("%s: %s", step, msg))
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    exp_id = configure_mlflow(mlflow_cfg)
    config_hash = cfg.config_hash()
    tags = lineage_tags(config_hash)

    with mlflow.start_run(run_name=f"run.{cfg.name}", tags=tags) as parent:
        mlflow.log_dict(cfg.model_dump(mode="json"), "config.json")
        with mlflow.start_run(run_name="data", nested=True):
            say("data", "loading and validating")
            loaded = load_data(cfg)
            data_info = log_data(loaded)
            say(
                "data",
                f"{loaded.data.n_rows} rows, {len(loaded.data.spec.features)} features, "
                f"positive rate {loaded.data.positive_rate:.2%}",
            )
        splits = loaded.splits
        with mlflow.start_run(run_name="teachers", nested=True) as trun:
            say("teachers", f"fitting {len(cfg.teachers)} member(s)")
            teachers = fit_teachers(cfg, splits, output_dir)
            say("teachers", f"ensemble test AUC {teachers.metrics['ensemble']['auc']:.4f}")
        teacher_run_ids = {**teachers.run_ids, "ensemble": trun.info.run_id}
        with mlflow.start_run(run_name="soft_labels", nested=True) as srun:
            how = (
                f"out-of-fold scores of the {cfg.ensemble.cv_folds}-fold cross-fitted ensemble"
                if cfg.ensemble.cv_folds >= 2
                else f"{cfg.distill.n_folds}-fold out-of-fold ensemble refits"
            )
            say("soft_labels", how)
            _, training = make_training_labels(cfg, splits, loaded.source, teachers.ensemble)
        teacher_test_p = proba(teachers.ensemble, splits.test.X)
        # The teacher's size and latency are measured once and shared by every student.
        teacher_profile = profile_teacher(teachers.ensemble, splits.test.X.head(2000))
        students: list[StudentResult] = []
        gate_reports: list[GateReport] = []
        for scfg in cfg.students:
            with mlflow.start_run(run_name=f"students.{scfg.name}", nested=True) as strun:
                say("students", f"fitting {scfg.name} ({scfg.kind})")
                model, metrics, fid, extra = fit_student(
                    scfg, cfg, splits, training, teacher_test_p
                )
                info, model_path = log_student(
                    scfg,
                    model,
                    metrics,
                    fid,
                    extra,
                    splits,
                    cfg,
                    output_dir,
                    teacher=teacher_profile,
                )
                version = str(info.registered_model_version)
                lineage = {
                    "risk_models.student": scfg.name,
                    "risk_models.student_kind": scfg.kind,
                    "risk_models.parent_run_id": parent.info.run_id,
                    "risk_models.soft_labels_run_id": srun.info.run_id,
                    "risk_models.config_hash": config_hash,
                    "risk_models.source": loaded.source[:500],
                    **{f"risk_models.teacher_run_id.{k}": v for k, v in teacher_run_ids.items()},
                    **{
                        f"risk_models.digest.{k}": v["content_digest"]
                        for k, v in data_info["splits"].items()
                    },
                }
                tag_model_version(cfg.registry.model_name, version, lineage)
                mlflow.set_tags({"risk_models.registered_version": version})
                students.append(
                    StudentResult(
                        scfg.name,
                        scfg.kind,
                        model,
                        metrics,
                        fid,
                        info.model_uri,
                        version,
                        strun.info.run_id,
                        {**extra, "model_file": str(model_path)},
                    )
                )
                say(
                    "students",
                    f"{scfg.name}: test AUC {metrics['auc']:.4f}, "
                    f"AUC gap {fid['auc_gap']:+.4f}, registered version {version}",
                )
        with mlflow.start_run(run_name="gates", nested=True):
            g = cfg.gates
            for s in students:
                report = evaluate_gates(
                    s.name,
                    auc=s.metrics["auc"],
                    auc_gap=s.fidelity["auc_gap"],
                    logit_correlation=s.fidelity["logit_correlation"],
                    min_auc=g.min_auc,
                    max_auc_gap=g.max_auc_gap,
                    min_logit_correlation=g.min_logit_correlation,
                )
                gate_reports.append(report)
                mlflow.log_dict(report.to_dict(), f"gates_{s.name}.json")
                mlflow.log_metric(f"{s.name}.passed", float(report.passed))
                tag_model_version(
                    cfg.registry.model_name,
                    s.version or "",
                    {"risk_models.gates_passed": str(report.passed).lower()},
                )
                say("gates", f"{s.name}: {'PASS' if report.passed else 'FAIL'}")
        elapsed = time.perf_counter() - started
        mlflow.log_metric("elapsed_seconds", elapsed)
        summary = _summary(
            cfg,
            mlflow_cfg,
            exp_id,
            parent.info.run_id,
            config_hash,
            data_info,
            teachers,
            teacher_run_ids,
            students,
            gate_reports,
            elapsed,
            output_dir,
        )
        summary_path = atomic_write_text(output_dir / "summary.json", json.dumps(summary, indent=2))
        mlflow.log_artifact(str(summary_path))
    return RunResult(summary, summary_path, parent.info.run_id)


def _summary(
    cfg: PipelineConfig,
    mlflow_cfg: MlflowConfig,
    exp_id: str,
    run_id: str,
    config_hash: str,
    data_info: dict[str, Any],
    teachers: TeacherResult,
    teacher_run_ids: dict[str, str],
    students: list[StudentResult],
    gates: list[GateReport],
    elapsed: float,
    output_dir: Path,
) -> dict[str, Any]:
    by_gate = {g.student: g.to_dict() for g in gates}
    return {
        "pipeline": cfg.name,
        "config_hash": config_hash,
        "mlflow": {
            "tracking_uri": mlflow_cfg.tracking_uri,
            "experiment_id": exp_id,
            "run_id": run_id,
            "teacher_run_ids": teacher_run_ids,
        },
        "data": data_info,
        "teachers": teachers.metrics,
        "students": {
            s.name: {
                "kind": s.kind,
                "test": s.metrics,
                "fidelity": s.fidelity,
                "model_uri": s.model_uri,
                "registered_model": cfg.registry.model_name,
                "version": s.version,
                "run_id": s.run_id,
                "gates": by_gate.get(s.name),
                **s.extra,
            }
            for s in students
        },
        "elapsed_seconds": round(elapsed, 2),
    }
