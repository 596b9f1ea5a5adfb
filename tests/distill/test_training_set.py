import re

import numpy as np
import pandas as pd
import pytest

from risk_models.distill.soft_labels import SoftLabels
from risk_models.distill.training_set import build_training_set


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
