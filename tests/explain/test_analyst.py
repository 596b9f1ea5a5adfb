"""Analyst reasons: sentences over score_with_reasons output, for the alerts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from risk_models.explain import score_with_reasons
from risk_models.explain.analyst import Wording, analyst_reasons
from risk_models.students.shape_table import Axis, ShapeTable, Term


def _table() -> ShapeTable:
    ratio = Term(
        "amount_vs_avg",
        (Axis("amount_vs_avg", "numeric", edges=(2.0, 5.0)),),
        np.array([0.0, 1.0, 3.0, 0.5]),  # < 2, [2, 5), >= 5, missing
    )
    device = Term(
        "is_new_device",
        (Axis("is_new_device", "numeric", edges=(0.5,)),),
        np.array([0.0, 2.0, 0.0]),
    )
    channel = Term(
        "channel",
        (Axis("channel", "categorical", levels=("chip", "online", "swipe")),),
        np.array([0.0, 1.5, 2.5, 0.0, 0.0]),  # chip, online, swipe, missing, unknown
    )
    features = ("amount_vs_avg", "is_new_device", "channel")
    return ShapeTable(-6.0, (ratio, device, channel), features, {})


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "txn": ["T1", "T2", "T3", "T4"],
            "amount_vs_avg": [6.2, 1.0, 3.0, 0.8],
            "is_new_device": [1, 0, 0, 0],
            "channel": ["online", "chip", "swipe", "chip"],
        }
    )


def _reference() -> pd.DataFrame:
    n = 1_000
    return pd.DataFrame(
        {
            "amount_vs_avg": np.linspace(0.1, 9.9, n),  # 6.2 is above 62.2 % of them
            "is_new_device": (np.arange(n) < 20).astype(int),  # 2 % new devices
            "channel": np.where(np.arange(n) < 30, "swipe", "chip"),  # 3 % swipe
        }
    )


def test_sentences_for_the_alerts() -> None:
    scored = score_with_reasons(_table(), _frame(), k=3, id_column="txn")
    out = analyst_reasons(scored, k=3, alert_rate=0.5, reference=_reference())
    assert list(out.columns) == [
        "txn",
        "probability",
        "reason_1_text",
        "reason_2_text",
        "reason_3_text",
        "summary",
    ]
    # Two alerts (50 % of 4 rows), riskiest first: T1 (3 + 2 + 1.5), then T3 (1 + 2.5).
    assert out["txn"].tolist() == ["T1", "T3"]
    t1 = out.iloc[0]
    assert t1["reason_1_text"] == "6.2x the customer's average amount"
    assert t1["reason_2_text"] == "first payment from this device for the customer"
    assert t1["reason_3_text"] == "channel = online (0.0% of payments)"
    t3 = out.iloc[1]
    assert t3["reason_1_text"] == "channel = swipe (3.0% of payments)"
    assert t3["reason_2_text"] == "3.0x the customer's average amount"
    assert t3["reason_3_text"] is None
    assert t3["summary"] == "channel = swipe (3.0% of payments); 3.0x the customer's average amount"


def test_population_shares_and_custom_wording() -> None:
    scored = score_with_reasons(_table(), _frame(), k=2, id_column="txn")
    wording = {"amount_vs_avg": Wording("amount ratio {v:.2f}")}
    out = analyst_reasons(scored, k=1, reference=_reference(), wording=wording, population="txns")
    assert len(out) == 4 and out["txn"].tolist() == ["T1", "T2", "T3", "T4"]
    # 6.2 is above (6.2 - 0.1) / 9.8 * 999 + 1 = 622 of the 1,000 reference values;
    # 9.9 equals the largest, above the other 999.
    assert out.loc[0, "reason_1_text"] == "amount ratio 6.20 (higher than 62.2% of txns)"
    assert out.loc[1, "reason_1_text"] is None  # nothing pushed T2 towards fraud
    far = score_with_reasons(_table(), _frame().assign(amount_vs_avg=[12.0, 1, 1, 1]), k=1)
    extreme = analyst_reasons(far, k=1, reference=_reference(), wording=wording)
    assert (
        extreme.loc[0, "reason_1_text"] == "amount ratio 12.00 (above every one of 1,000 payments)"
    )
    near = score_with_reasons(_table(), _frame().assign(amount_vs_avg=[9.9, 1, 1, 1]), k=1)
    top = analyst_reasons(near, k=1, reference=_reference(), wording=wording)
    assert top.loc[0, "reason_1_text"] == "amount ratio 9.90 (higher than 99.90% of payments)"
    plain = analyst_reasons(scored, k=1, wording={})
    assert plain.loc[0, "reason_1_text"] == "amount_vs_avg = 6.2"


def test_refuses_a_table_that_is_not_a_reason_table() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape("analyst_reasons: the reason table has no ['reason_1_feature'] column(s)"),
    ):
        analyst_reasons(pd.DataFrame({"row": [0], "probability": [0.1]}))
    scored = score_with_reasons(_table(), _frame(), k=1)
    with pytest.raises(ValueError, match=r"alert_rate must be in \(0, 1\], got 0"):
        analyst_reasons(scored, alert_rate=0)
