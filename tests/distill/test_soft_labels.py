import re
import typing

import numpy as np
import pytest

from risk_models.distill.soft_labels import make_soft_labels


class RecordingTeacher:
    """Predicts a row's logit as a function of its own id, and remembers what it saw."""

    seen: typing.ClassVar[list[set[int]]] = []

    def fit(self, X, y, *, eval_set=None):
        self.train_ids = set(X["row_id"].astype(int)) | set(eval_set[0]["row_id"].astype(int))
        RecordingTeacher.seen.append(self.train_ids)
        return self

    def decision_function(self, X):
        ids = X["row_id"].astype(int).to_numpy()
        assert not (set(ids) & self.train_ids), "teacher asked to label a row it trained on"
        return ids / 1000.0


def test_no_row_is_labelled_by_a_teacher_that_saw_it(credit_data) -> None:
    X = credit_data.train.X.copy()
    X["row_id"] = np.arange(len(X), dtype=float)
    y = credit_data.train.y
    RecordingTeacher.seen = []
    soft = make_soft_labels(RecordingTeacher, X, y, n_folds=4, seed=1)
    assert soft.n_folds == 4 and len(RecordingTeacher.seen) == 4
    assert np.isfinite(soft.logit).all()
    np.testing.assert_allclose(soft.logit, np.arange(len(X)) / 1000.0)
    for k, train_rows in enumerate(soft.train_index):
        held_out = np.flatnonzero(soft.fold == k)
        assert not set(held_out) & set(train_rows)
        assert not set(held_out) & RecordingTeacher.seen[k]
        assert len(held_out) + len(train_rows) == len(X)
    # every fold keeps the class balance
    rates = [y[soft.fold == k].mean() for k in range(4)]
    assert max(rates) - min(rates) < 0.02


def test_temperature_softens_targets(credit_data) -> None:
    X = credit_data.train.X.copy()
    X["row_id"] = np.arange(len(X), dtype=float)
    y = credit_data.train.y
    hot = make_soft_labels(RecordingTeacher, X, y, n_folds=2, temperature=4.0)
    cold = make_soft_labels(RecordingTeacher, X, y, n_folds=2, temperature=1.0)
    assert np.all(np.abs(hot.proba - 0.5) <= np.abs(cold.proba - 0.5) + 1e-12)
    np.testing.assert_allclose(hot.proba, 1 / (1 + np.exp(-cold.logit / 4.0)))


def test_bad_arguments_are_refused(credit_data) -> None:
    X, y = credit_data.train.X, credit_data.train.y
    with pytest.raises(ValueError, match=re.escape("n_folds must be >= 2, got 1")):
        make_soft_labels(RecordingTeacher, X, y, n_folds=1)
    with pytest.raises(ValueError, match=re.escape("temperature must be > 0, got 0")):
        make_soft_labels(RecordingTeacher, X, y, temperature=0)
