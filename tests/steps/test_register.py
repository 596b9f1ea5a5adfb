"""Step ``register`` without MLflow: only passing students, chosen by the declared rule."""

from __future__ import annotations

from dataclasses import replace

from risk_models.config import parse_pipeline_config
from risk_models.evaluation.gates import GateCheck, GateReport
from risk_models.steps.gates import GatesResult
from risk_models.steps.register import compute_register
from tests.steps.conftest import tiny_raw


def _gates(passed: dict[str, bool]) -> GatesResult:
    return GatesResult(
        tuple(
            GateReport(name, (GateCheck("auc", 0.7, 0.65, ">=", ok),))
            for name, ok in passed.items()
        )
    )


def _cfg(rule: str):
    return parse_pipeline_config(tiny_raw(registry={"model_name": "m", "register": rule}))


def test_best_passing_takes_the_highest_validation_auc(tiny_run) -> None:
    students = tiny_run[0].students
    fits = students.by_name()
    best = max(fits, key=lambda n: fits[n].valid_metrics["auc"])
    other = next(n for n in fits if n != best)
    result = compute_register(_cfg("best_passing"), students, _gates({"gam": True, "tree": True}))
    assert result.chosen == (best,)
    assert result.skipped == {other: "passed, not chosen by registry.register=best_passing"}


def test_a_failing_student_is_never_chosen(tiny_run) -> None:
    students = tiny_run[0].students
    result = compute_register(_cfg("all_passing"), students, _gates({"gam": True, "tree": False}))
    assert result.chosen == ("gam",)
    assert result.skipped == {"tree": "failed gates ['auc']"}
    none = compute_register(_cfg("all_passing"), students, _gates({"gam": False, "tree": False}))
    assert none.chosen == ()


def test_all_passing_ranks_by_validation_auc_and_none_registers_nothing(tiny_run) -> None:
    students = tiny_run[0].students
    fits = list(students.fits)
    fits[0] = replace(fits[0], valid_metrics={**fits[0].valid_metrics, "auc": 0.0})
    ranked = replace(students, fits=tuple(fits))
    both = _gates({"gam": True, "tree": True})
    assert compute_register(_cfg("all_passing"), ranked, both).chosen == ("tree", "gam")
    assert compute_register(_cfg("none"), ranked, both).chosen == ()
