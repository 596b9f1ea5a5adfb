"""The batch output columns carry the same reasons as ``riskdistill reasons``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk_models.explain import load_explained, score_with_reasons
from risk_models.scoring.tablescore import compile_model, output_columns, score_chunk


def _text(col: pd.Series) -> list[str | None]:
    return [v if isinstance(v, str) else None for v in col.astype(object)]


@pytest.mark.parametrize("kind", ["gam", "ga2m", "scorecard", "tree"])
def test_score_columns_equal_score_with_reasons(kind, students, book) -> None:
    model = load_explained(students[kind])
    X = book.drop(columns=["app_id"])
    out = score_chunk(compile_model(model.to_dict()), X, k=4).table.to_pandas()
    ref = score_with_reasons(model, X, k=4)
    assert list(out.columns) == output_columns(4)
    np.testing.assert_array_equal(out["logit"].to_numpy(), model.predict_logit(X))
    np.testing.assert_allclose(out["logit"], ref["logit"], rtol=0, atol=1e-12)
    for i in range(1, 5):
        for f in ("", "_feature_code", "_feature", "_bin"):
            assert _text(out[f"reason_{i}{f}"]) == _text(ref[f"reason_{i}{f}"]), (i, f)
        np.testing.assert_array_equal(
            out[f"reason_{i}_points"].to_numpy(dtype=float),
            ref[f"reason_{i}_points"].to_numpy(dtype=float),
        )
        got, want = _text(out[f"reason_{i}_value"]), _text(ref[f"reason_{i}_value"])
        for a, b in zip(got, want, strict=True):  # same value; numbers in Arrow's shortest form
            assert a == b or (a is not None and b is not None and float(a) == float(b)), (a, b)
    if kind == "scorecard":
        meta = model.metadata
        cells = sum(np.asarray(meta["points"][t.name])[t.axes[0].index(X[t.axes[0].feature])]
                    for t in model.terms)  # fmt: skip
        np.testing.assert_array_equal(out["points"], meta["points_base"] + cells)
    else:
        assert out["points"].isna().all()
