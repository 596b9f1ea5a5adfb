"""A ``rich`` progress bar for long loops of the pipeline (members x folds), TTY only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class RichBar:
    """:class:`~risk_models.steps.base.ProgressBar` over one ``rich.progress.Progress``."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress
        self._tasks: dict[str, Any] = {}

    def start(self, step: str, description: str, total: int) -> None:
        self._tasks[step] = self._progress.add_task(f"{step}: {description}", total=total)

    def advance(self, step: str, description: str) -> None:
        task = self._tasks.get(step)
        if task is not None:
            self._progress.update(task, advance=1, description=f"{step}: {description}")

    def stop(self, step: str) -> None:
        task = self._tasks.pop(step, None)
        if task is not None:
            self._progress.remove_task(task)


@contextmanager
def progress_bar(console: Any) -> Iterator[RichBar | None]:
    """A bar with elapsed time and ETA when ``console`` is a terminal; ``None`` otherwise
    (each step then reports every fold as a line)."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        yield RichBar(progress)
