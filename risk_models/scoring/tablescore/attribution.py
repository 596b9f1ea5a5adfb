"""Points lost per feature and the top-k reasons of a compiled shape table.

The formulas are those documented in :mod:`risk_models.students.reasons` (a one-axis term's
points lost are its contribution minus the reference's; a pair is split between its two
features by the two-player Shapley value), computed from the axis indices the score already
built, in blocks of rows, features-major (one vector per feature).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .table import CompiledTable, Prepared


@dataclass(frozen=True, eq=False)
class Reference:
    """What points lost are counted from: per term its reference value ``v0`` and, for a pair,
    the table with the other feature held at its reference (``ga``, ``gb``)."""

    kind: str
    v0: tuple[float, ...]
    ga: tuple[np.ndarray | None, ...]
    gb: tuple[np.ndarray | None, ...]
    score: float


def best_cell(axes: Sequence[Any], g: np.ndarray, counts: Any) -> tuple[int, ...]:
    """Index of the term's lowest cell: supported cells if counts are known, never unknown."""
    eligible = np.ones(g.shape, dtype=bool)
    for d, a in enumerate(axes):
        if a.kind == "categorical":
            sl: list[Any] = [slice(None)] * g.ndim
            sl[d] = a.unknown_index
            eligible[tuple(sl)] = False
    if counts is not None:
        supported = eligible & (np.asarray(counts, dtype=np.float64).reshape(g.shape) > 0)
        if supported.any():
            eligible = supported
    masked = np.where(eligible, g, np.inf)
    return tuple(int(i) for i in np.unravel_index(int(np.argmin(masked)), g.shape))


def best_reference(table: CompiledTable) -> Reference:
    """Every term's lowest-risk cell (among cells with training support when known)."""
    counts = table.metadata.get("cell_counts") or {}
    v0, ga, gb = [], [], []
    score = table.intercept
    for t in table.terms:
        g = t.flat.reshape(t.shape)
        term_counts = counts.get(t.name)
        if term_counts is not None and np.size(term_counts) != g.size:
            raise ValueError(
                f"metadata cell_counts[{t.name!r}] has {np.size(term_counts)} cells; "
                f"the term has {g.size} (shape {g.shape})"
            )
        best = best_cell([table.axes[p] for p in t.axes], g, term_counts)
        v = float(g[best])
        v0.append(v)
        score += v
        if len(t.axes) == 2:
            ga.append(g[:, best[1]])
            gb.append(g[best[0], :])
        else:
            ga.append(None)
            gb.append(None)
    return Reference("best", tuple(v0), tuple(ga), tuple(gb), score)


def mean_reference(table: CompiledTable, prep: Prepared, weights: np.ndarray) -> Reference:
    """The weighted mean over a reference frame (``prep``), term by term."""
    v0, ga, gb = [], [], []
    score = table.intercept
    for t in table.terms:
        g = t.flat.reshape(t.shape)
        fidx = tuple(prep.index[p] for p in t.axes)
        v = float(np.dot(weights, g[fidx]))
        v0.append(v)
        score += v
        if len(t.axes) == 2:
            pa = np.bincount(fidx[0], weights=weights, minlength=g.shape[0])
            pb = np.bincount(fidx[1], weights=weights, minlength=g.shape[1])
            ga.append(g @ pb)
            gb.append(pa @ g)
        else:
            ga.append(None)
            gb.append(None)
    return Reference("mean", tuple(v0), tuple(ga), tuple(gb), score)


def label_axes(table: CompiledTable) -> dict[str, int]:
    """Feature -> the axis whose bins label it: its own one-axis term, else its first pair."""
    cached = getattr(table, "_label_axes", None)
    if cached is not None:
        return cached
    out: dict[str, int] = {}
    for t in table.terms:
        if len(t.axes) == 1:
            out.setdefault(table.axes[t.axes[0]].feature, t.axes[0])
    for t in table.terms:
        for p in t.axes:
            out.setdefault(table.axes[p].feature, p)
    result = {f: out[f] for f in table.features if f in out}
    table._label_axes = result  # type: ignore[attr-defined]
    return result


def points_lost(table: CompiledTable, idx: Sequence[np.ndarray], ref: Reference) -> np.ndarray:
    """Points lost ``(n_features, rows)`` of a block (``idx``: its axis indices).

    In log-odds, or scorecard points when the metadata holds ``points_factor``.
    """
    col = {f: j for j, f in enumerate(table.features)}
    m = len(idx[0]) if len(idx) else 0
    pts = np.zeros((len(table.features), m))
    for t, v0, ga, gb in zip(table.terms, ref.v0, ref.ga, ref.gb, strict=True):
        contrib = t.gather(idx)
        if len(t.axes) == 1:
            pts[col[table.axes[t.axes[0]].feature]] += contrib - v0
        elif len(t.axes) == 2:
            assert ga is not None and gb is not None
            va, vb = ga[idx[t.axes[0]]], gb[idx[t.axes[1]]]
            pts[col[table.axes[t.axes[0]].feature]] += 0.5 * ((va - v0) + (contrib - vb))
            pts[col[table.axes[t.axes[1]].feature]] += 0.5 * ((vb - v0) + (contrib - va))
        else:
            raise ValueError(f"term {t.name!r} has {len(t.axes)} axes; reason codes handle 1 or 2")
    factor = table.metadata.get("points_factor")
    if factor is not None:
        pts *= float(factor)
    return pts


def top_k(pts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest points lost per row (column of ``pts``), first maximum on ties.

    Returns ``order`` (feature position, ``(k, rows)``) and ``top`` (points lost); a rank is a
    reason only where ``top > 0``. Each rank is the column maximum, then the first feature
    holding it (what ``argmax`` picks), then that cell is struck out for the next rank.
    """
    n_feat, m = pts.shape
    kk = min(k, n_feat)
    order = np.zeros((kk, m), dtype=np.intp)
    top = np.empty((kk, m))
    if m == 0 or kk == 0:
        return order, top
    work = pts.copy()
    flat = work.reshape(-1)
    cols = np.arange(m, dtype=np.intp)
    eq = np.empty(m, dtype=bool)
    for r in range(kk):
        best = np.max(work, axis=0)
        arg = order[r]
        arg.fill(n_feat - 1)
        for j in range(n_feat - 2, -1, -1):
            np.equal(work[j], best, out=eq)
            np.copyto(arg, j, where=eq)
        top[r] = best
        if r + 1 < kk:
            flat[arg * m + cols] = -np.inf
    return order, top


def label_index(table: CompiledTable, idx: Sequence[np.ndarray]) -> np.ndarray:
    """``(n_features, rows)`` bin of every feature on its label axis, for a block (0 if none)."""
    axes = label_axes(table)
    m = len(idx[0]) if len(idx) else 0
    out = np.zeros((len(table.features), m), dtype=np.intp)
    for j, f in enumerate(table.features):
        if f in axes:
            out[j] = idx[axes[f]]
    return out
