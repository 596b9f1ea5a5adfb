"""Fidelity: how closely a student reproduces its teacher's scores and decisions."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from risk_models.evaluation.arrays import (
    as_1d,
    check_both_classes,
    check_labels,
    check_probabilities,
)
from risk_models.evaluation.metrics import auc, logit

__all__ = ["fidelity"]

# Default cutoff: decline the riskiest 10% of rows by the teacher's score.
_DEFAULT_DECLINE_QUANTILE = 0.9


def fidelity(
    teacher_p: ArrayLike,
    student_p: ArrayLike,
    y: ArrayLike | None = None,
    *,
    cutoff: float | None = None,
) -> dict[str, float]:
    """Compare a student's probabilities with its teacher's, row by row.

    Parameters
    ----------
    teacher_p:
        Teacher probabilities of bad in ``[0, 1]``.
    student_p:
        Student probabilities of bad in ``[0, 1]``, same rows in the same order.
    y:
        Optional outcomes (0 = good, 1 = bad, both classes present); when given, the
        result also holds each model's AUC and the gap between them.
    cutoff:
        Decision threshold on the probability scale: a row is declined when
        ``p >= cutoff``. ``None`` (default) takes the teacher's 90th percentile, i.e.
        declines about the riskiest 10% of rows by the teacher's score.

    Returns
    -------
    dict[str, float]
        ``logit_correlation``
            Pearson correlation of the two models' logits (``logit`` with ``eps=1e-7``);
            NaN when either model's logits are constant, where it is undefined.
        ``logit_rmse``
            Root mean squared difference of the logits.
        ``prob_mae``
            Mean absolute difference of the probabilities.
        ``agreement``
            Share of rows on which both models make the same decision at ``cutoff``.
        ``cutoff``
            The cutoff used.
        ``auc_teacher``, ``auc_student``, ``auc_gap``
            Only when ``y`` is given; ``auc_gap = auc_teacher - auc_student``.

    Raises
    ------
    ValueError
        On empty input, unequal lengths, probabilities outside ``[0, 1]``, a ``cutoff``
        outside ``[0, 1]``, or ``y`` that is not 0/1 or holds one class only.
    """
    fn = "fidelity"
    t = as_1d(teacher_p, fn=fn, name="teacher_p")
    s = as_1d(student_p, fn=fn, name="student_p")
    if t.size != s.size:
        raise ValueError(
            f"{fn}: teacher_p and student_p must have the same length, got {t.size} and {s.size}"
        )
    if t.size == 0:
        raise ValueError(f"{fn}: empty input; need at least one row")
    check_probabilities(t, fn=fn, name="teacher_p")
    check_probabilities(s, fn=fn, name="student_p")
    y_arr = None
    if y is not None:
        y_arr = as_1d(y, fn=fn, name="y")
        if y_arr.size != t.size:
            raise ValueError(
                f"{fn}: y and teacher_p must have the same length, got {y_arr.size} and {t.size}"
            )
        check_labels(y_arr, fn=fn)
        check_both_classes(y_arr, fn=fn)
    if cutoff is None:
        cut = float(np.quantile(t, _DEFAULT_DECLINE_QUANTILE))
    else:
        cut = float(cutoff)
        if not 0.0 <= cut <= 1.0:
            raise ValueError(f"{fn}: cutoff must lie in [0, 1], got {cutoff!r}")

    zt = logit(t)
    zs = logit(s)
    diff = zt - zs
    if np.ptp(zt) == 0.0 or np.ptp(zs) == 0.0:
        corr = float("nan")
    else:
        corr = float(np.corrcoef(zt, zs)[0, 1])
    out: dict[str, float] = {
        "logit_correlation": corr,
        "logit_rmse": float(np.sqrt(np.mean(diff**2))),
        "prob_mae": float(np.mean(np.abs(t - s))),
        "agreement": float(np.mean((t >= cut) == (s >= cut))),
        "cutoff": cut,
    }
    if y_arr is not None:
        auc_t = auc(y_arr, t)
        auc_s = auc(y_arr, s)
        out.update({"auc_teacher": auc_t, "auc_student": auc_s, "auc_gap": auc_t - auc_s})
    return out
