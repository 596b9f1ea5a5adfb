"""The promotion ledger: every alias move of a registered model, kept in the registry itself.

MLflow keeps no history of alias moves, so each move (``register``, ``promote``, ``force``,
``rollback``) appends one **registered-model tag**::

    risk_models.ledger.<seq, 6 digits>.<token>  =  {"seq": 3, "time": "...Z", "actor": ...}

Why tags, not a JSON artifact: a registered model has no artifact store of its own (an artifact
would have to live in some run, which a tool reading the registry would have to know about);
tags live in the registry database, so they survive restarts and backups with the aliases they
describe and are read with one plain call, ``MlflowClient().get_registered_model(name).tags``.
Setting a tag writes one row, so appending never rewrites older entries, whereas an artifact
would be read-modify-written whole and two writers would lose one another's entries.

The ``<token>`` suffix (random, per writer) is what makes concurrent appends detectable: a tag
write is an upsert, so two promotions that both chose sequence number 3 under one shared key
would silently overwrite each other; under their own keys both entries are visible, and the
writer that sees a rival at its sequence number backs out (see :mod:`risk_models.registry.moves`).
After every completed operation there is one entry per sequence number; keys sort in sequence
order. Values are compact JSON (MLflow allows 100,000 characters per registry tag value).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from risk_models.errors import RegistryError

__all__ = [
    "LEDGER_PREFIX",
    "LedgerEntry",
    "aliases_by_ledger",
    "ledger_problems",
    "new_token",
    "read_ledger",
    "utc_now",
]

LEDGER_PREFIX = "risk_models.ledger."
_KEY = re.compile(r"^risk_models\.ledger\.(\d{6,})\.([0-9a-f]+)$")
STATUSES = ("pending", "done", "aborted")


def utc_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds and a ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_token() -> str:
    """A random per-writer token (12 hex digits) for a ledger key."""
    return secrets.token_hex(6)


@dataclass(frozen=True)
class LedgerEntry:
    """One alias move.

    ``moves`` maps every alias the operation set to ``[from_version, to_version]`` (``None``
    where the alias was absent); ``alias``, ``from_version`` and ``to_version`` repeat the main
    one. ``status`` is ``pending`` while the move is in flight, ``done`` once the aliases were
    set and re-read, ``aborted`` if it was interrupted and found not applied. ``gates`` is the
    gate summary (``passed``, ``evidence``, ``n_checks``, ``failed``) or ``None``.
    """

    seq: int
    token: str
    time: str
    actor: str
    event: str
    alias: str
    from_version: str | None
    to_version: str | None
    moves: dict[str, list[str | None]] = field(default_factory=dict)
    gates: dict[str, Any] | None = None
    reason: str | None = None
    forced: bool = False
    status: str = "pending"

    @property
    def key(self) -> str:
        """The registered-model tag key holding this entry."""
        return f"{LEDGER_PREFIX}{self.seq:06d}.{self.token}"

    def to_dict(self) -> dict[str, Any]:
        """All fields (plus ``key``) as plain JSON-ready data."""
        return {"key": self.key, **asdict(self)}

    def to_tag_value(self) -> str:
        """Compact JSON for the tag value (the token lives in the key)."""
        d = asdict(self)
        d.pop("token")
        d["from"] = d.pop("from_version")
        d["to"] = d.pop("to_version")
        return json.dumps(d, separators=(",", ":"), sort_keys=True)

    def with_status(self, status: str) -> LedgerEntry:
        """A copy with another ``status``."""
        if status not in STATUSES:
            raise ValueError(f"ledger status must be one of {STATUSES}, got {status!r}")
        return replace(self, status=status)

    @classmethod
    def from_tag(cls, key: str, value: str, *, model_name: str) -> LedgerEntry:
        """Parse one ledger tag; a malformed one raises :class:`RegistryError` naming it."""
        m = _KEY.match(key)
        try:
            if m is None:
                raise ValueError("key does not match risk_models.ledger.<seq>.<token>")
            d = json.loads(value)
            moves = {str(a): [_version(v[0]), _version(v[1])] for a, v in d["moves"].items()}
            return cls(
                seq=int(m.group(1)),
                token=m.group(2),
                time=str(d["time"]),
                actor=str(d["actor"]),
                event=str(d["event"]),
                alias=str(d["alias"]),
                from_version=_version(d.get("from")),
                to_version=_version(d.get("to")),
                moves=moves,
                gates=d.get("gates"),
                reason=d.get("reason"),
                forced=bool(d.get("forced", False)),
                status=str(d.get("status", "done")),
            )
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise RegistryError(
                f"registered model {model_name!r}: ledger tag {key!r} is malformed ({exc}); "
                "it was not written by riskdistill: delete or fix that tag"
            ) from None


def _version(v: Any) -> str | None:
    return None if v is None else str(v)


def parse_ledger(tags: Mapping[str, str], model_name: str) -> list[LedgerEntry]:
    """Ledger entries in registered-model ``tags``, in sequence (then key) order."""
    entries = [
        LedgerEntry.from_tag(k, v, model_name=model_name)
        for k, v in tags.items()
        if k.startswith(LEDGER_PREFIX)
    ]
    return sorted(entries, key=lambda e: (e.seq, e.key))


def read_ledger(client: Any, model_name: str) -> list[LedgerEntry]:
    """Every ledger entry of ``model_name``, oldest first (pending ones included).

    Parameters
    ----------
    client : mlflow.MlflowClient
        Client for the registry holding the model.
    model_name : str
        The registered model.

    Returns
    -------
    list of LedgerEntry
        In sequence order; an empty list for a model without moves.

    Raises
    ------
    RegistryError
        If the model does not exist or a ledger tag is malformed.
    """
    from risk_models.registry.versions import get_registered_model

    return parse_ledger(dict(get_registered_model(client, model_name).tags or {}), model_name)


def aliases_by_ledger(entries: list[LedgerEntry]) -> dict[str, str | None]:
    """Where the ``done`` entries, applied in order, leave each alias they ever moved."""
    state: dict[str, str | None] = {}
    for e in entries:
        if e.status == "done":
            for alias, (_, to) in e.moves.items():
                state[alias] = to
    return state


def ledger_problems(entries: list[LedgerEntry], aliases: Mapping[str, str]) -> list[str]:
    """Disagreements between the ledger and the registry's current ``aliases``.

    Returns one line per alias the ledger moved whose current version differs from the
    ledger's last word on it, per sequence number held by more than one entry, and per entry
    still ``pending``; an empty list when the two tell the same story.
    """
    problems = []
    for alias, version in sorted(aliases_by_ledger(entries).items()):
        now = aliases.get(alias)
        now = None if now is None else str(now)
        if now != version:
            problems.append(
                f"alias {alias!r} is at {_v(now)} but the ledger's last move put it at "
                f"{_v(version)}"
            )
    seqs = [e.seq for e in entries]
    for seq in sorted({s for s in seqs if seqs.count(s) > 1}):
        problems.append(f"ledger sequence {seq:06d} is held by {seqs.count(seq)} entries")
    for e in entries:
        if e.status == "pending":
            problems.append(f"ledger entry {e.seq:06d} ({e.event} by {e.actor}) is still pending")
    return problems


def _v(version: str | None) -> str:
    return "(unset)" if version is None else f"v{version}"
