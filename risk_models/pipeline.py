"""The ordered steps of ``riskdistill run``: data, teachers, soft_labels, students, gates, register.

Each step is a pure ``compute`` over the frozen results of the steps before it, and a ``log``
that records its result in MLflow through an injected client. :data:`STEPS` is the list that
drives the run: :func:`run_pipeline` computes and logs each in order under one parent run,
can stop after any step (``until``), and writes ``summary.json`` from the results.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from risk_models.atomic import atomic_write_text
from risk_models.config import MlflowConfig, PipelineConfig
from risk_models.errors import ConfigError
from risk_models.steps.base import LogContext, Logged, Progress, ProgressBar, Reporter
from risk_models.steps.data import DataResult, compute_data, log_data
from risk_models.steps.evaluation import EvaluationResult, compute_evaluation_step, log_evaluation
from risk_models.steps.gates import GatesResult, compute_gates, log_gates
from risk_models.steps.register import RegisterResult, compute_register, log_register
from risk_models.steps.soft_labels import SoftLabelResult, compute_soft_labels, log_soft_labels
from risk_models.steps.students import StudentsResult, compute_students, log_students
from risk_models.steps.teachers import TeacherResult, compute_teachers, log_teachers


@dataclass(frozen=True)
class PipelineState:
    """The results of the steps run so far (``None`` for a step not reached)."""

    data: DataResult | None = None
    teachers: TeacherResult | None = None
    soft_labels: SoftLabelResult | None = None
    students: StudentsResult | None = None
    evaluation: EvaluationResult | None = None
    gates: GatesResult | None = None
    register: RegisterResult | None = None

    def need(self, step: str) -> Any:
        value = getattr(self, step)
        if value is None:
            raise RuntimeError(f"step {step!r} has not run yet")
        return value


Compute = Callable[[PipelineConfig, PipelineState, Reporter], Any]
Log = Callable[[Any, PipelineConfig, PipelineState, LogContext], Logged]


@dataclass(frozen=True)
class Step:
    """One step: the same name in YAML, code, the MLflow run name and the log."""

    name: str
    compute: Compute
    log: Log


STEPS: tuple[Step, ...] = (
    Step(
        "data",
        lambda cfg, st, rep: compute_data(cfg, rep),
        lambda res, cfg, st, ctx: log_data(res, ctx),
    ),
    Step(
        "teachers",
        lambda cfg, st, rep: compute_teachers(cfg, st.need("data"), rep),
        lambda res, cfg, st, ctx: log_teachers(res, cfg, ctx),
    ),
    Step(
        "soft_labels",
        lambda cfg, st, rep: compute_soft_labels(cfg, st.need("data"), st.need("teachers"), rep),
        lambda res, cfg, st, ctx: log_soft_labels(res, cfg, st.need("data"), ctx),
    ),
    Step(
        "students",
        lambda cfg, st, rep: compute_students(
            cfg, st.need("data"), st.need("soft_labels"), st.need("teachers"), rep
        ),
        lambda res, cfg, st, ctx: log_students(res, cfg, st.need("data"), ctx),
    ),
    Step(
        "evaluation",
        lambda cfg, st, rep: compute_evaluation_step(
            cfg,
            st.need("data"),
            st.need("teachers"),
            st.need("soft_labels"),
            st.need("students"),
            rep,
        ),
        lambda res, cfg, st, ctx: Logged(
            ctx.parent_run_id,
            info={"artifact": log_evaluation(res, client=ctx.client, run_id=ctx.parent_run_id)},
        ),
    ),
    Step(
        "gates",
        lambda cfg, st, rep: compute_gates(cfg, st.need("students"), st.need("evaluation"), rep),
        lambda res, cfg, st, ctx: log_gates(res, cfg, ctx),
    ),
    Step(
        "register",
        lambda cfg, st, rep: compute_register(cfg, st.need("students"), st.need("gates"), rep),
        lambda res, cfg, st, ctx: log_register(
            res, cfg, st.need("data"), st.need("students"), st.need("gates"), ctx
        ),
    ),
)

STEP_NAMES: tuple[str, ...] = tuple(s.name for s in STEPS)


@dataclass(frozen=True)
class RunResult:
    """What ``riskdistill run`` produced."""

    summary: dict[str, Any]
    summary_path: Path
    run_id: str
    state: PipelineState = field(repr=False, default_factory=PipelineState)


def steps_until(until: str | None) -> tuple[Step, ...]:
    """The steps to run, in order, ending with ``until`` (all of them for ``None``)."""
    if until is None:
        return STEPS
    if until not in STEP_NAMES:
        raise ConfigError("--until", [f"unknown step {until!r}; use one of {list(STEP_NAMES)}"])
    return STEPS[: STEP_NAMES.index(until) + 1]


def run_steps(
    cfg: PipelineConfig,
    steps: tuple[Step, ...],
    reporter: Reporter,
    ctx: LogContext | None = None,
    state: PipelineState | None = None,
) -> tuple[PipelineState, dict[str, Logged]]:
    """Compute (and, given ``ctx``, log) ``steps`` in order; return the state and the logs.

    A step whose result ``state`` already holds is not computed again, only logged.
    """
    state = state or PipelineState()
    logged: dict[str, Logged] = {}
    for step in steps:
        result = getattr(state, step.name)
        if result is None:
            result = step.compute(cfg, state, reporter)
            state = replace(state, **{step.name: result})
        if ctx is not None:
            logged[step.name] = step.log(result, cfg, state, replace(ctx, logged=dict(logged)))
    return state, logged


def run_pipeline(
    cfg: PipelineConfig,
    mlflow_cfg: MlflowConfig,
    output_dir: str | Path,
    *,
    progress: Progress | None = None,
    bar: ProgressBar | None = None,
    until: str | None = None,
    client: Any = None,
) -> RunResult:
    """Run the steps under one MLflow parent run and write ``output_dir/summary.json``.

    Check first, record after: the data is read and validated and the tracking store probed
    before any MLflow run or output folder exists, so a refused file leaves nothing behind.
    A failure after that marks the parent run and any open child run FAILED, with the error
    as the parent's ``risk_models.error`` tag. ``until`` stops after that step (its summary
    holds what was computed); ``client`` defaults to a client for ``mlflow_cfg``'s stores.
    """
    from risk_models.registry import probe_tracking
    from risk_models.tracking.lineage import lineage_tags
    from risk_models.tracking.runs import configure_mlflow, end_run, log_json, start_run

    steps = steps_until(until)
    reporter = Reporter(progress, bar) if progress is not None else Reporter(bar=bar)
    started = time.perf_counter()
    first = PipelineState(data=compute_data(cfg, reporter))
    probe_tracking(mlflow_cfg.tracking_uri)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    default, exp_id = configure_mlflow(mlflow_cfg)
    client = client or default
    config_hash = cfg.config_hash()
    parent = start_run(client, exp_id, f"run.{cfg.name}", tags=lineage_tags(config_hash))
    ctx = LogContext(
        client,
        exp_id,
        parent,
        output_dir,
        config_hash,
        challenger_alias=mlflow_cfg.challenger_alias,
    )
    try:
        log_json(client, parent, cfg.model_dump(mode="json"), "config.json")
        state, logged = run_steps(cfg, steps, reporter, ctx, first)
        elapsed = time.perf_counter() - started
        client.log_metric(parent, "elapsed_seconds", elapsed)
        summary = build_summary(cfg, mlflow_cfg, exp_id, parent, config_hash, state, logged)
        summary["elapsed_seconds"] = round(elapsed, 2)
        if until is not None:
            summary["until"] = until
        if cfg.evaluation.report and state.evaluation is not None:
            from risk_models.reports.write import HTML_NAME, JSON_NAME

            summary["audit_report"] = {
                "html": str(output_dir / HTML_NAME),
                "json": str(output_dir / JSON_NAME),
                "mlflow": f"runs:/{parent}/{HTML_NAME}",
            }
        summary_path = atomic_write_text(output_dir / "summary.json", json.dumps(summary, indent=2))
        client.log_artifact(parent, str(summary_path))
    except BaseException as exc:
        fail_runs(client, exp_id, parent, exc)
        raise
    end_run(client, parent)
    if cfg.evaluation.report and state.evaluation is not None:
        # Built from the MLflow records alone, after the run has ended, so that a later
        # `riskdistill report --run-id` rebuilds the same document.
        from risk_models.reports import build_audit_report, log_audit_report

        reporter.say("report", "audit report (HTML + JSON) from the MLflow records")
        written = log_audit_report(
            build_audit_report(parent, client=client), client=client, out_dir=output_dir
        )
        reporter.say("report", f"written {written[0]} and {written[1].name}")
    return RunResult(summary, summary_path, parent, state)


def fail_runs(client: Any, experiment_id: str, parent: str, exc: BaseException) -> None:
    """Mark ``parent`` and its still-running descendants FAILED, recording the error."""
    from risk_models.tracking.runs import end_run, set_tags

    pending = [parent]
    while pending:
        run_id = pending.pop()
        children = client.search_runs(
            [experiment_id],
            f"tags.mlflow.parentRunId = '{run_id}' and attributes.status = 'RUNNING'",
        )
        pending.extend(r.info.run_id for r in children)
        if run_id != parent:
            end_run(client, run_id, failed=True)
    set_tags(client, parent, {"risk_models.error": f"{type(exc).__name__}: {exc}"[:5000]})
    end_run(client, parent, failed=True)


def build_summary(
    cfg: PipelineConfig,
    mlflow_cfg: MlflowConfig,
    exp_id: str,
    run_id: str,
    config_hash: str,
    state: PipelineState,
    logged: dict[str, Logged],
) -> dict[str, Any]:
    """``summary.json``: every figure a run produced, and where it is in MLflow."""
    mlflow_info: dict[str, Any] = {
        "tracking_uri": mlflow_cfg.tracking_uri,
        "experiment_id": exp_id,
        "run_id": run_id,
    }
    if "teachers" in logged:
        t = logged["teachers"]
        mlflow_info["teacher_run_ids"] = {**t.children, "ensemble": t.run_id}
    summary: dict[str, Any] = {
        "pipeline": cfg.name,
        "config_hash": config_hash,
        "mlflow": mlflow_info,
    }
    if state.data is not None:
        splits = dict(logged["data"].info["splits"]) if "data" in logged else {}
        summary["data"] = {
            "source": state.data.source,
            "roles": state.data.data.spec.roles(),
            "notes": list(state.data.data.notes),
            "splits": splits or state.data.split_facts(),
        }
    if state.teachers is not None:
        summary["teachers"] = state.teachers.metrics
    if state.students is not None:
        gates = state.gates.by_student() if state.gates is not None else {}
        runs = logged.get("students")
        reg = logged["register"].info if "register" in logged else {}
        versions = reg.get("versions", {})
        summary["students"] = {
            fit.name: {
                "kind": fit.kind,
                "test": fit.metrics,
                "valid": fit.valid_metrics,
                "fidelity": fit.fidelity,
                "model_uri": runs.info[fit.name]["model_uri"] if runs else None,
                "registered_model": cfg.registry.model_name if fit.name in versions else None,
                "version": versions.get(fit.name),
                "not_registered_because": reg.get("skipped", {}).get(fit.name),
                "run_id": runs.children[fit.name] if runs else None,
                "gates": gates[fit.name].to_dict() if fit.name in gates else None,
                **fit.facts,
                **fit.compression,
                "model_file": runs.info[fit.name]["model_file"] if runs else None,
            }
            for fit in state.students.fits
        }
    if state.evaluation is not None and state.evaluation.fraud is not None:
        summary["fraud"] = state.evaluation.fraud  # fraud yardsticks (a fraud: section)
    return summary
