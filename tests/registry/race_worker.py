"""One side of a two-process promotion race (run by test_race.py as a separate interpreter).

Usage: ``python race_worker.py URI MODEL VERSION ROLE SCENARIO SYNC_DIR``. The worker promotes
``VERSION``; its ledger write is held at file barriers in ``SYNC_DIR`` so both workers read the
same ledger head before either writes, then:

* ``one_loser``: ``first`` writes and waits until ``second`` has written, re-read and given up;
* ``both_write``: both write before either re-reads (which one re-reads first is left open).

It prints one JSON line: role, ok, error type and message, and the version it promoted.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

TIMEOUT_S = 90.0


def _wait(path: Path) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"race barrier {path.name} never appeared")
        time.sleep(0.02)


def _hold_first_ledger_write(client: Any, role: str, scenario: str, sync: Path) -> None:
    original = client.set_registered_model_tag
    other = "second" if role == "first" else "first"
    held = {"done": False}

    def hook(name: str, key: str, value: str) -> None:
        if held["done"] or not key.startswith("risk_models.ledger.") or '"pending"' not in value:
            original(name, key, value)
            return
        held["done"] = True
        (sync / f"read-{role}").touch()
        _wait(sync / f"read-{other}")
        if scenario == "one_loser" and role == "second":
            _wait(sync / "written-first")
        original(name, key, value)
        (sync / f"written-{role}").touch()
        if scenario == "one_loser" and role == "first":
            _wait(sync / "finished-second")
        if scenario == "both_write":
            _wait(sync / f"written-{other}")

    client.set_registered_model_tag = hook


def main(uri: str, model: str, version: str, role: str, scenario: str, sync_dir: str) -> None:
    import mlflow

    from risk_models.registry import promote

    sync = Path(sync_dir)
    client = mlflow.MlflowClient(uri, uri)
    _hold_first_ledger_write(client, role, scenario, sync)
    out: dict[str, Any] = {"role": role, "version": version}
    try:
        result = promote(client, model, version=version, actor=role)
        out.update(ok=True, seq=result.entry.seq)
    except Exception as exc:  # reported to the test, which asserts on type and message
        out.update(ok=False, error=type(exc).__name__, message=str(exc))
    finally:
        (sync / f"finished-{role}").touch()
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:7])
