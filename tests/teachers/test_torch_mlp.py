"""Tests for the Torch MLP teacher and its tabular encoding."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from risk_models.device import cuda_available
from risk_models.errors import ModelFormatError
from risk_models.teachers.tabular_encoding import TabularEncoder
from risk_models.teachers.torch_mlp import TorchMLPTeacher

FAST = {"hidden_sizes": (32, 16), "max_epochs": 15, "patience": 3, "batch_size": 256}


def make_data(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Logistic ground truth: two informative numerics (one with NaN), one categorical."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    x3 = rng.normal(size=n)  # noise
    region = rng.choice(["north", "south", "east", "west"], size=n)
    effect = pd.Series(region).map({"north": -1.0, "south": 1.0, "east": 0.0, "west": 0.5})
    logit = -0.5 + 1.5 * x1 - 1.0 * x2 + effect.to_numpy()
    p = 1.0 / (1.0 + np.exp(-logit))
    y = (rng.uniform(size=n) < p).astype(int)
    x2_obs = np.where(rng.uniform(size=n) < 0.15, np.nan, x2)
    region_obs = pd.Series(region).where(rng.uniform(size=n) >= 0.05)
    X = pd.DataFrame(
        {
            "x1": x1,
            "x2": x2_obs,
            "x3": x3,
            "region": pd.Categorical(region_obs, categories=["east", "north", "south", "west"]),
        }
    )
    return X, y, p


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    return make_data(2500, seed=1)


@pytest.fixture(scope="module")
def test_data() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    return make_data(1500, seed=2)


@pytest.fixture(scope="module")
def fitted(data: tuple[pd.DataFrame, np.ndarray, np.ndarray]) -> TorchMLPTeacher:
    X, y, _ = data
    return TorchMLPTeacher(**FAST, device="cpu", random_state=0).fit(X, y)


def test_fit_predict_shapes(fitted: TorchMLPTeacher, test_data) -> None:
    X, _, _ = test_data
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert fitted.decision_function(X).shape == (len(X),)
    assert set(np.unique(fitted.predict(X))) <= {0, 1}
    assert list(fitted.classes_) == [0, 1]
    assert list(fitted.feature_names_in_) == ["x1", "x2", "x3", "region"]
    assert fitted.device_ == "cpu"
    assert 1 <= fitted.best_epoch_ <= len(fitted.history_) <= FAST["max_epochs"]
    assert set(fitted.history_[0]) == {"epoch", "train_loss", "valid_loss"}
    assert is_classifier(fitted)


def test_learns_signal(fitted: TorchMLPTeacher, test_data) -> None:
    X, y, _ = test_data
    assert roc_auc_score(y, fitted.predict_proba(X)[:, 1]) > 0.75


def test_encoder_learns_imputation_and_mapping(fitted: TorchMLPTeacher) -> None:
    enc = fitted.encoder_
    by_name = {spec["name"]: spec for spec in enc.numeric}
    assert by_name["x2"]["missing_indicator"] is True
    assert by_name["x1"]["missing_indicator"] is False
    assert enc.categorical[0]["mapping"] == {"east": 1, "north": 2, "south": 3, "west": 4}
    # three numerics in 16 piecewise-linear bins each, plus one missing indicator
    assert enc.numeric_encoding == "piecewise_linear"
    assert enc.n_numeric_inputs == 3 * 16 + 1
    json.dumps(enc.to_dict())  # plain JSON


def test_standard_encoding_one_column_per_numeric(data) -> None:
    X, y, _ = data
    model = TorchMLPTeacher(**FAST, numeric_encoding="standard", device="cpu").fit(X, y)
    assert model.encoder_.n_numeric_inputs == 4  # three scaled numerics + one indicator
    assert "edges" not in model.encoder_.numeric[0]


def test_piecewise_linear_encoding_hand_computed() -> None:
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0, 4.0]})
    enc = TabularEncoder("piecewise_linear", n_bins=2).fit(X)
    spec = enc.numeric[0]
    assert spec["edges"] == [0.0, 2.0, 4.0]
    # training components: bin [0, 2) -> 0, .5, 1, 1, 1; bin [2, 4] -> 0, 0, 0, .5, 1
    np.testing.assert_allclose(spec["component_mean"], [0.7, 0.3])
    np.testing.assert_allclose(spec["component_std"], [np.sqrt(0.16), np.sqrt(0.16)])
    num, _ = enc.transform(pd.DataFrame({"a": [-2.0, 1.0, 3.0, 6.0]}))
    raw = np.array([[-1.0, 0.0], [0.5, 0.0], [1.0, 0.5], [1.0, 2.0]])  # outer bins extrapolate
    np.testing.assert_allclose(num, (raw - [0.7, 0.3]) / 0.4, rtol=1e-6)
    again = TabularEncoder.from_dict(json.loads(json.dumps(enc.to_dict())))
    np.testing.assert_array_equal(again.transform(X)[0], enc.transform(X)[0])


def test_piecewise_linear_constant_and_few_valued_columns() -> None:
    X = pd.DataFrame({"c": [5.0, 5.0, 5.0, np.nan], "k": [0.0, 1.0, 1.0, 1.0]})
    enc = TabularEncoder("piecewise_linear", n_bins=8).fit(X)
    by_name = {s["name"]: s for s in enc.numeric}
    assert by_name["c"]["edges"] == [5.0]  # one value: one standardised column
    assert by_name["k"]["edges"] == [0.0, 1.0]  # duplicate quantiles collapse
    assert enc.n_numeric_inputs == 1 + 1 + 1  # c, its missing indicator, k's one bin
    num, _ = enc.transform(X)
    assert np.isfinite(num).all()


def test_bad_numeric_encoding_is_refused(data) -> None:
    X, y, _ = data
    msg = (
        "invalid TorchMLPTeacher parameter(s): n_bins: must be >= 2, got 1; "
        "numeric_encoding: must be one of 'standard', 'piecewise_linear', got 'onehot'"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        TorchMLPTeacher(**FAST, numeric_encoding="onehot", n_bins=1).fit(X, y)
    with pytest.raises(ValueError, match=r"numeric_encoding must be one of"):
        TabularEncoder("onehot")


def test_encoder_constant_column_and_unknown_levels() -> None:
    X = pd.DataFrame({"c": [2.0, 2.0, np.nan], "k": pd.Categorical(["a", "b", None])})
    enc = TabularEncoder(min_level_count=1).fit(X)
    assert enc.numeric[0]["std"] == 1.0
    num, cat = enc.transform(pd.DataFrame({"c": [np.nan, 3.0], "k": pd.Categorical(["zzz", "b"])}))
    np.testing.assert_allclose(num, [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(cat[:, 0], [0, 2])


def test_encoder_pools_rare_levels_with_unknown_ones() -> None:
    k = ["common"] * 12 + ["rare"] * 3 + [None]
    enc = TabularEncoder().fit(pd.DataFrame({"k": pd.Series(k, dtype=object)}))
    assert enc.categorical[0]["mapping"] == {"common": 1}  # "rare": 3 rows < MIN_LEVEL_COUNT
    _, cat = enc.transform(pd.DataFrame({"k": pd.Series(["common", "rare", "new", None])}))
    np.testing.assert_array_equal(cat[:, 0], [1, 0, 0, 0])
    assert enc.cardinalities == [2]


def test_soft_target_only(data, test_data) -> None:
    X, _, p = data
    teacher = TorchMLPTeacher(**FAST, device="cpu").fit(X, soft_target=p)
    X_test, _, p_test = test_data
    pred = teacher.predict_proba(X_test)[:, 1]
    assert np.corrcoef(pred, p_test)[0, 1] > 0.8


def test_soft_target_with_eval_set_and_weights(data, test_data) -> None:
    X, y, p = data
    X_valid, y_valid, _ = test_data
    teacher = TorchMLPTeacher(**FAST, device="cpu", class_weight="balanced")
    teacher.fit(X, y, soft_target=p, eval_set=(X_valid, y_valid), sample_weight=np.ones(len(y)))
    assert teacher.pos_weight_ == pytest.approx((len(p) - p.sum()) / p.sum())
    assert roc_auc_score(y_valid, teacher.predict_proba(X_valid)[:, 1]) > 0.75


def test_deterministic_under_seed(data, test_data) -> None:
    X, y, _ = data
    X_test, _, _ = test_data
    params = {**FAST, "max_epochs": 4, "device": "cpu", "random_state": 7}
    a = TorchMLPTeacher(**params).fit(X, y).predict_proba(X_test)
    b = TorchMLPTeacher(**params).fit(X, y).predict_proba(X_test)
    np.testing.assert_array_equal(a, b)
    c = TorchMLPTeacher(**{**params, "random_state": 8}).fit(X, y).predict_proba(X_test)
    assert not np.array_equal(a, c)


def test_save_load_round_trip(fitted: TorchMLPTeacher, test_data, tmp_path: Path) -> None:
    X, _, _ = test_data
    fitted.save(tmp_path / "teacher")
    assert sorted(p.name for p in (tmp_path / "teacher").iterdir()) == [
        "preprocessing.json",
        "state_dict.pt",
    ]
    loaded = TorchMLPTeacher.load(tmp_path / "teacher")
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert loaded.get_params() == fitted.get_params()
    assert loaded.best_epoch_ == fitted.best_epoch_
    meta = json.loads((tmp_path / "teacher" / "preprocessing.json").read_text())
    assert meta["feature_names"] == ["x1", "x2", "x3", "region"]
    assert meta["architecture"]["embedding_sizes"] == [[5, 3]]  # min(16, (4 + 1) // 2 + 1)


def test_load_missing_or_corrupt_files(fitted: TorchMLPTeacher, tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match=r"preprocessing\.json"):
        TorchMLPTeacher.load(tmp_path / "nowhere")
    fitted.save(tmp_path)
    (tmp_path / "state_dict.pt").write_bytes(b"not a torch file")
    with pytest.raises(ModelFormatError, match=r"state_dict\.pt: cannot load state dict"):
        TorchMLPTeacher.load(tmp_path)
    (tmp_path / "preprocessing.json").write_text("{broken")
    with pytest.raises(ModelFormatError, match=r"preprocessing\.json: not valid JSON \("):
        TorchMLPTeacher.load(tmp_path)


def test_unknown_category_and_extra_columns(fitted: TorchMLPTeacher, test_data) -> None:
    X, _, _ = test_data
    X_new = X.head(5).copy()
    X_new["region"] = pd.Categorical(["mars", "north", None, "venus", "south"])
    np.testing.assert_array_equal(fitted.encoder_.transform(X_new)[1][:, 0], [0, 2, 0, 0, 3])
    proba = fitted.predict_proba(X_new)
    assert np.isfinite(proba).all()
    shuffled = X_new.assign(unused=1.0)[["unused", "region", "x3", "x2", "x1"]]
    np.testing.assert_array_equal(fitted.predict_proba(shuffled), proba)
    as_strings = X_new.assign(region=X_new["region"].astype(object))
    np.testing.assert_array_equal(fitted.predict_proba(as_strings), proba)


def test_missing_column_message(fitted: TorchMLPTeacher, test_data) -> None:
    X, _, _ = test_data
    msg = "X is missing 2 fitted feature column(s): ['x2', 'region']"
    with pytest.raises(ValueError, match=re.escape(msg)):
        fitted.predict_proba(X.drop(columns=["region", "x2"]))


def test_not_fitted_and_bad_inputs(data) -> None:
    X, y, p = data
    with pytest.raises(NotFittedError):
        TorchMLPTeacher().predict_proba(X)
    with pytest.raises(ValueError, match=r"y must be binary 0/1; found other values \[2\]"):
        TorchMLPTeacher(**FAST).fit(X, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match=r"soft_target must lie in \[0, 1\]; 1 value\(s\) do not"):
        TorchMLPTeacher(**FAST).fit(X, y, soft_target=np.r_[p[:-1], 1.5])
    with pytest.raises(ValueError, match=r"soft_target has 3 rows, X has 2500"):
        TorchMLPTeacher(**FAST).fit(X, y, soft_target=p[:3])
    with pytest.raises(
        ValueError, match=re.escape("invalid TorchMLPTeacher parameter(s): dropout: must be in")
    ):
        TorchMLPTeacher(dropout=1.5).fit(X, y)
    with pytest.raises(ValueError, match=r"column 'x1' has 1 infinite value\(s\)"):
        TorchMLPTeacher(**FAST).fit(X.assign(x1=np.r_[np.inf, X["x1"].to_numpy()[1:]]), y)


def test_ndarray_input(data) -> None:
    X, y, _ = data
    arr = X[["x1", "x2", "x3"]].to_numpy()
    teacher = TorchMLPTeacher(**{**FAST, "max_epochs": 3}, device="cpu").fit(arr, y)
    assert list(teacher.feature_names_in_) == ["x0", "x1", "x2"]
    assert teacher.predict_proba(arr[:10]).shape == (10, 2)
    msg = "X has 2 features, but TorchMLPTeacher is expecting 3 features as input"
    with pytest.raises(ValueError, match=msg):
        teacher.predict_proba(arr[:10, :2])


@pytest.fixture
def force_cpu(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RISK_MODELS_FORCE_CPU", "1")
    cuda_available.cache_clear()
    yield
    monkeypatch.delenv("RISK_MODELS_FORCE_CPU")
    cuda_available.cache_clear()


def test_cuda_request_falls_back_to_cpu(force_cpu, data, caplog) -> None:
    X, y, _ = data
    with caplog.at_level(logging.INFO):
        teacher = TorchMLPTeacher(**{**FAST, "max_epochs": 2}, device="cuda").fit(X, y)
    assert teacher.device_ == "cpu"
    assert "no CUDA GPU is available; using CPU" in caplog.text
    assert "TorchMLPTeacher trained on cpu" in caplog.text


@pytest.mark.skipif(not cuda_available(), reason="needs a CUDA GPU")
def test_trains_on_cuda_and_loads_on_cpu(data, test_data, tmp_path: Path) -> None:
    X, y, _ = data
    X_test, y_test, _ = test_data
    teacher = TorchMLPTeacher(**FAST, device="cuda").fit(X, y)
    assert teacher.device_ == "cuda"
    assert roc_auc_score(y_test, teacher.predict_proba(X_test)[:, 1]) > 0.75
    teacher.save(tmp_path)
    loaded = TorchMLPTeacher.load(tmp_path)
    np.testing.assert_allclose(
        loaded.predict_proba(X_test), teacher.predict_proba(X_test), atol=1e-5
    )


def test_clone_round_trips_params() -> None:
    teacher = TorchMLPTeacher(hidden_sizes=(8,), class_weight=3.0, embedding_dim=4)
    cloned = clone(teacher)
    assert cloned.get_params() == teacher.get_params()
    assert cloned is not teacher
