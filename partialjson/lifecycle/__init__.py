"""The response lifecycle: one sans-I/O state machine from provider signals to updates."""

from .machine import ChoiceResult, Lifecycle, Metrics

__all__ = ["ChoiceResult", "Lifecycle", "Metrics"]
