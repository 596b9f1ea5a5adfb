"""Declared parameter constraints of teachers and students, checked without importing them.

Every estimator declares ``_parameter_constraints``: parameter name -> list of accepted
forms (constraint objects below, or ``None`` when ``None`` is accepted). The declarations
live in ``risk_models/students/param_specs.py`` and ``risk_models/teachers/param_specs.py``,
which import neither Torch nor the boosting libraries, so that ``risk_models.config`` can
refuse a bad value by its YAML path at load time, and ``fit`` runs the same check on the
Python API (:func:`validate_estimator_params`).

A problem reads ``max_bins: must be >= 2, got 1`` when the value has the right type, and
``learning_rate: must be a number > 0, got 'fast'`` when it has not.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from risk_models.errors import RiskModelsError

Closed = Literal["both", "left", "right", "neither"]


class ParameterError(RiskModelsError, ValueError):
    """An estimator parameter has a value or type its constraints do not accept."""


@dataclass(frozen=True)
class ParamProblem:
    """One refused value: ``path`` below the parameter mapping (``max_bins``,
    ``monotone.income``, ``hidden_sizes[1]``; empty for the mapping itself) and the message."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


class Constraint:
    """One accepted form of a parameter value."""

    def accepts_type(self, value: Any) -> bool:
        """Whether ``value`` has the type this constraint is about."""
        raise NotImplementedError

    def describe(self) -> str:
        """The accepted form in words (``an integer >= 2``)."""
        raise NotImplementedError

    def violations(self, value: Any) -> list[tuple[str, str]]:
        """``(sub-path, message)`` for each way a value of the right type is refused."""
        raise NotImplementedError


@dataclass(frozen=True)
class Interval(Constraint):
    """An integer (``kind=int``) or a finite real number (``kind=float``, ints accepted) in
    a range; ``None`` bounds are open-ended, ``closed`` says which bounds are included."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: Closed = "both"

    def accepts_type(self, value: Any) -> bool:
        return _is_int(value) if self.kind is int else _is_real(value)

    def _range(self) -> str:
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            lo, hi = _num(self.low), _num(self.high)
            return f"in {'[' if lo_in else '('}{lo}, {hi}{']' if hi_in else ')'}"
        if self.low is not None:
            return f"{'>=' if lo_in else '>'} {_num(self.low)}"
        if self.high is not None:
            return f"{'<=' if hi_in else '<'} {_num(self.high)}"
        return ""

    def describe(self) -> str:
        noun = "an integer" if self.kind is int else "a number"
        return f"{noun} {self._range()}".rstrip()

    def contains(self, value: Any) -> bool:
        """Whether a value of the right type lies in the range (finite reals only)."""
        v = float(value)
        if not math.isfinite(v):
            return False
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        if self.low is not None and not (v >= self.low if lo_in else v > self.low):
            return False
        return self.high is None or (v <= self.high if hi_in else v < self.high)

    def violations(self, value: Any) -> list[tuple[str, str]]:
        if self.contains(value):
            return []
        need = self._range() or "finite"
        return [("", f"must be {need}, got {value!r}")]


@dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of values (strings, or integers such as ``0`` for "off")."""

    values: tuple[Any, ...]

    def accepts_type(self, value: Any) -> bool:
        if isinstance(self.values[0], str):
            return isinstance(value, str)
        return _is_int(value)

    def describe(self) -> str:
        if len(self.values) == 1:
            return repr(self.values[0])
        return "one of " + ", ".join(repr(v) for v in self.values)

    def violations(self, value: Any) -> list[tuple[str, str]]:
        if value in self.values:
            return []
        return [("", f"must be {self.describe()}, got {value!r}")]


@dataclass(frozen=True)
class Boolean(Constraint):
    """``True`` or ``False`` (``true``/``false`` in YAML)."""

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_))

    def describe(self) -> str:
        return "true or false"

    def violations(self, value: Any) -> list[tuple[str, str]]:
        return []


@dataclass(frozen=True)
class RandomStateInstance(Constraint):
    """A ``numpy.random.RandomState`` (Python API only)."""

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, np.random.RandomState)

    def describe(self) -> str:
        return "a numpy RandomState"

    def violations(self, value: Any) -> list[tuple[str, str]]:
        return []


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


@dataclass(frozen=True)
class IntList(Constraint):
    """A list of integers ``>= low`` (layer widths), at least ``min_len`` long."""

    low: int = 1
    min_len: int = 0

    def accepts_type(self, value: Any) -> bool:
        return _is_list(value)

    def describe(self) -> str:
        head = "a non-empty list" if self.min_len == 1 else "a list"
        return f"{head} of integers >= {self.low}"

    def violations(self, value: Any) -> list[tuple[str, str]]:
        out = [
            (f"[{i}]", f"must be an integer >= {self.low}, got {v!r}")
            for i, v in enumerate(value)
            if not (_is_int(v) and v >= self.low)
        ]
        if len(value) < self.min_len:
            out.append(("", f"must hold at least {self.min_len} value(s), got {list(value)!r}"))
        return out


@dataclass(frozen=True)
class Directions(Constraint):
    """A mapping of feature name to a monotone direction: +1 (risk rises with the value),
    -1 (risk falls) or 0 (no constraint)."""

    def accepts_type(self, value: Any) -> bool:
        return isinstance(value, Mapping)

    def describe(self) -> str:
        return "a mapping of feature name to -1, 0 or +1"

    def violations(self, value: Any) -> list[tuple[str, str]]:
        out = []
        for feature, direction in value.items():
            if not isinstance(feature, str):
                out.append(("", f"feature names must be text, got {feature!r}"))
            elif not (_is_int(direction) and direction in (-1, 0, 1)):
                out.append((f".{feature}", f"must be -1, 0 or +1, got {direction!r}"))
        return out


@dataclass(frozen=True)
class FeaturePairs(Constraint):
    """A list of ``[feature_a, feature_b]`` pairs of two different feature names."""

    def accepts_type(self, value: Any) -> bool:
        return _is_list(value)

    def describe(self) -> str:
        return "a list of [feature, feature] pairs"

    def violations(self, value: Any) -> list[tuple[str, str]]:
        out = []
        for i, pair in enumerate(value):
            ok = (
                _is_list(pair)
                and len(pair) == 2
                and all(isinstance(p, str) for p in pair)
                and pair[0] != pair[1]
            )
            if not ok:
                out.append((f"[{i}]", f"must be two different feature names, got {pair!r}"))
        return out


@dataclass(frozen=True)
class NamedMembers(Constraint):
    """A list of ``(name, estimator)`` pairs with text names (an ensemble's members)."""

    def accepts_type(self, value: Any) -> bool:
        return _is_list(value)

    def describe(self) -> str:
        return "a list of (name, estimator) pairs"

    def violations(self, value: Any) -> list[tuple[str, str]]:
        return [
            (f"[{i}]", f"must be a (name, estimator) pair with a text name, got {m!r}")
            for i, m in enumerate(value)
            if not (_is_list(m) and len(m) == 2 and isinstance(m[0], str))
        ]


ParamSpec = Mapping[str, Sequence[Constraint | None]]


def _text_number_hint(value: Any, constraints: Sequence[Constraint | None]) -> str:
    """A hint for numbers YAML read as text (``1e-4`` without a decimal point)."""
    if not isinstance(value, str) or not any(isinstance(c, Interval) for c in constraints):
        return ""
    try:
        float(value)
    except ValueError:
        return ""
    return " (text, not a number: YAML needs a decimal point in exponents, e.g. 1.0e-4)"


def check_value(
    name: str, value: Any, constraints: Sequence[Constraint | None]
) -> list[ParamProblem]:
    """Every problem with one parameter's value; empty when some constraint accepts it."""
    if value is None and None in constraints:
        return []
    forms = [c for c in constraints if c is not None]
    typed = [c for c in forms if c.accepts_type(value)]
    found = [c.violations(value) for c in typed]
    if any(not v for v in found):
        return []
    if len(forms) == 1 and typed:  # the one accepted form: say what is wrong inside it
        return [ParamProblem(name + sub, msg) for sub, msg in found[0]]
    words = [c.describe() for c in forms] + (["None"] if None in constraints else [])
    hint = _text_number_hint(value, constraints)
    return [ParamProblem(name, f"must be {' or '.join(words)}, got {value!r}{hint}")]


def check_params(spec: ParamSpec, params: Mapping[str, Any], owner: str) -> list[ParamProblem]:
    """Every problem with ``params`` against ``spec``, in parameter order.

    Parameters
    ----------
    spec : parameter name -> accepted forms (see the module docstring).
    params : the values to check (a YAML ``params`` mapping, or ``get_params()``).
    owner : what the parameters belong to (``gam``, ``TreeStudent``), for the message on
        unknown names.

    Returns
    -------
    list of ParamProblem
        Empty when every value is accepted. Unknown names give one problem with an empty
        path that lists the known names.
    """
    problems: list[ParamProblem] = []
    unknown = sorted(str(k) for k in params if k not in spec)
    if unknown:
        problems.append(
            ParamProblem("", f"unknown {owner} parameter(s) {unknown}; known: {sorted(spec)}")
        )
    for name, value in params.items():
        if name in spec:
            problems.extend(check_value(str(name), value, spec[name]))
    return problems


def validate_estimator_params(estimator: Any) -> None:
    """Check an estimator's ``get_params(deep=False)`` against its ``_parameter_constraints``.

    Raises
    ------
    ParameterError
        Naming the estimator class and every refused value, e.g. ``invalid TreeStudent
        parameter(s): max_depth: must be in [1, 4], got 6``.
    """
    name = type(estimator).__name__
    problems = check_params(
        type(estimator)._parameter_constraints, estimator.get_params(deep=False), name
    )
    if problems:
        raise ParameterError(f"invalid {name} parameter(s): " + "; ".join(map(str, problems)))
