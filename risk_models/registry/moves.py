"""Move aliases and append the ledger entry as one compare-and-set, safe against a rival writer.

MLflow has no transaction over "set these aliases and append this tag", and a tag write is an
upsert, so :func:`move_aliases` builds one from write-then-read steps:

1. read the ledger and the aliases; refuse if another move is in flight (a ``pending`` entry)
   or if the aliases are no longer what the caller checked its gates against;
2. append a ``pending`` entry at the next sequence number under this writer's own key;
3. re-read the ledger: if any other entry holds that sequence number or a later one, or is
   pending, this writer lost the race: it deletes its entry (no alias was touched) and raises
   :class:`ConcurrentPromotionError`. Of two writers at least the later one sees the other
   (both wrote before they read), so two moves never both pass; both may back out, which is
   safe, and the message says to re-run;
4. re-read the aliases (compare), set them, re-read them again; a failure while setting puts
   the old aliases back and marks the entry ``aborted``;
5. mark the entry ``done``.

A writer killed between 2 and 5 leaves a ``pending`` entry; it blocks other moves for
:data:`STALE_AFTER_S` seconds, after which the next move resolves it (``done`` if the aliases
show its move, else the aliases are put back to its ``from`` versions and it is ``aborted``).
On SQLite, concurrent writers also wait on the database lock (MLflow's SQLite engine waits a
few seconds, then fails with "database is locked"); that error reaches the caller like any
other failed write, and the steps above leave ledger and aliases agreeing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from risk_models.errors import RegistryError
from risk_models.registry.ledger import LedgerEntry, new_token, read_ledger, utc_now
from risk_models.registry.versions import current_aliases, default_actor

__all__ = ["STALE_AFTER_S", "ConcurrentPromotionError", "move_aliases"]

STALE_AFTER_S = 300.0


class ConcurrentPromotionError(RegistryError):
    """Another alias move of the same model ran at the same time; this one changed nothing."""


def _age_s(entry: LedgerEntry) -> float:
    try:
        then = datetime.fromisoformat(entry.time.replace("Z", "+00:00"))
    except ValueError:
        return float("inf")
    return (datetime.now(UTC) - then).total_seconds()


def _describe(e: LedgerEntry) -> str:
    return (
        f"ledger entry {e.seq:06d} ({e.event} {e.alias} -> v{e.to_version} by {e.actor} "
        f"at {e.time}, {e.status})"
    )


def _set_aliases(client: Any, model_name: str, target: Mapping[str, str | None]) -> None:
    for alias, version in target.items():
        if version is None:
            if alias in current_aliases(client, model_name):
                client.delete_registered_model_alias(model_name, alias)
        else:
            client.set_registered_model_alias(model_name, alias, str(version))


def _write(client: Any, model_name: str, entry: LedgerEntry) -> None:
    client.set_registered_model_tag(model_name, entry.key, entry.to_tag_value())


def _recover(client: Any, model_name: str, entry: LedgerEntry) -> None:
    """Resolve a stale ``pending`` entry left by a writer that died mid-move."""
    now = current_aliases(client, model_name)
    if all(now.get(a) == to for a, (_, to) in entry.moves.items()):
        _write(client, model_name, entry.with_status("done"))
        return
    _set_aliases(client, model_name, {a: frm for a, (frm, _) in entry.moves.items()})
    _write(client, model_name, entry.with_status("aborted"))


def _check_expected(
    client: Any, model_name: str, expected: Mapping[str, str | None], what: str
) -> None:
    now = current_aliases(client, model_name)
    for alias, version in expected.items():
        if now.get(alias) != (None if version is None else str(version)):
            raise ConcurrentPromotionError(
                f"{what}: alias {alias!r} of {model_name!r} moved from "
                f"{_v(version)} to {_v(now.get(alias))} while this command ran; nothing was "
                f"changed; see `riskdistill history {model_name}` and re-run if still wanted"
            )


def _v(version: str | None) -> str:
    return "(unset)" if version is None else f"v{version}"


def move_aliases(
    client: Any,
    model_name: str,
    *,
    expected: Mapping[str, str | None],
    moves: Mapping[str, str | None],
    event: str,
    alias: str,
    actor: str | None = None,
    gates: dict[str, Any] | None = None,
    reason: str | None = None,
    forced: bool = False,
    stale_after_s: float = STALE_AFTER_S,
) -> LedgerEntry:
    """Set ``moves`` (alias -> version, ``None`` = remove) if the aliases still equal ``expected``.

    Parameters
    ----------
    client : mlflow.MlflowClient
        Registry client.
    model_name : str
        The registered model.
    expected : mapping
        Alias -> version the caller read and checked (``None`` = absent); every alias in
        ``moves`` must be in it.
    moves : mapping
        Alias -> new version.
    event, alias : str
        The ledger event (``register``, ``promote``, ``force``, ``rollback``) and main alias.
    actor, gates, reason, forced
        Recorded in the ledger entry (``actor`` defaults to the OS user).
    stale_after_s : float
        Age after which another writer's ``pending`` entry is treated as abandoned.

    Returns
    -------
    LedgerEntry
        The ``done`` entry.

    Raises
    ------
    ConcurrentPromotionError
        If another move ran at the same time or the aliases changed since the caller read
        them; nothing was changed.
    RegistryError
        If a write failed; the aliases were put back and the entry marked ``aborted``.
    """
    missing = sorted(set(moves) - set(expected))
    if missing:
        raise ValueError(f"moves {missing} have no expected version")
    what = f"{event} of {model_name!r} {alias} -> {_v(moves.get(alias))}"
    entries = read_ledger(client, model_name)
    for e in entries:
        if e.status == "pending":
            if _age_s(e) < stale_after_s:
                raise ConcurrentPromotionError(
                    f"{what}: another move is in progress ({_describe(e)}); nothing was "
                    "changed; re-run when it has finished"
                )
            _recover(client, model_name, e)
    _check_expected(client, model_name, expected, what)
    entry = LedgerEntry(
        seq=max((e.seq for e in entries), default=0) + 1,
        token=new_token(),
        time=utc_now(),
        actor=default_actor(actor),
        event=event,
        alias=alias,
        from_version=None if expected.get(alias) is None else str(expected[alias]),
        to_version=None if moves.get(alias) is None else str(moves[alias]),
        moves={
            a: [None if expected[a] is None else str(expected[a]), None if v is None else str(v)]
            for a, v in moves.items()
        },
        gates=gates,
        reason=reason,
        forced=forced,
    )
    _write(client, model_name, entry)
    try:
        rivals = [
            e
            for e in read_ledger(client, model_name)
            if e.key != entry.key and (e.seq >= entry.seq or e.status == "pending")
        ]
        if rivals:
            raise ConcurrentPromotionError(
                f"{what}: lost a race with {_describe(rivals[0])}; nothing was changed; see "
                f"`riskdistill history {model_name}` and re-run if still wanted"
            )
        _check_expected(client, model_name, expected, what)
    except BaseException:
        client.delete_registered_model_tag(model_name, entry.key)
        raise
    try:
        _set_aliases(client, model_name, moves)
    except Exception as exc:
        try:
            _set_aliases(client, model_name, expected)
            _write(client, model_name, entry.with_status("aborted"))
        except Exception:  # the store is gone: the pending entry is resolved later
            raise RegistryError(
                f"{what}: setting the aliases failed ({exc}) and so did putting them back; "
                f"ledger entry {entry.seq:06d} stays pending and the next move after "
                f"{stale_after_s:g}s resolves it from the aliases it finds"
            ) from exc
        raise RegistryError(
            f"{what}: setting the aliases failed ({exc}); they were put back and ledger entry "
            f"{entry.seq:06d} is marked aborted"
        ) from exc
    done = entry.with_status("done")
    _write(client, model_name, done)
    now = current_aliases(client, model_name)
    moved = {a: now.get(a) for a, v in moves.items() if now.get(a) != v}
    if moved:
        raise ConcurrentPromotionError(
            f"{what}: done, but alias(es) {sorted(moved)} were moved again right after by a tool "
            "that does not write the ledger (e.g. the MLflow UI); ledger and aliases now "
            f"disagree; see `riskdistill history {model_name}`"
        )
    return done
