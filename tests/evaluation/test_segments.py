"""Metrics by segment, hand-computed."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from risk_models.evaluation.segments import segment_metrics


def test_segment_metrics_hand_computed() -> None:
    y = [0, 1, 0, 1, 1, 0]
    p = [0.1, 0.8, 0.2, 0.3, 0.6, 0.5]
    seg = pd.Series(["a", "a", "a", "b", "b", None])
    a, b, missing = segment_metrics(y, p, seg, min_rows=3)
    assert (a["segment"], a["n"], a["n_bad"], a["small"]) == ("a", 3, 1, False)
    assert a["bad_rate"] == pytest.approx(1 / 3)
    assert a["mean_predicted"] == pytest.approx(1.1 / 3)
    assert a["calibration_ratio"] == pytest.approx(1.1)
    assert a["auc"] == 1.0 and a["ks"] == 1.0
    assert (b["segment"], b["n"], b["bad_rate"], b["small"]) == ("b", 2, 1.0, True)
    assert math.isnan(b["auc"])  # one class only
    assert b["calibration_ratio"] == pytest.approx(0.45)
    assert missing["segment"] == "missing" and math.isnan(missing["calibration_ratio"])
    assert sum(r["share"] for r in (a, b, missing)) == pytest.approx(1.0)


def test_segment_metrics_needs_one_value_per_row() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape("segment_metrics: segments must have one value per row, got 2 for 3 rows"),
    ):
        segment_metrics([0, 1, 0], [0.1, 0.2, 0.3], ["a", "b"])
