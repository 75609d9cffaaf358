"""Provider wire formats: the SSE decoder, and one adapter module per provider API
(:mod:`.openai_responses`, :mod:`.openai_chat`, :mod:`.anthropic`, :mod:`.gemini`) turning its
events into the neutral :mod:`signals <.signals>`; :mod:`.detect` picks one."""

from .sse import EventTooLarge, ServerSentEvent, SSEDecoder

__all__ = ["EventTooLarge", "SSEDecoder", "ServerSentEvent"]
