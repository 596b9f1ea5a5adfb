import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from risk_models.teachers.bagging import cross_fit_member


class Recorder(BaseEstimator):
    """Remembers every row id it saw in fit, early-stopping rows included."""

    kind = "recorder"

    def fit(self, X, y, *, eval_set=None):
        self.seen_ = set(X["row_id"].astype(int)) | set(eval_set[0]["row_id"].astype(int))
        return self

    def decision_function(self, X):
        ids = X["row_id"].astype(int).to_numpy()
        assert not set(ids) & self.seen_, "scored a row it trained or stopped on"
        return ids.astype(float)


def test_held_out_fold_is_never_used_for_fitting_or_early_stopping() -> None:
    n = 300
    X = pd.DataFrame({"row_id": np.arange(n, dtype=float)})
    y = np.r_[np.zeros(200, dtype=int), np.ones(100, dtype=int)]
    folds = np.arange(n) % 3
    member, oof = cross_fit_member(Recorder(), X, y, folds)
    np.testing.assert_array_equal(oof, np.arange(n))
    for k, model in enumerate(member.fold_models_):
        assert model.seen_ == set(np.flatnonzero(folds != k))
        assert len(model.seen_) == 200


class SeedRecorder(BaseEstimator):
    """Remembers the random_state it was fitted with."""

    kind = "seed_recorder"

    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self, X, y, *, eval_set=None):
        self.seed_seen_ = self.random_state
        return self

    def decision_function(self, X):
        return np.zeros(len(X))


def test_each_fold_model_gets_its_own_seed_and_members_never_share_one() -> None:
    X = pd.DataFrame({"x": np.arange(200, dtype=float)})
    y = np.arange(200) % 2
    folds = np.arange(200) % 5
    seeds = {}
    for member_seed in (0, 1):
        member, _ = cross_fit_member(SeedRecorder(member_seed), X, y, folds)
        seeds[member_seed] = [m.seed_seen_ for m in member.fold_models_]
    assert len(set(seeds[0])) == 5 and len(set(seeds[1])) == 5
    assert not set(seeds[0]) & set(seeds[1])
    again, _ = cross_fit_member(SeedRecorder(0), X, y, folds)  # reproducible
    assert [m.seed_seen_ for m in again.fold_models_] == seeds[0]
    unseeded, _ = cross_fit_member(SeedRecorder(None), X, y, folds)
    assert all(m.seed_seen_ is None for m in unseeded.fold_models_)


def test_capacity_is_searched_on_the_first_folds_then_fixed_at_the_summed_best() -> None:
    from risk_models.teachers.boosted import LGBMTeacher
    from risk_models.teachers.capacity import settle_capacity

    rng = np.random.default_rng(0)
    n = 1600
    X = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * X["x"]))).astype(int).to_numpy()
    folds = np.arange(n) % 4
    # 700 rows per leaf on ~1,100 fit rows allow no split: a smaller capacity must win
    teacher = LGBMTeacher(
        n_estimators=60, num_leaves=24, min_child_samples=700, capacity_search=True,
        capacity_folds=2, early_stopping_rounds=10,
    )  # fmt: skip
    member, oof = cross_fit_member(teacher, X, y, folds)
    searched, fixed = member.fold_models_[:2], member.fold_models_[2:]
    assert all(m.capacity_choice_ is not None for m in searched)
    settled = settle_capacity([m.capacity_choice_ for m in searched])
    assert settled is not None and settled["chosen"] != 0
    records = [m.capacity_choice_["candidates"] for m in searched]
    summed = [sum(r[i]["valid_loss"] for r in records) for i in range(len(records[0]))]
    assert settled["summed_valid_loss"] == summed
    assert settled["chosen"] == int(np.argmin(summed))
    for m in fixed:  # later folds fit the winner only
        assert m.capacity_search is False and m.capacity_choice_ is None
        assert m.min_child_samples == settled["change"]["min_child_samples"]
        assert m.num_leaves == settled["change"]["num_leaves"]
    assert np.isfinite(oof).all()
    every, _ = cross_fit_member(teacher.set_params(capacity_folds=0), X, y, folds)
    assert all(m.capacity_choice_ is not None for m in every.fold_models_)


def test_settle_capacity_needs_a_search_on_every_fold() -> None:
    from risk_models.teachers.capacity import settle_capacity

    one = {"chosen": 1, "candidates": [{"valid_loss": 0.5}, {"num_leaves": 4, "valid_loss": 0.4}]}
    two = {"chosen": 0, "candidates": [{"valid_loss": 0.3}, {"num_leaves": 4, "valid_loss": 0.45}]}
    assert settle_capacity([one, two])["change"] == {}  # 0.8 < 0.85 summed
    assert settle_capacity([one])["change"] == {"num_leaves": 4}
    assert settle_capacity([one, None]) is None and settle_capacity([]) is None


def test_capacity_settles_early_once_the_searched_folds_hold_enough_stop_rows() -> None:
    from risk_models.teachers.boosted import LGBMTeacher

    rng = np.random.default_rng(1)
    n = 1600
    X = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * X["x"]))).astype(int).to_numpy()
    folds = np.arange(n) % 4  # 1,200 rows per fit, 120 early-stopping rows each
    params = {
        "n_estimators": 40, "num_leaves": 24, "min_child_samples": 700,
        "capacity_search": True, "capacity_folds": 3, "early_stopping_rounds": 10,
    }  # fmt: skip
    for rows, searched in ((100, 1), (200, 2), (5000, 3)):
        member, _ = cross_fit_member(LGBMTeacher(**params, capacity_rows=rows), X, y, folds)
        choices = [m.capacity_choice_ for m in member.fold_models_]
        assert [c is not None for c in choices] == [True] * searched + [False] * (4 - searched)
        assert all(c["n_valid"] == 120 for c in choices[:searched])
