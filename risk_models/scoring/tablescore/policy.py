"""Values a model cannot score faithfully, and the declared policy for them.

Four problems are found per feature, per row:

``wrong_type``
    text that is not a number in a numeric feature, or not a date in a date column (named by
    the date column, not by the features derived from it);
``infinite_value``
    ``+inf`` or ``-inf`` in a numeric feature (training refuses them);
``unseen_level``
    a categorical level the model never saw in training (a level seen too rarely for a cell of
    its own is known: it scores in the pooled cell, unflagged; see ``known_levels``);
``missing_value``
    a missing value where the model's missing cell had no training rows (known when the table
    records ``cell_counts``, as scorecards do; every other missing value has a fitted bin).

Policy ``reject`` leaves such rows out of the output and reports them with their reasons
(``"infinite_value:income;unseen_level:region"``). Policy ``flag`` scores them in the missing
bin (unseen levels: the unknown bin) and names the problems in the row's ``flags``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .columns import LevelColumn, NumericColumn

POLICIES = ("reject", "flag")
PROBLEMS = ("wrong_type", "infinite_value", "unseen_level", "missing_value")


@dataclass(frozen=True, eq=False)
class Problems:
    """Rows with a problem: one ``(feature, problem, mask)`` per feature and problem found."""

    n: int
    found: tuple[tuple[str, str, np.ndarray], ...]

    def any_row(self) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        for _, _, m in self.found:
            out |= m
        return out

    def counts(self) -> dict[str, int]:
        """Rows per problem kind (a row with two problems counts in both)."""
        out: dict[str, int] = {}
        for _, kind, m in self.found:
            out[kind] = out.get(kind, 0) + int(m.sum())
        return out

    def text(self, rows: np.ndarray) -> np.ndarray:
        """Per selected row (bool mask), its problems as ``"kind:feature;..."`` (None if none)."""
        sel = np.flatnonzero(rows)
        out = np.full(len(sel), None, dtype=object)
        if not self.found or not len(sel):
            return out
        labels = [f"{kind}:{f}" for f, kind, _ in self.found]
        if len(labels) <= 62:
            bits = np.zeros(len(sel), dtype=np.int64)
            for b, (_, _, m) in enumerate(self.found):
                bits |= m[sel].astype(np.int64) << b
            codes, uniq = pd.factorize(bits)
            text = [
                ";".join(lab for b, lab in enumerate(labels) if (int(u) >> b) & 1) or None
                for u in uniq
            ]
            return np.asarray(text, dtype=object)[codes]
        for i, r in enumerate(sel):  # pragma: no cover - more than 62 problem kinds at once
            out[i] = ";".join(
                lab for lab, (_, _, m) in zip(labels, self.found, strict=True) if m[r]
            )
        return out


def _missing_cells(model: Any) -> dict[str, bool]:
    """Feature -> whether its missing cell had training rows (tables with ``cell_counts``)."""
    counts = model.metadata.get("cell_counts") or {}
    out: dict[str, bool] = {}
    for t in getattr(model, "terms", ()):
        if len(t.axes) != 1 or t.name not in counts:
            continue
        ax = model.axes[t.axes[0]]
        c = np.asarray(counts[t.name], dtype=np.float64).reshape(-1)
        if c.size == ax.size:
            out[ax.feature] = bool(c[ax.missing_index] > 0)
    return out


def _known_levels(model: Any) -> dict[str, frozenset[str]]:
    """Feature -> the levels seen in training (the compiled model's ``known_levels``)."""
    known = getattr(model, "known_levels", None)
    if known is not None:
        return dict(known)
    if hasattr(model, "categories"):
        return {f: frozenset(v) for f, v in model.categories.items()}
    out: dict[str, frozenset[str]] = {}
    for ax in model.axes:
        if ax.kind == "categorical":
            lv = frozenset(ax.levels)
            out[ax.feature] = out[ax.feature] & lv if ax.feature in out else lv
    return out


def find_problems(model: Any, cols: dict[str, NumericColumn | LevelColumn], n: int) -> Problems:
    """Every problem of :data:`PROBLEMS` in the columns the model reads (``n`` rows)."""
    found: list[tuple[str, str, np.ndarray]] = []
    supported = _missing_cells(model)
    known = _known_levels(model)
    for f, col in cols.items():
        if isinstance(col, NumericColumn):
            if col.wrong_type is not None:
                found.append((col.source or f, "wrong_type", col.wrong_type))
            if col.infinite is not None:
                found.append((f, "infinite_value", col.infinite))
            if supported.get(f, True):
                continue
            missing = col.missing()
            if col.wrong_type is not None:
                missing &= ~col.wrong_type
        else:
            lv = known.get(f, frozenset())
            bad = np.asarray([u not in lv for u in col.uniques] + [False], dtype=bool)
            rows = bad[col.codes] if bad.any() else None  # a marker's unique has no row left
            if rows is not None and rows.any():
                found.append((f, "unseen_level", rows))
            if supported.get(f, True):
                continue
            missing = col.codes < 0
        if missing.any():
            found.append((getattr(col, "source", None) or f, "missing_value", missing))
    merged: dict[tuple[str, str], np.ndarray] = {}  # a date column's two features: one entry
    for f, kind, m in found:
        merged[(f, kind)] = m | merged[(f, kind)] if (f, kind) in merged else m
    return Problems(n, tuple((f, kind, m) for (f, kind), m in merged.items()))


def apply_policy(
    problems: Problems, cols: dict[str, NumericColumn | LevelColumn], on_invalid: str
) -> tuple[dict[str, Any], np.ndarray | None, np.ndarray, np.ndarray]:
    """Columns to score, rows kept (``None`` = all), flags per row, reasons per rejected row."""
    if on_invalid not in POLICIES:
        raise ValueError(f"on_invalid must be one of {list(POLICIES)}, got {on_invalid!r}")
    n = problems.n
    bad = problems.any_row()
    flags = np.full(n, None, dtype=object)
    if not bad.any():
        return cols, None, flags, np.empty(0, dtype=object)
    if on_invalid == "reject":
        return cols, ~bad, flags, problems.text(bad)
    out = dict(cols)
    for f, kind, m in problems.found:
        if kind == "infinite_value" and f in out:
            col = out[f]
            assert isinstance(col, NumericColumn)
            out[f] = col.masked(m)
    flags[bad] = problems.text(bad)
    return out, None, flags, np.empty(0, dtype=object)
