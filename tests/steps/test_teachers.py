"""Step ``teachers`` without MLflow: one scoring pass over the test rows serves every figure."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from risk_models.evaluation.metrics import classification_metrics
from risk_models.pipeline import STEPS, run_steps
from risk_models.steps.base import Reporter
from risk_models.teachers.ensemble import TeacherEnsemble


def test_metrics_and_scores_come_from_one_pass(tiny_run) -> None:
    state, _ = tiny_run
    t = state.teachers
    test = state.data.splits.test
    assert t.test.members.shape == (test.n_rows, 2)
    np.testing.assert_allclose(t.test.logit, t.ensemble.decision_function(test.X), atol=1e-12)
    np.testing.assert_allclose(t.test.raw, t.ensemble.raw_logit(test.X), atol=1e-12)
    assert set(t.metrics) == {"xgb", "lgbm", "ensemble", "ensemble_uncalibrated"}
    expected = classification_metrics(test.y, expit(t.test.members[:, 1]))
    assert t.metrics["lgbm"] == pytest.approx(expected, abs=1e-12)
    assert set(t.reliability) == {"uncalibrated", "calibrated"}
    assert t.profile["teacher_size_bytes"] > 0
    assert t.profile["teacher_n_files"] >= 2 * 2 + 1  # two members x two folds + ensemble.json
    assert t.profile["teacher_seconds_per_1k_rows"] > 0


def test_progress_counts_every_member_fold(tiny_run) -> None:
    _, rec = tiny_run
    teacher_bar = [e for e in rec.bar_events if e[1] == "teachers"]
    assert teacher_bar[0] == ("start", "teachers", 4)  # 2 members x 2 folds
    assert [e[0] for e in teacher_bar[1:]] == ["advance"] * 4 + ["stop"]
    # the members may be cross-fitted side by side (teachers/lanes.py): every fold is
    # reported once, in no fixed order between members
    assert sorted(e[2] for e in teacher_bar[1:-1]) == sorted(
        f"2-fold cross-fit: {m} fold {k}/2" for m in ("xgb", "lgbm") for k in (1, 2)
    )
    assert any(s == "teachers" and "ensemble test AUC" in m for s, m in rec.messages)


def test_without_a_bar_each_fold_is_a_message(tiny_cfg) -> None:
    from risk_models.steps.data import compute_data
    from risk_models.steps.teachers import compute_teachers

    messages: list[tuple[str, str]] = []
    data = compute_data(tiny_cfg)
    compute_teachers(tiny_cfg, data, Reporter(lambda s, m: messages.append((s, m))))
    folds = [m for s, m in messages if s == "teachers" and " fold " in m]
    assert len(folds) == 4 and folds[-1].endswith("(4/4)")  # members may run side by side
    assert {m.split(" (")[0] for m in folds} == {
        f"2-fold cross-fit: {m} fold {k}/2" for m in ("xgb", "lgbm") for k in (1, 2)
    }


def test_the_teacher_scores_each_row_set_once(tiny_cfg, monkeypatch) -> None:
    """Across the whole run the ensemble scores the test rows once and the transfer rows once."""
    calls: list[int] = []
    original = TeacherEnsemble.member_logits

    def counting(self: TeacherEnsemble, X):  # type: ignore[no-untyped-def]
        calls.append(len(X))
        return original(self, X)

    monkeypatch.setattr(TeacherEnsemble, "member_logits", counting)
    state, _ = run_steps(tiny_cfg, STEPS, Reporter())
    n_test = state.data.splits.test.n_rows
    n_transfer = state.soft_labels.training.n_transfer
    assert sorted(calls) == sorted([n_test, n_transfer])
