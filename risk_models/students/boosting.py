"""Stump boosting shared by the GAM and GA2M students: target, training, table export.

* :func:`make_target` builds what the boosters train on from hard labels, teacher
  probabilities, ``alpha`` and ``T`` (the modes are listed in :mod:`risk_models.students.gam`);
  every mode starts from the same explicit base margin;
* :func:`train_stage` trains one booster on such a target, with early stopping on log loss;
* :func:`monotone_param` turns declared directions into XGBoost ``monotone_constraints``;
* :func:`start_margin` and :func:`leaf_sum` recompute a booster's margins exactly;
* :func:`export_stump_table` turns a depth-1 booster into a :class:`ShapeTable`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from risk_models.distill.loss import mixed_target, teacher_logit, xgb_objective
from risk_models.students._tree_routing import route_leaf_values
from risk_models.students.design import AdditiveDesign
from risk_models.students.shape_table import Axis, ShapeTable, Term
from risk_models.xgb_utils import base_margin, booster_json, train_booster


@dataclass(frozen=True)
class DistillTarget:
    """What the boosters train on: DMatrix label, weights, objective and starting score."""

    label: np.ndarray
    weight: np.ndarray | None
    teacher_logit: np.ndarray | None
    obj: Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]] | None
    base_prob: float  # starting probability (a float32 value), the same in every mode

    @property
    def start(self) -> float:
        """Starting margin (log-odds) as the float32 value the booster adds."""
        p32 = np.float32(self.base_prob)
        return float(np.float32(math.log(p32 / (np.float32(1) - p32))))

    def params(self) -> dict[str, Any]:
        """Objective, base score and metric params for ``xgb.train``."""
        if self.obj is None:
            return {
                "objective": "binary:logistic",
                "eval_metric": "logloss",
                "base_score": self.base_prob,
            }
        return {"base_score": self.start, "disable_default_eval_metric": 1}


def make_target(
    y: np.ndarray | None,
    soft_target: Any,
    weight: np.ndarray | None,
    alpha: float,
    temperature: float,
) -> DistillTarget:
    """Build the training target for the distillation loss (see :mod:`risk_models.students.gam`).

    ``y`` is needed without ``soft_target`` (0/1 labels) and when ``alpha > 0`` (values in
    [0, 1]: 0/1 labels, or the teacher's probability on transfer rows that have no outcome).
    """
    hard = None
    if soft_target is None or alpha > 0:
        if y is None:
            raise ValueError("hard labels y are needed when alpha > 0 or without soft_target")
        hard = np.asarray(y, dtype=np.float64)
    obj = None
    t = None
    if soft_target is None:
        label = np.asarray(hard, dtype=np.float64)
    else:
        q = np.asarray(soft_target, dtype=np.float64)
        t = teacher_logit(q)
        hard_or_zero = hard if hard is not None else np.zeros_like(q)
        label = mixed_target(hard_or_zero, q, alpha)
        if temperature != 1.0:
            obj = xgb_objective(hard_or_zero, t, alpha, temperature)
    mean = float(np.average(label, weights=weight)) if weight is None or weight.sum() > 0 else 0.5
    p32 = np.float32(min(max(mean, 1e-6), 1 - 1e-6))
    return DistillTarget(label, weight, t, obj, float(p32))


def _logloss_metric(preds: np.ndarray, dmat: Any) -> tuple[str, float]:
    """Log loss of raw margins against the (possibly soft) labels, for early stopping."""
    z = preds.astype(np.float64)
    q = dmat.get_label().astype(np.float64)
    loss = np.logaddexp(0.0, z) - q * z
    return "logloss", float(np.mean(loss))


def train_stage(
    params: dict[str, Any],
    target: DistillTarget,
    dtrain: Any,
    dvalid: Any | None,
    *,
    num_boost_round: int,
    early_stopping_rounds: int | None,
    tolerance: float = 0.0,
) -> Any:
    """Train one booster on ``target``; with ``dvalid``, stop early and keep the best trees.

    :func:`risk_models.xgb_utils.train_booster` with the target's objective, base score and,
    under a custom objective, log loss against the soft labels as the early-stopping metric.
    ``tolerance`` > 0: a round counts as better only when it lowers the best validation log
    loss so far by more than ``tolerance`` times the constant model's (the target's base
    rate) validation log loss, so a loss that keeps falling by tiny amounts stops after
    ``early_stopping_rounds`` such rounds.
    """
    min_delta = 0.0
    if tolerance > 0 and dvalid is not None:
        min_delta = tolerance * constant_logloss(target.base_prob, dvalid.get_label())
    booster, _ = train_booster(
        {**params, **target.params()},
        dtrain,
        dvalid,
        num_boost_round=num_boost_round,
        early_stopping_rounds=early_stopping_rounds,
        obj=target.obj,
        custom_metric=_logloss_metric if target.obj is not None else None,
        min_delta=min_delta,
    )
    return booster


def constant_logloss(p: float, labels: np.ndarray) -> float:
    """Mean log loss of the constant probability ``p`` against (possibly soft) labels."""
    q = np.asarray(labels, dtype=np.float64)
    p = min(max(float(p), 1e-12), 1 - 1e-12)
    return float(np.mean(-(q * np.log(p) + (1 - q) * np.log1p(-p))))


def start_margin(model: dict[str, Any]) -> float:
    """The booster's starting margin as the float32 value XGBoost adds."""
    return float(np.float32(base_margin(model)))


def leaf_sum(booster: Any, dmat: Any, model: dict[str, Any] | None = None) -> np.ndarray:
    """Sum of the chosen float32 leaves per row, in float64 (no base score)."""
    model = model or booster_json(booster)
    trees = model["learner"]["gradient_booster"]["model"]["trees"]
    total = np.zeros(dmat.num_row(), dtype=np.float64)
    if not trees:
        return total
    leaves = booster.predict(dmat, pred_leaf=True).reshape(dmat.num_row(), -1)
    for t, tree in enumerate(trees):
        values = np.asarray(tree["split_conditions"], dtype=np.float32).astype(np.float64)
        total += values[leaves[:, t].astype(np.int64)]
    return total


def monotone_param(design: AdditiveDesign, monotone: dict[str, int]) -> dict[str, str]:
    """XGBoost ``monotone_constraints`` over the design's columns (empty when none apply)."""
    if not any(f in monotone for f in design.numeric):
        return {}
    signs = [str(monotone.get(f, 0)) if f in design.numeric else "0" for f in design.features]
    return {"monotone_constraints": "(" + ",".join(signs) + ")"}


def categorical_param(design: AdditiveDesign) -> dict[str, Any]:
    """Partition splits over a categorical's levels (never one-hot), when there are any."""
    return {"max_cat_to_onehot": 1} if design.categorical else {}


def _stumps(
    model: dict[str, Any],
) -> tuple[list[tuple[int, float, float, float, bool]], dict[int, list[dict[str, Any]]], float]:
    """Numeric stumps, categorical stump trees by column, and the constant of leaf-only trees.

    A numeric stump is ``(column, threshold, left value, right value, default_left)``; a
    categorical one is kept as its JSON tree (routed by :func:`route_leaf_values`).
    """
    stumps: list[tuple[int, float, float, float, bool]] = []
    cat_trees: dict[int, list[dict[str, Any]]] = {}
    constant = 0.0
    for tree in model["learner"]["gradient_booster"]["model"]["trees"]:
        left, right = tree["left_children"], tree["right_children"]
        cond = tree["split_conditions"]
        if left[0] == -1:
            constant += float(np.float32(cond[0]))
            continue
        li, ri = left[0], right[0]
        if tree.get("split_type", [0])[0] != 0:
            if left[li] != -1 or left[ri] != -1:
                raise ValueError("tree deeper than 1 found; GAM export needs stumps")
            cat_trees.setdefault(int(tree["split_indices"][0]), []).append(tree)
            continue
        if left[li] != -1 or left[ri] != -1:
            raise ValueError("tree deeper than 1 found; GAM export needs stumps")
        stumps.append(
            (
                int(tree["split_indices"][0]),
                float(np.float32(cond[0])),
                float(np.float32(cond[li])),
                float(np.float32(cond[ri])),
                bool(tree["default_left"][0]),
            )
        )
    return stumps, cat_trees, constant


def _eval_stumps(stumps: list[tuple[int, float, float, float, bool]], value: float) -> float:
    """Sum of stumps at one value, with XGBoost's float32 ``x < threshold`` rule."""
    total = 0.0
    for _, thr, lv, rv, dl in stumps:
        if np.isnan(value):
            total += lv if dl else rv
        else:
            total += lv if np.float32(value) < np.float32(thr) else rv
    return total


def export_stump_table(booster: Any, design: AdditiveDesign, *, student: str = "gam") -> ShapeTable:
    """Turn a stump booster over ``design`` into a :class:`ShapeTable` (exact up to float32)."""
    model = booster_json(booster)
    stumps, cat_trees, constant = _stumps(model)
    by_col: dict[int, list[tuple[int, float, float, float, bool]]] = {}
    for s in stumps:
        by_col.setdefault(s[0], []).append(s)
    intercept = start_margin(model) + constant
    terms: list[Term] = []
    for col, feature in enumerate(design.features):
        if feature in design.categorical:
            # Cells: every kept level, missing, unknown (= the pooled bin's code).
            grid = np.full((len(design.categorical[feature]) + 2, col + 1), np.nan, np.float32)
            grid[:, col] = design.category_grid(feature)
            arr = np.zeros(len(grid), dtype=np.float64)
            for tree in cat_trees.get(col, []):
                arr += route_leaf_values(tree, grid)
            axis = Axis(
                feature,
                "categorical",
                levels=design.categorical[feature],
                pooled_levels=design.pooled_levels.get(feature, ()),
            )
        else:
            st = by_col.get(col, [])
            edges = sorted({s[1] for s in st})
            reps = [edges[0] - 1.0] if edges else [0.0]
            reps += list(edges)
            arr = np.asarray(
                [_eval_stumps(st, r) for r in reps] + [_eval_stumps(st, float("nan"))],
                dtype=np.float64,
            )
            axis = Axis(feature, "numeric", edges=tuple(edges))
        terms.append(Term(feature, (axis,), arr))
    meta = {"student": student, "n_trees": int(booster.num_boosted_rounds())}
    return ShapeTable(float(intercept), tuple(terms), tuple(design.features), meta)
