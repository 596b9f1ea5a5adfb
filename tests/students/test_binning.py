import itertools

import numpy as np
import pandas as pd
import pytest

from risk_models.students.binning import bin_categorical, bin_numeric, numeric_bins, round_edge


@pytest.mark.parametrize(
    ("low", "high", "edge"),
    [
        (45000.0, 50000.0, 50000.0),
        (45000.0, 47000.0, 46000.0),
        (0.0, 1.0, 1.0),
        (-1.0, 0.0, 0.0),
        (-2.0, -1.0, -1.0),
        (0.1, 0.2, 0.2),
        (1.0, 1.25, 1.1),
        (12345.67, 12400.1, 12400.0),
    ],
)
def test_round_edge_is_the_roundest_number_in_the_gap(low, high, edge) -> None:
    assert round_edge(low, high) == np.float32(edge)


def test_round_edge_separates_neighbouring_float32_values() -> None:
    rng = np.random.default_rng(0)
    values = np.unique(
        np.concatenate(
            [rng.normal(size=500), rng.lognormal(5, 3, 500), rng.integers(-5, 5, 50)]
        ).astype(np.float32)
    )
    adjacent = np.float32(1.0), np.nextafter(np.float32(1.0), np.float32(2.0))
    pairs = [*itertools.pairwise(values), adjacent]
    for lo, hi in pairs:
        e = np.float32(round_edge(float(lo), float(hi)))
        assert lo < e <= hi
    with pytest.raises(ValueError, match="round_edge needs low < high"):
        round_edge(1.0, 1.0)


def _numeric_data(n: int = 4000, missing: float = 0.1, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[rng.random(n) < missing] = np.nan
    target = np.where(np.isnan(x), 1.0, np.sin(np.nan_to_num(x) * 2) + np.nan_to_num(x))
    return x, target, np.ones(n)


def test_numeric_bins_respect_max_bins_min_rows_and_label_axis() -> None:
    x, target, w = _numeric_data()
    fb = bin_numeric("x", x, target, w, max_bins=5, min_rows=200)
    assert fb.n_bins <= 5
    assert fb.missing_own and fb.labels[-1] == "missing"
    assert fb.cell_bin[-1] == fb.n_bins - 1  # the missing cell is its own bin
    idx = fb.bin_index(x)
    counts = np.bincount(idx, minlength=fb.n_bins)
    assert counts.min() >= 200
    # bins are the table axis' cells: the same Axis.index routes rows
    np.testing.assert_array_equal(idx, np.asarray(fb.cell_bin)[fb.axis.index(x)])
    assert list(fb.labels) == fb.axis.labels()


def test_few_missing_share_the_closest_bin_and_no_missing_take_the_largest() -> None:
    x, target, w = _numeric_data(missing=0.01)
    fb = bin_numeric("x", x, target, w, max_bins=4, min_rows=200)
    assert not fb.missing_own and fb.n_bins == 4
    means = [target[(fb.bin_index(x) == k) & ~np.isnan(x)].mean() for k in range(fb.n_bins)]
    assert fb.cell_bin[-1] == int(np.argmin(np.abs(np.asarray(means) - 1.0)))
    x2, t2, w2 = _numeric_data(missing=0.0)
    fb2 = bin_numeric("x", x2, t2, w2, max_bins=4, min_rows=200)
    counts = np.bincount(fb2.bin_index(x2), minlength=fb2.n_bins)
    assert fb2.cell_bin[-1] == int(np.argmax(counts))
    assert fb2.bin_index(np.array([np.nan]))[0] == int(np.argmax(counts))


@pytest.mark.parametrize("direction", [1, -1])
def test_monotone_bins_have_monotone_target_means(direction) -> None:
    x, target, w = _numeric_data(missing=0.0)
    target = target + np.cos(3 * x)  # wiggly: an unconstrained tree is not monotone
    fb = bin_numeric("x", x, target * direction, w, max_bins=6, min_rows=100, direction=1)
    idx = fb.bin_index(x)
    means = np.array([target[idx == k].mean() * direction for k in range(fb.n_intervals())])
    assert np.all(np.diff(means) >= 0)


def test_numeric_bins_keep_missing_anchor_through_merges() -> None:
    fb = numeric_bins("x", [0.0, 1.0, 2.0], missing_own=False, missing_anchor=1.0)
    assert fb.cell_bin[-1] == 2
    merged = numeric_bins("x", [0.0, 2.0], missing_own=False, missing_anchor=fb.missing_anchor)
    assert merged.cell_bin[-1] == 1 and merged.labels == ("< 0", "[0, 2)", ">= 2")


def test_constant_column_is_one_bin() -> None:
    x = np.full(100, 3.0)
    fb = bin_numeric("x", x, np.arange(100.0), np.ones(100), max_bins=6, min_rows=5)
    assert fb.n_bins == 1 and fb.axis.edges == ()
    assert set(fb.bin_index(np.array([0.0, np.nan, 9.0])).tolist()) == {0}


def _categorical_data(n: int = 4000, seed: int = 0):
    rng = np.random.default_rng(seed)
    levels = np.array(["a", "b", "c", "d", "e", "f", "g", "rare1", "rare2"])
    probs = np.array([0.2, 0.2, 0.15, 0.15, 0.1, 0.1, 0.08, 0.01, 0.01])
    effect = dict(zip(levels, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 10.0, -10.0], strict=True))
    s = pd.Series(rng.choice(levels, n, p=probs / probs.sum()), dtype=object)
    s[rng.random(n) < 0.06] = np.nan
    target = s.map(effect).fillna(2.5).to_numpy(dtype=float) + rng.normal(0, 0.1, n)
    return pd.Series(pd.Categorical(s)), target, np.ones(n)


def test_categorical_groups_sort_by_mean_pool_rare_and_handle_missing_unknown() -> None:
    s, target, w = _categorical_data()
    fb = bin_categorical("c", s, target, w, max_bins=4, min_rows=200)
    assert fb.n_bins <= 4 and fb.missing_own and fb.labels[-1] == "missing"
    assert fb.axis.levels == ("a", "b", "c", "d", "e", "f", "g", "rare1", "rare2")
    group = dict(zip(fb.axis.levels, fb.cell_bin[: len(fb.axis.levels)], strict=True))
    # the two rare levels are pooled (their pooled mean is ~0) whatever their own means
    assert group["rare1"] == group["rare2"]
    # groups are runs of levels sorted by mean: a level's group never goes down as mean rises
    order = ["a", "b", "c", "d", "e", "f", "g"]
    assert all(group[u] <= group[v] for u, v in itertools.pairwise(order))
    # missing is its own bin; unknown goes to the most populated group
    idx = fb.bin_index(s)
    counts = np.bincount(idx[s.notna().to_numpy()], minlength=fb.n_bins)
    assert fb.cell_bin[fb.axis.missing_index] == fb.n_bins - 1
    assert fb.cell_bin[fb.axis.unknown_index] == int(np.argmax(counts))
    assert fb.bin_index(pd.Series(["never-seen"]))[0] == int(np.argmax(counts))
    # labels list the levels of each group
    assert all(fb.labels[g].split(", ").count(lv) == 1 for lv, g in group.items())


def test_categorical_without_missing_sends_missing_to_largest_group() -> None:
    s, target, w = _categorical_data()
    keep = s.notna().to_numpy()
    s2 = s[keep].reset_index(drop=True)
    fb = bin_categorical("c", s2, target[keep], w[keep], max_bins=3, min_rows=200)
    assert not fb.missing_own and fb.n_bins <= 3
    assert fb.cell_bin[fb.axis.missing_index] == fb.cell_bin[fb.axis.unknown_index]
