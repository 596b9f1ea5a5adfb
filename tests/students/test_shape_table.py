import json
import re

import numpy as np
import pandas as pd
import pytest

from risk_models.errors import ModelFormatError
from risk_models.students.shape_table import Axis, ShapeTable, Term, shape_frame


def _table() -> ShapeTable:
    age = Axis("age", "numeric", edges=(25.0, 40.0))
    region = Axis("region", "categorical", levels=("north", "south"))
    return ShapeTable(
        intercept=-1.0,
        terms=(
            Term("age", (age,), np.array([0.5, 0.0, -0.5, 0.25])),
            Term("region", (region,), np.array([0.1, -0.1, 0.3, 0.0])),
            Term("age x region", (age, region), np.arange(16, dtype=float).reshape(4, 4) / 100),
        ),
        features=("age", "region"),
    )


def test_binning_follows_xgboost_rule_left_closed_bins() -> None:
    axis = Axis("age", "numeric", edges=(25.0, 40.0))
    idx = axis.index(pd.Series([10, 24.999, 25, 39, 40, 99, np.nan]))
    # x < 25 -> 0; 25 <= x < 40 -> 1; x >= 40 -> 2; NaN -> missing bin 3
    assert idx.tolist() == [0, 0, 1, 1, 2, 2, 3]


def test_categorical_axis_maps_missing_and_unknown_levels() -> None:
    axis = Axis("region", "categorical", levels=("1", "north"))
    idx = axis.index(pd.Series([1.0, "north", None, "west", 1]))
    assert idx.tolist() == [0, 1, 2, 3, 0]


def test_scores_are_intercept_plus_looked_up_contributions() -> None:
    table = _table()
    X = pd.DataFrame({"age": [30.0, np.nan], "region": ["south", "mars"]})
    # row 0: age bin 1 (0.0), region south (-0.1), pair [1, 1] = 0.05
    # row 1: age missing (0.25), region unknown (0.0), pair [3, 3] = 0.15
    np.testing.assert_allclose(table.predict_logit(X), [-1.05, -0.6])
    contrib = table.term_contributions(X)
    assert contrib.shape == (2, 3)
    p = table.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_json_round_trip_is_exact(tmp_path) -> None:
    table = _table()
    path = table.save(tmp_path / "t.json")
    back = ShapeTable.load(path)
    X = pd.DataFrame({"age": [20.0, 30.0, 50.0, np.nan], "region": ["north", None, "x", "south"]})
    np.testing.assert_array_equal(back.predict_logit(X), table.predict_logit(X))
    assert json.loads(path.read_text())["format"] == "risk_models.shape_table"
    assert table.n_cells() == 1 + 4 + 4 + 16


def test_missing_feature_column_is_named() -> None:
    with pytest.raises(
        ValueError, match=re.escape("input is missing feature column(s) ['region']")
    ):
        _table().predict_logit(pd.DataFrame({"age": [1.0]}))


def test_malformed_files_raise_model_format_error(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        ShapeTable.load(bad)
    bad.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ModelFormatError, match=re.escape("not a shape table (format='other')")):
        ShapeTable.load(bad)
    d = _table().to_dict()
    d["terms"][0]["values"] = [1.0, 2.0]
    with pytest.raises(
        ModelFormatError, match=re.escape("values shape (2,) does not match axes (4,)")
    ):
        ShapeTable.from_dict(d)
    with pytest.raises(ModelFormatError, match="shape table file not found"):
        ShapeTable.load(tmp_path / "nope.json")


def test_shape_frame_labels_every_bin() -> None:
    frame = shape_frame(_table().term("age"))
    assert frame["bin"].tolist() == ["< 25", "[25, 40)", ">= 40", "missing"]


def _reference_index(axis: Axis, values: pd.Series) -> np.ndarray:
    """The per-axis index as written before the vectorised scorer (kept as the reference)."""
    from risk_models.students.shape_table import to_level_strings

    if axis.kind == "numeric":
        x = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64)
        with np.errstate(over="ignore"):
            idx = np.searchsorted(
                np.asarray(axis.edges, dtype=np.float32), x.astype(np.float32), side="right"
            ).astype(np.int64)
        idx[np.isnan(x)] = axis.missing_index
        return idx
    s = to_level_strings(pd.Series(values))
    codes = pd.Index(list(axis.levels), dtype=object).get_indexer(s).astype(np.int64)
    missing = s.isna().to_numpy()
    codes[(codes < 0) & ~missing] = axis.unknown_index
    codes[missing] = axis.missing_index
    return codes


def test_vectorised_scores_equal_the_reference_on_the_synthetic_book() -> None:
    from risk_models.data import make_credit_book
    from risk_models.students.gam import GAMStudent

    syn = make_credit_book(n_rows=3000, seed=2)
    X = syn.frame[list(syn.spec.features)].copy()
    X.loc[X.index[::13], "region"] = None
    X.loc[X.index[::17], "region"] = "never seen"
    X.loc[X.index[::7], "income"] = np.nan
    table = (
        GAMStudent(n_estimators=60, learning_rate=0.3, device="cpu")
        .fit(X, syn.frame[syn.spec.target])
        .export()
    )
    contrib = []
    for t in table.terms:
        idx = tuple(_reference_index(a, X[a.feature]) for a in t.axes)
        np.testing.assert_array_equal(t.axes[0].index(X[t.axes[0].feature]), idx[0])
        contrib.append(t.values[idx])
    reference = table.intercept + np.column_stack(contrib).sum(axis=1)
    np.testing.assert_array_equal(table.predict_logit(X), reference)  # bit for bit
    np.testing.assert_array_equal(table.term_contributions(X), np.column_stack(contrib))


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["b", None, "a", np.nan, "b"], index=[5, 3, 9, 1, 0]),
        pd.Series(["x", pd.NA, "y"], dtype="string"),
        pd.Series([None, None], dtype=object),
        pd.Series(["u", "v", None], dtype="category"),
    ],
)
def test_level_strings_of_string_columns_equal_the_per_value_rule(values: pd.Series) -> None:
    # String columns take a fast path; it must give what the per-value conversion gives.
    from risk_models.students.shape_table import to_level_strings

    def one(v: object) -> object:
        return np.nan if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v

    got = to_level_strings(values)
    assert got.dtype == object
    assert got.index.equals(values.index)
    want = [one(v) for v in values.astype(object)]
    assert [("NaN" if isinstance(g, float) else g) for g in got] == [
        ("NaN" if isinstance(w, float) else w) for w in want
    ]
