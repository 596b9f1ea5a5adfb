"""Cell layout of the NAM student: feature axes, cell encodings and the module's flat table.

Every feature gets one :class:`Axis` at fit (quantile edges for numerics, levels for
categoricals), with the training weight share of each cell and the cells forced to 0. A row
reaches the network only as its cell indices, laid out in one flat table: the numeric
features' cells as an ``(n_numeric, C + 1)`` block (``C`` ordered bins padded to the widest
feature, then the missing bin), every categorical feature's cells, then every pair's grid.
Input frames are checked once on the way in (:func:`risk_models.data.inputs.check_frame`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk_models.data.inputs import is_categorical
from risk_models.students.shape_table import Axis, Term, to_level_strings


@dataclass
class Feature:
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


def build_features(
    X: pd.DataFrame, w: np.ndarray, n_bins: int, monotone: dict[str, int]
) -> list[Feature]:
    """One :class:`Feature` per column of ``X``, with frequencies weighted by ``w``."""
    feats: list[Feature] = []
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
        feats.append(Feature(name, axis, freq, neutral, reps, int(monotone.get(name, 0))))
    return feats


def layout_cells(
    feats: list[Feature], pair_positions: tuple[tuple[int, int], ...]
) -> tuple[int, dict[int, int], list[int], int]:
    """Where every feature's and pair's cells sit in the module's flat table.

    Returns ``(width, base, pair_base, size)``: the padded number of ordered numeric bins, the
    first position of every feature (by feature position), of every pair, and the table size.
    """
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
    for a, b in pair_positions:
        pair_base.append(pos)
        pos += feats[a].axis.size * feats[b].axis.size
    return width, base, pair_base, pos


def index_cells(
    X: pd.DataFrame,
    axes: tuple[Axis, ...],
    pair_positions: tuple[tuple[int, int], ...],
    width: int,
    base: dict[int, int],
    pair_base: list[int],
) -> np.ndarray:
    """``(n, n_terms)`` positions in the module's flat table for every row and term."""
    cols = []
    cells = []
    for j, axis in enumerate(axes):
        idx = axis.index(X[axis.feature])
        cells.append(idx)
        if axis.kind == "numeric":
            idx = np.where(idx == axis.missing_index, width, idx)
        cols.append(base[j] + idx)
    for (a, b), pb in zip(pair_positions, pair_base, strict=True):
        cols.append(pb + cells[a] * axes[b].size + cells[b])
    if not cols:
        return np.zeros((len(X), 0), dtype=np.int64)
    return np.column_stack(cols).astype(np.int64)


def pair_frequencies(
    X: pd.DataFrame,
    feats: list[Feature],
    pair_positions: list[tuple[int, int]],
    w: np.ndarray,
) -> list[tuple[int, int, np.ndarray]]:
    """``(a, b, joint)`` per pair: the training weight share of every cell of its grid."""
    pairs = []
    for a, b in pair_positions:
        ia = feats[a].axis.index(X[feats[a].name])
        ib = feats[b].axis.index(X[feats[b].name])
        joint = np.zeros((feats[a].axis.size, feats[b].axis.size))
        np.add.at(joint, (ia, ib), w)
        pairs.append((a, b, joint / joint.sum()))
    return pairs


def cut_terms(
    flat: np.ndarray,
    feats: list[Feature],
    pair_positions: tuple[tuple[int, int], ...],
    width: int,
    base: dict[int, int],
    pair_base: list[int],
) -> list[Term]:
    """Cut the module's flat table of cell values into one term per feature and pair."""
    terms: list[Term] = []
    for j, f in enumerate(feats):
        start = base[j]
        if f.numeric:
            B = len(f.reps)
            values = np.concatenate([flat[start : start + B], flat[start + width :][:1]])
        else:
            values = flat[start : start + f.axis.size]
        terms.append(Term(f.name, (f.axis,), values.copy()))
    for (a, b), pb in zip(pair_positions, pair_base, strict=True):
        shape = (feats[a].axis.size, feats[b].axis.size)
        values = flat[pb : pb + shape[0] * shape[1]].reshape(shape).copy()
        name = f"{feats[a].name} x {feats[b].name}"
        terms.append(Term(name, (feats[a].axis, feats[b].axis), values))
    return terms
