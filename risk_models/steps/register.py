"""Step ``register``: only students that pass their gates become registered model versions.

Every student stays a logged model of its own run (``students.<name>``); this step picks,
by the rule in ``registry.register``, which passing students become new versions of the
configured registered model, each with the ``challenger`` alias and a ledger entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from risk_models.config import PipelineConfig
from risk_models.config_sections import gate_specs
from risk_models.steps.base import QUIET, LogContext, Logged, Reporter
from risk_models.steps.data import DataResult
from risk_models.steps.gates import GatesResult
from risk_models.steps.students import StudentsResult


@dataclass(frozen=True)
class RegisterResult:
    """The students chosen for registration, best first, and why the others were not."""

    chosen: tuple[str, ...]
    skipped: dict[str, str]


def compute_register(
    cfg: PipelineConfig,
    students: StudentsResult,
    gates: GatesResult,
    reporter: Reporter = QUIET,
) -> RegisterResult:
    """Apply ``registry.register``: ``best_passing`` (default: the passing student with the
    highest validation AUC), ``all_passing`` or ``none``."""
    verdicts = gates.by_student()
    passing = [f for f in students.fits if verdicts[f.name].passed]
    ranked = sorted(passing, key=lambda f: -f.valid_metrics["auc"])
    rule = cfg.registry.register_rule
    chosen = [] if rule == "none" else ranked[:1] if rule == "best_passing" else ranked
    names = tuple(f.name for f in chosen)
    skipped = {}
    for fit in students.fits:
        if fit.name in names:
            continue
        if not verdicts[fit.name].passed:
            failed = [c.name for c in verdicts[fit.name].checks if not c.passed]
            skipped[fit.name] = f"failed gates {failed}"
        else:
            skipped[fit.name] = f"passed, not chosen by registry.register={rule}"
    for name in names:
        reporter.say(
            "register", f"registering {name} as a new version of {cfg.registry.model_name}"
        )
    if not names:
        reporter.say("register", f"nothing registered ({rule}; no student chosen)")
    return RegisterResult(names, skipped)


def log_register(
    result: RegisterResult,
    cfg: PipelineConfig,
    data: DataResult,
    students: StudentsResult,
    gates: GatesResult,
    ctx: LogContext,
) -> Logged:
    """Register each chosen student's logged model, with lineage tags and its gate report."""
    from risk_models.registry import CHAMPION_GATES_TAG, register_version
    from risk_models.steps.students import lineage_of
    from risk_models.tracking.runs import set_tags

    logged = ctx.logged["students"]
    fits = students.by_name()
    reports = gates.by_student()
    versions: dict[str, str] = {}
    for name in result.chosen:
        run_id = logged.children[name]
        version = register_version(
            ctx.client,
            cfg.registry.model_name,
            logged.info[name]["model_uri"],
            run_id=run_id,
            tags={
                **lineage_of(fits[name], data, ctx),
                CHAMPION_GATES_TAG: json.dumps(gate_specs(cfg.registry.champion_gates)),
            },
            gate_report=reports[name].to_dict(),
            alias=ctx.challenger_alias,
        )
        set_tags(ctx.client, run_id, {"risk_models.registered_version": version})
        versions[name] = version
    return Logged(ctx.parent_run_id, info={"versions": versions, "skipped": result.skipped})
