"""PSI and CSI against hand-computed values; the usual bands."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from risk_models.evaluation.stability import csi, psi, psi_table, stability_band

EXPECTED = [1, 1, 2, 2, 3, 3, 4, 4]
ACTUAL = [1, 2, 2, 3, 3, 3, 4, 4]
# shares 1/4 each vs 1/8, 2/8, 3/8, 2/8
HAND = (1 / 8 - 1 / 4) * math.log(0.5) + (3 / 8 - 1 / 4) * math.log(1.5)


def test_psi_hand_computed_with_explicit_edges() -> None:
    assert psi(EXPECTED, ACTUAL, edges=[1.5, 2.5, 3.5]) == pytest.approx(HAND)
    assert pytest.approx(0.1373265, abs=1e-7) == HAND


def test_psi_quantile_edges_come_from_the_expected_sample() -> None:
    table = psi_table(EXPECTED, ACTUAL, n_bins=4)  # edges 1.75, 2.5, 3.25
    assert table["bin"].tolist() == ["< 1.75", "[1.75, 2.5)", "[2.5, 3.25)", ">= 3.25"]
    assert table["expected_n"].tolist() == [2, 2, 2, 2]
    assert table["actual_n"].tolist() == [1, 2, 3, 2]
    assert table["psi"].sum() == pytest.approx(HAND)


def test_psi_floors_an_empty_bin_at_eps() -> None:
    eps = 1e-4
    hand = (1 - 0.25) * math.log(4) + 3 * (eps - 0.25) * math.log(eps / 0.25)
    assert psi([1, 2, 3, 4], [1, 1, 1, 1], edges=[1.5, 2.5, 3.5], eps=eps) == pytest.approx(hand)


def test_psi_of_a_sample_with_itself_is_zero() -> None:
    x = np.random.default_rng(0).normal(size=500)
    assert psi(x, x) == 0.0


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0.0, "stable"),
        (0.0999, "stable"),
        (0.1, "moderate"),
        (0.25, "moderate"),
        (0.2501, "shift"),
        (float("nan"), "unknown"),
    ],
)
def test_bands(value: float, band: str) -> None:
    assert stability_band(value) == band


def test_csi_numeric_with_a_missing_bin_hand_computed() -> None:
    expected = pd.DataFrame({"x": [1, 1, 2, 2, np.nan, np.nan]})
    actual = pd.DataFrame({"x": [1, 2, 2, 2, 2, np.nan]})
    (entry,) = csi(expected, actual, n_bins=2)  # edge 1.5: shares 1/3 each vs 1/6, 4/6, 1/6
    assert entry["csi"] == pytest.approx(2 / 3 * math.log(2))
    assert entry["band"] == "shift"
    assert [b["bin"] for b in entry["bins"]] == ["< 1.5", ">= 1.5", "missing"]


def test_csi_categorical_with_unseen_level_and_missing_hand_computed() -> None:
    eps = 1e-4
    expected = pd.DataFrame({"c": ["a", "a", "b", "b"]})
    actual = pd.DataFrame({"c": ["a", "b", "c", None]})
    (entry,) = csi(expected, actual, eps=eps)
    hand = 2 * (0.25 - 0.5) * math.log(0.5) + 2 * (0.25 - eps) * math.log(0.25 / eps)
    assert entry["kind"] == "categorical"
    assert entry["csi"] == pytest.approx(hand)
    assert [b["bin"] for b in entry["bins"]] == ["a", "b", "unseen level", "missing"]


def test_csi_sorts_by_value_and_names_missing_columns() -> None:
    rng = np.random.default_rng(0)
    e = pd.DataFrame({"same": rng.normal(size=400), "moved": rng.normal(size=400)})
    a = pd.DataFrame({"same": rng.normal(size=400), "moved": rng.normal(size=400) + 1.0})
    out = csi(e, a)
    assert [c["feature"] for c in out] == ["moved", "same"]
    assert out[0]["band"] == "shift" and out[1]["band"] == "stable"
    with pytest.raises(
        ValueError,
        match=re.escape("csi: feature column(s) not found: 'gone' (missing from actual)"),
    ):
        csi(e.assign(gone=1.0), a)


def test_psi_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match=re.escape("psi: n_bins must be an integer >= 2, got 1")):
        psi([1, 2], [1, 2], n_bins=1)
    with pytest.raises(ValueError, match=re.escape("psi: edges must increase strictly")):
        psi([1, 2], [1, 2], edges=[2, 1])
    with pytest.raises(ValueError, match="psi: actual contains 1 NaN or infinite value"):
        psi([1, 2], [1, np.nan])
