"""Input checks shared by the students' ``fit`` methods."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def ensure_frame(X: Any, columns: list[str] | None = None) -> pd.DataFrame:
    """``X`` as a DataFrame; arrays get columns ``x0..``; with ``columns``, check and order them."""
    if not isinstance(X, pd.DataFrame):
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(f"Expected 2D array, got {arr.ndim}D array instead")
        names = columns if columns is not None else [f"x{i}" for i in range(arr.shape[1])]
        if len(names) != arr.shape[1]:
            raise ValueError(
                f"X has {arr.shape[1]} features, but the model was fitted with {len(names)}"
            )
        X = pd.DataFrame(arr, columns=names)
    if columns is not None:
        missing = [c for c in columns if c not in X.columns]
        if missing:
            raise ValueError(f"X is missing feature column(s) {missing} seen in fit")
        X = X[columns]
    return X


def check_fit_inputs(
    X: pd.DataFrame, y: Any, soft_target: Any, sample_weight: Any
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate labels, soft targets and weights; return (training target, weights)."""
    n = len(X)
    if n == 0:
        raise ValueError(
            "Found array with 0 sample(s) (shape=(0, n)) while a minimum of 1 is required."
        )
    y_arr = np.asarray(y)
    if y_arr.shape[0] != n:
        raise ValueError(f"X has {n} rows but y has {y_arr.shape[0]}")
    uniq = np.unique(y_arr[~pd.isna(y_arr)]) if y_arr.dtype.kind == "f" else np.unique(y_arr)
    if soft_target is None:
        if not set(uniq.tolist()) <= {0, 1}:
            raise ValueError(f"y must be binary 0/1 (1 = bad); found values {uniq[:10].tolist()}")
        if len(uniq) < 2:
            raise ValueError(
                f"y has a single class ({uniq.tolist()}); a classifier needs both classes"
            )
        target = y_arr.astype(np.float64)
    else:
        # With soft targets, y may carry probabilities (transfer rows: the teacher's).
        y_num = pd.to_numeric(pd.Series(y_arr), errors="coerce").to_numpy(dtype=np.float64)
        if not np.all((y_num >= 0) & (y_num <= 1)):
            raise ValueError("y must be 0/1 outcomes (1 = bad) or probabilities in [0, 1]")
        target = np.asarray(soft_target, dtype=np.float64)
        if target.shape != (n,):
            raise ValueError(f"soft_target must have shape ({n},), got {target.shape}")
        if not np.all((target >= 0) & (target <= 1)):
            raise ValueError("soft_target must be probabilities in [0, 1]")
    weight = None
    if sample_weight is not None:
        weight = np.asarray(sample_weight, dtype=np.float64)
        if weight.shape != (n,) or np.any(weight < 0):
            raise ValueError(f"sample_weight must be {n} non-negative numbers")
    return target, weight


def check_array_shape(X: Any, owner: str, columns: list[str] | None = None) -> None:
    """Refuse sparse, 1-D and mis-sized array input with scikit-learn's messages."""
    import scipy.sparse

    if scipy.sparse.issparse(X):
        raise TypeError(f"sparse input is not supported by {owner}; pass a dense array")
    if not isinstance(X, pd.DataFrame):
        arr = np.asarray(X)
        if arr.ndim == 1:
            raise ValueError(
                "Expected 2D array, got 1D array instead. Reshape your data either using "
                "array.reshape(-1, 1) if it has one feature or array.reshape(1, -1) if it "
                "contains a single sample."
            )
        if columns is not None and arr.ndim == 2 and arr.shape[1] != len(columns):
            raise ValueError(
                f"X has {arr.shape[1]} features, but {owner} is expecting {len(columns)} "
                "features as input."
            )


def as_frame(X: Any, owner: str, columns: list[str] | None = None) -> pd.DataFrame:
    """``ensure_frame`` with scikit-learn's messages for sparse, 1-D and mis-sized input."""
    check_array_shape(X, owner, columns)
    return ensure_frame(X, columns=columns)
