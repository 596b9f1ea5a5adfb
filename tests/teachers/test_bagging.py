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
