"""register -> promote -> rollback -> history -> lineage through a real ``mlflow server``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from risk_models.cli import main
from tests.mlflow_server import mlflow_server as running_server
from tests.registry.conftest import BETTER, GOOD, MODEL, WORSE, add_version, connect


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``mlflow server`` on 127.0.0.1 with a temporary backend and artifact root; stopped after."""
    with running_server(tmp_path) as url:
        yield url


def _cli(url: str, *args: str) -> str:
    res = CliRunner().invoke(main, [*args, "--tracking-uri", url])
    assert res.exit_code == 0, res.stderr
    return res.stdout


@pytest.mark.slow
def test_registry_round_trip_over_http(server: str, tmp_path: Path) -> None:
    import mlflow

    before = mlflow.get_tracking_uri()
    try:
        store = connect(server, tmp_path)
        versions = [
            add_version(store, model, student=name)
            for model, name in ((GOOD, "good"), (BETTER, "better"), (WORSE, "worse"))
        ]
    finally:
        mlflow.set_tracking_uri(before)
    assert versions == ["1", "2", "3"]
    assert "promoted" in _cli(server, "promote", MODEL, "--version", "1")
    assert "gates (paired: both tables scored" in _cli(server, "promote", MODEL, "--version", "2")
    refused = CliRunner().invoke(main, ["promote", MODEL, "--tracking-uri", server])
    assert refused.exit_code == 2 and "auc_vs_champion = -0.3" in refused.stderr
    forced = _cli(server, "promote", MODEL, "--force", "--reason", "over http")
    assert forced.startswith(f"FORCED {MODEL} v3 to 'champion' (was v2; v2 keeps 'previous-")
    assert "from v3 to v2" in _cli(server, "rollback", MODEL)
    history = json.loads(_cli(server, "history", MODEL, "--json"))
    assert history["problems"] == []
    assert [e["event"] for e in history["entries"]] == [
        "register",
        "register",
        "register",
        "promote",
        "promote",
        "force",
        "rollback",
    ]
    plain = mlflow.MlflowClient(server, server).get_registered_model(MODEL)
    assert {str(a): str(v) for a, v in plain.aliases.items()} == {
        "challenger": "3",
        "champion": "2",
        "previous-champion": "3",
    }
    assert sum(k.startswith("risk_models.ledger.") for k in plain.tags) == 7
    lin = json.loads(_cli(server, "lineage", f"models:/{MODEL}@champion", "--json"))
    assert lin["version"] == "2" and lin["aliases"] == ["champion"]
    assert [e["event"] for e in lin["ledger"]][-3:] == ["promote", "force", "rollback"]
