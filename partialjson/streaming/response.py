"""``partialjson.stream()``: iterate a provider stream, sync or async, as typed updates.

Theory of operation
===================

This is the one layer that touches sources. :func:`stream` accepts what an app has in hand —
an SDK stream (``client.responses.create(..., stream=True)``), any iterable or async iterable of
event objects or dicts, raw SSE bytes or text in chunks (an HTTP body, a recorded ``.sse``
file), or an ``httpx`` response — and returns a :class:`ResponseStream` (or
:class:`AsyncResponseStream` for async sources). Iterating it reads the source item by item,
turns each item into provider event dicts (:class:`_EventReader`), feeds them to the
:class:`~partialjson.lifecycle.machine.Lifecycle` and yields its updates. Sync and async
iteration share every decision; they differ only in how they wait.

Cancelling closes the upstream (``close()`` / ``aclose()`` on the SDK stream or HTTP response,
so the connection drops) and ends the iteration with :class:`~partialjson.Cancelled`. An async
cancel from another task also interrupts a read that is still waiting.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, Optional, Union, overload

from ..lifecycle.machine import ChoiceResult, Lifecycle, Metrics
from ..lifecycle.updates import ResponseState, ToolCall, Update
from ..providers.sse import ServerSentEvent, SSEDecoder

__all__ = ["AsyncResponseStream", "ResponseStream", "stream"]

logger = logging.getLogger("partialjson")


class _EventReader:
    """Turns source items into provider event dicts (sans-I/O): dicts as they are, SDK event
    objects dumped, ``ServerSentEvent`` s and raw SSE bytes or text decoded."""

    def __init__(self) -> None:
        self._sse: Optional[SSEDecoder] = None

    def read(self, item: Any) -> list[Mapping[str, Any]]:
        if isinstance(item, Mapping):
            return [item]
        if isinstance(item, (bytes, bytearray, memoryview, str)):
            if self._sse is None:
                self._sse = SSEDecoder()
            return [
                d
                for event in self._sse.feed(bytes(item) if not isinstance(item, str) else item)
                for d in self._sse_data(event)
            ]
        if isinstance(item, ServerSentEvent) or (hasattr(item, "data") and hasattr(item, "event")):
            return self._sse_data(item)
        dump = getattr(item, "to_dict", None) or getattr(item, "model_dump", None)
        if callable(dump):
            data = dump()
            if isinstance(data, Mapping):
                return [data]
        raise TypeError(f"cannot read a provider event from {type(item).__name__}")

    def close(self) -> list[Mapping[str, Any]]:
        if self._sse is None:
            return []
        events = self._sse.close()
        if self._sse.discarded_tail:
            logger.info("discarded an unterminated last SSE event (the WHATWG rule)")
        return [d for event in events for d in self._sse_data(event)]

    @staticmethod
    def _sse_data(event: Any) -> list[Mapping[str, Any]]:
        data = str(event.data)
        if data.strip() == "[DONE]":
            return [{"done": True}]
        try:
            parsed = json.loads(data)
        except ValueError:
            logger.warning(
                "an SSE event of type %s has data that is not JSON: ignored", event.event
            )
            return []
        return [parsed] if isinstance(parsed, Mapping) else []


def _sync_items(source: Any) -> Iterator[Any]:
    if isinstance(source, (bytes, bytearray, str)):
        return iter([source])  # a whole body
    if hasattr(source, "iter_bytes") and not hasattr(source, "__iter__"):  # an httpx.Response
        return iter(source.iter_bytes())
    return iter(source)


def _interrupted(error: Exception) -> Exception:
    logger.warning(
        "reading the source failed (%s): the response is interrupted", type(error).__name__
    )
    return error


def _async_items(source: Any) -> AsyncIterator[Any]:
    if hasattr(source, "aiter_bytes"):  # httpx.Response of an AsyncClient
        return source.aiter_bytes()  # type: ignore[no-any-return]
    return source.__aiter__()  # type: ignore[no-any-return]


def _is_async(source: Any) -> bool:
    if hasattr(source, "__aiter__"):
        return True
    stream = getattr(source, "stream", None)
    return (
        hasattr(source, "aiter_bytes")
        and hasattr(stream, "__aiter__")
        and not hasattr(stream, "__iter__")
    )


class _Results:
    """What a finished (or running) response stream reports; shared by sync and async."""

    _machine: Lifecycle

    @property
    def state(self) -> ResponseState:
        """``pending``, ``streaming``, then one of the terminal states."""
        return self._machine.state

    @property
    def reason(self) -> Optional[str]:
        """Why it ended so: ``max_output_tokens``, ``length``, an error code, ``interrupted``..."""
        return self._machine.reason

    @property
    def message(self) -> Optional[str]:
        """The provider's error message, for a failed response."""
        return self._machine.message

    @property
    def final(self) -> Any:
        """The validated value — only for a completed response; otherwise
        :class:`~partialjson.FinalValueError` says why there is none."""
        return self._machine.final

    @property
    def partial(self) -> Any:
        """The partial value so far, for display only."""
        return self._machine.choices[0].partial

    @property
    def text(self) -> str:
        """The answer's raw text so far."""
        return self._machine.choices[0].text

    @property
    def refusal(self) -> str:
        return self._machine.choices[0].refusal

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls released so far (complete, each once)."""
        return self._machine.tool_calls

    @property
    def choices(self) -> list[ChoiceResult]:
        """One result per choice (Chat Completions with ``n > 1``)."""
        return self._machine.choices

    @property
    def metrics(self) -> Metrics:
        return self._machine.metrics

    @property
    def response_id(self) -> Optional[str]:
        return self._machine.response_id

    @property
    def provider(self) -> Optional[str]:
        return self._machine.provider

    @property
    def last_sequence_number(self) -> Optional[int]:
        """The last applied ``sequence_number``: resume with ``starting_after=`` this."""
        return self._machine.last_sequence_number


class ResponseStream(_Results):
    """A provider stream read as updates. Iterate it once; then read its results.

    >>> import partialjson
    >>> def chunk(text, finish=None):
    ...     choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    ...     return "data: " + json.dumps({"choices": [choice]}) + "\\n\\n"
    >>> body = chunk('{"answer": 4') + chunk("2}", "stop") + "data: [DONE]\\n\\n"
    >>> response = partialjson.stream(body)
    >>> [type(update).__name__ for update in response]
    ['Started', 'PartialUpdate', 'PartialUpdate', 'FieldCompleted', 'FieldCompleted', 'Completed']
    >>> response.state.value, response.reason, response.final
    ('completed', 'stop', {'answer': 42})
    """

    def __init__(self, source: Any, machine: Lifecycle) -> None:
        self._source = source
        self._machine = machine
        self._reader = _EventReader()
        self._cancel_updates: list[Update] = []
        self._iterating = False

    def __iter__(self) -> Iterator[Update]:
        if self._iterating:
            raise RuntimeError("a response stream can be iterated only once")
        self._iterating = True
        machine = self._machine
        items = _sync_items(self._source)
        error: Optional[Exception] = None
        try:
            while not self._cancel_updates:
                try:
                    item = next(items)
                except StopIteration:
                    break
                except Exception as exc:  # the connection dropped, or cancel() closed it
                    error = None if self._cancel_updates else _interrupted(exc)
                    break
                for data in self._reader.read(item):
                    yield from machine.handle(data)
                if machine.state.terminal:
                    break
            if not self._cancel_updates:
                if error is None:
                    for data in self._reader.close():
                        yield from machine.handle(data)
                yield from machine.end(error)
        except GeneratorExit:  # the loop was left early: that is a cancel
            self._cancel_updates = machine.cancel()
            raise
        finally:
            _close(self._source)
        yield from self._cancel_updates

    def resume(self, source: Any) -> ResponseStream:
        """Continue an *interrupted* response with a resumed stream (e.g. the Responses API's
        ``GET /v1/responses/{id}?stream=true&starting_after=N``, ``N`` being
        :attr:`last_sequence_number`): events already applied are dropped, so no text repeats.
        Returns the stream to iterate for the rest of the response."""
        self._machine.reopen()
        return ResponseStream(source, self._machine)

    def until_done(self) -> ResponseStream:
        """Read the whole stream (discarding the updates) and return ``self``."""
        for _ in self:
            pass
        return self

    def cancel(self) -> None:
        """Cancel: the response ends *cancelled* with no final value, and the upstream source
        is closed (which drops the HTTP connection). Safe from another thread."""
        self._cancel_updates = self._machine.cancel() or self._cancel_updates
        _close(self._source)

    close = cancel

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._machine.state.terminal:
            self.cancel()


class AsyncResponseStream(_Results):
    """The async twin of :class:`ResponseStream`, for async sources."""

    def __init__(self, source: Any, machine: Lifecycle) -> None:
        self._source = source
        self._machine = machine
        self._reader = _EventReader()
        self._cancel_updates: list[Update] = []
        self._pending: Optional[asyncio.Future[Any]] = None
        self._iterating = False

    async def __aiter__(self) -> AsyncIterator[Update]:
        if self._iterating:
            raise RuntimeError("a response stream can be iterated only once")
        self._iterating = True
        machine = self._machine
        items = _async_items(self._source)
        error: Optional[Exception] = None
        try:
            while not self._cancel_updates:
                self._pending = asyncio.ensure_future(items.__anext__())
                try:
                    item = await self._pending
                except StopAsyncIteration:
                    break
                except asyncio.CancelledError:
                    if self._cancel_updates:
                        break  # our own cancel() interrupted the read
                    self._cancel_updates = machine.cancel()  # the consuming task was cancelled
                    raise
                except Exception as exc:  # the connection dropped, or cancel() closed it
                    error = None if self._cancel_updates else _interrupted(exc)
                    break
                finally:
                    self._pending = None
                for data in self._reader.read(item):
                    for update in machine.handle(data):
                        yield update
                if machine.state.terminal:
                    break
            if not self._cancel_updates:
                if error is None:
                    for data in self._reader.close():
                        for update in machine.handle(data):
                            yield update
                for update in machine.end(error):
                    yield update
        except GeneratorExit:  # the loop was left early: that is a cancel
            self._cancel_updates = machine.cancel()
            raise
        finally:
            await _aclose(self._source)
        for update in self._cancel_updates:
            yield update

    def resume(self, source: Any) -> AsyncResponseStream:
        """Continue an *interrupted* response with a resumed (async) stream; see
        :meth:`ResponseStream.resume`."""
        self._machine.reopen()
        return AsyncResponseStream(source, self._machine)

    async def until_done(self) -> AsyncResponseStream:
        """Read the whole stream (discarding the updates) and return ``self``."""
        async for _ in self:
            pass
        return self

    async def cancel(self) -> None:
        """Cancel: *cancelled*, no final value, the upstream closed — also from another task
        while a read is waiting."""
        self._cancel_updates = self._machine.cancel() or self._cancel_updates
        if self._pending is not None:
            self._pending.cancel()
        await _aclose(self._source)

    aclose = cancel

    async def __aenter__(self) -> AsyncResponseStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self._machine.state.terminal:
            await self.cancel()


def _close(source: Any) -> None:
    close = getattr(source, "close", None)
    if callable(close) and not inspect.iscoroutinefunction(close):
        try:
            close()
        except Exception:  # closing is best effort: the response's state is already decided
            logger.debug("closing the source raised", exc_info=True)


async def _aclose(source: Any) -> None:
    for name in ("aclose", "close"):
        close = getattr(source, name, None)
        if callable(close):
            try:
                result = close()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.debug("closing the source raised", exc_info=True)
            return


@overload
def stream(
    source: AsyncIterable[Any],
    type_: Any = None,
    *,
    tools: Optional[Mapping[str, Any]] = None,
    provider: Optional[str] = None,
    **options: Any,
) -> AsyncResponseStream: ...


@overload
def stream(
    source: Union[Iterable[Any], str, bytes],
    type_: Any = None,
    *,
    tools: Optional[Mapping[str, Any]] = None,
    provider: Optional[str] = None,
    **options: Any,
) -> ResponseStream: ...


@overload  # e.g. an httpx.Response: sync or async as its body is
def stream(
    source: Any,
    type_: Any = None,
    *,
    tools: Optional[Mapping[str, Any]] = None,
    provider: Optional[str] = None,
    **options: Any,
) -> Union[ResponseStream, AsyncResponseStream]: ...


def stream(
    source: Any,
    type_: Any = None,
    *,
    tools: Optional[Mapping[str, Any]] = None,
    provider: Optional[str] = None,
    **options: Any,
) -> Union[ResponseStream, AsyncResponseStream]:
    """Read a provider stream as typed updates; ``type_`` types the answer (``None``: JSON).

    ``source``: an SDK stream (OpenAI Responses or Chat Completions, Anthropic Messages), any
    (async) iterable of event objects or dicts, raw SSE as bytes or text (whole, or in chunks),
    or an ``httpx`` response. The provider is detected from the first event, or named with
    ``provider=`` (``openai-responses``, ``openai-chat``, ``anthropic``, ``gemini``).
    ``tools`` maps tool names to the types their arguments are validated against. Other
    options go to the parsers (e.g. ``lenient=True`` for answers with prose around the JSON).

    Returns a :class:`ResponseStream`, or an :class:`AsyncResponseStream` for an async source.
    """
    machine = Lifecycle(type_, tools=tools, provider=provider, **options)
    if _is_async(source):
        return AsyncResponseStream(source, machine)
    return ResponseStream(source, machine)
