"""Pair tables of :class:`~risk_models.students.ga2m.GA2MStudent`: export and range clipping.

:func:`export_pair_term` evaluates a pair booster on the grid of its own split thresholds, an
exact 2-D :class:`~risk_models.students.shape_table.Term`; :func:`clip_pair_term` cuts its
numeric axes to the training range (XGBoost's missing-vs-present split sits above the largest
value), and :func:`clip_to_ranges` clips the boosters' inputs alike, so table and boosters
agree beyond the range too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from risk_models.data.inputs import is_categorical
from risk_models.students.design import MISSING_LEVEL, AdditiveDesign
from risk_models.students.shape_table import Axis, Term
from risk_models.xgb_utils import booster_json

__all__ = ["clip_pair_term", "clip_to_ranges", "export_pair_term", "observed_ranges"]


def observed_ranges(X: pd.DataFrame, features: set[str]) -> dict[str, tuple[float, float]]:
    """Numeric feature -> ``(min, max)`` of its non-missing training values (others left out)."""
    out: dict[str, tuple[float, float]] = {}
    for f in X.columns:
        if f not in features or is_categorical(X[f]):
            continue
        x = pd.to_numeric(X[f], errors="coerce").to_numpy(dtype=np.float64)
        x = x[~np.isnan(x)]
        if x.size:
            out[f] = (float(x.min()), float(x.max()))
    return out


def clip_to_ranges(X: pd.DataFrame, ranges: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """``X`` with each ranged column clipped to its ``(min, max)``; missing stays missing."""
    if not ranges:
        return X
    out = X.copy()
    for f, (lo, hi) in ranges.items():
        out[f] = np.clip(pd.to_numeric(out[f], errors="coerce").to_numpy(np.float64), lo, hi)
    return out


def clip_pair_term(term: Term, X: pd.DataFrame) -> Term:
    """``term`` with every numeric axis cut to the cells the training rows ``X`` occupy.

    Edges below the first occupied cell or above the last are dropped and the cells beyond
    them merged into their occupied neighbour (whose value they take); the missing cell is
    kept. Rows inside the training range score as before.
    """
    axes, values = list(term.axes), term.values
    for k, axis in enumerate(term.axes):
        if axis.kind != "numeric" or not axis.edges:
            continue
        idx = axis.index(X[axis.feature])
        cells = idx[idx != axis.missing_index]
        if cells.size == 0:
            continue
        lo, hi = int(cells.min()), int(cells.max())
        if lo == 0 and hi == len(axis.edges):
            continue
        keep = [*range(lo, hi + 1), axis.missing_index]
        values = np.take(values, keep, axis=k)
        axes[k] = Axis(axis.feature, "numeric", edges=tuple(axis.edges[lo:hi]))
    return Term(term.name, tuple(axes), values)


def _feature_block(
    design: AdditiveDesign, feature: str, thresholds: dict[int, set[float]]
) -> tuple[Axis, list[int], np.ndarray]:
    """The axis of one pair feature, its design columns, and a representative row per cell."""
    idx = [i for i, c in enumerate(design.columns) if c.feature == feature]
    if feature in design.categorical:
        levels = design.categorical[feature]
        level_col = {design.columns[i].level: k for k, i in enumerate(idx)}
        block = np.zeros((len(levels) + 2, len(idx)), dtype=np.float32)
        for row, lv in enumerate(levels):
            block[row, level_col[lv]] = 1.0
        if MISSING_LEVEL in level_col:  # the missing row; the unknown row stays all zero
            block[len(levels), level_col[MISSING_LEVEL]] = 1.0
        return Axis(feature, "categorical", levels=levels), idx, block
    edges = sorted(thresholds.get(idx[0], set()))
    below = float(np.nextafter(np.float32(edges[0]), np.float32(-np.inf))) if edges else 0.0
    reps = np.asarray([below, *edges, np.nan], dtype=np.float32)[:, None]
    return Axis(feature, "numeric", edges=tuple(edges)), idx, reps


def _route(tree: dict[str, Any], grid: np.ndarray) -> np.ndarray:
    """Leaf value (float32 as float64) of one tree for every row of ``grid``.

    XGBoost's rule: NaN takes the default branch, else ``x < threshold`` (float32) goes left.
    """
    left = np.asarray(tree["left_children"], dtype=np.int64)
    right = np.asarray(tree["right_children"], dtype=np.int64)
    split = np.asarray(tree["split_indices"], dtype=np.int64)
    cond = np.asarray(tree["split_conditions"], dtype=np.float32)
    default_left = np.asarray(tree["default_left"], dtype=bool)
    node = np.zeros(len(grid), dtype=np.int64)
    while True:
        inner = np.flatnonzero(left[node] != -1)
        if inner.size == 0:
            return cond[node].astype(np.float64)
        n = node[inner]
        v = grid[inner, split[n]]
        go_left = np.where(np.isnan(v), default_left[n], v < cond[n])
        node[inner] = np.where(go_left, left[n], right[n])


def export_pair_term(booster: Any, design: AdditiveDesign, name: str) -> Term:
    """A booster over one pair's design columns as an exact 2-D :class:`Term`.

    Numeric axes take the union of the pair trees' thresholds on that feature as edges;
    categorical axes take the levels, then missing, then unknown (all dummies zero).
    """
    trees = booster_json(booster)["learner"]["gradient_booster"]["model"]["trees"]
    thresholds: dict[int, set[float]] = {}
    for tree in trees:
        if any(t != 0 for t in tree.get("split_type", [])):
            raise ValueError("categorical splits are not expected in a one-hot design")
        for node, child in enumerate(tree["left_children"]):
            if child != -1:
                value = float(np.float32(tree["split_conditions"][node]))
                thresholds.setdefault(int(tree["split_indices"][node]), set()).add(value)
    (ax_a, idx_a, rep_a), (ax_b, idx_b, rep_b) = (
        _feature_block(design, f, thresholds) for f in design.features
    )
    na, nb = len(rep_a), len(rep_b)
    grid = np.full((na * nb, len(design.columns)), np.nan, dtype=np.float32)
    grid[:, idx_a] = np.repeat(rep_a, nb, axis=0)
    grid[:, idx_b] = np.tile(rep_b, (na, 1))
    values = np.zeros(na * nb, dtype=np.float64)
    for tree in trees:
        values += _route(tree, grid)
    return Term(name, (ax_a, ax_b), values.reshape(na, nb))
