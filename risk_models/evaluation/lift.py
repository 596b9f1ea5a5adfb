"""Ranking tables: the lift (decile) table with bad rates, and ROC / PR curve points.

The lift table orders rows by score, riskiest first, and cuts them into ``n_bins`` groups of
(near) equal size: row ``r`` (0-based, in that order; ties keep their input order) goes to
group ``floor(r * n_bins / n) + 1``, so group 1 is the riskiest tenth for deciles. Per group:
rows, bads, bad rate, score range, cumulative share of rows and of bads captured, and lift
(the group's bad rate over the overall bad rate).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from risk_models.evaluation.arrays import FloatArray, validate_pair

__all__ = ["lift_table", "pr_points", "roc_points"]


def lift_table(y: ArrayLike, score: ArrayLike, n_bins: int = 10) -> pd.DataFrame:
    """Decile (or ``n_bins``-tile) table of bad rates, riskiest group first.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; at least one bad.
    score:
        Risk score, higher = riskier.
    n_bins:
        Number of groups, ``2 <= n_bins <= len(y)``.

    Returns
    -------
    pandas.DataFrame
        One row per group with ``group`` (1 = riskiest), ``n``, ``n_bad``, ``bad_rate``,
        ``score_min``, ``score_max``, ``cum_share`` (rows so far / all rows),
        ``cum_bad_capture`` (bads so far / all bads), ``lift`` (bad rate / overall bad rate)
        and ``cum_lift`` (cumulative bad rate / overall bad rate).
    """
    fn = "lift_table"
    y_arr, s = validate_pair(y, score, fn=fn, name="score")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)):
        raise ValueError(f"{fn}: n_bins must be an integer, got {n_bins!r}")
    if not 2 <= n_bins <= y_arr.size:
        raise ValueError(f"{fn}: n_bins must be in [2, {y_arr.size}] (the rows), got {n_bins}")
    total_bad = float(y_arr.sum())
    if total_bad == 0:
        raise ValueError(f"{fn}: y contains no bads (n={y_arr.size}); lift needs at least one")
    order = np.argsort(-s, kind="mergesort")
    group = (np.arange(y_arr.size) * int(n_bins)) // y_arr.size
    ys, ss = y_arr[order], s[order]
    n = np.bincount(group, minlength=n_bins).astype(np.int64)
    n_bad = np.bincount(group, weights=ys, minlength=n_bins)
    s_min = np.array([ss[group == g].min() for g in range(n_bins)])
    s_max = np.array([ss[group == g].max() for g in range(n_bins)])
    overall = total_bad / y_arr.size
    bad_rate = n_bad / n
    cum_n = np.cumsum(n)
    cum_bad = np.cumsum(n_bad)
    return pd.DataFrame(
        {
            "group": np.arange(1, n_bins + 1, dtype=np.int64),
            "n": n,
            "n_bad": n_bad.astype(np.int64),
            "bad_rate": bad_rate,
            "score_min": s_min,
            "score_max": s_max,
            "cum_share": cum_n / y_arr.size,
            "cum_bad_capture": cum_bad / total_bad,
            "lift": bad_rate / overall,
            "cum_lift": (cum_bad / cum_n) / overall,
        }
    )


def _thin(x: FloatArray, y: FloatArray, max_points: int) -> tuple[list[float], list[float]]:
    """Keep at most ``max_points`` points, evenly spaced along the curve, ends included."""
    if x.size > max_points:
        keep = np.unique(np.linspace(0, x.size - 1, max_points).round().astype(int))
        x, y = x[keep], y[keep]
    return [float(v) for v in x], [float(v) for v in y]


def roc_points(y: ArrayLike, score: ArrayLike, max_points: int = 200) -> dict[str, list[float]]:
    """Points of the ROC curve, thinned to at most ``max_points`` for plotting.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; both classes present.
    score:
        Risk score, higher = riskier.
    max_points:
        Upper bound on the points returned (``>= 2``); (0, 0) and (1, 1) are always kept.

    Returns
    -------
    dict
        ``fpr`` and ``tpr``, equal-length lists from (0, 0) to (1, 1).
    """
    from sklearn.metrics import roc_curve

    y_arr, s = validate_pair(y, score, fn="roc_points", name="score", both_classes=True)
    if max_points < 2:
        raise ValueError(f"roc_points: max_points must be >= 2, got {max_points}")
    fpr, tpr, _ = roc_curve(y_arr, s)
    xs, ys = _thin(fpr, tpr, max_points)
    return {"fpr": xs, "tpr": ys}


def pr_points(y: ArrayLike, score: ArrayLike, max_points: int = 200) -> dict[str, Any]:
    """Points of the precision-recall curve, by increasing recall, thinned for plotting.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; at least one bad.
    score:
        Risk score, higher = riskier.
    max_points:
        Upper bound on the points returned (``>= 2``).

    Returns
    -------
    dict
        ``recall`` and ``precision`` lists, plus ``base_rate`` (the bad rate: a random
        score's precision).
    """
    from sklearn.metrics import precision_recall_curve

    y_arr, s = validate_pair(y, score, fn="pr_points", name="score")
    if not y_arr.any():
        raise ValueError(f"pr_points: y contains no bads (n={y_arr.size}); need at least one")
    if max_points < 2:
        raise ValueError(f"pr_points: max_points must be >= 2, got {max_points}")
    precision, recall, _ = precision_recall_curve(y_arr, s)
    xs, ys = _thin(recall[::-1], precision[::-1], max_points)
    return {"recall": xs, "precision": ys, "base_rate": float(y_arr.mean())}
