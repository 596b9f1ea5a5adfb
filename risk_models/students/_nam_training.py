"""Training loop of the NAM student: the distillation loss in Torch, AdamW, early stopping.

Training runs in float32 on the chosen device, in shuffled mini-batches, and keeps the
weights of the epoch with the lowest validation loss (the same distillation loss, on the
validation rows).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from risk_models.students._nam_network import NAMNet

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
    cuda = [torch.cuda.current_device()] if device == "cuda" else []
    threads = torch.get_num_threads()
    if device == "cpu":
        # A step's work is one batch plus the cell tables, whatever n is; at these sizes
        # thread start-up costs more than it gains (20k x 12: 2.2 s on 1 thread, 13 s on 2).
        torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            net = make_net().to(device)
            history, best_epoch = _run_epochs(net, train, valid, settings, device, seed)
    finally:
        torch.set_num_threads(threads)
    return net, history, best_epoch


def _run_epochs(
    net: NAMNet,
    train: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    settings: TrainSettings,
    dev: str,
    seed: int,
) -> tuple[list[dict[str, float | int]], int]:
    """AdamW epochs until ``patience`` epochs bring no lower validation loss."""
    idx_tr, y_tr, q_tr, w_tr = train
    idx_va, t_va, q_va = valid
    xi = torch.as_tensor(idx_tr, device=dev)
    y = torch.as_tensor(y_tr, dtype=torch.float32, device=dev)
    q = None if q_tr is None else torch.as_tensor(q_tr, dtype=torch.float32, device=dev)
    w = torch.as_tensor(w_tr, dtype=torch.float32, device=dev)
    vi = torch.as_tensor(idx_va, device=dev)
    tv = torch.as_tensor(t_va, dtype=torch.float32, device=dev)
    qv = None if q_va is None else torch.as_tensor(q_va, dtype=torch.float32, device=dev)
    optim = torch.optim.AdamW(
        net.parameters(),
        lr=float(settings.learning_rate),
        weight_decay=float(settings.weight_decay),
    )
    alpha, T = float(settings.alpha), float(settings.temperature)
    pen, fdrop = float(settings.output_penalty), float(settings.feature_dropout)
    shuffle = torch.Generator().manual_seed(seed)
    n, bs = len(y), int(settings.batch_size)
    best_loss, best_state, best_epoch, stale = np.inf, None, 0, 0
    history: list[dict[str, float | int]] = []
    for epoch in range(1, int(settings.max_epochs) + 1):
        net.train()
        order = torch.randperm(n, generator=shuffle).to(dev)
        total = torch.zeros((), device=dev)
        for start in range(0, n, bs):
            b = order[start : start + bs]
            z, contrib = net(xi[b], fdrop)
            rows = torch_distillation_loss(z, y[b], None if q is None else q[b], alpha, T)
            loss = (rows * w[b]).mean()
            if pen > 0 and contrib.shape[1]:
                loss = loss + pen * contrib.pow(2).mean()
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            total += loss.detach() * len(b)
        net.eval()
        with torch.inference_mode():
            zv, _ = net(vi)
            valid_loss = float(torch_distillation_loss(zv, tv, qv, alpha, T).mean())
        train_loss = float(total) / n
        history.append({"epoch": epoch, "train_loss": train_loss, "valid_loss": valid_loss})
        log.debug("epoch %d: train %.5f valid %.5f", epoch, train_loss, valid_loss)
        if valid_loss < best_loss - 1e-7:
            best_loss, best_epoch, stale = valid_loss, epoch, 0
            best_state = copy.deepcopy(net.state_dict())
        else:
            stale += 1
            if stale >= int(settings.patience):
                break
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return history, best_epoch
