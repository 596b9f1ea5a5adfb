"""GA2M student: the GAM plus a few pairwise interaction terms, exported as 2-D tables.

Fitting runs in three stages:

1. the additive stage, exactly as :class:`~risk_models.students.gam.GAMStudent`;
2. FAST-style pair ranking (Lou et al. 2013): bin every feature (quantiles for numerics,
   levels for categoricals, missing its own bin) and score each pair by how much of the
   residual the additive stage leaves (teacher logit minus student logit; the hard-label
   gradient without soft labels) a 2-D table of cell means explains beyond the best sum of
   two 1-D tables on the same cells (the interaction sum of squares);
3. for each of the ``n_pairs`` best pairs in turn, depth-2 trees boosted on that pair's
   two design columns only (categoricals split natively over their levels), starting from
   the current margin. Such a tree is a function of the
   pair alone, so the pair booster is evaluated on the grid of its own split thresholds and
   stored as a 2-D :class:`~risk_models.students.shape_table.Term` named ``"a x b"``.
   The current margin is read from the exported terms (the additive table, then each pair's
   table), which equal the boosters' leaf sums to 1e-6, by a lookup per feature rather than
   by routing every row through every tree; the pair path is judged on the shipped table.

A pair table's numeric edges are clipped to the training range of their feature
(:func:`clip_pair_term`): XGBoost separates missing from present values with a split above
the largest value it has seen (about twice it), which would show as a bin such as
``>= 1256`` on a feature whose largest value is 629. Values beyond the training range score as
the nearest observed cell, in the table and in the boosters' own path alike (``pair_ranges_``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.utils.validation import check_is_fitted

from risk_models.data.inputs import check_frame, is_categorical
from risk_models.device import auto_threads
from risk_models.students import param_specs
from risk_models.students._ga2m_tables import (
    clip_pair_term,
    clip_to_ranges,
    export_pair_term,
    observed_ranges,
)
from risk_models.students._pair_path import MIN_GAIN_SHARE, PairPath, min_gain, row_log_loss
from risk_models.students.boosting import (
    DistillTarget,
    categorical_param,
    leaf_sum,
    monotone_param,
    train_stage,
)
from risk_models.students.design import AdditiveDesign
from risk_models.students.gam import GAMStudent
from risk_models.students.shape_table import ShapeTable, Term, to_level_strings
from risk_models.xgb_utils import xgb_device_params


class GA2MStudent(GAMStudent):
    """GAM plus ``n_pairs`` pairwise interaction terms chosen by a FAST-style ranking.

    Parameters
    ----------
    n_estimators, learning_rate, max_bin, min_child_weight, reg_lambda,
    early_stopping_rounds, early_stopping_tolerance, monotone, alpha, temperature, max_terms,
    min_level_count, device, random_state :
        as :class:`~risk_models.students.gam.GAMStudent`; they govern the additive stage
        (``max_terms`` budgets the one-feature terms; pairs may use any feature).
        ``monotone`` is also enforced in the pair trees and verified on the pair tables.
    n_pairs : number of pair terms (the pair budget).
    pair_max_bin : bins per feature for the ranking and histogram bins for the pair trees
        (so a numeric axis of a pair table has at most about ``pair_max_bin + 1`` cells).
    pair_learning_rate : shrinkage per pair-tree round.
    pair_rounds : maximum depth-2 rounds per pair (early stopping as the additive stage).
    pair_patience : with ``eval_set``, ``n_pairs`` is a ceiling: pairs are added best first
        and the path stops after ``pair_patience`` pairs in a row that do not lower the
        validation loss significantly (:mod:`risk_models.students._pair_path`); the model
        keeps the pairs up to the last one that did. Without ``eval_set`` all are kept.
    pair_min_gain : with soft validation targets, the share of the constant model's
        validation KL a pair must remove to count (``_pair_path.MIN_GAIN_SHARE`` default).

    Fitted attributes: those of ``GAMStudent`` (``booster_``, ``design_`` and ``n_trees_``
    are the additive stage's), plus ``pair_ranking_`` (every candidate pair as
    ``(feature_a, feature_b, score)``, best first), ``pairs_`` (the chosen pairs: the best
    ``n_pairs``, less any that explain none of the residual, cut by the validation path),
    ``pair_path_`` (the validation record of the path, or None without ``eval_set``),
    ``pair_boosters_`` and ``pair_designs_`` (one per chosen pair), and ``pair_ranges_``
    (numeric pair feature -> its ``(min, max)`` in training, where its table edges stop).
    """

    kind = "ga2m"
    _parameter_constraints = param_specs.GA2M

    def __init__(
        self,
        n_estimators: int = 2000,
        learning_rate: float = 0.1,
        max_bin: int = 64,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 50,
        early_stopping_tolerance: float = 0.0,
        monotone: dict[str, int] | None = None,
        alpha: float = 0.0,
        temperature: float = 1.0,
        max_terms: int | None = None,
        min_level_count: int = 20,
        n_pairs: int = 3,
        pair_max_bin: int = 16,
        pair_learning_rate: float = 0.1,
        pair_rounds: int = 500,
        pair_patience: int = 3,
        pair_min_gain: float = MIN_GAIN_SHARE,
        device: str = "auto",
        random_state: int = 0,
    ) -> None:
        super().__init__(
            n_estimators=n_estimators,
            learning_rate=learning_rate,
            max_bin=max_bin,
            min_child_weight=min_child_weight,
            reg_lambda=reg_lambda,
            early_stopping_rounds=early_stopping_rounds,
            early_stopping_tolerance=early_stopping_tolerance,
            monotone=monotone,
            alpha=alpha,
            temperature=temperature,
            max_terms=max_terms,
            min_level_count=min_level_count,
            device=device,
            random_state=random_state,
        )
        self.n_pairs = n_pairs
        self.pair_max_bin = pair_max_bin
        self.pair_learning_rate = pair_learning_rate
        self.pair_rounds = pair_rounds
        self.pair_patience = pair_patience
        self.pair_min_gain = pair_min_gain

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        soft_target: Any = None,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        sample_weight: Any = None,
        reuse: Iterable[Any] = (),
    ) -> GA2MStudent:
        """Fit the additive stage (or take a matching one from ``reuse``: a GAM fitted with
        the same additive-stage parameters on the same data), rank pairs, then boost the
        chosen pair terms."""
        X = check_frame(X, owner=type(self).__name__)
        X, target = self._prepare(X, y, soft_target, sample_weight)
        self._fit_main_effects(X, target, eval_set, reuse)
        additive = self.shape_table_
        margin = additive.predict_logit(X)  # from the table, not leaf routing (docstring)
        self._choose_pairs(X, target, margin)
        valid = None
        if eval_set is not None:
            Xv = self._frame(eval_set[0])
            valid = (Xv, np.asarray(eval_set[1], dtype=np.float64), additive.predict_logit(Xv))
        self.pair_designs_: list[AdditiveDesign] = []
        self.pair_boosters_: list[Any] = []
        pair_terms: list[Term] = []
        path = (
            None
            if valid is None
            else PairPath(
                row_log_loss(valid[1], valid[2]),
                self.pair_patience,
                min_gain(valid[1], target.start, float(self.pair_min_gain)),
            )
        )
        for a, b in self.pairs_:
            design = AdditiveDesign.fit(X[[a, b]], min_level_count=int(self.min_level_count))
            booster, term, margin, valid = self._fit_pair(
                X, design, f"{a} x {b}", target, margin, valid
            )
            self.pair_designs_.append(design)
            self.pair_boosters_.append(booster)
            pair_terms.append(term)
            if (
                path is not None
                and valid is not None
                and not path.add(row_log_loss(valid[1], valid[2]))
            ):
                break
        self.pair_path_ = None if path is None else path.summary()
        if path is not None:  # keep the pairs up to the last one that helped on validation
            keep = path.n_keep
            self.pairs_ = self.pairs_[:keep]
            self.pair_designs_, self.pair_boosters_ = (
                self.pair_designs_[:keep],
                self.pair_boosters_[:keep],
            )
            pair_terms = pair_terms[:keep]
        self.pair_ranges_ = observed_ranges(X, {f for p in self.pairs_ for f in p})
        used = set(additive.features) | {f for p in self.pairs_ for f in p}
        meta = {
            **additive.metadata,
            "pairs": [list(p) for p in self.pairs_],
            "n_pair_trees": [int(b.num_boosted_rounds()) for b in self.pair_boosters_],
            "pair_path": self.pair_path_,
        }
        self.shape_table_ = ShapeTable(
            additive.intercept,
            (*additive.terms, *pair_terms),
            tuple(f for f in X.columns if f in used),
            meta,
        )
        self._verify()
        return self

    def _choose_pairs(self, X: pd.DataFrame, target: DistillTarget, margin: np.ndarray) -> None:
        """Rank every pair on the additive stage's residual; keep the best ``n_pairs``.

        The residual is teacher logit minus student logit with soft labels, else the hard-label
        gradient ``y - p``. A pair that explains (numerically) nothing is not given a table.
        """
        if target.teacher_logit is not None:
            residual = target.teacher_logit - margin
        else:
            residual = target.label - expit(margin)
        w = np.ones(len(X)) if target.weight is None else target.weight
        self.pair_ranking_ = rank_pairs(
            X, residual, w, max_bin=self.pair_max_bin, min_level_count=int(self.min_level_count)
        )
        floor = 1e-9 * float(np.sum(w * residual**2))
        self.pairs_ = [(a, b) for a, b, s in self.pair_ranking_[: self.n_pairs] if s > floor]

    def _fit_pair(
        self,
        X: pd.DataFrame,
        design: AdditiveDesign,
        name: str,
        target: DistillTarget,
        margin: np.ndarray,
        valid: tuple[pd.DataFrame, np.ndarray, np.ndarray] | None,
    ) -> tuple[Any, Term, np.ndarray, tuple[pd.DataFrame, np.ndarray, np.ndarray] | None]:
        """Boost one pair's depth-2 trees from ``margin``; return the booster, its exported
        (clipped) term and the margins with that term added (looked up in the term, which
        matches the booster's leaf sums on the training range)."""
        params: dict[str, Any] = {
            "max_depth": 2,
            "eta": self.pair_learning_rate,
            "max_bin": self.pair_max_bin,
            "min_child_weight": self.min_child_weight,
            "lambda": self.reg_lambda,
            "seed": self.random_state,
            "nthread": auto_threads(len(X) * len(design.columns)),
            **xgb_device_params(self.device, type(self).__name__),
            **monotone_param(design, self._monotone),
            **categorical_param(design),
        }
        dtrain = design.dmatrix(
            X, label=target.label, weight=target.weight, base_margin=margin.astype(np.float32)
        )
        dvalid = None
        if valid is not None:
            Xv, tv, mv = valid
            dvalid = design.dmatrix(Xv, label=tv, base_margin=mv.astype(np.float32))
        booster = train_stage(
            params,
            target,
            dtrain,
            dvalid,
            num_boost_round=self.pair_rounds,
            early_stopping_rounds=self.early_stopping_rounds,
            tolerance=float(self.early_stopping_tolerance),
        )
        term = clip_pair_term(export_pair_term(booster, design, name), X)
        margin = margin + term.contributions(X)
        if valid is not None:
            valid = (valid[0], valid[1], valid[2] + term.contributions(valid[0]))
        return booster, term, margin, valid

    def booster_margin(self, X: pd.DataFrame, *, exact: bool = True) -> np.ndarray:
        """Margins from the boosters (additive stage plus every pair), for checking the table.

        With ``exact=True`` every booster's chosen float32 leaves are summed in float64.
        """
        check_is_fitted(self, "pair_boosters_")
        X = self._frame(X)
        total = self._stump_margin(X, exact=exact)
        clipped = clip_to_ranges(X, self.pair_ranges_)
        for design, booster in zip(self.pair_designs_, self.pair_boosters_, strict=True):
            d = design.dmatrix(clipped, base_margin=np.zeros(len(X)))
            if exact:
                total = total + leaf_sum(booster, d)
            else:
                total = total + booster.predict(d, output_margin=True).astype(np.float64)
        return total


RANKING_MAX_LEVELS = 64  # levels of one categorical given their own bin in the pair ranking


def fast_bins(
    values: pd.Series, max_bin: int, weight: np.ndarray | None = None, min_level_count: int = 1
) -> tuple[np.ndarray, int]:
    """Bin codes for the pair ranking and the number of bins (missing is the last bin).

    Numerics: up to ``max_bin`` (weighted) quantile bins; categoricals: one bin per level
    seen at least ``min_level_count`` times, at most the ``RANKING_MAX_LEVELS`` most frequent,
    the other levels in one pooled bin (so the ranking's cost does not grow with the levels).
    Quantiles use the inverted CDF, so a weight of 2 bins a row as two copies would.
    """
    if is_categorical(values):
        lv = to_level_strings(values)
        counts = lv.value_counts(dropna=True)
        kept = counts[counts.to_numpy() >= min_level_count].index[:RANKING_MAX_LEVELS]
        codes = pd.Index(sorted(kept), dtype=object).get_indexer(lv).astype(np.int64)
        codes = np.where(codes < 0, len(kept), codes)  # pooled levels
        codes[lv.isna().to_numpy()] = len(kept) + 1
        return codes, len(kept) + 2
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    finite = ~np.isnan(x)
    w = np.ones(len(x)) if weight is None else np.asarray(weight, dtype=np.float64)
    edges = np.empty(0)
    if finite.any() and w[finite].sum() > 0:
        qs = np.linspace(0.0, 1.0, max_bin + 1)[1:-1]
        q = np.quantile(x[finite], qs, method="inverted_cdf", weights=w[finite])
        edges = np.unique(q)
    codes = np.searchsorted(edges, x, side="right").astype(np.int64)
    codes[~finite] = len(edges) + 1
    return codes, len(edges) + 2


def interaction_score(
    codes_a: np.ndarray, n_a: int, codes_b: np.ndarray, n_b: int, r: np.ndarray, w: np.ndarray
) -> float:
    """Reduction in weighted squared error of ``r``: 2-D cell means vs the best additive fit.

    Equals ``RSS(f(a) + g(b)) - RSS(h(a, b))`` with all three fitted by weighted least squares
    on the bins; the within-cell error is common to both and cancels.
    """
    cell = codes_a * n_b + codes_b
    W = np.bincount(cell, weights=w, minlength=n_a * n_b)
    S = np.bincount(cell, weights=w * r, minlength=n_a * n_b)
    occupied = np.flatnonzero(W > 0)
    if occupied.size == 0:
        return 0.0
    means = S[occupied] / W[occupied]
    design = np.zeros((occupied.size, n_a + n_b))
    rows = np.arange(occupied.size)
    design[rows, occupied // n_b] = 1.0
    design[rows, n_a + occupied % n_b] = 1.0
    sw = np.sqrt(W[occupied])
    coef, *_ = np.linalg.lstsq(design * sw[:, None], means * sw, rcond=None)
    fitted = design @ coef
    return float(max(np.sum(W[occupied] * (means - fitted) ** 2), 0.0))


def rank_pairs(
    X: pd.DataFrame,
    residual: np.ndarray,
    weight: np.ndarray | None = None,
    *,
    max_bin: int = 16,
    min_level_count: int = 1,
) -> list[tuple[str, str, float]]:
    """Every pair of columns of ``X`` scored by :func:`interaction_score`, best first.

    Pairs are named in column order; ties keep that order.
    """
    r = np.asarray(residual, dtype=np.float64)
    w = np.ones(len(X)) if weight is None else np.asarray(weight, dtype=np.float64)
    binned = {c: fast_bins(X[c], max_bin, w, min_level_count) for c in X.columns}
    scored = [
        (a, b, interaction_score(*binned[a], *binned[b], r, w))
        for a, b in itertools.combinations(X.columns, 2)
    ]
    return sorted(scored, key=lambda t: -t[2])
