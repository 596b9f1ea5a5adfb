"""DeLong intervals for the AUC, alone and as a paired difference between two scores.

DeLong, DeLong and Clarke-Pearson (1988), computed with the midrank algorithm of Sun and Xu
(2014). For ``m`` bads ``X_i`` and ``n`` goods ``Y_j`` with the kernel
``psi(x, y) = 1 if x > y, 1/2 if x == y, 0 otherwise``:

* the structural components are ``V10_i = mean_j psi(X_i, Y_j)`` (one per bad) and
  ``V01_j = mean_i psi(X_i, Y_j)`` (one per good); the AUC is the mean of either;
* ``Var(AUC) = S10 / m + S01 / n`` with ``S10``, ``S01`` their sample variances (``ddof=1``);
* for two scores on the same rows the components' covariances give the variance of the
  difference, ``Var(A - B) = Var(A) + Var(B) - 2 Cov(A, B)``.

Intervals are normal (Wald) intervals, clipped to ``[0, 1]`` for an AUC and ``[-1, 1]`` for a
difference. Both classes need at least two rows, so that the variances exist.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm, rankdata

from risk_models.evaluation.arrays import FloatArray, validate_pair

__all__ = ["delong_auc_ci", "delong_paired"]


def _check_level(level: float, *, fn: str) -> float:
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"{fn}: level must be in (0, 1), e.g. 0.95; got {level!r}")
    return float(norm.ppf(0.5 + float(level) / 2.0))


def _components(y: FloatArray, scores: FloatArray, *, fn: str) -> tuple[FloatArray, FloatArray]:
    """Structural components ``V10`` (k, m) and ``V01`` (k, n) for ``k`` score rows."""
    bad = y == 1
    m = int(bad.sum())
    n = int(y.size - m)
    if m < 2 or n < 2:
        raise ValueError(
            f"{fn}: DeLong needs at least 2 bads and 2 goods, got {m} bad(s) and {n} good(s)"
        )
    v10 = np.empty((scores.shape[0], m))
    v01 = np.empty((scores.shape[0], n))
    for k, s in enumerate(scores):
        x, yy = s[bad], s[~bad]
        tz = rankdata(np.r_[x, yy], method="average")
        tx = rankdata(x, method="average")
        ty = rankdata(yy, method="average")
        v10[k] = (tz[:m] - tx) / n
        v01[k] = 1.0 - (tz[m:] - ty) / m
    return v10, v01


def _covariance(v10: FloatArray, v01: FloatArray) -> FloatArray:
    """DeLong covariance matrix (k, k) of the ``k`` AUCs."""
    s10 = np.atleast_2d(np.cov(v10, ddof=1))
    s01 = np.atleast_2d(np.cov(v01, ddof=1))
    return np.asarray(s10 / v10.shape[1] + s01 / v01.shape[1], dtype=np.float64)


def delong_auc_ci(y: ArrayLike, score: ArrayLike, *, level: float = 0.95) -> dict[str, float]:
    """AUC with its DeLong standard error and a normal interval.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; at least two of each.
    score:
        Risk score, higher = riskier.
    level:
        Coverage of the interval (0.95 gives the 2.5 % and 97.5 % bounds).

    Returns
    -------
    dict[str, float]
        ``auc``, ``auc_se``, ``auc_ci_low``, ``auc_ci_high`` (clipped to ``[0, 1]``) and
        ``level``.

    Raises
    ------
    ValueError
        On invalid inputs (see :mod:`risk_models.evaluation.metrics`), fewer than two rows of
        a class, or a ``level`` outside ``(0, 1)``.
    """
    fn = "delong_auc_ci"
    z = _check_level(level, fn=fn)
    y_arr, s = validate_pair(y, score, fn=fn, name="score", both_classes=True)
    v10, v01 = _components(y_arr, s[None, :], fn=fn)
    value = float(v10.mean())
    se = math.sqrt(max(float(_covariance(v10, v01)[0, 0]), 0.0))
    return {
        "auc": value,
        "auc_se": se,
        "auc_ci_low": max(0.0, value - z * se),
        "auc_ci_high": min(1.0, value + z * se),
        "level": float(level),
    }


def delong_paired(
    y: ArrayLike, score_a: ArrayLike, score_b: ArrayLike, *, level: float = 0.95
) -> dict[str, float]:
    """Paired DeLong test of ``AUC(a) - AUC(b)`` on the same rows (e.g. teacher - student).

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; at least two of each.
    score_a, score_b:
        Two risk scores of the same rows, in the same order.
    level:
        Coverage of the interval for the difference.

    Returns
    -------
    dict[str, float]
        ``auc_a``, ``auc_b``, ``auc_diff`` (a - b), ``diff_se``, ``diff_ci_low``,
        ``diff_ci_high`` (clipped to ``[-1, 1]``), ``z`` and the two-sided ``p_value``
        (1.0 when the difference has zero variance, e.g. two identical rankings), and
        ``correlation`` (DeLong correlation of the two AUC estimates; NaN when undefined).

    Raises
    ------
    ValueError
        On invalid inputs, unequal lengths or fewer than two rows of a class.
    """
    fn = "delong_paired"
    zq = _check_level(level, fn=fn)
    y_arr, a = validate_pair(y, score_a, fn=fn, name="score_a", both_classes=True)
    _, b = validate_pair(y_arr, score_b, fn=fn, name="score_b")
    v10, v01 = _components(y_arr, np.vstack([a, b]), fn=fn)
    cov = _covariance(v10, v01)
    auc_a, auc_b = float(v10[0].mean()), float(v10[1].mean())
    diff = auc_a - auc_b
    var = max(float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1]), 0.0)
    se = math.sqrt(var)
    if se > 0.0:
        stat = diff / se
        p_value = float(2.0 * norm.sf(abs(stat)))
    else:
        stat, p_value = 0.0, 1.0
    denom = math.sqrt(max(cov[0, 0], 0.0) * max(cov[1, 1], 0.0))
    corr = float(cov[0, 1] / denom) if denom > 0 else float("nan")
    return {
        "auc_a": auc_a,
        "auc_b": auc_b,
        "auc_diff": diff,
        "diff_se": se,
        "diff_ci_low": max(-1.0, diff - zq * se),
        "diff_ci_high": min(1.0, diff + zq * se),
        "z": float(stat),
        "p_value": p_value,
        "correlation": corr,
        "level": float(level),
    }
