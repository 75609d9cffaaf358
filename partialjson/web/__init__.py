"""Serving updates to browsers: the SSE relay (minimal patches), resumable runs (the hub), the
wire format, replay stores, moderation; the Starlette integration is
:mod:`partialjson.web.starlette` (the ``web`` extra)."""

from .hub import RelayHub
from .moderation import Moderator
from .relay import RelayWriter, arelay, encode_update, relay
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
    "Moderator",
    "RelayEvent",
    "RelayHub",
    "RelayWriter",
    "ReplayState",
    "ReplayStore",
    "UnknownStreamError",
    "arelay",
    "encode_update",
    "relay",
]
