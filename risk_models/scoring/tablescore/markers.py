"""Declared unknown markers: text that a model's training read as a missing value.

Training reads text cells equal to one of ``data.missing_values`` (``"?"`` by default; blanks
around ignored) as missing before anything else (:func:`risk_models.data.column_checks.
read_missing_markers`). The exported model keeps the markers in ``metadata["missing_values"]``
(:func:`attach_missing_values`; JSON: the values, the rule's identifier :data:`RULE` and its
text), and every scorer reads such a cell as missing too, before the invalid-value checks: a
``"?"`` in a categorical column scores in the missing bin and is not an ``unseen_level``; in a
numeric or date column it is missing, not ``wrong_type``. A model without the key (exported
before the markers were stored, or trained with ``missing_values: []``) reads every value as it
is, as before.

Nothing here imports ``risk_models``: the package ships with a registered model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "METADATA_KEY",
    "RULE",
    "RULE_TEXT",
    "attach_missing_values",
    "marker_cells",
    "missing_markers",
]

#: Where an exported model keeps its markers.
METADATA_KEY = "missing_values"
#: Identifier of the reading rule below; a model naming another rule is refused.
RULE = "risk_models.missing_values/1"
RULE_TEXT = (
    "a text cell equal to one of values, blanks around ignored, is a missing value (in "
    "categorical, numeric and date inputs alike); numbers and dates are read as they are"
)

_T = TypeVar("_T")


def missing_markers(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    """The markers recorded in a model's metadata, stripped (none: ``()``)."""
    raw = metadata.get(METADATA_KEY)
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or not isinstance(raw.get("values"), (list, tuple)):
        raise ValueError(
            f"metadata[{METADATA_KEY!r}] must be an object with a list of 'values' and a 'rule'"
        )
    if raw.get("rule") != RULE:
        raise ValueError(
            f"metadata[{METADATA_KEY!r}]: unknown rule {raw.get('rule')!r} (this scorer knows "
            f"{RULE!r}); score with the risk_models version that exported the model"
        )
    return tuple(dict.fromkeys(str(v).strip() for v in raw["values"]))


def marker_cells(texts: Sequence[Any], markers: Iterable[str]) -> np.ndarray:
    """Whether each text, stripped, is one of ``markers`` (bool; non-text entries: False)."""
    wanted = set(markers)
    return np.asarray(
        [isinstance(t, str) and t.strip() in wanted for t in texts], dtype=bool
    ).reshape(-1)


def attach_missing_values(exported: _T, markers: Iterable[str]) -> _T:
    """An exported student (shape table or rule set) with its markers in its metadata.

    ``metadata["missing_values"]`` gets ``{"values": [...], "rule": RULE, "description": ...}``;
    without markers, ``exported`` is returned as it is.
    """
    values = list(dict.fromkeys(str(m).strip() for m in markers))
    if not values:
        return exported
    model: Any = exported
    entry = {"values": values, "rule": RULE, "description": RULE_TEXT}
    out: _T = dataclasses.replace(model, metadata={**model.metadata, METADATA_KEY: entry})
    return out
