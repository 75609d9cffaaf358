"""Serving updates to browsers: the SSE relay, its wire format and replay stores."""

from .relay import arelay, encode_update, relay
from .store import (
    AsyncMemoryStore,
    AsyncReplayStore,
    MemoryStore,
    ReplayStore,
    UnknownStreamError,
)
from .wire import RelayEvent, ReplayState

__all__ = [
    "AsyncMemoryStore",
    "AsyncReplayStore",
    "MemoryStore",
    "RelayEvent",
    "ReplayState",
    "ReplayStore",
    "UnknownStreamError",
    "arelay",
    "encode_update",
    "relay",
]
