"""Extended fidelity of a student to its teacher, on the logit scale, plus plot data.

:func:`fidelity_metrics` adds to :func:`risk_models.evaluation.fidelity.fidelity` (logit
correlation, RMSE, probability MAE, agreement at the cut-off, AUC gap) the AUPRC gap, the
Spearman rank correlation, ``logit_r2`` (the share of the teacher's logit variance the
student reproduces: ``1 - sum((z_t - z_s)^2) / sum((z_t - mean z_t)^2)``, which unlike a
squared correlation penalises a shift or a wrong slope) and the agreement on the riskiest
``k`` % (the share of the teacher's riskiest ``ceil(k * n)`` rows that are also among the
student's). :func:`binned_scatter` is what the audit report's fidelity scatter draws.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import spearmanr

from risk_models.evaluation.arrays import FloatArray, as_1d
from risk_models.evaluation.fidelity import fidelity
from risk_models.evaluation.metrics import auprc, sigmoid

__all__ = ["binned_scatter", "fidelity_metrics", "logit_r2", "top_k_agreement"]


def _pair(teacher_logit: ArrayLike, student_logit: ArrayLike, *, fn: str) -> tuple[Any, Any]:
    t = as_1d(teacher_logit, fn=fn, name="teacher_logit")
    s = as_1d(student_logit, fn=fn, name="student_logit")
    if t.size != s.size:
        raise ValueError(
            f"{fn}: teacher_logit and student_logit must have the same length, "
            f"got {t.size} and {s.size}"
        )
    if t.size == 0:
        raise ValueError(f"{fn}: empty input; need at least one row")
    return t, s


def logit_r2(teacher_logit: ArrayLike, student_logit: ArrayLike) -> float:
    """R^2 of the student's logits as predictions of the teacher's.

    Parameters
    ----------
    teacher_logit, student_logit:
        Log-odds of the same rows.

    Returns
    -------
    float
        ``1 - SSE / SST``; 1 for identical logits, 0 for a constant at the teacher's mean,
        negative when worse than that; NaN when the teacher's logits are constant.
    """
    t, s = _pair(teacher_logit, student_logit, fn="logit_r2")
    sst = float(np.sum((t - t.mean()) ** 2))
    if sst == 0.0:
        return float("nan")
    return 1.0 - float(np.sum((t - s) ** 2)) / sst


def top_k_agreement(teacher_logit: ArrayLike, student_logit: ArrayLike, k: float = 0.1) -> float:
    """Share of the teacher's riskiest ``k`` of rows that the student also ranks riskiest.

    Parameters
    ----------
    teacher_logit, student_logit:
        Scores of the same rows, higher = riskier.
    k:
        Fraction in ``(0, 1]``; the top ``ceil(k * n)`` rows of each score are compared
        (ties broken by row order).

    Returns
    -------
    float
        ``|top_t ∩ top_s| / ceil(k * n)`` in ``[0, 1]``.
    """
    fn = "top_k_agreement"
    t, s = _pair(teacher_logit, student_logit, fn=fn)
    if not 0.0 < float(k) <= 1.0:
        raise ValueError(f"{fn}: k must be a fraction in (0, 1], got {k!r}")
    m = max(1, math.ceil(float(k) * t.size - 1e-9))
    top_t = np.argsort(-t, kind="mergesort")[:m]
    top_s = np.argsort(-s, kind="mergesort")[:m]
    return float(np.intersect1d(top_t, top_s).size / m)


def fidelity_metrics(
    y: ArrayLike,
    teacher_logit: ArrayLike,
    student_logit: ArrayLike,
    *,
    cutoff: float | None = None,
    top_k: float = 0.1,
) -> dict[str, float]:
    """Every fidelity figure of a student against its teacher, keyed by gate name.

    Parameters
    ----------
    y:
        Outcomes, 0 = good, 1 = bad; both classes present.
    teacher_logit, student_logit:
        Log-odds of the same rows.
    cutoff:
        Decision threshold on the probability scale (decline when ``p >= cutoff``);
        ``None`` takes the teacher's 90th percentile, as :func:`fidelity` does.
    top_k:
        Fraction of riskiest rows for ``top_k_agreement``.

    Returns
    -------
    dict[str, float]
        :func:`fidelity`'s keys (``logit_correlation``, ``logit_rmse``, ``prob_mae``,
        ``agreement``, ``cutoff``, ``auc_teacher``, ``auc_student``, ``auc_gap``) plus
        ``auprc_teacher``, ``auprc_student``, ``auprc_gap`` (teacher - student),
        ``spearman``, ``logit_r2``, ``top_k`` and ``top_k_agreement``.
    """
    t, s = _pair(teacher_logit, student_logit, fn="fidelity_metrics")
    out = fidelity(sigmoid(t), sigmoid(s), y, cutoff=cutoff)
    ap_t, ap_s = auprc(y, t), auprc(y, s)
    constant = np.ptp(t) == 0.0 or np.ptp(s) == 0.0
    rho = float("nan") if constant else float(spearmanr(t, s).statistic)
    out.update(
        {
            "auprc_teacher": ap_t,
            "auprc_student": ap_s,
            "auprc_gap": ap_t - ap_s,
            "spearman": rho,
            "logit_r2": logit_r2(t, s),
            "top_k": float(top_k),
            "top_k_agreement": top_k_agreement(t, s, top_k),
        }
    )
    return out


def binned_scatter(
    teacher_logit: ArrayLike,
    student_logit: ArrayLike,
    *,
    n_bins: int = 20,
    n_sample: int = 300,
    seed: int = 0,
) -> dict[str, Any]:
    """Plot data for a fidelity scatter: binned means and a small random sample of points.

    Parameters
    ----------
    teacher_logit, student_logit:
        Log-odds of the same rows.
    n_bins:
        Equal-count bins of the teacher's logit.
    n_sample:
        Rows sampled (without replacement) for the point cloud.
    seed:
        Seed of the sample.

    Returns
    -------
    dict
        ``bins``: records with ``n``, ``teacher_mean``, ``student_mean``, ``student_p10``
        and ``student_p90``; ``sample``: ``{"teacher": [...], "student": [...]}``.
    """
    fn = "binned_scatter"
    t, s = _pair(teacher_logit, student_logit, fn=fn)
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"{fn}: n_bins must be a positive integer, got {n_bins!r}")
    order = np.argsort(t, kind="mergesort")
    bins = []
    for chunk in np.array_split(order, min(int(n_bins), t.size)):
        st: FloatArray = s[chunk]
        bins.append(
            {
                "n": int(chunk.size),
                "teacher_mean": float(t[chunk].mean()),
                "student_mean": float(st.mean()),
                "student_p10": float(np.quantile(st, 0.1)),
                "student_p90": float(np.quantile(st, 0.9)),
            }
        )
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(t.size, size=min(int(n_sample), t.size), replace=False))
    return {
        "bins": bins,
        "sample": {"teacher": t[pick].tolist(), "student": s[pick].tolist()},
    }
