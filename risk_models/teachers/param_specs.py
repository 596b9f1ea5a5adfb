"""Parameter constraints of every teacher kind and the ensemble (see :mod:`risk_models.params`).

Kept apart from the estimators so that config validation reads them without importing
XGBoost, LightGBM or Torch; each estimator's ``_parameter_constraints`` is the mapping
below, and a test checks that the names match its ``get_params()``.
"""

from __future__ import annotations

from risk_models.params import (
    Boolean,
    Interval,
    IntList,
    NamedMembers,
    Options,
    ParamSpec,
    RandomStateInstance,
)
from risk_models.students.param_specs import (
    DEVICES,
    NON_NEGATIVE,
    POSITIVE,
    PROBABILITY_BELOW_1,
    RATE,
    SEED,
)

SHARE = Interval(float, 0, 1, closed="right")  # row and column subsampling
ROUNDS = [Interval(int, 1, None)]
THREADS = [Interval(int, 0, None)]  # 0: chosen from the data size (device.auto_threads)
NUMERIC_ENCODINGS = ("standard", "piecewise_linear")  # tabular_encoding.NUMERIC_ENCODINGS

XGBOOST: ParamSpec = {
    "n_estimators": ROUNDS,
    "learning_rate": [RATE],
    "max_depth": [Interval(int, 0, None)],
    "min_child_weight": [NON_NEGATIVE],
    "subsample": [SHARE],
    "colsample_bytree": [SHARE],
    "reg_lambda": [NON_NEGATIVE],
    "reg_alpha": [NON_NEGATIVE],
    "max_bin": [Interval(int, 2, None)],
    "scale_pos_weight": [POSITIVE],
    "colsample_bynode": [SHARE],
    "grow_policy": [Options(("depthwise", "lossguide"))],
    "max_leaves": [Interval(int, 0, None)],
    "gamma": [NON_NEGATIVE],
    "early_stopping_rounds": ROUNDS,
    "n_jobs": THREADS,
    "device": [DEVICES],
    "random_state": [SEED],
}

LIGHTGBM: ParamSpec = {
    "n_estimators": ROUNDS,
    "learning_rate": [POSITIVE],
    "num_leaves": [Interval(int, 2, 131072)],
    "max_depth": [Interval(int, -1, None)],  # <= 0: no limit
    "min_child_samples": [Interval(int, 0, None)],
    "subsample": [SHARE],
    "colsample_bytree": [SHARE],
    "reg_lambda": [NON_NEGATIVE],
    "reg_alpha": [NON_NEGATIVE],
    "scale_pos_weight": [POSITIVE],
    "extra_trees": [Boolean()],
    "path_smooth": [NON_NEGATIVE],
    "max_bin": [Interval(int, 2, None)],
    "early_stopping_rounds": ROUNDS,
    "n_jobs": THREADS,
    "random_state": [SEED],
    "capacity_search": [Boolean()],
    "capacity_folds": [Interval(int, 0, None)],
    "capacity_extra_trees": [Boolean()],
    "capacity_rows": [Interval(int, 1, None)],
    "min_data_per_group": [Interval(int, 1, None), None],
    "cat_smooth": [NON_NEGATIVE],
    "large_rows": [Interval(int, 1, None), None],
    "large_learning_rate": [POSITIVE, None],
}

TORCH_MLP: ParamSpec = {
    "hidden_sizes": [IntList(low=1)],
    "dropout": [PROBABILITY_BELOW_1],
    "learning_rate": [POSITIVE],
    "weight_decay": [NON_NEGATIVE],
    "batch_size": [Interval(int, 1, None)],
    "max_epochs": [Interval(int, 1, None)],
    "patience": [Interval(int, 1, None)],
    "embedding_dim": [Interval(int, 1, None), None],
    "numeric_encoding": [Options(NUMERIC_ENCODINGS)],
    "n_bins": [Interval(int, 2, None)],
    "class_weight": [Options(("balanced",)), POSITIVE, None],
    "device": [DEVICES],
    "random_state": [SEED, RandomStateInstance(), None],
    "verbose": [Boolean()],
}

ENSEMBLE: ParamSpec = {
    "members": [NamedMembers()],
    "weighting": [Options(("equal", "fitted"))],
    "calibration": [Options(("none", "temperature", "platt"))],
    "cv_folds": [Options((0,)), Interval(int, 2, None)],
    "weight_l2": [NON_NEGATIVE],
    "random_state": [SEED],
    "fold_order": [Options(("random", "time"))],
    "cv_row_budget": [Interval(int, 1, None), None],
}

ADDITIVE: ParamSpec = {  # teachers/additive.py: the GAM / GA2M student on hard labels
    "n_estimators": ROUNDS,
    "learning_rate": [RATE],
    "max_bin": [Interval(int, 2, None)],
    "min_child_weight": [NON_NEGATIVE],
    "reg_lambda": [NON_NEGATIVE],
    "early_stopping_rounds": ROUNDS,
    "min_level_count": [Interval(int, 1, None)],
    "n_pairs": [Interval(int, 0, None)],
    "pair_max_bin": [Interval(int, 2, None)],
    "pair_patience": [Interval(int, 1, None)],
    "device": [DEVICES],
    "random_state": [SEED],
}

LINEAR: ParamSpec = {  # teachers/linear.py: ridge logistic on splines + one-hot levels
    "n_bins": [Interval(int, 2, None)],
    "min_level_count": [Interval(int, 1, None)],
    "c_min": [POSITIVE],
    "c_max": [POSITIVE],
    "n_strengths": [Interval(int, 1, None)],
    "max_iter": [Interval(int, 1, None)],
    "random_state": [SEED],
}

TEACHER_PARAMS: dict[str, ParamSpec] = {
    "xgboost": XGBOOST,
    "additive": ADDITIVE,
    "lightgbm": LIGHTGBM,
    "torch_mlp": TORCH_MLP,
    "linear": LINEAR,
}
