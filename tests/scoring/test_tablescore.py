"""The NumPy kernel gives today's numbers: bins, sums, levels, rules, top-k ties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from risk_models.scoring.tablescore import level_column, numeric_column, pairwise_sum
from risk_models.scoring.tablescore.attribution import top_k
from risk_models.scoring.tablescore.table import MAX_COMPARE_EDGES, AxisKernel
from risk_models.students.shape_table import Axis, ShapeTable, Term, to_level_strings


@pytest.mark.parametrize("m", [1, 3, 7, 8, 9, 16, 23, 43, 128, 129, 300])
def test_pairwise_sum_is_numpy_row_sum_bit_for_bit(m: int) -> None:
    rng = np.random.default_rng(m)
    C = rng.normal(size=(500, m)) * 10.0 ** rng.uniform(-6, 4, size=(500, m))
    got = pairwise_sum([C[:, j].copy() for j in range(m)])
    np.testing.assert_array_equal(got, C.sum(axis=1))


@pytest.mark.parametrize("n_edges", [0, 1, 5, MAX_COMPARE_EDGES, MAX_COMPARE_EDGES + 1, 200])
def test_numeric_bins_are_float32_searchsorted(n_edges: int) -> None:
    rng = np.random.default_rng(n_edges)
    edges = tuple(np.unique(rng.normal(size=n_edges) * 1e3).tolist())
    x = np.concatenate(
        [rng.normal(size=5000) * 1e3, np.asarray(edges), np.nextafter(np.asarray(edges), -np.inf),
         [np.nan, np.inf, -np.inf, 3.4e39, -3.4e39, 0.0, -0.0]]
    )  # fmt: skip
    axis = AxisKernel("x", "numeric", edges)
    with np.errstate(over="ignore"):
        x32 = x.astype(np.float32)
    want = np.searchsorted(np.asarray(edges, dtype=np.float32), x32, side="right")
    want[np.isnan(x)] = len(edges) + 1
    np.testing.assert_array_equal(axis.bin_numeric(numeric_column(x).x32_block(0, len(x))), want)


def test_integer_columns_convert_as_through_float64() -> None:
    big = np.array([2**53 + 1, 2**60 + 12345, -(2**62), 7], dtype=np.int64)
    col = numeric_column(pd.Series(big))
    np.testing.assert_array_equal(col.x32_block(0, 4), big.astype(np.float64).astype(np.float32))
    small = numeric_column(pd.Series([1, 2, 3], dtype="int64"))
    assert small.raw.dtype == np.int64 and small.infinite is None


def test_text_in_a_numeric_column_is_flagged_not_fatal() -> None:
    col = numeric_column(pd.Series(["1.5", "abc", None, " 2 ", "inf"], dtype=object))
    assert np.isnan(col.x64[[1, 2]]).all() and col.x64[0] == 1.5
    assert col.wrong_type.tolist() == [False, True, False, False, False]
    assert col.infinite.tolist() == [False, False, False, False, True]
    arrow = numeric_column(pa.array(["1.5", " 2 ", None]))
    assert arrow.wrong_type is None and arrow.x64[1] == 2.0


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["a", None, "b", "a"], dtype=object),
        pd.Series(["a", None, "b"], dtype="str"),
        pd.Series(pd.Categorical([1.0, None, 2.0, 1.0])),
        pd.Series([1.0, np.nan, 2.5, 1.0]),
        pd.Series([1, "1", 1.0, True, None], dtype=object),
        pd.Series([True, False, True]),
    ],
)
def test_level_codes_match_to_level_strings(values: pd.Series) -> None:
    col = level_column(values)
    got = [col.uniques[c] if c >= 0 else None for c in col.codes]
    want = [v if isinstance(v, str) else None for v in to_level_strings(values)]
    assert got == want


def test_arrow_text_levels_are_read_without_pandas() -> None:
    col = level_column(pa.array(["x", None, "y", "x"]))
    assert [col.uniques[c] if c >= 0 else None for c in col.codes] == ["x", None, "y", "x"]


def test_table_scores_equal_the_matrix_reference_on_many_terms() -> None:
    rng = np.random.default_rng(3)
    axes = [Axis(f"f{i}", "numeric", edges=tuple(np.sort(rng.normal(size=6)).tolist()))
            for i in range(140)]  # fmt: skip
    terms = tuple(Term(a.feature, (a,), rng.normal(size=a.size)) for a in axes)
    table = ShapeTable(0.3, terms, tuple(a.feature for a in axes))
    X = pd.DataFrame(rng.normal(size=(700, 140)), columns=table.features)
    X.iloc[::9, 5] = np.nan
    ref = table.intercept + np.column_stack([t.contributions(X) for t in terms]).sum(axis=1)
    np.testing.assert_array_equal(table.predict_logit(X), ref)


def test_top_k_breaks_ties_by_feature_order_like_argmax() -> None:
    pts = np.array([[1.0, 0.0, 2.0], [3.0, 0.0, 2.0], [3.0, 0.0, 1.0], [0.5, 0.0, 2.0]])
    order, top = top_k(pts, 3)
    # column 0: 3 (f1) ties 3 (f2) -> f1 first; column 1: all zero -> feature 0 first
    assert order[:, 0].tolist() == [1, 2, 0] and top[:, 0].tolist() == [3.0, 3.0, 1.0]
    assert order[:, 1].tolist() == [0, 1, 2]
    assert order[:, 2].tolist() == [0, 1, 3]
