"""Check, within a bounded time, that a tracking/registry store can be reached before using it.

MLflow's own HTTP client retries a dead server for minutes (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``
with exponential backoff), and a SQLite store in a folder nobody can write fails only at the
first write. :func:`probe_tracking` asks once, with a short timeout and no retries, and raises
:class:`~risk_models.errors.TrackingUnreachable` naming the URI and what to check, so a command
fails in seconds and before anything is half-done.

* ``sqlite:///path`` and ``file:`` / plain-path stores: the folder that will hold the store (or
  its nearest existing ancestor, which MLflow would create it in) must be a writable folder, and
  an existing database file must be a readable and writable file.
* ``http://`` / ``https://``: one ``GET /health`` (MLflow's server answers ``OK``); a server
  without that route (404) gets one ``GET /api/2.0/mlflow/experiments/search``.
* database URIs with a host (``postgresql://``, ``mysql://``...): one TCP connection to the port.
"""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from risk_models.errors import TrackingUnreachable

__all__ = ["probe_tracking"]

_DB_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433}
_SEARCH_PATH = "/api/2.0/mlflow/experiments/search?max_results=1"


def _local_path(uri: str) -> Path | None:
    """The filesystem path of a SQLite or file store (``None`` for other schemes)."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme == "sqlite":
        raw = uri.removeprefix("sqlite://")
        if raw in ("", "/", "/:memory:"):
            return None
        return Path(raw.removeprefix("/")) if not raw.startswith("//") else Path(raw[1:])
    if parsed.scheme == "file":
        return Path(urllib.parse.unquote(parsed.path))
    if parsed.scheme == "" or (len(parsed.scheme) == 1 and os.name == "nt"):
        return Path(uri)
    return None


def _probe_path(uri: str, path: Path, is_db: bool) -> None:
    folder = path.parent if is_db else path
    if is_db and path.exists():
        if not path.is_file():
            raise TrackingUnreachable(
                f"tracking URI {uri!r}: {path} is not a file; point the URI at a SQLite "
                "database file"
            )
        if not os.access(path, os.R_OK | os.W_OK):
            raise TrackingUnreachable(
                f"tracking URI {uri!r}: database file {path} is not readable and writable by "
                "this user; check its permissions"
            )
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise TrackingUnreachable(
            f"tracking URI {uri!r}: {existing} is not a folder, so the store at {path} cannot be "
            "created; fix the path in mlflow.yaml or --tracking-uri"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise TrackingUnreachable(
            f"tracking URI {uri!r}: folder {existing} is not writable by this user; check its "
            "permissions or point the URI elsewhere"
        )


def _get(url: str, timeout_s: float) -> int:
    """HTTP status of one GET (no retries; redirects followed by urllib)."""
    request = urllib.request.Request(url, headers={"User-Agent": "riskdistill-probe"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _probe_http(uri: str, timeout_s: float) -> None:
    base = uri.rstrip("/")
    deadline = time.monotonic() + timeout_s
    try:
        status = _get(f"{base}/health", timeout_s)
        if status == 404:
            remaining = max(0.1, deadline - time.monotonic())
            status = _get(f"{base}{_SEARCH_PATH}", remaining)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TrackingUnreachable(
            f"tracking server {uri!r} is not reachable ({reason}; waited at most "
            f"{timeout_s:g}s, no retries); check that `mlflow server` is running there, the "
            "host and port, and any proxy or firewall"
        ) from None
    if status in (401, 403):
        raise TrackingUnreachable(
            f"tracking server {uri!r} refused access (HTTP {status}); set MLFLOW_TRACKING_TOKEN "
            "or MLFLOW_TRACKING_USERNAME/PASSWORD"
        )
    if status >= 400:
        raise TrackingUnreachable(
            f"tracking server {uri!r} answered HTTP {status} to a health check; check that the "
            "URI is an MLflow tracking server (not, e.g., its UI behind a path prefix)"
        )


def _probe_tcp(uri: str, host: str, port: int, timeout_s: float) -> None:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return
    except OSError as exc:
        raise TrackingUnreachable(
            f"tracking store {uri!r}: no connection to {host}:{port} within {timeout_s:g}s "
            f"({exc}); check that the database is running and reachable from here"
        ) from None


def probe_tracking(uri: str, timeout_s: float = 5.0) -> None:
    """Raise if the tracking or registry store at ``uri`` cannot be used; return quickly if it can.

    Parameters
    ----------
    uri : str
        A tracking or registry URI: ``sqlite:///path.db``, ``file:///folder``, a plain folder,
        ``http(s)://host:port``, or a database URI such as ``postgresql://host/db``.
    timeout_s : float
        Bound on the network wait, in seconds (no retries). Schemes the probe does not know
        (``databricks``...) are not probed.

    Raises
    ------
    TrackingUnreachable
        Naming ``uri`` and what to check: the folder or file permissions of a local store,
        or the server, host and port of a remote one.
    """
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    parsed = urllib.parse.urlparse(uri)
    scheme = parsed.scheme.split("+", 1)[0]
    path = _local_path(uri)
    if path is not None:
        _probe_path(uri, path.expanduser(), is_db=scheme == "sqlite")
    elif scheme in ("http", "https"):
        _probe_http(uri, timeout_s)
    elif scheme in _DB_PORTS and parsed.hostname:
        _probe_tcp(uri, parsed.hostname, parsed.port or _DB_PORTS[scheme], timeout_s)
