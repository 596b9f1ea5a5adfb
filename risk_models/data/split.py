"""Train / validation / test splits: stratified random, or out-of-time.

A random split is stratified on the label, so each part keeps the bad rate. An
out-of-time split sorts rows by event time and keeps the latest rows for testing,
the slice just before them for validation and the earliest for training, which is
how a credit or fraud model meets the future.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from risk_models.data.validation import ValidatedData
from risk_models.errors import DataValidationError

__all__ = ["SPLIT_METHODS", "Splits", "holdout_split", "split_data"]

SPLIT_METHODS = ("random", "out_of_time")


@dataclass(frozen=True, eq=False)
class Splits:
    """The three parts of a split and how they were made.

    Attributes
    ----------
    train, valid, test:
        Disjoint parts that together hold every row. Within a part, rows keep the
        order of the original table (random) or are in time order (out-of-time).
    method:
        ``"random"`` or ``"out_of_time"``.
    seed:
        Seed of the random split (recorded but unused for out-of-time).
    """

    train: ValidatedData
    valid: ValidatedData
    test: ValidatedData
    method: str
    seed: int

    def parts(self) -> dict[str, ValidatedData]:
        """The parts by name, in the order train, valid, test."""
        return {"train": self.train, "valid": self.valid, "test": self.test}


def _check_sizes(test_size: float, valid_size: float) -> None:
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be between 0 and 1 (exclusive), got {test_size!r}")
    if not 0.0 < valid_size < 1.0:
        raise ValueError(f"valid_size must be between 0 and 1 (exclusive), got {valid_size!r}")
    if test_size + valid_size >= 1.0:
        raise ValueError(
            f"test_size + valid_size must leave rows for training, got "
            f"{test_size!r} + {valid_size!r} >= 1"
        )


def _random_positions(
    y: np.ndarray, test_size: float, valid_size: float, seed: int, source: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split  # imported here: keeps import light

    idx = np.arange(len(y))
    try:
        rest, test = train_test_split(idx, test_size=test_size, stratify=y, random_state=seed)
        rest_valid = valid_size / (1.0 - test_size)
        train, valid = train_test_split(
            rest, test_size=rest_valid, stratify=y[rest], random_state=seed
        )
    except ValueError as exc:
        counts = np.bincount(y, minlength=2)
        raise DataValidationError(
            source,
            [
                f"stratified random split of {len(y)} rows ({counts[1]} positive, {counts[0]} "
                f"negative) failed: {exc}; use more data or smaller test/valid sizes"
            ],
        ) from exc
    return np.sort(train), np.sort(valid), np.sort(test)


def _time_positions(
    data: ValidatedData, test_size: float, valid_size: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if data.times is None:
        raise DataValidationError(
            data.source,
            [
                "out-of-time split needs a time column, and the data spec has none; "
                "set time_column (--time-column) or use the random split"
            ],
        )
    n = data.n_rows
    n_test = math.ceil(test_size * n)
    n_valid = math.ceil(valid_size * n)
    if n - n_test - n_valid < 1:
        raise DataValidationError(
            data.source,
            [f"out-of-time split of {n} rows leaves no training rows; use more data"],
        )
    order = np.argsort(data.times, kind="stable")
    n_train = n - n_test - n_valid
    return order[:n_train], order[n_train : n_train + n_valid], order[n_train + n_valid :]


def split_data(
    data: ValidatedData,
    *,
    method: Literal["random", "out_of_time"] = "random",
    test_size: float = 0.25,
    valid_size: float = 0.15,
    seed: int = 0,
) -> Splits:
    """Split validated data into train, validation and test parts.

    Parameters
    ----------
    data:
        The validated table.
    method:
        ``"random"``: stratified on the label; the test part is drawn first, then the
        validation part from the rest. ``"out_of_time"``: rows sorted by
        ``data.times``; test = the latest ``test_size`` share, valid = the
        ``valid_size`` share just before it, train = the earliest rows.
    test_size:
        Share of all rows in the test part, in (0, 1).
    valid_size:
        Share of all rows (not of the remainder) in the validation part, in (0, 1).
    seed:
        Random seed of the random split.

    Returns
    -------
    Splits

    Raises
    ------
    ValueError
        If ``method`` is unknown or the sizes do not leave training rows.
    DataValidationError
        If an out-of-time split is asked for without a time column, or a part would
        hold a single class.
    """
    if method not in SPLIT_METHODS:
        raise ValueError(f"unknown split method {method!r}; use one of {SPLIT_METHODS}")
    _check_sizes(test_size, valid_size)
    if method == "random":
        positions = _random_positions(data.y, test_size, valid_size, seed, data.source)
    else:
        positions = _time_positions(data, test_size, valid_size)
    parts = [data.subset(pos) for pos in positions]
    problems = []
    for name, part in zip(("train", "valid", "test"), parts, strict=True):
        n_pos = int(part.y.sum())
        if n_pos in (0, part.n_rows):
            only = "positive" if n_pos else "negative"
            problems.append(
                f"{method} split: the {name} part ({part.n_rows} rows) holds only {only} "
                "rows; use more data, larger part sizes or another split method"
            )
    if problems:
        raise DataValidationError(data.source, problems)
    train, valid, test = parts
    return Splits(train=train, valid=valid, test=test, method=method, seed=seed)


def holdout_split(
    strata: np.ndarray, fraction: float, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train, valid) row indices holding out ``fraction`` of the rows.

    The early-stopping holdout an estimator takes from its own training rows when no
    ``eval_set`` is given.

    Parameters
    ----------
    strata : 0/1 per row; the split is stratified on it when each class has at least two
        rows and there are at least 20 rows, a plain random split otherwise.
    fraction : share of the rows held out.
    rng : the estimator's random state.

    Returns
    -------
    tuple of numpy.ndarray
        Sorted training and held-out row positions.

    Raises
    ------
    ValueError
        With fewer than 10 rows.
    """
    from sklearn.model_selection import train_test_split

    n = len(strata)
    if n < 10:
        raise ValueError(f"need at least 10 rows to hold out a validation set, got {n}")
    counts = np.bincount(strata, minlength=2)
    stratify = strata if counts.min() >= 2 and n >= 20 else None
    train, valid = train_test_split(
        np.arange(n), test_size=fraction, stratify=stratify, random_state=rng
    )
    return np.sort(train), np.sort(valid)
