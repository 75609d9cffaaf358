"""The command line: ``partialjson`` and ``python -m partialjson``."""

from .main import main, replay

__all__ = ["main", "replay"]
