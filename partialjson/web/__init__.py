"""Serving updates to browsers: the SSE relay (minimal patches), resumable runs (the hub), the
wire format, replay stores, moderation; the Starlette integration is
:mod:`partialjson.web.starlette` (the ``web`` extra). ``RedisStore``, ``AsyncRedisStore`` and
``OwnershipError`` come from :mod:`partialjson.web.redis_store`, imported when first used (the
``redis`` extra)."""

from typing import TYPE_CHECKING, Any

from .hub import RelayHub
from .moderation import Moderator
from .relay import RelayWriter, arelay, encode_update, relay
from .store import (
    AsyncMemoryStore,
    AsyncReplayStore,
    MemoryStore,
    ReplayStore,
    StoreUnavailableError,
    UnknownStreamError,
)
from .wire import RelayEvent, ReplayState

if TYPE_CHECKING:
    from .redis_store import AsyncRedisStore, OwnershipError, RedisStore

_REDIS_NAMES = ("AsyncRedisStore", "OwnershipError", "RedisStore")


def __getattr__(name: str) -> Any:
    """The Redis stores, imported on first use (the ``redis`` extra is optional)."""
    if name in _REDIS_NAMES:
        from . import redis_store

        return getattr(redis_store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AsyncMemoryStore",
    "AsyncRedisStore",
    "AsyncReplayStore",
    "MemoryStore",
    "Moderator",
    "OwnershipError",
    "RedisStore",
    "RelayEvent",
    "RelayHub",
    "RelayWriter",
    "ReplayState",
    "ReplayStore",
    "StoreUnavailableError",
    "UnknownStreamError",
    "arelay",
    "encode_update",
    "relay",
]
