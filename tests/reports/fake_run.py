"""A run logged to MLflow the way ``riskdistill run`` logs it, built in seconds for report tests.

Real students are fitted on a small synthetic credit book; a GAM on the hard labels stands in
for the teacher ensemble. The MLflow layout (parent run with ``config.json``,
``summary.json`` and ``evaluation/evaluation.json``; child runs ``data``, ``teachers`` with
members ``teachers.<m>``, ``soft_labels``, ``students.<name>``, ``gates``; registered versions
tagged with ``risk_models.*`` lineage) is the contract between the pipeline and
:func:`risk_models.reports.build_audit_report`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk_models.data import make_credit_book, split_data, validate_frame
from risk_models.evaluation.gate_policy import evaluate_policy, parse_rules
from risk_models.evaluation.metrics import classification_metrics, sigmoid
from risk_models.steps.evaluation import (
    EvaluationInputs,
    EvaluationResult,
    EvaluationSettings,
    compute_evaluation,
    log_evaluation,
)
from risk_models.students.gam import GAMStudent
from risk_models.students.tree import TreeStudent

HOSTILE = "<script>alert(1)</script>"
MODEL_NAME = "report-test-student"
SMALL_COMPARE = {"n_boot": 3, "max_rows": 1500}


@dataclass(frozen=True)
class FakeRun:
    uri: str
    run_id: str
    evaluation: EvaluationResult
    summary: dict[str, Any]


def _splits(hostile: bool) -> Any:
    syn = make_credit_book(n_rows=3000, seed=3)
    frame = syn.frame
    spec = syn.spec
    if hostile:
        frame = frame.rename(columns={"utilisation": HOSTILE})
        frame["region"] = frame["region"].astype(object).where(frame.index % 7 != 0, HOSTILE)
        from dataclasses import replace

        features = tuple(HOSTILE if f == "utilisation" else f for f in spec.features)
        monotone = {HOSTILE if f == "utilisation" else f: d for f, d in spec.monotone.items()}
        spec = replace(spec, features=features, monotone=monotone)
    data = validate_frame(frame, spec, "synthetic:credit")
    return split_data(data, seed=0), spec


def fit_inputs(hostile: bool = False) -> tuple[Any, dict[str, Any], EvaluationInputs]:
    """Fit the stand-in teacher and two students; the evaluation's inputs (no MLflow)."""
    splits, spec = _splits(hostile)
    tr, te = splits.train, splits.test
    teacher = GAMStudent(n_estimators=150, learning_rate=0.2, device="cpu").fit(tr.X, tr.y)
    q = sigmoid(teacher.decision_function(tr.X))
    mono = {f: d for f, d in spec.monotone.items() if d and f not in spec.categorical}
    students = {
        "gam": GAMStudent(n_estimators=120, learning_rate=0.2, device="cpu", monotone=mono),
        "tree": TreeStudent(max_depth=3),
    }
    for model in students.values():
        model.fit(tr.X, tr.y, soft_target=q)
    inputs = EvaluationInputs(
        y_train=tr.y,
        y_test=te.y,
        teacher_train_logit=teacher.decision_function(tr.X),
        teacher_test_logit=teacher.decision_function(te.X),
        student_test_logits={k: m.decision_function(te.X) for k, m in students.items()},
        exported={k: m.export() for k, m in students.items()},
        X_train=tr.X,
        X_test=te.X,
        student_kinds={"gam": "gam", "tree": "tree"},
        monotone=mono,
        segments={"region": te.X["region"]},
        time_train=pd.Series(np.arange(tr.n_rows)),
        time_test=pd.Series(np.arange(te.n_rows)),
        settings=EvaluationSettings(compare=SMALL_COMPARE),
    )
    return splits, {"students": students, "teacher": teacher}, inputs


def fit_and_evaluate(hostile: bool = False) -> tuple[Any, dict[str, Any], EvaluationResult]:
    """:func:`fit_inputs`, then :func:`compute_evaluation`."""
    splits, models, inputs = fit_inputs(hostile)
    return splits, models, compute_evaluation(inputs)


def _child(client: Any, exp_id: str, parent: str, name: str) -> str:
    run = client.create_run(exp_id, run_name=name, tags={"mlflow.parentRunId": parent})
    return run.info.run_id


def _log_inputs(client: Any, run_id: str, frames: dict[str, pd.DataFrame]) -> dict[str, Any]:
    import mlflow
    from mlflow.entities import InputTag

    info = {}
    for name, frame in frames.items():
        loggable = frame.astype({c: object for c in frame.columns if frame[c].dtype == "category"})
        ds = mlflow.data.from_pandas(loggable, name=name)
        tag = InputTag("mlflow.data.context", name)
        client.log_inputs(
            run_id, datasets=[mlflow.entities.DatasetInput(ds._to_mlflow_entity(), [tag])]
        )
        info[name] = {
            "mlflow_digest": ds.digest,
            "content_digest": f"c-{name}-{len(frame)}",
            "n_rows": len(frame),
            "positive_rate": None,
        }
        client.set_tag(run_id, f"risk_models.digest.{name}", info[name]["content_digest"])
    return info


def log_fake_run(tmp: Path, *, hostile: bool = False) -> FakeRun:
    """Fit, evaluate and log a whole run to a fresh SQLite store under ``tmp``."""
    import mlflow

    splits, models, evaluation = fit_and_evaluate(hostile)
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    exp_id = client.create_experiment("report-tests", artifact_location=str(tmp / "artifacts"))
    parent = client.create_run(
        exp_id,
        run_name="run.credit",
        tags={
            "risk_models.config_hash": "abc123",
            "risk_models.git_commit": "deadbeef",
            "risk_models.version.numpy": np.__version__,
        },
    ).info.run_id
    config = {
        "name": "credit",
        "data": {"target": "default_12m", "positive_label": 1, "time_column": "application_date"},
        "split": {"method": "random", "seed": 0, "test_size": 0.25, "valid_size": 0.15},
        "teachers": [{"name": "gam_teacher", "kind": "gam"}],
        "students": [{"name": "gam", "kind": "gam"}, {"name": "tree", "kind": "tree"}],
        "gates": {"auc": {"min": 0.6}, "auc_gap": {"max": 0.02}, "logit_correlation": {"min": 0.9}},
        "registry": {"model_name": MODEL_NAME},
    }
    client.log_dict(parent, config, "config.json")
    data_run = _child(client, exp_id, parent, "data")
    parts = {"train": splits.train, "valid": splits.valid, "test": splits.test}
    split_info = _log_inputs(client, data_run, {k: p.X for k, p in parts.items()})
    for k, p in parts.items():
        split_info[k]["positive_rate"] = p.positive_rate
    client.log_param(data_run, "source", "synthetic:credit")
    teachers_run = _child(client, exp_id, parent, "teachers")
    member = _child(client, exp_id, teachers_run, "teachers.gam_teacher")
    te = splits.test
    teacher_m = classification_metrics(te.y, models["teacher"].predict_proba(te.X)[:, 1])
    client.log_param(member, "kind", "gam")
    client.log_metric(member, "test.auc", teacher_m["auc"])
    client.log_metric(teachers_run, "test.ensemble.auc", teacher_m["auc"])
    soft_run = _child(client, exp_id, parent, "soft_labels")
    _log_inputs(client, soft_run, {"soft_labels": splits.train.X.head(200)})
    gates_run = _child(client, exp_id, parent, "gates")
    students_summary = {}
    client.create_registered_model(MODEL_NAME)
    for name, model in models["students"].items():
        srun = _child(client, exp_id, parent, f"students.{name}")
        p = model.predict_proba(te.X)[:, 1]
        metrics = classification_metrics(te.y, p)
        fid = evaluation.fidelity[name]["metrics"]
        client.log_param(srun, "kind", name)
        for k, v in metrics.items():
            client.log_metric(srun, f"test.{k}", v)
        client.log_metric(srun, "compression.compression_ratio", 40.0)
        reasons = pd.DataFrame({"probability": p[:6], "reason_1": [f"RC-{HOSTILE}"] * 6})
        client.log_text(srun, reasons.to_csv(index=False), "explain/reasons_sample.csv")
        gate = evaluate_policy(
            name,
            {**metrics, **fid},
            parse_rules(
                {"auc": {"min": 0.6}, "auc_gap": {"max": 0.02}, "logit_correlation": {"min": 0.9}}
            ),
        )
        client.log_dict(gates_run, gate.to_dict(), f"gates_{name}.json")
        mv = client.create_model_version(
            MODEL_NAME,
            f"runs:/{srun}/model",
            run_id=srun,
            tags={
                "risk_models.student": name,
                "risk_models.parent_run_id": parent,
                "risk_models.gates_passed": str(gate.passed).lower(),
            },
        )
        if gate.passed:
            client.set_registered_model_alias(MODEL_NAME, "challenger", mv.version)
        students_summary[name] = {
            "kind": name,
            "test": metrics,
            "fidelity": fid,
            "run_id": srun,
            "version": str(mv.version),
            "registered_model": MODEL_NAME,
            "gates": gate.to_dict(),
            "compression_ratio": 40.0,
            "n_cells": 100,
        }
        client.set_terminated(srun)
    for rid in (data_run, member, teachers_run, soft_run, gates_run):
        client.set_terminated(rid)
    summary = {
        "pipeline": "credit",
        "data": {"source": "synthetic:credit", "splits": split_info},
        "teachers": {"ensemble": teacher_m},
        "students": students_summary,
    }
    client.log_text(parent, json.dumps(summary), "summary.json")
    log_evaluation(evaluation, client=client, run_id=parent)
    client.set_terminated(parent)
    return FakeRun(uri, parent, evaluation, summary)
