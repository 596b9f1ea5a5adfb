"""Readable rule lists: the exported form of a shallow tree student.

A :class:`RuleSet` is an ordered list of :class:`Rule` objects, each a conjunction of
:class:`Condition` objects and an output log-odds; a row takes the output of the first rule it
matches, or ``default`` when it matches none (a tree's rules partition the rows, so its default
is never used). The JSON form is plain and readable, and scoring needs NumPy and pandas only.

Conventions (the same as :mod:`risk_models.students.shape_table`):

* numeric conditions compare in float32, as XGBoost does: ``x < t`` is
  ``float32(x) < float32(t)``;
* missing values are routed explicitly: every ``<``, ``>=``, ``in`` and ``not_in`` condition
  records in ``missing_goes`` whether a missing value satisfies it (printed as
  ``(or missing)``); ``is_missing`` and ``not_missing`` test for missing values only;
* a categorical level that is not in the rule set's ``categories`` for that feature (a level
  never seen in training) is routed like a missing value, so ``not_in`` never captures an
  unseen level by accident.

Scoring runs in :class:`risk_models.scoring.tablescore.rules.CompiledRules`, the NumPy code a
registered model ships with.
"""

from __future__ import annotations

import functools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk_models.atomic import atomic_write_text, read_json
from risk_models.errors import ModelFormatError
from risk_models.scoring.tablescore.rules import CompiledRules, describe_condition

FORMAT_NAME = "risk_models.rule_set"
FORMAT_VERSION = 1
NUMERIC_OPS = ("<", ">=")
LEVEL_OPS = ("in", "not_in")
MISSING_OPS = ("is_missing", "not_missing")
OPS = NUMERIC_OPS + LEVEL_OPS + MISSING_OPS


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True)
class Condition:
    """One test on one feature.

    ``op`` is ``"<"`` or ``">="`` (numeric, with ``threshold``), ``"in"`` or ``"not_in"``
    (categorical, with ``levels``), ``"is_missing"`` or ``"not_missing"``. ``missing_goes``
    says whether a missing value (or an unseen level) satisfies the condition; it is implied
    by the op for the two missing tests.
    """

    feature: str
    op: str
    threshold: float | None = None
    levels: tuple[str, ...] = ()
    missing_goes: bool = False

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ModelFormatError(
                f"condition on {self.feature!r}: unknown op {self.op!r}; use one of {list(OPS)}"
            )
        if self.op not in NUMERIC_OPS and self.threshold is not None:
            raise ModelFormatError(
                f"condition {self.feature!r} {self.op}: takes no threshold (levels go in levels=)"
            )
        if self.op not in LEVEL_OPS and len(self.levels):
            raise ModelFormatError(f"condition {self.feature!r} {self.op}: takes no levels")
        if self.op in NUMERIC_OPS:
            if self.threshold is None or not math.isfinite(self.threshold):
                raise ModelFormatError(
                    f"condition {self.feature!r} {self.op}: needs a finite threshold"
                )
            object.__setattr__(self, "threshold", float(self.threshold))
        else:
            object.__setattr__(self, "threshold", None)
        if isinstance(self.levels, str):
            raise ModelFormatError(f"condition {self.feature!r}: levels must be a list of levels")
        object.__setattr__(self, "levels", tuple(str(v) for v in self.levels))
        if self.op in MISSING_OPS:
            object.__setattr__(self, "missing_goes", self.op == "is_missing")
        else:
            object.__setattr__(self, "missing_goes", bool(self.missing_goes))

    def describe(self, *, with_feature: bool = True) -> str:
        """``"utilisation >= 0.8 (or missing)"``; without the feature: ``">= 0.8 (or missing)"``."""
        return describe_condition(self.to_dict(), with_feature=with_feature)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"feature": self.feature, "op": self.op}
        if self.op in NUMERIC_OPS:
            d["threshold"] = self.threshold
        if self.op in LEVEL_OPS:
            d["levels"] = list(self.levels)
        if self.op not in MISSING_OPS:
            d["missing_goes"] = self.missing_goes
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Condition:
        threshold = d.get("threshold")
        return cls(
            str(d["feature"]),
            str(d["op"]),
            None if threshold is None else float(threshold),
            tuple(d.get("levels", ())),
            bool(d.get("missing_goes", False)),
        )


@dataclass(frozen=True)
class Rule:
    """A conjunction of conditions and the log-odds it assigns.

    ``support`` is the share of (weighted) training rows the rule covers, when known.
    ``contributions`` is the rule's path decomposition: per feature, the change in log-odds
    its conditions account for; they sum to ``logit - RuleSet.intercept``.
    """

    conditions: tuple[Condition, ...]
    logit: float
    support: float | None = None
    contributions: tuple[tuple[str, float], ...] = ()

    @property
    def features(self) -> tuple[str, ...]:
        """Features tested by the rule, in order of first appearance."""
        return tuple(dict.fromkeys(c.feature for c in self.conditions))

    def condition_labels(self) -> dict[str, str]:
        """Feature -> what the rule requires of it, without the feature name."""
        out: dict[str, list[str]] = {}
        for c in self.conditions:
            out.setdefault(c.feature, []).append(c.describe(with_feature=False))
        return {f: " and ".join(parts) for f, parts in out.items()}

    def describe(self) -> str:
        cond = " AND ".join(c.describe() for c in self.conditions) or "TRUE"
        extra = f"PD {100 * _sigmoid(self.logit):.1f}%"
        if self.support is not None:
            extra += f", {100 * self.support:.1f}% of training rows"
        return f"IF {cond} THEN log-odds {self.logit:+.2f} ({extra})"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "conditions": [c.to_dict() for c in self.conditions],
            "logit": float(self.logit),
        }
        if self.support is not None:
            d["support"] = float(self.support)
        if self.contributions:
            d["contributions"] = [
                {"feature": f, "contribution": float(v)} for f, v in self.contributions
            ]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Rule:
        support = d.get("support")
        return cls(
            tuple(Condition.from_dict(c) for c in d["conditions"]),
            float(d["logit"]),
            None if support is None else float(support),
            tuple(
                (str(c["feature"]), float(c["contribution"])) for c in d.get("contributions", ())
            ),
        )


@dataclass(frozen=True)
class RuleSet:
    """Ordered rules over ``features``; a row scores the first rule it matches.

    ``intercept`` is the reference log-odds of the path decomposition (for a tree, the root:
    the training mean log-odds). ``categories`` lists the known levels of every categorical
    feature; features not in it are numeric.
    """

    rules: tuple[Rule, ...]
    intercept: float
    default: float
    features: tuple[str, ...]
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "categories", {f: tuple(str(v) for v in lv) for f, lv in self.categories.items()}
        )
        unknown = sorted(set(self.categories) - set(self.features))
        if unknown:
            raise ModelFormatError(f"categories given for {unknown}, which are not features")
        for i, rule in enumerate(self.rules):
            if rule.contributions:
                bad = sorted({f for f, _ in rule.contributions} - set(self.features))
                if bad:
                    raise ModelFormatError(f"rule {i}: contributions name unknown features {bad}")
                gap = sum(v for _, v in rule.contributions) - (rule.logit - self.intercept)
                if abs(gap) > 1e-9 * max(1.0, abs(rule.logit)):
                    raise ModelFormatError(
                        f"rule {i}: contributions sum to {gap:+.3g} away from logit - intercept"
                    )
            for c in rule.conditions:
                where = f"rule {i}, condition on {c.feature!r}"
                if c.feature not in self.features:
                    raise ModelFormatError(f"{where}: not one of the rule set's features")
                is_cat = c.feature in self.categories
                if c.op in NUMERIC_OPS and is_cat:
                    raise ModelFormatError(f"{where}: {c.op!r} needs a numeric feature")
                if c.op in LEVEL_OPS:
                    if not is_cat:
                        raise ModelFormatError(f"{where}: {c.op!r} needs a categorical feature")
                    extra = sorted(set(c.levels) - set(self.categories[c.feature]))
                    if extra:
                        raise ModelFormatError(f"{where}: levels {extra} are not known levels")

    @property
    def n_rules(self) -> int:
        return len(self.rules)

    @functools.cached_property
    def compiled(self) -> CompiledRules:
        """The NumPy scorer of this rule set (:mod:`risk_models.scoring.tablescore`)."""
        return CompiledRules(self.to_dict())

    def apply(self, X: pd.DataFrame) -> np.ndarray:
        """Index of the first rule each row matches (int64); ``-1`` where none matches."""
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise ValueError(f"input is missing feature column(s) {missing} that the rules need")
        return self.compiled.apply(X).astype(np.int64)

    def predict_logit(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class for every row."""
        idx = self.apply(X)
        logits = np.asarray([r.logit for r in self.rules] + [self.default], dtype=np.float64)
        return logits[idx]  # index -1 takes the default

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """``(n, 2)`` probabilities, column 1 = positive class."""
        p = 1.0 / (1.0 + np.exp(-self.predict_logit(X)))
        return np.column_stack([1.0 - p, p])

    def to_text(self) -> str:
        """One ``IF ... THEN ...`` line per rule, then the default."""
        lines = [r.describe() for r in self.rules]
        lines.append(f"ELSE log-odds {self.default:+.2f} (PD {100 * _sigmoid(self.default):.1f}%)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "link": "logit",
            "intercept": float(self.intercept),
            "default": float(self.default),
            "features": list(self.features),
            "categories": {f: list(v) for f, v in self.categories.items()},
            "rules": [r.to_dict() for r in self.rules],
            "metadata": self.metadata,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, source: str = "<dict>") -> RuleSet:
        if d.get("format") != FORMAT_NAME:
            raise ModelFormatError(f"{source}: not a rule set (format={d.get('format')!r})")
        if d.get("version") != FORMAT_VERSION:
            raise ModelFormatError(f"{source}: unsupported rule set version {d.get('version')}")
        try:
            return cls(
                tuple(Rule.from_dict(r) for r in d["rules"]),
                float(d["intercept"]),
                float(d["default"]),
                tuple(str(f) for f in d["features"]),
                {str(f): tuple(v) for f, v in d.get("categories", {}).items()},
                dict(d.get("metadata", {})),
            )
        except ModelFormatError as exc:
            raise ModelFormatError(f"{source}: {exc}") from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelFormatError(f"{source}: malformed rule set ({exc!r})") from exc

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the rule set as JSON, atomically (temp file, then rename)."""
        return atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RuleSet:
        return cls.from_dict(read_json(path, "rule set"), source=str(path))
