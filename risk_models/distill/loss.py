"""The distillation loss shared by every student.

``L(z) = alpha * CE(y, sigmoid(z)) + (1 - alpha) * T^2 * CE(sigmoid(t / T), sigmoid(z / T))``

for student log-odds ``z``, hard label ``y``, teacher log-odds ``t`` and temperature ``T``
(Hinton et al. 2015; the ``T^2`` factor keeps the soft term's gradient scale independent of
``T``). Its gradient and Hessian with respect to ``z`` are

``g = alpha * (p - y) + (1 - alpha) * T * (p_T - q_T)``,
``h = alpha * p (1 - p) + (1 - alpha) * p_T (1 - p_T)``,

with ``p = sigmoid(z)``, ``p_T = sigmoid(z / T)``, ``q_T = sigmoid(t / T)``. At ``T = 1`` the
loss equals plain cross-entropy against the mixed target ``alpha * y + (1 - alpha) * q``
(CE is linear in its target), so any learner that accepts soft labels can train on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import expit, log_expit

from risk_models.evaluation.metrics import logit


def _check(alpha: float, temperature: float) -> None:
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")


def teacher_logit(soft_target: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Teacher log-odds from its probabilities, clipped to ``[eps, 1 - eps]`` first.

    :func:`risk_models.evaluation.metrics.logit` (which also refuses NaN and values outside
    [0, 1]) under the name the distillation code reads best with.
    """
    return logit(soft_target, eps=eps)


def mixed_target(y: np.ndarray, soft_target: np.ndarray, alpha: float) -> np.ndarray:
    """``alpha * y + (1 - alpha) * q``: the T = 1 loss as one soft label per row."""
    _check(alpha, 1.0)
    return alpha * np.asarray(y, dtype=np.float64) + (1 - alpha) * np.asarray(
        soft_target, dtype=np.float64
    )


def distillation_row_loss(
    z: np.ndarray, y: np.ndarray, t: np.ndarray, alpha: float, temperature: float
) -> np.ndarray:
    """Per-row distillation loss of student log-odds ``z`` (see module docstring).

    Parameters
    ----------
    z : student log-odds.
    y : hard labels (or, on transfer rows, the teacher's probability), in [0, 1].
    t : teacher log-odds.
    alpha : weight of the hard-label term, in [0, 1].
    temperature : ``T > 0``.

    Returns
    -------
    numpy.ndarray
        ``alpha * CE(y, sigmoid(z)) + (1 - alpha) * T^2 * CE(sigmoid(t / T), sigmoid(z / T))``
        per row, computed on the log scale (no overflow for large ``|z|``).
    """
    _check(alpha, temperature)
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    T = float(temperature)
    hard = -(y * log_expit(z) + (1 - y) * log_expit(-z))
    q = expit(np.asarray(t, dtype=np.float64) / T)
    soft = -(q * log_expit(z / T) + (1 - q) * log_expit(-z / T))
    return alpha * hard + (1 - alpha) * T * T * soft


def distillation_loss(
    z: np.ndarray, y: np.ndarray, t: np.ndarray, alpha: float, temperature: float
) -> float:
    """Mean of :func:`distillation_row_loss` over the rows."""
    return float(np.mean(distillation_row_loss(z, y, t, alpha, temperature)))


def distillation_grad_hess(
    z: np.ndarray, y: np.ndarray, t: np.ndarray, alpha: float, temperature: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row gradient and Hessian of the distillation loss with respect to ``z``."""
    _check(alpha, temperature)
    T = float(temperature)
    p = expit(z)
    p_t = expit(z / T)
    q_t = expit(np.asarray(t, dtype=np.float64) / T)
    grad = alpha * (p - y) + (1 - alpha) * T * (p_t - q_t)
    hess = alpha * p * (1 - p) + (1 - alpha) * p_t * (1 - p_t)
    return grad, np.maximum(hess, 1e-16)


def xgb_objective(
    y: np.ndarray, t: np.ndarray, alpha: float, temperature: float
) -> Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]]:
    """A custom XGBoost objective (``obj=`` of ``xgb.train``) for the distillation loss.

    ``y`` and ``t`` are aligned with the training DMatrix rows; sample weights are applied by
    XGBoost itself.
    """
    y = np.asarray(y, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    _check(alpha, temperature)

    def objective(preds: np.ndarray, dtrain: Any) -> tuple[np.ndarray, np.ndarray]:
        return distillation_grad_hess(preds.astype(np.float64), y, t, alpha, temperature)

    return objective
