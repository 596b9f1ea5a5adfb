"""How many pair terms a GA2M keeps: a path over pairs with early stopping on validation.

The pairs are added best-ranked first, each boosted on its own from the current margin
(:class:`~risk_models.students.ga2m.GA2MStudent`). After each, the per-row log loss of the
validation target (the teacher's soft labels of the validation rows where the caller passes
them, else their 0/1 labels) is compared with the loss before it. A pair *helps* when its mean
per-row gain is at least ``MIN_GAIN_Z`` standard errors above zero (a paired test over the
validation rows, which is what guards hard 0/1 targets, whose losses are noisy) and, with soft
targets, at least ``MIN_GAIN_SHARE`` of the signal there is to learn: the validation KL
divergence of the constant model from the targets (soft targets are smooth, so the test alone
would accept gains of 1e-5 nats from pairs that only mop up a main effect).
The path stops after ``patience`` pairs in a row that do not help, and the model keeps the
pairs up to the last one that did. ``n_pairs`` is only the ceiling.

Only the training rows and the validation rows passed in ``eval_set`` are read: test rows
never enter the choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["MIN_GAIN_SHARE", "MIN_GAIN_Z", "PairPath", "min_gain", "row_log_loss"]

#: Standard errors by which a pair's mean validation gain must exceed zero to count.
MIN_GAIN_Z = 2.0
#: Share of the constant model's validation KL a pair must remove, with soft targets.
MIN_GAIN_SHARE = 0.0005


def row_log_loss(target: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Per-row log loss of (possibly soft) targets in [0, 1] under log-odds ``margin``."""
    z = np.asarray(margin, dtype=np.float64)
    q = np.asarray(target, dtype=np.float64)
    return np.logaddexp(0.0, z) - q * z


def min_gain(target: np.ndarray, constant: float, share: float = MIN_GAIN_SHARE) -> float:
    """Smallest mean validation gain (nats) that counts: ``share`` (default
    ``MIN_GAIN_SHARE``) of the KL of the constant log-odds ``constant`` from soft targets;
    0 when every target is 0 or 1."""
    q = np.asarray(target, dtype=np.float64)
    if np.all((q == 0) | (q == 1)):
        return 0.0
    qc = np.clip(q, 1e-12, 1 - 1e-12)
    entropy = -(qc * np.log(qc) + (1 - qc) * np.log1p(-qc))
    kl = float(np.mean(row_log_loss(q, np.full(len(q), constant)) - entropy))
    return share * max(kl, 0.0)


@dataclass
class PairPath:
    """The validation record of a pair path; ``add`` returns whether to try another pair.

    Parameters
    ----------
    start_loss : per-row validation loss of the additive stage.
    patience : pairs in a row without a significant gain before the path stops.
    floor : smallest mean gain that counts (:func:`min_gain`).
    """

    start_loss: np.ndarray
    patience: int
    floor: float = 0.0
    losses: list[float] = field(default_factory=list)
    z_scores: list[float] = field(default_factory=list)
    n_keep: int = 0

    def __post_init__(self) -> None:
        self._best = np.asarray(self.start_loss, dtype=np.float64)

    def add(self, loss: np.ndarray) -> bool:
        """Record the validation loss after one more pair; ``False`` once the path stops."""
        gain = self._best - np.asarray(loss, dtype=np.float64)
        se = float(gain.std(ddof=1) / np.sqrt(len(gain))) if len(gain) > 1 else 0.0
        z = float(gain.mean() / se) if se > 0 else (np.inf if gain.mean() > 0 else 0.0)
        self.losses.append(float(np.mean(loss)))
        self.z_scores.append(z)
        if z >= MIN_GAIN_Z and gain.mean() >= self.floor:
            self._best = np.asarray(loss, dtype=np.float64)
            self.n_keep = len(self.losses)
        return len(self.losses) - self.n_keep < self.patience

    def summary(self) -> dict[str, object]:
        """Plain JSON record: start loss, loss and gain z-score after each pair, pairs kept."""
        return {
            "start_loss": float(np.mean(self.start_loss)),
            "min_gain": self.floor,
            "losses": self.losses,
            "z_scores": self.z_scores,
            "n_keep": self.n_keep,
        }
