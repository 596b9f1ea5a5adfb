import re

import numpy as np
import pandas as pd
import pytest

from risk_models.distill.soft_labels import SoftLabels
from risk_models.distill.training_set import TailFocus, build_training_set, tail_weights


class ConstantTeacher:
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return np.column_stack([np.full(len(X), 0.8), np.full(len(X), 0.2)])


def _soft(n: int) -> SoftLabels:
    return SoftLabels(np.zeros(n), np.zeros(n, dtype=int), (np.arange(n),))


def test_real_rows_only(credit_data) -> None:
    tr = credit_data.train
    ts = build_training_set(tr.X, tr.y, _soft(tr.n_rows))
    assert ts.n_real == tr.n_rows and ts.n_transfer == 0
    np.testing.assert_allclose(ts.teacher_proba, 0.5)


def test_transfer_rows_are_labelled_by_the_teacher_and_keep_dtypes(credit_data) -> None:
    tr = credit_data.train
    ts = build_training_set(
        tr.X, tr.y, _soft(tr.n_rows), teacher=ConstantTeacher(), transfer_rows=500, seed=1
    )
    assert ts.n_transfer == 500 and len(ts.X) == tr.n_rows + 500
    assert (ts.X.dtypes == tr.X.dtypes).all()
    np.testing.assert_allclose(ts.teacher_proba[ts.is_transfer], 0.2)
    np.testing.assert_allclose(ts.y[ts.is_transfer], 0.2)
    assert list(ts.transfer_frame.columns) == [*tr.X.columns, "teacher_proba"]


def test_transfer_needs_a_teacher(credit_data) -> None:
    tr = credit_data.train
    with pytest.raises(ValueError, match=re.escape("transfer_rows > 0 needs a fitted teacher")):
        build_training_set(tr.X, tr.y, _soft(tr.n_rows), transfer_rows=10)


def test_unlabelled_rows_keep_their_hard_labels(credit_data) -> None:
    tr = credit_data.train
    n = tr.n_rows
    labelled = np.arange(n) >= n // 4  # the first time block has no out-of-fold label
    logit = np.where(labelled, 0.0, np.nan)
    soft = SoftLabels(logit, np.zeros(n, dtype=int), (np.arange(n),), labelled=labelled)
    ts = build_training_set(tr.X, tr.y, soft)
    np.testing.assert_allclose(ts.teacher_proba[~labelled], tr.y[~labelled])
    np.testing.assert_allclose(ts.teacher_proba[labelled], 0.5)
    np.testing.assert_allclose(ts.sample_weight, 1.0)


def test_tail_weights_and_importance_sampling() -> None:
    p = np.linspace(0.0, 0.99, 1_000)
    y = np.zeros(1_000)
    y[[5, 10]] = 1  # two frauds in the low-risk bulk: always kept
    w, high = tail_weights(p, y, TailFocus(share=0.1, weight=5.0, keep_rest=0.25, seed=3))
    assert high.sum() == 100 and high[-100:].all()
    np.testing.assert_allclose(w[high], 5.0)
    assert w[5] == 1.0 and w[10] == 1.0
    rest = ~high & (y == 0)
    assert set(np.unique(w[rest])) == {0.0, 4.0}
    kept = (w[rest] > 0).mean()
    assert 0.2 < kept < 0.3  # about keep_rest of the bulk, weighted 1 / keep_rest
    off_w, off_high = tail_weights(p, y, TailFocus())
    np.testing.assert_allclose(off_w, 1.0)
    assert not off_high.any()


def test_tail_focus_drops_rows_and_targets_the_transfer_set(credit_data) -> None:
    tr = credit_data.train
    risk = tr.X["debt_to_income"].to_numpy()
    soft = SoftLabels(risk * 4 - 2, np.zeros(tr.n_rows, dtype=int), (np.arange(tr.n_rows),))
    tail = TailFocus(share=0.1, weight=3.0, keep_rest=0.5, transfer_share=1.0, seed=0)
    ts = build_training_set(
        tr.X, tr.y, soft, teacher=ConstantTeacher(), transfer_rows=300, seed=2, tail=tail
    )
    assert ts.n_transfer == 300
    assert tr.n_rows * 0.5 < ts.n_real < tr.n_rows * 0.62
    assert ts.y[~ts.is_transfer].sum() == tr.y.sum()  # every bad row kept
    np.testing.assert_allclose(ts.sample_weight[ts.is_transfer], 1.0)
    cut = np.quantile(risk, 0.9)
    assert (ts.X["debt_to_income"][ts.is_transfer] >= cut - 1e-9).all()


def test_tail_focus_refuses_bad_settings() -> None:
    with pytest.raises(
        ValueError, match=re.escape("distill.tail: share must be in [0, 1), got 1.5; weight")
    ):
        TailFocus(share=1.5, weight=0.5)
