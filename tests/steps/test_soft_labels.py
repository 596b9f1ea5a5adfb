"""Step ``soft_labels`` without MLflow: out-of-fold labels plus teacher-labelled MUNGE rows."""

from __future__ import annotations

import numpy as np

from risk_models.evaluation.metrics import auc


def test_soft_labels_are_the_cross_fitted_out_of_fold_scores(tiny_run) -> None:
    state, _ = tiny_run
    soft = state.soft_labels
    train = state.data.splits.train
    ensemble = state.teachers.ensemble
    np.testing.assert_array_equal(soft.soft.logit, ensemble.cross_fitted_logit_[: train.n_rows])
    assert soft.soft.n_folds == 2
    assert soft.oof_auc == auc(train.y, soft.soft.proba)


def test_transfer_rows_are_labelled_by_the_full_ensemble(tiny_run) -> None:
    state, _ = tiny_run
    training = state.soft_labels.training
    assert training.n_real == state.data.splits.train.n_rows
    assert training.n_transfer == 300
    transfer = training.transfer_frame
    expected = state.teachers.ensemble.predict_proba(transfer.drop(columns="teacher_proba"))[:, 1]
    np.testing.assert_allclose(transfer["teacher_proba"], expected, atol=1e-12)
