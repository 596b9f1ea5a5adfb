"""Neural additive model (NAM) student: one small network per feature, exported to a table.

The trainer and the exported :class:`ShapeTable` agree by construction. At fit, every feature
gets one :class:`Axis` (quantile edges for numerics, levels for categoricals), and a row
reaches the model only as its cell indices on those axes (``Axis.index``, the same call the
table makes). Each shape function is therefore only ever evaluated on a finite set of cells:

* numeric feature: a network ``f_j`` of the bin's representative value (median of the training
  values in the bin, standardised); the missing bin is a learned offset. A declared monotone
  feature has its ordered bins built as a cumulative sum of non-negative (softplus)
  increments times the direction, so it is exactly monotone; its missing bin stays free;
* categorical feature: one learned value per level (an embedding of width 1: a network on a
  one-hot input can express exactly this table and nothing more); missing is learned when
  training rows are missing, and unknown levels score 0;
* pair ``(a, b)``: a network of both features' cell encodings evaluated on the grid of cells.

Every term is centred on its training-weighted mean (moved into the intercept), and cells that
no training row reached (unknown levels, a missing bin never seen, the value bins of a
numeric feature that was always missing) score 0. Export evaluates the module once, in
float64, on all cells; ``trainer_logit`` runs the same module's forward pass on rows, so the
two agree to float64 rounding.

Training runs in float32 on ``device_`` with the distillation loss of
:mod:`risk_models.distill.loss`; afterwards the module is kept on the CPU in float64.
"""

from __future__ import annotations

import copy
import itertools
import logging
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d
from torch import nn
from torch.nn import functional as F

from risk_models.device import resolve_device
from risk_models.distill.loss import teacher_logit
from risk_models.students._fit_inputs import check_fit_inputs, ensure_frame
from risk_models.students.design import is_categorical
from risk_models.students.monotonicity import verify_monotone
from risk_models.students.shape_table import Axis, ShapeTable, Term, to_level_strings
from risk_models.teachers.tabular_encoding import holdout_split

__all__ = ["NAMStudent", "torch_distillation_loss"]

log = logging.getLogger(__name__)

_MONO_SHIFT = 2.0  # softplus(h - 2) ~ 0.13: monotone shapes start with a gentle slope


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


# -- layout: axes, cell encodings, training frequencies ---------------------------------------
@dataclass
class _Feature:
    name: str
    axis: Axis
    freq: np.ndarray  # training weight share per cell (axis order)
    neutral: np.ndarray  # bool per cell: forced to 0 (unknown level, or no training row)
    reps: np.ndarray  # numeric: standardised representative per ordered bin; else empty
    direction: int = 0

    @property
    def numeric(self) -> bool:
        return self.axis.kind == "numeric"

    def encoding(self) -> np.ndarray:
        """Input rows of this feature's cells for a pair network."""
        if not self.numeric:
            return np.eye(self.axis.size)
        enc = np.zeros((self.axis.size, 2))
        enc[: len(self.reps), 0] = self.reps
        enc[self.axis.missing_index, 1] = 1.0
        return enc


def _numeric_axis(name: str, x: np.ndarray, n_bins: int) -> tuple[Axis, np.ndarray]:
    """Quantile edges (float32 data values, at most ``n_bins - 1``) and bin representatives."""
    ok = ~np.isnan(x)
    v32 = np.sort(x[ok].astype(np.float32))
    if v32.size == 0:
        return Axis(name, "numeric"), np.zeros(1)
    uniq = np.unique(v32)
    if uniq.size <= n_bins:
        edges = uniq[1:]
    else:
        levels = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
        edges = np.unique(np.quantile(v32, levels, method="inverted_cdf"))
        edges = edges[edges > uniq[0]]
    axis = Axis(name, "numeric", edges=tuple(float(e) for e in edges))
    mean, std = float(x[ok].mean()), float(x[ok].std())
    std = std if std > 0 else 1.0
    # Median of the training values in every bin (sorted by bin, then value).
    idx = axis.index(x)[ok]
    order = np.lexsort((x[ok], idx))
    xs, counts = x[ok][order], np.bincount(idx, minlength=len(edges) + 1)
    starts = np.cumsum(counts) - counts
    lo, hi = starts + np.maximum(counts - 1, 0) // 2, starts + counts // 2
    filled = counts > 0
    reps = np.empty(len(counts))
    reps[filled] = 0.5 * (xs[lo[filled]] + xs[np.minimum(hi, len(xs) - 1)[filled]])
    # Empty bins (float32 ties can leave one): a point between their edges.
    e64 = np.concatenate([[v32[0]], edges, [v32[-1]]]).astype(np.float64)
    reps[~filled] = 0.5 * (e64[:-1] + e64[1:])[~filled]
    return axis, (reps - mean) / std


def _build_features(
    X: pd.DataFrame, w: np.ndarray, n_bins: int, monotone: dict[str, int]
) -> list[_Feature]:
    feats: list[_Feature] = []
    for name in X.columns:
        col = X[name]
        if is_categorical(col):
            levels = tuple(sorted(to_level_strings(col).dropna().unique().tolist()))
            axis, reps = Axis(name, "categorical", levels=levels), np.zeros(0)
        else:
            x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
            n_inf = int(np.isinf(x).sum())
            if n_inf:
                raise ValueError(
                    f"X column {name!r} has {n_inf} infinite value(s); "
                    "replace them with finite numbers or NaN (missing)"
                )
            axis, reps = _numeric_axis(name, x, n_bins)
        freq = np.bincount(axis.index(col), weights=w, minlength=axis.size) / w.sum()
        neutral = np.zeros(axis.size, dtype=bool)
        neutral[axis.missing_index] = freq[axis.missing_index] == 0
        if axis.kind == "categorical":
            neutral[axis.unknown_index] = True
        elif freq[: axis.missing_index].sum() == 0:  # no value seen: values score 0 too
            neutral[: axis.missing_index] = True
        feats.append(_Feature(name, axis, freq, neutral, reps, int(monotone.get(name, 0))))
    return feats


def _check_X(X: Any, columns: list[str] | None = None) -> pd.DataFrame:
    """``X`` as a non-empty 2-D DataFrame; refuses sparse, complex and 1-D input.

    With ``columns`` (the fitted names), an array must have that many columns and takes those
    names by position; a DataFrame must hold them (extra columns are dropped).
    """
    if sp.issparse(X):
        raise TypeError("NAMStudent does not accept sparse input; pass a dense DataFrame or array")
    if not isinstance(X, pd.DataFrame):
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(
                f"Expected 2D array, got {arr.ndim}D array instead. Reshape your data either "
                "using array.reshape(-1, 1) if your data has a single feature or "
                "array.reshape(1, -1) if it contains a single sample."
            )
        if np.iscomplexobj(arr):
            raise ValueError("Complex data not supported")
        if columns is not None and arr.shape[1] != len(columns):
            raise ValueError(
                f"X has {arr.shape[1]} features, but NAMStudent is expecting "
                f"{len(columns)} features as input"
            )
        X = arr
    X = ensure_frame(X, columns=columns)
    if X.shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is required."
        )
    if len(X) == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required."
        )
    return X


# -- the module ---------------------------------------------------------------------------
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


class _NAMNet(nn.Module):
    """Bias plus centred cell tables; ``forward`` sums the table entries of each row.

    The flat table holds, in order: the numeric features' cells as a ``(n_numeric, C + 1)``
    matrix (``C`` ordered bins padded to the widest feature, then the missing bin), every
    categorical feature's cells, then every pair's grid.
    """

    def __init__(
        self,
        feats: list[_Feature],
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


# -- the estimator --------------------------------------------------------------------------
class NAMStudent(ClassifierMixin, BaseEstimator):
    """Neural additive model distilled from soft labels, exported to a :class:`ShapeTable`.

    Parameters
    ----------
    hidden_sizes : widths of each feature network's hidden layers (ReLU).
    n_bins : most bins per numeric feature (quantile edges; the missing bin comes on top).
    pairs : ``(feature_a, feature_b)`` pairs that get a pair network (a 2-D term ``"a x b"``).
    dropout : dropout inside the networks (masks drawn per cell and batch).
    feature_dropout : probability of dropping a term's contribution per row while training.
    output_penalty : weight of the mean squared per-term contribution in the loss.
    weight_decay, learning_rate : AdamW settings.
    batch_size, max_epochs : training loop.
    patience : epochs without a lower validation log loss before stopping; the best epoch's
        weights are kept.
    alpha : weight of the hard-label cross-entropy; ``1 - alpha`` goes to the soft term.
    temperature : distillation temperature ``T`` (the soft term is scaled by ``T^2``).
    monotone : feature -> +1 (risk rises with the value) or -1; numeric features only.
    device : ``"auto"`` (CUDA when present), ``"cuda"`` (falls back to CPU) or ``"cpu"``.
    random_state : seed for initialisation, shuffling, dropout and the holdout split.

    Attributes
    ----------
    shape_table_ : ShapeTable — the exported model; ``decision_function`` scores with it.
    axes_ : tuple of Axis, one per feature.
    module_ : the trained Torch module, on the CPU in float64 (for ``trainer_logit``).
    module_state_ : its ``state_dict``.
    device_ : device used for training, ``"cuda"`` or ``"cpu"``.
    history_ : ``{"epoch", "train_loss", "valid_loss"}`` per epoch.
    best_epoch_ : 1-based epoch whose weights were kept.
    classes_, feature_names_in_, n_features_in_ : scikit-learn conventions.
    """

    def __init__(
        self,
        hidden_sizes: tuple[int, ...] = (32, 16),
        n_bins: int = 64,
        pairs: tuple[tuple[str, str], ...] = (),
        dropout: float = 0.0,
        feature_dropout: float = 0.0,
        output_penalty: float = 1e-4,
        weight_decay: float = 1e-5,
        learning_rate: float = 5e-3,
        batch_size: int = 1024,
        max_epochs: int = 60,
        patience: int = 6,
        alpha: float = 0.0,
        temperature: float = 1.0,
        monotone: dict[str, int] | None = None,
        device: str = "auto",
        random_state: int | np.random.RandomState | None = 0,
    ) -> None:
        self.hidden_sizes = hidden_sizes
        self.n_bins = n_bins
        self.pairs = pairs
        self.dropout = dropout
        self.feature_dropout = feature_dropout
        self.output_penalty = output_penalty
        self.weight_decay = weight_decay
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.alpha = alpha
        self.temperature = temperature
        self.monotone = monotone
        self.device = device
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # binary risk targets only
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True  # object / string columns are categorical levels
        return tags

    # -- checks ---------------------------------------------------------------------------
    def _check_params(self) -> None:
        def pos_int(v: Any, low: int = 1) -> bool:
            return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= low

        def real(v: Any) -> bool:
            return isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v)

        checks = {
            "hidden_sizes": isinstance(self.hidden_sizes, (tuple, list))
            and all(pos_int(h) for h in self.hidden_sizes),
            "n_bins": pos_int(self.n_bins, 2),
            "dropout": real(self.dropout) and 0 <= self.dropout < 1,
            "feature_dropout": real(self.feature_dropout) and 0 <= self.feature_dropout < 1,
            "output_penalty": real(self.output_penalty) and self.output_penalty >= 0,
            "weight_decay": real(self.weight_decay) and self.weight_decay >= 0,
            "learning_rate": real(self.learning_rate) and self.learning_rate > 0,
            "batch_size": pos_int(self.batch_size),
            "max_epochs": pos_int(self.max_epochs),
            "patience": pos_int(self.patience),
            "alpha": real(self.alpha) and 0 <= self.alpha <= 1,
            "temperature": real(self.temperature) and self.temperature > 0,
        }
        bad = [f"{k}={getattr(self, k)!r}" for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid NAMStudent parameter(s): {', '.join(bad)}")

    def _check_structure(self, X: pd.DataFrame) -> tuple[dict[str, int], list[tuple[int, int]]]:
        """Validated monotone directions and pairs (as feature positions)."""
        names = list(X.columns)
        numeric = {c for c in names if not is_categorical(X[c])}
        mono = dict(self.monotone or {})
        bad = sorted(set(mono) - numeric, key=str)
        if bad:
            raise ValueError(
                f"monotone constraints given for {bad}, which are not numeric features of X"
            )
        for f, d in mono.items():
            if d not in (-1, 0, 1):
                raise ValueError(f"monotone direction of {f!r} must be -1, 0 or +1, got {d!r}")
        out: list[tuple[int, int]] = []
        for pair in self.pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2 or pair[0] == pair[1]:
                raise ValueError(f"pairs entries must be two different feature names, got {pair!r}")
            unknown = [p for p in pair if p not in names]
            if unknown:
                raise ValueError(f"pair {tuple(pair)!r} names unknown feature(s) {unknown}")
            locked = [p for p in pair if mono.get(p, 0)]
            if locked:
                raise ValueError(
                    f"pair {tuple(pair)!r} involves monotone feature(s) {locked}; "
                    "pair terms cannot carry monotone constraints"
                )
            key = (names.index(pair[0]), names.index(pair[1]))
            if key in out or key[::-1] in out:
                raise ValueError(f"pair {tuple(pair)!r} is listed twice")
            out.append(key)
        return mono, out

    # -- fitting --------------------------------------------------------------------------
    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
    ) -> NAMStudent:
        """Train on the distillation loss; ``soft_target=None`` trains on ``y`` alone.

        ``eval_set=(X_valid, y_valid)`` drives early stopping on the log loss against its
        target (labels, or probabilities). Without it 10% of the rows (stratified on ``y``)
        are held out and scored with the training objective (the distillation loss; plain
        log loss when there are no soft targets or ``alpha == 1``).
        """
        self._check_params()
        X = _check_X(X)
        mono, pair_pos = self._check_structure(X)
        y01 = self._encode_y(y, len(X), soft_target)
        n = len(X)
        _, weight = check_fit_inputs(X, y01, soft_target, sample_weight)
        weight = np.ones(n) if weight is None else weight
        q_t = None
        soft_target_arr = None if soft_target is None else np.asarray(soft_target, float)
        if soft_target_arr is not None and self.alpha < 1:
            t = teacher_logit(soft_target_arr)
            q_t = expit(t / float(self.temperature))

        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if eval_set is not None:
            if not isinstance(eval_set, (tuple, list)) or len(eval_set) != 2:
                raise ValueError("eval_set must be a pair (X_valid, y_valid)")
            tr = np.arange(n)
            X_va = _check_X(eval_set[0], columns=list(X.columns))
            t_va = self._encode_eval_target(eval_set[1], len(X_va))
            q_va = None
        else:
            tr, va = holdout_split(y01.astype(np.int64), 0.1, rng)
            # The holdout is scored with the training objective: soft targets carry no
            # sampling noise, so early stopping is far steadier than on 10% of hard labels.
            X_va, t_va, q_va = X.iloc[va], y01[va], None if q_t is None else q_t[va]
        X_tr, w_tr = X.iloc[tr], weight[tr]
        if w_tr.sum() <= 0:
            raise ValueError("sample_weight sums to zero on the training rows")
        w_tr = w_tr / w_tr.mean()

        feats = _build_features(X_tr, w_tr, int(self.n_bins), mono)
        self.axes_ = tuple(f.axis for f in feats)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.pair_positions_ = tuple(pair_pos)
        self._layout(feats)
        idx_tr = self._flat_index(X_tr)
        pairs = []
        for a, b in pair_pos:
            ia = self.axes_[a].index(X_tr[feats[a].name])
            ib = self.axes_[b].index(X_tr[feats[b].name])
            joint = np.zeros((self.axes_[a].size, self.axes_[b].size))
            np.add.at(joint, (ia, ib), w_tr)
            pairs.append((a, b, joint / joint.sum()))

        target_tr = y01[tr]
        if q_t is None:
            init = target_tr
        else:
            init = self.alpha * target_tr + (1 - self.alpha) * soft_target_arr[tr]
        rate = np.average(init, weights=w_tr)
        base = float(teacher_logit(np.array([rate]), eps=1e-6)[0])
        self.device_ = resolve_device(self.device)
        cuda = [torch.cuda.current_device()] if self.device_ == "cuda" else []
        threads = torch.get_num_threads()
        if self.device_ == "cpu":
            # A step's work is one batch plus the cell tables, whatever n is; at these sizes
            # thread start-up costs more than it gains (20k x 12: 2.2 s on 1 thread, 13 s on 2).
            torch.set_num_threads(1)
        try:
            with torch.random.fork_rng(devices=cuda):
                torch.manual_seed(seed)
                net = _NAMNet(
                    feats, pairs, tuple(int(h) for h in self.hidden_sizes), self.dropout, base
                ).to(self.device_)
                self._train(
                    net,
                    idx_tr,
                    target_tr,
                    None if q_t is None else q_t[tr],
                    w_tr,
                    self._flat_index(X_va),
                    t_va,
                    q_va,
                    seed,
                )
        finally:
            torch.set_num_threads(threads)
        net = net.to("cpu", torch.float64).eval()
        self.module_ = net
        self.module_state_ = {k: v.detach().clone() for k, v in net.state_dict().items()}
        self.shape_table_ = self._export(net, feats, mono)
        verify_monotone(self.shape_table_, mono)  # exact by construction; checked anyway
        log.info("NAMStudent trained on %s (best epoch %d)", self.device_, self.best_epoch_)
        return self

    def _encode_y(self, y: Any, n: int, soft_target: Any) -> np.ndarray:
        """Hard labels as 0/1 floats; sets ``classes_`` (the second class is "bad")."""
        if y is None:
            raise ValueError("requires y to be passed, but the target y is None")
        y_arr = column_or_1d(y, warn=True)
        if np.iscomplexobj(y_arr):
            raise ValueError("Complex data not supported")
        if len(y_arr) != n:
            raise ValueError(f"X has {n} rows but y has {len(y_arr)}")
        if soft_target is not None:
            uniq = np.unique(y_arr)
            if not set(uniq.tolist()) <= {0, 1}:
                raise ValueError(
                    f"y must be binary 0/1 (1 = bad) when soft_target is given; "
                    f"found values {uniq[:10].tolist()}"
                )
            self.classes_ = np.array([0, 1])
            return y_arr.astype(np.float64)
        kind = type_of_target(y_arr, input_name="y")
        if kind in ("multiclass", "multilabel-indicator", "multiclass-multioutput"):
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {kind}."
            )
        if kind != "binary":
            raise ValueError(f"Unknown label type: {kind}; NAMStudent needs a binary target")
        classes = np.unique(y_arr)
        if len(classes) < 2:
            raise ValueError(
                f"y has one class ({classes.tolist()}); a classifier needs both classes"
            )
        self.classes_ = classes
        return (y_arr == classes[1]).astype(np.float64)

    def _encode_eval_target(self, t: Any, n: int) -> np.ndarray:
        """Validation target as floats in [0, 1]: labels in ``classes_``, or probabilities."""
        t = column_or_1d(t)
        if len(t) == n and np.isin(t, self.classes_).all():
            return (t == self.classes_[1]).astype(np.float64)
        try:
            out = t.astype(np.float64)
        except (TypeError, ValueError):
            out = np.full(len(t), np.nan)
        if out.shape != (n,) or not np.all((out >= 0) & (out <= 1)):
            raise ValueError(
                f"eval_set target must be {n} labels in {self.classes_.tolist()} "
                "or probabilities in [0, 1]"
            )
        return out

    def _layout(self, feats: list[_Feature]) -> None:
        """Where every feature's and pair's cells sit in the module's flat table."""
        num = [i for i, f in enumerate(feats) if f.numeric]
        width = max([len(feats[i].reps) for i in num], default=1)
        base: dict[int, int] = {}
        for r, i in enumerate(num):
            base[i] = r * (width + 1)
        pos = len(num) * (width + 1)
        for i, f in enumerate(feats):
            if not f.numeric:
                base[i] = pos
                pos += f.axis.size
        pair_base = []
        for a, b in self.pair_positions_:
            pair_base.append(pos)
            pos += feats[a].axis.size * feats[b].axis.size
        self._width = width
        self._base = base
        self._pair_base = pair_base
        self._n_table = pos

    def _flat_index(self, X: pd.DataFrame) -> np.ndarray:
        """``(n, n_terms)`` positions in the module's flat table for every row and term."""
        cols = []
        cells = []
        for j, axis in enumerate(self.axes_):
            idx = axis.index(X[axis.feature])
            cells.append(idx)
            if axis.kind == "numeric":
                idx = np.where(idx == axis.missing_index, self._width, idx)
            cols.append(self._base[j] + idx)
        for (a, b), pb in zip(self.pair_positions_, self._pair_base, strict=True):
            cols.append(pb + cells[a] * self.axes_[b].size + cells[b])
        if not cols:
            return np.zeros((len(X), 0), dtype=np.int64)
        return np.column_stack(cols).astype(np.int64)

    def _train(
        self,
        net: _NAMNet,
        idx_tr: np.ndarray,
        y_tr: np.ndarray,
        q_tr: np.ndarray | None,
        w_tr: np.ndarray,
        idx_va: np.ndarray,
        t_va: np.ndarray,
        q_va: np.ndarray | None,
        seed: int,
    ) -> None:
        dev = self.device_
        xi = torch.as_tensor(idx_tr, device=dev)
        y = torch.as_tensor(y_tr, dtype=torch.float32, device=dev)
        q = None if q_tr is None else torch.as_tensor(q_tr, dtype=torch.float32, device=dev)
        w = torch.as_tensor(w_tr, dtype=torch.float32, device=dev)
        vi = torch.as_tensor(idx_va, device=dev)
        tv = torch.as_tensor(t_va, dtype=torch.float32, device=dev)
        qv = None if q_va is None else torch.as_tensor(q_va, dtype=torch.float32, device=dev)
        optim = torch.optim.AdamW(
            net.parameters(), lr=float(self.learning_rate), weight_decay=float(self.weight_decay)
        )
        alpha, T = float(self.alpha), float(self.temperature)
        pen, fdrop = float(self.output_penalty), float(self.feature_dropout)
        shuffle = torch.Generator().manual_seed(seed)
        n, bs = len(y), int(self.batch_size)
        best_loss, best_state, best_epoch, stale = np.inf, None, 0, 0
        self.history_: list[dict[str, float | int]] = []
        for epoch in range(1, int(self.max_epochs) + 1):
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
            self.history_.append(
                {"epoch": epoch, "train_loss": train_loss, "valid_loss": valid_loss}
            )
            log.debug("epoch %d: train %.5f valid %.5f", epoch, train_loss, valid_loss)
            if valid_loss < best_loss - 1e-7:
                best_loss, best_epoch, stale = valid_loss, epoch, 0
                best_state = copy.deepcopy(net.state_dict())
            else:
                stale += 1
                if stale >= int(self.patience):
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        self.best_epoch_ = best_epoch

    # -- export ---------------------------------------------------------------------------
    def _export(self, net: _NAMNet, feats: list[_Feature], mono: dict[str, int]) -> ShapeTable:
        """Evaluate the float64 module on every cell once and cut its table into terms."""
        with torch.inference_mode():
            intercept, table = net.tables()
        flat = table.numpy().astype(np.float64)
        terms: list[Term] = []
        for j, f in enumerate(feats):
            start = self._base[j]
            if f.numeric:
                B = len(f.reps)
                values = np.concatenate([flat[start : start + B], flat[start + self._width :][:1]])
            else:
                values = flat[start : start + f.axis.size]
            terms.append(Term(f.name, (f.axis,), values.copy()))
        for (a, b), pb in zip(self.pair_positions_, self._pair_base, strict=True):
            shape = (feats[a].axis.size, feats[b].axis.size)
            values = flat[pb : pb + shape[0] * shape[1]].reshape(shape).copy()
            name = f"{feats[a].name} x {feats[b].name}"
            terms.append(Term(name, (feats[a].axis, feats[b].axis), values))
        meta = {
            "student": "nam",
            "device": self.device_,
            "best_epoch": int(self.best_epoch_),
            "hidden_sizes": [int(h) for h in self.hidden_sizes],
            "alpha": float(self.alpha),
            "temperature": float(self.temperature),
            "monotone": {k: int(v) for k, v in mono.items() if v},
        }
        return ShapeTable(
            float(intercept.detach()), tuple(terms), tuple(f.name for f in feats), meta
        )

    # -- predicting -----------------------------------------------------------------------
    def _frame(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "shape_table_")
        return _check_X(X, columns=list(self.feature_names_in_))

    def trainer_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds from the Torch module's forward pass (float64, CPU), for checking the table."""
        X = self._frame(X)
        with torch.inference_mode():
            z, _ = self.module_(torch.as_tensor(self._flat_index(X)))
        return z.numpy().astype(np.float64)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class, from the shape table (NumPy only)."""
        X = self._frame(X)
        return self.shape_table_.predict_logit(X)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        z = self.decision_function(X)
        return self.classes_[(z > 0).astype(int)]

    def explain(self) -> ShapeTable:
        """The exported model: the shape table."""
        check_is_fitted(self, "shape_table_")
        return self.shape_table_
