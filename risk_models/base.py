"""Shared estimator plumbing: probabilities and labels from a model's log-odds."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin


class LogOddsClassifierMixin(ClassifierMixin):
    """``predict_proba`` and ``predict`` for binary models whose ``decision_function`` returns
    the log-odds of the positive ("bad") class. Binary only; NaN means missing."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def predict_proba(self, X: Any) -> np.ndarray:
        """``(n, 2)`` probabilities; column 1 is the positive class."""
        p = expit(self.decision_function(X))  # type: ignore[attr-defined]
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """1 where the probability of the positive class exceeds 0.5."""
        return (self.decision_function(X) > 0).astype(int)  # type: ignore[attr-defined]
