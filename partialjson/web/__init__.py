"""Serving updates to browsers: the SSE relay."""

from .relay import arelay, encode_update, relay

__all__ = ["arelay", "encode_update", "relay"]
