"""The rows a student learns from: real rows with out-of-fold labels, plus transfer rows.

**Keeping the tail.** Fraud is rare, and a student fitted on every row equally spends its
capacity on the millions of ordinary payments; what decides AUPRC and recall at a 0.5 % alert
rate is how well it ranks the few rows the teacher finds risky. :class:`TailFocus` (YAML
``distill.tail``) moves the student's attention there:

* ``share``: the top ``share`` of real rows by teacher probability form the high-risk
  region (0 turns the focus off);
* ``weight``: their weight in the student's loss (the other rows weigh 1);
* ``keep_rest``: the share of the *other* non-fraud rows kept, each kept row weighted
  ``1 / keep_rest`` so the bulk still counts as a whole (importance sampling: a 2M-row stream
  trains on a fraction of its ordinary payments, with every fraud and every high-risk row);
* ``transfer_share``: the share of MUNGE transfer rows generated from the high-risk rows
  only, so the synthetic rows the teacher labels fill in the region that matters.

Rows without an out-of-fold label (the first block of time folds, see
:mod:`risk_models.data.time_folds`) keep their hard label as the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from risk_models.data.inputs import concat_rows
from risk_models.distill.munge import make_transfer_set
from risk_models.distill.soft_labels import SoftLabels

__all__ = ["StudentTrainingSet", "TailFocus", "build_training_set", "tail_weights"]


@dataclass(frozen=True)
class TailFocus:
    """How much a student's training leans towards the teacher's high-risk region.

    See the module docstring; the defaults leave training unchanged.
    """

    share: float = 0.0
    weight: float = 1.0
    keep_rest: float = 1.0
    transfer_share: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 <= self.share < 1.0:
            problems.append(f"share must be in [0, 1), got {self.share!r}")
        if not self.weight >= 1.0:
            problems.append(f"weight must be >= 1, got {self.weight!r}")
        if not 0.0 < self.keep_rest <= 1.0:
            problems.append(f"keep_rest must be in (0, 1], got {self.keep_rest!r}")
        if not 0.0 <= self.transfer_share <= 1.0:
            problems.append(f"transfer_share must be in [0, 1], got {self.transfer_share!r}")
        if problems:
            raise ValueError("distill.tail: " + "; ".join(problems))

    @property
    def active(self) -> bool:
        return self.share > 0.0


@dataclass(frozen=True)
class StudentTrainingSet:
    """Features, hard labels, teacher probabilities (at T = 1) and row weights.

    Transfer rows have no observed outcome; their ``y`` is the teacher's probability, so the
    hard-label part of the distillation loss falls back to the teacher there. ``weight`` is
    the ``sample_weight`` to fit with (all ones without a tail focus).
    """

    X: pd.DataFrame
    y: np.ndarray
    teacher_proba: np.ndarray
    is_transfer: np.ndarray
    weight: np.ndarray | None = None

    @property
    def sample_weight(self) -> np.ndarray:
        """Row weights (ones when none were set)."""
        return np.ones(len(self.y)) if self.weight is None else np.asarray(self.weight)

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


def tail_weights(
    teacher_proba: np.ndarray, y: np.ndarray, tail: TailFocus
) -> tuple[np.ndarray, np.ndarray]:
    """Which real rows to keep, their weights, and the high-risk mask (:class:`TailFocus`).

    Parameters
    ----------
    teacher_proba:
        The teacher's probability per real row.
    y:
        Hard labels (1 = bad); every bad row is kept.
    tail:
        The focus settings.

    Returns
    -------
    tuple of numpy.ndarray
        ``weight`` (0 for a dropped row) and ``high`` (True in the high-risk region).
    """
    p = np.asarray(teacher_proba, dtype=np.float64)
    n = len(p)
    if not tail.active or n == 0:
        return np.ones(n), np.zeros(n, dtype=bool)
    threshold = np.quantile(p, 1.0 - tail.share)
    high = p >= threshold
    rest = ~high & (np.asarray(y) < 0.5)
    weight = np.where(high, tail.weight, 1.0)
    if tail.keep_rest < 1.0:
        rng = np.random.default_rng(tail.seed)
        kept = rng.random(n) < tail.keep_rest
        weight = np.where(rest, np.where(kept, 1.0 / tail.keep_rest, 0.0), weight)
    return weight, high


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
    tail: TailFocus | None = None,
) -> StudentTrainingSet:
    """Real rows with their out-of-fold teacher probabilities, plus ``transfer_rows`` MUNGE rows
    labelled by ``teacher`` (a fitted model with ``predict_proba``).

    Rows that ``soft`` leaves unlabelled take their hard label as the teacher probability.
    With an active ``tail`` (:class:`TailFocus`), real rows are weighted and the bulk
    subsampled (dropped rows leave the set), and ``tail.transfer_share`` of the transfer rows
    are generated from the high-risk rows; transfer rows weigh 1.
    """
    y = np.asarray(y, dtype=np.float64)
    proba = np.where(soft.mask, expit(np.nan_to_num(soft.logit)), y)
    tail = tail or TailFocus()
    weight, high = tail_weights(proba, y, tail)
    keep = weight > 0
    X_real = X if keep.all() else X[keep].reset_index(drop=True)
    real = (X_real, y[keep], proba[keep], weight[keep])
    if transfer_rows <= 0:
        w = None if not tail.active else real[3]
        return StudentTrainingSet(real[0], real[1], real[2], np.zeros(len(real[1]), bool), w)
    if teacher is None:
        raise ValueError("transfer_rows > 0 needs a fitted teacher to label the transfer set")
    n_tail = round(tail.transfer_share * transfer_rows) if tail.active and high.sum() >= 2 else 0
    parts = []
    if n_tail:
        parts.append(
            make_transfer_set(
                X[high].reset_index(drop=True),
                n_tail,
                swap_prob=swap_prob,
                jitter=jitter,
                seed=seed + 1,
            )
        )
    if transfer_rows - n_tail:
        parts.append(
            make_transfer_set(
                X, transfer_rows - n_tail, swap_prob=swap_prob, jitter=jitter, seed=seed
            )
        )
    Xt = parts[0] if len(parts) == 1 else concat_rows(*parts)
    pt = np.asarray(teacher.predict_proba(Xt))[:, 1]  # type: ignore[attr-defined]
    X_all = concat_rows(real[0], Xt)  # category dtypes kept identical
    flags = np.r_[np.zeros(len(real[1]), dtype=bool), np.ones(len(Xt), dtype=bool)]
    w_all = None if not tail.active else np.r_[real[3], np.ones(len(Xt))]
    return StudentTrainingSet(X_all, np.r_[real[1], pt], np.r_[real[2], pt], flags, w_all)
