"""The one Torch training loop: seeded, thread-limited AdamW epochs with early stopping.

Shared by the Torch MLP teacher and the NAM student (imported only where Torch is needed).

* :func:`seeded_torch` runs a block with Torch's global random state forked and seeded (so a
  fit is reproducible and leaves the caller's random state as it was) and, on CPU, with a
  chosen number of threads.
* :func:`train_epochs` runs shuffled mini-batch AdamW epochs until ``patience`` epochs bring
  no lower validation loss, then restores the best epoch's weights.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

__all__ = ["EpochSettings", "seeded_torch", "train_epochs"]

History = list[dict[str, float | int]]


class EpochSettings(Protocol):
    """What :func:`train_epochs` reads: the estimator (or its settings) with these attributes."""

    batch_size: int
    max_epochs: int
    patience: int
    learning_rate: float
    weight_decay: float


@contextlib.contextmanager
def seeded_torch(device: str, seed: int, cpu_threads: int | None = None) -> Iterator[None]:
    """Run the block with Torch seeded by ``seed`` and, on CPU, on ``cpu_threads`` threads.

    Parameters
    ----------
    device : ``"cpu"`` or ``"cuda"`` (the current CUDA device's generator is forked too).
    seed : passed to :func:`torch.manual_seed` inside the fork.
    cpu_threads : threads for the block when ``device == "cpu"``; ``None`` keeps the current
        setting. The previous thread count is restored afterwards.
    """
    cuda = [torch.cuda.current_device()] if device == "cuda" else []
    threads = torch.get_num_threads()
    if device == "cpu" and cpu_threads is not None:
        torch.set_num_threads(int(cpu_threads))
    try:
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(threads)


def train_epochs(
    module: nn.Module,
    batch_loss: Callable[[torch.Tensor], torch.Tensor],
    valid_loss: Callable[[], torch.Tensor | float],
    settings: EpochSettings,
    *,
    n_rows: int,
    device: str,
    seed: int,
    report: Callable[..., Any] | None = None,
) -> tuple[History, int]:
    """AdamW epochs over shuffled mini-batches, early-stopped on the validation loss.

    Parameters
    ----------
    module : the network, already on ``device``; trained in place.
    batch_loss : the mean training loss of one mini-batch, given its row indices (a tensor
        on ``device``); called in train mode.
    valid_loss : the validation loss of the current weights; called in eval mode under
        :func:`torch.inference_mode`.
    settings : ``batch_size``, ``max_epochs``, ``patience`` (how many epochs without a
        validation loss at least 1e-7 below the best end training), ``learning_rate`` and
        ``weight_decay`` (AdamW); an estimator with these parameters serves.
    n_rows : training rows (indices ``0 .. n_rows - 1``).
    device : where the shuffled indices go.
    seed : seeds the shuffling generator (independent of Torch's global state).
    report : optional ``logging``-style callable, called once per epoch as
        ``report("epoch %d: train %.5f valid %.5f", epoch, train_loss, valid_loss)``.

    Returns
    -------
    tuple
        The per-epoch history (``epoch``, ``train_loss``, ``valid_loss``) and the 1-based
        best epoch (0 if no epoch ran). ``module`` holds the best epoch's weights, in eval
        mode.
    """
    optim = torch.optim.AdamW(
        module.parameters(),
        lr=float(settings.learning_rate),
        weight_decay=float(settings.weight_decay),
    )
    shuffle = torch.Generator().manual_seed(seed)
    n, bs = int(n_rows), int(settings.batch_size)
    best_loss, best_state, best_epoch, stale = np.inf, None, 0, 0
    history: History = []
    for epoch in range(1, int(settings.max_epochs) + 1):
        module.train()
        order = torch.randperm(n, generator=shuffle).to(device)
        total = torch.zeros((), device=device)
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            loss = batch_loss(idx)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            total += loss.detach() * len(idx)
        module.eval()
        with torch.inference_mode():
            epoch_valid = float(valid_loss())
        train_loss = float(total) / n
        history.append({"epoch": epoch, "train_loss": train_loss, "valid_loss": epoch_valid})
        if report is not None:
            report("epoch %d: train %.5f valid %.5f", epoch, train_loss, epoch_valid)
        if epoch_valid < best_loss - 1e-7:
            best_loss, best_epoch, stale = epoch_valid, epoch, 0
            best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        else:
            stale += 1
            if stale >= int(settings.patience):
                break
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return history, best_epoch
