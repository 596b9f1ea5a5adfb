"""A tiny pipeline config and the steps' results on it, computed once, without MLflow."""

from __future__ import annotations

from typing import Any

import pytest

from risk_models.config import PipelineConfig, parse_pipeline_config
from risk_models.pipeline import STEPS, PipelineState, run_steps
from risk_models.steps.base import Reporter

FAST = {"n_estimators": 60, "learning_rate": 0.2, "early_stopping_rounds": 10}


def tiny_raw(**changes: Any) -> dict[str, Any]:
    """A config that runs every step in seconds: 1,500 synthetic rows, small teachers."""
    raw: dict[str, Any] = {
        "name": "tiny",
        "data": {
            "synthetic": {"kind": "credit", "n_rows": 1500, "seed": 1},
            "target": "default_12m",
            "id_column": "application_id",
            "time_column": "application_date",
            "categorical": ["employment_type", "region"],
            "monotone": {"income": -1, "debt_to_income": 1},
        },
        "teachers": [
            {"name": "xgb", "kind": "xgboost", "params": dict(FAST)},
            {"name": "lgbm", "kind": "lightgbm", "params": dict(FAST)},
        ],
        "ensemble": {"weighting": "fitted", "calibration": "temperature", "cv_folds": 2},
        "distill": {"transfer": {"n_rows": 300}},
        "students": [
            {"name": "gam", "kind": "gam", "params": {"n_estimators": 80, "learning_rate": 0.3}},
            {"name": "tree", "kind": "tree", "params": {"max_depth": 3}},
        ],
        "registry": {"model_name": "tiny-student"},
    }
    raw.update(changes)
    return raw


@pytest.fixture(scope="package")
def tiny_cfg() -> PipelineConfig:
    return parse_pipeline_config(tiny_raw())


class Recorder:
    """Collects progress messages and bar events."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self.bar_events: list[tuple[str, str, Any]] = []

    def __call__(self, step: str, message: str) -> None:
        self.messages.append((step, message))

    def start(self, step: str, description: str, total: int) -> None:
        self.bar_events.append(("start", step, total))

    def advance(self, step: str, description: str) -> None:
        self.bar_events.append(("advance", step, description))

    def stop(self, step: str) -> None:
        self.bar_events.append(("stop", step, None))


@pytest.fixture(scope="package")
def tiny_run(tiny_cfg: PipelineConfig) -> tuple[PipelineState, Recorder]:
    """Every step computed (no MLflow), with a recording reporter and bar."""
    rec = Recorder()
    state, logged = run_steps(tiny_cfg, STEPS, Reporter(rec, rec))
    assert logged == {}
    return state, rec
