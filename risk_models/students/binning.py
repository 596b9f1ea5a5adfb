"""Coarse, supervised binning for scorecards: a few bins per feature, each a table cell range.

A feature's bins are described by a :class:`FeatureBins`: the :class:`Axis` that a
:class:`ShapeTable` uses for the feature, plus ``cell_bin``, the bin (coefficient) that each
axis cell takes. Training rows are binned through the very same ``Axis.index``, so a trainer
and its exported table agree by construction.

* Numeric features: a regression tree on the single feature (``max_leaf_nodes`` bins,
  ``min_samples_leaf`` rows, ``monotonic_cst`` when a direction is declared) against a
  supervising target (the teacher's log-odds when distilling). Its thresholds become edges
  chosen as the "roundest" float32 number between the neighbouring training values, so
  labels read ``< 50000`` rather than ``< 47500.5``. Missing values get their own bin when
  they are at least ``min_rows`` rows, else they share the bin whose target mean is closest;
  when training had no missing values, scoring sends them to the most populated bin.
* Categorical features: levels rarer than ``rare_level_rows(min_rows)`` (a quarter of
  ``min_rows``, at least ``MIN_LEVEL_ROWS``) are pooled, the remaining units are sorted by
  target mean and a tree on that rank groups them (contiguous runs of at least ``min_rows``
  rows). A level may thus be smaller than a bin: it joins the levels of similar risk rather
  than the pool of rare levels, whatever its risk. Missing is
  handled as for numerics; an unseen level at scoring time goes to the most populated group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeRegressor

from risk_models.students.shape_table import Axis, to_level_strings

__all__ = [
    "MIN_LEVEL_ROWS",
    "FeatureBins",
    "LevelCodes",
    "bin_categorical",
    "bin_numeric",
    "rare_level_rows",
    "round_edge",
]

#: Fewest training rows for a categorical level to be ranked on its own.
MIN_LEVEL_ROWS = 20


def rare_level_rows(min_rows: int) -> int:
    """Rows below which a categorical level is pooled: ``max(MIN_LEVEL_ROWS, min_rows // 4)``,
    never above ``min_rows``."""
    return min(int(min_rows), max(MIN_LEVEL_ROWS, int(min_rows) // 4))


@dataclass(frozen=True)
class FeatureBins:
    """Bins of one feature.

    Attributes
    ----------
    axis : the table axis (numeric edges or categorical levels, plus missing/unknown cells).
    cell_bin : for every axis cell, the index of the bin it belongs to.
    labels : one readable label per bin.
    missing_anchor : numeric only; when missing values share an interval, a value inside it
        (kept so the sharing survives merges of intervals).
    missing_own : whether missing values form a bin of their own (the last bin).
    """

    axis: Axis
    cell_bin: tuple[int, ...]
    labels: tuple[str, ...]
    missing_anchor: float | None = None
    missing_own: bool = False

    @property
    def feature(self) -> str:
        return self.axis.feature

    @property
    def n_bins(self) -> int:
        return len(self.labels)

    def bin_index(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Bin index (int64) of every raw value."""
        return np.asarray(self.cell_bin, dtype=np.int64)[self.axis.index(values)]

    def n_intervals(self) -> int:
        """Numeric only: the number of non-missing intervals."""
        return len(self.axis.edges) + 1


def round_edge(low: float, high: float) -> float:
    """The roundest float32 number ``e`` with ``low < e <= high`` (both float32 values).

    Every float32 value ``<= low`` then lies below the edge and every value ``>= high`` on or
    above it, under the table's float32 ``x >= edge`` rule.
    """
    lo32, hi32 = np.float32(low), np.float32(high)
    if not lo32 < hi32:
        raise ValueError(f"round_edge needs low < high, got {low} and {high}")
    lo, hi = float(lo32), float(hi32)
    span = hi - lo
    k = math.floor(math.log10(max(abs(lo), abs(hi), span))) + 1
    for _ in range(40):
        step = 10.0**k
        cand = (math.floor(lo / step) + 1) * step
        c32 = np.float32(cand)
        if lo32 < c32 <= hi32:
            return float(c32)
        k -= 1
    return float(np.nextafter(lo32, np.float32(np.inf)))


def _weighted_means(bins: np.ndarray, target: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    tot = np.bincount(bins, weights=w, minlength=n)
    s = np.bincount(bins, weights=w * target, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return s / tot


def _tree_thresholds(
    x: np.ndarray,
    target: np.ndarray,
    w: np.ndarray,
    *,
    leaves: int,
    min_rows: int,
    direction: int,
    random_state: int,
) -> list[float]:
    """Sorted thresholds (``x <= t`` goes left) of a best-first regression tree on one column."""
    if leaves < 2 or len(x) < 2 * min_rows or np.unique(x).size < 2:
        return []
    tree = DecisionTreeRegressor(
        max_leaf_nodes=leaves,
        min_samples_leaf=min_rows,
        monotonic_cst=[direction] if direction else None,
        random_state=random_state,
    )
    tree.fit(x.reshape(-1, 1), target, sample_weight=w)
    t = tree.tree_
    return sorted(float(v) for v, f in zip(t.threshold, t.feature, strict=True) if f >= 0)


def _pav_merge(edges: list[float], means_fn, direction: int) -> list[float]:
    """Drop edges until the interval means are monotone in ``direction`` (adjacent pooling)."""
    while edges:
        means = means_fn(edges)
        diffs = np.diff(means) * direction
        bad = np.flatnonzero(~(diffs >= 0))
        if bad.size == 0:
            break
        # remove the edge with the worst violation first (NaN counts as worst: empty bin)
        worst = bad[np.argmin(np.nan_to_num(diffs[bad], nan=-np.inf))]
        edges = edges[: int(worst)] + edges[int(worst) + 1 :]
    return edges


def numeric_bins(
    feature: str, edges: Sequence[float], *, missing_own: bool, missing_anchor: float
) -> FeatureBins:
    """Assemble :class:`FeatureBins` of a numeric feature from its edges and missing rule.

    Missing values form their own (last) bin with ``missing_own``, else they share the
    interval that contains ``missing_anchor``.
    """
    axis = Axis(feature, "numeric", edges=tuple(float(e) for e in edges))
    k = len(axis.edges) + 1
    miss = k if missing_own else int(axis.index(np.array([missing_anchor]))[0])
    labels = axis.labels()[:k]
    if missing_own:
        labels.append("missing")
    return FeatureBins(
        axis, (*range(k), miss), tuple(labels), missing_anchor, missing_own=missing_own
    )


def bin_numeric(
    feature: str,
    values: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    *,
    max_bins: int,
    min_rows: int,
    direction: int = 0,
    random_state: int = 0,
) -> FeatureBins:
    """Coarse bins of one numeric column supervised by ``target`` (see module docstring)."""
    x = np.asarray(values, dtype=np.float64)
    miss = np.isnan(x)
    n_miss = int(miss.sum())
    own = n_miss >= min_rows and n_miss < len(x)
    x32 = x[~miss].astype(np.float32)
    thr = _tree_thresholds(
        x32.astype(np.float64),
        target[~miss],
        weight[~miss],
        leaves=max_bins - 1 if own else max_bins,
        min_rows=min_rows,
        direction=direction,
        random_state=random_state,
    )
    uniq = np.unique(x32).astype(np.float64)
    edges: list[float] = []
    for t in thr:
        pos = int(np.searchsorted(uniq, t, side="right"))
        if 0 < pos < uniq.size:
            e = round_edge(float(uniq[pos - 1]), float(uniq[pos]))
            if not edges or e > edges[-1]:
                edges.append(e)

    def means(ed: list[float]) -> np.ndarray:
        idx = Axis(feature, "numeric", edges=tuple(ed)).index(x[~miss])
        return _weighted_means(idx, target[~miss], weight[~miss], len(ed) + 1)

    if direction:
        edges = _pav_merge(edges, means, direction)
    counts = np.bincount(
        Axis(feature, "numeric", edges=tuple(edges)).index(x[~miss]), minlength=len(edges) + 1
    )
    k = int(np.argmax(counts))  # no missing in training: score them as the largest interval
    if 0 < n_miss < len(x) and not own:  # too few missing: the interval closest in mean
        miss_mean = float(np.average(target[miss], weights=_safe_w(weight[miss])))
        k = int(np.nanargmin(np.abs(means(edges) - miss_mean)))
    # a value inside interval k; the shared missing bin follows it through later merges
    anchor = float(edges[k - 1]) if k > 0 else -math.inf
    return numeric_bins(feature, edges, missing_own=own, missing_anchor=anchor)


def _safe_w(w: np.ndarray) -> np.ndarray:
    return w if w.sum() > 0 else np.ones_like(w)


@dataclass(frozen=True)
class LevelCodes:
    """One categorical column's levels and every row's axis index: the part of
    :func:`bin_categorical` that depends on the values alone, computed once per column when a
    column is binned several times (backfitting rounds, the scorecard's bins path)."""

    axis: Axis
    codes: np.ndarray  # axis index of every row (level index, or axis.missing_index)
    miss: np.ndarray  # rows without a level

    @classmethod
    def of(cls, feature: str, values: pd.Series | np.ndarray) -> LevelCodes:
        s = to_level_strings(pd.Series(values).reset_index(drop=True))
        miss = s.isna().to_numpy()
        axis = Axis(feature, "categorical", levels=tuple(sorted(s[~miss].unique().tolist())))
        return cls(axis, axis.index(s), miss)

    def bin_index(self, bins: FeatureBins) -> np.ndarray:
        """``bins.bin_index`` of the column these codes came from (``bins`` on this axis)."""
        if bins.axis is not self.axis and bins.axis != self.axis:
            raise ValueError(f"bins of {bins.axis.feature!r} are not on these level codes")
        return np.asarray(np.asarray(bins.cell_bin, dtype=np.int64)[self.codes], dtype=np.int64)


def bin_categorical(
    feature: str,
    values: pd.Series | None,
    target: np.ndarray,
    weight: np.ndarray,
    *,
    max_bins: int,
    min_rows: int,
    random_state: int = 0,
    coded: LevelCodes | None = None,
) -> FeatureBins:
    """Group the levels of one categorical column (see module docstring); ``coded``: the
    column's :class:`LevelCodes` when already computed (then ``values`` is not read)."""
    if coded is None:
        if values is None:
            raise ValueError(f"bin_categorical({feature!r}) needs values or their level codes")
        coded = LevelCodes.of(feature, values)
    axis, codes, miss = coded.axis, coded.codes, coded.miss
    levels = axis.levels
    n_lv = len(levels)
    counts = np.bincount(codes[~miss], minlength=n_lv)
    rare = counts < rare_level_rows(min_rows)
    # units: each common level alone, all rare levels pooled into one unit
    unit_of_level = np.empty(n_lv, dtype=np.int64)
    common = np.flatnonzero(~rare)
    unit_of_level[common] = np.arange(common.size)
    n_units = common.size + int(rare.any())
    unit_of_level[rare] = common.size
    unit_rows = unit_of_level[codes[~miss]]
    unit_mean = _weighted_means(unit_rows, target[~miss], weight[~miss], n_units)
    order = np.argsort(unit_mean, kind="stable")
    rank_of_unit = np.empty(n_units, dtype=np.int64)
    rank_of_unit[order] = np.arange(n_units)
    n_miss = int(miss.sum())
    own = n_miss >= min_rows and n_miss < len(codes)
    group_of_rank = np.zeros(n_units, dtype=np.int64)
    if n_units > 1:
        ranks = rank_of_unit[unit_rows].astype(np.float64)
        thr = _tree_thresholds(
            ranks,
            target[~miss],
            weight[~miss],
            leaves=max_bins - 1 if own else max_bins,
            min_rows=min_rows,
            direction=0,
            random_state=random_state,
        )
        group_of_rank = np.searchsorted(np.asarray(thr), np.arange(n_units), side="left")
    group_of_level = group_of_rank[rank_of_unit[unit_of_level]] if n_lv else np.zeros(0, int)
    n_groups = int(group_of_level.max()) + 1 if n_lv else 0
    labels = [
        ", ".join(levels[i] for i in np.flatnonzero(group_of_level == g)) for g in range(n_groups)
    ]
    g_counts = np.bincount(group_of_level, weights=counts, minlength=n_groups)
    largest = int(np.argmax(g_counts)) if n_groups else 0
    if own or n_groups == 0:
        miss_bin = n_groups
        labels.append("missing")
        own = True
    elif n_miss:
        g_means = _weighted_means(
            group_of_level[codes[~miss]], target[~miss], weight[~miss], n_groups
        )
        miss_mean = float(np.average(target[miss], weights=_safe_w(weight[miss])))
        miss_bin = int(np.nanargmin(np.abs(g_means - miss_mean)))
    else:
        miss_bin = largest
    cell_bin = (*(int(g) for g in group_of_level), miss_bin, largest if n_groups else miss_bin)
    return FeatureBins(axis, cell_bin, tuple(labels), None, missing_own=own)
