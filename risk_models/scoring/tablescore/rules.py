"""A rule set compiled for scoring: first matching rule per row, and its path decomposition.

The semantics are those of :class:`risk_models.students.rules.RuleSet` (which scores through
this module): numeric conditions compare in float32; every condition routes missing values
explicitly (``missing_goes``); a level outside the rule set's known categories is routed like a
missing value. Nothing here imports ``risk_models``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .columns import LevelColumn, NumericColumn, get_column, level_column, numeric_column
from .dates import date_inputs, input_kinds, read_dates
from .markers import missing_markers

NOT_ON_PATH = "(not tested on this row's path)"


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _fmt_level(level: str) -> str:
    if level != level.strip() or any(ch in level for ch in ",{}\"'") or not level:
        return json.dumps(level)
    return level


def describe_condition(c: dict[str, Any], *, with_feature: bool = True) -> str:
    """``"utilisation >= 0.8 (or missing)"``; without the feature: ``">= 0.8 (or missing)"``."""
    op = c["op"]
    if op == "is_missing":
        body = "is missing"
    elif op == "not_missing":
        body = "is not missing"
    elif op in ("<", ">="):
        body = f"{op} {_fmt(float(c['threshold']))}"
    else:
        word = "in" if op == "in" else "not in"
        body = f"{word} {{{', '.join(_fmt_level(v) for v in c['levels'])}}}"
    if c.get("missing_goes") and op not in ("is_missing", "not_missing"):
        body += " (or missing)" if op in ("<", ">=") else " (or missing/unseen)"
    return f"{c['feature']} {body}" if with_feature else body


@dataclass(frozen=True, eq=False)
class RuleColumn:
    """One feature parsed once for every condition on it."""

    x32: np.ndarray | None  # numeric: float32 values
    codes: np.ndarray | None  # categorical: index into the known levels, -1 = missing/unknown
    missing: np.ndarray  # NaN, or (categorical) missing or unseen level
    unseen: np.ndarray | None = None  # categorical: a level outside the known categories


class CompiledRules:
    """An ordered rule list ready to score (the JSON form of a ``RuleSet``)."""

    kind = "rule_set"

    def __init__(self, d: dict[str, Any]) -> None:
        self.intercept = float(d["intercept"])
        self.default = float(d["default"])
        self.features = tuple(str(f) for f in d["features"])
        self.categories = {
            str(f): tuple(str(v) for v in lv) for f, lv in d.get("categories", {}).items()
        }
        self.metadata = dict(d.get("metadata", {}))
        self.rules = [dict(r) for r in d["rules"]]
        for r in self.rules:
            r["conditions"] = [
                {**c, "missing_goes": c["op"] == "is_missing"}
                if c["op"] in ("is_missing", "not_missing")
                else {"missing_goes": False, **c}
                for c in r["conditions"]
            ]
        self.kinds = {
            f: "categorical" if f in self.categories else "numeric" for f in self.features
        }
        self.known_levels = {f: frozenset(lv) for f, lv in self.categories.items()}
        self.missing_markers = missing_markers(self.metadata)
        self.date_inputs = date_inputs(self.metadata)
        self.input_kinds = input_kinds(self.kinds, self.date_inputs)
        self.logits = np.asarray(
            [float(r["logit"]) for r in self.rules] + [self.default], dtype=np.float64
        )
        self._level_index = {
            f: pd.Index(list(lv), dtype=object) for f, lv in self.categories.items()
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CompiledRules:
        return cls(d)

    @property
    def n_rules(self) -> int:
        return len(self.rules)

    def tested_features(self) -> list[str]:
        return list(dict.fromkeys(c["feature"] for r in self.rules for c in r["conditions"]))

    def read_columns(self, data: Any) -> dict[str, NumericColumn | LevelColumn]:
        """Every feature a condition tests, as a numeric or level column (a feature derived
        from a date column in ``data`` is derived from it, see :mod:`.dates`)."""
        tested = self.tested_features()
        marks = self.missing_markers
        numeric = [f for f in tested if f not in self.categories]
        dates = read_dates(self.date_inputs, data, numeric, marks)
        return {
            f: dates[f]
            if f in dates
            else level_column(get_column(data, f), marks)
            if f in self.categories
            else numeric_column(get_column(data, f), marks)
            for f in tested
        }

    def rule_columns(self, cols: dict[str, NumericColumn | LevelColumn]) -> dict[str, RuleColumn]:
        out: dict[str, RuleColumn] = {}
        for f, col in cols.items():
            if isinstance(col, LevelColumn):
                lut = np.full(len(col.uniques) + 1, -1, dtype=np.intp)
                if col.uniques:
                    lut[:-1] = self._level_index[f].get_indexer(pd.Index(col.uniques, dtype=object))
                codes = lut[col.codes]
                unseen = (codes < 0) & (col.codes >= 0)
                out[f] = RuleColumn(None, codes, codes < 0, unseen)
            else:
                out[f] = RuleColumn(col.x32, None, np.isnan(col.x64))
        return out

    def apply(
        self, data: Any, cols: dict[str, NumericColumn | LevelColumn] | None = None
    ) -> np.ndarray:
        """Index of the first rule each row matches (intp); ``-1`` where none matches."""
        rc = self.rule_columns(self.read_columns(data) if cols is None else cols)
        n = _rows(rc, data)
        out = np.full(n, -1, dtype=np.intp)
        for i, rule in enumerate(self.rules):
            open_rows = out < 0
            if not open_rows.any():
                break
            mask = open_rows.copy()
            for c in rule["conditions"]:
                mask &= self._evaluate(c, rc[c["feature"]])
            out[mask] = i
        return out

    def _evaluate(self, c: dict[str, Any], col: RuleColumn) -> np.ndarray:
        op = c["op"]
        if op == "is_missing":
            return col.missing.copy()
        if op == "not_missing":
            return ~col.missing
        if op in ("<", ">="):
            t = np.float32(c["threshold"])
            assert col.x32 is not None
            with np.errstate(invalid="ignore"):
                out = col.x32 < t if op == "<" else col.x32 >= t
        else:
            assert col.codes is not None
            codes = self._level_index[c["feature"]].get_indexer([str(v) for v in c["levels"]])
            inside = np.isin(col.codes, codes)
            out = inside if op == "in" else ~inside
        out = np.asarray(out, dtype=bool)
        out[col.missing] = bool(c["missing_goes"])
        return out

    def logit(self, rule_idx: np.ndarray) -> np.ndarray:
        """Log-odds of each row's rule (``-1``: the default)."""
        return self.logits[rule_idx]

    # ------------------------------------------------------------------ reasons
    def contributions(self) -> np.ndarray:
        """``(n_rules, n_features)`` path decomposition; rules without one split evenly."""
        col = {f: j for j, f in enumerate(self.features)}
        out = np.zeros((self.n_rules, len(self.features)))
        for i, rule in enumerate(self.rules):
            total = float(rule["logit"]) - self.intercept
            contrib = rule.get("contributions") or []
            feats = list(dict.fromkeys(c["feature"] for c in rule["conditions"]))
            if contrib:
                for c in contrib:
                    out[i, col[c["feature"]]] += float(c["contribution"])
            elif feats:
                for f in feats:
                    out[i, col[f]] += total / len(feats)
            elif total != 0:
                raise ValueError(
                    f"rule {i} has no conditions but log-odds {rule['logit']} differ from the "
                    f"intercept {self.intercept}; its points cannot be attributed to a feature"
                )
        return out

    def best_rule(self) -> int:
        """The lowest-risk rule with training support (any rule if none records support)."""
        supported = [
            i for i, r in enumerate(self.rules) if r.get("support") is None or r["support"] > 0
        ] or list(range(self.n_rules))
        return min(supported, key=lambda i: self.logits[i])

    def condition_labels(self) -> list[dict[str, str]]:
        """Per rule: feature -> what the rule requires of it."""
        out = []
        for rule in self.rules:
            parts: dict[str, list[str]] = {}
            for c in rule["conditions"]:
                parts.setdefault(c["feature"], []).append(describe_condition(c, with_feature=False))
            out.append({f: " and ".join(p) for f, p in parts.items()})
        return out

    def feature_bins(self, feature: str) -> tuple[list[str], np.ndarray]:
        """Distinct labels of ``feature`` over the rules, and each rule's position in them."""
        per_rule = [lab.get(feature, NOT_ON_PATH) for lab in self.condition_labels()]
        uniq = list(dict.fromkeys(per_rule))
        return uniq, np.asarray([uniq.index(v) for v in per_rule], dtype=np.intp)


def _rows(rc: dict[str, RuleColumn], data: Any) -> int:
    for c in rc.values():
        return len(c.missing)
    from .columns import n_rows

    return n_rows(data)
