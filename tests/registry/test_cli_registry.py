"""riskdistill promote / rollback / history / lineage: messages, JSON and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from risk_models.cli import main
from tests.registry.conftest import MODEL, Store


def _run(store: Store, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, [*args, "--tracking-uri", store.uri])
    return res.exit_code, res.stdout, res.stderr


def test_promote_refuse_force_rollback_history(store: Store) -> None:
    code, out, _ = _run(store, "promote", MODEL, "--version", "1", "--actor", "alice")
    assert code == 0
    assert out.startswith(
        f"promoted {MODEL} v1 to 'champion' (no previous champion); ledger entry 000006\n"
        "gates (no_champion: no current champion)\n  pass  auc = 0.8 (needs >= 0.6)\n"
    )
    code, out, _ = _run(store, "promote", MODEL, "--version", "2")
    assert code == 0 and "(was v1; v1 keeps 'previous-champion')" in out
    assert "  pass  auc_vs_champion = 0.0" in out

    code, out, err = _run(store, "promote", MODEL, "--version", "3")
    assert code == 2 and out == ""
    assert err.startswith(
        f"error: promotion of {MODEL} v3 refused: 1 gate(s) failed: auc_vs_champion = -0.3"
    )
    assert err.count("\n") == 1 and "Traceback" not in err

    code, _, err = _run(store, "promote", MODEL, "--version", "3", "--force")
    assert (code, err) == (
        2,
        "error: --force needs --reason TEXT: a forced promotion must say why\n",
    )
    code, out, _ = _run(
        store, "promote", MODEL, "--version", "3", "--force", "--reason", "demo", "--actor", "bob"
    )
    assert code == 0 and out.startswith(f"FORCED {MODEL} v3 to 'champion' (was v2;")
    assert "  FAIL  auc_vs_champion = -0.3" in out

    code, out, _ = _run(store, "rollback", MODEL, "--actor", "carol")
    assert (code, out) == (
        0,
        f"rolled back {MODEL} 'champion' from v3 to v2; v3 is now 'previous-champion'; "
        "ledger entry 000009\n",
    )
    code, out, err = _run(store, "history", MODEL)
    lines = out.splitlines()
    assert code == 0 and err == "" and len(lines) == 9
    assert " force    champion           v2 -> v3  by bob FORCED gates FAIL (auc_vs_champion) " in (
        lines[7] + " "
    )
    assert lines[7].endswith("reason: demo") and " rollback champion " in lines[8]
    code, out, _ = _run(store, "history", MODEL, "--json")
    doc = json.loads(out)
    assert doc["problems"] == [] and [e["event"] for e in doc["entries"]][-2:] == [
        "force",
        "rollback",
    ]


def test_promote_json_and_argument_errors(store: Store) -> None:
    code, out, _ = _run(store, "promote", MODEL, "--json")  # the challenger: v5
    assert code == 0
    doc = json.loads(out)
    assert (doc["to_version"], doc["event"], doc["entry"]["seq"]) == ("5", "promote", 6)
    code, _, err = _run(store, "promote", MODEL, "--version", "1", "--alias", "challenger")
    assert (code, err) == (2, "error: pass --version or --alias, not both\n")
    code, _, err = _run(store, "history", "nope")
    assert code == 2 and err.startswith("error: registered model 'nope' not found at 'sqlite:")


def test_lineage_json_and_graph(store: Store) -> None:
    code, out, _ = _run(store, "lineage", f"models:/{MODEL}/2", "--json")
    assert code == 0 and json.loads(out)["version"] == "2"
    code, out, _ = _run(store, "lineage", f"models:/{MODEL}@challenger", "--format", "mermaid")
    assert code == 0 and out.startswith("flowchart LR\n") and "alias_challenger" in out
    code, _, err = _run(store, "lineage", "credit-student")
    assert code == 2 and "expected models:/NAME@ALIAS or models:/NAME/VERSION" in err


def test_an_unreachable_server_fails_fast_with_one_line(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("riskdistill")
    for args in (["promote", MODEL], ["history", MODEL], ["lineage", f"models:/{MODEL}@champion"]):
        started = time.monotonic()
        proc = subprocess.run(
            [str(exe), *args, "--tracking-uri", "http://127.0.0.1:9"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert time.monotonic() - started < 15
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.startswith(
            "error: tracking server 'http://127.0.0.1:9' is not reachable"
        )
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
