import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from risk_models.distill.loss import distillation_loss, teacher_logit
from risk_models.students.scorecard import (
    BASE_ROW,
    ScorecardStudent,
    fit_bin_coefficients,
    points_scaling,
    read_points_table,
)
from risk_models.students.shape_table import ShapeTable
from tests.students.sklearn_expected_failures import STUDENT_EXPECTED_FAILURES

EXPECTED_FAILED_CHECKS = {
    **STUDENT_EXPECTED_FAILURES,
    "check_sample_weight_equivalence_on_dense_data": (
        "min_bin_share counts rows, so a row of weight 2 is not two rows for the binning"
    ),
}


@parametrize_with_checks(
    [ScorecardStudent()], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_sklearn_estimator_checks(estimator, check) -> None:
    check(estimator)


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


@pytest.fixture(scope="module")
def fitted(additive_frame):
    X, y, p = additive_frame
    model = ScorecardStudent(monotone={"b": 1}).fit(X, y, soft_target=p)
    return model, X, y, p


def _odd_rows(X: pd.DataFrame) -> pd.DataFrame:
    """Rows with NaNs, unseen levels and values beyond the training range."""
    X2 = X.head(60).copy()
    X2["c"] = X2["c"].astype(object)
    X2.loc[:9, "c"] = "never-seen"
    X2.loc[10:19, "a"] = np.nan
    X2.loc[20:29, "b"] = np.nan  # no missing b in training
    X2.loc[30:39, "a"] = 1e9
    X2.loc[40:49, "c"] = np.nan
    return X2


# ---------------------------------------------------------------- PDO arithmetic


def test_points_to_double_odds_by_hand() -> None:
    factor, offset = points_scaling(600, 50, 20)
    assert factor == pytest.approx(20 / math.log(2))  # 28.8539...
    assert offset == pytest.approx(600 - 28.85390081777927 * math.log(50))  # 487.1229...
    assert offset + factor * math.log(50) == pytest.approx(600)  # base odds -> base points
    assert offset + factor * math.log(100) == pytest.approx(620)  # double odds -> +pdo
    assert offset + factor * math.log(25) == pytest.approx(580)  # half odds -> -pdo
    # log-odds of bad -ln(200) means good:bad odds 200 = 50 * 4 -> 600 + 2 * 20
    assert offset - factor * (-math.log(200)) == pytest.approx(640)


def test_uncalibrated_pd_is_the_exact_inverse_of_the_scaling(additive_frame) -> None:
    X, y, p = additive_frame
    model = ScorecardStudent(calibrate=False, base_points=500, base_odds=20, pdo=40)
    model.fit(X, y, soft_target=p)
    assert model.calibration_["fitted_on"] == "none"
    # 500 points = good:bad 20 -> P(bad) = 1/21; 540 points -> odds 40 -> 1/41
    np.testing.assert_allclose(model.pd_from_points([500, 540, 460]), [1 / 21, 1 / 41, 1 / 11])
    # total points = rounding of offset - factor * log-odds, one rounding per feature + base
    factor, offset = points_scaling(500, 20, 40)
    raw = offset - factor * (
        model.intercept_ + sum(model.coef_[f][b.bin_index(X[f])] for f, b in model.bins_.items())
    )
    assert np.max(np.abs(model.score_points(X) - raw)) <= 0.5 * (1 + len(model.bins_))


def test_points_are_integers_and_each_feature_worst_bin_scores_zero(fitted) -> None:
    model, X, _, _ = fitted
    pts = model.score_points(X)
    assert pts.dtype == np.int64
    for _f, v in model.points_.items():
        assert v.dtype == np.int64 and v.min() == 0
    assert isinstance(model.base_points_, int)
    for f in ("a", "b"):  # numeric: neighbouring intervals never score the same points
        k = model.bins_[f].n_intervals()
        assert np.all(np.diff(model.points_[f][:k]) != 0)
    # higher points mean lower risk
    assert np.corrcoef(pts, model.decision_function(X))[0, 1] < -0.99


# ------------------------------------------------------------ table vs trainer


def test_table_scores_the_trainer_pd_exactly(fitted) -> None:
    model, X, _, _ = fitted
    for frame in (X, _odd_rows(X)):
        trainer = model.pd_from_points(model.score_points(frame))
        table = model.export().predict_proba(frame)[:, 1]
        np.testing.assert_allclose(table, trainer, rtol=0, atol=1e-9)
        np.testing.assert_allclose(model.predict_proba(frame)[:, 1], trainer, rtol=0, atol=1e-9)
        np.testing.assert_allclose(
            model.decision_function(frame), model.trainer_logit(frame), rtol=0, atol=1e-9
        )


def test_table_json_round_trip_and_points_metadata(fitted, tmp_path) -> None:
    model, X, _, _ = fitted
    table = ShapeTable.load(model.export().save(tmp_path / "card.json"))
    np.testing.assert_array_equal(table.predict_logit(X), model.decision_function(X))
    meta = table.metadata
    assert (meta["pdo"], meta["base_points"], meta["base_odds"]) == (20.0, 600.0, 50.0)
    assert meta["points_base"] == model.base_points_
    slope = meta["calibration"]["slope"]
    for term in table.terms:
        np.testing.assert_allclose(term.values, slope * np.asarray(meta["points"][term.name]))
        assert len(meta["cell_counts"][term.name]) == term.values.size
    # reason codes speak in points: points_factor turns cell differences into points
    t = table.term("a")
    pts = np.asarray(meta["points"]["a"])
    np.testing.assert_allclose(
        (t.values - t.values.min()) * meta["points_factor"], pts.max() - pts, atol=1e-9
    )


def test_unknown_level_and_unseen_missing_are_documented_choices(fitted) -> None:
    model, _X, _, _ = fitted
    c = model.bins_["c"]
    rows = model.points_table_.set_index(["feature", "bin"])
    unknown = rows.loc[("c", "unknown"), "group"]
    counts = rows.loc["c"].query("bin not in ['missing', 'unknown']").groupby("group")["n_train"]
    assert unknown == counts.sum().idxmax()  # unseen level -> most populated group
    assert c.missing_own  # 5% missing in training: a bin of its own
    b = rows.loc["b"]
    largest = b.query("bin != 'missing'")["n_train"].idxmax()
    assert b.loc["missing", "points"] == b.loc[largest, "points"]  # none in training


# ------------------------------------------------------------------ bins


def test_monotone_features_have_monotone_points(additive_frame) -> None:
    X, y, p = additive_frame
    X = X.copy()
    X["u"] = np.random.default_rng(4).normal(size=len(X))
    p = 1 / (1 + np.exp(-(_logit(p) + X["u"].to_numpy() ** 2)))  # U-shaped in u
    model = ScorecardStudent(monotone={"a": 1, "u": -1, "b": 1}).fit(X, y, soft_target=p)
    for f, d in {"a": 1, "u": -1, "b": 1}.items():
        k = model.bins_[f].n_intervals()
        steps = np.diff(model.points_[f][:k]) * d
        assert np.all(steps < 0), (f, model.points_[f])  # risk rises -> points fall, strictly
        values = model.shape_table_.term(f).values[:-1]
        assert np.all(np.diff(values) * d >= 0)
    assert model.bins_["u"].n_intervals() < ScorecardStudent().max_bins  # merged
    # without the constraint the U shape keeps both arms
    free = ScorecardStudent().fit(X, y, soft_target=p)
    k = free.bins_["u"].n_intervals()
    assert np.any(np.diff(free.points_["u"][:k]) > 0) and np.any(np.diff(free.points_["u"][:k]) < 0)


@pytest.mark.parametrize(("max_bins", "share"), [(2, 0.05), (3, 0.2), (6, 0.05)])
def test_bins_per_feature_and_rows_per_bin(additive_frame, max_bins, share) -> None:
    X, y, p = additive_frame
    model = ScorecardStudent(max_bins=max_bins, min_bin_share=share).fit(X, y, soft_target=p)
    for f, fb in model.bins_.items():
        assert fb.n_bins <= max_bins
        counts = np.bincount(fb.bin_index(X[f]), minlength=fb.n_bins)
        assert counts.min() >= math.ceil(share * len(X)), f
    assert model.bins_["a"].n_bins == max_bins  # a strong, smooth signal uses every bin


def test_categorical_groups_and_points_table_rows(fitted) -> None:
    model, X, _, _ = fitted
    table = model.points_table_
    assert list(table.columns) == [
        "feature", "bin", "group", "points", "n_train", "n_transfer", "share", "bad_rate",
        "bad_rate_teacher",
    ]  # fmt: skip
    assert table.iloc[0]["feature"] == BASE_ROW and table.iloc[0]["points"] == model.base_points_
    c = table[table.feature == "c"]
    assert c["bin"].tolist() == ["x", "y", "z", "missing", "unknown"]
    # teacher effects x=0.5, y=-0.5, z=0, missing=1.0: three levels, three distinct groups
    pts = dict(zip(c["bin"], c["points"], strict=True))
    assert pts["y"] > pts["z"] > pts["x"] > pts["missing"]
    assert c["n_train"].sum() == len(X)
    for f in model.features_:
        assert table.loc[table.feature == f, "n_train"].sum() == len(X)


# ------------------------------------------------------------------ export


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_points_table_export_round_trip(fitted, tmp_path, suffix) -> None:
    model, *_ = fitted
    path = model.export_points(tmp_path / f"sub/points{suffix}")
    assert path.exists() and not list(path.parent.glob(".*.tmp"))
    back = read_points_table(path)
    pd.testing.assert_frame_equal(back, model.points_table_, check_dtype=False)
    if suffix == ".json":
        doc = json.loads(path.read_text())
        assert doc["scaling"]["pdo"] == 20.0 and doc["calibration"] == model.calibration_


def test_export_refuses_unknown_suffix(fitted, tmp_path) -> None:
    model, *_ = fitted
    with pytest.raises(ValueError, match=re.escape("path must end in .csv or .json, got")):
        model.export_points(tmp_path / "points.xlsx")


# ----------------------------------------------------------------- distillation


@pytest.mark.parametrize(("alpha", "T", "mono"), [(0.0, 1.0, 0), (0.4, 3.0, 0), (0.0, 1.0, 1)])
def test_coefficients_minimise_the_distillation_loss(alpha, T, mono) -> None:
    rng = np.random.default_rng(2)
    n = 2000
    codes = [rng.integers(0, 4, n), rng.integers(0, 3, n)]
    t = 0.8 * codes[0] - 0.5 * (codes[1] == 1) + rng.normal(0, 0.3, n) - 1
    y = (rng.random(n) < 1 / (1 + np.exp(-t))).astype(float)
    blocks = [(4, mono, 4 if mono else 0), (3, 0, 0)]
    b0, beta = fit_bin_coefficients(
        codes, blocks, y, t, np.ones(n), alpha=alpha, temperature=T, l2=0
    )

    def loss(b0_: float, beta_: list[np.ndarray]) -> float:
        z = b0_ + beta_[0][codes[0]] + beta_[1][codes[1]]
        return distillation_loss(z, y, t, alpha, T)

    best = loss(b0, beta)
    for _ in range(20):
        d = [rng.normal(0, 1e-3, 4), rng.normal(0, 1e-3, 3)]
        assert loss(b0 + rng.normal(0, 1e-3), [beta[0] + d[0], beta[1] + d[1]]) >= best - 1e-12
    if mono:
        assert np.all(np.diff(beta[0]) >= 0)


def test_onehot_gram_is_the_design_product() -> None:
    # The Newton step's Hessian comes from bincounts; it must equal A.T @ diag(v) @ A.
    from risk_models.students._scorecard_bins import _onehot_gram

    rng = np.random.default_rng(4)
    n, sizes = 500, [4, 1, 7]
    codes = [rng.integers(0, k, n) for k in sizes]
    v = rng.random(n)
    A = np.hstack([np.eye(k)[c] for c, k in zip(codes, sizes, strict=True)])
    starts = np.concatenate([[0], np.cumsum(sizes)])
    np.testing.assert_allclose(_onehot_gram(codes, sizes, starts, v), A.T @ (v[:, None] * A))


def test_soft_labels_beat_hard_labels_on_fidelity_to_the_teacher() -> None:
    rng = np.random.default_rng(7)
    n = 1500
    X = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(5)})
    t = 1.2 * np.tanh(2 * X["x0"]) + 0.8 * X["x1"] - 0.6 * (X["x2"] > 0.5) + 0.4 * X["x3"] - 1
    t = t.to_numpy()
    y = (rng.random(n) < 1 / (1 + np.exp(-t))).astype(int)
    q = 1 / (1 + np.exp(-t))
    X_test = pd.DataFrame({f"x{i}": rng.normal(size=4000) for i in range(5)})
    t_test = (
        1.2 * np.tanh(2 * X_test["x0"]) + 0.8 * X_test["x1"] - 0.6 * (X_test["x2"] > 0.5)
        + 0.4 * X_test["x3"] - 1
    ).to_numpy()  # fmt: skip

    def fidelity(model: ScorecardStudent) -> float:
        return float(np.corrcoef(model.decision_function(X_test), t_test)[0, 1])

    soft = ScorecardStudent().fit(X, y, soft_target=q)
    hard = ScorecardStudent().fit(X, y)
    assert fidelity(soft) > fidelity(hard) + 0.01
    assert fidelity(soft) > 0.95


def test_alpha_one_ignores_the_soft_targets(additive_frame) -> None:
    X, y, p = additive_frame
    noise = np.random.default_rng(0).random(len(X))
    cards = [
        ScorecardStudent(alpha=1.0).fit(X, y, soft_target=p),
        ScorecardStudent(alpha=1.0).fit(X, y, soft_target=noise),
        ScorecardStudent(alpha=0.5).fit(X, y),  # no teacher: hard labels whatever alpha
    ]
    for card in cards[1:]:
        assert card.points_.keys() == cards[0].points_.keys()
        for f in card.points_:
            np.testing.assert_array_equal(card.points_[f], cards[0].points_[f])
        assert card.base_points_ == cards[0].base_points_
    assert cards[0].points_table_["bad_rate_teacher"].isna().all()


def test_temperature_and_alpha_change_the_fit(additive_frame) -> None:
    X, y, p = additive_frame
    base = ScorecardStudent().fit(X, y, soft_target=p)
    hot = ScorecardStudent(temperature=3.0, alpha=0.3).fit(X, y, soft_target=p)
    assert (
        any(not np.array_equal(base.points_[f], hot.points_[f]) for f in base.points_)
        or base.base_points_ != hot.base_points_
    )
    assert np.corrcoef(hot.decision_function(X), teacher_logit(p))[0, 1] > 0.95


# ---------------------------------------------------------------- calibration


def test_calibration_on_train_matches_the_bad_rate(fitted) -> None:
    model, X, y, _ = fitted
    assert model.calibration_["fitted_on"] == "train"
    assert model.predict_proba(X)[:, 1].mean() == pytest.approx(y.mean(), abs=1e-6)
    assert model.calibration_["slope"] < 0  # more points, lower PD


def test_calibration_on_eval_set_with_soft_target(additive_frame) -> None:
    X, y, p = additive_frame
    model = ScorecardStudent().fit(
        X[:2000], y[:2000], soft_target=p[:2000], eval_set=(X[2000:], p[2000:])
    )
    assert model.calibration_["fitted_on"] == "eval_set"
    assert model.predict_proba(X[2000:])[:, 1].mean() == pytest.approx(p[2000:].mean(), abs=1e-6)
    with pytest.raises(ValueError, match=re.escape("eval_set target must be 1000 outcomes")):
        ScorecardStudent().fit(X[:2000], y[:2000], eval_set=(X[2000:], y[:5]))


def test_zero_weights_drop_rows_and_weights_move_the_fit(additive_frame) -> None:
    X, y, p = additive_frame
    w = np.ones(len(X))
    w[:500] = 0
    a = ScorecardStudent().fit(X, y, soft_target=p, sample_weight=w)
    b = ScorecardStudent().fit(X[500:], y[500:], soft_target=p[500:])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-12)


# --------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"pdo": 0}, "invalid ScorecardStudent parameter(s): pdo: must be > 0, got 0"),
        ({"pdo": -20}, "pdo: must be > 0, got -20"),
        ({"base_odds": 0}, "base_odds: must be > 0, got 0"),
        ({"base_odds": -1.5}, "base_odds: must be > 0, got -1.5"),
        ({"max_bins": 1}, "max_bins: must be >= 2, got 1"),
        ({"max_bins": 2.5}, "max_bins: must be an integer >= 2, got 2.5"),
        ({"min_bin_share": 0}, "min_bin_share: must be in (0, 0.5], got 0"),
        ({"min_bin_share": 0.6}, "min_bin_share: must be in (0, 0.5], got 0.6"),
        ({"l2": -1}, "l2: must be >= 0, got -1"),
        ({"alpha": 1.5}, "alpha: must be in [0, 1], got 1.5"),
        ({"temperature": 0}, "temperature: must be > 0, got 0"),
        ({"refine_rounds": -1}, "refine_rounds: must be >= 0, got -1"),
        ({"calibrate": "yes"}, "calibrate: must be true or false, got 'yes'"),
        ({"monotone": {"c": 1}}, "monotone constraints given for ['c'], which are not numeric"),
        ({"monotone": {"zz": 1}}, "monotone constraints given for ['zz'], which are not numeric"),
        ({"monotone": {"a": 2}}, "monotone.a: must be -1, 0 or +1, got 2"),
    ],
)
def test_bad_parameters_are_refused_with_exact_messages(additive_frame, params, message) -> None:
    X, y, p = additive_frame
    with pytest.raises(ValueError, match=re.escape(message)):
        ScorecardStudent(**params).fit(X, y, soft_target=p)


def test_bad_inputs_are_refused(additive_frame) -> None:
    X, y, p = additive_frame
    with pytest.raises(ValueError, match=re.escape("soft_target must be probabilities in [0, 1]")):
        ScorecardStudent().fit(X, y, soft_target=p + 1)
    with pytest.raises(ValueError, match=re.escape("y must be binary 0/1 (1 = bad)")):
        ScorecardStudent().fit(X, y + 1)
    with pytest.raises(NotFittedError):
        ScorecardStudent().predict(X)
    with pytest.raises(NotFittedError):
        ScorecardStudent().export_points("x.csv")


def test_numpy_input_and_clone(additive_frame) -> None:
    X, y, p = additive_frame
    arr = X[["a", "b"]].to_numpy()
    model = ScorecardStudent(max_bins=4).fit(arr, y, soft_target=p)
    assert model.features_ == ("x0", "x1") and not hasattr(model, "feature_names_in_")
    assert model.predict_proba(arr).shape == (len(X), 2)
    assert set(model.predict(arr).tolist()) <= {0, 1}
    assert clone(model).get_params() == model.get_params()


def test_transfer_rows_with_probability_labels_and_missing_y(additive_frame) -> None:
    X, y, p = additive_frame
    y_mixed = y.astype(float)
    y_mixed[2000:] = p[2000:]  # rows without an outcome carry the teacher's probability
    model = ScorecardStudent(alpha=0.2).fit(X, y_mixed, soft_target=p)
    assert model.predict_proba(X)[:, 1].mean() == pytest.approx(y_mixed.mean(), abs=1e-6)
    no_y = ScorecardStudent().fit(X, None, soft_target=p)
    assert no_y.predict_proba(X)[:, 1].mean() == pytest.approx(p.mean(), abs=1e-6)
    with pytest.raises(ValueError, match=re.escape("hard labels y are needed when alpha > 0")):
        ScorecardStudent(alpha=0.5).fit(X, None, soft_target=p)
    with pytest.raises(ValueError, match=re.escape("y must be 0/1 outcomes (1 = bad) or probab")):
        ScorecardStudent().fit(X, y + 1.0, soft_target=p)


def test_infinite_values_are_refused_with_every_column_named(additive_frame) -> None:
    X, y, p = additive_frame
    X = X.copy()
    X.loc[:2, "a"] = np.inf
    X.loc[5, "b"] = -np.inf
    with pytest.raises(ValueError, match=re.escape("infinite values in {'a': 3, 'b': 1}")):
        ScorecardStudent().fit(X, y, soft_target=p)


# ------------------------------------------------------- transfer rows in counts


def test_points_table_counts_only_the_real_rows_when_given_a_count_mask(additive_frame) -> None:
    """Transfer rows (labelled by the teacher) are fitted on but not counted as training rows:
    ``n_train``, ``share``, the bad rates and ``cell_counts`` describe the real rows, and
    ``n_transfer`` counts the rest."""
    X, y, p = additive_frame
    n_real = 2000
    fake = X.iloc[n_real:].reset_index(drop=True)  # stand-in transfer rows, teacher labels
    X_all = pd.concat([X.iloc[:n_real], fake], ignore_index=True)
    y_all = np.r_[y[:n_real].astype(float), p[n_real:]]
    mask = np.r_[np.ones(n_real, bool), np.zeros(len(fake), bool)]
    model = ScorecardStudent().fit(X_all, y_all, soft_target=p, count_mask=mask)
    table = model.points_table_
    base = table.iloc[0]
    assert (base["n_train"], base["n_transfer"]) == (n_real, len(fake))
    assert base["bad_rate"] == pytest.approx(y[:n_real].mean())
    assert base["bad_rate_teacher"] == pytest.approx(p[:n_real].mean())
    counts = model.export().metadata["cell_counts"]
    for f in model.features_:
        rows = table[table.feature == f]
        assert rows["n_train"].sum() == n_real and rows["n_transfer"].sum() == len(fake)
        assert rows["share"].sum() == pytest.approx(1.0)
        assert sum(counts[f]) == n_real
    # without the mask every row counts (the old behaviour, which inflated n_train)
    plain = ScorecardStudent().fit(X_all, y_all, soft_target=p)
    assert plain.points_table_.iloc[0]["n_train"] == len(X_all)
    assert plain.points_table_.iloc[0]["n_transfer"] == 0
    np.testing.assert_array_equal(model.score_points(X), plain.score_points(X))


def test_count_mask_is_checked() -> None:
    X = pd.DataFrame({"a": np.arange(40.0)})
    y = np.arange(40) % 2
    with pytest.raises(ValueError, match=r"^count_mask must be 40 booleans \(True = a real"):
        ScorecardStudent().fit(X, y, count_mask=np.ones(39, bool))
    with pytest.raises(ValueError, match=r"^count_mask marks no row; the points table needs"):
        ScorecardStudent().fit(X, y, count_mask=np.zeros(40, bool))
