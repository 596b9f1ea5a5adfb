"""Out-of-fold (cross-fitted) soft labels: no row is labelled by a teacher that saw it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.model_selection import StratifiedKFold, train_test_split

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SoftLabels:
    """Teacher probabilities for every training row, each from a model that did not see it.

    ``fold[i]`` is the fold whose held-out part contained row ``i``; the teacher that labelled
    it was trained on the rows whose ``fold`` differs (``train_index[k]`` lists them).
    """

    logit: np.ndarray
    fold: np.ndarray
    train_index: tuple[np.ndarray, ...]
    temperature: float = 1.0

    @property
    def proba(self) -> np.ndarray:
        """Soft targets: ``sigmoid(logit / temperature)``."""
        return expit(self.logit / self.temperature)

    @property
    def n_folds(self) -> int:
        return len(self.train_index)


def make_soft_labels(
    make_teacher: Callable[[], object],
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    n_folds: int = 5,
    temperature: float = 1.0,
    early_stopping_fraction: float = 0.15,
    seed: int = 0,
    on_fold: Callable[[int, object], None] | None = None,
) -> SoftLabels:
    """Cross-fitted teacher log-odds for every row of ``X``.

    For each of ``n_folds`` stratified folds, a fresh teacher from ``make_teacher()`` is fitted
    on the other folds (early stopping on a stratified ``early_stopping_fraction`` of them) and
    labels the held-out fold.

    Parameters
    ----------
    make_teacher : returns an unfitted estimator with ``fit(X, y, *, eval_set=...)`` and
        ``decision_function`` (log-odds).
    temperature : > 0; soft targets are ``sigmoid(logit / T)`` (T > 1 softens, T < 1 sharpens).
    """
    if n_folds < 2:
        raise ValueError(f"n_folds must be >= 2, got {n_folds}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    y = np.asarray(y)
    n = len(X)
    logit = np.full(n, np.nan)
    fold = np.full(n, -1, dtype=np.int64)
    train_index: list[np.ndarray] = []
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for k, (tr, ho) in enumerate(splitter.split(np.zeros(n), y)):
        fit_idx, stop_idx = train_test_split(
            tr, test_size=early_stopping_fraction, stratify=y[tr], random_state=seed + k
        )
        teacher = make_teacher()
        teacher.fit(  # type: ignore[attr-defined]
            X.iloc[fit_idx], y[fit_idx], eval_set=(X.iloc[stop_idx], y[stop_idx])
        )
        logit[ho] = teacher.decision_function(X.iloc[ho])  # type: ignore[attr-defined]
        fold[ho] = k
        train_index.append(np.sort(tr))
        log.info("soft labels: fold %d/%d labelled %d rows", k + 1, n_folds, len(ho))
        if on_fold is not None:
            on_fold(k, teacher)
    return SoftLabels(logit, fold, tuple(train_index), float(temperature))


def soft_labels_from_cross_fit(
    ensemble: object, n_rows: int, temperature: float = 1.0
) -> SoftLabels:
    """Soft labels for the first ``n_rows`` pooled rows of a cross-fitted ensemble.

    A :class:`~risk_models.teachers.ensemble.TeacherEnsemble` fitted with ``cv_folds >= 2``
    already holds, for every pooled row, an ensemble log-odds whose member models, weights and
    calibration were all fitted without that row's fold; the training rows come first in the
    pool. No refitting is needed.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    logit = np.asarray(ensemble.cross_fitted_logit_)[:n_rows]  # type: ignore[attr-defined]
    fold = np.asarray(ensemble.folds_)[:n_rows]  # type: ignore[attr-defined]
    k = int(ensemble.folds_.max()) + 1  # type: ignore[attr-defined]
    train_index = tuple(np.flatnonzero(fold != j) for j in range(k))
    return SoftLabels(logit.copy(), fold.copy(), train_index, float(temperature))
