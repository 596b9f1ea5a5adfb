"""Shallow tree student: a depth-limited regression tree on the teacher's log-odds, as rules.

The tree is scikit-learn's :class:`~sklearn.tree.DecisionTreeRegressor` on a small numeric
design (:class:`TreeDesign`), exported to a :class:`~risk_models.students.rules.RuleSet` with
one rule per leaf. The rule set scores the same rows as the fitted tree to float rounding,
without scikit-learn.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import DataConversionWarning
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from risk_models.data.inputs import check_fit_inputs, check_frame, is_categorical
from risk_models.distill.loss import mixed_target, teacher_logit
from risk_models.params import validate_estimator_params
from risk_models.students import param_specs
from risk_models.students.protocol import DistilledStudent
from risk_models.students.rules import Condition, Rule, RuleSet
from risk_models.students.shape_table import to_level_strings

MAX_TREE_DEPTH = param_specs.MAX_TREE_DEPTH
HARD_LABEL_EPS = 1e-3  # leaf rates are clipped to [eps, 1 - eps] before taking log-odds


def _nice_threshold(prev: np.float32, q: np.float32) -> float:
    """The shortest decimal ``t`` with ``prev < float32(t) <= q`` (``q`` itself if none)."""
    qf = float(q)
    if prev < 0 <= q:
        return 0.0
    for digits in range(1, 10):
        scale = 10.0 ** (math.floor(math.log10(abs(qf))) - digits + 1)
        t = float(f"{math.floor(qf / scale) * scale:.{digits + 1}g}")
        if prev < np.float32(t) <= q:
            return t
    return qf


@dataclass(frozen=True)
class TreeDesign:
    """Numeric codes the tree splits on; every code maps back to a readable condition.

    A numeric feature becomes its bin index under ``edges[f]`` (bin ``k`` is
    ``edges[k-1] <= x < edges[k]`` in float32, at most ``max_bins`` bins at quantiles, edges
    rounded to the shortest decimal that keeps the training partition), NaN stays NaN. A
    categorical feature becomes the rank of its level by mean training target, so a split is a
    set of levels; missing values and unseen levels become NaN, so the tree routes them
    together, to the side it learns for missing values.
    """

    features: tuple[str, ...]
    edges: dict[str, tuple[float, ...]]
    ranked_levels: dict[str, tuple[str, ...]]

    @classmethod
    def fit(
        cls, X: pd.DataFrame, target: np.ndarray, weight: np.ndarray | None, max_bins: int
    ) -> TreeDesign:
        w = np.ones(len(X)) if weight is None else weight
        edges: dict[str, tuple[float, ...]] = {}
        ranked: dict[str, tuple[str, ...]] = {}
        for f in X.columns:
            s = X[f]
            if is_categorical(s):
                lv = to_level_strings(s)
                ok = lv.notna().to_numpy()
                frame = pd.DataFrame(
                    {"lv": lv[ok].to_numpy(), "wt": w[ok] * target[ok], "w": w[ok]}
                )
                g = frame.groupby("lv", sort=True)[["wt", "w"]].sum()
                mean = g["wt"] / g["w"].where(g["w"] > 0, 1.0)
                order = sorted(mean.index, key=lambda v: (mean[v], v))
                ranked[f] = tuple(str(v) for v in order)
            else:
                x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                with np.errstate(over="ignore"):  # +-inf and float32 overflow: end bins
                    x32 = x.astype(np.float32)
                edges[f] = _bin_edges(x32[np.isfinite(x32)], max_bins)
        return cls(tuple(X.columns), edges, ranked)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """float32 codes, NaN for missing (and unseen levels)."""
        out = np.empty((len(X), len(self.features)), dtype=np.float32)
        for j, f in enumerate(self.features):
            if f in self.ranked_levels:
                lv = to_level_strings(pd.Series(X[f].to_numpy(dtype=object)))
                codes = pd.Index(list(self.ranked_levels[f]), dtype=object).get_indexer(lv)
                col = codes.astype(np.float32)
                col[codes < 0] = np.nan
            else:
                x = pd.to_numeric(pd.Series(X[f].to_numpy()), errors="coerce")
                x64 = x.to_numpy(dtype=np.float64, na_value=np.nan)
                edges32 = np.asarray(self.edges[f], dtype=np.float32)
                with np.errstate(over="ignore"):
                    x32 = x64.astype(np.float32)
                col = np.searchsorted(edges32, x32, side="right").astype(np.float32)
                col[np.isnan(x64)] = np.nan
            out[:, j] = col
        return out


def _bin_edges(x32: np.ndarray, max_bins: int) -> tuple[float, ...]:
    uniq = np.unique(x32)
    if len(uniq) <= 1:
        return ()
    if len(uniq) <= max_bins:
        cut = uniq[1:]
    else:
        q = np.quantile(x32, np.linspace(0, 1, max_bins + 1)[1:-1], method="higher")
        cut = np.unique(q.astype(np.float32))
        cut = cut[cut > uniq[0]]
    pos = np.searchsorted(uniq, cut)
    return tuple(_nice_threshold(uniq[i - 1], uniq[i]) for i in pos)


class TreeStudent(DistilledStudent):
    """A shallow regression tree on the teacher's log-odds, exported as readable rules.

    The regression target is the teacher's log-odds ``logit(q)`` (``soft_target`` = teacher
    probability ``q``); with ``alpha > 0`` it is ``logit(alpha * y + (1 - alpha) * q)``, the
    log-odds of the mixed target of :func:`~risk_models.distill.loss.mixed_target`. Leaves hold
    the (weighted) mean target. Without ``soft_target`` the tree is fitted to ``y`` and each leaf
    holds the log-odds of its bad rate, clipped to ``[1e-3, 1 - 1e-3]``.

    Parameters
    ----------
    max_depth : 1 to 4; deeper trees stop being readable.
    min_samples_leaf : share of training rows (float in (0, 0.5]) or a row count (int >= 1).
    max_bins : candidate thresholds per numeric feature (quantile bins).
    alpha : weight of the hard label in the target (0 = teacher only).
    temperature : accepted for the common student interface. Matching log-odds is the
        high-temperature limit of the distillation loss, where ``T^2 * MSE(z/T, t/T) =
        MSE(z, t)``, so the fitted tree does not depend on it (it must be > 0).
    monotone : feature -> +1 (risk rises with the value), -1 or 0; numeric features only.
        Enforced by scikit-learn's ``monotonic_cst``: the leaf log-odds never fall (+1) or
        rise (-1) as the feature's value grows, other features fixed; missing values go to
        the side the tree learns, so their leaf is free.
    random_state : seed for scikit-learn's tie-breaking between equal splits.
    """

    kind = "tree"
    _parameter_constraints = param_specs.TREE

    def __init__(
        self,
        max_depth: int = 4,
        min_samples_leaf: float | int = 0.02,
        max_bins: int = 64,
        alpha: float = 0.0,
        temperature: float = 1.0,
        monotone: dict[str, int] | None = None,
        random_state: int = 0,
    ) -> None:
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_bins = max_bins
        self.alpha = alpha
        self.temperature = temperature
        self.monotone = monotone
        self.random_state = random_state

    def _monotonic_cst(self, X: pd.DataFrame) -> list[int] | None:
        """scikit-learn's ``monotonic_cst`` (one entry per column), None without constraints."""
        mono = {f: int(d) for f, d in (self.monotone or {}).items() if d}
        bad = sorted(f for f in mono if f not in X.columns or is_categorical(X[f]))
        if bad:
            raise ValueError(
                f"monotone constraints given for {bad}, which are not numeric features of X"
            )
        return [mono.get(f, 0) for f in X.columns] if mono else None

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
    ) -> TreeStudent:
        """Fit on the teacher's log-odds (``soft_target``) when given, else on ``y``.

        ``eval_set`` is accepted for the common interface and not used: a depth-limited tree
        has no boosting rounds to stop early.
        """
        validate_estimator_params(self)
        y = _check_fit_args(X, y, soft_given=soft_target is not None)
        named = isinstance(X, pd.DataFrame)
        X = check_frame(X, owner=type(self).__name__)
        monotonic_cst = self._monotonic_cst(X)
        target, weight = check_fit_inputs(X, y, soft_target, sample_weight)
        hard = soft_target is None
        if hard:
            r = target
            kind = "hard_label_log_odds"
        else:
            if self.alpha > 0:
                target = mixed_target(np.asarray(y, dtype=np.float64), target, self.alpha)
            r = teacher_logit(target)
            kind = "teacher_logit" if self.alpha == 0 else "mixed_target_logit"
        design = TreeDesign.fit(X, r, weight, int(self.max_bins))
        reg = DecisionTreeRegressor(
            max_depth=int(self.max_depth),
            min_samples_leaf=self.min_samples_leaf,
            random_state=self.random_state,
            monotonic_cst=monotonic_cst,
        )
        reg.fit(design.transform(X), r, sample_weight=weight)
        node_value = reg.tree_.value[:, 0, 0].astype(np.float64)
        if hard:
            node_value = teacher_logit(node_value, eps=HARD_LABEL_EPS)
        self.classes_ = np.array([0, 1])
        self.design_ = design
        self.regressor_ = reg
        self.node_logit_ = node_value
        self.n_features_in_ = X.shape[1]
        if named:
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.features_ = list(X.columns)
        mono = {f: int(d) for f, d in (self.monotone or {}).items() if d}
        self.rule_set_ = export_rules(reg, design, node_value, target_kind=kind, monotone=mono)
        self.n_leaves_ = self.rule_set_.n_rules
        return self

    def _frame(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "rule_set_")
        return check_frame(X, owner=type(self).__name__, columns=self.features_)

    def trainer_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds from the scikit-learn tree itself (its leaves), for checking the rules."""
        X = self._frame(X)
        return self.node_logit_[self.regressor_.apply(self.design_.transform(X))]

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class, from the rule set (no scikit-learn)."""
        X = self._frame(X)
        return self.rule_set_.predict_logit(X)

    def export(self) -> RuleSet:
        """The exported model: the rule set."""
        check_is_fitted(self, "rule_set_")
        return self.rule_set_


def _check_fit_args(X: Any, y: Any, *, soft_given: bool = False) -> Any:
    """Checks ahead of the shared ones, so that refusals use scikit-learn's wording.

    Returns ``y``, a column vector flattened (with scikit-learn's warning). With soft targets,
    ``y`` may hold probabilities in [0, 1] (transfer-set rows carry the teacher's).
    """
    check_frame(X, owner="TreeStudent")  # refusals in scikit-learn's words, before y's
    if y is None:
        raise ValueError("TreeStudent requires y to be passed, but the target y is None")
    if (len(X) if isinstance(X, pd.DataFrame) else np.asarray(X).shape[0]) == 1:
        raise ValueError("n_samples=1: a tree needs at least 2 training rows")
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; flattening it",
            DataConversionWarning,
            stacklevel=3,
        )
        y = y_arr = y_arr.ravel()
    if y_arr.dtype.kind in "biuf":
        kind = type_of_target(y_arr[~pd.isna(y_arr)] if y_arr.dtype.kind == "f" else y_arr)
        if kind in ("multiclass", "multiclass-multioutput", "multilabel-indicator"):
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {kind}."
            )
        in_unit = bool(np.all((y_arr >= 0) & (y_arr <= 1)))
        if kind == "continuous" and soft_given and in_unit:
            return y
        if kind in ("continuous", "continuous-multioutput"):
            raise ValueError(
                f"Unknown label type: {kind}. y must be binary 0/1 (1 = bad); pass teacher "
                "probabilities as soft_target="
            )
    return y


def _merge_path(
    feature: str,
    steps: list[tuple[float, bool, bool]],
    design: TreeDesign,
) -> list[Condition]:
    """The conditions of ``(threshold, went_left, missing_went_left)`` splits on one feature."""
    missing_ok = all(left == mleft for _, left, mleft in steps)
    if feature in design.ranked_levels:
        levels = design.ranked_levels[feature]
        allowed = np.ones(len(levels), dtype=bool)
        ranks = np.arange(len(levels))
        for thr, left, _ in steps:
            allowed &= (ranks <= thr) if left else (ranks > thr)
        inside = sorted(lv for lv, a in zip(levels, allowed, strict=True) if a)
        outside = sorted(lv for lv, a in zip(levels, allowed, strict=True) if not a)
        if not outside:
            return [] if missing_ok else [Condition(feature, "not_missing")]
        if not inside:
            return [Condition(feature, "is_missing" if missing_ok else "not_missing")]
        if len(inside) <= len(outside):
            return [Condition(feature, "in", levels=tuple(inside), missing_goes=missing_ok)]
        return [Condition(feature, "not_in", levels=tuple(outside), missing_goes=missing_ok)]
    edges = design.edges[feature]
    n_bins = len(edges) + 1
    lo, hi = 0, n_bins  # allowed bins [lo, hi)
    for thr, left, _ in steps:
        # INFINITY is scikit-learn's threshold for "every value left, only missing right".
        c = n_bins - 1 if math.isinf(thr) else math.floor(thr)
        if left:
            hi = min(hi, c + 1)
        else:
            lo = max(lo, c + 1)
    if lo >= hi:
        if not missing_ok:  # pragma: no cover - a tree never builds an empty leaf
            raise RuntimeError(f"empty path on {feature!r}")
        return [Condition(feature, "is_missing")]
    out: list[Condition] = []
    if lo > 0:
        out.append(Condition(feature, ">=", edges[lo - 1], missing_goes=missing_ok))
    if hi < n_bins:
        out.append(Condition(feature, "<", edges[hi - 1], missing_goes=missing_ok))
    if not out and not missing_ok:
        out.append(Condition(feature, "not_missing"))
    return out


def export_rules(
    reg: DecisionTreeRegressor,
    design: TreeDesign,
    node_logit: np.ndarray,
    *,
    target_kind: str = "teacher_logit",
    monotone: dict[str, int] | None = None,
) -> RuleSet:
    """One rule per leaf of ``reg`` (fitted on ``design``), with its path decomposition.

    ``monotone`` (feature -> enforced direction) is recorded in the rule set's metadata.

    Each leaf's conditions are its path with repeated splits on a feature merged into one
    range or level set. Its ``contributions`` are the path decomposition (Saabas): every split
    gives the change in node log-odds to its feature, so they sum to ``leaf - root``.
    """
    t = reg.tree_
    left, right = t.children_left, t.children_right
    weight = t.weighted_n_node_samples
    rules: list[Rule] = []

    def walk(node: int, path: list[tuple[int, bool]]) -> None:
        if left[node] == -1:
            rules.append(_leaf_rule(node, path))
            return
        walk(int(left[node]), [*path, (node, True)])
        walk(int(right[node]), [*path, (node, False)])

    def _leaf_rule(leaf: int, path: list[tuple[int, bool]]) -> Rule:
        per_feature: dict[str, list[tuple[float, bool, bool]]] = {}
        contrib: dict[str, float] = {}
        nodes = [n for n, _ in path] + [leaf]
        for (node, went_left), child in zip(path, nodes[1:], strict=True):
            f = design.features[int(t.feature[node])]
            per_feature.setdefault(f, []).append(
                (float(t.threshold[node]), went_left, bool(t.missing_go_to_left[node]))
            )
            contrib[f] = contrib.get(f, 0.0) + float(node_logit[child] - node_logit[node])
        conditions = [c for f, steps in per_feature.items() for c in _merge_path(f, steps, design)]
        return Rule(
            tuple(conditions),
            float(node_logit[leaf]),
            float(weight[leaf] / weight[0]),
            tuple(contrib.items()),
        )

    walk(0, [])
    cats = {f: tuple(sorted(lv)) for f, lv in design.ranked_levels.items()}
    meta = {
        "student": "tree",
        "target": target_kind,
        "max_depth": int(reg.get_depth()),
        "n_leaves": len(rules),
        **({"monotone": dict(monotone)} if monotone else {}),
    }
    root = float(node_logit[0])
    return RuleSet(tuple(rules), root, root, design.features, cats, meta)
