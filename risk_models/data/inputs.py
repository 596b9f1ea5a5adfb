"""What an estimator's ``fit`` and ``predict`` receive: one frame check, one notion of categorical.

Every teacher and student turns its ``X`` into a DataFrame through :func:`check_frame`, so
they all refuse the same inputs with scikit-learn's own messages (array input goes through
:func:`sklearn.utils.validation.check_array`; a DataFrame is kept as it is, categorical
dtypes included), and they all agree on which columns are categorical
(:func:`is_categorical`). :func:`check_fit_inputs` validates labels, soft targets and
sample weights; :func:`concat_rows` stacks frames without losing categorical dtypes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

__all__ = ["check_fit_inputs", "check_frame", "concat_rows", "is_categorical"]


def is_categorical(s: pd.Series) -> bool:
    """Whether a column is treated as categorical: category, string, object or bool dtype.

    Parameters
    ----------
    s : a column.

    Returns
    -------
    bool
        True for ``category``, ``object``, any string dtype and ``bool``; numeric and
        datetime columns are not categorical.
    """
    dtype = s.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
    )


def _shape_problem(shape: tuple[int, int], owner: str, min_rows: int) -> str | None:
    n, p = shape
    if p == 0:
        return (
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of 1 is required "
            f"by {owner}."
        )
    if n < min_rows:
        return (
            f"Found array with {n} sample(s) (shape={shape}) while a minimum of {min_rows} is "
            f"required by {owner}."
        )
    return None


def check_frame(
    X: Any,
    *,
    owner: str,
    columns: Sequence[str] | None = None,
    min_rows: int = 0,
    what: str = "X",
) -> pd.DataFrame:
    """``X`` as a DataFrame with unique string column names, checked as scikit-learn would.

    Parameters
    ----------
    X : a DataFrame, or anything :func:`~sklearn.utils.validation.check_array` takes as a
        dense 2-D array (sparse, complex, 1-D and 3-D input are refused with its messages;
        NaN stands for missing).
    owner : the estimator's name, for messages (``"GAMStudent"``).
    columns : the feature names seen in fit. An array must have that many columns and takes
        these names by position; a DataFrame must hold them all and is returned with just
        these columns, in this order. Without ``columns`` an array's columns are named
        ``x0, x1, ...``.
    min_rows : fewest rows accepted (1 in ``fit``; 0 lets ``predict`` score an empty frame).
    what : how to name ``X`` in messages (``"eval_set X"``).

    Returns
    -------
    pandas.DataFrame
        ``X`` itself (column names cast to ``str``) for a DataFrame without ``columns``;
        otherwise a new frame.

    Raises
    ------
    TypeError
        For sparse input.
    ValueError
        For input that is not 2-D, complex, has no columns or too few rows, the wrong number
        of columns, duplicate column names or missing feature columns.
    """
    if isinstance(X, pd.DataFrame):
        frame = X
        if not all(isinstance(c, str) for c in frame.columns):
            frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    else:
        arr = check_array(
            X,
            accept_sparse=False,
            dtype=None,
            ensure_all_finite=False,
            ensure_min_samples=min_rows,
            ensure_min_features=1,
            estimator=owner,
            input_name=what,
        )
        if columns is not None and arr.shape[1] != len(columns):
            raise ValueError(
                f"{what} has {arr.shape[1]} features, but {owner} is expecting {len(columns)} "
                "features as input."
            )
        names = list(columns) if columns is not None else [f"x{i}" for i in range(arr.shape[1])]
        frame = pd.DataFrame(arr, columns=names)
    if not frame.columns.is_unique:
        dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise ValueError(f"{what} has duplicate column names: {dupes}")
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{what} is missing feature column(s) {missing} seen in fit")
        frame = frame[list(columns)]
    problem = _shape_problem(frame.shape, owner, min_rows)
    if problem is not None:
        raise ValueError(problem)
    return frame


def check_fit_inputs(
    X: pd.DataFrame, y: Any, soft_target: Any, sample_weight: Any
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate labels, soft targets and weights against ``X``.

    Parameters
    ----------
    X : the training frame (from :func:`check_frame`).
    y : 0/1 outcomes (1 = bad); with ``soft_target`` they may also be probabilities (the
        transfer rows carry the teacher's).
    soft_target : teacher probabilities in [0, 1], or None.
    sample_weight : non-negative weights, or None.

    Returns
    -------
    tuple
        ``(target, weight)``: the soft targets when given, else ``y`` as float64; the weights
        as float64, or None.

    Raises
    ------
    ValueError
        Naming what is wrong: no rows, a length mismatch, non-binary or single-class ``y``,
        probabilities outside [0, 1] or negative weights.
    """
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


def concat_rows(first: pd.DataFrame, *others: pd.DataFrame) -> pd.DataFrame:
    """Stack frames row-wise (fresh ``RangeIndex``), keeping ``first``'s categorical dtypes.

    :func:`pandas.concat` turns a category column into ``object`` when the frames' category
    sets differ; each such column is cast back to ``first``'s exact dtype (values outside its
    levels become missing), so the stacked frame encodes like ``first``.

    Parameters
    ----------
    first : the frame whose column dtypes the result keeps.
    others : frames with the same columns.

    Returns
    -------
    pandas.DataFrame
    """
    out = pd.concat([first, *others], ignore_index=True)
    for col in first.columns:
        dtype = first[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            values = out[col]
            known = values.isin(dtype.categories) | values.isna()
            out[col] = values.where(known).astype(dtype)
    return out
