"""Cross-fitted ("CV-bagged") teacher members.

A member is fitted K times, each time on K-1 folds of the pooled training + validation rows
(early stopping on a slice of those K-1 folds, never on the held-out fold). It predicts new
rows with the mean of the K fold models' log-odds, and every pooled row gets an out-of-fold
log-odds from the one fold model that did not see it. Compared with one fit on the training
rows, every model sees more data, the K-model average is smoother, and the out-of-fold scores
(all pooled rows, not just the validation split) fit the ensemble weights and calibration.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import clone

from risk_models.atomic import atomic_write_text, read_json

BAGGED_FILE = "bagged.json"


class BaggedMember:
    """The K fold models of one member; ``decision_function`` averages their log-odds."""

    kind: ClassVar[str] = "bagged"

    def __init__(self, fold_models: list[Any], base_kind: str) -> None:
        self.fold_models_ = fold_models
        self.base_kind = base_kind

    @property
    def device_(self) -> str:
        return str(getattr(self.fold_models_[0], "device_", "cpu"))

    @property
    def n_trees_(self) -> float:
        trees = [getattr(m, "n_trees_", 0) for m in self.fold_models_]
        return float(np.mean(trees))

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {**self.fold_models_[0].get_params(), "cv_folds": len(self.fold_models_)}

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return np.mean([m.decision_function(X) for m in self.fold_models_], axis=0)

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        for k, m in enumerate(self.fold_models_):
            m.save(directory / f"fold_{k}")
        meta = {"base_kind": self.base_kind, "n_folds": len(self.fold_models_)}
        atomic_write_text(directory / BAGGED_FILE, json.dumps(meta))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> BaggedMember:
        from risk_models.teachers.ensemble import teacher_class

        directory = Path(directory)
        meta = read_json(directory / BAGGED_FILE, "bagged member description")
        base = teacher_class(meta["base_kind"])
        return cls(
            [base.load(directory / f"fold_{k}") for k in range(meta["n_folds"])], meta["base_kind"]
        )


#: Share of a fold's training rows held out for its early stopping.
EARLY_STOPPING_FRACTION = 0.1


def fold_estimator(estimator: Any, k: int) -> Any:
    """An unfitted copy of ``estimator`` for fold ``k``, with its own random seed.

    A member's integer ``random_state`` seeds fold ``k`` with a stream derived from
    ``(random_state, k)`` (:class:`numpy.random.SeedSequence`): the fold models of one member
    start from different initialisations, so one unlucky seed (a neural net that stops after a
    few epochs on 1,000 rows) is averaged out rather than repeated in every fold, and two members
    with seeds 0 and 1 never share a fold seed.
    """
    model = clone(estimator)
    seed = model.get_params().get("random_state")
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        derived = int(np.random.SeedSequence([int(seed), k]).generate_state(1)[0] >> 1)
        model.set_params(random_state=derived)
    return model


def cross_fit_member(
    estimator: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    folds: np.ndarray,
    *,
    early_stopping_fraction: float = EARLY_STOPPING_FRACTION,
    seed: int = 0,
    on_fold: Callable[[int, int], None] | None = None,
    times: np.ndarray | None = None,
) -> tuple[BaggedMember, np.ndarray]:
    """Fit ``estimator`` once per fold; return the bagged member and out-of-fold log-odds.

    For fold ``k`` the model trains on the other folds and stops early on a stratified
    ``early_stopping_fraction`` of *those* rows, so the held-out fold plays no part in its
    fit: its out-of-fold scores are honest (they are used as soft labels and to fit the
    ensemble weights and calibration). ``on_fold(k, n_folds)`` is called after each fold.
    An estimator with a ``settled(fold_models)`` method is asked after each fold which
    estimator the next folds fit (``LGBMTeacher`` fixes its capacity after a few searches).

    With ``times`` (event time per row), ``folds`` are time blocks
    (:func:`~risk_models.data.time_folds.time_blocks`) and the folds chain forward: block
    ``k >= 1`` is scored by a model trained on blocks ``< k`` and early-stopped on their
    latest ``early_stopping_fraction``; block 0 gets no out-of-fold score (NaN). The member
    that scores new (later) rows is one more model trained on every block, early-stopped on
    the latest slice: averaging the fold models would mix in models that saw only the
    earliest block.
    """
    if times is not None:
        return _forward_fit_member(estimator, X, y, folds, times, early_stopping_fraction, on_fold)
    from sklearn.model_selection import train_test_split

    oof = np.full(len(X), np.nan)
    models = []
    n_folds = int(folds.max()) + 1
    for k in range(n_folds):
        held = np.flatnonzero(folds == k)
        rest = np.flatnonzero(folds != k)
        fit_idx, stop_idx = train_test_split(
            rest, test_size=early_stopping_fraction, stratify=y[rest], random_state=seed + k
        )
        model = fold_estimator(estimator, k).fit(
            X.iloc[fit_idx], y[fit_idx], eval_set=(X.iloc[stop_idx], y[stop_idx])
        )
        oof[held] = model.decision_function(X.iloc[held])
        models.append(model)
        settle = getattr(estimator, "settled", None)
        if settle is not None:  # e.g. a capacity searched on the first folds, then fixed
            estimator = settle(models)
        if on_fold is not None:
            on_fold(k, n_folds)
    return BaggedMember(models, getattr(estimator, "kind", type(estimator).__name__)), oof


def _forward_fit_member(
    estimator: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    blocks: np.ndarray,
    times: np.ndarray,
    fraction: float,
    on_fold: Callable[[int, int], None] | None,
) -> tuple[BaggedMember, np.ndarray]:
    from risk_models.data.time_folds import forward_folds, latest_slice

    def fitted(rows: np.ndarray, model: Any) -> Any:
        fit_idx, stop_idx = latest_slice(rows, times, fraction)
        return model.fit(X.iloc[fit_idx], y[fit_idx], eval_set=(X.iloc[stop_idx], y[stop_idx]))

    oof = np.full(len(X), np.nan)
    n_blocks = int(blocks.max()) + 1
    for k, past, held in forward_folds(blocks):
        oof[held] = fitted(past, fold_estimator(estimator, k)).decision_function(X.iloc[held])
        if on_fold is not None:
            on_fold(k - 1, n_blocks)
    final = fitted(np.arange(len(X)), clone(estimator))
    if on_fold is not None:
        on_fold(n_blocks - 1, n_blocks)
    return BaggedMember([final], getattr(estimator, "kind", type(estimator).__name__)), oof
