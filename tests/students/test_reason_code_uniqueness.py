"""Reason codes are unique within a model and stable for names that are not plain ASCII.

Case and punctuation folding used to give ``debt_to_income`` and ``Debt-To-Income`` one code,
and every name without an ASCII letter the code ``RC-FEATURE``.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

import risk_models.scoring.tablescore.codes as codes_module
from risk_models.scoring.tablescore.codes import (
    feature_code,
    feature_codes,
    reason_code,
    reason_codes_of,
)
from risk_models.scoring.tablescore.output import catalogue
from risk_models.students.reasons import reason_catalogue, reason_codes
from risk_models.students.shape_table import Axis, ShapeTable, Term


def _table(names: tuple[str, ...]) -> ShapeTable:
    terms = tuple(
        Term(n, (Axis(n, "numeric", edges=(0.5,)),), np.array([0.0, 1.0 + i, 0.5]))
        for i, n in enumerate(names)
    )
    return ShapeTable(-1.0, terms, names, {})


def test_folded_names_get_distinct_codes_within_a_model() -> None:
    names = ("debt_to_income", "Debt-To-Income", "DEBT TO INCOME", "utilisation")
    assert len({feature_code(n) for n in names[:3]}) == 1  # folding alone collides
    got = feature_codes(names)
    assert len(set(got)) == 4
    assert got[3] == "RC-UTILISATION"  # a feature without a clash keeps its plain code
    for code in got[:3]:
        assert code.startswith("RC-DEBT_TO_INCOME-") and len(code) == len("RC-DEBT_TO_INCOME-") + 6
    assert feature_codes(names) == got  # deterministic
    assert feature_codes(("debt_to_income", "utilisation"))[0] == "RC-DEBT_TO_INCOME"


def test_non_ascii_names_are_stable_and_distinct() -> None:
    assert feature_code("revenu_été") == "RC-REVENU_ETE-C2CD3F"  # pinned: notices map to it
    decomposed = unicodedata.normalize("NFD", "revenu_été")
    assert decomposed != "revenu_été" and feature_code(decomposed) == feature_code("revenu_été")
    income, spending = feature_code("收入"), feature_code("支出")
    assert income.startswith("RC-FEATURE-") and spending.startswith("RC-FEATURE-")
    assert income != spending
    assert feature_code("n_delinquencies (12m)") == "RC-N_DELINQUENCIES_12M"  # ASCII unchanged
    assert feature_code("utilisation") == "RC-UTILISATION"


def test_a_hash_collision_is_detected_and_disambiguated(monkeypatch) -> None:
    real = codes_module._hex
    monkeypatch.setattr(  # every short hash the same: a forced 24-bit collision
        codes_module, "_hex", lambda text, n: "ABCDEF" if n == 3 else real(text, n)
    )
    a, b = feature_codes(("收入", "支出"))
    assert a != b and a.startswith("RC-FEATURE-") and len(a) == len("RC-FEATURE-") + 12
    bins = reason_codes_of("util", ["< 0.5", ">= 0.5", "missing"])
    assert len(set(bins)) == 3 and all(c.startswith("RC-UTIL-") for c in bins)


def test_bins_printed_alike_get_distinct_codes() -> None:
    twin = reason_codes_of("x", ["< 1", "[1, 1)", "[1, 1)", ">= 1", "missing"])
    assert len(set(twin)) == 5
    assert twin[0] == reason_code("x", "< 1")  # unclashing bins keep their code


@pytest.mark.parametrize("names", [("a-b", "a_b", "A B"), ("收入", "支出", "x")])
def test_catalogue_reasons_and_batch_scoring_agree_on_unique_codes(names) -> None:
    table = _table(names)
    cat = reason_catalogue(table)
    assert cat["code"].is_unique
    assert cat.drop_duplicates("feature")["feature_code"].is_unique
    X = pd.DataFrame({n: [0.9, 0.1] for n in names})
    reasons = reason_codes(table, X, k=3).reasons
    assert len(reasons) == 3
    by_pair = dict(zip(zip(cat["feature"], cat["bin"], strict=True), cat["code"], strict=True))
    for row in reasons.itertuples():
        assert row.code == by_pair[(row.feature, row.bin)]
    fcode = dict(zip(cat["feature"], cat["feature_code"], strict=True))
    assert [fcode[f] for f in reasons["feature"]] == list(reasons["feature_code"])
    labels = {n: table.term(n).axes[0].labels() for n in names}
    flat = catalogue(names, labels)
    assert flat.feature_codes == [fcode[n] for n in names]
    assert flat.codes == list(cat["code"])
