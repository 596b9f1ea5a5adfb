"""Post-hoc calibrators: map held-out logits to calibrated logits.

A calibrator is fitted on scores the model did not train on (a validation split or
out-of-fold predictions) and works on the logit scale; use
:func:`risk_models.evaluation.metrics.logit` to turn probabilities into logits first.

- :class:`TemperatureScaler`: ``p = sigmoid(z / T)``, one parameter ``T > 0``. It keeps the
  ranking and the 0.5 point and only stretches or shrinks confidence.
- :class:`PlattScaler`: ``p = sigmoid(a * z + b)``, an unregularised logistic regression on
  the logit, which also moves the base rate.
- :class:`IdentityCalibrator`: no change, for ``method="none"``.

All three share ``fit(logit, y) -> self``, ``transform(logit) -> logit``,
``predict_proba_1d(logit) -> p``, ``to_dict()`` and ``from_dict(d)``; the dictionaries are
plain JSON (``{"method": ..., <parameters>}``) and :func:`calibrator_from_dict` reads any
of them back.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal, Self

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from risk_models.errors import ModelFormatError
from risk_models.evaluation.arrays import FloatArray, as_1d, validate_pair

__all__ = [
    "CalibrationMethod",
    "Calibrator",
    "IdentityCalibrator",
    "PlattScaler",
    "TemperatureScaler",
    "calibrator_from_dict",
    "fit_platt",
    "make_calibrator",
]

CalibrationMethod = Literal["temperature", "platt", "none"]


def _validate_fit(logit: ArrayLike, y: ArrayLike, *, fn: str) -> tuple[FloatArray, FloatArray]:
    y_arr, z = validate_pair(y, logit, fn=fn, name="logit", both_classes=True)
    return z, y_arr


def _mean_log_loss(z: FloatArray, y: FloatArray) -> float:
    """Mean log loss of ``sigmoid(z)`` against ``y``, computed stably on the logit scale."""
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def fit_platt(
    score: FloatArray,
    target: FloatArray,
    sample_weight: FloatArray | None = None,
    *,
    gtol: float = 1e-9,
    maxiter: int = 1000,
) -> tuple[float, float]:
    """``(a, b)`` minimising the mean log loss of ``sigmoid(a * score + b)`` against ``target``.

    The one Platt fit of the package (the ensemble's :class:`PlattScaler`, the scorecard's
    points-to-PD map): BFGS with the analytic gradient from ``a = 1, b = 0``.

    Parameters
    ----------
    score : the scores to map, float64, shape ``(n,)`` (already validated).
    target : outcomes in [0, 1]; soft targets (probabilities) are fine.
    sample_weight : optional non-negative weights with a positive sum; the loss is then the
        weighted mean.
    gtol, maxiter : BFGS gradient tolerance and iteration cap.

    Returns
    -------
    tuple of float
        Slope ``a`` and intercept ``b``.
    """
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    total = 1.0 if w is None else float(w.sum())

    def loss_grad(params: FloatArray) -> tuple[float, FloatArray]:
        z = params[0] * score + params[1]
        if w is None:
            r = expit(z) - target
            return _mean_log_loss(z, target), np.array([np.mean(r * score), np.mean(r)])
        loss = np.sum(w * (np.logaddexp(0.0, z) - target * z)) / total
        rw = w * (expit(z) - target) / total  # the weighted mean's residual
        return float(loss), np.array([np.sum(rw * score), np.sum(rw)])

    res = minimize(
        loss_grad,
        x0=np.array([1.0, 0.0]),
        jac=True,
        method="BFGS",
        options={"gtol": gtol, "maxiter": maxiter},
    )
    return float(res.x[0]), float(res.x[1])


def _finite_param(d: dict[str, Any], key: str, *, cls: str) -> float:
    if key not in d:
        raise ModelFormatError(f"{cls}.from_dict: missing key {key!r} (got keys {sorted(d)})")
    value = d[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ModelFormatError(f"{cls}.from_dict: {key!r} must be a finite number, got {value!r}")
    return float(value)


class _Calibrator(BaseEstimator):
    """Shared plumbing: fitted check, ``predict_proba_1d`` and the ``method`` tag."""

    method: ClassVar[str]
    _fitted_attrs: ClassVar[tuple[str, ...]]

    def _check_fitted(self) -> None:
        if not all(hasattr(self, a) for a in self._fitted_attrs):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit(logit, y) or "
                f"from_dict(d) first."
            )

    def predict_proba_1d(self, logit: ArrayLike) -> FloatArray:
        """Calibrated probability of bad, ``sigmoid(transform(logit))``.

        Parameters
        ----------
        logit:
            Uncalibrated logits.

        Returns
        -------
        numpy.ndarray
            Calibrated probabilities, shape ``(n,)``.
        """
        return expit(self.transform(logit))  # type: ignore[attr-defined]

    @classmethod
    def _check_method(cls, d: dict[str, Any]) -> None:
        if not isinstance(d, dict):
            raise ModelFormatError(
                f"{cls.__name__}.from_dict: expected a dict, got {type(d).__name__}"
            )
        if d.get("method") != cls.method:
            raise ModelFormatError(
                f"{cls.__name__}.from_dict: expected method {cls.method!r}, got {d.get('method')!r}"
            )


class TemperatureScaler(_Calibrator):
    """Temperature scaling, ``p = sigmoid(logit / T)`` with a single ``T > 0``.

    ``T > 1`` softens an overconfident model, ``T < 1`` sharpens an underconfident one.
    ``T`` minimises the log loss on the fitting data, searched on ``log T`` with
    :func:`scipy.optimize.minimize_scalar` (bounded).

    Parameters
    ----------
    bounds:
        Search interval for ``T``.

    Attributes
    ----------
    temperature_:
        The fitted temperature.
    """

    method: ClassVar[str] = "temperature"
    _fitted_attrs: ClassVar[tuple[str, ...]] = ("temperature_",)

    def __init__(self, bounds: tuple[float, float] = (1e-2, 1e2)) -> None:
        self.bounds = bounds

    def fit(self, logit: ArrayLike, y: ArrayLike) -> Self:
        """Fit ``T`` by minimising the log loss of ``sigmoid(logit / T)``.

        Parameters
        ----------
        logit:
            Held-out logits, shape ``(n,)``.
        y:
            Outcomes, 0 = good, 1 = bad; both classes must be present.

        Returns
        -------
        TemperatureScaler
            ``self``, fitted.
        """
        z, y_arr = _validate_fit(logit, y, fn="TemperatureScaler.fit")
        low, high = self.bounds
        if not 0 < low < high or not math.isfinite(high):
            raise ValueError(
                f"TemperatureScaler: bounds must satisfy 0 < low < high < inf, got {self.bounds}"
            )
        res = minimize_scalar(
            lambda log_t: _mean_log_loss(z * math.exp(-log_t), y_arr),
            bounds=(math.log(low), math.log(high)),
            method="bounded",
            options={"xatol": 1e-8},
        )
        self.temperature_ = float(math.exp(res.x))
        return self

    def transform(self, logit: ArrayLike) -> FloatArray:
        """Calibrated logit, ``logit / T``.

        Parameters
        ----------
        logit:
            Uncalibrated logits.

        Returns
        -------
        numpy.ndarray
            Calibrated logits, shape ``(n,)``.
        """
        self._check_fitted()
        return as_1d(logit, fn="TemperatureScaler.transform", name="logit") / self.temperature_

    def to_dict(self) -> dict[str, Any]:
        """Parameters as plain JSON: ``{"method": "temperature", "temperature": T}``."""
        self._check_fitted()
        return {"method": self.method, "temperature": self.temperature_}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TemperatureScaler:
        """Rebuild a fitted scaler from :meth:`to_dict` output.

        Raises
        ------
        risk_models.errors.ModelFormatError
            If the dictionary is not a temperature scaler or ``T`` is not a positive number.
        """
        cls._check_method(d)
        t = _finite_param(d, "temperature", cls=cls.__name__)
        if t <= 0:
            raise ModelFormatError(f"{cls.__name__}.from_dict: temperature must be > 0, got {t}")
        obj = cls()
        obj.temperature_ = t
        return obj


class PlattScaler(_Calibrator):
    """Platt scaling, ``p = sigmoid(a * logit + b)``.

    ``a`` and ``b`` minimise the unregularised log loss (a one-feature logistic regression
    on the logit), found with :func:`scipy.optimize.minimize` (BFGS, analytic gradient) from
    ``a = 1, b = 0``. On perfectly separable data the optimum is at infinity and ``a``
    stops at a large value.

    Attributes
    ----------
    slope_:
        Fitted ``a``.
    intercept_:
        Fitted ``b``.
    """

    method: ClassVar[str] = "platt"
    _fitted_attrs: ClassVar[tuple[str, ...]] = ("slope_", "intercept_")

    def fit(self, logit: ArrayLike, y: ArrayLike) -> Self:
        """Fit ``a`` and ``b`` by maximum likelihood.

        Parameters
        ----------
        logit:
            Held-out logits, shape ``(n,)``.
        y:
            Outcomes, 0 = good, 1 = bad; both classes must be present.

        Returns
        -------
        PlattScaler
            ``self``, fitted.
        """
        z, y_arr = _validate_fit(logit, y, fn="PlattScaler.fit")
        self.slope_, self.intercept_ = fit_platt(z, y_arr)
        return self

    def transform(self, logit: ArrayLike) -> FloatArray:
        """Calibrated logit, ``a * logit + b``.

        Parameters
        ----------
        logit:
            Uncalibrated logits.

        Returns
        -------
        numpy.ndarray
            Calibrated logits, shape ``(n,)``.
        """
        self._check_fitted()
        z = as_1d(logit, fn="PlattScaler.transform", name="logit")
        return self.slope_ * z + self.intercept_

    def to_dict(self) -> dict[str, Any]:
        """Parameters as plain JSON: ``{"method": "platt", "slope": a, "intercept": b}``."""
        self._check_fitted()
        return {"method": self.method, "slope": self.slope_, "intercept": self.intercept_}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlattScaler:
        """Rebuild a fitted scaler from :meth:`to_dict` output.

        Raises
        ------
        risk_models.errors.ModelFormatError
            If the dictionary is not a Platt scaler or a parameter is not a finite number.
        """
        cls._check_method(d)
        obj = cls()
        obj.slope_ = _finite_param(d, "slope", cls=cls.__name__)
        obj.intercept_ = _finite_param(d, "intercept", cls=cls.__name__)
        return obj


class IdentityCalibrator(_Calibrator):
    """No calibration: ``transform`` returns the logits unchanged (``method="none"``).

    Attributes
    ----------
    fitted_:
        Always ``True`` once :meth:`fit` (or :meth:`from_dict`) has run.
    """

    method: ClassVar[str] = "none"
    _fitted_attrs: ClassVar[tuple[str, ...]] = ("fitted_",)

    def fit(self, logit: ArrayLike, y: ArrayLike) -> Self:
        """Validate the inputs and do nothing else.

        Parameters
        ----------
        logit:
            Held-out logits, shape ``(n,)``.
        y:
            Outcomes, 0 = good, 1 = bad; both classes must be present.

        Returns
        -------
        IdentityCalibrator
            ``self``.
        """
        _validate_fit(logit, y, fn="IdentityCalibrator.fit")
        self.fitted_ = True
        return self

    def transform(self, logit: ArrayLike) -> FloatArray:
        """The logits, as a float array."""
        self._check_fitted()
        return as_1d(logit, fn="IdentityCalibrator.transform", name="logit").copy()

    def to_dict(self) -> dict[str, Any]:
        """``{"method": "none"}``."""
        self._check_fitted()
        return {"method": self.method}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IdentityCalibrator:
        """Rebuild from :meth:`to_dict` output."""
        cls._check_method(d)
        obj = cls()
        obj.fitted_ = True
        return obj


_CALIBRATORS: dict[str, type[_Calibrator]] = {
    "temperature": TemperatureScaler,
    "platt": PlattScaler,
    "none": IdentityCalibrator,
}
Calibrator = TemperatureScaler | PlattScaler | IdentityCalibrator


def make_calibrator(method: CalibrationMethod) -> Calibrator:
    """An unfitted calibrator for ``method``.

    Parameters
    ----------
    method:
        ``"temperature"``, ``"platt"`` or ``"none"``.

    Returns
    -------
    TemperatureScaler | PlattScaler | IdentityCalibrator

    Raises
    ------
    ValueError
        For any other method.
    """
    if method not in _CALIBRATORS:
        raise ValueError(
            f"make_calibrator: method must be one of {tuple(_CALIBRATORS)}, got {method!r}"
        )
    return _CALIBRATORS[method]()  # type: ignore[return-value]


def calibrator_from_dict(d: dict[str, Any]) -> Calibrator:
    """Rebuild any fitted calibrator from its ``to_dict()`` output, dispatching on ``method``.

    Raises
    ------
    risk_models.errors.ModelFormatError
        If ``d`` has no known ``method`` or its parameters are malformed.
    """
    method = d.get("method") if isinstance(d, dict) else None
    if method not in _CALIBRATORS:
        raise ModelFormatError(
            f"calibrator_from_dict: 'method' must be one of {tuple(_CALIBRATORS)}, got {method!r}"
        )
    return _CALIBRATORS[method].from_dict(d)  # type: ignore[return-value]
