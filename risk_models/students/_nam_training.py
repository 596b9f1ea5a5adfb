"""Training of the NAM student: the distillation loss in Torch over the shared epoch loop.

Training runs in float32 on the chosen device, in shuffled mini-batches
(:func:`risk_models.torch_loop.train_epochs`), and keeps the weights of the epoch with the
lowest validation loss (the same distillation loss, on the validation rows).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from risk_models.students._nam_network import NAMNet
from risk_models.torch_loop import seeded_torch, train_epochs

# Records under the estimator's module, where they were logged before the split.
log = logging.getLogger("risk_models.students.nam")


def torch_distillation_loss(
    z: torch.Tensor,
    y: torch.Tensor,
    q_t: torch.Tensor | None,
    alpha: float,
    temperature: float,
) -> torch.Tensor:
    """Per-row distillation loss, as :func:`risk_models.distill.loss.distillation_loss`.

    ``alpha * CE(y, sigmoid(z)) + (1 - alpha) * T^2 * CE(q_t, sigmoid(z / T))`` where
    ``q_t = sigmoid(teacher_logit / T)``. With ``q_t=None`` (no soft targets) or
    ``alpha == 1`` only the hard term is computed.
    """
    hard = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    if q_t is None or alpha >= 1.0:
        return hard
    T = float(temperature)
    soft = F.binary_cross_entropy_with_logits(z / T, q_t, reduction="none")
    if alpha <= 0.0:
        return (T * T) * soft
    return alpha * hard + (1.0 - alpha) * (T * T) * soft


@dataclass(frozen=True)
class TrainSettings:
    """The estimator's training parameters, as given (cast where they are used)."""

    learning_rate: float
    weight_decay: float
    alpha: float
    temperature: float
    output_penalty: float
    feature_dropout: float
    batch_size: int
    max_epochs: int
    patience: int

    @classmethod
    def of(cls, estimator: Any) -> TrainSettings:
        """The settings of ``estimator`` (any object with these attributes)."""
        return cls(**{f.name: getattr(estimator, f.name) for f in fields(cls)})


def train_module(
    make_net: Callable[[], NAMNet],
    train: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    settings: TrainSettings,
    *,
    device: str,
    seed: int,
) -> tuple[NAMNet, list[dict[str, float | int]], int]:
    """Build the module from ``seed`` and train it on ``device``.

    ``train`` is ``(flat indices, 0/1 targets, tempered soft targets or None, weights)`` and
    ``valid`` is ``(flat indices, targets, tempered soft targets or None)``. Returns the module
    (on ``device``, in eval mode, with the best epoch's weights), the per-epoch history and
    the 1-based best epoch. Torch's global random state is left as it was.
    """
    # On CPU, one thread: a step's work is one batch plus the cell tables, whatever n is; at
    # these sizes thread start-up costs more than it gains (20k x 12: 2.2 s on 1 thread,
    # 13 s on 2).
    with seeded_torch(device, seed, cpu_threads=1):
        net = make_net().to(device)
        history, best_epoch = _run_epochs(net, train, valid, settings, device, seed)
    return net, history, best_epoch


def _run_epochs(
    net: NAMNet,
    train: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    settings: TrainSettings,
    dev: str,
    seed: int,
) -> tuple[list[dict[str, float | int]], int]:
    """The distillation loss (plus the output penalty) over :func:`train_epochs`."""
    idx_tr, y_tr, q_tr, w_tr = train
    idx_va, t_va, q_va = valid
    xi = torch.as_tensor(idx_tr, device=dev)
    y = torch.as_tensor(y_tr, dtype=torch.float32, device=dev)
    q = None if q_tr is None else torch.as_tensor(q_tr, dtype=torch.float32, device=dev)
    w = torch.as_tensor(w_tr, dtype=torch.float32, device=dev)
    vi = torch.as_tensor(idx_va, device=dev)
    tv = torch.as_tensor(t_va, dtype=torch.float32, device=dev)
    qv = None if q_va is None else torch.as_tensor(q_va, dtype=torch.float32, device=dev)
    alpha, T = float(settings.alpha), float(settings.temperature)
    pen, fdrop = float(settings.output_penalty), float(settings.feature_dropout)

    def batch_loss(b: torch.Tensor) -> torch.Tensor:
        z, contrib = net(xi[b], fdrop)
        rows = torch_distillation_loss(z, y[b], None if q is None else q[b], alpha, T)
        loss = (rows * w[b]).mean()
        if pen > 0 and contrib.shape[1]:
            loss = loss + pen * contrib.pow(2).mean()
        return loss

    def valid_loss() -> torch.Tensor:
        zv, _ = net(vi)
        return torch_distillation_loss(zv, tv, qv, alpha, T).mean()

    n, report = len(y), log.debug
    return train_epochs(
        net, batch_loss, valid_loss, settings, n_rows=n, device=dev, seed=seed, report=report
    )
