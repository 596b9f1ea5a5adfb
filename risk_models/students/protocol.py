"""The one contract every student meets, so the pipeline never inspects a student by name.

A student is a scikit-learn estimator that learns from the teacher's soft targets, scores
log-odds with ``decision_function`` and exports one decision-time object (a
:class:`~risk_models.students.shape_table.ShapeTable` or a
:class:`~risk_models.students.rules.RuleSet`). ``trainer_logit`` is the log-odds computed by
the student's own trainer (booster, network or tree), which the exported object must match.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from risk_models.base import LogOddsClassifierMixin
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable

Exported = ShapeTable | RuleSet

#: The distillation settings the pipeline hands to a student (from ``distill:`` and
#: ``data.monotone``), when the student declares them in ``distill_params``.
DISTILL_PARAMS = frozenset({"alpha", "temperature", "monotone", "random_state"})
#: Optional ``fit`` behaviours a student may declare in ``fit_options``: ``count_mask`` marks the
#: real (observed) rows, so that counts a reviewer reads (a scorecard's ``points.csv``) leave
#: out the synthetic transfer rows.
#: ``soft_eval``: the student early-stops (and chooses its capacity) on soft validation
#: targets, the teacher's out-of-fold probabilities of the validation rows, where the teacher
#: has them (a cross-fitted ensemble); other students get the 0/1 validation labels.
#: ``reuse``: the student is offered the students fitted before it in the run
#: (``reuse=(model, ...)``) and takes a stage it shares with one of them only when that stage
#: was fitted with the same parameters on the same data (a GA2M's additive stage from the GAM).
FIT_OPTIONS = frozenset({"count_mask", "soft_eval", "reuse"})


@runtime_checkable
class Student(Protocol):
    """What the ``students`` step needs from a student."""

    kind: ClassVar[str]
    distill_params: ClassVar[frozenset[str]]
    fit_options: ClassVar[frozenset[str]]

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
    ) -> Student: ...

    def decision_function(self, X: pd.DataFrame) -> np.ndarray: ...

    def trainer_logit(self, X: pd.DataFrame) -> np.ndarray: ...

    def export(self) -> Exported: ...

    def export_artifacts(self, folder: Path) -> tuple[Path, ...]: ...

    def get_params(self, deep: bool = True) -> dict[str, Any]: ...


class DistilledStudent(LogOddsClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Base class of the students: the defaults of the :class:`Student` protocol.

    Subclasses set ``kind``, implement ``fit``, ``decision_function``, ``trainer_logit`` and
    ``export``, and override ``distill_params`` when they take fewer distillation settings.
    """

    kind: ClassVar[str] = ""
    distill_params: ClassVar[frozenset[str]] = DISTILL_PARAMS
    fit_options: ClassVar[frozenset[str]] = frozenset()

    def trainer_logit(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement trainer_logit")

    def export(self) -> Exported:
        raise NotImplementedError(f"{type(self).__name__} must implement export")

    def export_artifacts(self, folder: Path) -> tuple[Path, ...]:
        """Files a reviewer reads beside the exported model (a scorecard's points table)."""
        return ()
