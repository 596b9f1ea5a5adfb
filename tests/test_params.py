"""Tests for risk_models.params and the declared constraints of every estimator."""

import importlib
import re

import numpy as np
import pytest

from risk_models.errors import RiskModelsError
from risk_models.params import (
    Boolean,
    Directions,
    FeaturePairs,
    Interval,
    IntList,
    Options,
    ParameterError,
    ParamProblem,
    check_params,
    check_value,
    validate_estimator_params,
)
from risk_models.students.param_specs import STUDENT_PARAMS
from risk_models.teachers.param_specs import ENSEMBLE, NUMERIC_ENCODINGS, TEACHER_PARAMS

ESTIMATORS = [
    ("risk_models.students.gam", "GAMStudent", STUDENT_PARAMS["gam"]),
    ("risk_models.students.ga2m", "GA2MStudent", STUDENT_PARAMS["ga2m"]),
    ("risk_models.students.scorecard", "ScorecardStudent", STUDENT_PARAMS["scorecard"]),
    ("risk_models.students.nam", "NAMStudent", STUDENT_PARAMS["nam"]),
    ("risk_models.students.tree", "TreeStudent", STUDENT_PARAMS["tree"]),
    ("risk_models.teachers.boosted", "XGBTeacher", TEACHER_PARAMS["xgboost"]),
    ("risk_models.teachers.boosted", "LGBMTeacher", TEACHER_PARAMS["lightgbm"]),
    ("risk_models.teachers.torch_mlp", "TorchMLPTeacher", TEACHER_PARAMS["torch_mlp"]),
    ("risk_models.teachers.additive", "AdditiveTeacher", TEACHER_PARAMS["additive"]),
    ("risk_models.teachers.linear", "LinearTeacher", TEACHER_PARAMS["linear"]),
    ("risk_models.teachers.ensemble", "TeacherEnsemble", ENSEMBLE),
]


def _messages(spec, params, owner="x") -> list[str]:
    return [str(p) for p in check_params(spec, params, owner)]


@pytest.mark.parametrize(("module", "name", "spec"), ESTIMATORS)
def test_every_estimator_declares_exactly_its_parameters(module, name, spec) -> None:
    cls = getattr(importlib.import_module(module), name)
    assert cls._parameter_constraints is spec
    assert set(spec) == set(cls().get_params(deep=False))
    validate_estimator_params(cls())  # the defaults are accepted


def test_numeric_encodings_match_the_encoder() -> None:
    from risk_models.teachers.tabular_encoding import NUMERIC_ENCODINGS as ENCODER_OPTIONS

    assert set(NUMERIC_ENCODINGS) == set(ENCODER_OPTIONS)


@pytest.mark.parametrize(
    ("constraint", "words"),
    [
        (Interval(int, 2, None), "an integer >= 2"),
        (Interval(float, 0, None, closed="neither"), "a number > 0"),
        (Interval(float, 0, 1), "a number in [0, 1]"),
        (Interval(float, 0, 1, closed="left"), "a number in [0, 1)"),
        (Interval(float, 0, 0.5, closed="right"), "a number in (0, 0.5]"),
        (Interval(float, None, 3, closed="neither"), "a number < 3"),
        (Interval(float), "a number"),
        (Options(("a", "b")), "one of 'a', 'b'"),
        (Options((0,)), "0"),
        (Boolean(), "true or false"),
        (IntList(low=1, min_len=1), "a non-empty list of integers >= 1"),
        (Directions(), "a mapping of feature name to -1, 0 or +1"),
    ],
)
def test_constraints_describe_themselves(constraint, words) -> None:
    assert constraint.describe() == words


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1, "max_bins: must be >= 2, got 1"),
        (2.0, "max_bins: must be an integer >= 2, got 2.0"),
        (True, "max_bins: must be an integer >= 2, got True"),
        ("8", "max_bins: must be an integer >= 2, got '8' (text, not a number: YAML needs"),
        (None, "max_bins: must be an integer >= 2, got None"),
    ],
)
def test_a_value_of_the_right_type_gets_the_short_message(value, message) -> None:
    (problem,) = check_value("max_bins", value, [Interval(int, 2, None)])
    assert str(problem).startswith(message)


def test_numbers_must_be_finite_and_in_range() -> None:
    rate = [Interval(float, 0, None, closed="neither")]
    assert check_value("lr", 0.1, rate) == [] and check_value("lr", 3, rate) == []
    assert [str(p) for p in check_value("lr", -3, rate)] == ["lr: must be > 0, got -3"]
    assert [str(p) for p in check_value("lr", float("nan"), rate)] == ["lr: must be > 0, got nan"]
    assert [str(p) for p in check_value("lr", "fast", rate)] == [
        "lr: must be a number > 0, got 'fast'"
    ]
    assert check_value("lr", np.float32(0.5), rate) == []
    assert check_value("n", np.int64(3), [Interval(int, 1, None)]) == []


def test_alternatives_none_and_options() -> None:
    max_terms = [Interval(int, 1, None), None]
    assert check_value("max_terms", None, max_terms) == []
    assert [str(p) for p in check_value("max_terms", 0, max_terms)] == [
        "max_terms: must be >= 1, got 0"
    ]
    assert [str(p) for p in check_value("max_terms", "all", max_terms)] == [
        "max_terms: must be an integer >= 1 or None, got 'all'"
    ]
    class_weight = TEACHER_PARAMS["torch_mlp"]["class_weight"]
    for ok in (None, "balanced", 2, 0.5):
        assert check_value("class_weight", ok, class_weight) == []
    assert [str(p) for p in check_value("class_weight", "even", class_weight)] == [
        "class_weight: must be 'balanced' or a number > 0 or None, got 'even'"
    ]
    cv_folds = ENSEMBLE["cv_folds"]
    assert check_value("cv_folds", 0, cv_folds) == [] and check_value("cv_folds", 5, cv_folds) == []
    assert [str(p) for p in check_value("cv_folds", 1, cv_folds)] == [
        "cv_folds: must be 0 or an integer >= 2, got 1"
    ]


def test_containers_name_the_bad_entry() -> None:
    hidden = [IntList(low=1)]
    assert check_value("hidden_sizes", [128, 64], hidden) == []
    assert [str(p) for p in check_value("hidden_sizes", [128, 0, "x"], hidden)] == [
        "hidden_sizes[1]: must be an integer >= 1, got 0",
        "hidden_sizes[2]: must be an integer >= 1, got 'x'",
    ]
    assert [str(p) for p in check_value("hidden_sizes", 128, hidden)] == [
        "hidden_sizes: must be a list of integers >= 1, got 128"
    ]
    monotone = [Directions(), None]
    assert check_value("monotone", {"income": -1, "dti": 0}, monotone) == []
    assert [str(p) for p in check_value("monotone", {"income": "down", "x": True}, monotone)] == [
        "monotone.income: must be -1, 0 or +1, got 'down'",
        "monotone.x: must be -1, 0 or +1, got True",
    ]
    assert [str(p) for p in check_value("monotone", ["income"], monotone)] == [
        "monotone: must be a mapping of feature name to -1, 0 or +1 or None, got ['income']"
    ]
    pairs = [FeaturePairs()]
    assert check_value("pairs", [["a", "b"]], pairs) == []
    assert [str(p) for p in check_value("pairs", [["a", "b"], ["c"], ["d", "d"]], pairs)] == [
        "pairs[1]: must be two different feature names, got ['c']",
        "pairs[2]: must be two different feature names, got ['d', 'd']",
    ]


def test_check_params_reports_every_problem_and_unknown_names() -> None:
    spec = STUDENT_PARAMS["scorecard"]
    params = {"max_bins": 1, "pdo": "20", "maxbins": 3, "calibrate": 1}
    assert _messages(spec, params, "scorecard") == [
        f"unknown scorecard parameter(s) ['maxbins']; known: {sorted(spec)}",
        "max_bins: must be >= 2, got 1",
        "pdo: must be a number > 0, got '20' (text, not a number: YAML needs a decimal point "
        "in exponents, e.g. 1.0e-4)",
        "calibrate: must be true or false, got 1",
    ]
    assert ParamProblem("", "whole").__str__() == "whole"


def test_estimators_refuse_bad_values_in_fit_with_every_problem() -> None:
    from risk_models.students.tree import TreeStudent
    from risk_models.teachers.boosted import LGBMTeacher

    msg = (
        "invalid TreeStudent parameter(s): max_bins: must be >= 2, got 1; "
        "max_depth: must be in [1, 4], got 6"
    )
    with pytest.raises(ParameterError, match=f"^{re.escape(msg)}$") as err:
        TreeStudent(max_depth=6, max_bins=1).fit(np.zeros((4, 1)), [0, 1, 0, 1])
    assert isinstance(err.value, RiskModelsError) and isinstance(err.value, ValueError)
    with pytest.raises(
        ParameterError,
        match=re.escape("invalid LGBMTeacher parameter(s): learning_rate: must be a number > 0"),
    ):
        LGBMTeacher(learning_rate="fast").fit(np.zeros((4, 1)), [0, 1, 0, 1])
