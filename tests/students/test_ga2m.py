import re

import numpy as np
import pandas as pd
import pytest

from risk_models.evaluation.metrics import auc
from risk_models.students.ga2m import GA2MStudent, fast_bins, interaction_score, rank_pairs
from risk_models.students.gam import GAMStudent
from risk_models.students.shape_table import ShapeTable

FAST = {"n_estimators": 300, "learning_rate": 0.2, "pair_rounds": 300, "pair_learning_rate": 0.2}


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """logit = x1 + x2 + 2 x3 x4 + 1.5 [c == v] x5 - 0.5, with noise features and NaNs."""
    rng = np.random.default_rng(5)
    n = 3000
    X = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(1, 7)})
    X["c"] = pd.Categorical(rng.choice(["u", "v", "w"], n))
    X.loc[rng.random(n) < 0.05, "x3"] = np.nan
    X.loc[rng.random(n) < 0.05, "c"] = np.nan
    x3 = X["x3"].fillna(0.0).to_numpy()
    is_v = (X["c"].astype(object) == "v").to_numpy()
    z = (X.x1 + X.x2 + 2 * x3 * X.x4 + 1.5 * is_v * X.x5 - 0.5).to_numpy()
    p = 1 / (1 + np.exp(-z))
    y = (rng.random(n) < p).astype(int)
    return X, y, p, z


@pytest.fixture(scope="module")
def fitted(planted):
    X, y, p, _ = planted
    gam = GAMStudent(n_estimators=300, learning_rate=0.2).fit(X, y, soft_target=p)
    ga2m = GA2MStudent(n_pairs=2, **FAST).fit(X, y, soft_target=p)
    return gam, ga2m


def test_ranking_puts_the_planted_pairs_first(fitted) -> None:
    _, model = fitted
    ranking = model.pair_ranking_
    assert len(ranking) == 7 * 6 // 2
    assert [(a, b) for a, b, _ in ranking[:2]] == [("x3", "x4"), ("x5", "c")]
    assert ranking[0][2] > 5 * ranking[1][2] > 5 * 1.0
    assert model.pairs_ == [("x3", "x4"), ("x5", "c")]


def test_ga2m_beats_gam_on_the_planted_interaction(planted, fitted) -> None:
    X, y, _, z = planted
    gam, ga2m = fitted
    fid_gam = np.corrcoef(gam.decision_function(X), z)[0, 1]
    fid_ga2m = np.corrcoef(ga2m.decision_function(X), z)[0, 1]
    assert fid_ga2m > 0.95 > 0.6 > fid_gam
    assert auc(y, ga2m.decision_function(X)) > auc(y, gam.decision_function(X)) + 0.1


def test_table_matches_boosters_to_1e6(planted, fitted) -> None:
    X, *_ = planted
    _, model = fitted
    np.testing.assert_allclose(
        model.decision_function(X), model.booster_margin(X), rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        model.decision_function(X), model.booster_margin(X, exact=False), rtol=0, atol=1e-4
    )
    X2 = X.head(200).copy()
    X2["c"] = X2["c"].astype(object)
    X2.loc[:19, "c"] = "never-seen"
    X2.loc[30:59, "x4"] = np.nan
    X2.loc[50:79, "x5"] = np.nan
    X2.loc[90:99, "x3"] = 1e9
    np.testing.assert_allclose(
        model.decision_function(X2), model.booster_margin(X2), rtol=0, atol=1e-6
    )


def test_pair_terms_are_two_dimensional_tables(fitted, tmp_path) -> None:
    _, model = fitted
    table = model.export()
    names = [t.name for t in table.terms]
    assert names == ["x1", "x2", "x3", "x4", "x5", "x6", "c", "x3 x x4", "x5 x c"]
    num = table.term("x3 x x4")
    assert num.features == ("x3", "x4")
    assert num.values.shape == tuple(len(a.edges) + 2 for a in num.axes)
    assert all(1 <= len(a.edges) <= 16 for a in num.axes)
    cat = table.term("x5 x c")
    assert cat.axes[1].kind == "categorical"
    assert cat.axes[1].levels == ("u", "v", "w")
    assert cat.values.shape == (len(cat.axes[0].edges) + 2, 5)
    # the planted slope: x5 matters for level v only
    spread = np.ptp(cat.values[:-1, :3], axis=0)
    assert spread[1] > 3 * max(spread[0], spread[2])
    assert table.metadata["student"] == "ga2m"
    assert table.metadata["pairs"] == [["x3", "x4"], ["x5", "c"]]
    loaded = ShapeTable.load(table.save(tmp_path / "ga2m.json"))
    X = pd.DataFrame({f: [0.5, np.nan] for f in ("x1", "x2", "x3", "x4", "x5", "x6")})
    X["c"] = ["v", None]
    np.testing.assert_array_equal(loaded.predict_logit(X), model.decision_function(X))


def test_custom_objective_early_stopping_and_term_budget(planted) -> None:
    X, y, p, _ = planted
    model = GA2MStudent(
        n_pairs=1, temperature=2.0, alpha=0.1, max_terms=3, early_stopping_rounds=10, **FAST
    ).fit(X[:2000], y[:2000], soft_target=p[:2000], eval_set=(X[2000:], y[2000:]))
    table = model.export()
    one_d = [t.name for t in table.terms if len(t.axes) == 1]
    assert len(one_d) == 3
    assert set(one_d) == {"x1", "x2", "x5"}
    assert model.pairs_ == [("x3", "x4")]
    assert table.features == ("x1", "x2", "x3", "x4", "x5")
    assert model.pair_boosters_[0].num_boosted_rounds() < 300
    np.testing.assert_allclose(
        model.decision_function(X), model.booster_margin(X), rtol=0, atol=1e-6
    )


def test_pair_path_judges_the_exported_table(planted) -> None:
    """The validation losses on the pair path are those of the shipped table's scores."""
    from risk_models.students._pair_path import row_log_loss

    X, y, p, _ = planted
    Xv = X[2000:].copy()
    Xv.loc[Xv.index[:50], "x4"] = 50.0  # beyond the training range: the table clips
    model = GA2MStudent(n_pairs=3, pair_patience=3, **FAST).fit(
        X[:2000], y[:2000], soft_target=p[:2000], eval_set=(Xv, p[2000:])
    )
    path = model.pair_path_
    assert path is not None and path["n_keep"] >= 1
    kept = path["losses"][path["n_keep"] - 1]
    loss = row_log_loss(p[2000:], model.decision_function(Xv)).mean()
    assert kept == pytest.approx(loss, abs=1e-9)


def test_no_pairs_is_the_gam(planted) -> None:
    X, y, p, _ = planted
    kw = {"n_estimators": 100, "learning_rate": 0.2}
    ga2m = GA2MStudent(n_pairs=0, **kw).fit(X, y, soft_target=p)
    gam = GAMStudent(**kw).fit(X, y, soft_target=p)
    assert ga2m.pairs_ == []
    np.testing.assert_array_equal(ga2m.decision_function(X), gam.decision_function(X))


def test_hard_labels_rank_on_the_gradient(planted) -> None:
    X, y, _, _ = planted
    model = GA2MStudent(n_pairs=1, **FAST).fit(X, y)
    assert model.pairs_ == [("x3", "x4")]


def test_interaction_score_by_hand() -> None:
    a = np.array([0, 0, 1, 1] * 5)
    b = np.array([0, 1, 0, 1] * 5)
    w = np.ones(20)
    xor = np.where(a == b, 1.0, -1.0)
    assert interaction_score(a, 2, b, 2, xor, w) == pytest.approx(20.0)
    assert interaction_score(a, 2, b, 2, 3 * a - 2 * b + 1.0, w) == pytest.approx(0.0, abs=1e-20)
    # cell means (3, 0; 0, 0) with unit counts: additive fit leaves residuals +-0.75
    r = np.array([3.0, 0.0, 0.0, 0.0])
    assert interaction_score(a[:4], 2, b[:4], 2, r, np.ones(4)) == pytest.approx(4 * 0.75**2)


def test_rank_pairs_and_bins() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(2000, 4)), columns=["p", "q", "r", "s"])
    ranking = rank_pairs(X, (X.q * X.s).to_numpy(), max_bin=8)
    assert ranking[0][:2] == ("q", "s")
    codes, n = fast_bins(pd.Series([0.0, 1.0, np.nan, 2.0, 3.0]), max_bin=2)
    assert n == 3 and codes.tolist() == [0, 1, 2, 1, 1]  # one median edge (1.0), then missing
    codes, n = fast_bins(pd.Series(["b", None, "a", "b"], dtype=object), max_bin=2)
    assert n == 4 and codes.tolist() == [1, 3, 0, 1]  # a, b, pooled (empty), missing
    codes, n = fast_bins(
        pd.Series(["b", None, "a", "b", "c"], dtype=object), max_bin=2, min_level_count=2
    )
    assert n == 3 and codes.tolist() == [0, 2, 1, 0, 1]  # b, missing, pooled a and c


def test_pair_params_are_validated(planted) -> None:
    X, y, _, _ = planted
    with pytest.raises(
        ValueError,
        match=re.escape(
            "invalid GA2MStudent parameter(s): n_pairs: must be >= 0, got -1; "
            "pair_max_bin: must be >= 2, got 1"
        ),
    ):
        GA2MStudent(n_pairs=-1, pair_max_bin=1).fit(X, y)
    with pytest.raises(
        ValueError, match=re.escape("pair_rounds: must be an integer >= 1, got '5'")
    ):
        GA2MStudent(pair_rounds="5").fit(X, y)


def _edges_outside_range(table: ShapeTable, X: pd.DataFrame) -> list[tuple[str, str, float]]:
    """(term, feature, edge) for every pair-table edge outside the training range of X."""
    out = []
    for term in table.terms:
        if len(term.axes) != 2:
            continue
        for axis in term.axes:
            if axis.kind != "numeric":
                continue
            x = X[axis.feature].dropna().to_numpy(np.float32)
            out += [(term.name, axis.feature, e) for e in axis.edges if not x.min() < e <= x.max()]
    return out


@pytest.fixture(scope="module")
def credit_book() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The synthetic credit book (features with missing values), labels, true probabilities."""
    from risk_models.data import make_credit_book, validate_frame

    syn = make_credit_book(n_rows=4000, seed=7)
    data = validate_frame(syn.frame, syn.spec, "synthetic:credit")
    return data.X, data.y, 1 / (1 + np.exp(-syn.true_logit))


CREDIT_PAIRS = {"n_pairs": 10, "pair_max_bin": 32, "n_estimators": 300, "learning_rate": 0.2}


def test_pair_table_edges_stay_inside_the_training_range(credit_book, monkeypatch) -> None:
    """XGBoost puts the missing-vs-present split above the largest value (about twice it);
    the exported pair tables clip such edges, and the boosters' path clips its inputs alike."""
    X, y, p = credit_book
    model = GA2MStudent(**CREDIT_PAIRS).fit(X, y, soft_target=p)
    assert _edges_outside_range(model.export(), X) == []
    h = "credit_history_months"
    assert model.pair_ranges_[h] == (float(X[h].min()), float(X[h].max()))
    # unclipped (the export as it was), features with missing values get an edge near 2 x max
    import risk_models.students.ga2m as ga2m_module

    monkeypatch.setattr(ga2m_module, "clip_pair_term", lambda term, X: term)
    raw = GA2MStudent(**CREDIT_PAIRS).fit(X, y, soft_target=p)
    outside = _edges_outside_range(raw.export(), X)
    assert any(f == h and e > 1.5 * X[h].max() for _, f, e in outside), outside
    np.testing.assert_array_equal(model.decision_function(X), raw.decision_function(X))
    # beyond the range, a row scores as the nearest observed cell, in table and boosters
    (term,) = [t for t in model.export().terms if h in t.features and len(t.axes) == 2][:1]
    far, edge = X.head(3).copy(), X.head(3).copy()
    far[h] = [1e6, -1e6, np.nan]
    edge[h] = [X[h].max(), X[h].min(), np.nan]
    np.testing.assert_array_equal(term.contributions(far), term.contributions(edge))
    np.testing.assert_allclose(
        model.decision_function(far), model.booster_margin(far), rtol=0, atol=1e-6
    )
    assert not np.allclose(raw.decision_function(far), raw.decision_function(edge))
