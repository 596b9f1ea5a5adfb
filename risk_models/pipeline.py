"""The ordered steps of ``riskdistill run``: data -> teachers -> soft_labels -> students -> gates.

Each step is a function over small frozen hand-offs; :func:`run_pipeline` runs them in order
under one MLflow parent run with one child run per step, and writes ``summary.json``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk_models.atomic import atomic_write_text
from risk_models.config import DataConfig, MlflowConfig, PipelineConfig, StudentConfig
from risk_models.data import DataSpec, Splits, ValidatedData, split_data, validate_file
from risk_models.data.synthetic import make_credit_book, make_fraud_stream
from risk_models.data.validation import validate_frame
from risk_models.distill.soft_labels import SoftLabels, make_soft_labels
from risk_models.evaluation.fidelity import fidelity
from risk_models.evaluation.gates import GateReport, evaluate_gates
from risk_models.evaluation.metrics import classification_metrics
from risk_models.students.registry import student_class
from risk_models.teachers.ensemble import TeacherEnsemble, build_teacher

log = logging.getLogger(__name__)

STEPS = ("data", "teachers", "soft_labels", "students", "gates")

Progress = Callable[[str, str], None]  # (step, message)


@dataclass(frozen=True)
class LoadedData:
    """Validated data, its split and where it came from."""

    data: ValidatedData
    splits: Splits
    source: str


@dataclass(frozen=True)
class TeacherResult:
    ensemble: TeacherEnsemble
    metrics: dict[str, dict[str, float]]
    run_ids: dict[str, str]


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


@dataclass(frozen=True)
class RunResult:
    """What ``riskdistill run`` produced."""

    summary: dict[str, Any]
    summary_path: Path
    run_id: str


def data_spec(cfg: DataConfig) -> DataSpec:
    """The data contract for a data config."""
    return DataSpec(
        target=cfg.target,
        positive_label=cfg.positive_label,
        features=tuple(cfg.features),
        categorical=tuple(cfg.categorical),
        id_column=cfg.id_column,
        time_column=cfg.time_column,
        monotone=dict(cfg.monotone),
    )


def load_data(cfg: PipelineConfig) -> LoadedData:
    """Read (or generate) and validate the data, then split it."""
    spec = data_spec(cfg.data)
    if cfg.data.synthetic is not None:
        syn = cfg.data.synthetic
        maker = make_credit_book if syn.kind == "credit" else make_fraud_stream
        frame = maker(n_rows=syn.n_rows, seed=syn.seed).frame
        source = f"synthetic:{syn.kind}?n_rows={syn.n_rows}&seed={syn.seed}"
        data = validate_frame(frame, spec, source)
    else:
        source = str(Path(cfg.data.path).resolve())  # type: ignore[arg-type]
        data = validate_file(cfg.data.path, spec)  # type: ignore[arg-type]
    s = cfg.split
    splits = split_data(
        data, method=s.method, test_size=s.test_size, valid_size=s.valid_size, seed=s.seed
    )
    return LoadedData(data, splits, source)


def _labelled_frame(part: ValidatedData) -> pd.DataFrame:
    frame = part.X.copy()
    frame[part.spec.target] = part.y
    return frame


def log_data(loaded: LoadedData) -> dict[str, Any]:
    """Log each split as an MLflow dataset input; return their digests and shapes."""
    import mlflow

    from risk_models.tracking.runs import log_frame_input

    info: dict[str, Any] = {"source": loaded.source, "splits": {}}
    target = loaded.data.spec.target
    for name, part in loaded.splits.parts().items():
        digests = log_frame_input(
            _labelled_frame(part), name=name, context=name, source=loaded.source, targets=target
        )
        info["splits"][name] = {
            **digests,
            "n_rows": part.n_rows,
            "positive_rate": part.positive_rate,
        }
        mlflow.log_metrics(
            {f"{name}.n_rows": part.n_rows, f"{name}.positive_rate": part.positive_rate}
        )
    spec = loaded.data.spec
    mlflow.log_params(
        {
            "source": loaded.source[:500],
            "target": spec.target,
            "positive_label": str(spec.positive_label),
            "n_features": len(spec.features),
            "categorical": ",".join(spec.categorical)[:500] or "-",
            "split.method": loaded.splits.method,
            "split.seed": loaded.splits.seed,
        }
    )
    return info


def _teacher_ensemble(cfg: PipelineConfig) -> TeacherEnsemble:
    members = [(t.name, build_teacher(t.kind, t.params, t.seed)) for t in cfg.teachers]
    return TeacherEnsemble(
        members=members, weighting=cfg.ensemble.weighting, calibration=cfg.ensemble.calibration
    )


def _proba(model: Any, X: pd.DataFrame) -> np.ndarray:
    return np.asarray(model.predict_proba(X))[:, 1]


def fit_teachers(cfg: PipelineConfig, splits: Splits, output_dir: Path) -> TeacherResult:
    """Fit the teacher ensemble, log each member in a child run, evaluate on test."""
    import mlflow

    from risk_models.tracking.runs import log_metrics

    ensemble = _teacher_ensemble(cfg)
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
    metrics["ensemble"] = classification_metrics(test.y, _proba(ensemble, test.X))
    log_metrics("test.ensemble", metrics["ensemble"])
    mlflow.log_params({"weighting": ensemble.weighting, "calibration": ensemble.calibration})
    mlflow.log_dict(
        {"members": ensemble.member_names, "weights": ensemble.weights_.tolist()},
        "ensemble_weights.json",
    )
    mlflow.log_artifact(str(save_dir / "ensemble.json"))
    return TeacherResult(ensemble, metrics, run_ids)


def make_training_labels(cfg: PipelineConfig, splits: Splits, source: str) -> SoftLabels:
    """Out-of-fold soft labels for the training rows; logged as a dataset input."""
    import mlflow

    from risk_models.evaluation.metrics import auc
    from risk_models.tracking.runs import log_frame_input

    soft = make_soft_labels(
        lambda: _teacher_ensemble(cfg),
        splits.train.X,
        splits.train.y,
        n_folds=cfg.distill.n_folds,
        temperature=cfg.distill.temperature,
        seed=cfg.split.seed,
    )
    frame = splits.train.X.copy()
    frame["soft_label"] = soft.proba
    frame["fold"] = soft.fold
    log_frame_input(
        frame, name="soft_labels", context="soft_labels", source=source, targets="soft_label"
    )
    mlflow.log_params({"n_folds": soft.n_folds, "temperature": soft.temperature})
    mlflow.log_metrics({"oof_auc": auc(splits.train.y, soft.proba)})
    return soft


def fit_student(
    scfg: StudentConfig,
    cfg: PipelineConfig,
    splits: Splits,
    soft: SoftLabels,
    teacher_test_p: np.ndarray,
) -> tuple[Any, dict[str, float], dict[str, float], dict[str, Any]]:
    """Fit one student on the soft labels and evaluate it against the teacher on test."""
    params = dict(scfg.params)
    spec = splits.train.spec
    if scfg.monotone_from_data and spec.monotone and "monotone" not in params:
        numeric = [f for f in spec.features if f not in spec.categorical]
        params["monotone"] = {f: d for f, d in spec.monotone.items() if f in numeric and d}
    params.setdefault("random_state", cfg.split.seed)
    model = student_class(scfg.kind)(**params)
    model.fit(
        splits.train.X,
        splits.train.y,
        soft_target=soft.proba,
        eval_set=(splits.valid.X, splits.valid.y),
    )
    test = splits.test
    p = _proba(model, test.X)
    metrics = classification_metrics(test.y, p)
    fid = fidelity(teacher_test_p, p, test.y)
    extra: dict[str, Any] = {}
    if hasattr(model, "booster_margin"):
        diff = np.abs(model.decision_function(test.X) - model.booster_margin(test.X))
        extra["table_vs_booster_max_abs_diff"] = float(diff.max())
    table = model.explain()
    extra["n_cells"] = table.n_cells()
    extra["n_terms"] = len(table.terms)
    return model, metrics, fid, extra


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
    from risk_models.tracking.mlflow_model import log_shape_table_model
    from risk_models.tracking.runs import configure_mlflow, log_metrics, tag_model_version

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
            say("soft_labels", f"{cfg.distill.n_folds}-fold out-of-fold teacher labels")
            soft = make_training_labels(cfg, splits, loaded.source)
        teacher_test_p = _proba(teachers.ensemble, splits.test.X)
        students: list[StudentResult] = []
        gate_reports: list[GateReport] = []
        for scfg in cfg.students:
            with mlflow.start_run(run_name=f"students.{scfg.name}", nested=True) as strun:
                say("students", f"fitting {scfg.name} ({scfg.kind})")
                model, metrics, fid, extra = fit_student(scfg, cfg, splits, soft, teacher_test_p)
                mlflow.log_params({"kind": scfg.kind, **model.get_params()})
                log_metrics("test", metrics)
                log_metrics("fidelity", fid)
                log_metrics("", extra)
                table = model.explain()
                table_path = table.save(output_dir / "students" / scfg.name / "shape_table.json")
                mlflow.log_artifact(str(table_path), artifact_path="shape_table")
                info = log_shape_table_model(
                    table,
                    name="model",
                    input_example=splits.train.X,
                    registered_model_name=cfg.registry.model_name,
                )
                version = str(info.registered_model_version)
                lineage = {
                    "risk_models.student": scfg.name,
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
                        extra,
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
                "shape_table": str(output_dir / "students" / s.name / "shape_table.json"),
                "gates": by_gate.get(s.name),
                **s.extra,
            }
            for s in students
        },
        "elapsed_seconds": round(elapsed, 2),
    }
