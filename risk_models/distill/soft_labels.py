"""Out-of-fold (cross-fitted) soft labels: no row is labelled by a teacher that saw it.

With ``fold_order="time"`` no row is labelled by a teacher that saw its future either: the
folds are blocks of event time chained forward (:mod:`risk_models.data.time_folds`), and the
earliest block, which has no past to learn from, is left unlabelled (``labelled`` False, logit
NaN); the training set gives those rows their hard labels as targets.
"""

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
    it was trained on the rows ``train_index[fold[i]]`` (the other folds; with time folds,
    the earlier blocks). ``labelled`` is False for rows no teacher could label without seeing
    their future (the first time block); their ``logit`` is NaN.
    """

    logit: np.ndarray
    fold: np.ndarray
    train_index: tuple[np.ndarray, ...]
    temperature: float = 1.0
    labelled: np.ndarray | None = None

    @property
    def mask(self) -> np.ndarray:
        """Boolean mask of the labelled rows (all of them unless time folds left some out)."""
        if self.labelled is None:
            return np.ones(len(self.logit), dtype=bool)
        return np.asarray(self.labelled, dtype=bool)

    @property
    def proba(self) -> np.ndarray:
        """Soft targets: ``sigmoid(logit / temperature)``."""
        return np.asarray(expit(self.logit / self.temperature), dtype=np.float64)

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
    times: np.ndarray | None = None,
    fold_order: str = "random",
) -> SoftLabels:
    """Cross-fitted teacher log-odds for every row of ``X``.

    For each of ``n_folds`` stratified folds, a fresh teacher from ``make_teacher()`` is fitted
    on the other folds (early stopping on a stratified ``early_stopping_fraction`` of them) and
    labels the held-out fold.

    With ``fold_order="time"`` (``times`` required: each row's event time), the rows are cut
    into ``n_folds`` blocks of time; block ``k >= 1`` is labelled by a teacher fitted on blocks
    ``< k`` and early-stopped on their latest ``early_stopping_fraction``; block 0 stays
    unlabelled (``labelled`` False). ``n_folds - 1`` teachers are fitted.

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
    if fold_order == "time":
        if times is None:
            raise ValueError(
                "fold_order='time' needs the event time of every row (times=); pass the "
                "training split's times or use fold_order='random'"
            )
        return _forward_soft_labels(
            make_teacher,
            X,
            y,
            np.asarray(times),
            n_folds,
            temperature,
            early_stopping_fraction,
            on_fold,
        )
    if fold_order != "random":
        raise ValueError(f"fold_order must be 'random' or 'time', got {fold_order!r}")
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


def _forward_soft_labels(
    make_teacher: Callable[[], object],
    X: pd.DataFrame,
    y: np.ndarray,
    times: np.ndarray,
    n_folds: int,
    temperature: float,
    fraction: float,
    on_fold: Callable[[int, object], None] | None,
) -> SoftLabels:
    from risk_models.data.time_folds import forward_folds, latest_slice, time_blocks

    if len(times) != len(X):
        raise ValueError(f"times has {len(times)} values for {len(X)} rows")
    blocks = time_blocks(times, n_folds)
    logit = np.full(len(X), np.nan)
    train_index: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    for k, past, held in forward_folds(blocks):
        fit_idx, stop_idx = latest_slice(past, times, fraction)
        teacher = make_teacher()
        teacher.fit(  # type: ignore[attr-defined]
            X.iloc[fit_idx], y[fit_idx], eval_set=(X.iloc[stop_idx], y[stop_idx])
        )
        logit[held] = teacher.decision_function(X.iloc[held])  # type: ignore[attr-defined]
        train_index.append(past)
        log.info("soft labels: time block %d/%d labelled %d rows", k, n_folds - 1, len(held))
        if on_fold is not None:
            on_fold(k - 1, teacher)
    return SoftLabels(logit, blocks, tuple(train_index), float(temperature), blocks >= 1)


def soft_labels_from_cross_fit(
    ensemble: object, n_rows: int, temperature: float = 1.0
) -> SoftLabels:
    """Soft labels for the first ``n_rows`` pooled rows of a cross-fitted ensemble.

    A :class:`~risk_models.teachers.ensemble.TeacherEnsemble` fitted with ``cv_folds >= 2``
    already holds, for every pooled row, an ensemble log-odds whose member models, weights and
    calibration were all fitted without that row's fold; the training rows come first in the
    pool. No refitting is needed. With time folds (``fold_order="time"``) the fold models of
    block ``k`` trained on blocks ``< k`` and block 0 is unlabelled.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    logit = np.asarray(ensemble.cross_fitted_logit_)[:n_rows]  # type: ignore[attr-defined]
    fold = np.asarray(ensemble.folds_)[:n_rows]  # type: ignore[attr-defined]
    k = int(ensemble.folds_.max()) + 1  # type: ignore[attr-defined]
    if getattr(ensemble, "fold_order", "random") == "time":
        train_index = tuple(np.flatnonzero(fold < j) for j in range(k))
        return SoftLabels(logit.copy(), fold.copy(), train_index, float(temperature), fold >= 1)
    train_index = tuple(np.flatnonzero(fold != j) for j in range(k))
    return SoftLabels(logit.copy(), fold.copy(), train_index, float(temperature))
