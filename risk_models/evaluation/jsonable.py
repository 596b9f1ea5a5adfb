"""Turn evaluation results into strict JSON values (no NaN, no NumPy scalars, no tuples)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["to_json_dict", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """A deep copy of ``value`` made of dicts, lists, strings, finite floats, ints, bools, None.

    NaN and infinities become ``None`` (strict JSON has neither, and a browser's
    ``JSON.parse`` refuses them); NumPy scalars and arrays become Python numbers and lists;
    tuples and sets become lists; a pandas DataFrame becomes its records; mapping keys become
    strings.

    Parameters
    ----------
    value:
        Any nesting of the types above.

    Returns
    -------
    Any
        The converted value; ``json.dumps(result, allow_nan=False)`` succeeds on it.

    Raises
    ------
    TypeError
        For a value of any other type (named in the message).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, pd.DataFrame):
        return to_jsonable(value.to_dict(orient="records"))
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [to_jsonable(v) for v in items]
    if isinstance(value, (datetime.date, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    raise TypeError(f"to_jsonable: cannot convert a {type(value).__name__} to JSON ({value!r:.80})")


def to_json_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`to_jsonable` of a mapping, typed as the dict it returns."""
    out = to_jsonable(value)
    if not isinstance(out, dict):  # pragma: no cover - a Mapping always converts to a dict
        raise TypeError(f"to_json_dict: expected a mapping, got {type(value).__name__}")
    return out
