"""What every step shares: the logging context and the progress reporter.

A step is two plain functions: ``compute_<step>(cfg, state, progress) -> Result`` (no I/O,
unit-tested on tiny fixtures) and ``log_<step>(result, ctx) -> Logged`` (MLflow only, through
``ctx.client``). :mod:`risk_models.pipeline` holds the ordered list and runs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("risk_models.pipeline")


class Progress(Protocol):
    """Reports what a step is doing: ``progress(step, message)``."""

    def __call__(self, step: str, message: str) -> None: ...


class ProgressBar(Protocol):
    """Optional counter for long loops (members x folds): ``start`` then ``advance``."""

    def start(self, step: str, description: str, total: int) -> None: ...

    def advance(self, step: str, description: str) -> None: ...

    def stop(self, step: str) -> None: ...


def log_progress(step: str, message: str) -> None:
    """The default reporter: the ``risk_models.pipeline`` logger at INFO."""
    log.info("%s: %s", step, message)


@dataclass(frozen=True)
class Reporter:
    """A message sink plus an optional bar (``None`` = messages only)."""

    say: Progress = log_progress
    bar: ProgressBar | None = None

    @contextmanager
    def counting(self, step: str, description: str, total: int) -> Iterator[Callable[[str], None]]:
        """Yield ``tick(label)``: advances the bar, or says every tick when there is none."""
        done = [0]

        def tick(label: str) -> None:
            done[0] += 1
            if self.bar is not None:
                self.bar.advance(step, f"{description}: {label}")
            else:
                self.say(step, f"{description}: {label} ({done[0]}/{total})")

        if self.bar is not None:
            self.bar.start(step, description, total)
        try:
            yield tick
        finally:
            if self.bar is not None:
                self.bar.stop(step)


@dataclass(frozen=True)
class Logged:
    """What logging a step left in MLflow: its run id, child runs and recorded facts."""

    run_id: str
    children: Mapping[str, str] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LogContext:
    """Where a step's ``log`` function writes: client, experiment, parent run, output folder,
    and what the earlier steps logged (their run ids)."""

    client: Any
    experiment_id: str
    parent_run_id: str
    output_dir: Path
    config_hash: str
    logged: Mapping[str, Logged] = field(default_factory=dict)
    challenger_alias: str = "challenger"

    def child_run(self, name: str) -> str:
        """Create the child run ``name`` under the parent run; return its id."""
        from risk_models.tracking.runs import start_run

        return start_run(self.client, self.experiment_id, name, parent_run_id=self.parent_run_id)


#: The reporter used when none is given: messages go to the ``risk_models.pipeline`` logger.
QUIET = Reporter()
