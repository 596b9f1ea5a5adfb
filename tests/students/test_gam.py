import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from risk_models.evaluation.metrics import auc
from risk_models.params import ParameterError
from risk_models.students.gam import GAMStudent
from risk_models.students.shape_table import ShapeTable


@pytest.fixture(scope="module")
def fitted(additive_frame):
    X, y, p = additive_frame
    model = GAMStudent(n_estimators=400, learning_rate=0.2, monotone={"b": 1}).fit(
        X, y, soft_target=p
    )
    return model, X, y, p


def test_table_scores_match_booster_margins_to_1e6(fitted) -> None:
    model, X, _, _ = fitted
    table_scores = model.decision_function(X)
    np.testing.assert_allclose(table_scores, model.booster_margin(X), rtol=0, atol=1e-6)
    # XGBoost's own float32 accumulation agrees to float32 precision.
    np.testing.assert_allclose(
        table_scores, model.booster_margin(X, exact=False), rtol=0, atol=1e-4
    )


def test_table_matches_booster_on_unseen_levels_and_missing(fitted) -> None:
    model, X, _, _ = fitted
    X2 = X.head(50).copy()
    X2["c"] = X2["c"].astype(object)
    X2.loc[:9, "c"] = "never-seen"
    X2.loc[10:19, "a"] = np.nan
    np.testing.assert_allclose(
        model.decision_function(X2), model.booster_margin(X2), rtol=0, atol=1e-6
    )


def test_recovers_the_additive_signal(fitted) -> None:
    model, X, y, p = fitted
    z = model.decision_function(X)
    assert np.corrcoef(z, np.log(p / (1 - p)))[0, 1] > 0.97
    assert auc(y, z) > 0.7


def test_monotone_constraint_holds_on_exported_table(fitted) -> None:
    model, *_ = fitted
    values = model.shape_table_.term("b").values[:-1]  # drop the missing bin
    assert np.all(np.diff(values) >= -1e-12)


def test_table_is_readable_json_and_scores_without_xgboost(fitted, tmp_path) -> None:
    model, X, _, _ = fitted
    path = model.export().save(tmp_path / "gam.json")
    table = ShapeTable.load(path)
    np.testing.assert_array_equal(table.predict_logit(X), model.decision_function(X))
    assert [t.name for t in table.terms] == ["a", "b", "c"]
    assert table.term("c").axes[0].levels == ("x", "y", "z")


def test_hard_labels_and_early_stopping(additive_frame) -> None:
    X, y, _ = additive_frame
    model = GAMStudent(n_estimators=2000, learning_rate=0.3, early_stopping_rounds=10)
    model.fit(X[:2000], y[:2000], eval_set=(X[2000:], y[2000:]))
    assert model.n_trees_ < 2000
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert clone(model).get_params() == model.get_params()


def test_monotone_on_categorical_is_refused(additive_frame) -> None:
    X, y, _ = additive_frame
    with pytest.raises(ValueError, match=re.escape("monotone constraints given for ['c']")):
        GAMStudent(monotone={"c": 1}).fit(X, y)


def test_soft_target_must_be_probabilities(additive_frame) -> None:
    X, y, _ = additive_frame
    with pytest.raises(ValueError, match=re.escape("soft_target must be probabilities in [0, 1]")):
        GAMStudent().fit(X, y, soft_target=np.full(len(X), 1.5))


def test_predict_before_fit_is_refused() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        GAMStudent().predict(pd.DataFrame({"a": [1.0]}))


# --- distillation loss (alpha, temperature) -------------------------------------------------


def _same_table(a: ShapeTable, b: ShapeTable, atol: float) -> None:
    assert [t.name for t in a.terms] == [t.name for t in b.terms]
    assert a.intercept == pytest.approx(b.intercept, abs=atol)
    for ta, tb in zip(a.terms, b.terms, strict=True):
        assert ta.axes == tb.axes
        np.testing.assert_allclose(ta.values, tb.values, rtol=0, atol=atol)


@pytest.mark.parametrize("temperature", [1.0, 3.0])
def test_alpha_one_reproduces_hard_label_training(additive_frame, temperature) -> None:
    X, y, p = additive_frame
    kw = {"n_estimators": 150, "learning_rate": 0.2, "monotone": {"b": 1}}
    hard = GAMStudent(**kw).fit(X, y)
    distilled = GAMStudent(alpha=1.0, temperature=temperature, **kw).fit(X, y, soft_target=p)
    _same_table(hard.shape_table_, distilled.shape_table_, atol=1e-6)


@pytest.mark.parametrize("temperature", [1.0, 3.0])
def test_first_tree_is_a_newton_step_on_the_distillation_loss(additive_frame, temperature) -> None:
    """Both training paths (mixed label at T = 1, custom objective otherwise) use its g, h."""
    from risk_models.distill.loss import distillation_grad_hess, mixed_target, teacher_logit

    X, y, p = additive_frame
    alpha, eta, lam = 0.3, 0.5, 1.0
    model = GAMStudent(
        n_estimators=1, learning_rate=eta, reg_lambda=lam, alpha=alpha, temperature=temperature
    ).fit(X, y, soft_target=p)
    table = model.shape_table_
    start = np.log(np.mean(mixed_target(y, p, alpha))) - np.log1p(
        -np.mean(mixed_target(y, p, alpha))
    )
    assert table.intercept == pytest.approx(start, abs=1e-6)
    contrib = table.term_contributions(X)
    leaf = contrib[:, np.argmax(contrib.std(axis=0))]
    g, h = distillation_grad_hess(
        np.full(len(X), table.intercept), y, teacher_logit(p), alpha, temperature
    )
    values = np.unique(leaf)
    assert len(values) == 2
    for v in values:
        rows = leaf == v
        assert v == pytest.approx(-eta * g[rows].sum() / (h[rows].sum() + lam), rel=1e-5)


def test_mixing_at_t1_is_training_on_the_mixed_label(additive_frame) -> None:
    """y may hold the teacher's probability on transfer rows (no observed outcome)."""
    from risk_models.distill.loss import mixed_target

    X, y, p = additive_frame
    y_soft = y.astype(float)
    y_soft[-300:] = p[-300:]
    kw = {"n_estimators": 100, "learning_rate": 0.2}
    mixed = GAMStudent(alpha=0.4, **kw).fit(X, y_soft, soft_target=p)
    direct = GAMStudent(**kw).fit(X, y, soft_target=mixed_target(y_soft, p, 0.4))
    _same_table(mixed.shape_table_, direct.shape_table_, atol=0.0)
    hot = GAMStudent(alpha=0.4, temperature=2.0, **kw).fit(X, y_soft, soft_target=p)
    np.testing.assert_allclose(hot.decision_function(X), hot.booster_margin(X), rtol=0, atol=1e-6)


@pytest.mark.parametrize("temperature", [1.0, 2.5])
def test_tolerance_stops_the_tail_of_tiny_validation_gains(additive_frame, temperature) -> None:
    X, y, p = additive_frame
    kw = dict(n_estimators=3000, learning_rate=0.02, early_stopping_rounds=50)
    fit = dict(soft_target=p[:2000], eval_set=(X[2000:], p[2000:]))
    if temperature != 1.0:
        kw["temperature"] = temperature
    exact = GAMStudent(**kw).fit(X[:2000], y[:2000], **fit)
    tol = GAMStudent(**kw, early_stopping_tolerance=1e-3).fit(X[:2000], y[:2000], **fit)
    assert tol.n_trees_ < exact.n_trees_
    # the kept trees are the first ones of the exact fit (same boosting, stopped sooner)
    first = exact.booster_[: tol.n_trees_]
    np.testing.assert_allclose(
        tol.booster_.predict(tol.design_.dmatrix(X), output_margin=True),
        first.predict(exact.design_.dmatrix(X), output_margin=True),
        rtol=0,
        atol=1e-6,
    )
    assert auc(y[2000:], tol.decision_function(X[2000:])) > 0.75
    loose = GAMStudent(**kw, early_stopping_tolerance=0.5).fit(X[:2000], y[:2000], **fit)
    assert loose.n_trees_ <= tol.n_trees_


def test_custom_objective_exports_exactly_and_stops_early(additive_frame) -> None:
    X, y, p = additive_frame
    model = GAMStudent(
        n_estimators=2000, learning_rate=0.3, alpha=0.2, temperature=2.5, early_stopping_rounds=10
    ).fit(X[:2000], y[:2000], soft_target=p[:2000], eval_set=(X[2000:], y[2000:]))
    assert model.n_trees_ < 2000
    np.testing.assert_allclose(
        model.decision_function(X), model.booster_margin(X), rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        model.decision_function(X), model.booster_margin(X, exact=False), rtol=0, atol=1e-4
    )
    assert np.corrcoef(model.decision_function(X), np.log(p / (1 - p)))[0, 1] > 0.95


def test_high_temperature_does_not_shrink_the_student_on_a_sharp_teacher(additive_frame) -> None:
    """The T^2-scaled soft term is minimised at the teacher's logit for every T.

    A larger T does not soften what the student learns: it turns the loss towards matching
    logits (its Hessian no longer vanishes where the teacher is sure), so on a sharp teacher
    and a fixed budget the student's logits spread wider and follow the teacher more closely.
    """
    X, y, p = additive_frame
    t = 4.0 * np.log(p / (1 - p))
    sharp = 1 / (1 + np.exp(-t))
    spread, corr = {}, {}
    for T in (1.0, 4.0):
        z = GAMStudent(n_estimators=50, temperature=T).fit(X, y, soft_target=sharp)
        spread[T] = z.decision_function(X).std()
        corr[T] = np.corrcoef(z.decision_function(X), t)[0, 1]
    assert spread[1.0] < spread[4.0] < t.std()
    assert corr[1.0] < corr[4.0]


def test_distillation_params_are_validated(additive_frame) -> None:
    X, y, p = additive_frame
    with pytest.raises(
        ParameterError,
        match=re.escape("invalid GAMStudent parameter(s): alpha: must be in [0, 1], got 1.5"),
    ):
        GAMStudent(alpha=1.5).fit(X, y, soft_target=p)
    with pytest.raises(ValueError, match=re.escape("temperature: must be > 0, got 0.0")):
        GAMStudent(temperature=0.0).fit(X, y, soft_target=p)
    with pytest.raises(ValueError, match=re.escape("y must hold 0/1 labels (1 = bad), or teacher")):
        GAMStudent(alpha=0.5).fit(X, y + 1, soft_target=p)
    with pytest.raises(ValueError, match=re.escape("y must be binary 0/1 (1 = bad)")):
        GAMStudent().fit(X, y + 1)
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        GAMStudent().fit(X, np.arange(len(X)) % 3)


# --- term budget ---------------------------------------------------------------------------


def test_term_budget_keeps_the_most_important_terms_and_refits(additive_frame) -> None:
    X, y, p = additive_frame
    full = GAMStudent(n_estimators=200, learning_rate=0.2).fit(X, y, soft_target=p)
    small = GAMStudent(n_estimators=200, learning_rate=0.2, max_terms=2).fit(X, y, soft_target=p)
    assert small.term_importance_ == pytest.approx(full.term_importance_)
    ranked = sorted(full.term_importance_, key=full.term_importance_.get, reverse=True)
    assert ranked == ["a", "b", "c"]
    table = small.export()
    assert [t.name for t in table.terms] == ["a", "b"]
    assert table.features == ("a", "b")
    assert table.n_cells() < full.export().n_cells()
    np.testing.assert_allclose(
        small.decision_function(X), small.booster_margin(X), rtol=0, atol=1e-6
    )
    # the refit absorbs the dropped term: the intercept moved, the scores stay close to teacher
    assert np.corrcoef(small.decision_function(X), np.log(p / (1 - p)))[0, 1] > 0.9
    with pytest.raises(ValueError, match=re.escape("max_terms: must be >= 1, got 0")):
        GAMStudent(max_terms=0).fit(X, y)
    with pytest.raises(
        ValueError, match=re.escape("max_terms: must be an integer >= 1 or None, got 2.0")
    ):
        GAMStudent(max_terms=2.0).fit(X, y)


def test_zero_weight_rows_are_dropped_before_training(additive_frame) -> None:
    X, y, p = additive_frame
    w = np.ones(len(X))
    w[:500] = 0.0
    weighted = GAMStudent(n_estimators=100).fit(X, y, soft_target=p, sample_weight=w)
    dropped = GAMStudent(n_estimators=100).fit(X[500:], y[500:], soft_target=p[500:])
    _same_table(weighted.shape_table_, dropped.shape_table_, atol=1e-6)
    with pytest.raises(ValueError, match="sample_weight is zero for every row"):
        GAMStudent().fit(X, y, sample_weight=np.zeros(len(X)))


def test_edges_stop_at_the_training_range_and_training_range_scores_do_not_move() -> None:
    from risk_models.students.boosting import export_stump_table

    rng = np.random.default_rng(0)
    n = 3000
    x = rng.uniform(0, 100, n)
    missing = rng.random(n) < 0.2  # XGBoost splits missing from present above the largest x
    z = np.where(missing, 1.5, -1 + 0.02 * x)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    X = pd.DataFrame({"x": np.where(missing, np.nan, x), "w": rng.normal(size=n)})
    model = GAMStudent(n_estimators=100, learning_rate=0.3, device="cpu").fit(X, y)
    unclipped = export_stump_table(model.booster_, model.design_)
    raw_edges = unclipped.term("x").axes[0].edges
    assert raw_edges[-1] > 150  # an edge beyond the largest training value (about 2x it)
    table = model.export()
    for term in table.terms:  # every cell but the missing one holds training rows
        axis = term.axes[0]
        cells = axis.index(X[axis.feature])
        assert set(range(axis.missing_index)) == set(cells[cells != axis.missing_index])
    assert table.term("x").axes[0].edges == tuple(e for e in raw_edges if e <= 100)
    np.testing.assert_array_equal(table.predict_logit(X), unclipped.predict_logit(X))
    inside = pd.DataFrame({"x": rng.uniform(*model.main_ranges_["x"], 500),
                           "w": rng.uniform(*model.main_ranges_["w"], 500)})  # fmt: skip
    np.testing.assert_array_equal(table.predict_logit(inside), unclipped.predict_logit(inside))
    beyond = pd.DataFrame({"x": [160.0, 1e6, -50.0], "w": [0.0, 0.0, 0.0]})
    at_range = pd.DataFrame({"x": [X["x"].max(), X["x"].max(), X["x"].min()], "w": [0.0] * 3})
    np.testing.assert_array_equal(table.predict_logit(beyond), table.predict_logit(at_range))
    np.testing.assert_allclose(
        table.predict_logit(beyond), model.booster_margin(beyond), rtol=0, atol=1e-6
    )
    assert not np.allclose(unclipped.predict_logit(beyond)[1], table.predict_logit(beyond)[1])
