"""The NAM student's Torch module: batched feature networks, pair networks, cell tables.

Each shape function is only evaluated on its feature's cells (see
:mod:`risk_models.students._nam_cells`), so the module computes whole cell tables and a row's
logit is the bias plus one table entry per term. A declared monotone feature has its ordered
bins built as a cumulative sum of non-negative (softplus) increments times the direction.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from risk_models.students._nam_cells import Feature

_MONO_SHIFT = 2.0  # softplus(h - 2) ~ 0.13: monotone shapes start with a gentle slope


class _GroupedMLP(nn.Module):
    """``n_groups`` independent MLPs (1 input, 1 output), evaluated together with ``bmm``."""

    def __init__(self, n_groups: int, hidden: tuple[int, ...], dropout: float) -> None:
        super().__init__()
        sizes = [1, *hidden, 1]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            bound = 1.0 / np.sqrt(fan_in) if i < len(sizes) - 2 else 0.0  # zero output layer
            self.weights.append(nn.Parameter(torch.empty(n_groups, fan_in, fan_out)))
            self.biases.append(nn.Parameter(torch.empty(n_groups, 1, fan_out)))
            nn.init.uniform_(self.weights[-1], -bound, bound)
            nn.init.uniform_(self.biases[-1], -bound, bound)
        self.dropout = dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (G, C, 1) -> (G, C)
        h = x
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = torch.baddbmm(b, h, w)
            if i < last:
                h = F.dropout(F.relu(h), self.dropout, self.training)
        return h.squeeze(-1)


def _mlp(n_in: int, hidden: tuple[int, ...], dropout: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for h in hidden:
        layers += [nn.Linear(n_in, h), nn.ReLU(), nn.Dropout(dropout)]
        n_in = h
    out = nn.Linear(n_in, 1)
    nn.init.zeros_(out.weight)
    nn.init.zeros_(out.bias)
    return nn.Sequential(*layers, out)


class NAMNet(nn.Module):
    """Bias plus centred cell tables; ``forward`` sums the table entries of each row.

    The flat table holds, in order: the numeric features' cells as a ``(n_numeric, C + 1)``
    matrix (``C`` ordered bins padded to the widest feature, then the missing bin), every
    categorical feature's cells, then every pair's grid.
    """

    def __init__(
        self,
        feats: list[Feature],
        pairs: list[tuple[int, int, np.ndarray]],
        hidden: tuple[int, ...],
        dropout: float,
        bias: float,
    ) -> None:
        super().__init__()
        f32 = torch.float32
        self.bias = nn.Parameter(torch.tensor(bias, dtype=f32))
        num = [f for f in feats if f.numeric]
        cat = [f for f in feats if not f.numeric]
        self.n_num = len(num)
        self.width = max([len(f.reps) for f in num], default=1)
        C = self.width
        if num:
            x = np.zeros((len(num), C, 1))
            delta = np.zeros((len(num), C))
            freq = np.zeros((len(num), C + 1))
            neutral = np.ones((len(num), C + 1), dtype=bool)
            for r, f in enumerate(num):
                B = len(f.reps)
                x[r, :B, 0] = f.reps
                delta[r, 1:B] = np.diff(f.reps)
                freq[r, :B], freq[r, C] = f.freq[:B], f.freq[B]
                neutral[r, :B], neutral[r, C] = f.neutral[:B], f.neutral[B]
            direction = np.array([f.direction for f in num], dtype=np.float64)
            self.num_mlp = _GroupedMLP(len(num), hidden, dropout)
            self.num_missing = nn.Parameter(torch.zeros(len(num), dtype=f32))
            self.register_buffer("num_x", torch.tensor(x, dtype=f32))
            self.register_buffer("num_delta", torch.tensor(delta, dtype=f32))
            self.register_buffer("num_freq", torch.tensor(freq, dtype=f32))
            self.register_buffer("num_neutral", torch.tensor(neutral))
            self.register_buffer("num_dir", torch.tensor(direction, dtype=f32))
            self.register_buffer("num_is_mono", torch.tensor(direction != 0))
            self.has_mono = bool(np.any(direction != 0))
        self.n_cat = len(cat)
        if cat:
            seg = np.concatenate([np.full(f.axis.size, i) for i, f in enumerate(cat)])
            self.cat_values = nn.Parameter(torch.zeros(len(seg), dtype=f32))
            self.register_buffer("cat_seg", torch.tensor(seg, dtype=torch.int64))
            freq_c = np.concatenate([f.freq for f in cat])
            self.register_buffer("cat_freq", torch.tensor(freq_c, dtype=f32))
            neutral_c = np.concatenate([f.neutral for f in cat])
            self.register_buffer("cat_neutral", torch.tensor(neutral_c))
        self.pair_nets = nn.ModuleList()
        for k, (a, b, joint) in enumerate(pairs):
            ea, eb = feats[a].encoding(), feats[b].encoding()
            grid = np.concatenate(
                [np.repeat(ea, len(eb), axis=0), np.tile(eb, (len(ea), 1))], axis=1
            )
            neutral_p = feats[a].neutral[:, None] | feats[b].neutral[None, :]
            self.pair_nets.append(_mlp(grid.shape[1], hidden, dropout))
            self.register_buffer(f"pair_grid_{k}", torch.tensor(grid, dtype=f32))
            self.register_buffer(f"pair_freq_{k}", torch.tensor(joint.ravel(), dtype=f32))
            self.register_buffer(f"pair_neutral_{k}", torch.tensor(neutral_p.ravel()))

    def tables(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(intercept, flat table of centred cell contributions)."""
        parts: list[torch.Tensor] = []
        centre = self.bias
        if self.n_num:
            raw = self.num_mlp(self.num_x)  # (F, C)
            if self.has_mono:
                inc = F.softplus(raw - _MONO_SHIFT) * self.num_delta
                mono = raw[:, :1] + self.num_dir[:, None] * torch.cumsum(inc, dim=1)
                raw = torch.where(self.num_is_mono[:, None], mono, raw)
            M = torch.cat([raw, self.num_missing[:, None]], dim=1)
            c = (M * self.num_freq).sum(dim=1, keepdim=True)
            parts.append(torch.where(self.num_neutral, 0.0, M - c).reshape(-1))
            centre = centre + c.sum()
        if self.n_cat:
            v = self.cat_values
            c = torch.zeros(self.n_cat, dtype=v.dtype, device=v.device)
            c = c.index_add(0, self.cat_seg, v * self.cat_freq)
            parts.append(torch.where(self.cat_neutral, 0.0, v - c[self.cat_seg]))
            centre = centre + c.sum()
        for k, net in enumerate(self.pair_nets):
            g = net(getattr(self, f"pair_grid_{k}")).squeeze(-1)
            c = (g * getattr(self, f"pair_freq_{k}")).sum()
            parts.append(torch.where(getattr(self, f"pair_neutral_{k}"), 0.0, g - c))
            centre = centre + c
        if not parts:
            return centre, torch.zeros(0, dtype=self.bias.dtype, device=self.bias.device)
        return centre, torch.cat(parts)

    def forward(
        self, flat_idx: torch.Tensor, feature_dropout: float = 0.0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits, per-term contributions) for rows given as flat table indices."""
        intercept, table = self.tables()
        contrib = table[flat_idx]
        used = contrib
        if self.training and feature_dropout > 0:
            keep = torch.rand_like(contrib) >= feature_dropout
            used = contrib * keep / (1.0 - feature_dropout)
        return intercept + used.sum(dim=1), contrib
