"""Step ``students`` without MLflow: the protocol, the distillation settings, the evaluation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from risk_models.config import parse_pipeline_config
from risk_models.evaluation.metrics import classification_metrics
from risk_models.steps.students import student_params
from risk_models.students.protocol import DISTILL_PARAMS, Student
from risk_models.students.registry import STUDENT_KINDS, student_class
from tests.steps.conftest import tiny_raw


@pytest.mark.parametrize("kind", sorted(STUDENT_KINDS))
def test_every_student_kind_meets_the_protocol(kind: str) -> None:
    cls = student_class(kind)
    assert cls.kind == kind
    assert cls.distill_params <= DISTILL_PARAMS
    assert isinstance(cls(), Student)


def test_fits_are_evaluated_on_their_own_test_logits(tiny_run) -> None:
    state, _ = tiny_run
    test = state.data.splits.test
    fits = state.students.by_name()
    assert list(fits) == ["gam", "tree"]
    for fit in fits.values():
        np.testing.assert_array_equal(fit.test_logit, fit.model.decision_function(test.X))
        assert fit.metrics == classification_metrics(test.y, expit(fit.test_logit))
        assert fit.facts["table_vs_trainer_max_abs_diff"] <= 1e-6
        assert fit.facts["table_vs_trainer_rows"] == min(test.n_rows, 5000)
        assert fit.facts["n_train_rows"] == state.data.splits.train.n_rows
        assert fit.facts["n_transfer_rows"] == 300
        assert 0 < fit.facts["fit_seconds"] < 60  # model.fit alone, on 1,500 synthetic rows
        assert len(fit.reasons_sample) == min(200, test.n_rows)
        assert fit.compression["teacher_size_bytes"] == state.teachers.profile["teacher_size_bytes"]
    assert fits["gam"].facts["n_cells"] == fits["gam"].exported.n_cells()
    assert fits["tree"].reason_catalogue is None


def test_declared_monotone_directions_reach_the_student(tiny_run) -> None:
    state, _ = tiny_run
    gam = state.students.by_name()["gam"].model
    assert gam.get_params()["monotone"] == {"income": -1, "debt_to_income": 1}


def test_student_params_take_distillation_settings_unless_yaml_sets_them(tiny_run) -> None:
    raw = tiny_raw()
    raw["distill"] = {"alpha": 0.3, "temperature": 2.0}
    raw["split"] = {"seed": 4}
    raw["students"][0]["params"]["alpha"] = 0.9
    cfg = parse_pipeline_config(raw)
    spec = tiny_run[0].data.splits.train.spec
    params = student_params(cfg.students[0], cfg, spec, DISTILL_PARAMS)
    assert params["alpha"] == 0.9  # the student's own YAML wins
    assert params["temperature"] == 2.0
    assert params["random_state"] == 4
    assert params["monotone"] == {"income": -1, "debt_to_income": 1}
    assert "monotone" not in student_params(
        cfg.students[0], cfg, spec, frozenset({"alpha", "temperature"})
    )


def test_the_scorecard_points_table_counts_real_training_rows_only(tiny_cfg, tiny_run) -> None:
    from risk_models.config import StudentConfig
    from risk_models.steps.students import fit_student

    state, _ = tiny_run
    scfg = StudentConfig(name="card", kind="scorecard", params={"max_bins": 4})
    fit = fit_student(scfg, tiny_cfg, state.data, state.soft_labels, state.teachers)
    table = fit.model.points_table_
    n_real = state.data.splits.train.n_rows
    for _feature, rows in table.groupby("feature"):
        assert rows["n_train"].sum() == n_real
        assert rows["n_transfer"].sum() == 300


def test_fit_options_are_declared_not_guessed() -> None:
    from risk_models.students.protocol import FIT_OPTIONS

    for kind in STUDENT_KINDS:
        assert student_class(kind).fit_options <= FIT_OPTIONS
    assert student_class("scorecard").fit_options == {"count_mask", "soft_eval"}


def test_boosted_students_early_stop_on_the_teachers_out_of_fold_validation_scores(
    tiny_run,
) -> None:
    from risk_models.steps.students import valid_soft_target

    state, _ = tiny_run
    ens = state.teachers.ensemble
    n_train, n_valid = state.data.splits.train.n_rows, state.data.splits.valid.n_rows
    target = valid_soft_target(state.data, state.teachers)
    np.testing.assert_array_equal(
        target, expit(ens.cross_fitted_logit_[n_train : n_train + n_valid])
    )
    assert student_class("gam").fit_options == {"soft_eval", "reuse"}
    assert "soft_eval" in student_class("ga2m").fit_options
    assert "soft_eval" not in student_class("nam").fit_options  # calibrates on 0/1 labels


def test_exported_students_carry_the_declared_missing_markers(tiny_run) -> None:
    from risk_models.scoring.tablescore.markers import missing_markers

    state, _ = tiny_run
    assert state.data.splits.train.spec.missing_values == ("?",)  # the default
    for fit in state.students.by_name().values():  # shape table and rule set alike
        assert missing_markers(fit.exported.to_dict()["metadata"]) == ("?",)


def test_the_ga2m_takes_the_additive_stage_of_the_gam_fitted_before_it(tiny_cfg, tiny_run) -> None:
    from risk_models.config import StudentConfig
    from risk_models.steps.students import compute_students

    state, _ = tiny_run
    additive = {"n_estimators": 80, "learning_rate": 0.3}
    pairs = {"n_pairs": 2, "pair_rounds": 30}
    students = (
        StudentConfig(name="gam", kind="gam", params=additive),
        StudentConfig(name="ga2m", kind="ga2m", params={**additive, **pairs}),
        StudentConfig(name="ga2m_fine", kind="ga2m", params={**additive, **pairs, "max_bin": 16}),
    )
    fits = compute_students(
        tiny_cfg.model_copy(update={"students": students}),
        state.data,
        state.soft_labels,
        state.teachers,
    ).by_name()
    gam, ga2m, fine = (fits[n].model for n in ("gam", "ga2m", "ga2m_fine"))
    assert ga2m.booster_ is gam.booster_  # the same stage, taken
    assert fine.booster_ is not gam.booster_  # other bins: its own stage
    alone = compute_students(
        tiny_cfg.model_copy(update={"students": students[1:2]}),
        state.data,
        state.soft_labels,
        state.teachers,
    ).by_name()["ga2m"]
    assert alone.exported.to_dict() == fits["ga2m"].exported.to_dict()
    np.testing.assert_array_equal(alone.test_logit, fits["ga2m"].test_logit)
