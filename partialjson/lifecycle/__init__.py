"""The response lifecycle: one sans-I/O state machine from provider signals to updates."""

# The provider adapters first: in the compiled build, a compiled adapter loaded while the
# compiled machine is still being initialised would be documented before the machine's classes
# exist, and the machine's docstrings (see partialjson/_build.py) would be lost.
from ..providers import detect as _detect  # noqa: F401
from .machine import ChoiceResult, Lifecycle, Metrics

__all__ = ["ChoiceResult", "Lifecycle", "Metrics"]
