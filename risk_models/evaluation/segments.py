"""Metrics by segment: how a probability score behaves inside each level of a declared column.

A segment column (region, product, channel, a score band...) splits the rows; each segment
gets its size, bad rate, mean predicted probability, their ratio (calibration in the large)
and, where it holds both classes, AUC and KS. Missing segment values form their own segment,
``"missing"``. Segments smaller than ``min_rows`` are reported with ``small = True`` so a
reader (or a gate) does not over-read them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from risk_models.evaluation.arrays import validate_pair
from risk_models.evaluation.metrics import auc, ks

__all__ = ["segment_metrics"]

MISSING_SEGMENT = "missing"


def _segment_labels(segments: ArrayLike, n: int, *, fn: str) -> np.ndarray:
    s = pd.Series(np.asarray(segments, dtype=object).ravel())
    if s.size != n:
        raise ValueError(f"{fn}: segments must have one value per row, got {s.size} for {n} rows")
    out = s.map(lambda v: MISSING_SEGMENT if pd.isna(v) else str(v))
    return np.asarray(out.to_numpy(dtype=object))


def segment_metrics(
    y: ArrayLike, p: ArrayLike, segments: ArrayLike, *, min_rows: int = 100
) -> list[dict[str, Any]]:
    """One row of metrics per segment, largest segment first.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad.
    p:
        Probabilities of bad in ``[0, 1]``.
    segments:
        The segment of every row (any values; missing ones form the ``"missing"`` segment).
    min_rows:
        Segments with fewer rows are flagged ``small``.

    Returns
    -------
    list of dict
        ``segment``, ``n``, ``share``, ``n_bad``, ``bad_rate``, ``mean_predicted``,
        ``calibration_ratio`` (mean predicted / bad rate; NaN without bads), ``auc`` and
        ``ks`` (NaN when the segment holds one class only) and ``small``.
    """
    fn = "segment_metrics"
    y_arr, p_arr = validate_pair(y, p, fn=fn, name="p", probabilities=True)
    labels = _segment_labels(segments, y_arr.size, fn=fn)
    rows: list[dict[str, Any]] = []
    for seg in pd.unique(labels):
        mask = labels == seg
        ys, ps = y_arr[mask], p_arr[mask]
        n_bad = float(ys.sum())
        both = 0 < n_bad < ys.size
        bad_rate = n_bad / ys.size
        mean_p = float(ps.mean())
        rows.append(
            {
                "segment": str(seg),
                "n": int(ys.size),
                "share": float(ys.size / y_arr.size),
                "n_bad": int(n_bad),
                "bad_rate": bad_rate,
                "mean_predicted": mean_p,
                "calibration_ratio": mean_p / bad_rate if n_bad > 0 else float("nan"),
                "auc": auc(ys, ps) if both else float("nan"),
                "ks": ks(ys, ps) if both else float("nan"),
                "small": bool(ys.size < min_rows),
            }
        )
    return sorted(rows, key=lambda r: (-r["n"], r["segment"]))
