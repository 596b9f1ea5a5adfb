import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from risk_models.errors import ModelFormatError
from risk_models.students.reasons import reason_codes, reasons_for_tree
from risk_models.students.rules import Condition, Rule, RuleSet
from risk_models.students.tree import TreeStudent
from tests.students.sklearn_expected_failures import STUDENT_EXPECTED_FAILURES

EXPECTED_FAILED_CHECKS = STUDENT_EXPECTED_FAILURES


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
@parametrize_with_checks([TreeStudent()], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_sklearn_estimator_checks(estimator, check) -> None:
    check(estimator)


@pytest.fixture(scope="module")
def fitted(additive_frame):
    X, y, p = additive_frame
    return TreeStudent().fit(X, y, soft_target=p), X, y, p


def _unseen_and_missing(X: pd.DataFrame) -> pd.DataFrame:
    X2 = X.head(300).copy()
    X2["c"] = X2["c"].astype(object)
    X2.loc[:49, "c"] = "never-seen"
    X2.loc[50:99, "c"] = np.nan
    X2.loc[100:149, "a"] = np.nan
    X2.loc[150:199, "b"] = np.nan  # no missing b in training: routed to the larger child
    return X2


@pytest.mark.parametrize("depth", [0, 5, 2.5, True, "3"])
def test_depth_outside_1_to_4_is_refused(additive_frame, depth) -> None:
    X, y, p = additive_frame
    kind = "an integer " if isinstance(depth, (bool, float, str)) else ""
    msg = f"invalid TreeStudent parameter(s): max_depth: must be {kind}in [1, 4], got {depth!r}"
    with pytest.raises(ValueError, match=re.escape(msg)):
        TreeStudent(max_depth=depth).fit(X, y, soft_target=p)


@pytest.mark.parametrize("leaf", [0, 0.0, 0.7, -1])
def test_min_samples_leaf_is_validated(additive_frame, leaf) -> None:
    X, y, p = additive_frame
    msg = f"min_samples_leaf: must be an integer >= 1 or a number in (0, 0.5], got {leaf!r}"
    with pytest.raises(ValueError, match=re.escape(msg)):
        TreeStudent(min_samples_leaf=leaf).fit(X, y, soft_target=p)


def test_rules_score_like_the_sklearn_tree_with_nan_and_unseen_levels(fitted) -> None:
    model, X, _, _ = fitted
    X2 = pd.concat([X, _unseen_and_missing(X)], ignore_index=True)
    sk = model.regressor_.predict(model.design_.transform(X2))
    np.testing.assert_allclose(model.decision_function(X2), sk, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.trainer_logit(X2), sk, rtol=0, atol=1e-6)
    assert model.export().apply(X2).min() >= 0  # every row matches exactly one leaf rule


def test_unseen_level_is_routed_like_missing(fitted) -> None:
    model, X, _, _ = fitted
    X2 = X.head(200).copy()
    X2["c"] = X2["c"].astype(object)
    unseen, missing = X2.copy(), X2.copy()
    unseen["c"] = "never-seen"
    missing["c"] = np.nan
    np.testing.assert_array_equal(model.decision_function(unseen), model.decision_function(missing))


def test_tree_is_shallow_and_follows_the_teacher(fitted) -> None:
    model, X, _, p = fitted
    rules = model.export()
    assert rules.metadata["max_depth"] <= 4 and model.n_leaves_ == rules.n_rules <= 16
    assert all(r.support >= 0.02 - 1e-12 for r in rules.rules)
    assert sum(r.support for r in rules.rules) == pytest.approx(1.0)
    z = model.decision_function(X)
    assert np.corrcoef(z, np.log(p / (1 - p)))[0, 1] > 0.85
    assert model.predict_proba(X).shape == (len(X), 2)
    assert clone(model).get_params() == model.get_params()


def test_rules_text_is_readable(fitted) -> None:
    model, *_ = fitted
    text = model.export().to_text()
    lines = text.splitlines()
    assert len(lines) == model.n_leaves_ + 1
    line = re.compile(
        r"^IF .+ THEN log-odds [+-]\d+\.\d\d \(PD \d+\.\d%, \d+\.\d% of training rows\)$"
    )
    assert all(line.match(s) for s in lines[:-1]), text
    assert re.match(r"^ELSE log-odds [+-]\d+\.\d\d \(PD \d+\.\d%\)$", lines[-1])
    assert "c in {" in text or "c not in {" in text
    assert "(or missing" in text


def test_rule_text_matches_the_documented_form() -> None:
    rule = Rule(
        (
            Condition("utilisation", ">=", 0.8),
            Condition("n_delinquencies", ">=", 2, missing_goes=True),
        ),
        1.23,
        0.031,
    )
    assert rule.describe() == (
        "IF utilisation >= 0.8 AND n_delinquencies >= 2 (or missing) "
        "THEN log-odds +1.23 (PD 77.4%, 3.1% of training rows)"
    )


def test_json_round_trip(fitted, tmp_path) -> None:
    model, X, _, _ = fitted
    path = model.export().save(tmp_path / "rules.json")
    d = json.loads(path.read_text())
    assert d["format"] == "risk_models.rule_set" and d["categories"]["c"] == ["x", "y", "z"]
    loaded = RuleSet.load(path)
    assert loaded.to_dict() == model.export().to_dict()
    X2 = _unseen_and_missing(X)
    np.testing.assert_array_equal(loaded.predict_logit(X2), model.decision_function(X2))
    with pytest.raises(ModelFormatError, match=re.escape("not a rule set (format='other')")):
        RuleSet.from_dict({**d, "format": "other"})
    d["rules"][0]["contributions"][0]["contribution"] += 0.5
    with pytest.raises(ModelFormatError, match=re.escape("rule 0: contributions sum to +0.5")):
        RuleSet.from_dict(d)
    with pytest.raises(ModelFormatError, match=re.escape("rule set file not found")):
        RuleSet.load(tmp_path / "absent.json")


def _hand_rules() -> RuleSet:
    return RuleSet(
        (
            Rule((Condition("x", "<", 0.1, missing_goes=True),), -1.0),
            Rule((Condition("k", "in", levels=("a",)),), 0.5),
            Rule((Condition("k", "not_in", levels=("a",)),), 1.0),
        ),
        intercept=0.0,
        default=9.0,
        features=("x", "k"),
        categories={"k": ("a", "b")},
    )


def test_conditions_compare_in_float32_and_route_missing_explicitly() -> None:
    rules = _hand_rules()
    X = pd.DataFrame(
        {
            # 0.09999999999 rounds to float32(0.1): not < 0.1 in float32, as in XGBoost
            "x": [0.05, 0.09999999999, np.nan, 0.2, 0.2, 0.2],
            "k": ["b", "a", "b", "a", "b", "zz"],
        }
    )
    np.testing.assert_array_equal(rules.apply(X), [0, 1, 0, 1, 2, -1])
    np.testing.assert_array_equal(rules.predict_logit(X), [-1.0, 0.5, -1.0, 0.5, 1.0, 9.0])


def test_rule_set_refuses_inconsistent_conditions() -> None:
    with pytest.raises(ModelFormatError, match=re.escape("'<' needs a numeric feature")):
        RuleSet((Rule((Condition("k", "<", 1.0),), 0.0),), 0.0, 0.0, ("k",), {"k": ("a",)})
    with pytest.raises(ModelFormatError, match=re.escape("levels ['q'] are not known levels")):
        RuleSet(
            (Rule((Condition("k", "in", levels=("q",)),), 0.0),), 0.0, 0.0, ("k",), {"k": ("a",)}
        )
    with pytest.raises(ModelFormatError, match=re.escape("unknown op '<='")):
        Condition("x", "<=", 1.0)
    with pytest.raises(ModelFormatError, match=re.escape("'k' in: takes no threshold")):
        Condition("k", "in", ("a",))  # type: ignore[arg-type]


def test_missingness_split_exports_as_is_missing() -> None:
    rng = np.random.default_rng(5)
    n = 2000
    x = rng.normal(size=n)
    miss = rng.random(n) < 0.3
    x[miss] = np.nan
    p = np.where(miss, 0.8, 0.2)
    X = pd.DataFrame({"x": x})
    model = TreeStudent(max_depth=1).fit(X, (rng.random(n) < p).astype(int), soft_target=p)
    text = model.export().to_text()
    assert "IF x is not missing THEN" in text and "IF x is missing THEN" in text
    np.testing.assert_allclose(model.decision_function(X), np.log(p / (1 - p)), atol=1e-9)


def test_hard_labels_give_clipped_leaf_log_odds(additive_frame) -> None:
    X, y, _ = additive_frame
    model = TreeStudent(max_depth=2).fit(X, y)
    leaf = model.export().apply(X)
    for i, rule in enumerate(model.export().rules):
        rate = y[leaf == i].mean()
        assert rule.logit == pytest.approx(np.log(rate / (1 - rate)))
    np.testing.assert_allclose(model.decision_function(X), model.trainer_logit(X), atol=1e-12)


def test_alpha_mixes_the_label_and_temperature_leaves_the_tree_unchanged(additive_frame) -> None:
    X, y, p = additive_frame
    base = TreeStudent(max_depth=2).fit(X, y, soft_target=p)
    hot = TreeStudent(max_depth=2, temperature=3.0).fit(X, y, soft_target=p)
    assert hot.export().to_dict() == base.export().to_dict()
    mixed = TreeStudent(max_depth=2, alpha=0.5).fit(X, y, soft_target=p)
    q = 0.5 * y + 0.5 * p
    assert mixed.export().metadata["target"] == "mixed_target_logit"
    assert mixed.export().intercept == pytest.approx(np.mean(np.log(q / (1 - q))))


def test_sample_weights_are_used(additive_frame) -> None:
    X, y, p = additive_frame
    w = np.where(X["b"].to_numpy() > 4, 5.0, 1.0)
    model = TreeStudent(max_depth=2).fit(X, y, soft_target=p, sample_weight=w)
    t = np.log(p / (1 - p))
    assert model.export().intercept == pytest.approx(np.average(t, weights=w))
    np.testing.assert_allclose(model.decision_function(X), model.trainer_logit(X), atol=1e-12)


@pytest.mark.parametrize("reference", ["mean", "best"])
def test_tree_reasons_add_up(fitted, reference) -> None:
    model, X, _, _ = fitted
    X2 = pd.concat([X, _unseen_and_missing(X)], ignore_index=True)
    rc = reason_codes(model, X2, reference=reference)
    np.testing.assert_allclose(rc.score, model.decision_function(X2), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        rc.points_lost.sum(axis=1).to_numpy(), rc.score_difference(), rtol=0, atol=1e-9
    )
    rules = model.export()
    expected_ref = rules.intercept if reference == "mean" else min(r.logit for r in rules.rules)
    assert rc.reference_score == pytest.approx(expected_ref, abs=1e-12)
    assert (rc.reasons["points_lost"] > 0).all()
    assert rc.reasons.groupby("row").size().max() <= 4


def test_tree_reasons_name_the_path_conditions(fitted) -> None:
    model, X, _, _ = fitted
    rules = model.export()
    rc = reasons_for_tree(rules, X, reference="population_mean")
    leaf = rules.apply(X)
    labels = [r.condition_labels() for r in rules.rules]
    for row in rc.reasons.head(50).itertuples():
        assert row.bin == labels[leaf[row.row]][row.feature]
    # Against the training population the path contributions average to zero per feature.
    np.testing.assert_allclose(rc.points_lost.mean(axis=0).to_numpy(), 0.0, atol=1e-9)
    framed = reasons_for_tree(rules, X, reference="mean", reference_frame=X)
    assert framed.reference_score == pytest.approx(rules.intercept, abs=1e-9)


def test_best_leaf_rows_lose_no_points(fitted) -> None:
    model, X, _, _ = fitted
    rules = model.export()
    rc = reasons_for_tree(rules, X, reference="best_leaf")
    best = int(np.argmin([r.logit for r in rules.rules]))
    in_best = rules.apply(X) == best
    assert in_best.any()
    assert np.all(rc.points_lost.to_numpy()[in_best] == 0.0)
