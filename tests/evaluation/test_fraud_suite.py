"""The evaluation's fraud section: hand-computed figures, retention, costs, gate names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk_models.evaluation.fraud_suite import (
    FraudInputs,
    amount_column_problems,
    fraud_gate_figures,
    fraud_section,
)
from risk_models.evaluation.gate_policy import (
    FRAUD_COST_METRICS,
    GATE_METRICS,
    fraud_gate_metrics,
    fraud_section_hint,
    known_gate_metrics,
)

# Ten test rows, two frauds (rows 0 and 3). Teacher ranks both frauds top; the student ranks
# fraud 0 first and fraud 3 fifth.
Y = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 0])
TEACHER = np.array([5.0, 3.0, 2.0, 4.0, 1.0, 0.0, -1.0, -2.0, -3.0, -4.0])
STUDENT = np.array([5.0, 4.0, 3.0, 1.0, 2.0, 0.5, 0.0, -1.0, -2.0, -3.0])
AMOUNT = np.array([100.0, 1, 1, 300.0, 1, 1, 1, 1, 1, np.nan])


def test_figures_per_alert_rate_match_hand_counts() -> None:
    inputs = FraudInputs(alert_rates=(0.1, 0.5), amount_column="amount", amount_test=AMOUNT)
    out = fraud_section(Y, TEACHER, {"gam": STUDENT}, inputs)
    assert list(out["models"]) == ["teacher", "gam"]
    assert out["settings"]["rate_labels"] == ["10pct", "50pct"]
    assert out["n_frauds"] == {"test": 2}
    t, s = out["models"]["teacher"], out["models"]["gam"]
    # Top 10 % = 1 row: both catch fraud 0 (amount 100 of 400).
    assert (t["recall_at_10pct"], s["recall_at_10pct"]) == (0.5, 0.5)
    assert (t["precision_at_10pct"], s["value_recall_at_10pct"]) == (1.0, 0.25)
    # Top 50 % = 5 rows: the teacher has both frauds; the student has both too (row 3 is 5th).
    assert (t["recall_at_50pct"], s["recall_at_50pct"]) == (1.0, 1.0)
    assert t["precision_at_50pct"] == pytest.approx(0.4)
    assert t["auprc"] == pytest.approx(1.0)
    assert s["auprc"] == pytest.approx((1.0 + 2 / 5) / 2)  # precision at each fraud, averaged
    kept = out["retention"]["gam"]
    assert kept["auprc_retention"] == pytest.approx(0.7)
    assert kept["recall_retention_at_10pct"] == 1.0 and kept["recall_retention_at_50pct"] == 1.0


def test_cost_cut_off_is_chosen_on_validation_rows_and_costed_on_test() -> None:
    y_valid = np.array([1, 0, 0, 0, 1, 0])
    z_valid = np.array([3.0, 2.0, 1.0, 0.0, -1.0, -2.0])
    inputs = FraudInputs(
        alert_rates=(0.1,),
        cost_missed=10.0,
        cost_alert=1.0,
        y_valid=y_valid,
        teacher_valid_logit=z_valid,
        student_valid_logits={"gam": z_valid},
    )
    out = fraud_section(Y, TEACHER, {"gam": STUDENT}, inputs)
    # On valid: alerting the top 5 rows catches both frauds for 5 alerts (cost 5) against 20
    # with no alerts, the cheapest; threshold = sigmoid(-1).
    t = out["models"]["teacher"]
    assert t["cost_threshold"] == pytest.approx(1 / (1 + np.exp(1.0)))
    # On test the teacher's logit >= -1 holds for 7 rows with both frauds: cost 7 of 20.
    assert t["cost_alert_rate"] == pytest.approx(0.7) and t["cost_recall"] == 1.0
    assert t["cost_total"] == pytest.approx(7.0) and t["cost_saving"] == pytest.approx(0.65)
    gam = fraud_gate_figures(out, "gam")
    assert gam["cost_saving_gap"] == pytest.approx(t["cost_saving"] - gam["cost_saving"])
    assert out["n_frauds"] == {"test": 2, "valid": 2}
    with pytest.raises(ValueError, match="validation log-odds; missing for \\['gam'\\]"):
        fraud_section(
            Y,
            TEACHER,
            {"gam": STUDENT},
            FraudInputs(**{**inputs.__dict__, "student_valid_logits": {}}),
        )


@pytest.mark.parametrize(("amount", "costs"), [(False, False), (True, False), (True, True)])
def test_gate_figures_carry_exactly_the_declared_gate_names(amount: bool, costs: bool) -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.1).astype(int)
    z = {name: rng.normal(size=400) + 2 * y for name in ("teacher", "gam", "tree")}
    inputs = FraudInputs(
        alert_rates=(0.005, 0.01, 0.2),
        amount_column="amount" if amount else None,
        amount_test=rng.random(400) * 100 if amount else None,
        amount_valid=rng.random(400) * 100 if amount else None,
        cost_missed=1.0 if costs else None,
        cost_alert=0.5 if costs else None,
        y_valid=y if costs else None,
        teacher_valid_logit=z["teacher"] if costs else None,
        student_valid_logits={k: z[k] for k in ("gam", "tree")} if costs else {},
    )
    out = fraud_section(y, z["teacher"], {k: z[k] for k in ("gam", "tree")}, inputs)
    names = fraud_gate_metrics((0.005, 0.01, 0.2), amount=amount, costs=costs)
    for student in ("gam", "tree"):
        assert set(fraud_gate_figures(out, student)) == set(names)
    assert "recall_retention_at_0_5pct" in names and "recall_at_20pct" in names
    assert (
        set(FRAUD_COST_METRICS) <= set(names) if costs else not set(FRAUD_COST_METRICS) & set(names)
    )
    assert not set(names) & set(GATE_METRICS)  # auprc stays an outcome metric
    assert known_gate_metrics(names) == GATE_METRICS + names


def test_fraud_looking_gate_names_get_a_hint() -> None:
    assert "fraud:" in fraud_section_hint(["auprc_retention", "aucc"])
    assert fraud_section_hint(["aucc"]) == ""


def test_amount_column_must_be_a_numeric_non_negative_feature() -> None:
    X = pd.DataFrame({"amount": [1.0, 2.0], "channel": pd.Categorical(["a", "b"])})
    assert amount_column_problems("amount", X) == []
    assert "is not a feature of f.csv" in amount_column_problems("amt", X, "f.csv")[0]
    assert "is categorical" in amount_column_problems("channel", X)[0]
    X.loc[0, "amount"] = -3.0
    assert amount_column_problems("amount", X) == [
        "fraud.amount_column 'amount': 1 rows hold a negative amount"
    ]
