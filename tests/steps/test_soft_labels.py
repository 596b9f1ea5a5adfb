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


def test_transfer_rows_scale_with_the_training_rows(tiny_run) -> None:
    from risk_models.config import parse_pipeline_config
    from risk_models.steps.soft_labels import compute_soft_labels
    from tests.steps.conftest import tiny_raw

    state, _ = tiny_run
    n_train = state.data.splits.train.n_rows
    cfg = parse_pipeline_config(
        tiny_raw(distill={"transfer": {"n_rows": 10 * n_train, "per_train_row": 0.1}})
    )
    assert cfg.distill.transfer.rows_for(n_train) == int(np.ceil(0.1 * n_train))
    assert cfg.distill.transfer.rows_for(10**9) == 10 * n_train  # n_rows caps it
    result = compute_soft_labels(cfg, state.data, state.teachers)
    assert result.training.n_transfer == int(np.ceil(0.1 * n_train))
