"""Route rows through XGBoost JSON trees exactly as XGBoost does, categorical splits included.

The table exports (:mod:`risk_models.students.boosting`, :mod:`risk_models.students._ga2m_tables`)
evaluate a booster's trees on small grids of representative values. XGBoost's rules:

* a missing value (NaN) takes the node's default branch;
* a numeric split sends ``x < threshold`` (compared in float32) left;
* a categorical split (``split_type == 1``) holds the set of category codes that go right;
  every other code, a code never seen in training included, goes left.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["route_leaf_values", "split_features"]


def _category_sets(tree: dict[str, Any]) -> dict[int, np.ndarray]:
    """Node index -> the sorted category codes that go right at that categorical split."""
    cats = tree.get("categories", [])
    out: dict[int, np.ndarray] = {}
    for node, seg, size in zip(
        tree.get("categories_nodes", []),
        tree.get("categories_segments", []),
        tree.get("categories_sizes", []),
        strict=True,
    ):
        out[int(node)] = np.asarray(cats[int(seg) : int(seg) + int(size)], dtype=np.float64)
    return out


def route_leaf_values(tree: dict[str, Any], grid: np.ndarray) -> np.ndarray:
    """Leaf value (float32 as float64) of one tree for every row of ``grid`` (design columns)."""
    left = np.asarray(tree["left_children"], dtype=np.int64)
    right = np.asarray(tree["right_children"], dtype=np.int64)
    split = np.asarray(tree["split_indices"], dtype=np.int64)
    cond = np.asarray(tree["split_conditions"], dtype=np.float32)
    default_left = np.asarray(tree["default_left"], dtype=bool)
    split_type = np.asarray(tree.get("split_type", [0] * len(left)), dtype=np.int64)
    cat_sets = _category_sets(tree)
    node = np.zeros(len(grid), dtype=np.int64)
    while True:
        inner = np.flatnonzero(left[node] != -1)
        if inner.size == 0:
            return cond[node].astype(np.float64)
        n = node[inner]
        v = grid[inner, split[n]].astype(np.float32)
        go_left = np.where(np.isnan(v), default_left[n], v < cond[n])
        is_cat = (split_type[n] == 1) & ~np.isnan(v)
        for cat_node in np.unique(n[is_cat]):
            rows = np.flatnonzero(is_cat & (n == cat_node))
            go_left[rows] = ~np.isin(v[rows].astype(np.float64), cat_sets[int(cat_node)])
        node[inner] = np.where(go_left, left[n], right[n])


def split_features(tree: dict[str, Any]) -> set[int]:
    """Design-column indices the tree splits on (empty for a single-leaf tree)."""
    left = tree["left_children"]
    return {int(tree["split_indices"][i]) for i, c in enumerate(left) if c != -1}
