"""Validation of the 1-D arrays that metrics and calibrators take, with messages naming the caller.

Every function takes ``fn``, the public function being called, and starts its messages with
it (``"auc: y must contain only 0 and 1 (1 = bad), found -1, 2"``), so an error points at the
call that received the bad input.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FloatArray",
    "as_1d",
    "check_both_classes",
    "check_labels",
    "check_probabilities",
    "finite_float",
    "validate_pair",
]

FloatArray = NDArray[np.float64]


def finite_float(arr: np.ndarray, *, fn: str, name: str) -> FloatArray:
    """``arr`` (any shape) as float64, refusing non-numeric dtypes and NaN or infinite values.

    Parameters
    ----------
    arr : the array.
    fn, name : the calling function and the argument, for messages.

    Returns
    -------
    numpy.ndarray
        float64, no copy when ``arr`` already is.
    """
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{fn}: {name} must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    bad = int(np.count_nonzero(~np.isfinite(arr)))
    if bad:
        raise ValueError(f"{fn}: {name} contains {bad} NaN or infinite value(s)")
    return arr


def as_1d(x: ArrayLike, *, fn: str, name: str) -> FloatArray:
    """Return ``x`` as a finite 1-D float array (an ``(n, 1)`` column is flattened).

    Parameters
    ----------
    x : array-like.
    fn, name : the calling function and the argument, for messages.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(n,)``.
    """
    arr = np.asarray(x)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{fn}: {name} must be one-dimensional, got shape {arr.shape}")
    return finite_float(arr, fn=fn, name=name)


def check_labels(y: FloatArray, *, fn: str) -> None:
    """Require every label to be 0 or 1."""
    odd = np.unique(y[(y != 0) & (y != 1)])
    if odd.size:
        shown = ", ".join(f"{v:g}" for v in odd[:5])
        raise ValueError(f"{fn}: y must contain only 0 and 1 (1 = bad), found {shown}")


def check_probabilities(p: FloatArray, *, fn: str, name: str = "p") -> None:
    """Require every probability to lie in ``[0, 1]``."""
    outside = (p < 0) | (p > 1)
    if outside.any():
        raise ValueError(
            f"{fn}: {name} must lie in [0, 1], found {int(outside.sum())} value(s) outside "
            f"(min {p.min():g}, max {p.max():g})"
        )


def check_both_classes(y: FloatArray, *, fn: str) -> None:
    """Require at least one good and one bad."""
    n_bad = int(y.sum())
    if n_bad == 0 or n_bad == y.size:
        only = 1 if n_bad else 0
        raise ValueError(
            f"{fn}: y contains only class {only} (n={y.size}); "
            f"{fn} needs both goods (0) and bads (1)"
        )


def validate_pair(
    y: ArrayLike,
    values: ArrayLike,
    *,
    fn: str,
    name: str,
    probabilities: bool = False,
    both_classes: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Validate labels and a score/probability vector together; return both as float arrays."""
    y_arr = as_1d(y, fn=fn, name="y")
    v_arr = as_1d(values, fn=fn, name=name)
    if y_arr.size != v_arr.size:
        raise ValueError(
            f"{fn}: y and {name} must have the same length, got {y_arr.size} and {v_arr.size}"
        )
    if y_arr.size == 0:
        raise ValueError(f"{fn}: empty input; need at least one row")
    check_labels(y_arr, fn=fn)
    if probabilities:
        check_probabilities(v_arr, fn=fn, name=name)
    if both_classes:
        check_both_classes(y_arr, fn=fn)
    return y_arr, v_arr
