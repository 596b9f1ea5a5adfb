"""Classification metrics for credit and fraud scores: pure functions, arrays in, floats out.

Conventions
-----------
``y`` is the outcome, 0 = good and 1 = bad. ``score`` is any number that grows with risk
(a probability, a logit, scorecard points with the sign flipped); ``p`` is a probability of
bad in ``[0, 1]``. Every function accepts array-likes (lists, NumPy arrays, pandas Series),
checks that the inputs are one-dimensional, non-empty, finite and of equal length, and raises
``ValueError`` naming the function when they are not. Ranking metrics (``auc``, ``gini``,
``ks``) need both classes; ``auprc`` needs at least one bad.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.metrics import log_loss as sk_log_loss

from risk_models.evaluation.arrays import (
    FloatArray,
    as_1d,
    check_both_classes,
    check_labels,
    check_probabilities,
    validate_pair,
)

__all__ = [
    "auc",
    "auprc",
    "brier",
    "classification_metrics",
    "ece",
    "gini",
    "ks",
    "log_loss",
    "logit",
    "reliability_table",
    "sigmoid",
]

BinStrategy = Literal["quantile", "uniform"]
_STRATEGIES: tuple[str, ...] = ("quantile", "uniform")

# Private aliases, for the evaluation modules that still import these names from here.
_as_1d = as_1d
_check_both_classes = check_both_classes
_check_labels = check_labels
_check_probabilities = check_probabilities
_validate_pair = validate_pair


# --------------------------------------------------------------------------- transforms


def logit(p: ArrayLike, eps: float = 1e-7) -> FloatArray:
    """Log-odds ``log(p / (1 - p))``, with ``p`` clipped to ``[eps, 1 - eps]`` first.

    Parameters
    ----------
    p:
        Probabilities in ``[0, 1]``.
    eps:
        Clipping margin, so that 0 and 1 map to finite values (about ±16.1 for the default).

    Returns
    -------
    numpy.ndarray
        Float array of the same shape as ``p``.

    Raises
    ------
    ValueError
        If ``p`` holds NaN or values outside ``[0, 1]``, or ``eps`` is not in ``(0, 0.5)``.
    """
    if not 0 < eps < 0.5:
        raise ValueError(f"logit: eps must be in (0, 0.5), got {eps}")
    arr = np.asarray(p, dtype=np.float64)
    if np.isnan(arr).any():
        raise ValueError(f"logit: p contains {int(np.isnan(arr).sum())} NaN value(s)")
    if ((arr < 0) | (arr > 1)).any():
        raise ValueError(
            f"logit: p must lie in [0, 1], got min {arr.min():g} and max {arr.max():g}"
        )
    arr = np.clip(arr, eps, 1.0 - eps)
    return np.log(arr) - np.log1p(-arr)


def sigmoid(z: ArrayLike) -> FloatArray:
    """Logistic function ``1 / (1 + exp(-z))``, numerically stable for large ``|z|``.

    Parameters
    ----------
    z:
        Log-odds, any real values (``±inf`` map to 1 and 0).

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape as ``z``.
    """
    return expit(np.asarray(z, dtype=np.float64))


# --------------------------------------------------------------------------- ranking


def auc(y: ArrayLike, score: ArrayLike) -> float:
    """Area under the ROC curve; tied scores count one half (:func:`sklearn.metrics.roc_auc_score`).

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; both classes must be present.
    score:
        Risk score, higher = riskier.

    Returns
    -------
    float
        The probability that a random bad scores above a random good, ties counted 0.5.
    """
    y_arr, s = validate_pair(y, score, fn="auc", name="score", both_classes=True)
    return _auc(y_arr, s)


def _auc(y: FloatArray, s: FloatArray) -> float:
    return float(roc_auc_score(y, s))


def gini(y: ArrayLike, score: ArrayLike) -> float:
    """Gini coefficient (accuracy ratio), ``2 * auc - 1``.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; both classes must be present.
    score:
        Risk score, higher = riskier.

    Returns
    -------
    float
        In ``[-1, 1]``; 0 for a random score, 1 for a perfect ranking.
    """
    y_arr, s = validate_pair(y, score, fn="gini", name="score", both_classes=True)
    return 2.0 * _auc(y_arr, s) - 1.0


def ks(y: ArrayLike, score: ArrayLike) -> float:
    """Kolmogorov-Smirnov statistic: largest gap between the score CDFs of bads and goods.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; both classes must be present.
    score:
        Risk score, higher = riskier.

    Returns
    -------
    float
        ``max_t |F_bad(t) - F_good(t)|`` over all observed scores ``t``, in ``[0, 1]``.
    """
    y_arr, s = validate_pair(y, score, fn="ks", name="score", both_classes=True)
    return _ks(y_arr, s)


def _ks(y: FloatArray, s: FloatArray) -> float:
    thresholds = np.unique(s)
    bad = np.sort(s[y == 1])
    good = np.sort(s[y == 0])
    cdf_bad = np.searchsorted(bad, thresholds, side="right") / bad.size
    cdf_good = np.searchsorted(good, thresholds, side="right") / good.size
    return float(np.max(np.abs(cdf_bad - cdf_good)))


def auprc(y: ArrayLike, score: ArrayLike) -> float:
    """Area under the precision-recall curve as average precision.

    ``sum_k (R_k - R_{k-1}) * P_k`` over the distinct score thresholds, highest first (tied
    scores enter together), computed by :func:`sklearn.metrics.average_precision_score`.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; at least one bad must be present.
    score:
        Risk score, higher = riskier.

    Returns
    -------
    float
        Average precision in ``[0, 1]``; a random score gives about the bad rate.
    """
    y_arr, s = validate_pair(y, score, fn="auprc", name="score")
    if not y_arr.any():
        raise ValueError(f"auprc: y contains no bads (n={y_arr.size}); auprc needs at least one")
    return _auprc(y_arr, s)


def _auprc(y: FloatArray, s: FloatArray) -> float:
    return float(average_precision_score(y, s))


# --------------------------------------------------------------------------- probability


def brier(y: ArrayLike, p: ArrayLike) -> float:
    """Brier score, ``mean((p - y) ** 2)`` (:func:`sklearn.metrics.brier_score_loss`).

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad.
    p:
        Probabilities of bad in ``[0, 1]``.

    Returns
    -------
    float
        In ``[0, 1]``; lower is better.
    """
    y_arr, p_arr = validate_pair(y, p, fn="brier", name="p", probabilities=True)
    return float(brier_score_loss(y_arr, p_arr, labels=[0, 1]))


def log_loss(y: ArrayLike, p: ArrayLike, eps: float = 1e-15) -> float:
    """Mean binary cross-entropy, with ``p`` clipped to ``[eps, 1 - eps]``.

    The clipped probabilities go to :func:`sklearn.metrics.log_loss`.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad.
    p:
        Probabilities of bad in ``[0, 1]``.
    eps:
        Clipping margin, so that a confident wrong answer costs ``-log(eps)``, not infinity.

    Returns
    -------
    float
        ``-mean(y * log(p) + (1 - y) * log(1 - p))`` in nats; lower is better.
    """
    y_arr, p_arr = validate_pair(y, p, fn="log_loss", name="p", probabilities=True)
    if not 0 < eps < 0.5:
        raise ValueError(f"log_loss: eps must be in (0, 0.5), got {eps}")
    p_arr = np.clip(p_arr, eps, 1.0 - eps)
    return float(sk_log_loss(y_arr, p_arr, labels=[0, 1]))


def _bin_edges(p: FloatArray, n_bins: int, strategy: str, *, fn: str) -> FloatArray:
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"{fn}: n_bins must be a positive integer, got {n_bins!r}")
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, int(n_bins) + 1)
    if strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0.0, 1.0, int(n_bins) + 1)))
        return edges if edges.size > 1 else np.r_[edges, edges]
    raise ValueError(f"{fn}: strategy must be one of {_STRATEGIES}, got {strategy!r}")


def _bin_stats(
    y: FloatArray, p: FloatArray, n_bins: int, strategy: str, *, fn: str
) -> tuple[FloatArray, NDArray[np.int64], FloatArray, FloatArray]:
    """Bin edges plus count, mean ``p`` and mean ``y`` per bin (NaN means for empty bins).

    Bins are ``[low, high)``, the last one closed; there are ``len(edges) - 1`` of them.
    """
    edges = _bin_edges(p, n_bins, strategy, fn=fn)
    n_out = edges.size - 1
    idx = np.searchsorted(edges[1:-1], p, side="right")
    counts = np.bincount(idx, minlength=n_out)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(idx, weights=p, minlength=n_out) / counts
        mean_y = np.bincount(idx, weights=y, minlength=n_out) / counts
    return edges, counts, mean_p, mean_y


def ece(
    y: ArrayLike,
    p: ArrayLike,
    n_bins: int = 10,
    strategy: BinStrategy = "quantile",
) -> float:
    """Expected calibration error: count-weighted mean of ``|mean p - bad rate|`` over bins.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad.
    p:
        Probabilities of bad in ``[0, 1]``.
    n_bins:
        Number of bins. With ``"quantile"``, bins whose edges coincide (many tied
        probabilities) merge, so fewer bins may result.
    strategy:
        ``"quantile"``: equal-count bins from the quantiles of ``p``; ``"uniform"``:
        equal-width bins on ``[0, 1]``. Bins are ``[low, high)``, the last one closed.

    Returns
    -------
    float
        ``sum_b (n_b / n) * |mean_p_b - mean_y_b|``, in ``[0, 1]``; empty bins contribute 0.
    """
    y_arr, p_arr = validate_pair(y, p, fn="ece", name="p", probabilities=True)
    return _ece(y_arr, p_arr, n_bins, strategy, fn="ece")


def _ece(y: FloatArray, p: FloatArray, n_bins: int, strategy: str, *, fn: str) -> float:
    _, counts, mean_p, mean_y = _bin_stats(y, p, n_bins, strategy, fn=fn)
    filled = counts > 0
    gaps = np.abs(mean_p[filled] - mean_y[filled])
    return float(np.sum(counts[filled] * gaps) / y.size)


def reliability_table(
    y: ArrayLike,
    p: ArrayLike,
    n_bins: int = 10,
    strategy: BinStrategy = "quantile",
) -> pd.DataFrame:
    """Reliability (calibration) table: predicted versus observed bad rate per bin.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad.
    p:
        Probabilities of bad in ``[0, 1]``.
    n_bins:
        Number of bins (see :func:`ece`).
    strategy:
        ``"quantile"`` or ``"uniform"`` (see :func:`ece`).

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin, with columns ``bin`` (0-based index of the bin among all
        bins, so gaps show empty bins), ``p_low`` and ``p_high`` (bin edges), ``n`` (rows),
        ``mean_predicted`` (mean ``p``) and ``observed_rate`` (mean ``y``).
    """
    y_arr, p_arr = validate_pair(y, p, fn="reliability_table", name="p", probabilities=True)
    edges, counts, mean_p, mean_y = _bin_stats(
        y_arr, p_arr, n_bins, strategy, fn="reliability_table"
    )
    keep = np.flatnonzero(counts > 0)
    return pd.DataFrame(
        {
            "bin": keep.astype(np.int64),
            "p_low": edges[keep],
            "p_high": edges[keep + 1],
            "n": counts[keep].astype(np.int64),
            "mean_predicted": mean_p[keep],
            "observed_rate": mean_y[keep],
        }
    )


# --------------------------------------------------------------------------- summary


def classification_metrics(y: ArrayLike, p: ArrayLike) -> dict[str, float]:
    """All headline metrics of a probability score in one dictionary.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; both classes must be present.
    p:
        Probabilities of bad in ``[0, 1]``.

    Returns
    -------
    dict[str, float]
        Keys ``auc``, ``gini``, ``ks``, ``auprc``, ``brier``, ``log_loss``, ``ece``
        (10 quantile bins), ``n`` (rows) and ``positive_rate`` (share of bads).
    """
    y_arr, p_arr = validate_pair(
        y, p, fn="classification_metrics", name="p", probabilities=True, both_classes=True
    )
    auc_value = _auc(y_arr, p_arr)
    return {
        "auc": auc_value,
        "gini": 2.0 * auc_value - 1.0,
        "ks": _ks(y_arr, p_arr),
        "auprc": _auprc(y_arr, p_arr),
        "brier": brier(y_arr, p_arr),
        "log_loss": log_loss(y_arr, p_arr),
        "ece": _ece(y_arr, p_arr, 10, "quantile", fn="classification_metrics"),
        "n": float(y_arr.size),
        "positive_rate": float(y_arr.mean()),
    }
