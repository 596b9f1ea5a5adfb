"""Combine teacher ensemble members on the logit scale with fitted convex weights.

The ensemble logit is ``member_logits @ w`` with ``w >= 0`` and ``sum(w) == 1``; the
weights minimise the log loss of ``sigmoid(member_logits @ w)`` on validation data (rows
the members did not train on). The problem is convex in ``w``, so the solution found by
SLSQP from equal weights is the global one up to ties between interchangeable members.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import expit

from risk_models.evaluation.arrays import as_1d, check_both_classes, check_labels, finite_float

__all__ = ["combine_logits", "fit_logit_weights"]

FloatArray = NDArray[np.float64]


def _as_member_matrix(member_logits: ArrayLike, *, fn: str) -> FloatArray:
    """Return ``member_logits`` as a finite ``(n, m)`` float array with ``n, m >= 1``."""
    x = np.asarray(member_logits)
    if x.ndim != 2:
        raise ValueError(
            f"{fn}: member_logits must be two-dimensional (n_rows, n_members), got shape {x.shape}"
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{fn}: empty input; member_logits has shape {x.shape}")
    return finite_float(x, fn=fn, name="member_logits")


def fit_logit_weights(
    member_logits: ArrayLike,
    y: ArrayLike,
    *,
    l2: float = 0.0,
) -> FloatArray:
    """Non-negative weights summing to one that minimise the ensemble's log loss.

    Minimises ``mean(log_loss(y, sigmoid(member_logits @ w))) + l2 * sum(w ** 2)`` over the
    simplex with SLSQP (analytic gradient, start at equal weights). The result is then
    compared with equal weights and with every single member, and the best of these is
    returned, so with ``l2=0`` the ensemble's log loss on the fitting data is never above
    its best member's.
    Deterministic: no random state is involved.

    Parameters
    ----------
    member_logits:
        Validation logits, shape ``(n_rows, n_members)``, one column per member.
    y:
        Outcomes, 0 = good, 1 = bad; both classes must be present.
    l2:
        Penalty on ``sum(w ** 2)``. On the simplex this pulls the weights towards equal
        shares (``sum(w ** 2)`` is smallest there); 0 (default) means no penalty.

    Returns
    -------
    numpy.ndarray
        Weights, shape ``(n_members,)``, each ``>= 0``, summing to 1.

    Raises
    ------
    ValueError
        On empty or non-finite input, mismatched lengths, ``y`` that is not 0/1 or holds a
        single class, or a negative ``l2``.
    """
    fn = "fit_logit_weights"
    x = _as_member_matrix(member_logits, fn=fn)
    y_arr = as_1d(y, fn=fn, name="y")
    if y_arr.size != x.shape[0]:
        raise ValueError(
            f"{fn}: y and member_logits must have the same number of rows, "
            f"got {y_arr.size} and {x.shape[0]}"
        )
    check_labels(y_arr, fn=fn)
    check_both_classes(y_arr, fn=fn)
    if not (np.isfinite(l2) and l2 >= 0):
        raise ValueError(f"{fn}: l2 must be a finite number >= 0, got {l2!r}")

    n, m = x.shape
    if m == 1:
        return np.ones(1)

    def objective(w: FloatArray) -> tuple[float, FloatArray]:
        s = x @ w
        loss = float(np.mean(np.logaddexp(0.0, s) - y_arr * s)) + l2 * float(w @ w)
        grad = x.T @ (expit(s) - y_arr) / n + 2.0 * l2 * w
        return loss, grad

    start = np.full(m, 1.0 / m)
    res = minimize(
        objective,
        x0=start,
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * m,
        constraints=[
            {"type": "eq", "fun": lambda w: np.sum(w) - 1.0, "jac": lambda w: np.ones_like(w)}
        ],
        options={"ftol": 1e-12, "maxiter": 500},
    )
    candidates = [_project(res.x), start, *np.eye(m)]
    losses = [objective(w)[0] for w in candidates]
    return candidates[int(np.argmin(losses))].copy()


def _project(w: FloatArray) -> FloatArray:
    """Clip tiny negative solver output to 0 and renormalise to sum exactly 1."""
    w = np.clip(np.nan_to_num(np.asarray(w, dtype=np.float64), nan=0.0), 0.0, None)
    total = w.sum()
    if total <= 0:
        return np.full(w.size, 1.0 / w.size)
    return w / total


def combine_logits(member_logits: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Ensemble logit, ``member_logits @ weights``.

    Parameters
    ----------
    member_logits:
        Member logits, shape ``(n_rows, n_members)``.
    weights:
        One weight per member, shape ``(n_members,)``, e.g. from :func:`fit_logit_weights`.

    Returns
    -------
    numpy.ndarray
        Combined logits, shape ``(n_rows,)``.

    Raises
    ------
    ValueError
        On empty or non-finite input, or when the number of weights differs from the number
        of members.
    """
    fn = "combine_logits"
    x = _as_member_matrix(member_logits, fn=fn)
    w = as_1d(weights, fn=fn, name="weights")
    if w.size != x.shape[1]:
        raise ValueError(
            f"{fn}: got {w.size} weight(s) for {x.shape[1]} member(s); need one per member"
        )
    return x @ w
