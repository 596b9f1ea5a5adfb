"""Reason codes: which features pushed each row's score towards "bad", and by how much.

For every scored row and every feature, the *points lost* are the feature's share of
``score - reference score``; the features with the largest positive points lost are the row's
reasons. Points lost add up exactly: per row, their sum over all features equals the score
difference from the reference. Units are log-odds, or scorecard points when the table's
metadata holds ``points_factor`` (points per unit of log-odds).

Shape tables (GAM, GA2M, NAM, scorecard)
    A term's points lost are its contribution minus its reference contribution: ``"best"``,
    the term's lowest-risk cell (among cells with training support when the metadata holds
    ``cell_counts``, never the unknown-level cell), or ``"mean"``, its mean contribution over
    a reference frame. A pair term ``g(a, b)`` is split between its two features by the
    two-player Shapley value against the reference ``v0``::

        points(a) = ((g_a(a) - v0) + (g(a, b) - g_b(b))) / 2,   points(b) likewise,

    where ``g_a(a)`` holds ``b`` at its reference (the best cell's ``b``, or averages ``b`` over
    the frame). The two shares add up to ``g(a, b) - v0`` exactly, and a feature sitting at its
    reference cell takes no share.

Rule sets (shallow tree)
    A tree's rows are attributed by the path decomposition stored in each rule: every split
    gives the change in node log-odds to its feature, so a leaf's contributions sum to
    ``leaf - root``. ``"mean"`` compares with the root (the training mean, around which every
    feature's contributions average to zero) or, given a frame, with the frame's mean
    contributions; ``"best"`` compares with the lowest-risk leaf, feature by feature
    (``contributions(row) - contributions(best leaf)``, which sum to ``leaf - best leaf``).

Codes
    ``feature_code(f)`` (``"RC-UTILISATION"``) is stable for a feature across retrainings; a
    lender maps it to notice text. ``reason_code(f, bin)`` adds a short hash of the bin label
    (``"RC-UTILISATION-3F2A9C"``), stable for the same table; :func:`reason_catalogue` lists
    every code a model can emit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from risk_models.scoring.tablescore import attribution
from risk_models.scoring.tablescore.codes import (
    feature_code,
    feature_codes,
    reason_code,
    reason_codes_of,
)
from risk_models.scoring.tablescore.rules import NOT_ON_PATH
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import Axis, ShapeTable

__all__ = [
    "NOT_ON_PATH",
    "REASON_COLUMNS",
    "ReasonCodes",
    "feature_code",
    "reason_catalogue",
    "reason_code",
    "reason_codes",
    "reasons_for_tree",
]

REASON_COLUMNS = ["row", "rank", "code", "feature_code", "feature", "value", "bin", "points_lost"]
_REFERENCES = {"best": "best", "best_leaf": "best", "mean": "mean", "population_mean": "mean"}


@dataclass(frozen=True, eq=False)
class ReasonCodes:
    """Reason codes for a scored frame.

    Attributes
    ----------
    reasons : tidy frame, one line per (row, rank) for up to ``k`` features with positive
        points lost, largest first: ``row`` (the index label of ``X``), ``rank`` (1 = main
        reason), ``code``, ``feature_code``, ``feature``, ``value`` (raw), ``bin`` (label of
        the row's bin or rule condition), ``points_lost``.
    points_lost : every feature's points lost, rows x features (index of ``X``).
    score : the model's log-odds per row.
    reference_score : log-odds of the reference.
    reference : ``"best"`` or ``"mean"``.
    points_factor : points per unit of log-odds, or ``None`` (points are log-odds).
    """

    reasons: pd.DataFrame
    points_lost: pd.DataFrame
    score: np.ndarray
    reference_score: float
    reference: str
    points_factor: float | None = None

    @property
    def units(self) -> str:
        return "log-odds" if self.points_factor is None else "points"

    def score_difference(self) -> np.ndarray:
        """``score - reference_score`` in the units of ``points_lost`` (their row sums)."""
        scale = 1.0 if self.points_factor is None else float(self.points_factor)
        return (self.score - self.reference_score) * scale


def _resolve(explained: Any) -> ShapeTable | RuleSet:
    if isinstance(explained, (ShapeTable, RuleSet)):
        return explained
    if hasattr(explained, "export"):
        return _resolve(explained.export())
    raise TypeError(
        f"reason codes need a ShapeTable, a RuleSet or a fitted student; got {type(explained)}"
    )


def _reference(reference: str) -> str:
    if reference not in _REFERENCES:
        raise ValueError(f"reference must be 'best' or 'mean', got {reference!r}")
    return _REFERENCES[reference]


def _frame_weights(frame: pd.DataFrame, weights: Any) -> np.ndarray:
    if len(frame) == 0:
        raise ValueError("reference_frame has no rows")
    if weights is None:
        return np.full(len(frame), 1.0 / len(frame))
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (len(frame),) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError(f"weights must be {len(frame)} non-negative numbers with a positive sum")
    return np.asarray(w / w.sum(), dtype=np.float64)


def reason_codes(
    explained: ShapeTable | RuleSet | Any,
    X: pd.DataFrame,
    *,
    k: int = 4,
    reference: Literal["best", "mean"] = "best",
    reference_frame: pd.DataFrame | None = None,
    weights: Any = None,
) -> ReasonCodes:
    """Top-``k`` reasons per row of ``X`` and every feature's points lost.

    Parameters
    ----------
    explained : a :class:`ShapeTable`, a :class:`RuleSet`, or a fitted student (its
        ``explain()`` is used).
    X : rows to explain.
    k : reasons per row (features with positive points lost only, so possibly fewer).
    reference : ``"best"`` (lowest-risk cell of every term; lowest-risk leaf of a tree) or
        ``"mean"`` (mean over ``reference_frame``; a rule set without a frame uses its root).
    reference_frame : rows defining the population mean; required for ``"mean"`` on a table.
    weights : optional non-negative weights of ``reference_frame`` rows.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    model = _resolve(explained)
    ref = _reference(reference)
    if isinstance(model, RuleSet):
        return reasons_for_tree(
            model, X, k=k, reference=ref, reference_frame=reference_frame, weights=weights
        )
    if ref == "mean" and reference_frame is None:
        raise ValueError("reference='mean' needs reference_frame= (the population to average)")
    missing = [f for f in model.features if f not in X.columns]
    if missing:
        raise ValueError(f"input is missing feature column(s) {missing} that the table needs")
    features = list(model.features)
    table = model.compiled  # one index per axis, shared by every term and by the bins
    prep = table.prepare(X)
    if ref == "mean":
        assert reference_frame is not None
        w_ref = _frame_weights(reference_frame, weights)
        refs = attribution.mean_reference(table, table.prepare(reference_frame), w_ref)
    else:
        refs = attribution.best_reference(table)
    score = np.full(len(X), float(model.intercept))
    for contrib in table.contributions(prep):
        score += contrib
    pts = attribution.points_lost(table, prep.index, refs).T.copy()
    factor = model.metadata.get("points_factor")
    label_axes = attribution.label_axes(table)

    def bins_of(f: str, rows: np.ndarray) -> tuple[list[str], np.ndarray]:
        p = label_axes[f]
        return table.axes[p].labels(), prep.index[p][rows]

    reasons = _top_k(X, features, pts, k, bins_of)
    return ReasonCodes(
        reasons,
        pd.DataFrame(pts, index=X.index, columns=features),
        score,
        refs.score,
        ref,
        None if factor is None else float(factor),
    )


def best_cell(axes: tuple[Axis, ...], g: np.ndarray, counts: Any) -> tuple[int, ...]:
    """Index of the term's lowest cell: supported cells if counts are known, never unknown."""
    return attribution.best_cell(axes, g, counts)


def _feature_axes(table: ShapeTable) -> dict[str, Axis]:
    """The axis whose bins label each feature: its own one-axis term, else its first pair."""
    out: dict[str, Axis] = {}
    for term in table.terms:
        if len(term.axes) == 1:
            out.setdefault(term.axes[0].feature, term.axes[0])
    for term in table.terms:
        for a in term.axes:
            out.setdefault(a.feature, a)
    return {f: out[f] for f in table.features if f in out}


def _top_k(
    X: pd.DataFrame,
    features: list[str],
    pts: np.ndarray,
    k: int,
    bins_of: Any,
) -> pd.DataFrame:
    """Tidy frame of the ``k`` largest positive points lost per row (ties: feature order).

    ``bins_of(feature, rows)`` returns ``(labels, index)``: the feature's bin labels and each
    row's position in them. Text columns are categorical (few distinct values, many rows).
    """
    n, m = pts.shape
    kk = min(k, m)
    if n == 0 or kk == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REASON_COLUMNS})
    work = pts.copy()
    order = np.empty((n, kk), dtype=np.int64)
    top = np.empty((n, kk))
    every = np.arange(n)
    for r in range(kk):  # k argmax passes: first maximum wins, so ties keep feature order
        j = np.argmax(work, axis=1)
        order[:, r] = j
        top[:, r] = work[every, j]
        work[every, j] = -np.inf
    rows, ranks = np.nonzero(top > 0)
    feat = order[rows, ranks]
    value = np.empty(len(rows), dtype=object)
    bin_code = np.zeros(len(rows), dtype=np.int64)
    code_code = np.zeros(len(rows), dtype=np.int64)
    bin_cats: dict[str, int] = {}
    code_cats: list[str] = []
    fcodes = feature_codes(features)  # unique within the model
    for j, f in enumerate(features):
        sel = np.flatnonzero(feat == j)
        if not len(sel):
            continue
        picked = rows[sel]
        value[sel] = X[f].to_numpy(dtype=object)[picked]
        labels, idx = bins_of(f, picked)
        lab_pos = np.asarray([bin_cats.setdefault(lab, len(bin_cats)) for lab in labels])
        bin_code[sel] = lab_pos[idx]
        code_pos = np.arange(len(code_cats), len(code_cats) + len(labels))
        code_cats += reason_codes_of(f, labels, fcodes[j])
        code_code[sel] = code_pos[idx]
    code = pd.Categorical.from_codes(code_code, categories=code_cats)
    return pd.DataFrame(
        {
            "row": X.index.to_numpy()[rows],
            "rank": ranks + 1,
            "code": code,
            "feature_code": pd.Categorical.from_codes(feat, categories=fcodes),
            "feature": pd.Categorical.from_codes(feat, categories=features),
            "value": value,
            "bin": pd.Categorical.from_codes(bin_code, categories=list(bin_cats)),
            "points_lost": top[rows, ranks],
        }
    )


def reasons_for_tree(
    rule_set: RuleSet,
    X: pd.DataFrame,
    *,
    k: int = 4,
    reference: str = "mean",
    reference_frame: pd.DataFrame | None = None,
    weights: Any = None,
) -> ReasonCodes:
    """Reason codes of a rule set (a tree student) by the path decomposition of each rule.

    ``reference`` is ``"mean"``/``"population_mean"`` (the rule set's intercept, or the mean
    over ``reference_frame``) or ``"best"``/``"best_leaf"`` (the lowest-risk rule with
    training support). Points lost per feature are the row's rule contributions minus the
    reference's; they sum to ``score - reference score`` exactly. ``bin`` is what the row's
    rule requires of the feature (e.g. ``">= 0.8 (or missing)"``).
    """
    ref = _reference(reference)
    rule_idx = rule_set.apply(X)
    if np.any(rule_idx < 0):
        bad = int(np.sum(rule_idx < 0))
        raise ValueError(
            f"{bad} row(s) match no rule and score the default; reasons need a matching rule"
        )
    C = rule_set.compiled.contributions()  # path decomposition; rules without one split evenly
    logits = np.asarray([r.logit for r in rule_set.rules], dtype=np.float64)
    if ref == "best":
        supported = [
            i for i, r in enumerate(rule_set.rules) if r.support is None or r.support > 0
        ] or list(range(rule_set.n_rules))
        best = min(supported, key=lambda i: logits[i])
        ref_vec, ref_score = C[best], float(logits[best])
    elif reference_frame is not None:
        w = _frame_weights(reference_frame, weights)
        fidx = rule_set.apply(reference_frame)
        if np.any(fidx < 0):
            raise ValueError("reference_frame has rows that match no rule")
        ref_vec = w @ C[fidx]
        ref_score = float(rule_set.intercept + ref_vec.sum())
    else:
        ref_vec, ref_score = np.zeros(len(rule_set.features)), float(rule_set.intercept)
    pts = C[rule_idx] - ref_vec
    factor = rule_set.metadata.get("points_factor")
    if factor is not None:
        pts = pts * float(factor)
    score = logits[rule_idx]
    labels = [r.condition_labels() for r in rule_set.rules]

    def bins_of(f: str, rows: np.ndarray) -> tuple[list[str], np.ndarray]:
        per_rule = [lab.get(f, NOT_ON_PATH) for lab in labels]
        uniq = list(dict.fromkeys(per_rule))
        pos = np.asarray([uniq.index(v) for v in per_rule], dtype=np.int64)
        return uniq, pos[rule_idx[rows]]

    features = list(rule_set.features)
    reasons = _top_k(X, features, pts, k, bins_of)
    return ReasonCodes(
        reasons,
        pd.DataFrame(pts, index=X.index, columns=features),
        score,
        ref_score,
        ref,
        None if factor is None else float(factor),
    )


def reason_catalogue(explained: ShapeTable | RuleSet | Any) -> pd.DataFrame:
    """Every code the model can emit: ``code, feature_code, feature, bin`` (one line each).

    A lender maps ``feature_code`` (or ``code``, for bin-specific wording) to notice text.
    """
    model = _resolve(explained)
    rows: list[tuple[str, str, str, str]] = []
    if isinstance(model, RuleSet):
        seen: dict[str, list[str]] = {f: [] for f in model.features}
        for rule in model.rules:
            for f, lab in rule.condition_labels().items():
                if lab not in seen[f]:
                    seen[f].append(lab)
        labels_of = {f: [*seen[f], NOT_ON_PATH] for f in model.features}
    else:
        labels_of = {f: axis.labels() for f, axis in _feature_axes(model).items()}
    fcode = dict(zip(model.features, feature_codes(model.features), strict=True))
    for f, labels in labels_of.items():
        for code, lab in zip(reason_codes_of(f, labels, fcode[f]), labels, strict=True):
            rows.append((code, fcode[f], f, lab))
    return pd.DataFrame(rows, columns=["code", "feature_code", "feature", "bin"])
