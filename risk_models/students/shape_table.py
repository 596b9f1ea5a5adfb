"""The one decision-time object: an intercept plus one lookup table per term.

Every interpretable student exports a :class:`ShapeTable`. A term is an n-dimensional table
indexed by one :class:`Axis` per feature (one axis for a shape function, two for a pair).
Scoring is ``searchsorted + take + sum`` in NumPy; the JSON form is plain and readable.

Binning conventions (so that tables reproduce XGBoost exactly):

* numeric axes compare in float32, as XGBoost does: a value ``x`` falls in bin ``k`` where
  ``edges[k-1] <= x < edges[k]`` (bin 0 is ``x < edges[0]``, the last bin ``x >= edges[-1]``);
  the final index (``len(edges) + 1``) is the missing bin (NaN);
* categorical axes index the listed levels, then a missing bin (NaN), then an unknown bin
  (a level never seen in training). Levels seen in training too rarely for a cell of their own
  share the unknown bin; the axis names them in ``pooled_levels`` (JSON key of the same name,
  absent when there are none), so the scorers treat them as known levels (scored in that bin
  without an ``unseen_level`` flag). A table without the key pools nothing by name: every level
  outside ``levels`` is unseen, as before.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from risk_models.atomic import atomic_write_text, read_json
from risk_models.errors import ModelFormatError
from risk_models.scoring.tablescore import axis_labels, level_column, numeric_column
from risk_models.scoring.tablescore.table import AxisKernel, CompiledTable

FORMAT_NAME = "risk_models.shape_table"
FORMAT_VERSION = 1


def to_level_strings(values: pd.Series) -> pd.Series:
    """Categorical values as strings, NaN kept: ``1``, ``1.0`` and ``"1"`` all become ``"1"``."""

    def one(v: Any) -> Any:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return np.nan
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)

    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        # Strings already (the usual case): only the missing markers need mapping; the
        # per-value conversion below costs seconds a call on a large book.
        out = values.astype(object)
        return out.where(out.notna(), np.nan)
    return values.map(one).astype(object)


@dataclass(frozen=True)
class Axis:
    """How one feature's raw values map to table indices."""

    feature: str
    kind: Literal["numeric", "categorical"]
    edges: tuple[float, ...] = ()
    levels: tuple[str, ...] = ()
    #: Training levels scored in the unknown bin (too rare for their own cell): known, not unseen.
    pooled_levels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.pooled_levels and self.kind != "categorical":
            raise ModelFormatError(f"axis of {self.feature!r}: only categorical axes pool levels")
        both = sorted(set(self.pooled_levels) & set(self.levels))
        if both:
            raise ModelFormatError(
                f"axis of {self.feature!r}: level(s) {both} are both a cell and pooled"
            )

    @property
    def size(self) -> int:
        """Number of cells along this axis, missing (and unknown) bins included."""
        if self.kind == "numeric":
            return len(self.edges) + 2
        return len(self.levels) + 2

    @property
    def missing_index(self) -> int:
        return len(self.edges) + 1 if self.kind == "numeric" else len(self.levels)

    @property
    def unknown_index(self) -> int:
        """Index for unseen categorical levels (numeric axes have none)."""
        return len(self.levels) + 1

    @functools.cached_property
    def kernel(self) -> AxisKernel:
        """The NumPy scorer of this axis (:mod:`risk_models.scoring.tablescore`)."""
        return AxisKernel(self.feature, self.kind, self.edges, self.levels)

    def index(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Table indices (int64) for raw column values."""
        if self.kind == "numeric":
            return self.kernel.bin_numeric(numeric_column(values).x32).astype(np.int64)
        col = level_column(values)
        return np.asarray(self.kernel.level_lookup(col)[col.codes], dtype=np.int64)

    def labels(self) -> list[str]:
        """Human-readable label for every cell, in index order."""
        return axis_labels(self.kind, self.edges, self.levels)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"feature": self.feature, "kind": self.kind}
        if self.kind == "numeric":
            d["edges"] = [float(v) for v in self.edges]
        else:
            d["levels"] = list(self.levels)
            if self.pooled_levels:
                d["pooled_levels"] = list(self.pooled_levels)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Axis:
        kind = d["kind"]
        if kind not in ("numeric", "categorical"):
            raise ModelFormatError(f"axis of {d.get('feature')!r}: unknown kind {kind!r}")
        edges = tuple(float(v) for v in d.get("edges", ()))
        if any(b <= a for a, b in itertools.pairwise(edges)):
            raise ModelFormatError(f"axis of {d['feature']!r}: edges must increase strictly")
        return cls(
            d["feature"],
            kind,
            edges,
            tuple(str(v) for v in d.get("levels", ())),
            tuple(str(v) for v in d.get("pooled_levels", ())),
        )


@dataclass(frozen=True)
class Term:
    """One additive term: a table over one axis (shape function) or two (pair)."""

    name: str
    axes: tuple[Axis, ...]
    values: np.ndarray

    def __post_init__(self) -> None:
        shape = tuple(a.size for a in self.axes)
        if self.values.shape != shape:
            raise ModelFormatError(
                f"term {self.name!r}: values shape {self.values.shape} does not match axes {shape}"
            )

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(a.feature for a in self.axes)

    def contributions(self, X: pd.DataFrame) -> np.ndarray:
        """This term's contribution (log-odds) for every row of ``X``."""
        idx = tuple(a.index(X[a.feature]) for a in self.axes)
        return np.asarray(self.values[idx], dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "axes": [a.to_dict() for a in self.axes],
            "values": self.values.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Term:
        axes = tuple(Axis.from_dict(a) for a in d["axes"])
        return cls(d["name"], axes, np.asarray(d["values"], dtype=np.float64))


@dataclass(frozen=True)
class ShapeTable:
    """Intercept plus lookup tables; the score is their sum on the log-odds scale."""

    intercept: float
    terms: tuple[Term, ...]
    features: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def compiled(self) -> CompiledTable:
        """The NumPy scorer of this table: one index per axis, shared by every term."""
        return CompiledTable(
            self.intercept,
            [
                (
                    t.name,
                    [(a.feature, a.kind, a.edges, a.levels, a.pooled_levels) for a in t.axes],
                    t.values,
                )
                for t in self.terms
            ],
            self.features,
            self.metadata,
        )

    def _check_columns(self, X: pd.DataFrame) -> None:
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise ValueError(f"input is missing feature column(s) {missing} that the table needs")

    def term_contributions(self, X: pd.DataFrame) -> np.ndarray:
        """Matrix ``(n_rows, n_terms)`` of each term's contribution."""
        self._check_columns(X)
        if not self.terms:
            return np.zeros((len(X), 0))
        table = self.compiled
        return np.column_stack(table.contributions(table.prepare(X)))

    def predict_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class for every row.

        Equal, bit for bit, to ``intercept + term_contributions(X).sum(axis=1)``, computed in
        blocks without building the matrix.
        """
        self._check_columns(X)
        table = self.compiled
        return table.logit(table.prepare(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """``(n, 2)`` probabilities, column 1 = positive class."""
        p = 1.0 / (1.0 + np.exp(-self.predict_logit(X)))
        return np.column_stack([1.0 - p, p])

    def term(self, name: str) -> Term:
        for t in self.terms:
            if t.name == name:
                return t
        raise KeyError(name)

    def n_cells(self) -> int:
        """Number of stored contributions (the model's parameter count, intercept included)."""
        return 1 + sum(int(t.values.size) for t in self.terms)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "link": "logit",
            "intercept": float(self.intercept),
            "features": list(self.features),
            "terms": [t.to_dict() for t in self.terms],
            "metadata": self.metadata,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, source: str = "<dict>") -> ShapeTable:
        if d.get("format") != FORMAT_NAME:
            raise ModelFormatError(f"{source}: not a shape table (format={d.get('format')!r})")
        if d.get("version") != FORMAT_VERSION:
            raise ModelFormatError(f"{source}: unsupported shape table version {d.get('version')}")
        try:
            terms = tuple(Term.from_dict(t) for t in d["terms"])
            return cls(
                float(d["intercept"]), terms, tuple(d["features"]), dict(d.get("metadata", {}))
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelFormatError):
                raise ModelFormatError(f"{source}: {exc}") from exc
            raise ModelFormatError(f"{source}: malformed shape table ({exc!r})") from exc

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the table as JSON, atomically (temp file, then rename)."""
        return atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ShapeTable:
        return cls.from_dict(read_json(path, "shape table"), source=str(path))


def shape_frame(term: Term) -> pd.DataFrame:
    """A one-axis term as a readable table: bin label and contribution."""
    if len(term.axes) != 1:
        raise ValueError(f"term {term.name!r} has {len(term.axes)} axes; shape_frame needs 1")
    return pd.DataFrame({"bin": term.axes[0].labels(), "contribution": term.values})
