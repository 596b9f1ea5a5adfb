"""A shape table compiled for scoring: one index per axis, shared by every term and reason.

The arithmetic is that of :class:`risk_models.students.shape_table.ShapeTable`, vectorised:

* a numeric axis counts the float32 edges at or below each value (``searchsorted(edges, x,
  side="right")``), computed as one comparison per edge over blocks of rows that stay in the
  CPU cache; NaN takes the missing index ``len(edges) + 1``;
* a categorical axis maps the column's distinct level strings to its levels once per chunk
  (``pandas.Index.get_indexer``), then every row through that small lookup; missing values take
  ``len(levels)``, other levels ``len(levels) + 1`` (the unknown cell: levels never seen in
  training, and the axis's ``pooled_levels``, seen too rarely for a cell of their own);
* a term's contribution is a gather from its flattened table; the log-odds sum the terms in the
  order NumPy's pairwise ``sum(axis=1)`` uses, so the result is bit-identical to the reference
  ``intercept + column_stack(contributions).sum(axis=1)``.

Nothing here imports ``risk_models``: the package ships with a registered model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .codes import axis_labels
from .columns import LevelColumn, NumericColumn, level_column, numeric_column
from .dates import date_inputs, input_kinds, read_dates
from .markers import missing_markers

#: Rows per block: the index and contribution buffers of a block stay in the CPU cache.
BLOCK = 16_384
#: Up to this many edges an axis is binned by comparisons, beyond it by binary search.
MAX_COMPARE_EDGES = 48


@dataclass(frozen=True, eq=False)
class AxisKernel:
    """One axis: how a feature's values map to cell indices."""

    feature: str
    kind: str
    edges: tuple[float, ...] = ()
    levels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        e32 = np.asarray(self.edges, dtype=np.float32)
        object.__setattr__(self, "_e32", e32)
        object.__setattr__(self, "_e32_nan", np.append(e32, np.float32(np.nan)))
        if self.kind == "categorical":
            object.__setattr__(self, "_levels", pd.Index(list(self.levels), dtype=object))

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.feature, self.kind, self.edges, self.levels)

    @property
    def size(self) -> int:
        return (len(self.edges) if self.kind == "numeric" else len(self.levels)) + 2

    @property
    def missing_index(self) -> int:
        return len(self.edges) + 1 if self.kind == "numeric" else len(self.levels)

    @property
    def unknown_index(self) -> int:
        """Index of levels without a cell: never seen in training, or pooled (categorical)."""
        return len(self.levels) + 1

    def labels(self) -> list[str]:
        return axis_labels(self.kind, self.edges, self.levels)

    def level_lookup(self, col: LevelColumn) -> np.ndarray:
        """Cell index of every distinct value of ``col``, then of a missing value (last)."""
        lut = np.empty(len(col.uniques) + 1, dtype=np.intp)
        if col.uniques:
            pos = self._levels.get_indexer(pd.Index(col.uniques, dtype=object))
            lut[:-1] = np.where(pos < 0, self.unknown_index, pos)
        lut[-1] = self.missing_index
        return lut

    def bin_numeric(self, x32: np.ndarray) -> np.ndarray:
        """Cell index (intp) of float32 values ``x32``."""
        e = self._e32
        if len(e) > MAX_COMPARE_EDGES:
            return np.searchsorted(self._e32_nan, x32, side="right").astype(np.intp)
        n = len(x32)
        out = np.empty(n, dtype=np.intp)
        acc = np.empty(min(n, BLOCK), dtype=np.uint8)
        hit = np.empty(min(n, BLOCK), dtype=bool)
        miss = self.missing_index
        for lo in range(0, n, BLOCK):
            xb = x32[lo : lo + BLOCK]
            m = len(xb)
            a, h = acc[:m], hit[:m]
            a.fill(0)
            for v in e:
                np.greater_equal(xb, v, out=h)
                a += h.view(np.uint8)
            ob = out[lo : lo + m]
            ob[:] = a
            np.isnan(xb, out=h)
            np.putmask(ob, h, miss)
        return out


@dataclass(frozen=True, eq=False)
class TermKernel:
    """One additive term: a flattened table over one or two axes (indices into the axis list)."""

    name: str
    axes: tuple[int, ...]
    shape: tuple[int, ...]
    flat: np.ndarray

    def gather(self, idx: Sequence[np.ndarray]) -> np.ndarray:
        if len(self.axes) == 1:
            return self.flat[idx[self.axes[0]]]
        if len(self.axes) == 2:
            a, b = idx[self.axes[0]], idx[self.axes[1]]
            return self.flat[a * self.shape[1] + b]
        flat = np.zeros_like(idx[self.axes[0]])
        for p, size in zip(self.axes, self.shape, strict=True):
            flat = flat * size + idx[p]
        return self.flat[flat]


def pairwise_sum(cols: Sequence[np.ndarray]) -> np.ndarray:
    """Row sums of equal-length vectors in NumPy's pairwise ``sum(axis=1)`` order.

    ``pairwise_sum([c0, ..., cm])`` equals ``np.column_stack(cols).sum(axis=1)`` bit for bit:
    fewer than 8 terms add left to right; up to 128 use eight interleaved accumulators; more
    split in two halves (a multiple of 8 first), as NumPy's ``pairwise_sum`` does.
    """
    m = len(cols)
    if m < 8:
        res = np.zeros_like(cols[0]) if m else np.zeros(0)
        for c in cols:
            res = res + c
        return res
    if m <= 128:
        r = [np.array(cols[j], dtype=np.float64, copy=True) for j in range(8)]
        i = 8
        while i + 8 <= m:
            for j in range(8):
                r[j] += cols[i + j]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < m:
            res += cols[i]
            i += 1
        return res
    n2 = m // 2
    n2 -= n2 % 8
    return pairwise_sum(cols[:n2]) + pairwise_sum(cols[n2:])


class Prepared:
    """A chunk read for scoring: per-feature columns; axis indices block by block.

    :meth:`block_index` gives every axis's cell indices for rows ``lo:hi``, each feature's
    float32 values converted once for all its axes; :attr:`index` the whole chunk's (built on
    first use, for callers that need every row at once).
    """

    def __init__(
        self, axes: list[AxisKernel], columns: dict[str, NumericColumn | LevelColumn], n: int
    ) -> None:
        self.axes = axes
        self.columns = columns
        self.n = n
        self._luts = [
            ax.level_lookup(columns[ax.feature]) if ax.kind == "categorical" else None  # type: ignore[arg-type]
            for ax in axes
        ]
        self._index: list[np.ndarray] | None = None

    def block_index(self, lo: int, hi: int) -> list[np.ndarray]:
        """Cell index (intp) of rows ``lo:hi`` on every axis, in axis order."""
        if self._index is not None:
            return [i[lo:hi] for i in self._index]
        x32: dict[str, np.ndarray] = {}
        out = []
        for ax, lut in zip(self.axes, self._luts, strict=True):
            col = self.columns[ax.feature]
            if lut is not None:
                assert isinstance(col, LevelColumn)
                out.append(lut[col.codes[lo:hi]])
            else:
                assert isinstance(col, NumericColumn)
                if ax.feature not in x32:
                    x32[ax.feature] = col.x32_block(lo, hi)
                out.append(ax.bin_numeric(x32[ax.feature]))
        return out

    @property
    def index(self) -> list[np.ndarray]:
        """Every axis's cell indices for the whole chunk."""
        if self._index is None:
            blocks = [
                self.block_index(lo, min(self.n, lo + BLOCK)) for lo in range(0, self.n, BLOCK)
            ]
            self._index = [
                np.concatenate([b[a] for b in blocks]) if blocks else np.zeros(0, dtype=np.intp)
                for a in range(len(self.axes))
            ]
        return self._index


class CompiledTable:
    """A shape table ready to score: intercept, distinct axes, terms.

    Parameters
    ----------
    intercept : log-odds added to every row.
    terms : ``(name, axes, values)`` per term; each axis a ``(feature, kind, edges, levels)``
        tuple, or ``(feature, kind, edges, levels, pooled_levels)``; ``values`` an array shaped
        by the axes' sizes.
    features : the table's input features, in order (reasons are ranked in this order on ties).
    metadata : the table's metadata (``points``, ``points_base``, ``points_factor``,
        ``cell_counts``, ``cutoff``, ``score_baseline``, ``date_inputs``, ``missing_values``
        are read).

    ``kinds`` maps each feature a term reads to ``"numeric"`` or ``"categorical"``;
    ``input_kinds`` is what a scoring input must hold: the same, with the features derived from
    a date column replaced by that column (``"date"``, see :mod:`.dates`). ``known_levels``
    maps each categorical feature to the levels seen in training on every axis over it (a
    cell's level or a pooled one); any other level is ``unseen_level``. ``missing_markers``
    are the texts read as missing (:mod:`.markers`).
    """

    kind = "shape_table"

    def __init__(
        self,
        intercept: float,
        terms: Sequence[tuple[str, Sequence[Sequence[Any]], Any]],
        features: Sequence[str],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.intercept = float(intercept)
        self.features = tuple(features)
        self.metadata = dict(metadata or {})
        self.axes: list[AxisKernel] = []
        keys: dict[tuple[Any, ...], int] = {}
        self.terms: list[TermKernel] = []
        known: dict[str, frozenset[str]] = {}
        for name, axes, values in terms:
            pos = []
            for feature, kind, edges, levels, *pooled in axes:
                ax = AxisKernel(
                    str(feature), str(kind), tuple(float(v) for v in edges), tuple(levels)
                )
                if ax.kind == "categorical":
                    seen = frozenset((*ax.levels, *(str(v) for v in (pooled[0] if pooled else ()))))
                    known[ax.feature] = known[ax.feature] & seen if ax.feature in known else seen
                if ax.key not in keys:
                    keys[ax.key] = len(self.axes)
                    self.axes.append(ax)
                pos.append(keys[ax.key])
            vals = np.asarray(values, dtype=np.float64)
            shape = tuple(self.axes[p].size for p in pos)
            if vals.shape != shape:
                raise ValueError(f"term {name!r}: values shape {vals.shape} != axes {shape}")
            self.terms.append(TermKernel(str(name), tuple(pos), shape, vals.ravel()))
        kinds: dict[str, str] = {}
        for ax in self.axes:
            kinds.setdefault(ax.feature, ax.kind)
        self.kinds = kinds
        self.known_levels = known
        self.missing_markers = missing_markers(self.metadata)
        self.date_inputs = date_inputs(self.metadata)
        self.input_kinds = input_kinds(kinds, self.date_inputs)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CompiledTable:
        """Compile the JSON form of a shape table (``ShapeTable.to_dict()``)."""
        terms = [
            (
                t["name"],
                [
                    (
                        a["feature"],
                        a["kind"],
                        a.get("edges", ()),
                        [str(v) for v in a.get("levels", ())],
                        [str(v) for v in a.get("pooled_levels", ())],
                    )
                    for a in t["axes"]
                ],
                t["values"],
            )
            for t in d["terms"]
        ]
        return cls(d["intercept"], terms, d["features"], d.get("metadata", {}))

    # ------------------------------------------------------------------ reading the input
    def read_columns(self, data: Any) -> dict[str, NumericColumn | LevelColumn]:
        """Every feature that a term reads, as a numeric or level column (a feature derived
        from a date column in ``data`` is derived from it, see :mod:`.dates`)."""
        from .columns import get_column

        marks = self.missing_markers
        dates = read_dates(self.date_inputs, data, self.kinds, marks)
        return {
            f: dates[f]
            if f in dates
            else numeric_column(get_column(data, f), marks)
            if kind == "numeric"
            else level_column(get_column(data, f), marks)
            for f, kind in self.kinds.items()
        }

    def prepare(
        self, data: Any, columns: dict[str, NumericColumn | LevelColumn] | None = None
    ) -> Prepared:
        """Read ``data`` (frame or Arrow batch) for scoring; axes are indexed block by block."""
        cols = self.read_columns(data) if columns is None else columns
        return Prepared(self.axes, cols, _length(cols, data))

    # ---------------------------------------------------------------------- scoring
    def contributions(self, prep: Prepared) -> list[np.ndarray]:
        """Each term's contribution (log-odds) per row, in term order."""
        return [t.gather(prep.index) for t in self.terms]

    def logit_block(self, idx: Sequence[np.ndarray]) -> np.ndarray:
        """Log-odds of one block: intercept plus the terms, in NumPy's pairwise order."""
        if not self.terms:
            return self.intercept + np.zeros(len(idx[0]) if idx else 0)
        return self.intercept + pairwise_sum([t.gather(idx) for t in self.terms])

    def logit(self, prep: Prepared) -> np.ndarray:
        """Log-odds per row (bit-identical to ``intercept + column_stack(...).sum(axis=1)``)."""
        if not self.terms:
            return self.intercept + np.zeros(prep.n)
        out = np.empty(prep.n)
        for lo in range(0, prep.n, BLOCK):
            hi = min(prep.n, lo + BLOCK)
            out[lo:hi] = self.logit_block(prep.block_index(lo, hi))
        return out


def _length(cols: dict[str, Any], data: Any) -> int:
    for c in cols.values():
        return len(c.codes) if isinstance(c, LevelColumn) else len(c)
    from .columns import n_rows

    return n_rows(data)
