"""The rows a student learns from: real rows with out-of-fold labels, plus transfer rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from risk_models.data.inputs import concat_rows
from risk_models.distill.munge import make_transfer_set
from risk_models.distill.soft_labels import SoftLabels


@dataclass(frozen=True)
class StudentTrainingSet:
    """Features, hard labels and teacher probabilities (at T = 1) for student training.

    Transfer rows have no observed outcome; their ``y`` is the teacher's probability, so the
    hard-label part of the distillation loss falls back to the teacher there.
    """

    X: pd.DataFrame
    y: np.ndarray
    teacher_proba: np.ndarray
    is_transfer: np.ndarray

    @property
    def n_real(self) -> int:
        return int((~self.is_transfer).sum())

    @property
    def n_transfer(self) -> int:
        return int(self.is_transfer.sum())

    @property
    def transfer_frame(self) -> pd.DataFrame:
        """Transfer rows with their teacher label (for logging as a dataset)."""
        frame = self.X[self.is_transfer].reset_index(drop=True)
        frame["teacher_proba"] = self.teacher_proba[self.is_transfer]
        return frame


def build_training_set(
    X: pd.DataFrame,
    y: np.ndarray,
    soft: SoftLabels,
    *,
    teacher: object | None = None,
    transfer_rows: int = 0,
    swap_prob: float = 0.5,
    jitter: float = 1.0,
    seed: int = 0,
) -> StudentTrainingSet:
    """Real rows with their out-of-fold teacher probabilities, plus ``transfer_rows`` MUNGE rows
    labelled by ``teacher`` (a fitted model with ``predict_proba``).
    """
    proba = expit(soft.logit)
    y = np.asarray(y, dtype=np.float64)
    if transfer_rows <= 0:
        return StudentTrainingSet(X, y, proba, np.zeros(len(X), dtype=bool))
    if teacher is None:
        raise ValueError("transfer_rows > 0 needs a fitted teacher to label the transfer set")
    Xt = make_transfer_set(X, transfer_rows, swap_prob=swap_prob, jitter=jitter, seed=seed)
    pt = np.asarray(teacher.predict_proba(Xt))[:, 1]  # type: ignore[attr-defined]
    X_all = concat_rows(X, Xt)  # category dtypes kept identical
    flags = np.r_[np.zeros(len(X), dtype=bool), np.ones(len(Xt), dtype=bool)]
    return StudentTrainingSet(X_all, np.r_[y, pt], np.r_[proba, pt], flags)
