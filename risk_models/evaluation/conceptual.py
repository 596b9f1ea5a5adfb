"""Conceptual soundness of an exported student, as data: shapes with bin counts, points, rules.

:func:`describe_exported` turns a :class:`ShapeTable` or a :class:`RuleSet` into what an audit
report shows a validator: every one-axis term's bins, contributions and training-row counts
(the shape plot), the scorecard's points per bin, the strongest pairwise interaction tables,
and a rule list. Terms are ranked by importance, the standard deviation of their contribution
over the training rows.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from risk_models.evaluation.jsonable import to_json_dict
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable, Term

__all__ = ["describe_exported"]


def _counts(term: Term, X: pd.DataFrame) -> list[Any]:
    idx = [a.index(X[a.feature]) for a in term.axes]
    flat = np.ravel_multi_index(tuple(idx), term.values.shape)
    counts = np.bincount(flat, minlength=term.values.size).reshape(term.values.shape)
    return cast(list[Any], counts.tolist())


def _one_axis(
    term: Term, X: pd.DataFrame, importance: float, meta: dict[str, Any]
) -> dict[str, Any]:
    axis = term.axes[0]
    out: dict[str, Any] = {
        "name": term.name,
        "feature": axis.feature,
        "kind": axis.kind,
        "labels": axis.labels(),
        "values": term.values.tolist(),
        "counts": _counts(term, X),
        "importance": importance,
        "range": float(np.ptp(term.values)),
    }
    points = meta.get("points", {}).get(term.name)
    if points is not None:
        out["points"] = [int(v) for v in points]
    return out


def _pair(term: Term, X: pd.DataFrame, importance: float) -> dict[str, Any]:
    return {
        "name": term.name,
        "features": list(term.features),
        "importance": importance,
        "labels": [a.labels() for a in term.axes],
        "values": term.values.tolist(),
        "counts": _counts(term, X),
    }


def _scorecard(table: ShapeTable, shapes: list[dict[str, Any]]) -> dict[str, Any] | None:
    meta = table.metadata
    if "points" not in meta:
        return None
    rows = [
        {"feature": s["feature"], "bin": label, "points": pts, "n_train": n}
        for s in sorted(shapes, key=lambda s: s["feature"])
        if "points" in s
        for label, pts, n in zip(s["labels"], s["points"], s["counts"], strict=True)
    ]
    return {
        "base_points": meta.get("points_base"),
        "pdo": meta.get("pdo"),
        "base_odds": meta.get("base_odds"),
        "rows": rows,
    }


def _describe_table(table: ShapeTable, X: pd.DataFrame, n_pairs: int) -> dict[str, Any]:
    contrib = table.term_contributions(X) if table.terms else np.zeros((len(X), 0))
    importance = contrib.std(axis=0) if len(X) else np.zeros(len(table.terms))
    shapes, pairs = [], []
    for term, imp in zip(table.terms, importance, strict=True):
        if len(term.axes) == 1:
            shapes.append(_one_axis(term, X, float(imp), table.metadata))
        else:
            pairs.append((float(imp), term))
    shapes.sort(key=lambda s: -s["importance"])
    pairs.sort(key=lambda p: -p[0])
    return {
        "type": "shape_table",
        "intercept": float(table.intercept),
        "n_terms": len(table.terms),
        "n_cells": table.n_cells(),
        "shapes": shapes,
        "interactions": [
            {"name": t.name, "features": list(t.features), "importance": imp} for imp, t in pairs
        ],
        "interaction_tables": [_pair(t, X, imp) for imp, t in pairs[:n_pairs]],
        "scorecard": _scorecard(table, shapes),
    }


def _describe_rules(rules: RuleSet, X: pd.DataFrame) -> dict[str, Any]:
    hits = np.bincount(rules.apply(X) + 1, minlength=rules.n_rules + 1) if len(X) else None
    listed = []
    for i, rule in enumerate(rules.rules):
        listed.append(
            {
                "rule": rule.describe(),
                "logit": float(rule.logit),
                "support": rule.support,
                "n_train": int(hits[i + 1]) if hits is not None else None,
            }
        )
    return {
        "type": "rule_set",
        "n_rules": rules.n_rules,
        "default": float(rules.default),
        "features_used": sorted({f for r in rules.rules for f in r.features}),
        "rules": listed,
        "text": rules.to_text(),
    }


def describe_exported(
    model: ShapeTable | RuleSet, X: pd.DataFrame, *, n_pairs: int = 3
) -> dict[str, Any]:
    """What the audit report shows of a student's exported model, as plain JSON.

    Parameters
    ----------
    model:
        The exported shape table or rule set.
    X:
        Training rows, for bin counts and term importance.
    n_pairs:
        Interaction tables kept in full (the strongest pairs); every pair is listed.

    Returns
    -------
    dict
        For a table: ``type="shape_table"``, ``intercept``, ``n_terms``, ``n_cells``,
        ``shapes`` (one-axis terms, most important first, with ``labels``, ``values``,
        ``counts``, ``importance``, ``range`` and, for a scorecard, ``points``),
        ``interactions``, ``interaction_tables`` and ``scorecard`` (points table or None).
        For rules: ``type="rule_set"``, ``n_rules``, ``default``, ``features_used``,
        ``rules`` (text, log-odds, support, training rows) and ``text``.
    """
    if isinstance(model, ShapeTable):
        return to_json_dict(_describe_table(model, X, n_pairs))
    if isinstance(model, RuleSet):
        return to_json_dict(_describe_rules(model, X))
    raise TypeError(
        f"describe_exported: expected a ShapeTable or RuleSet, got {type(model).__name__}"
    )
