"""Population stability: PSI of a score and CSI of each feature, expected vs actual sample.

``PSI = sum_b (a_b - e_b) * ln(a_b / e_b)`` over bins ``b``, with ``e_b`` and ``a_b`` the
shares of the expected (reference, e.g. train) and actual (e.g. test or a later period)
rows in bin ``b``. A share of zero is floored at ``eps`` (default ``1e-4``) so an empty bin
gives a large but finite term. The characteristic stability index (CSI) is the same sum for
one feature. Usual reading (:func:`stability_band`): below 0.1 stable, 0.1 to 0.25 a moderate
shift worth a look, above 0.25 a significant shift.

Numeric bins come from the expected sample's quantiles (``n_bins`` equal-count bins, merged
where quantiles tie): bin ``k`` holds ``edges[k-1] <= x < edges[k]``; missing values get a bin
of their own. Categorical features get one bin per level of the expected sample, one for
levels it never saw and one for missing values.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from risk_models.data.inputs import is_categorical
from risk_models.evaluation.arrays import FloatArray, as_1d

__all__ = ["BANDS", "csi", "psi", "psi_table", "stability_band"]

#: Upper bounds of the ``stable`` and ``moderate`` bands; above the second is ``shift``.
BANDS: tuple[float, float] = (0.1, 0.25)


def stability_band(value: float) -> str:
    """The conventional band of a PSI/CSI value.

    Parameters
    ----------
    value:
        A PSI or CSI, ``>= 0``.

    Returns
    -------
    str
        ``"stable"`` (< 0.1), ``"moderate"`` (0.1 to 0.25) or ``"shift"`` (> 0.25); NaN gives
        ``"unknown"``.
    """
    if not np.isfinite(value):
        return "unknown"
    if value < BANDS[0]:
        return "stable"
    return "moderate" if value <= BANDS[1] else "shift"


def _quantile_edges(x: FloatArray, n_bins: int, *, fn: str) -> FloatArray:
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"{fn}: n_bins must be an integer >= 2, got {n_bins!r}")
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return np.empty(0)
    inner = np.quantile(finite, np.linspace(0.0, 1.0, int(n_bins) + 1)[1:-1])
    return np.unique(inner)


def _psi_terms(
    e_counts: FloatArray, a_counts: FloatArray, labels: Sequence[str], eps: float
) -> pd.DataFrame:
    e_share = e_counts / max(e_counts.sum(), 1.0)
    a_share = a_counts / max(a_counts.sum(), 1.0)
    e_f = np.maximum(e_share, eps)
    a_f = np.maximum(a_share, eps)
    return pd.DataFrame(
        {
            "bin": list(labels),
            "expected_n": e_counts.astype(np.int64),
            "actual_n": a_counts.astype(np.int64),
            "expected_share": e_share,
            "actual_share": a_share,
            "psi": (a_f - e_f) * np.log(a_f / e_f),
        }
    )


def _check_eps(eps: float, *, fn: str) -> None:
    if not 0.0 < float(eps) < 0.5:
        raise ValueError(f"{fn}: eps must be in (0, 0.5), got {eps!r}")


def psi_table(
    expected: ArrayLike,
    actual: ArrayLike,
    *,
    n_bins: int = 10,
    edges: ArrayLike | None = None,
    eps: float = 1e-4,
) -> pd.DataFrame:
    """Bin-by-bin PSI of a numeric score (or feature) between two samples.

    Parameters
    ----------
    expected:
        Reference sample (e.g. train scores); finite values only.
    actual:
        Compared sample (e.g. test scores); finite values only.
    n_bins:
        Equal-count bins from ``expected``'s quantiles (ignored when ``edges`` is given).
    edges:
        Explicit increasing interior bin edges; bin ``k`` is ``edges[k-1] <= x < edges[k]``.
    eps:
        Floor for a bin share of zero.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``bin`` (label), ``expected_n``, ``actual_n``, ``expected_share``,
        ``actual_share`` and ``psi`` (the bin's term); the PSI is the sum of ``psi``.
    """
    fn = "psi"
    _check_eps(eps, fn=fn)
    e = as_1d(expected, fn=fn, name="expected")
    a = as_1d(actual, fn=fn, name="actual")
    if e.size == 0 or a.size == 0:
        raise ValueError(f"{fn}: expected and actual need at least one row each")
    if edges is None:
        cuts = _quantile_edges(e, n_bins, fn=fn)
    else:
        cuts = as_1d(edges, fn=fn, name="edges")
        if np.any(np.diff(cuts) <= 0):
            raise ValueError(f"{fn}: edges must increase strictly, got {cuts.tolist()}")
    k = cuts.size + 1
    e_counts = np.bincount(np.searchsorted(cuts, e, side="right"), minlength=k).astype(float)
    a_counts = np.bincount(np.searchsorted(cuts, a, side="right"), minlength=k).astype(float)
    return _psi_terms(e_counts, a_counts, _interval_labels(cuts), eps)


def _interval_labels(cuts: FloatArray) -> list[str]:
    if cuts.size == 0:
        return ["all values"]
    c = [f"{v:.6g}" for v in cuts]
    inner = [f"[{lo}, {hi})" for lo, hi in itertools.pairwise(c)]
    return [f"< {c[0]}", *inner, f">= {c[-1]}"]


def psi(
    expected: ArrayLike,
    actual: ArrayLike,
    *,
    n_bins: int = 10,
    edges: ArrayLike | None = None,
    eps: float = 1e-4,
) -> float:
    """Population stability index of a score between two samples.

    Parameters
    ----------
    expected, actual, n_bins, edges, eps:
        As in :func:`psi_table`.

    Returns
    -------
    float
        ``sum_b (a_b - e_b) * ln(a_b / e_b)``, ``>= 0``; read it with :func:`stability_band`.
    """
    return float(psi_table(expected, actual, n_bins=n_bins, edges=edges, eps=eps)["psi"].sum())


def _feature_table(
    e: pd.Series, a: pd.Series, n_bins: int, eps: float, *, fn: str
) -> tuple[pd.DataFrame, str]:
    if is_categorical(e) or is_categorical(a):
        levels = sorted({str(v) for v in e.astype(object).dropna()})
        index = {v: i for i, v in enumerate(levels)}
        k = len(levels) + 2  # + unseen level, + missing

        def codes(s: pd.Series) -> np.ndarray:
            out = np.array([index.get(str(v), len(levels)) for v in s], dtype=np.int64)
            out[s.isna().to_numpy()] = len(levels) + 1
            return out

        labels = [*levels, "unseen level", "missing"]
        kind = "categorical"
    else:
        e_x = pd.to_numeric(e, errors="coerce").to_numpy(dtype=np.float64)
        cuts = _quantile_edges(e_x, n_bins, fn=fn)
        k = cuts.size + 2  # + missing

        def codes(s: pd.Series) -> np.ndarray:
            x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
            out = np.searchsorted(cuts, x, side="right").astype(np.int64)
            out[np.isnan(x)] = cuts.size + 1
            return np.asarray(out, dtype=np.int64)

        labels = [*_interval_labels(cuts), "missing"]
        kind = "numeric"
    e_counts = np.bincount(codes(e), minlength=k).astype(float)
    a_counts = np.bincount(codes(a), minlength=k).astype(float)
    return _psi_terms(e_counts, a_counts, labels, eps), kind


def csi(
    expected: pd.DataFrame,
    actual: pd.DataFrame,
    features: Sequence[str] | None = None,
    *,
    n_bins: int = 10,
    eps: float = 1e-4,
) -> list[dict[str, Any]]:
    """Characteristic stability index of every feature between two frames.

    Parameters
    ----------
    expected:
        Reference rows (e.g. the training split).
    actual:
        Compared rows (e.g. the test split or a later period), same columns.
    features:
        Columns to compare (default: every column of ``expected``).
    n_bins:
        Equal-count bins per numeric feature, from ``expected``'s quantiles.
    eps:
        Floor for a bin share of zero.

    Returns
    -------
    list of dict
        One entry per feature, largest CSI first: ``feature``, ``kind``
        (``numeric``/``categorical``), ``csi``, ``band`` and ``bins`` (the rows of the
        per-bin table as records).

    Raises
    ------
    ValueError
        If a feature is missing from either frame, or either frame is empty.
    """
    fn = "csi"
    _check_eps(eps, fn=fn)
    cols = list(expected.columns if features is None else features)
    absent = [
        f"{c!r} (missing from {where})"
        for c in cols
        for where, frame in (("expected", expected), ("actual", actual))
        if c not in frame.columns
    ]
    if absent:
        raise ValueError(f"{fn}: feature column(s) not found: {', '.join(absent)}")
    if len(expected) == 0 or len(actual) == 0:
        raise ValueError(f"{fn}: expected and actual need at least one row each")
    out = []
    for c in cols:
        table, kind = _feature_table(expected[c], actual[c], n_bins, eps, fn=fn)
        value = float(table["psi"].sum())
        out.append(
            {
                "feature": str(c),
                "kind": kind,
                "csi": value,
                "band": stability_band(value),
                "bins": table.to_dict(orient="records"),
            }
        )
    return sorted(out, key=lambda d: -d["csi"])
