"""Calibrators on a synthetic overconfident score, plus serialisation round trips."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from risk_models.errors import ModelFormatError
from risk_models.evaluation.calibration import (
    IdentityCalibrator,
    PlattScaler,
    TemperatureScaler,
    calibrator_from_dict,
    fit_platt,
    make_calibrator,
)
from risk_models.evaluation.metrics import ece, log_loss, sigmoid


def _sample(seed: int, n: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """True log-odds ``z`` and outcomes drawn with probability ``sigmoid(z)``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.5, n)
    y = (rng.random(n) < sigmoid(z)).astype(int)
    return z, y


@pytest.fixture(scope="module")
def fit_data() -> tuple[np.ndarray, np.ndarray]:
    return _sample(0)


@pytest.fixture(scope="module")
def test_data() -> tuple[np.ndarray, np.ndarray]:
    return _sample(1)


def test_temperature_recovers_pure_scaling(fit_data, test_data) -> None:
    z, y = fit_data
    scaler = TemperatureScaler().fit(3.0 * z, y)
    assert scaler.temperature_ == pytest.approx(3.0, rel=0.05)

    z_test, y_test = test_data
    raw = sigmoid(3.0 * z_test)
    calibrated = scaler.predict_proba_1d(3.0 * z_test)
    assert ece(y_test, calibrated) < 0.3 * ece(y_test, raw)
    assert log_loss(y_test, calibrated) < 0.9 * log_loss(y_test, raw)
    # Calibrated logit = logit / T; ranking unchanged.
    expected = np.array([3.0, -6.0]) / scaler.temperature_
    np.testing.assert_allclose(scaler.transform([3.0, -6.0]), expected)


def test_platt_recovers_scale_and_shift(fit_data, test_data) -> None:
    z, y = fit_data
    scores = 3.0 * z + 1.0  # overconfident and shifted
    scaler = PlattScaler().fit(scores, y)
    # p = sigmoid(a * (3z + 1) + b) is calibrated at a = 1/3, b = -1/3.
    assert scaler.slope_ == pytest.approx(1 / 3, rel=0.05)
    assert scaler.intercept_ == pytest.approx(-1 / 3, abs=0.05)

    z_test, y_test = test_data
    raw = sigmoid(3.0 * z_test + 1.0)
    calibrated = scaler.predict_proba_1d(3.0 * z_test + 1.0)
    assert ece(y_test, calibrated) < 0.2 * ece(y_test, raw)
    assert log_loss(y_test, calibrated) < 0.8 * log_loss(y_test, raw)


def test_temperature_improves_shifted_score_too(fit_data, test_data) -> None:
    z, y = fit_data
    scaler = TemperatureScaler().fit(3.0 * z + 1.0, y)
    z_test, y_test = test_data
    raw = sigmoid(3.0 * z_test + 1.0)
    calibrated = scaler.predict_proba_1d(3.0 * z_test + 1.0)
    assert ece(y_test, calibrated) < 0.5 * ece(y_test, raw)
    assert log_loss(y_test, calibrated) < 0.9 * log_loss(y_test, raw)


def test_hand_case_two_logit_values() -> None:
    # Logit -1: 1 bad of 4; logit +1: 3 bads of 4. The MLE reproduces both rates:
    # -a + b = log(1/3) and a + b = log 3, so a = log 3, b = 0, and T = 1 / log 3.
    z = [-1.0] * 4 + [1.0] * 4
    y = [1, 0, 0, 0, 1, 1, 1, 0]
    platt = PlattScaler().fit(z, y)
    assert platt.slope_ == pytest.approx(np.log(3), abs=1e-6)
    assert platt.intercept_ == pytest.approx(0.0, abs=1e-6)
    temperature = TemperatureScaler().fit(z, y)
    assert temperature.temperature_ == pytest.approx(1 / np.log(3), abs=1e-6)
    np.testing.assert_allclose(temperature.predict_proba_1d([-1.0, 1.0]), [0.25, 0.75])


@pytest.mark.parametrize("cls", [TemperatureScaler, PlattScaler, IdentityCalibrator])
def test_round_trip_through_json(cls, fit_data) -> None:
    z, y = fit_data
    fitted = cls().fit(2.0 * z, y)
    d = json.loads(json.dumps(fitted.to_dict()))
    assert d["method"] == cls.method
    for loaded in (cls.from_dict(d), calibrator_from_dict(d)):
        assert type(loaded) is cls
        np.testing.assert_array_equal(loaded.transform(z[:50]), fitted.transform(z[:50]))


def test_identity_changes_nothing() -> None:
    cal = IdentityCalibrator().fit([-1.0, 2.0], [0, 1])
    np.testing.assert_array_equal(cal.transform([-1.0, 2.0]), [-1.0, 2.0])
    np.testing.assert_allclose(cal.predict_proba_1d([0.0]), [0.5])


def test_make_calibrator() -> None:
    assert isinstance(make_calibrator("temperature"), TemperatureScaler)
    assert isinstance(make_calibrator("platt"), PlattScaler)
    assert isinstance(make_calibrator("none"), IdentityCalibrator)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "make_calibrator: method must be one of ('temperature', 'platt', 'none'), "
            "got 'isotonic'"
        ),
    ):
        make_calibrator("isotonic")  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", [TemperatureScaler, PlattScaler, IdentityCalibrator])
def test_unfitted_use_raises(cls) -> None:
    with pytest.raises(NotFittedError, match=f"This {cls.__name__} is not fitted yet"):
        cls().transform([0.0])
    with pytest.raises(NotFittedError, match=f"This {cls.__name__} is not fitted yet"):
        cls().to_dict()


def test_fit_errors() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape(
            "TemperatureScaler.fit: y contains only class 1 (n=2); "
            "TemperatureScaler.fit needs both goods (0) and bads (1)"
        ),
    ):
        TemperatureScaler().fit([0.1, 0.2], [1, 1])
    with pytest.raises(
        ValueError,
        match=re.escape("PlattScaler.fit: y and logit must have the same length, got 2 and 3"),
    ):
        PlattScaler().fit([0.1, 0.2, 0.3], [0, 1])
    with pytest.raises(
        ValueError, match=re.escape("PlattScaler.fit: empty input; need at least one row")
    ):
        PlattScaler().fit([], [])
    with pytest.raises(
        ValueError,
        match=re.escape("TemperatureScaler: bounds must satisfy 0 < low < high < inf, got (0, 1)"),
    ):
        TemperatureScaler(bounds=(0, 1)).fit([0.1, 0.2], [0, 1])


def test_from_dict_errors() -> None:
    with pytest.raises(
        ModelFormatError,
        match=re.escape("TemperatureScaler.from_dict: expected method 'temperature', got 'platt'"),
    ):
        TemperatureScaler.from_dict({"method": "platt", "slope": 1.0, "intercept": 0.0})
    with pytest.raises(
        ModelFormatError,
        match=re.escape("TemperatureScaler.from_dict: temperature must be > 0, got -1.0"),
    ):
        TemperatureScaler.from_dict({"method": "temperature", "temperature": -1.0})
    with pytest.raises(
        ModelFormatError,
        match=re.escape(
            "PlattScaler.from_dict: missing key 'intercept' (got keys ['method', 'slope'])"
        ),
    ):
        PlattScaler.from_dict({"method": "platt", "slope": 1.0})
    with pytest.raises(
        ModelFormatError,
        match=re.escape("PlattScaler.from_dict: 'slope' must be a finite number, got 'x'"),
    ):
        PlattScaler.from_dict({"method": "platt", "slope": "x", "intercept": 0.0})
    with pytest.raises(
        ModelFormatError,
        match=re.escape(
            "calibrator_from_dict: 'method' must be one of ('temperature', 'platt', 'none'), "
            "got None"
        ),
    ):
        calibrator_from_dict({"temperature": 2.0})


def test_fit_platt_hand_case_and_scaler_agree() -> None:
    # Two score values, 0 and 1, with bad rates 1/4 and 3/4: the optimum is exact,
    # sigmoid(b) = 1/4 and sigmoid(a + b) = 3/4, so b = -ln 3 and a = 2 ln 3.
    s = np.array([0.0] * 4 + [1.0] * 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0], dtype=float)
    a, b = fit_platt(s, y)
    assert a == pytest.approx(2 * np.log(3), abs=1e-7)
    assert b == pytest.approx(-np.log(3), abs=1e-7)
    scaler = PlattScaler().fit(s, y)
    assert (scaler.slope_, scaler.intercept_) == (a, b)


def test_fit_platt_weights_and_soft_targets() -> None:
    # Integer weights act as repeated rows; a soft target acts as that share of bads.
    s = np.array([0.0, 0.0, 1.0, 1.0])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    a, b = fit_platt(s, y, np.array([1.0, 3.0, 3.0, 1.0]), gtol=1e-10, maxiter=400)
    soft = fit_platt(np.array([0.0, 1.0]), np.array([0.25, 0.75]), gtol=1e-10)
    assert a == pytest.approx(2 * np.log(3), abs=1e-7)
    assert b == pytest.approx(-np.log(3), abs=1e-7)
    np.testing.assert_allclose(soft, (a, b), atol=1e-7)
