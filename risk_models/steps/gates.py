"""Step ``gates``: every student's checks against the configured thresholds."""

from __future__ import annotations

import math
from dataclasses import dataclass

from risk_models.config import PipelineConfig
from risk_models.config_sections import gate_specs
from risk_models.evaluation.gate_policy import evaluate_policy, parse_rules
from risk_models.evaluation.gates import GateReport
from risk_models.steps.base import QUIET, LogContext, Logged, Reporter
from risk_models.steps.evaluation import EvaluationResult
from risk_models.steps.students import StudentFit, StudentsResult


@dataclass(frozen=True)
class GatesResult:
    reports: tuple[GateReport, ...]

    def by_student(self) -> dict[str, GateReport]:
        return {r.student: r for r in self.reports}


def gate_metrics(fit: StudentFit, evaluation: EvaluationResult) -> dict[str, float]:
    """The named metrics a gate may read for one student: the evaluation's, plus the
    compression figures (a missing value is NaN, which fails its check)."""
    metrics = {
        k: math.nan if v is None else float(v) for k, v in evaluation.gate_metrics[fit.name].items()
    }
    for key in ("compression_ratio", "latency_ratio"):
        value = fit.compression.get(key)
        metrics[key] = math.nan if value is None else float(value)
    return metrics


def compute_gates(
    cfg: PipelineConfig,
    students: StudentsResult,
    evaluation: EvaluationResult,
    reporter: Reporter = QUIET,
) -> GatesResult:
    """Check every student against the ``gates:`` policy (rules over named metrics)."""
    rules = parse_rules(gate_specs(cfg.gates))
    reports = []
    for fit in students.fits:
        report = evaluate_policy(fit.name, gate_metrics(fit, evaluation), rules)
        failed = [
            f"{c.name} {c.value:.4g} (needs {c.comparison} {c.threshold:g})"
            for c in report.checks
            if not c.passed
        ]
        verdict = "PASS" if report.passed else "FAIL: " + ", ".join(failed)
        reporter.say("gates", f"{fit.name}: {verdict}")
        reports.append(report)
    return GatesResult(tuple(reports))


def log_gates(result: GatesResult, cfg: PipelineConfig, ctx: LogContext) -> Logged:
    """Log each student's gate report (and pass/fail) to the ``gates`` run and its own run."""
    from risk_models.tracking.runs import end_run, log_json, log_metrics, set_tags

    client = ctx.client
    run_id = ctx.child_run("gates")
    student_runs = ctx.logged["students"].children
    for report in result.reports:
        log_json(client, run_id, report.to_dict(), f"gates_{report.student}.json")
        log_metrics(client, run_id, "", {f"{report.student}.passed": float(report.passed)})
        student_run = student_runs.get(report.student)
        if student_run is not None:
            log_json(client, student_run, report.to_dict(), "gates/gate_report.json")
            set_tags(client, student_run, {"risk_models.gates_passed": str(report.passed).lower()})
    end_run(client, run_id)
    return Logged(run_id)
