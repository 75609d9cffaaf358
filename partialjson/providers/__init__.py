"""Provider wire formats: the SSE decoder and one adapter per provider API."""

from .sse import ServerSentEvent, SSEDecoder

__all__ = ["SSEDecoder", "ServerSentEvent"]
