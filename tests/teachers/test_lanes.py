"""Teacher members cross-fitted side by side: who shares a lane, and the same models either way."""

import threading

import numpy as np
import pytest

from risk_models import device
from risk_models.teachers import lanes
from risk_models.teachers.boosted import LGBMTeacher, XGBTeacher
from risk_models.teachers.ensemble import TeacherEnsemble
from risk_models.teachers.torch_mlp import TorchMLPTeacher

FAST = {"n_estimators": 200, "learning_rate": 0.1, "early_stopping_rounds": 20}


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 2)


def _members(*kinds: str) -> list[tuple[str, object]]:
    make = {
        "lgbm": lambda: LGBMTeacher(**FAST),
        "xgb": lambda: XGBTeacher(**FAST, device="cpu"),
        "mlp": lambda: TorchMLPTeacher(max_epochs=3, device="cpu"),
    }
    return [(f"{k}{i}", make[k]()) for i, k in enumerate(kinds)]


def test_torch_members_share_one_lane_and_the_others_balance_it(two_cores) -> None:
    members = _members("lgbm", "mlp", "lgbm", "mlp", "xgb")
    assert lanes.member_lanes(members, 10_000) == [[0, 2, 4], [1, 3]]
    assert lanes.member_lanes(_members("lgbm", "xgb", "lgbm"), 10_000) == [[0, 2], [1]]
    # two Torch members alone never run at once (Torch's global random state)
    assert lanes.member_lanes(_members("mlp", "mlp"), 10_000) == [[0, 1]]


def test_one_lane_for_large_tables_pinned_threads_one_core_or_one_member(
    two_cores, monkeypatch
) -> None:
    members = _members("lgbm", "mlp")
    assert lanes.member_lanes(members, device.ALL_CORES_CELLS) == [[0, 1]]
    assert lanes.member_lanes(members, device.ALL_CORES_CELLS - 1) == [[0], [1]]
    pinned = [("a", LGBMTeacher(n_jobs=2)), ("b", LGBMTeacher())]
    assert lanes.member_lanes(pinned, 10_000) == [[0, 1]]
    assert lanes.member_lanes(_members("lgbm"), 10_000) == [[0]]
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 1)
    assert lanes.member_lanes(members, 10_000) == [[0, 1]]


def test_run_lanes_keeps_index_order_and_raises_a_lane_error() -> None:
    seen: list[str] = []

    def work(i: int) -> int:
        seen.append(threading.current_thread().name)
        return i * 10

    assert lanes.run_lanes([[1, 3], [0, 2]], work) == [0, 10, 20, 30]
    assert all(name.startswith("teacher-lane") for name in seen)

    def fails(i: int) -> int:
        if i == 2:
            raise RuntimeError("member 2 failed")
        return i

    with pytest.raises(RuntimeError, match="member 2 failed"):
        lanes.run_lanes([[0, 1], [2, 3]], fails)


def test_lanes_fit_the_same_models_as_one_lane(credit_data, monkeypatch) -> None:
    s = credit_data

    def fit() -> TeacherEnsemble:
        ens = TeacherEnsemble(
            members=_members("lgbm", "mlp", "xgb"), cv_folds=3, weighting="fitted"
        )
        folds: list[tuple[str, int]] = []
        ens.fit(
            s.train.X, s.train.y, eval_set=(s.valid.X, s.valid.y),
            on_fold=lambda name, k, n: folds.append((name, k)),
        )  # fmt: skip
        names = ["lgbm0", "mlp1", "xgb2"]
        assert sorted(folds) == sorted((name, k) for name in names for k in range(3))
        return ens

    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 2)
    calls: list[list[list[int]]] = []
    real = lanes.run_lanes
    monkeypatch.setattr(
        "risk_models.teachers.ensemble.run_lanes",
        lambda ls, work: calls.append(ls) or real(ls, work),
    )
    side_by_side = fit()
    monkeypatch.setattr(lanes.os, "cpu_count", lambda: 1)
    one_lane = fit()
    assert calls == [[[0, 2], [1]], [[0, 1, 2]]]
    assert side_by_side.member_names == one_lane.member_names == ["lgbm0", "mlp1", "xgb2"]
    np.testing.assert_array_equal(side_by_side.oof_member_logits_, one_lane.oof_member_logits_)
    np.testing.assert_array_equal(
        side_by_side.decision_function(s.test.X), one_lane.decision_function(s.test.X)
    )
