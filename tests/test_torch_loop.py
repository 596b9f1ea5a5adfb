"""risk_models.torch_loop: the seeded, thread-limited context and the early-stopping loop."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

torch = pytest.importorskip("torch")

from risk_models.torch_loop import seeded_torch, train_epochs  # noqa: E402


@dataclass
class Settings:
    batch_size: int = 4
    max_epochs: int = 20
    patience: int = 2
    learning_rate: float = 0.1
    weight_decay: float = 0.0


def test_seeded_torch_is_reproducible_and_restores_state() -> None:
    torch.manual_seed(123)
    outside = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    with seeded_torch("cpu", 7, cpu_threads=1):
        assert torch.get_num_threads() == 1
        first = torch.rand(3)
    with seeded_torch("cpu", 7):
        second = torch.rand(3)
    assert torch.equal(first, second)
    assert torch.equal(torch.random.get_rng_state(), outside)
    assert torch.get_num_threads() == threads


def test_train_epochs_stops_after_patience_and_keeps_the_best_weights() -> None:
    module = torch.nn.Linear(1, 1, bias=False)
    x = torch.ones(8, 1)
    target = torch.full((8,), 2.0)
    valid_losses = iter([5.0, 3.0, 4.0, 3.0 - 1e-8, 6.0, 1.0])  # 1.0 comes too late
    weights: list[float] = []

    def batch_loss(idx: torch.Tensor) -> torch.Tensor:
        return ((module(x[idx]).squeeze(-1) - target[idx]) ** 2).mean()

    def valid_loss() -> float:
        assert not module.training and torch.is_inference_mode_enabled()
        weights.append(float(module.weight.detach()))
        return next(valid_losses)

    history, best = train_epochs(
        module, batch_loss, valid_loss, Settings(), n_rows=8, device="cpu", seed=0
    )
    # epoch 2 is best; epochs 3 and 4 (4 is not 1e-7 lower) use up the patience of 2
    assert best == 2
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert [h["valid_loss"] for h in history] == [5.0, 3.0, 4.0, 3.0 - 1e-8]
    assert float(module.weight.detach()) == weights[1]
    assert not module.training


def test_train_epochs_reports_every_epoch_and_seeds_the_shuffle() -> None:
    calls: list[tuple] = []
    orders: list[list[int]] = []

    def run() -> list[int]:
        module = torch.nn.Linear(1, 1)
        seen: list[int] = []

        def batch_loss(idx: torch.Tensor) -> torch.Tensor:
            seen.extend(idx.tolist())
            return module(torch.ones(len(idx), 1)).pow(2).mean()

        train_epochs(
            module,
            batch_loss,
            lambda: 1.0,
            Settings(max_epochs=1, batch_size=3),
            n_rows=7,
            device="cpu",
            seed=5,
            report=lambda *args: calls.append(args),
        )
        return seen

    orders.append(run())
    orders.append(run())
    assert orders[0] == orders[1] and sorted(orders[0]) == list(range(7))
    assert calls[0][0] == "epoch %d: train %.5f valid %.5f" and calls[0][1] == 1
