"""Reading an exported student: a shape table or a rule set, chosen by the file's format."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from risk_models.atomic import read_json
from risk_models.errors import ModelFormatError
from risk_models.students import rules as rules_mod
from risk_models.students import shape_table as table_mod
from risk_models.students.rules import RuleSet
from risk_models.students.shape_table import ShapeTable

__all__ = ["Explained", "as_explained", "load_explained"]

Explained = ShapeTable | RuleSet

_LOADERS: dict[str, type[ShapeTable] | type[RuleSet]] = {
    table_mod.FORMAT_NAME: ShapeTable,
    rules_mod.FORMAT_NAME: RuleSet,
}


def load_explained(path: str | os.PathLike[str]) -> Explained:
    """Read a student's exported model file: a shape table or a rule set.

    Parameters
    ----------
    path : a JSON file written by ``ShapeTable.save`` or ``RuleSet.save`` (the
        ``shape_table.json`` / ``rule_set.json`` of a run's ``students/<name>/`` folder).

    Returns
    -------
    ShapeTable or RuleSet
        Chosen by the file's ``"format"`` field. The file is parsed as JSON only.

    Raises
    ------
    ModelFormatError
        If the file is missing, is not JSON, is not one of the two formats, or is malformed;
        the message names the file.
    """
    p = Path(path)
    d = read_json(p, "model", expected="pass a shape_table.json or rule_set.json")
    fmt = d.get("format") if isinstance(d, dict) else None
    if fmt not in _LOADERS:
        raise ModelFormatError(
            f"{p}: not an exported student model (format={fmt!r}); expected one of "
            f"{sorted(_LOADERS)}: the shape_table.json or rule_set.json of a run's "
            "students/<name>/ folder"
        )
    return _LOADERS[fmt].from_dict(d, source=str(p))


def as_explained(model: Any) -> Explained:
    """An exported model as itself; a fitted student as its ``export()``.

    Parameters
    ----------
    model : a :class:`ShapeTable`, a :class:`RuleSet` or a fitted student.

    Returns
    -------
    ShapeTable or RuleSet

    Raises
    ------
    TypeError
        For anything else.
    """
    if isinstance(model, (ShapeTable, RuleSet)):
        return model
    if hasattr(model, "export"):
        return as_explained(model.export())
    raise TypeError(f"expected a ShapeTable, a RuleSet or a fitted student; got {type(model)}")
