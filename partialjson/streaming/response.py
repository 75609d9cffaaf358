"""``partialjson.stream()``: iterate a provider stream, sync or async, as typed updates.

Theory of operation
===================

This is the one layer that touches sources. :func:`stream` accepts what an app has in hand —
an SDK stream (``client.responses.create(..., stream=True)``), any iterable or async iterable of
event objects or dicts, raw SSE bytes or text in chunks (an HTTP body, a recorded ``.sse``
file), or an ``httpx`` response — and returns a :class:`ResponseStream` (or
:class:`AsyncResponseStream` for async sources). Iterating it reads the source item by item,
turns each item into provider event dicts, feeds them to the
:class:`~partialjson.lifecycle.machine.Lifecycle` and yields its updates (the work per item,
which waits for nothing, is :mod:`partialjson.streaming.reader`'s). Sync and async
iteration share every decision; they differ only in how they wait.

Cancelling closes the upstream (``close()`` / ``aclose()`` on the SDK stream or HTTP response,
so the connection drops) and ends the iteration with :class:`~partialjson.Cancelled`. An async
cancel from another task also interrupts a read that is still waiting.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import socket
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import Any, Callable, Optional, TypeVar, Union, overload

from ..core.errors import kept
from ..core.events import Path
from ..lifecycle.machine import ChoiceResult, Lifecycle, Metrics
from ..lifecycle.updates import _OPEN, ResponseState, ToolCall, Update
from ..providers.sse import DEFAULT_MAX_SIZE
from ..typed.parser import FieldStatus, Issue
from .reader import Steps

__all__ = ["AsyncResponseStream", "ResponseStream", "stream"]

logger = logging.getLogger("partialjson")

_T = TypeVar("_T")


def _sync_items(source: Any) -> Iterator[Any]:
    if isinstance(source, (bytes, bytearray, str)):
        return iter([source])  # a whole body
    if hasattr(source, "iter_bytes") and not hasattr(source, "__iter__"):  # an httpx.Response
        return iter(source.iter_bytes())
    return iter(source)


def _interrupted(error: Exception) -> Exception:
    """The source's ``error``, kept as what interrupted the response (see :func:`kept`)."""
    logger.warning(
        "reading the source failed (%s): the response is interrupted", type(error).__name__
    )
    return kept(error)


class _IdleTimeout(Exception):
    """No item arrived within the idle timeout."""


_STOP: Any = object()


def _uncancel(task: asyncio.Task[Any]) -> int:
    """Take back one cancellation request of ``task``; the requests still pending (Python
    3.11+ counts them; before, a cancellation is just delivered, and none remain)."""
    uncancel = getattr(task, "uncancel", None)
    return int(uncancel()) if uncancel is not None else 0


class _TimedItems:
    """A sync source read with an idle timeout: one reader thread fetches one item per request,
    so nothing is read ahead, and the caller waits for it at most ``timeout`` seconds."""

    def __init__(self, items: Iterator[Any], timeout: float) -> None:
        self._items = items
        self._timeout = timeout
        self._requests: queue.Queue[Any] = queue.Queue()
        self._results: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="partialjson-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._requests.get() is not _STOP:
            try:
                self._results.put(("item", next(self._items)))
            except StopIteration:
                self._results.put(("end", None))
                return
            except BaseException as error:  # handed to the caller's thread
                self._results.put(("error", error))
                return

    def __iter__(self) -> _TimedItems:
        return self

    def __next__(self) -> Any:
        self._requests.put(None)
        try:
            kind, value = self._results.get(timeout=self._timeout)
        except queue.Empty:
            raise _IdleTimeout from None
        if kind == "end":
            raise StopIteration
        if kind == "error":
            raise value
        return value

    def stop(self) -> None:
        """The reader thread ends after its current read (closing the source unblocks it)."""
        self._requests.put(_STOP)


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

    def __init__(
        self,
        source: Any,
        machine: Lifecycle,
        *,
        idle_timeout: Optional[float] = None,
        max_sse_size: int = DEFAULT_MAX_SIZE,
    ) -> None:
        self._source = source
        self._machine = machine
        self._steps = Steps(machine, max_sse_size)
        self._idle_timeout = idle_timeout
        self._max_sse_size = max_sse_size
        # What cancel() made, once it was called (a tuple until then: one object less to
        # keep per open stream; it is replaced, never added to).
        self._cancel_updates: Sequence[Update] = ()

    def _timeout_message(self) -> str:
        logger.warning("no event for %ss: the response times out", self._idle_timeout)
        return f"no data from the source for {self._idle_timeout} seconds"

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
        """The refusal text so far (the model declined; see :class:`~partialjson.Refused`)."""
        return self._machine.choices[0].refusal

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls released so far (complete, each once)."""
        return self._machine.tool_calls

    def status(self, path: Union[str, Path] = ()) -> FieldStatus:
        """Where a value of the answer (choice 0) stands: ``pending``, ``streaming``,
        ``complete``...; by tuple or ``"items.0.name"``. Per choice: ``choices[i].status``.

        >>> import partialjson
        >>> from partialjson.samples import Invoice, invoice_text
        >>> half = invoice_text()[:300]  # the stream so far
        >>> response = partialjson.stream([{"choices": [{"index": 0, "delta": {"content": half}}]}],
        ...                               Invoice)
        >>> for update in response:
        ...     pass
        >>> [response.status(path).value for path in ("customer", "items.1", ("total",))]
        ['complete', 'streaming', 'pending']
        """
        return self._machine.choices[0].status(path)

    @property
    def issues(self) -> list[Issue]:
        """Complete values of the answer that failed their field's validation (kept out of
        the partial value), for a typed answer.

        >>> import partialjson
        >>> from partialjson.samples import Invoice, invoice_text
        >>> text = invoice_text().replace('"quantity": 1', '"quantity": 0')  # not allowed
        >>> chunks = [{"choices": [{"index": 0, "delta": {"content": text[:400]}}]}]
        >>> response = partialjson.stream(chunks, Invoice)
        >>> for update in response:
        ...     pass
        >>> [(issue.path, issue.message) for issue in response.issues][0]
        (('items', 1, 'quantity'), 'Input should be greater than 0')
        >>> response.partial.items[1].quantity is None  # kept out of the partial value
        True
        """
        return self._machine.choices[0].issues

    @property
    def items(self) -> list[Any]:
        """The elements of the ``items=`` array completed so far (each also an
        :class:`~partialjson.ItemCompleted` update).

        >>> import partialjson
        >>> chunks = [{"choices": [{"index": 0, "delta": {"content": '{"rows": [1, 2, 3'}}]}]
        >>> response = partialjson.stream(chunks, items="rows")
        >>> for update in response:
        ...     pass
        >>> response.items  # 3 may still grow into 30
        [1, 2]
        """
        return self._machine.choices[0].items

    @property
    def server_tool_calls(self) -> list[ToolCall]:
        """Tools the provider runs itself (web search, MCP, code interpreter...), as they stand:
        arguments, ``status`` and ``result`` for display. Never released, never to be run."""
        return self._machine.server_tool_calls

    @property
    def reasoning(self) -> str:
        """The reasoning text so far (thinking, summaries), kept apart from the answer."""
        return self._machine.choices[0].reasoning

    @property
    def citations(self) -> list[Any]:
        """Citations and annotations of the answer's text, as the provider gave them."""
        return self._machine.choices[0].citations

    @property
    def choices(self) -> list[ChoiceResult]:
        """One result per choice (Chat Completions with ``n > 1``)."""
        return self._machine.choices

    @property
    def metrics(self) -> Metrics:
        """Timings and counts of this response (:class:`~partialjson.Metrics`)."""
        return self._machine.metrics

    @property
    def response_id(self) -> Optional[str]:
        """The provider's id of the response, where the stream gives one."""
        return self._machine.response_id

    @property
    def provider(self) -> Optional[str]:
        """The provider detected (or named): ``openai-responses``, ``openai-chat``,
        ``anthropic`` or ``gemini``; ``None`` before the first event."""
        return self._machine.provider

    @property
    def last_sequence_number(self) -> Optional[int]:
        """The last applied ``sequence_number``: resume with ``starting_after=`` this."""
        return self._machine.last_sequence_number


class ResponseStream(_Results):
    """A provider stream read as updates. Iterate it once; then read its results.

    >>> import json
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

    def __init__(
        self,
        source: Any,
        machine: Lifecycle,
        *,
        idle_timeout: Optional[float] = None,
        max_sse_size: int = DEFAULT_MAX_SIZE,
    ) -> None:
        super().__init__(source, machine, idle_timeout=idle_timeout, max_sse_size=max_sse_size)
        self._iterating = False
        self._lock = self._steps.lock = threading.Lock()

    def __iter__(self) -> Iterator[Update]:
        if self._iterating:
            raise RuntimeError("a response stream can be iterated only once")
        self._iterating = True
        machine, steps = self._machine, self._steps
        items: Iterator[Any] = _sync_items(self._source)
        if self._idle_timeout is not None:
            items = _TimedItems(items, self._idle_timeout)
        error: Optional[Exception] = None
        try:
            while not self._cancel_updates:
                try:
                    item = next(items)
                except StopIteration:
                    break
                except _IdleTimeout:
                    yield from self._locked(machine.fail, "timeout", self._timeout_message())
                    _abort_read(self._source)
                    break
                except Exception as exc:  # the connection dropped, or cancel() closed it
                    error = None if self._cancel_updates else _interrupted(exc)
                    break
                updates = steps.item(item)  # the usual: one event per item (under the lock)
                yield from self._apply(steps.events) if updates is None else updates
                if machine.state not in _OPEN:  # (not .terminal: a Python call per item)
                    break
            if not self._cancel_updates:
                if error is None:
                    yield from self._apply(steps.reader.close())
                yield from self._locked(machine.end, error)
        except GeneratorExit:  # the loop was left early: that is a cancel
            self._cancel_updates = self._locked(machine.cancel)
            raise
        finally:
            if isinstance(items, _TimedItems):
                items.stop()
            _close(self._source)
        yield from self._cancel_updates

    def _apply(self, events: list[Mapping[str, Any]]) -> Iterator[Update]:
        """Several events of one item: each one's updates yielded before the next is applied."""
        steps = self._steps
        for data in events:
            yield from self._locked(steps.event, data)
        yield from self._locked(steps.error)

    def _locked(self, step: Callable[..., _T], *args: Any) -> _T:
        """One step of the machine; cancel() from another thread waits for it to end."""
        with self._lock:
            return step(*args)

    def resume(self, source: Any) -> ResponseStream:
        """Continue an *interrupted* response with a resumed stream (e.g. the Responses API's
        ``GET /v1/responses/{id}?stream=true&starting_after=N``, ``N`` being
        :attr:`last_sequence_number`): events already applied are dropped, so no text repeats.
        Returns the stream to iterate for the rest of the response."""
        self._machine.reopen()
        return ResponseStream(
            source,
            self._machine,
            idle_timeout=self._idle_timeout,
            max_sse_size=self._max_sse_size,
        )

    def until_done(self) -> ResponseStream:
        """Read the whole stream (discarding the updates) and return ``self``."""
        for _ in self:
            pass
        return self

    def cancel(self) -> None:
        """Cancel: the response ends *cancelled* with no final value, and the upstream source
        is closed (which drops the HTTP connection). Safe from another thread: if the last
        event is being applied at that moment, whichever comes first decides the state."""
        self._cancel_updates = self._locked(self._machine.cancel) or self._cancel_updates
        _abort_read(self._source)  # a read blocked in another thread ends now
        _close(self._source)

    close = cancel

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._machine.state.terminal:
            self.cancel()


class AsyncResponseStream(_Results):
    """The async twin of :class:`ResponseStream`, for async sources (an ``AsyncOpenAI`` or
    ``AsyncAnthropic`` stream, an async generator, an async HTTP body): ``async for``,
    ``await cancel()``, ``await until_done()``, and the same results.

    >>> import asyncio
    >>> import partialjson
    >>> async def events():
    ...     yield {"type": "message_start", "message": {"id": "msg_1"}}
    ...     yield {"type": "content_block_start", "index": 0,
    ...            "content_block": {"type": "text", "text": ""}}
    ...     yield {"type": "content_block_delta", "index": 0,
    ...            "delta": {"type": "text_delta", "text": '{"ok": true}'}}
    ...     yield {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}
    ...     yield {"type": "message_stop"}
    >>> async def main():
    ...     response = partialjson.stream(events())
    ...     async for update in response:
    ...         pass
    ...     return type(response).__name__, update, response.final
    >>> asyncio.run(main())
    ('AsyncResponseStream', Completed(value={'ok': True}, reason='end_turn'), {'ok': True})
    """

    def __init__(
        self,
        source: Any,
        machine: Lifecycle,
        *,
        idle_timeout: Optional[float] = None,
        max_sse_size: int = DEFAULT_MAX_SIZE,
    ) -> None:
        super().__init__(source, machine, idle_timeout=idle_timeout, max_sse_size=max_sse_size)
        self._pending: Optional[asyncio.Future[Any]] = None
        self._reading: Optional[asyncio.Task[Any]] = None  # the task waiting for the source
        self._interrupting = False  # cancel() interrupted that read
        # Who interrupts a read that waits, for a driver that steps the reads by hand in its
        # own task (the relay, while it also keeps heartbeats on time): cancel() calls it
        # instead of cancelling the consuming task, which may be busy with something else
        # (sending a heartbeat) while the read waits. It makes the read under way raise
        # CancelledError and says whether there was one.
        self._interrupter: Optional[Callable[[], bool]] = None
        self._iterating = False

    async def __aiter__(self) -> AsyncIterator[Update]:
        items = self._begin()
        machine, steps = self._machine, self._steps
        # Looked up once, used per item:
        next_item, current_task, updates_of = items.__anext__, asyncio.current_task, steps.updates
        error: Optional[Exception] = None
        timed_out = False
        try:
            while not self._cancel_updates:
                try:
                    if self._idle_timeout is None:
                        # The next item, read in the consuming task itself (no task per read:
                        # a read costs what the source costs). cancel() from another task
                        # interrupts a read that waits by cancelling this task once; that one
                        # cancellation is taken back here.
                        task = self._reading = current_task()
                        try:
                            item = await next_item()
                        except BaseException as exc:
                            if not self._taken_back(task, exc):
                                raise
                            break
                        finally:
                            self._reading = None
                    else:
                        self._pending = pending = asyncio.ensure_future(items.__anext__())
                        done, _ = await asyncio.wait({pending}, timeout=self._idle_timeout)
                        if not done:
                            pending.cancel()
                            timed_out = True
                            break
                        item = pending.result()
                except StopAsyncIteration:
                    break
                except asyncio.CancelledError:
                    if self._cancel_updates and self._idle_timeout is not None:
                        break  # our own cancel() cancelled the pending read
                    if self._pending is not None:
                        self._pending.cancel()
                    self._cancel_updates = machine.cancel()  # the consuming task was cancelled
                    raise
                except Exception as exc:  # the connection dropped, or cancel() closed it
                    error = self._read_failed(exc)
                    break
                finally:
                    self._pending = None
                for update in updates_of(item):
                    yield update
                if machine.state not in _OPEN:  # (not .terminal: a Python call per item)
                    break
            if timed_out:
                for update in machine.fail("timeout", self._timeout_message()):
                    yield update
            else:
                for update in self._closing(error):
                    yield update
        except GeneratorExit:  # the loop was left early: that is a cancel
            self._cancel_updates = machine.cancel()
            raise
        finally:
            await _aclose(self._source)
        for update in self._cancel_updates:
            yield update

    def _begin(self) -> AsyncIterator[Any]:
        """Start reading the source (once): its items. For :meth:`__aiter__`, and for the
        relay, which reads the items itself (``web/reads.py``) and hands each to
        its steps (``Steps.updates``), with no async generator between it and the source."""
        if self._iterating:
            raise RuntimeError("a response stream can be iterated only once")
        self._iterating = True
        return _async_items(self._source)

    def _closing(self, error: Optional[Exception]) -> Iterator[Update]:
        """The updates that end reading the source — it ran dry, the response left its open
        states, or reading failed (``error``) — unless :meth:`cancel` decided the end (its
        updates come last, after the source was closed)."""
        if not self._cancel_updates:
            steps = self._steps
            if error is None:
                yield from steps.apply(steps.reader.close())
            yield from self._machine.end(error)

    def _read_failed(self, error: Exception) -> Optional[Exception]:
        """What ends the response when reading the source raised ``error`` (the connection
        dropped, or cancel() closed it): interrupted, unless cancel() decided the end."""
        return None if self._cancel_updates else _interrupted(error)

    def _taken_back(self, task: Optional[asyncio.Task[Any]], error: BaseException) -> bool:
        """Whether ``error`` ended a read because :meth:`cancel` interrupted it (that one
        cancellation is then taken back): the source may turn it into an error of its own."""
        if self._interrupting and task is not None:
            self._interrupting = False
            if self._interrupter is not None:  # the driver interrupted it; the task is as it was
                return isinstance(error, asyncio.CancelledError)
            return _uncancel(task) == 0 and isinstance(error, asyncio.CancelledError)
        return False

    def _set_interrupter(self, interrupter: Optional[Callable[[], bool]]) -> None:
        """Have :meth:`cancel` interrupt a waiting read by calling ``interrupter`` (which makes
        the read raise :class:`asyncio.CancelledError`) rather than by cancelling the task that
        reads: for a driver that steps the reads by hand (``None``: back to the task)."""
        self._interrupter = interrupter

    def resume(self, source: Any) -> AsyncResponseStream:
        """Continue an *interrupted* response with a resumed (async) stream; see
        :meth:`ResponseStream.resume`."""
        self._machine.reopen()
        return AsyncResponseStream(
            source,
            self._machine,
            idle_timeout=self._idle_timeout,
            max_sse_size=self._max_sse_size,
        )

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
        interrupter = self._interrupter
        if interrupter is not None:  # a driver steps the reads: it interrupts one under way
            if interrupter():
                self._interrupting = True
        else:
            reading = self._reading
            if reading is not None and reading is not asyncio.current_task():
                self._interrupting = True  # a read waits in the consuming task: interrupt it
                reading.cancel()
        await _aclose(self._source)

    aclose = cancel

    async def __aenter__(self) -> AsyncResponseStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self._machine.state.terminal:
            await self.cancel()


def _abort_read(source: Any) -> None:
    """Wake a read blocked in the reader thread: shut down the HTTP response's socket, where
    one can be found (an SDK stream's or httpx response's ``network_stream``). Closing alone
    does not interrupt a ``recv`` waiting in another thread."""
    response = getattr(source, "response", source)
    try:
        network = response.extensions["network_stream"]
        sock = network.get_extra_info("socket")
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # not an HTTP response, or already closed: closing is all there is
        logger.debug("no socket to shut down", exc_info=True)


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
    idle_timeout: Optional[float] = None,
    max_sse_size: int = DEFAULT_MAX_SIZE,
    **options: Any,
) -> AsyncResponseStream: ...


@overload
def stream(
    source: Union[Iterable[Any], str, bytes],
    type_: Any = None,
    *,
    tools: Optional[Mapping[str, Any]] = None,
    provider: Optional[str] = None,
    idle_timeout: Optional[float] = None,
    max_sse_size: int = DEFAULT_MAX_SIZE,
    **options: Any,
) -> ResponseStream: ...


@overload  # e.g. an httpx.Response: sync or async as its body is
def stream(
    source: Any,
    type_: Any = None,
    *,
    tools: Optional[Mapping[str, Any]] = None,
    provider: Optional[str] = None,
    idle_timeout: Optional[float] = None,
    max_sse_size: int = DEFAULT_MAX_SIZE,
    **options: Any,
) -> Union[ResponseStream, AsyncResponseStream]: ...


def stream(
    source: Any,
    type_: Any = None,
    *,
    tools: Optional[Mapping[str, Any]] = None,
    provider: Optional[str] = None,
    idle_timeout: Optional[float] = None,
    max_sse_size: int = DEFAULT_MAX_SIZE,
    **options: Any,
) -> Union[ResponseStream, AsyncResponseStream]:
    """Read a provider stream as typed updates; ``type_`` types the answer (``None``: JSON).

    ``source``: an SDK stream (OpenAI Responses or Chat Completions, Anthropic Messages), any
    (async) iterable of event objects or dicts, raw SSE as bytes or text (whole, or in chunks),
    or an ``httpx`` response. The provider is detected from the first event, or named with
    ``provider=`` (``openai-responses``, ``openai-chat``, ``anthropic``, ``gemini``).
    ``tools`` maps tool names to the types their arguments are validated against. Other
    options go to the parsers (e.g. ``lenient=True`` for answers with prose around the JSON).

    ``idle_timeout`` (seconds): a source that delivers nothing for that long ends the response
    *failed* (``timeout``) and is closed. ``max_sse_size`` bounds one SSE line and one event's
    data (characters, default 16 MiB): past it the response fails (``protocol_error``).
    ``max_size`` / ``max_depth`` bound the answer and each tool call's arguments alike.
    ``items="rows"`` names an array of the answer whose elements are reported as they
    complete (:class:`~partialjson.ItemCompleted`, :attr:`ResponseStream.items`).

    Returns a :class:`ResponseStream`, or an :class:`AsyncResponseStream` for an async source.

    >>> import partialjson
    >>> from partialjson.samples import Invoice, invoice_text
    >>> text = invoice_text()
    >>> chunks = [{"choices": [{"index": 0, "delta": {"content": text[i : i + 40]}}]}
    ...           for i in range(0, len(text), 40)]
    >>> chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    >>> response = partialjson.stream(chunks, Invoice, items="items")
    >>> for update in response:
    ...     if isinstance(update, partialjson.ItemCompleted):
    ...         print(update.index, update.item.sku)
    0 KB-01
    1 MS-07
    2 CB-12
    >>> response.state.value, response.final.total, response.status("customer.name").value
    ('completed', 224.99, 'complete')
    """
    if idle_timeout is not None and not idle_timeout > 0:
        raise ValueError("idle_timeout must be a positive number of seconds")
    machine = Lifecycle(type_, tools=tools, provider=provider, **options)
    if _is_async(source):
        return AsyncResponseStream(
            source, machine, idle_timeout=idle_timeout, max_sse_size=max_sse_size
        )
    return ResponseStream(source, machine, idle_timeout=idle_timeout, max_sse_size=max_sse_size)
