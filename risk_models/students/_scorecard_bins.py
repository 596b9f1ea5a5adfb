"""Coarse bins and bin coefficients of :class:`~risk_models.students.scorecard.ScorecardStudent`.

Steps 1 and 2 of the fit described in :mod:`risk_models.students.scorecard`: per-feature bins
(first on the teacher, then refined by backfitting), the bin coefficients that minimise the
distillation loss plus ridge under the declared directions (projected Newton), and the merging
of neighbouring intervals that end with the same integer points.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from threadpoolctl import threadpool_limits

from risk_models.data.inputs import check_frame, is_categorical
from risk_models.distill.loss import distillation_grad_hess, distillation_row_loss
from risk_models.students._scorecard_points import feature_points
from risk_models.students.binning import (
    FeatureBins,
    LevelCodes,
    bin_categorical,
    bin_numeric,
    numeric_bins,
)

_MAX_STEP = 4.0  # cap on the Newton step (log-odds) in the working response of backfitting


def fit_bins_and_coef(
    X: pd.DataFrame,
    y: np.ndarray,
    t: np.ndarray,
    w: np.ndarray,
    alpha: float,
    T: float,
    mono: dict[str, int],
    *,
    max_bins: int,
    min_bin_share: float,
    refine_rounds: int,
    l2: float,
    factor: float,
    random_state: int,
    coded: dict[str, LevelCodes] | None = None,
) -> tuple[dict[str, FeatureBins], float, dict[str, np.ndarray]]:
    """Bin on the teacher (or ``y``), refine the bins by backfitting, fit, merge ties.

    ``coded``: :func:`level_codes` of ``X`` when the caller bins it again at other ceilings.
    """
    min_rows = max(1, math.ceil(min_bin_share * len(X)))
    coded = level_codes(X) if coded is None else coded

    def make_bins(f: str, target: np.ndarray, weight: np.ndarray) -> FeatureBins:
        if f in coded:
            return bin_categorical(
                f, None, target, weight, max_bins=max_bins, min_rows=min_rows,
                random_state=random_state, coded=coded[f],
            )  # fmt: skip
        x = pd.to_numeric(X[f], errors="coerce").to_numpy(dtype=np.float64)
        return bin_numeric(
            f, x, target, weight, max_bins=max_bins, min_rows=min_rows,
            direction=mono.get(f, 0), random_state=random_state,
        )  # fmt: skip

    def bin_index(f: str, b: FeatureBins) -> np.ndarray:
        return coded[f].bin_index(b) if f in coded else b.bin_index(X[f])

    bins = {f: make_bins(f, t if alpha < 1 else y, w) for f in X.columns}
    for _ in range(int(refine_rounds)):
        # Backfitting: re-bin each feature on its partial working response (its current
        # contribution plus the Newton step of the loss), weighted by the Hessian.
        idx = {f: bin_index(f, b) for f, b in bins.items()}
        b0, coef = _fit_coef(bins, idx, y, t, w, alpha, T, mono, l2)
        contrib = {f: coef[f][idx[f]] for f in bins}
        z = b0 + np.sum(list(contrib.values()), axis=0)
        g, h = distillation_grad_hess(z, y, t, alpha, T)
        step = np.clip(-g / h, -_MAX_STEP, _MAX_STEP)
        bins = {f: make_bins(f, contrib[f] + step, w * h) for f in X.columns}
    while True:
        idx = {f: bin_index(f, b) for f, b in bins.items()}
        b0, coef = _fit_coef(bins, idx, y, t, w, alpha, T, mono, l2)
        merged = _merge_flat_steps(bins, coef, factor)
        if merged is None:
            return bins, b0, coef
        bins = merged


def level_codes(X: pd.DataFrame) -> dict[str, LevelCodes]:
    """:class:`LevelCodes` of every categorical column of ``X`` (by name)."""
    return {f: LevelCodes.of(f, X[f]) for f in X.columns if is_categorical(X[f])}


def _fit_coef(
    bins: dict[str, FeatureBins],
    idx: dict[str, np.ndarray],
    y: np.ndarray,
    t: np.ndarray,
    w: np.ndarray,
    alpha: float,
    T: float,
    mono: dict[str, int],
    l2: float,
) -> tuple[float, dict[str, np.ndarray]]:
    feats = list(bins)
    blocks = [
        (bins[f].n_bins, mono.get(f, 0), bins[f].n_intervals() if f in mono else 0) for f in feats
    ]
    b0, beta = fit_bin_coefficients(
        [idx[f] for f in feats], blocks, y, t, w, alpha=alpha, temperature=T, l2=l2
    )
    return b0, dict(zip(feats, beta, strict=True))


def fit_bin_coefficients(
    codes: list[np.ndarray],
    blocks: list[tuple[int, int, int]],
    y: np.ndarray,
    t: np.ndarray,
    w: np.ndarray,
    *,
    alpha: float,
    temperature: float,
    l2: float,
) -> tuple[float, list[np.ndarray]]:
    """Intercept and per-bin coefficients minimising the weighted distillation loss + ridge.

    ``codes[f]`` holds every row's bin of feature ``f``; ``blocks[f] = (n_bins, direction,
    n_monotone)``: with ``direction`` +1/-1 the first ``n_monotone`` coefficients must be
    non-decreasing/non-increasing. Those are parametrised as a first value plus
    non-negative steps (``beta = M @ theta``). The problem is convex and small (one
    parameter per bin), so it is solved by projected Newton: exact Hessian on the free
    parameters, steps that hit a bound are projected back, Armijo backtracking. The ridge
    ``l2/2 * |beta|^2`` (intercept unpenalised) keeps the one-hot design, whose bins of
    every feature sum to the intercept's column, strictly convex.
    """
    sizes = [b[0] for b in blocks]
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    P = int(starts[-1])
    codes = [np.asarray(c, dtype=np.int64) for c in codes]
    # The design of theta is [1, A @ M] with A the one-hot bins (one 1 per row and feature)
    # and M the dense P x P map beta = M @ theta[1:]. Every product goes through the codes:
    # A.T @ v is a bincount per feature and A.T @ diag(v) @ A a weighted 2-d histogram per
    # pair of features (no sparse matrix is built), then M maps them to theta.
    M = np.eye(P)
    lower = np.full(P + 1, -np.inf)  # theta[0] is the intercept
    for s, (_, d, k) in zip(starts[:-1], blocks, strict=True):
        if d and k > 1:
            for r in range(1, k):
                M[s + r, s + 1 : s + r + 1] = float(d)
                lower[1 + s + r] = 0.0
    W = float(w.sum())
    mean = float(np.average(expit(t) if alpha < 1 else y, weights=w))
    mean = min(max(mean, 1e-6), 1 - 1e-6)
    theta = np.zeros(P + 1)
    theta[0] = math.log(mean / (1 - mean))
    ridge = np.zeros((P + 1, P + 1))
    ridge[1:, 1:] = l2 * (M.T @ M)

    def AT(v: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [np.bincount(c, weights=v, minlength=k) for c, k in zip(codes, sizes, strict=True)]
        )

    def objective(th: np.ndarray) -> tuple[float, np.ndarray]:
        beta = M @ th[1:]
        z = np.full(len(y), th[0])
        for c, s in zip(codes, starts[:-1], strict=True):
            z += beta[s:][c]
        pen = 0.5 * float(th @ (ridge @ th))
        loss = float(np.sum(w * distillation_row_loss(z, y, t, alpha, temperature)) / W) + pen
        return loss, z

    f, z = objective(theta)
    for _ in range(100):
        g, h = distillation_grad_hess(z, y, t, alpha, temperature)
        gw = g * w / W
        grad = np.concatenate([[gw.sum()], M.T @ AT(gw)]) + ridge @ theta
        at_bound = (theta <= lower) & (grad > 0)
        if np.max(np.abs(np.where(at_bound, 0.0, grad)), initial=0.0) < 1e-11:
            break
        free = ~at_bound
        hw = w * h / W
        H = np.empty((P + 1, P + 1))
        H[0, 0] = hw.sum()
        H[0, 1:] = H[1:, 0] = M.T @ AT(hw)
        H[1:, 1:] = M.T @ _onehot_gram(codes, sizes, starts, hw) @ M
        H += ridge
        step = np.zeros(P + 1)
        Hf = H[np.ix_(free, free)] + 1e-12 * np.eye(int(free.sum()))
        with threadpool_limits(limits=1, user_api="blas"):  # tiny solve: threads only cost
            try:
                step[free] = -np.linalg.solve(Hf, grad[free])
            except np.linalg.LinAlgError:
                step[free] = -np.linalg.lstsq(Hf, grad[free], rcond=None)[0]
        s_len = 1.0
        for _ in range(40):
            cand = np.maximum(theta + s_len * step, lower)
            f_new, z_new = objective(cand)
            if f_new <= f + 1e-4 * float(grad @ (cand - theta)):
                break
            s_len *= 0.5
        else:
            break
        converged = f - f_new <= 1e-15 * max(1.0, abs(f))
        theta, f, z = cand, f_new, z_new
        if converged:
            break
    beta = M @ theta[1:]
    return float(theta[0]), [beta[starts[i] : starts[i + 1]].copy() for i in range(len(codes))]


def _onehot_gram(
    codes: list[np.ndarray], sizes: list[int], starts: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """``A.T @ diag(v) @ A`` for the one-hot design of ``codes``: the diagonal blocks are
    per-bin sums of ``v``, the block of two features their weighted 2-d histogram."""
    P = int(starts[-1])
    G = np.zeros((P, P))
    for i, (ci, ki) in enumerate(zip(codes, sizes, strict=True)):
        a = int(starts[i])
        G[a + np.arange(ki), a + np.arange(ki)] = np.bincount(ci, weights=v, minlength=ki)
        for j in range(i + 1, len(codes)):
            kj, b = sizes[j], int(starts[j])
            block = np.bincount(ci * kj + codes[j], weights=v, minlength=ki * kj)
            G[a : a + ki, b : b + kj] = block.reshape(ki, kj)
            G[b : b + kj, a : a + ki] = G[a : a + ki, b : b + kj].T
    return G


def _merge_flat_steps(
    bins: dict[str, FeatureBins], coef: dict[str, np.ndarray], factor: float
) -> dict[str, FeatureBins] | None:
    """Merge neighbouring intervals of numeric features that score the same integer points
    (steps a monotone constraint flattened, or too small to survive rounding); None if none
    do."""
    out = dict(bins)
    changed = False
    for f, fb in bins.items():
        if fb.axis.kind != "numeric":
            continue
        k = fb.n_intervals()
        flat = np.flatnonzero(np.diff(feature_points(coef[f], factor)[0][:k]) == 0)
        if flat.size == 0:
            continue
        drop = set(flat.tolist())  # step j sits on edge j
        edges = [e for j, e in enumerate(fb.axis.edges) if j not in drop]
        anchor = -math.inf if fb.missing_anchor is None else fb.missing_anchor
        out[f] = numeric_bins(f, edges, missing_own=fb.missing_own, missing_anchor=anchor)
        changed = True
    return out if changed else None


#: Bins, intercept and per-feature bin coefficients of one card fit.
CardFit = tuple[dict[str, FeatureBins], float, dict[str, np.ndarray]]

#: Smallest bin ceiling the scorecard's bins path tries.
BINS_PATH_START = 4


def validation_loss(fitted: Any, eval_set: Any, features: list[str]) -> float:
    """Mean log loss of the eval target under a card's unrounded log-odds."""
    bins, b0, coef = fitted
    Xv = check_frame(eval_set[0], owner="ScorecardStudent", columns=features)
    q = np.asarray(eval_set[1], dtype=np.float64).ravel()
    if q.shape != (len(Xv),) or not np.all((q >= 0) & (q <= 1)):
        raise ValueError(f"eval_set target must be {len(Xv)} outcomes or probabilities in [0, 1]")
    z = np.full(len(Xv), float(b0))
    for f, fb in bins.items():
        z += np.asarray(coef[f])[fb.bin_index(Xv[f])]
    return float(np.mean(np.logaddexp(0.0, z) - q * z))


def fit_bins_path(
    X: pd.DataFrame,
    y: np.ndarray,
    t: np.ndarray,
    w: np.ndarray,
    alpha: float,
    T: float,
    mono: dict[str, int],
    eval_set: Any,
    candidates: list[int],
    features: list[str],
    **fit: Any,
) -> tuple[CardFit, int, list[dict[str, float]]]:
    """:func:`fit_bins_and_coef` at each bin ceiling of ``candidates``; with more than one, the
    fit with the lowest :func:`validation_loss` on ``eval_set`` (the smaller ceiling on a tie).

    Returns the fit, its ceiling and the path (``max_bins`` and ``valid_loss`` per candidate).
    """
    path: list[dict[str, float]] = []
    best: tuple[float, int, Any] | None = None
    coded = level_codes(X)  # the levels do not change with the ceiling: read them once
    for b in candidates:
        fitted = fit_bins_and_coef(X, y, t, w, alpha, T, mono, max_bins=b, coded=coded, **fit)
        if len(candidates) == 1:
            return fitted, b, path
        loss = validation_loss(fitted, eval_set, features)
        path.append({"max_bins": b, "valid_loss": loss})
        if best is None or loss < best[0]:
            best = (loss, b, fitted)
    if best is None:
        raise ValueError("the bins path needs at least one candidate")
    return best[2], best[1], path
