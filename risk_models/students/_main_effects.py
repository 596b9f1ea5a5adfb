"""The additive stage of a boosted additive student, kept so that another student can reuse it.

The GA2M's first stage is exactly a GAM fit (:class:`~risk_models.students.gam.GAMStudent`
with the same additive-stage parameters, on the same rows): when a run fits both, the GA2M
takes the GAM's stage instead of boosting the same stumps a second time (about 40 % of a GA2M
fit). :func:`stage_key` is what makes that safe: a digest of every input that decides the
stage (its parameters, the training frame, labels, weights and teacher logits, the validation
frame and target), so a stage is only ever reused by a fit that would have produced it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from risk_models.students.boosting import DistillTarget
from risk_models.students.design import AdditiveDesign
from risk_models.students.shape_table import ShapeTable
from risk_models.tracking.runs import content_digest


@dataclass(frozen=True)
class MainEffects:
    """A fitted additive stage: what ``GAMStudent._fit_main_effects`` leaves on the model."""

    key: str
    design: AdditiveDesign
    booster: Any
    n_trees: int
    device: str
    ranges: dict[str, tuple[float, float]]
    table: ShapeTable
    importance: dict[str, float]


def _array_digest(values: np.ndarray | None) -> str:
    if values is None:
        return "none"
    return hashlib.sha256(np.ascontiguousarray(values, dtype=np.float64).tobytes()).hexdigest()


def stage_key(
    params: dict[str, Any],
    X: pd.DataFrame,
    target: DistillTarget,
    eval_set: tuple[pd.DataFrame, Any] | None,
) -> str:
    """Digest of everything the additive stage depends on (parameters and data)."""
    parts = [
        json.dumps(params, sort_keys=True, default=str),
        content_digest(X),
        _array_digest(target.label),
        _array_digest(target.weight),
        _array_digest(target.teacher_logit),
        repr(target.obj is None),
    ]
    if eval_set is not None:
        parts += [content_digest(eval_set[0]), _array_digest(np.asarray(eval_set[1], float))]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def find_stage(key: str, fitted: Iterable[Any]) -> MainEffects | None:
    """The additive stage among ``fitted`` models whose key is ``key``, if any."""
    for model in fitted:
        stage = getattr(model, "main_effects_", None)
        if isinstance(stage, MainEffects) and stage.key == key:
            return stage
    return None
