"""Promote a candidate to champion through its gates, and roll back to the previous champion.

:func:`promote` moves the champion alias to a candidate version only if the version's stored
gate report passed and the champion-relative gates hold (see
:mod:`risk_models.registry.champion` for the evidence they use). A refusal lists every failing
gate with its value and threshold. ``force=True`` needs a ``reason``; the move is then made
whatever the gates say and the ledger entry is marked forced (event ``force``) with the gates
that failed. The champion being replaced keeps the ``previous-<champion>`` alias
(``previous-champion``); :func:`rollback` swaps the two back in one move. Both go through
:func:`~risk_models.registry.moves.move_aliases`, so aliases and ledger agree even when two
promotions race.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from risk_models.errors import RegistryError
from risk_models.evaluation.gate_policy import GateRule
from risk_models.registry.champion import champion_checks, champion_rules, compare_with_champion
from risk_models.registry.ledger import LedgerEntry
from risk_models.registry.moves import move_aliases
from risk_models.registry.versions import (
    current_aliases,
    describe_check,
    gate_summary,
    get_version,
    stored_gate_report,
)

__all__ = ["PromotionRefused", "PromotionResult", "previous_alias", "promote", "rollback"]


class PromotionRefused(RegistryError):
    """A candidate failed its gates; ``failures`` holds the failing checks."""

    def __init__(self, message: str, failures: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.failures = [dict(f) for f in failures]


@dataclass(frozen=True)
class PromotionResult:
    """What a promotion or rollback did: the move, the gates and the ledger entry it wrote."""

    model_name: str
    event: str
    alias: str
    from_version: str | None
    to_version: str
    forced: bool
    reason: str | None
    entry: LedgerEntry
    checks: tuple[dict[str, Any], ...] = ()
    evidence: str | None = None
    evidence_detail: str = ""
    moves: dict[str, list[str | None]] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The checks that failed (non-empty only for a forced promotion)."""
        return [c for c in self.checks if not c.get("passed")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_name": self.model_name,
            "event": self.event,
            "alias": self.alias,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "forced": self.forced,
            "reason": self.reason,
            "checks": [dict(c) for c in self.checks],
            "evidence": self.evidence,
            "evidence_detail": self.evidence_detail,
            "moves": self.moves,
            "entry": self.entry.to_dict(),
        }


def previous_alias(champion_alias: str = "champion") -> str:
    """The alias the replaced champion keeps: ``previous-champion``."""
    return f"previous-{champion_alias}"


def _stored_checks(candidate: Any) -> list[dict[str, Any]]:
    report = stored_gate_report(candidate)
    if report is None:
        return [
            {
                "name": "gate_report",
                "value": None,
                "threshold": 1.0,
                "comparison": ">=",
                "passed": False,
                "note": "no risk_models.gate_report tag: not registered through the gates",
            }
        ]
    checks = [dict(c) for c in report.get("checks") or []]
    if not checks:
        passed = bool(report.get("passed"))
        checks = [
            {
                "name": "gates_passed",
                "value": float(passed),
                "threshold": 1.0,
                "comparison": ">=",
                "passed": passed,
            }
        ]
    return checks


def _refusal(model_name: str, version: str, failed: list[dict[str, Any]], detail: str) -> str:
    parts = []
    for c in failed:
        text = describe_check(c)
        if c.get("note"):
            text += f" [{c['note']}]"
        parts.append(text)
    why = f" (champion comparison: {detail})" if detail else ""
    return (
        f"promotion of {model_name} v{version} refused: {len(failed)} gate(s) failed: "
        + "; ".join(parts)
        + why
        + "; fix the candidate, or pass --force --reason TEXT to override (recorded)"
    )


def promote(
    client: Any,
    model_name: str,
    *,
    version: str | int | None = None,
    alias: str = "challenger",
    champion_alias: str = "champion",
    force: bool = False,
    reason: str | None = None,
    actor: str | None = None,
    policy: Sequence[GateRule] | None = None,
) -> PromotionResult:
    """Move ``champion_alias`` to a candidate version if it passes its gates.

    Parameters
    ----------
    client : mlflow.MlflowClient
        Tracking and registry client.
    model_name : str
        The registered model.
    version : str or int, optional
        The candidate; default: the version ``alias`` points at.
    alias : str
        Alias naming the candidate when ``version`` is not given.
    champion_alias : str
        The alias to move.
    force : bool
        Move even if gates fail; needs ``reason``; recorded as forced.
    reason : str, optional
        Why (required with ``force``); stored in the ledger.
    actor : str, optional
        Who (default: the OS user).
    policy : sequence of GateRule, optional
        Champion-relative rules (default: the candidate's ``risk_models.champion_gates`` tag,
        else ``auc_vs_champion >= 0``).

    Returns
    -------
    PromotionResult
        The move, every check and the ledger entry.

    Raises
    ------
    PromotionRefused
        If a gate failed and ``force`` is false (nothing moved).
    RegistryError
        If ``force`` lacks a reason, the candidate is already champion, or a version or
        alias does not exist; :class:`~risk_models.registry.moves.ConcurrentPromotionError`
        if another move ran at the same time.
    """
    if force and not (reason and reason.strip()):
        raise RegistryError("--force needs --reason TEXT: a forced promotion must say why")
    candidate = get_version(client, model_name, version=version, alias=None if version else alias)
    cand_v = str(candidate.version)
    aliases = current_aliases(client, model_name)
    champ_v = aliases.get(champion_alias)
    prev_name = previous_alias(champion_alias)
    if champ_v == cand_v:
        raise RegistryError(
            f"{model_name} v{cand_v} is already {champion_alias!r}; nothing to promote"
        )
    champion = get_version(client, model_name, version=champ_v) if champ_v else None
    comparison = compare_with_champion(client, candidate, champion)
    student = dict(candidate.tags or {}).get("risk_models.student", f"v{cand_v}")
    checks = _stored_checks(candidate) + champion_checks(
        comparison, champion_rules(candidate, policy), student
    )
    failed = [c for c in checks if not c.get("passed")]
    detail = comparison.detail if comparison.evidence == "unavailable" else ""
    if failed and not force:
        raise PromotionRefused(_refusal(model_name, cand_v, failed, detail), failed)
    expected = {champion_alias: champ_v, prev_name: aliases.get(prev_name)}
    moves: dict[str, str | None] = {champion_alias: cand_v}
    if champ_v is not None:
        moves[prev_name] = champ_v
    forced = bool(force and failed)
    entry = move_aliases(
        client,
        model_name,
        expected={a: expected[a] for a in moves},
        moves=moves,
        event="force" if forced else "promote",
        alias=champion_alias,
        actor=actor,
        gates=gate_summary(checks, evidence=comparison.evidence),
        reason=reason,
        forced=forced,
    )
    return PromotionResult(
        model_name=model_name,
        event=entry.event,
        alias=champion_alias,
        from_version=champ_v,
        to_version=cand_v,
        forced=forced,
        reason=reason,
        entry=entry,
        checks=tuple(checks),
        evidence=comparison.evidence,
        evidence_detail=comparison.detail,
        moves=entry.moves,
    )


def rollback(
    client: Any,
    model_name: str,
    *,
    actor: str | None = None,
    reason: str | None = None,
    champion_alias: str = "champion",
) -> PromotionResult:
    """Give ``champion`` back to the ``previous-champion`` version, in one ledgered move.

    The two aliases swap: the demoted version becomes ``previous-champion``, so a second
    rollback undoes the first. No gates are checked: the restored version was champion before.

    Raises
    ------
    RegistryError
        If the model has no ``previous-champion`` alias.
    """
    prev_name = previous_alias(champion_alias)
    aliases = current_aliases(client, model_name)
    prev_v = aliases.get(prev_name)
    if prev_v is None:
        raise RegistryError(
            f"{model_name!r} has no {prev_name!r} alias: nothing to roll back to (it is set "
            "when a promotion replaces a champion)"
        )
    champ_v = aliases.get(champion_alias)
    moves: dict[str, str | None] = {champion_alias: prev_v, prev_name: champ_v}
    entry = move_aliases(
        client,
        model_name,
        expected={champion_alias: champ_v, prev_name: prev_v},
        moves=moves,
        event="rollback",
        alias=champion_alias,
        actor=actor,
        reason=reason,
    )
    return PromotionResult(
        model_name=model_name,
        event="rollback",
        alias=champion_alias,
        from_version=champ_v,
        to_version=prev_v,
        forced=False,
        reason=reason,
        entry=entry,
        moves=entry.moves,
    )
