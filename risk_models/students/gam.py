"""GAM student: boosted depth-1 trees on soft labels, exported to a :class:`ShapeTable`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from risk_models.device import auto_threads
from risk_models.students._fit_inputs import check_fit_inputs, ensure_frame
from risk_models.students.design import MISSING_LEVEL, AdditiveDesign
from risk_models.students.shape_table import Axis, ShapeTable, Term
from risk_models.xgb_utils import base_margin, booster_json, train_booster, xgb_device_params


class GAMStudent(ClassifierMixin, BaseEstimator):
    """Generalised additive model distilled from soft labels.

    XGBoost with ``max_depth=1`` (stumps) is purely additive: every tree changes one feature's
    shape function. Categoricals are one-hot encoded, so a level's contribution is the sum of
    its dummies' stumps. The fitted model is exported to ``shape_table_``, which scores the
    same rows to float32 rounding without XGBoost.

    Parameters
    ----------
    n_estimators : maximum boosting rounds.
    learning_rate : shrinkage per round.
    max_bin : histogram bins per numeric feature (caps the number of shape-function steps).
    min_child_weight, reg_lambda : XGBoost regularisation.
    early_stopping_rounds : rounds without validation improvement before stopping.
    monotone : feature -> +1 (risk rises with the value) or -1; numeric features only.
    device : ``"auto"`` (CUDA when present), ``"cuda"`` or ``"cpu"``.
    random_state : seed.
    """

    def __init__(
        self,
        n_estimators: int = 2000,
        learning_rate: float = 0.1,
        max_bin: int = 64,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 50,
        monotone: dict[str, int] | None = None,
        device: str = "auto",
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_bin = max_bin
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.monotone = monotone
        self.device = device
        self.random_state = random_state

    def _params(self, design: AdditiveDesign) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "binary:logistic",
            "eval_metric": "logloss",
            "max_depth": 1,
            "eta": self.learning_rate,
            "max_bin": self.max_bin,
            "min_child_weight": self.min_child_weight,
            "lambda": self.reg_lambda,
            "seed": self.random_state,
            **xgb_device_params(self.device, "GAMStudent"),
        }
        mono = dict(self.monotone or {})
        bad = sorted(set(mono) - set(design.numeric))
        if bad:
            raise ValueError(
                f"monotone constraints given for {bad}, which are not numeric features of X"
            )
        if mono:
            params["monotone_constraints"] = (
                "("
                + ",".join(
                    str(int(mono.get(c.feature, 0)) if c.level is None else "0")
                    for c in design.columns
                )
                + ")"
            )
        return params

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
    ) -> GAMStudent:
        """Fit on ``soft_target`` (teacher probabilities) when given, else on ``y``.

        ``eval_set=(X_valid, target_valid)`` enables early stopping; its target may be soft.
        """
        import xgboost as xgb

        X = ensure_frame(X)
        target, weight = check_fit_inputs(X, y, soft_target, sample_weight)
        self.classes_ = np.array([0, 1])
        design = AdditiveDesign.fit(X)
        params = self._params(design)
        params["nthread"] = auto_threads(len(X) * len(design.columns))
        # Positional feature names (f0, f1, ...): raw names may hold characters XGBoost refuses.
        dtrain = xgb.DMatrix(design.transform(X), label=target, weight=weight, missing=np.nan)
        dvalid = None
        if eval_set is not None:
            Xv, tv = eval_set
            Xv = ensure_frame(Xv, columns=list(X.columns))
            dvalid = xgb.DMatrix(design.transform(Xv), label=np.asarray(tv, float))
        booster, n_trees = train_booster(
            params,
            dtrain,
            dvalid,
            num_boost_round=self.n_estimators,
            early_stopping_rounds=self.early_stopping_rounds,
        )
        self.design_ = design
        self.booster_ = booster
        self.n_trees_ = n_trees
        self.device_ = params["device"]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.shape_table_ = export_stump_table(booster, design)
        return self

    def booster_margin(self, X: pd.DataFrame, *, exact: bool = True) -> np.ndarray:
        """Margins from the XGBoost booster itself, for checking the table.

        XGBoost sums its float32 leaves in float32, which drifts by ~1e-6 over thousands of
        trees. With ``exact=True`` the booster routes every row (``pred_leaf``) and the
        chosen leaves are summed in float64, so the comparison isolates the table's routing.
        """
        import xgboost as xgb

        check_is_fitted(self, "booster_")
        X = ensure_frame(X, columns=list(self.feature_names_in_))
        d = xgb.DMatrix(self.design_.transform(X))
        if not exact:
            return self.booster_.predict(d, output_margin=True).astype(np.float64)
        leaves = self.booster_.predict(d, pred_leaf=True).reshape(len(X), -1)
        model = booster_json(self.booster_)
        total = np.full(len(X), base_margin(model), dtype=np.float64)
        for t, tree in enumerate(model["learner"]["gradient_booster"]["model"]["trees"]):
            values = np.asarray(tree["split_conditions"], dtype=np.float32).astype(np.float64)
            total += values[leaves[:, t].astype(np.int64)]
        return total

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class, from the shape table (NumPy only)."""
        check_is_fitted(self, "shape_table_")
        X = ensure_frame(X, columns=list(self.feature_names_in_))
        return self.shape_table_.predict_logit(X)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        z = self.decision_function(X)
        p = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)

    def explain(self) -> ShapeTable:
        """The exported model: the shape table."""
        check_is_fitted(self, "shape_table_")
        return self.shape_table_


def _stumps(model: dict[str, Any]) -> tuple[list[tuple[int, float, float, float, bool]], float]:
    """(feature index, threshold, left value, right value, default_left) per split tree.

    Trees without a split add their leaf value to the returned constant.
    """
    stumps: list[tuple[int, float, float, float, bool]] = []
    constant = 0.0
    for tree in model["learner"]["gradient_booster"]["model"]["trees"]:
        left, right = tree["left_children"], tree["right_children"]
        cond = tree["split_conditions"]
        if left[0] == -1:
            constant += float(np.float32(cond[0]))
            continue
        if tree.get("split_type", [0])[0] != 0:
            raise ValueError("categorical splits are not expected in a one-hot design")
        li, ri = left[0], right[0]
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
    return stumps, constant


def _eval_stumps(stumps: list[tuple[int, float, float, float, bool]], value: float) -> float:
    """Sum of stumps at one value, with XGBoost's float32 ``x < threshold`` rule."""
    total = 0.0
    for _, thr, lv, rv, dl in stumps:
        if np.isnan(value):
            total += lv if dl else rv
        else:
            total += lv if np.float32(value) < np.float32(thr) else rv
    return total


def export_stump_table(booster: Any, design: AdditiveDesign) -> ShapeTable:
    """Turn a stump booster over ``design`` into a :class:`ShapeTable` (exact up to float32)."""
    model = booster_json(booster)
    stumps, constant = _stumps(model)
    by_col: dict[int, list[tuple[int, float, float, float, bool]]] = {}
    for s in stumps:
        by_col.setdefault(s[0], []).append(s)
    columns = design.columns
    intercept = base_margin(model) + constant
    terms: list[Term] = []
    for feature in design.features:
        if feature in design.categorical:
            levels = design.categorical[feature]
            dummies = [(i, c) for i, c in enumerate(columns) if c.feature == feature]
            # Value of every dummy at 0: the baseline shared by all rows.
            at0 = {i: _eval_stumps(by_col.get(i, []), 0.0) for i, _ in dummies}
            base = sum(at0.values())
            at1 = {i: _eval_stumps(by_col.get(i, []), 1.0) for i, _ in dummies}
            idx_of = {c.level: i for i, c in dummies}
            values = [base - at0[idx_of[lv]] + at1[idx_of[lv]] for lv in levels]
            if MISSING_LEVEL in idx_of:
                i = idx_of[MISSING_LEVEL]
                missing = base - at0[i] + at1[i]
            else:
                missing = base
            axis = Axis(feature, "categorical", levels=levels)
            arr = np.asarray([*values, missing, base], dtype=np.float64)
        else:
            col = next(i for i, c in enumerate(columns) if c.name == feature)
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
    meta = {"student": "gam", "n_trees": int(booster.num_boosted_rounds())}
    return ShapeTable(float(intercept), tuple(terms), tuple(design.features), meta)
