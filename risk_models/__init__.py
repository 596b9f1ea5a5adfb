"""risk_models: distil credit and fraud teacher ensembles into interpretable students."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("risk_models")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
