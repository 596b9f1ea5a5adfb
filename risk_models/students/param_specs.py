"""Parameter constraints of every student kind (see :mod:`risk_models.params`).

Kept apart from the estimators so that config validation reads them without importing
XGBoost or Torch; each estimator's ``_parameter_constraints`` is the mapping below, and a
test checks that the names match its ``get_params()``.
"""

from __future__ import annotations

from risk_models.params import (
    Boolean,
    Directions,
    FeaturePairs,
    Interval,
    IntList,
    Options,
    ParamSpec,
    RandomStateInstance,
)

DEVICES = Options(("auto", "cpu", "cuda"))
SEED = Interval(int, 0, 2**32 - 1)
POSITIVE = Interval(float, 0, None, closed="neither")
NON_NEGATIVE = Interval(float, 0, None)
UNIT = Interval(float, 0, 1)  # alpha: weight of the hard-label loss
RATE = Interval(float, 0, 1, closed="right")  # XGBoost eta
PROBABILITY_BELOW_1 = Interval(float, 0, 1, closed="left")  # dropout
MONOTONE = [Directions(), None]
MAX_TREE_DEPTH = 4

GAM: ParamSpec = {
    "n_estimators": [Interval(int, 1, None)],
    "learning_rate": [RATE],
    "max_bin": [Interval(int, 2, None)],
    "min_child_weight": [NON_NEGATIVE],
    "reg_lambda": [NON_NEGATIVE],
    "early_stopping_rounds": [Interval(int, 1, None)],
    "early_stopping_tolerance": [Interval(float, 0, 1)],
    "monotone": MONOTONE,
    "alpha": [UNIT],
    "temperature": [POSITIVE],
    "max_terms": [Interval(int, 1, None), None],
    "min_level_count": [Interval(int, 1, None)],
    "device": [DEVICES],
    "random_state": [SEED],
}

GA2M: ParamSpec = {
    **GAM,
    "n_pairs": [Interval(int, 0, None)],
    "pair_max_bin": [Interval(int, 2, None)],
    "pair_learning_rate": [RATE],
    "pair_rounds": [Interval(int, 1, None)],
    "pair_patience": [Interval(int, 1, None)],
    "pair_min_gain": [Interval(float, 0, 1)],
}

SCORECARD: ParamSpec = {
    "max_bins": [Interval(int, 2, None)],
    "min_bin_share": [Interval(float, 0, 0.5, closed="right")],
    "monotone": MONOTONE,
    "base_points": [Interval(float)],
    "base_odds": [POSITIVE],
    "pdo": [POSITIVE],
    "alpha": [UNIT],
    "temperature": [POSITIVE],
    "l2": [NON_NEGATIVE],
    "calibrate": [Boolean()],
    "refine_rounds": [Interval(int, 0, None)],
    "bins_path": [Boolean()],
    "random_state": [SEED, RandomStateInstance(), None],
}

NAM: ParamSpec = {
    "hidden_sizes": [IntList(low=1)],
    "n_bins": [Interval(int, 2, None)],
    "pairs": [FeaturePairs()],
    "dropout": [PROBABILITY_BELOW_1],
    "feature_dropout": [PROBABILITY_BELOW_1],
    "output_penalty": [NON_NEGATIVE],
    "weight_decay": [NON_NEGATIVE],
    "learning_rate": [POSITIVE],
    "batch_size": [Interval(int, 1, None)],
    "max_epochs": [Interval(int, 1, None)],
    "patience": [Interval(int, 1, None)],
    "alpha": [UNIT],
    "temperature": [POSITIVE],
    "monotone": MONOTONE,
    "device": [DEVICES],
    "random_state": [SEED, RandomStateInstance(), None],
}

TREE: ParamSpec = {
    "max_depth": [Interval(int, 1, MAX_TREE_DEPTH)],
    # a row count, or a share of the training rows
    "min_samples_leaf": [Interval(int, 1, None), Interval(float, 0, 0.5, closed="right")],
    "max_bins": [Interval(int, 2, None)],
    "alpha": [UNIT],
    "temperature": [POSITIVE],
    "monotone": MONOTONE,
    "random_state": [SEED, RandomStateInstance(), None],
}

STUDENT_PARAMS: dict[str, ParamSpec] = {
    "gam": GAM,
    "ga2m": GA2M,
    "scorecard": SCORECARD,
    "nam": NAM,
    "tree": TREE,
}
