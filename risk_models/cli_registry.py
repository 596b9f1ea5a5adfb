"""``riskdistill promote | rollback | history | lineage``: thin wrappers over risk_models.registry.

Each command reads ``mlflow.yaml`` (``--tracking-uri`` wins), probes the store within a few
seconds, and on a refusal or an unreachable store prints one ``error:`` line and exits 2.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from risk_models.cli_common import fail, open_store, store_options
from risk_models.errors import RiskModelsError

#: MLflow's HTTP client retries for minutes by default; these commands fail in seconds.
HTTP_ENV = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "20"}


def _fail(exc: BaseException) -> None:
    """One line: the message's lines joined (the commands promise a single ``error:`` line)."""
    fail(RuntimeError(" ".join(line.strip() for line in str(exc).splitlines() if line.strip())))


def _is_mlflow_error(exc: BaseException) -> bool:
    """An ``MlflowException`` (checked without importing MLflow before the store is probed)."""
    module = sys.modules.get("mlflow.exceptions")
    return module is not None and isinstance(exc, module.MlflowException)


def _store_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--tracking-uri`` and ``--mlflow-config``, and the one-line exit-2 error handling."""

    @store_options
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        saved = {key: os.environ.get(key) for key in HTTP_ENV}
        for key, value in HTTP_ENV.items():
            os.environ.setdefault(key, value)
        try:
            return fn(*args, **kwargs)
        except RiskModelsError as exc:
            _fail(exc)
        except Exception as exc:
            if not _is_mlflow_error(exc):
                raise
            _fail(exc)
        finally:  # leave the environment as found (the commands also run in-process in tests)
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old

    return wrapper


def _client(tracking_uri: str | None, mlflow_config: Path) -> tuple[Any, Any]:
    """A client for the configured stores, after probing both; and the MLflow config."""
    return open_store(tracking_uri, mlflow_config)


def _check_line(c: dict[str, Any]) -> str:
    from risk_models.registry.versions import describe_check

    return f"  {'pass' if c.get('passed') else 'FAIL'}  {describe_check(c)}"


@click.command("promote")
@click.argument("model")
@click.option("--version", "version", default=None, help="Candidate version number.")
@click.option(
    "--alias", default=None, help="Candidate alias (default: challenger_alias of mlflow.yaml)."
)
@click.option("--force", is_flag=True, help="Promote even if gates fail (needs --reason).")
@click.option("--reason", default=None, help="Why; required with --force, kept in the ledger.")
@click.option("--actor", default=None, help="Who promotes (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_store_options
def promote_cmd(
    model: str,
    version: str | None,
    alias: str | None,
    force: bool,
    reason: str | None,
    actor: str | None,
    as_json: bool,
    tracking_uri: str | None,
    mlflow_config: Path,
) -> None:
    """Move the champion alias of MODEL to a candidate that passes its gates."""
    from risk_models.errors import RegistryError
    from risk_models.registry import previous_alias, promote

    if version is not None and alias is not None:
        raise RegistryError("pass --version or --alias, not both")
    if force and not (reason and reason.strip()):
        raise RegistryError("--force needs --reason TEXT: a forced promotion must say why")
    client, mcfg = _client(tracking_uri, mlflow_config)
    result = promote(
        client,
        model,
        version=version,
        alias=alias or mcfg.challenger_alias,
        champion_alias=mcfg.champion_alias,
        force=force,
        reason=reason,
        actor=actor,
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=1, default=str))
        return
    was = f"was v{result.from_version}" if result.from_version else "no previous champion"
    kept = (
        f"; v{result.from_version} keeps {previous_alias(mcfg.champion_alias)!r}"
        if result.from_version
        else ""
    )
    verb = "FORCED" if result.forced else "promoted"
    click.echo(
        f"{verb} {model} v{result.to_version} to {result.alias!r} ({was}{kept}); ledger entry "
        f"{result.entry.seq:06d}"
    )
    click.echo(f"gates ({result.evidence}: {result.evidence_detail})")
    for c in result.checks:
        click.echo(_check_line(c))


@click.command("rollback")
@click.argument("model")
@click.option("--reason", default=None, help="Why (kept in the ledger).")
@click.option("--actor", default=None, help="Who rolls back (default: the OS user).")
@_store_options
def rollback_cmd(
    model: str,
    reason: str | None,
    actor: str | None,
    tracking_uri: str | None,
    mlflow_config: Path,
) -> None:
    """Give the champion alias of MODEL back to its previous champion, in one step."""
    from risk_models.registry import previous_alias, rollback

    client, mcfg = _client(tracking_uri, mlflow_config)
    result = rollback(client, model, actor=actor, reason=reason, champion_alias=mcfg.champion_alias)
    click.echo(
        f"rolled back {model} {result.alias!r} from v{result.from_version} to "
        f"v{result.to_version}; v{result.from_version} is now "
        f"{previous_alias(mcfg.champion_alias)!r}; ledger entry {result.entry.seq:06d}"
    )


@click.command("history")
@click.argument("model")
@click.option("--json", "as_json", is_flag=True, help="Print the ledger as JSON.")
@_store_options
def history_cmd(model: str, as_json: bool, tracking_uri: str | None, mlflow_config: Path) -> None:
    """Print the promotion ledger of MODEL: every alias move, oldest first."""
    from risk_models.registry import ledger_problems, read_ledger
    from risk_models.registry.versions import current_aliases

    client, _ = _client(tracking_uri, mlflow_config)
    entries = read_ledger(client, model)
    problems = ledger_problems(entries, current_aliases(client, model))
    if as_json:
        doc = {"model": model, "entries": [e.to_dict() for e in entries], "problems": problems}
        click.echo(json.dumps(doc, indent=1, default=str))
        return
    if not entries:
        click.echo(f"{model}: no alias moves recorded")
    for e in entries:
        gates = e.gates or {}
        verdict = "" if not gates else (" gates pass" if gates.get("passed") else " gates FAIL")
        failed = ", ".join(str(f.get("name")) for f in gates.get("failed", []))
        extra = f" ({failed})" if failed else ""
        why = f" reason: {e.reason}" if e.reason else ""
        state = "" if e.status == "done" else f" [{e.status}]"
        click.echo(
            f"{e.seq:06d} {e.time} {e.event:<8} {e.alias:<18} v{e.from_version or '-'} -> "
            f"v{e.to_version or '-'}  by {e.actor}{' FORCED' if e.forced else ''}{verdict}"
            f"{extra}{why}{state}"
        )
    for p in problems:
        click.echo(f"warning: {p}", err=True)


@click.command("lineage")
@click.argument("model_uri")
@click.option("--json", "as_json", is_flag=True, help="Print the lineage as JSON.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "dot", "mermaid"]),
    default="text",
    show_default=True,
    help="Text for people, or a graph (Graphviz DOT, Mermaid).",
)
@_store_options
def lineage_cmd(
    model_uri: str, as_json: bool, fmt: str, tracking_uri: str | None, mlflow_config: Path
) -> None:
    """Print the chain behind MODEL_URI (models:/NAME@ALIAS or models:/NAME/VERSION)."""
    from risk_models.registry import lineage, render_lineage
    from risk_models.registry.lineage_query import parse_model_uri

    parse_model_uri(model_uri)  # refuse a malformed URI before touching the store
    client, _ = _client(tracking_uri, mlflow_config)
    lin = lineage(client, model_uri)
    if as_json:
        click.echo(json.dumps(lin.to_dict(), indent=1, default=str))
        return
    click.echo(render_lineage(lin, fmt), nl=False)


REGISTRY_COMMANDS = (promote_cmd, rollback_cmd, history_cmd, lineage_cmd)
