"""Command-line changes to a pipeline config's data section, applied before validation.

``riskdistill run CONFIG --data FILE --id-column ... --monotone COL=+1`` describes a user's
book on top of a config file. :func:`apply_overrides` merges the two on the raw (parsed YAML)
mapping, so the result is validated like any config and its hash records the changes:

* ``--data FILE`` replaces the config's source. The config's column roles (id, time, segment,
  features, categorical, exclude, monotone) are kept for the columns FILE has; the others are
  dropped, each with a note saying so. Without the file's columns every role is dropped.
* Flags then win over the config: ``--id-column``, ``--time-column``, ``--segment-column`` and
  ``--target`` replace, ``--categorical`` and ``--exclude`` add, ``--monotone`` adds or changes
  one direction. A column given a role by a flag leaves the config's other roles. A flag that
  names a column FILE does not have is refused (a typo should not pass silently).
* ``--amount-column`` sets ``fraud.amount_column`` (adding a ``fraud:`` section with its
  defaults if the config has none); with ``--data``, the config's own amount column is dropped
  with a note when FILE lacks it. ``--missing-value`` adds markers to
  ``data.missing_values`` (values read as missing, ``"?"`` by default).
* ``quick`` shrinks the job for a first try: a synthetic book of at most
  :data:`QUICK_ROWS` rows (:data:`QUICK_FRAUD_ROWS` for the fraud stream, whose frauds come
  in bursts: fewer rows leave a handful of frauds in the validation and test months), at most
  :data:`QUICK_FOLDS` cross-fitting folds and no transfer set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from risk_models.errors import ConfigError

__all__ = [
    "QUICK_FOLDS",
    "QUICK_FRAUD_ROWS",
    "QUICK_ROWS",
    "DataOverrides",
    "apply_overrides",
    "parse_monotone_flags",
]

#: ``--quick``: rows of a synthetic book, most cross-fitting folds (teachers and soft labels).
QUICK_ROWS = 3000
QUICK_FOLDS = 3
#: ``--quick`` rows of the synthetic fraud stream (about 0.2 % fraud, in bursts): 200,000 rows
#: leave 37-145 frauds in the validation months and 88-131 in the test months on seeds 0, 1, 2
#: and 11 (100,000 rows: 17-32 and 22-127).
QUICK_FRAUD_ROWS = 200_000

_SCALAR_ROLES = ("id_column", "time_column", "segment_column")
_LIST_ROLES = ("features", "categorical", "exclude")
_FLAG = {
    "id_column": "--id-column",
    "time_column": "--time-column",
    "segment_column": "--segment-column",
    "categorical": "--categorical",
    "exclude": "--exclude",
    "monotone": "--monotone",
    "target": "--target",
    "amount_column": "--amount-column",
}
_MONOTONE_FLAG = re.compile(r"^(?P<col>.+)=(?P<dir>[+-]?1)$")


@dataclass(frozen=True)
class DataOverrides:
    """Data settings from the command line; ``None`` or empty keeps the config's own.

    Attributes
    ----------
    path : a Parquet/CSV file or partitioned Parquet folder replacing the config's source.
    target, positive_label : the outcome column and the value meaning bad.
    id_column, time_column, segment_column : role columns.
    categorical, exclude : columns to add to the config's lists.
    monotone : feature -> +1 or -1, added to (or changing) the config's directions.
    amount_column : ``fraud.amount_column`` (the amount feature of value recall and costs).
    missing_values : markers added to ``data.missing_values`` (read as missing).
    quick : shrink the job (see the module docstring).
    """

    path: str | None = None
    target: str | None = None
    positive_label: str | None = None
    id_column: str | None = None
    time_column: str | None = None
    segment_column: str | None = None
    categorical: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    monotone: Mapping[str, int] = field(default_factory=dict)
    amount_column: str | None = None
    missing_values: tuple[str, ...] = ()
    quick: bool = False

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> DataOverrides:
        """From a plain mapping of the same keys (``None`` values ignored)."""
        kept = {k: v for k, v in values.items() if v is not None}
        for key in ("categorical", "exclude", "missing_values"):
            if key in kept:
                kept[key] = tuple(kept[key])
        unknown = sorted(set(kept) - set(cls.__dataclass_fields__))
        if unknown:
            raise ConfigError("overrides", [f"unknown data override(s) {unknown}"])
        return cls(**kept)


def parse_monotone_flags(values: Sequence[str]) -> dict[str, int]:
    """``["income=-1", "dti=+1"]`` -> ``{"income": -1, "dti": 1}``.

    Raises
    ------
    ConfigError
        Listing every value that is not ``COLUMN=+1`` or ``COLUMN=-1``.
    """
    out: dict[str, int] = {}
    problems = []
    for value in values:
        match = _MONOTONE_FLAG.match(value.strip())
        if match is None:
            problems.append(
                f"--monotone {value!r}: write COLUMN=+1 (risk rises with the value) or "
                "COLUMN=-1 (risk falls)"
            )
            continue
        out[match["col"].strip()] = int(match["dir"])
    if problems:
        raise ConfigError("command line", problems)
    return out


def _flag_columns(o: DataOverrides) -> dict[str, list[str]]:
    """Flag -> the columns it names."""
    named: dict[str, list[str]] = {}
    for key in (*_SCALAR_ROLES, "target", "amount_column"):
        value = getattr(o, key)
        if value is not None:
            named[key] = [value]
    for key in ("categorical", "exclude"):
        if getattr(o, key):
            named[key] = list(getattr(o, key))
    if o.monotone:
        named["monotone"] = list(o.monotone)
    return named


def _check_flags(o: DataOverrides, columns: Sequence[str]) -> None:
    present = set(columns)
    shown = list(columns)[:30]
    more = f" and {len(columns) - 30} more" if len(columns) > 30 else ""
    problems = [
        f"{_FLAG[key]} {name!r}: not a column of {o.path}; its columns: {shown}{more}"
        for key, names in _flag_columns(o).items()
        for name in names
        if name not in present
    ]
    if problems:
        raise ConfigError("command line", problems)


def _keep_file_roles(data: dict[str, Any], path: str, columns: Sequence[str] | None) -> list[str]:
    """Drop the roles of ``data`` that name columns ``path`` does not have; return notes."""
    notes: list[str] = []
    if columns is None:
        dropped = [k for k in (*_SCALAR_ROLES, *_LIST_ROLES, "monotone") if data.pop(k, None)]
        if dropped:
            notes.append(f"data: the config's {', '.join(dropped)} dropped for {path}")
        return notes
    present = set(columns)
    for key in _SCALAR_ROLES:
        value = data.get(key)
        if value is not None and value not in present:
            del data[key]
            notes.append(f"data.{key} {value!r} dropped: {path} has no such column")
    for key in _LIST_ROLES:
        values = list(data.get(key) or ())
        gone = [v for v in values if v not in present]
        if gone:
            data[key] = [v for v in values if v in present]
            left = (
                "; none left, so every column without another role is a feature"
                if key == "features" and not data[key]
                else ""
            )
            notes.append(f"data.{key} {gone} dropped: {path} has no such column(s){left}")
    monotone = dict(data.get("monotone") or {})
    gone = [k for k in monotone if k not in present]
    if gone:
        data["monotone"] = {k: v for k, v in monotone.items() if k in present}
        notes.append(f"data.monotone {gone} dropped: {path} has no such column(s)")
    if "features" in data and not data["features"]:
        del data["features"]  # none left: every column without another role is a feature
    return notes


def _apply_flags(data: dict[str, Any], o: DataOverrides, notes: list[str]) -> None:
    """Flags win: replace scalar roles, extend lists, update directions."""
    if o.target is not None:
        data["target"] = o.target
    if o.positive_label is not None:
        data["positive_label"] = o.positive_label
    claimed = [v for v in (o.id_column, o.time_column, o.segment_column) if v is not None]
    claimed += list(o.exclude)
    for key in ("features", "categorical"):  # a column given another role leaves these
        if data.get(key):
            data[key] = [c for c in data[key] if c not in claimed]
    if data.get("monotone"):
        data["monotone"] = {k: v for k, v in data["monotone"].items() if k not in claimed}
        now_categorical = [k for k in data["monotone"] if k in o.categorical]
        if now_categorical:
            data["monotone"] = {
                k: v for k, v in data["monotone"].items() if k not in now_categorical
            }
            notes.append(f"data.monotone {now_categorical} dropped: declared by --categorical")
    for key in _SCALAR_ROLES:
        value = getattr(o, key)
        if value is not None:
            data[key] = value
            for other in _SCALAR_ROLES:
                if other != key and data.get(other) == value:
                    del data[other]
            if value in (data.get("exclude") or ()):
                data["exclude"] = [c for c in data["exclude"] if c != value]
    for key in ("categorical", "exclude"):
        added = list(getattr(o, key))
        if added:
            data[key] = list(dict.fromkeys([*(data.get(key) or ()), *added]))
    if o.categorical and data.get("features"):
        data["features"] = list(dict.fromkeys([*data["features"], *o.categorical]))
    if o.monotone:
        data["monotone"] = {**(data.get("monotone") or {}), **o.monotone}


def _shrink(raw: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """``--quick``: a small synthetic book, few folds, no transfer set."""
    raw = dict(raw)
    data = dict(raw.get("data") or {})
    synthetic = data.get("synthetic")
    if isinstance(synthetic, Mapping):
        fraud = synthetic.get("kind") == "fraud"
        rows = min(int(synthetic.get("n_rows", 20_000)), QUICK_FRAUD_ROWS if fraud else QUICK_ROWS)
        data["synthetic"] = {**synthetic, "n_rows": rows}
        what = "fraud stream" if fraud else "book"
        notes.append(f"--quick: synthetic {what} of {rows} rows")
    raw["data"] = data
    ensemble = dict(raw.get("ensemble") or {})
    folds = ensemble.get("cv_folds", 0)
    if isinstance(folds, int) and folds > QUICK_FOLDS:
        ensemble["cv_folds"] = QUICK_FOLDS
    raw["ensemble"] = ensemble
    distill = dict(raw.get("distill") or {})
    n_folds = distill.get("n_folds", 5)
    if isinstance(n_folds, int) and n_folds > QUICK_FOLDS:
        distill["n_folds"] = QUICK_FOLDS
    distill["transfer"] = {**(distill.get("transfer") or {}), "n_rows": 0}
    raw["distill"] = distill
    notes.append(f"--quick: at most {QUICK_FOLDS} cross-fitting folds, no transfer set")
    return raw


def _fraud_amount(
    raw: dict[str, Any],
    o: DataOverrides,
    file_columns: Sequence[str] | None,
    notes: list[str],
) -> dict[str, Any]:
    """``fraud.amount_column``: dropped for a ``--data`` file without it, set by the flag."""
    fraud = raw.get("fraud")
    if o.amount_column is not None:
        section = dict(fraud) if isinstance(fraud, Mapping) else {}
        return {**raw, "fraud": {**section, "amount_column": o.amount_column}}
    if o.path is None or not isinstance(fraud, Mapping) or not fraud.get("amount_column"):
        return raw
    name = fraud["amount_column"]
    if file_columns is None or name not in set(file_columns):
        notes.append(
            f"fraud.amount_column {name!r} dropped: {o.path} has no such column (name one "
            "with --amount-column for value recall and amount-weighted costs)"
        )
        return {**raw, "fraud": {k: v for k, v in fraud.items() if k != "amount_column"}}
    return raw


def apply_overrides(
    raw: Any, overrides: DataOverrides, file_columns: Sequence[str] | None = None
) -> tuple[Any, list[str]]:
    """The raw config with ``overrides`` applied, and notes on what was dropped or shrunk.

    Parameters
    ----------
    raw : the parsed YAML (left alone when it is not a mapping: validation refuses it).
    overrides : the command-line settings.
    file_columns : the columns of ``overrides.path`` (from its header or schema), used to
        keep the config's roles that fit the file and to check the flags' columns.

    Returns
    -------
    tuple
        ``(raw, notes)``: a new mapping (``raw`` itself is not changed) and one line per
        dropped role or shrunk setting, for the console.

    Raises
    ------
    ConfigError
        For a flag that names a column the file does not have.
    """
    if not isinstance(raw, dict):
        return raw, []
    notes: list[str] = []
    data = dict(raw.get("data") or {})
    if overrides.path is not None:
        if file_columns is not None:
            _check_flags(overrides, file_columns)
        data.pop("synthetic", None)
        data["path"] = overrides.path
        notes += _keep_file_roles(data, overrides.path, file_columns)
    _apply_flags(data, overrides, notes)
    if overrides.missing_values:
        present = data.get("missing_values")
        base = list(present) if isinstance(present, list | tuple) else ["?"]
        data["missing_values"] = list(dict.fromkeys([*base, *overrides.missing_values]))
    out = {**raw, "data": data}
    out = _fraud_amount(out, overrides, file_columns, notes)
    if overrides.quick:
        out = _shrink(out, notes)
    return out, notes
