"""probe_tracking: local stores must be writable, servers must answer, all within a bound."""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from risk_models.errors import TrackingUnreachable
from risk_models.registry import probe_tracking


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_local_stores_that_can_be_created_pass(tmp_path: Path) -> None:
    probe_tracking(f"sqlite:///{tmp_path / 'new' / 'deeper' / 'mlflow.db'}")
    probe_tracking(f"file://{tmp_path / 'mlruns'}")
    probe_tracking(str(tmp_path / "mlruns"))
    probe_tracking("sqlite:///:memory:")


def test_a_store_under_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(
        TrackingUnreachable, match=rf"tracking URI .*: {blocker} is not a folder, so the store"
    ):
        probe_tracking(f"sqlite:///{blocker / 'mlflow.db'}")
    with pytest.raises(TrackingUnreachable, match=r"is not a file; point the URI at a SQLite"):
        probe_tracking(f"sqlite:///{tmp_path}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any folder")
def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(TrackingUnreachable, match=rf"folder {ro} is not writable"):
            probe_tracking(f"sqlite:///{ro / 'mlflow.db'}")
    finally:
        ro.chmod(0o700)


def test_a_refused_connection_fails_at_once() -> None:
    port = _closed_port()
    started = time.monotonic()
    with pytest.raises(
        TrackingUnreachable,
        match=rf"tracking server 'http://127.0.0.1:{port}' is not reachable \(.*refused.*; waited "
        r"at most 5s, no retries\); check that `mlflow server` is running",
    ):
        probe_tracking(f"http://127.0.0.1:{port}")
    assert time.monotonic() - started < 3
    with pytest.raises(TrackingUnreachable, match=rf"no connection to 127.0.0.1:{port}"):
        probe_tracking(f"postgresql://u:p@127.0.0.1:{port}/db", timeout_s=1)


def test_a_server_that_never_answers_fails_within_the_timeout() -> None:
    with socket.socket() as s:  # accepts connections (backlog) and never replies
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        port = s.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(TrackingUnreachable, match=r"is not reachable \(timed out"):
            probe_tracking(f"http://127.0.0.1:{port}", timeout_s=1.0)
        assert time.monotonic() - started < 3.5


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.send_response(self.routes.get(path, 404))
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, dict[str, int]]]:
    routes: ClassVar[dict[str, int]] = {}
    handler = type("H", (_Handler,), {"routes": routes})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", routes
    finally:
        server.shutdown()
        server.server_close()


def test_http_health_and_the_search_fallback(http_server: tuple[str, dict[str, int]]) -> None:
    url, routes = http_server
    routes["/health"] = 200
    probe_tracking(url)
    routes.clear()
    routes["/api/2.0/mlflow/experiments/search"] = 200
    probe_tracking(url + "/")
    routes["/api/2.0/mlflow/experiments/search"] = 403
    with pytest.raises(TrackingUnreachable, match=r"refused access \(HTTP 403\); set MLFLOW_"):
        probe_tracking(url)
    routes["/health"] = 503
    with pytest.raises(TrackingUnreachable, match=r"answered HTTP 503 to a health check"):
        probe_tracking(url)


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"timeout_s must be positive, got 0"):
        probe_tracking("sqlite:///x.db", timeout_s=0)
