"""The model registry: gated registration, promotion, rollback, the ledger and lineage.

Every function takes an explicit ``MlflowClient``; :func:`probe_tracking` checks a store is
reachable (bounded time) before any of them is used. See README "Registry and promotion".

Names are re-exported lazily (PEP 562), so ``risk_models.registry.probe`` can run before
MLflow, pandas and scikit-learn are imported: a dead store is reported in a second.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "champion": (
        "CHAMPION_GATES_TAG",
        "DEFAULT_CHAMPION_GATES",
        "TEST_SCORES_ARTIFACT",
        "ChampionComparison",
        "compare_with_champion",
        "log_test_scores",
    ),
    "ledger": ("LedgerEntry", "aliases_by_ledger", "ledger_problems", "read_ledger"),
    "lineage_query": ("DatasetFacts", "Lineage", "RunFacts", "lineage"),
    "lineage_render": ("lineage_graph", "render_lineage"),
    "moves": ("ConcurrentPromotionError", "move_aliases"),
    "probe": ("probe_tracking",),
    "promotion": ("PromotionRefused", "PromotionResult", "previous_alias", "promote", "rollback"),
    "register": ("register_version",),
    "versions": ("GATES_PASSED_TAG", "GATE_REPORT_TAG"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
