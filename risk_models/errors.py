"""The error hierarchy: one base, each error also a matching built-in."""

from __future__ import annotations

from collections.abc import Iterable


class RiskModelsError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(RiskModelsError, ValueError):
    """A pipeline or MLflow YAML file is invalid.

    ``problems`` holds one line per bad field, each naming its YAML path.
    """

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s) in config:\n{lines}")


class DataValidationError(RiskModelsError, ValueError):
    """A data file breaks the data contract (see data/README.md).

    ``problems`` holds every problem found, each naming the file, the column and
    how many rows are affected, and saying what would fix it.
    """

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} data problem(s):\n{lines}")


class DataReadError(RiskModelsError, OSError):
    """A data file is missing, empty, or cannot be parsed."""


class MonotonicityError(RiskModelsError, ValueError):
    """An exported shape table breaks a declared monotone direction."""


class ModelFormatError(RiskModelsError, ValueError):
    """A stored model file (shape table, rules, state dict) is malformed."""


class TrackingError(RiskModelsError, RuntimeError):
    """MLflow lineage or registry operation failed."""


class RegistryError(RiskModelsError, RuntimeError):
    """A registry operation (register, promote, rollback, lineage) was refused or failed."""


class TrackingUnreachable(RiskModelsError, ConnectionError):
    """The tracking or registry store cannot be reached or written; the message names the URI."""
