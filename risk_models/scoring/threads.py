"""The two helper threads of a local scoring job: read ahead, and write behind.

Arrow decodes, encodes and compresses Parquet without holding the GIL, so on two cores the
next batch is read and the previous one written while the current one is scored.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any


def prefetch(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Iterate ``items`` in a background thread, ``depth`` items ahead (errors re-raised)."""
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def run() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put(("item", item))
        except BaseException as exc:
            q.put(("error", exc))
            return
        q.put(("item", done))

    t = threading.Thread(target=run, name="riskdistill-reader", daemon=True)
    t.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "error":
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()


class BackgroundWriter:
    """Write tables in a thread (Arrow encodes and compresses without the GIL) while the next
    batch is scored; a write error is raised in the caller at the next ``put`` or at exit."""

    def __init__(self, depth: int = 2) -> None:
        self._q: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._run, name="riskdistill-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            if self._error is not None:
                continue
            writer, table = item
            t = time.perf_counter()
            try:
                writer.write(table)
            except BaseException as exc:
                self._error = exc
            self.seconds += time.perf_counter() - t

    def put(self, writer: Any, table: Any) -> None:
        if self._error is not None:
            raise self._error
        self._q.put((writer, table))

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._q.put(None)
        self._thread.join()
        if exc is None and self._error is not None:
            raise self._error
