"""Strict-JSON conversion of evaluation results."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from risk_models.evaluation.jsonable import to_jsonable


def test_converts_numpy_nan_tuples_frames_and_times() -> None:
    value = {
        1: (np.float64(0.5), np.int64(3), np.bool_(True)),
        "nan": [float("nan"), np.inf, pd.NA, pd.NaT],
        "frame": pd.DataFrame({"a": [1, 2]}),
        "array": np.array([[1.0, np.nan]]),
        "when": pd.Timestamp("2024-01-02"),
    }
    out = to_jsonable(value)
    json.dumps(out, allow_nan=False)
    assert out == {
        "1": [0.5, 3, True],
        "nan": [None, None, None, None],
        "frame": [{"a": 1}, {"a": 2}],
        "array": [[1.0, None]],
        "when": "2024-01-02T00:00:00",
    }


def test_refuses_unknown_types() -> None:
    with pytest.raises(TypeError, match=re.escape("to_jsonable: cannot convert a object")):
        to_jsonable(object())
