"""Config checks that report several problems at once, each under its own YAML path.

Used by :mod:`risk_models.config`: a validator raises :func:`problems_error`, and the config
error formatting expands it into one line per problem. Also what a data section says about
its columns before any data is read (:class:`ColumnFacts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

from risk_models.params import ParamSpec, check_params

#: Error type whose context carries several problems, each with its path below the location.
PROBLEMS = "problems"


def problems_error(problems: list[tuple[str, str]]) -> PydanticCustomError:
    """One pydantic error that ``_format_errors`` expands into one line per problem."""
    summary = "; ".join(f"{p}: {m}" if p else m for p, m in problems)
    return PydanticCustomError(PROBLEMS, "{summary}", {"summary": summary, "problems": problems})


def member_param_problems(
    owner: str, spec: ParamSpec, params: dict[str, Any]
) -> list[tuple[str, str]]:
    """Problems with a teacher's or student's ``params``, at paths below the member."""
    return [
        (f"params.{p.path}" if p.path else "params", p.message)
        for p in check_params(spec, params, owner)
    ]


@dataclass(frozen=True)
class ColumnFacts:
    """What a data section says about its columns before any data is read.

    ``features`` is None when the features are only known from the file (no declared
    ``features`` and no synthetic source).
    """

    features: tuple[str, ...] | None
    categorical: frozenset[str]

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ColumnFacts:
        """From a data section's validated fields (those that failed are absent)."""
        synthetic = values.get("synthetic")
        columns, synthetic_categorical = synthetic.columns() if synthetic else ((), ())
        features: tuple[str, ...] | None = None
        if values.get("features"):
            features = tuple(values["features"])
        elif synthetic is not None and "features" in values:
            roles = {values.get(k) for k in ("target", "id_column", "time_column")}
            roles |= {values.get("segment_column"), *values.get("exclude", ())}
            features = tuple(c for c in columns if c not in roles)
        categorical = frozenset((*values.get("categorical", ()), *synthetic_categorical))
        return cls(features, categorical)

    def monotone_problems(self, names: Iterable[Any]) -> list[tuple[str, str]]:
        """``(feature, message)`` for each name that is not a numeric feature; names are
        checked against the features when those are known before reading data."""
        out = []
        for name in names:
            if self.features is not None and name not in self.features:
                out.append(
                    (str(name), f"{name!r} is not a feature; features: {_names(self.features)}")
                )
            elif name in self.categorical:
                out.append(
                    (
                        str(name),
                        f"{name!r} is categorical; monotone directions need a numeric feature",
                    )
                )
        return out


def _names(names: Iterable[str], limit: int = 20) -> str:
    shown = list(names)
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return f"{shown[:limit]}{more}"


def is_direction(d: Any) -> bool:
    """Whether ``d`` is a declared monotone direction of the data: +1 or -1."""
    return isinstance(d, int) and not isinstance(d, bool) and d in (-1, 1)
