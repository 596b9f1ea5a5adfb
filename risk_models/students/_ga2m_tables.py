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
from risk_models.students._tree_routing import route_leaf_values
from risk_models.students.design import AdditiveDesign
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
    idx = [design.features.index(feature)]
    if feature in design.categorical:
        levels = design.categorical[feature]
        block = design.category_grid(feature)[:, None]  # levels, missing, unknown (pooled)
        pooled = design.pooled_levels.get(feature, ())  # rare training levels: known
        return Axis(feature, "categorical", levels=levels, pooled_levels=pooled), idx, block
    edges = sorted(thresholds.get(idx[0], set()))
    below = float(np.nextafter(np.float32(edges[0]), np.float32(-np.inf))) if edges else 0.0
    reps = np.asarray([below, *edges, np.nan], dtype=np.float32)[:, None]
    return Axis(feature, "numeric", edges=tuple(edges)), idx, reps


def export_pair_term(booster: Any, design: AdditiveDesign, name: str) -> Term:
    """A booster over one pair's design columns as an exact 2-D :class:`Term`.

    Numeric axes take the union of the pair trees' thresholds on that feature as edges;
    categorical axes take the levels, then missing, then unknown (the pooled bin's code).
    """
    trees = booster_json(booster)["learner"]["gradient_booster"]["model"]["trees"]
    thresholds: dict[int, set[float]] = {}
    for tree in trees:
        for node, child in enumerate(tree["left_children"]):
            if child != -1 and tree.get("split_type", [0] * (node + 1))[node] == 0:
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
        values += route_leaf_values(tree, grid)
    return Term(name, (ax_a, ax_b), values.reshape(na, nb))
