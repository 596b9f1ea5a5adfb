"""Distill-and-compare (Tan, Caruana, Hooker and Lou, 2018): audit a teacher through two GAMs.

The same additive student form is fitted twice on the same rows: once on the teacher's
probabilities (the *mimic*, what the teacher learned) and once on the observed outcomes (the
*outcome* model, what the data alone supports). Their shape functions are compared term by
term on a grid of each feature's values, centred on the rows so that only shapes (not
intercepts) are compared. Bootstrap refits of both models on the same resampled rows give a
band for the difference; a term *disagrees* where, at a grid point holding at least
``min_support`` of the rows, the difference exceeds both ``z`` bootstrap standard errors and
``min_effect`` log-odds, and such points together hold at least ``min_share`` of the rows (one
thin point in a tail is not a finding). Disagreement flags a teacher that learned something the
data does not support (a leaked feature, a spurious shape) or missed something it does.

Cost is bounded by ``max_rows`` (a random subsample), the student's rounds and ``n_boot``:
``2 * (n_boot + 1)`` small fits.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm
from scipy.stats import t as student_t

from risk_models.data.inputs import is_categorical
from risk_models.evaluation.arrays import as_1d, check_labels, check_probabilities
from risk_models.evaluation.jsonable import to_json_dict
from risk_models.students.shape_table import ShapeTable

__all__ = [
    "DEFAULT_COMPARE_PARAMS",
    "DistillCompareResult",
    "TermComparison",
    "distill_and_compare",
]

#: Student parameters for the two fits: few, fast rounds on the CPU.
DEFAULT_COMPARE_PARAMS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.2,
    "max_bin": 32,
    "min_child_weight": 10.0,
    "reg_lambda": 10.0,
    "device": "cpu",
}
_MAX_LEVELS = 30
_KINDS = ("gam", "scorecard")
_TAIL = 0.05  # numeric grids span the 5th to 95th percentile: the tails are thin


@dataclass(frozen=True)
class TermComparison:
    """One feature's two shape functions, their difference with its band, and the verdict."""

    feature: str
    kind: str
    grid: tuple[str, ...]
    support: tuple[int, ...]
    teacher: tuple[float, ...]
    outcome: tuple[float, ...]
    teacher_se: tuple[float, ...]
    outcome_se: tuple[float, ...]
    diff: tuple[float, ...]
    diff_low: tuple[float, ...]
    diff_high: tuple[float, ...]
    teacher_range: float
    outcome_range: float
    max_abs_diff: float
    max_z: float
    flagged_share: float
    disagrees: bool
    relation: str
    finding: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (tuples as lists, NaN as None)."""
        return to_json_dict(self.__dict__)


@dataclass(frozen=True)
class DistillCompareResult:
    """All term comparisons, the disagreeing terms first, and how they were obtained."""

    kind: str
    n_rows: int
    n_boot: int
    settings: dict[str, Any]
    terms: tuple[TermComparison, ...]
    seconds: float = 0.0
    disagreeing: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return to_json_dict(
            {
                "kind": self.kind,
                "n_rows": self.n_rows,
                "n_boot": self.n_boot,
                "settings": self.settings,
                "seconds": self.seconds,
                "disagreeing": list(self.disagreeing),
                "terms": [t.to_dict() for t in self.terms],
            }
        )


@dataclass(frozen=True)
class _Grid:
    kind: str
    labels: tuple[str, ...]
    frame_values: pd.Series
    support: np.ndarray


def _grid(s: pd.Series, size: int) -> _Grid:
    has_missing = bool(s.isna().any())
    if is_categorical(s):
        counts = s.astype(object).dropna().map(str).value_counts()
        levels = sorted(counts.index[:_MAX_LEVELS])
        values: list[Any] = list(levels)
        support = [int(counts[v]) for v in levels]
        labels = list(levels)
        kind = "categorical"
    else:
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
        finite = np.sort(x[~np.isnan(x)])
        probs = np.linspace(_TAIL, 1.0 - _TAIL, size)
        points: np.ndarray = np.unique(np.quantile(finite, probs)) if finite.size else np.empty(0)
        mids = (points[1:] + points[:-1]) / 2.0
        nearest = np.searchsorted(mids, finite, side="right")
        support = np.bincount(nearest, minlength=points.size).tolist()
        values, labels, kind = points.tolist(), [f"{v:.6g}" for v in points], "numeric"
    if has_missing:
        values.append(np.nan)
        labels.append("missing")
        support.append(int(s.isna().sum()))
    return _Grid(kind, tuple(labels), pd.Series(values, dtype=object), np.asarray(support))


def _shapes(
    table: ShapeTable, grids: Mapping[str, _Grid], reference: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Each feature's centred one-axis shape at its grid points (zeros if unused)."""
    out: dict[str, np.ndarray] = {}
    for f, g in grids.items():
        terms = [t for t in table.terms if t.features == (f,)]
        values = np.zeros(len(g.labels))
        for t in terms:
            column = g.frame_values if g.kind == "categorical" else g.frame_values.astype(float)
            values += t.values[t.axes[0].index(column)]
            values -= float(np.mean(t.contributions(reference)))
        out[f] = values
    return out


def _fit(kind: str, params: Mapping[str, Any], X: pd.DataFrame, y: Any, soft: Any) -> ShapeTable:
    from risk_models.students.registry import student_class

    model = student_class(kind)(**params)
    model.fit(X, y, soft_target=soft)
    table = model.export()
    if not isinstance(table, ShapeTable) or any(len(t.axes) != 1 for t in table.terms):
        raise ValueError(f"distill_and_compare: kind {kind!r} exported pair terms or rules")
    return table


def _relation(teacher: np.ndarray, outcome: np.ndarray, min_effect: float) -> str:
    """How the teacher's shape differs: ``opposite``, ``teacher_stronger`` or ``teacher_weaker``."""
    t_range, o_range = float(np.ptp(teacher)), float(np.ptp(outcome))
    both = teacher.size > 1 and min(t_range, o_range) > min_effect
    if both and np.corrcoef(teacher, outcome)[0, 1] < 0:
        return "opposite"
    return "teacher_stronger" if t_range > o_range else "teacher_weaker"


_FINDINGS = {
    "opposite": "the teacher's shape for {f!r} runs against the outcomes' (ranges {t:.2f} and "
    "{o:.2f} log-odds): the teacher contradicts what the data shows",
    "teacher_stronger": "the teacher's shape for {f!r} spans {t:.2f} log-odds where the outcomes "
    "support {o:.2f}: the teacher learned an effect the data alone does not support (a leak or "
    "a spurious pattern?)",
    "teacher_weaker": "the outcomes give {f!r} a shape spanning {o:.2f} log-odds where the "
    "teacher's spans {t:.2f}: the teacher misses an effect the data shows",
}


def _validate(X: pd.DataFrame, y: ArrayLike, teacher_proba: ArrayLike) -> tuple[Any, Any]:
    fn = "distill_and_compare"
    if not isinstance(X, pd.DataFrame) or X.shape[1] == 0:
        raise ValueError(f"{fn}: X must be a DataFrame with at least one feature column")
    y_arr = as_1d(y, fn=fn, name="y")
    q = as_1d(teacher_proba, fn=fn, name="teacher_proba")
    if not len(X) == y_arr.size == q.size:
        raise ValueError(
            f"{fn}: X, y and teacher_proba need one row each, got {len(X)}, {y_arr.size} "
            f"and {q.size}"
        )
    check_labels(y_arr, fn=fn)
    check_probabilities(q, fn=fn, name="teacher_proba")
    if y_arr.sum() < 2 or y_arr.sum() > y_arr.size - 2:
        raise ValueError(f"{fn}: y needs at least 2 bads and 2 goods, got {int(y_arr.sum())} bads")
    return y_arr, q


def distill_and_compare(
    X: pd.DataFrame,
    y: ArrayLike,
    teacher_proba: ArrayLike,
    *,
    kind: str = "gam",
    params: Mapping[str, Any] | None = None,
    n_boot: int = 8,
    max_rows: int = 4000,
    grid_size: int = 20,
    z: float = 3.0,
    min_effect: float = 0.5,
    min_support: float = 0.02,
    min_share: float = 0.1,
    seed: int = 0,
) -> DistillCompareResult:
    """Fit a mimic of the teacher and an outcome model of the same form; compare their terms.

    Parameters
    ----------
    X:
        Rows the teacher did not train on (the test split), one column per feature.
    y:
        Outcomes of those rows, 0 = good, 1 = bad.
    teacher_proba:
        The teacher's probability of bad for each row.
    kind:
        Student form (``"gam"`` or ``"scorecard"``: one-axis shape tables).
    params:
        Student parameters (default: :data:`DEFAULT_COMPARE_PARAMS` for a GAM, the
        student's own defaults otherwise).
    n_boot:
        Bootstrap refits of both models (``>= 2``).
    max_rows:
        Rows used, a random subsample when ``X`` has more.
    grid_size:
        Quantile grid points per numeric feature.
    z, min_effect, min_support, min_share:
        A grid point holding at least ``min_support`` of the rows is flagged where
        ``|teacher - outcome| > z' * se`` and ``> min_effect`` log-odds, where ``z'`` is ``z``
        widened by ``t_{0.975, n_boot - 1} / 1.96`` for the noise of a standard error from few
        refits; a term disagrees when its flagged points hold at least ``min_share`` of the
        rows.
    seed:
        Seed of the subsample and the bootstrap.

    Returns
    -------
    DistillCompareResult
        ``terms`` sorted with disagreeing terms first, then by the largest difference;
        ``disagreeing`` lists their features.
    """
    started = time.perf_counter()
    y_arr, q = _validate(X, y, teacher_proba)
    if int(n_boot) < 2:
        raise ValueError(f"distill_and_compare: n_boot must be >= 2, got {n_boot!r}")
    if kind not in _KINDS:
        raise ValueError(
            f"distill_and_compare: kind {kind!r} must export a shape table of one-axis terms; "
            f"use one of {list(_KINDS)}"
        )
    rng = np.random.default_rng(seed)
    if len(X) > max_rows:
        keep = np.sort(rng.choice(len(X), size=int(max_rows), replace=False))
        X, y_arr, q = X.iloc[keep], y_arr[keep], q[keep]
    X = X.reset_index(drop=True)
    settings = dict((DEFAULT_COMPARE_PARAMS if kind == "gam" else {}) if params is None else params)
    grids = {str(c): _grid(X[c], grid_size) for c in X.columns}

    def fit_pair(rows: np.ndarray | None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        Xb = X if rows is None else X.iloc[rows]
        yb = y_arr if rows is None else y_arr[rows]
        qb = q if rows is None else q[rows]
        mimic = _fit(kind, settings, Xb, yb, qb)
        outcome = _fit(kind, settings, Xb, yb, None)
        return _shapes(mimic, grids, X), _shapes(outcome, grids, X)

    # A standard error from few refits is itself noisy: widen z as a t quantile would.
    z_eff = float(z) * float(student_t.ppf(0.975, int(n_boot) - 1) / norm.ppf(0.975))
    full_t, full_o = fit_pair(None)
    boots = [fit_pair(rng.integers(0, len(X), len(X))) for _ in range(int(n_boot))]
    terms = []
    for f, g in grids.items():
        bt = np.vstack([b[0][f] for b in boots])
        bo = np.vstack([b[1][f] for b in boots])
        diff = full_t[f] - full_o[f]
        se = np.std(bt - bo, axis=0, ddof=1)
        supported = g.support >= min_support * len(X)
        zs = np.abs(diff) / np.maximum(se, 1e-12)
        flagged = supported & (zs > z_eff) & (np.abs(diff) > min_effect)
        share = float(g.support[flagged].sum() / len(X))
        disagrees = share >= min_share

        def spread(v: np.ndarray, ok: np.ndarray = supported) -> float:
            return float(np.ptp(v[ok])) if ok.any() else 0.0

        t_range, o_range = spread(full_t[f]), spread(full_o[f])
        relation = (
            _relation(full_t[f][supported], full_o[f][supported], min_effect)
            if disagrees
            else "agree"
        )
        terms.append(
            TermComparison(
                feature=f,
                kind=g.kind,
                grid=g.labels,
                support=tuple(int(v) for v in g.support),
                teacher=tuple(full_t[f]),
                outcome=tuple(full_o[f]),
                teacher_se=tuple(np.std(bt, axis=0, ddof=1)),
                outcome_se=tuple(np.std(bo, axis=0, ddof=1)),
                diff=tuple(diff),
                diff_low=tuple(diff - z * se),
                diff_high=tuple(diff + z * se),
                teacher_range=t_range,
                outcome_range=o_range,
                max_abs_diff=float(np.abs(diff[supported]).max()) if supported.any() else 0.0,
                max_z=float(zs[supported].max()) if supported.any() else 0.0,
                flagged_share=share,
                disagrees=disagrees,
                relation=relation,
                finding=_FINDINGS[relation].format(f=f, t=t_range, o=o_range)
                if disagrees
                else "the two shapes agree within the bootstrap band",
            )
        )
    terms.sort(key=lambda t: (not t.disagrees, -t.max_abs_diff))
    settings_out = {
        "params": settings,
        "max_rows": int(max_rows),
        "grid_size": int(grid_size),
        "z": float(z),
        "z_effective": z_eff,
        "min_effect": float(min_effect),
        "min_support": float(min_support),
        "min_share": float(min_share),
        "seed": int(seed),
    }
    return DistillCompareResult(
        kind=kind,
        n_rows=len(X),
        n_boot=int(n_boot),
        settings=settings_out,
        terms=tuple(terms),
        seconds=time.perf_counter() - started,
        disagreeing=tuple(t.feature for t in terms if t.disagrees),
    )
