"""Step ``evaluation``: the audit's numbers for the teacher and every student, then one JSON.

:func:`compute_evaluation` is pure (arrays and frames in, a frozen :class:`EvaluationResult`
out, no I/O): outcomes on the test rows (AUC with its DeLong interval, KS, AUPRC, Brier, log
loss, ECE and reliability, lift, ROC and PR points, segments), fidelity of each student to the
teacher (extended metrics, paired DeLong, binned scatter), stability (PSI of every score and
CSI of every feature, train vs test, and by period when a time column exists), conceptual
soundness of each exported model, monotonicity checks and distill-and-compare.
:func:`log_evaluation` writes ``evaluation/evaluation.json`` and ``eval.*`` metrics to a run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from risk_models.config import PipelineConfig
from risk_models.evaluation.conceptual import describe_exported
from risk_models.evaluation.distill_compare import distill_and_compare
from risk_models.evaluation.fidelity_suite import binned_scatter, fidelity_metrics
from risk_models.evaluation.fraud_suite import FraudInputs, fraud_gate_figures, fraud_section
from risk_models.evaluation.gate_policy import FIDELITY_METRICS, OUTCOME_METRICS
from risk_models.evaluation.intervals import delong_auc_ci, delong_paired
from risk_models.evaluation.jsonable import to_json_dict, to_jsonable
from risk_models.evaluation.lift import lift_table, pr_points, roc_points
from risk_models.evaluation.metrics import classification_metrics, reliability_table, sigmoid
from risk_models.evaluation.monotone_checks import monotonicity_checks
from risk_models.evaluation.segments import segment_metrics
from risk_models.evaluation.stability import csi, psi_table, stability_band
from risk_models.steps.base import QUIET, Reporter
from risk_models.steps.fraud_inputs import fraud_inputs
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable

if TYPE_CHECKING:
    from risk_models.steps.data import DataResult
    from risk_models.steps.soft_labels import SoftLabelResult
    from risk_models.steps.students import StudentsResult
    from risk_models.steps.teachers import TeacherResult

__all__ = [
    "EVALUATION_ARTIFACT",
    "TEACHER",
    "EvaluationInputs",
    "EvaluationResult",
    "EvaluationSettings",
    "compute_evaluation",
    "log_evaluation",
]

EVALUATION_ARTIFACT = "evaluation/evaluation.json"
FORMAT_NAME = "risk_models.evaluation"
FORMAT_VERSION = 1
#: The teacher's key among the evaluated models.
TEACHER = "teacher"


@dataclass(frozen=True)
class EvaluationSettings:
    """Bins, levels and sizes of the evaluation; ``compare=None`` skips distill-and-compare.

    ``compare`` holds keyword arguments of
    :func:`~risk_models.evaluation.distill_compare.distill_and_compare` (``n_boot``,
    ``max_rows``, ``params``...); its cost grows with ``n_boot * max_rows``.
    """

    n_bins: int = 10
    level: float = 0.95
    top_k: float = 0.1
    min_segment_rows: int = 100
    n_periods: int = 4
    curve_points: int = 200
    compare: Mapping[str, Any] | None = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluationInputs:
    """Everything the evaluation reads; test and train rows in the frames' order.

    ``cutoff`` is the decision threshold on the probability scale (decline when
    ``p >= cutoff``); ``None`` takes the teacher's 90th percentile on test. Student train
    logits default to scoring ``X_train`` with the exported model. ``segments`` maps a
    segment column's name to its values on the test rows; ``time_train`` / ``time_test`` are
    the time column's values (enables the by-period stability table). ``fraud`` (a
    ``fraud:`` section) adds the fraud yardsticks (:mod:`risk_models.evaluation.fraud_suite`).
    """

    y_train: ArrayLike
    y_test: ArrayLike
    teacher_train_logit: ArrayLike
    teacher_test_logit: ArrayLike
    student_test_logits: Mapping[str, ArrayLike]
    exported: Mapping[str, ShapeTable | RuleSet]
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    student_train_logits: Mapping[str, ArrayLike] = field(default_factory=dict)
    student_kinds: Mapping[str, str] = field(default_factory=dict)
    monotone: Mapping[str, int] = field(default_factory=dict)
    segments: Mapping[str, ArrayLike] = field(default_factory=dict)
    time_train: ArrayLike | None = None
    time_test: ArrayLike | None = None
    cutoff: float | None = None
    settings: EvaluationSettings = EvaluationSettings()
    fraud: FraudInputs | None = None


@dataclass(frozen=True)
class EvaluationResult:
    """The evaluation's sections, each already plain JSON (see :meth:`to_dict`); ``fraud``
    only with a ``fraud:`` section (absent from the JSON otherwise)."""

    cutoff: float
    samples: dict[str, Any]
    outcomes: dict[str, Any]
    fidelity: dict[str, Any]
    stability: dict[str, Any]
    conceptual: dict[str, Any]
    monotonicity: dict[str, Any]
    distill_compare: dict[str, Any] | None
    gate_metrics: dict[str, dict[str, float | None]]
    seconds: float
    fraud: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The whole result as strict JSON (NaN as ``null``), the ``evaluation.json`` form."""
        fields = {k: v for k, v in self.__dict__.items() if k != "fraud" or v is not None}
        return to_json_dict({"format": FORMAT_NAME, "version": FORMAT_VERSION, **fields})


def _range(values: ArrayLike | None) -> list[Any] | None:
    if values is None:
        return None
    s = pd.Series(np.asarray(values)).dropna()
    return None if s.empty else [s.min(), s.max()]


def _model_outcomes(y: np.ndarray, z: np.ndarray, s: EvaluationSettings) -> dict[str, Any]:
    p = sigmoid(z)
    ci = delong_auc_ci(y, z, level=s.level)
    metrics = {
        **classification_metrics(y, p),
        **{k: ci[k] for k in ("auc_se", "auc_ci_low", "auc_ci_high")},
    }
    return {
        "metrics": metrics,
        "roc": roc_points(y, z, s.curve_points),
        "pr": pr_points(y, z, s.curve_points),
        "reliability": reliability_table(y, p, n_bins=s.n_bins),
        "lift": lift_table(y, z, n_bins=s.n_bins),
    }


def _over_time(
    inp: EvaluationInputs, scores: dict[str, tuple[np.ndarray, np.ndarray]], y_test: np.ndarray
) -> list[dict[str, Any]]:
    t = pd.Series(np.asarray(inp.time_test))
    if t.isna().all():
        return []
    ranks = t.rank(method="first").to_numpy()
    n_ok = int(t.notna().sum())
    period = np.where(t.notna(), np.floor((ranks - 1) * inp.settings.n_periods / n_ok), -1)
    rows = []
    for k in range(inp.settings.n_periods):
        mask = period == k
        if not mask.any():
            continue
        entry: dict[str, Any] = {
            "period": k + 1,
            "start": t[mask].min(),
            "end": t[mask].max(),
            "n": int(mask.sum()),
            "bad_rate": float(y_test[mask].mean()),
        }
        entry["psi"] = {
            name: float(psi_table(train, test[mask], n_bins=inp.settings.n_bins)["psi"].sum())
            for name, (train, test) in scores.items()
        }
        rows.append(entry)
    return rows


def _gate_metrics(
    outcomes: dict[str, Any],
    fidelity: dict[str, Any],
    stability: dict[str, Any],
    mono: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    csi_max = max((c["csi"] for c in stability["csi"]), default=0.0)
    out = {}
    for name, fid in fidelity.items():
        m = outcomes[name]["metrics"]
        out[name] = {
            **{k: m[k] for k in OUTCOME_METRICS},
            "psi": stability["score_psi"][name]["psi"],
            "teacher_psi": stability["score_psi"][TEACHER]["psi"],
            "csi_max": csi_max,
            **{k: fid["metrics"][k] for k in FIDELITY_METRICS},
            "auc_gap_p_value": fid["delong"]["p_value"],
            "monotone_violations": sum(c["n_violations"] for c in mono.get(name, [])),
        }
    return out


def compute_evaluation(inputs: EvaluationInputs) -> EvaluationResult:
    """Compute every audit figure from the inputs; no I/O.

    Parameters
    ----------
    inputs:
        Outcomes, teacher and student logits, exported models and frames.

    Returns
    -------
    EvaluationResult
        Frozen; ``to_dict()`` is the ``evaluation.json`` document and ``gate_metrics`` the
        flat per-student figures gates refer to by name.
    """
    started = time.perf_counter()
    s = inputs.settings
    y_tr = np.asarray(inputs.y_train, dtype=np.float64)
    y_te = np.asarray(inputs.y_test, dtype=np.float64)
    zt_tr = np.asarray(inputs.teacher_train_logit, dtype=np.float64)
    zt_te = np.asarray(inputs.teacher_test_logit, dtype=np.float64)
    missing = sorted(set(inputs.student_test_logits) ^ set(inputs.exported))
    if missing:
        raise ValueError(
            f"compute_evaluation: student_test_logits and exported must name the same "
            f"students; only one of them has {missing}"
        )
    cutoff = float(np.quantile(sigmoid(zt_te), 0.9)) if inputs.cutoff is None else inputs.cutoff
    scores: dict[str, tuple[np.ndarray, np.ndarray]] = {TEACHER: (zt_tr, zt_te)}
    for name, model in inputs.exported.items():
        train = inputs.student_train_logits.get(name)
        z_tr = model.predict_logit(inputs.X_train) if train is None else train
        z_te = inputs.student_test_logits[name]
        scores[name] = (np.asarray(z_tr, dtype=np.float64), np.asarray(z_te, dtype=np.float64))
    outcomes: dict[str, Any] = {}
    for name, (_, z_te) in scores.items():
        outcomes[name] = _model_outcomes(y_te, z_te, s)
        outcomes[name]["role"] = "teacher" if name == TEACHER else "student"
        outcomes[name]["kind"] = inputs.student_kinds.get(
            name, "ensemble" if name == TEACHER else ""
        )
        outcomes[name]["segments"] = {
            col: segment_metrics(y_te, sigmoid(z_te), vals, min_rows=s.min_segment_rows)
            for col, vals in inputs.segments.items()
        }
    fidelity: dict[str, Any] = {}
    for name in inputs.exported:
        z_te = scores[name][1]
        fidelity[name] = {
            "metrics": fidelity_metrics(y_te, zt_te, z_te, cutoff=cutoff, top_k=s.top_k),
            "delong": delong_paired(y_te, zt_te, z_te, level=s.level),
            "scatter": binned_scatter(zt_te, z_te),
        }
    score_psi = {}
    for name, (z_tr, z_te) in scores.items():
        table = psi_table(z_tr, z_te, n_bins=s.n_bins)
        value = float(table["psi"].sum())
        score_psi[name] = {"psi": value, "band": stability_band(value), "bins": table}
    stability: dict[str, Any] = {
        "reference": "train",
        "compared": "test",
        "score_psi": score_psi,
        "csi": csi(inputs.X_train, inputs.X_test, n_bins=s.n_bins),
        "over_time": [] if inputs.time_test is None else _over_time(inputs, scores, y_te),
    }
    conceptual = {name: describe_exported(m, inputs.X_train) for name, m in inputs.exported.items()}
    mono = {
        name: monotonicity_checks(m, inputs.monotone, inputs.X_test)
        for name, m in inputs.exported.items()
    }
    compare = None
    if s.compare is not None:
        compare = distill_and_compare(inputs.X_test, y_te, sigmoid(zt_te), **s.compare).to_dict()
    fraud = None
    gates = _gate_metrics(outcomes, fidelity, stability, mono)
    if inputs.fraud is not None:
        student_test = {name: scores[name][1] for name in inputs.exported}
        fraud = fraud_section(y_te, zt_te, student_test, inputs.fraud)
        for name in gates:
            gates[name].update(fraud_gate_figures(fraud, name))
    samples = {
        "n_rows": {"train": int(y_tr.size), "test": int(y_te.size)},
        "positive_rate": {"train": float(y_tr.mean()), "test": float(y_te.mean())},
        "time_range": {"train": _range(inputs.time_train), "test": _range(inputs.time_test)},
        "features": [str(c) for c in inputs.X_train.columns],
        "segments": sorted(inputs.segments),
        "monotone": dict(inputs.monotone),
    }
    return EvaluationResult(
        cutoff=float(cutoff),
        samples=to_jsonable(samples),
        outcomes=to_jsonable(outcomes),
        fidelity=to_jsonable(fidelity),
        stability=to_jsonable(stability),
        conceptual=conceptual,
        monotonicity=to_jsonable(mono),
        distill_compare=compare,
        gate_metrics=to_jsonable(gates),
        seconds=time.perf_counter() - started,
        fraud=None if fraud is None else to_jsonable(fraud),
    )


def log_evaluation(result: EvaluationResult, *, client: Any = None, run_id: str) -> str:
    """Log ``evaluation/evaluation.json`` and ``eval.<student>.<metric>`` metrics to a run.

    Parameters
    ----------
    result:
        The computed evaluation.
    client:
        An ``mlflow.MlflowClient`` (``None``: the default client of the current tracking URI).
    run_id:
        The run to log to (the parent run of ``riskdistill run``).

    Returns
    -------
    str
        The artifact path, ``evaluation/evaluation.json``.
    """
    import mlflow
    from mlflow.entities import Metric

    client = client or mlflow.MlflowClient()
    doc = json.dumps(result.to_dict(), allow_nan=False, indent=1)
    client.log_text(run_id, doc, EVALUATION_ARTIFACT)
    now = int(time.time() * 1000)
    metrics = [
        Metric(f"eval.{student}.{k}", float(v), now, 0)
        for student, figures in result.gate_metrics.items()
        for k, v in figures.items()
        if v is not None
    ]
    for i in range(0, len(metrics), 900):
        client.log_batch(run_id, metrics=metrics[i : i + 900])
    return EVALUATION_ARTIFACT


def evaluation_inputs(
    cfg: PipelineConfig,
    data: DataResult,
    teachers: TeacherResult,
    soft: SoftLabelResult,
    students: StudentsResult,
) -> EvaluationInputs:
    """The evaluation's inputs from the earlier steps' results (no scoring of the teacher:
    its test logits come from the teachers step, its train logits are the soft labels)."""
    sp = data.splits
    fits = students.fits
    spec = sp.train.spec
    ev = cfg.evaluation
    dc = ev.distill_compare
    segment = getattr(spec, "segment_column", None)
    segments = getattr(sp.test, "segments", None)
    return EvaluationInputs(
        y_train=sp.train.y,
        y_test=sp.test.y,
        # Time folds leave the earliest block without an out-of-fold score: the teacher's
        # train-side reference (score PSI) is the rows it has one for.
        teacher_train_logit=soft.soft.logit[soft.soft.mask],
        teacher_test_logit=teachers.test.logit,
        student_test_logits={f.name: f.test_logit for f in fits},
        exported={f.name: f.exported for f in fits},
        X_train=sp.train.X,
        X_test=sp.test.X,
        student_kinds={f.name: f.kind for f in fits},
        monotone=dict(spec.monotone),
        segments={segment: segments} if segment and segments is not None else {},
        time_train=sp.train.times,
        time_test=sp.test.times,
        cutoff=ev.cutoff,
        settings=EvaluationSettings(
            n_bins=ev.n_bins,
            top_k=ev.top_k,
            compare={"n_boot": dc.n_boot, "max_rows": dc.max_rows, "seed": cfg.split.seed}
            if dc.enabled
            else None,
        ),
        fraud=fraud_inputs(cfg, data, teachers, students),
    )


def compute_evaluation_step(
    cfg: PipelineConfig,
    data: DataResult,
    teachers: TeacherResult,
    soft: SoftLabelResult,
    students: StudentsResult,
    reporter: Reporter = QUIET,
) -> EvaluationResult:
    """Step ``evaluation``: every audit figure of the teacher and each student."""
    reporter.say("evaluation", "outcomes, fidelity, stability, distill-and-compare")
    result = compute_evaluation(evaluation_inputs(cfg, data, teachers, soft, students))
    reporter.say("evaluation", f"done in {result.seconds:.1f}s")
    return result
