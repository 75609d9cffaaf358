"""The stream API: ``stream()`` iterates a provider source, sync or async, through the lifecycle."""

from .response import AsyncResponseStream, ResponseStream, stream

__all__ = ["AsyncResponseStream", "ResponseStream", "stream"]
