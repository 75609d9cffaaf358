"""The Starlette integration over real HTTP (uvicorn on a loopback port, httpx as the client):
a relay response cancelled by a disconnect, a hub's runs read, resumed with Last-Event-ID,
watched twice, stopped, and cancelled when nobody watches."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Optional

import pytest

pytest.importorskip("starlette", reason="the web extra (starlette) is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the web extra (uvicorn) is not installed")
httpx = pytest.importorskip("httpx")

from starlette.applications import Starlette  # noqa: E402
from starlette.routing import Route  # noqa: E402

import partialjson  # noqa: E402
from examples.live_form.app import create_app, expected_ticket  # noqa: E402
from partialjson import ResponseState, SSEDecoder  # noqa: E402
from partialjson.web.starlette import RelayResponse, client_route, client_script  # noqa: E402
from partialjson.web.wire import RelayEvent, ReplayState  # noqa: E402

from .test_relay_behaviour import AsyncSlowSource, SlowSource  # noqa: E402


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` on uvicorn in a thread; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def read_events(
    url: str, last_event_id: Optional[str] = None, stop_after: Optional[int] = None
) -> list[RelayEvent]:
    """The relay events at ``url`` (all, or the first ``stop_after``: then it disconnects)."""
    headers = {} if last_event_id is None else {"Last-Event-ID": last_event_id}
    decoder = SSEDecoder()
    out: list[RelayEvent] = []
    with httpx.stream("GET", url, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for chunk in response.iter_bytes():
            for event in decoder.feed(chunk):
                out.append(RelayEvent(str(event.id), str(event.event), str(event.data).encode()))
                if stop_after is not None and len(out) >= stop_after:
                    return out
    return out


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def rebuild(events: list[RelayEvent], state: Optional[ReplayState] = None) -> ReplayState:
    state = state or ReplayState()
    for event in events:
        state.fold(event)
    return state


@pytest.fixture(scope="module")
def live_form() -> Iterator[tuple[str, Starlette]]:
    app = create_app(pace=0.002, linger=0.5)
    with serve(app) as url:
        yield url, app


def start_run(url: str) -> str:
    key = httpx.post(url + "/runs").json()["key"]
    assert isinstance(key, str)
    return key


def test_a_run_read_from_the_start(live_form: tuple[str, Starlette]) -> None:
    url, app = live_form
    key = start_run(url)
    events = read_events(f"{url}/runs/{key}")
    assert events[0].event == "started" and events[-1].event == "completed"
    assert events[-1].json()["value"] == expected_ticket()
    state = rebuild(events)
    assert state.value == expected_ticket()
    assert [c["status"] for c in state.tool_calls.values()] == ["ready"]
    source, stream = app.state.runs[key]
    assert source.sent == len(source.events)  # the upstream was read once
    assert stream.state is ResponseState.COMPLETED


def test_a_reconnect_gets_exactly_what_it_missed(live_form: tuple[str, Starlette]) -> None:
    url, app = live_form
    key = start_run(url)
    first = read_events(f"{url}/runs/{key}", stop_after=40)  # then the connection drops
    rest = read_events(f"{url}/runs/{key}", last_event_id=first[-1].id)
    assert int(rest[0].id) > int(first[-1].id)  # nothing twice
    state = rebuild(rest, rebuild(first))
    assert state.value == expected_ticket()
    second_viewer = rebuild(read_events(f"{url}/runs/{key}"))
    assert second_viewer.value == expected_ticket()
    source, stream = app.state.runs[key]
    assert source.sent == len(source.events)  # read once: the reconnect did not start it again
    assert stream.state is ResponseState.COMPLETED


def test_stop_cancels_upstream(live_form: tuple[str, Starlette]) -> None:
    url, app = live_form
    key = start_run(url)
    first = read_events(f"{url}/runs/{key}", stop_after=5)
    response = httpx.post(f"{url}/runs/{key}/cancel")
    assert response.status_code == 202 and response.json() == {"cancelled": True}
    rest = read_events(f"{url}/runs/{key}", last_event_id=first[-1].id)
    assert rest[-1].event == "cancelled"
    source, stream = app.state.runs[key]
    assert source.closed and stream.state is ResponseState.CANCELLED
    assert source.sent < len(source.events)


def test_nobody_watching_cancels_upstream(live_form: tuple[str, Starlette]) -> None:
    url, app = live_form
    key = start_run(url)
    read_events(f"{url}/runs/{key}", stop_after=3)  # the browser goes away for good
    source, stream = app.state.runs[key]
    wait_for(lambda: stream.state is ResponseState.CANCELLED)
    assert source.closed and source.sent < len(source.events)


def test_unknown_runs_and_the_client_script(live_form: tuple[str, Starlette]) -> None:
    url, _ = live_form
    assert httpx.get(f"{url}/runs/nope").status_code == 404
    assert httpx.post(f"{url}/runs/nope/cancel").status_code == 404
    script = httpx.get(f"{url}/partialjson.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.text == client_script() and "export function applyPatch" in script.text


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_relay_response_cancels_upstream_on_disconnect(kind: str) -> None:
    pieces = ['{"a": "', *["x"] * 400, '"}']
    sources: list[Any] = []
    streams: list[Any] = []

    async def endpoint(request: Any) -> RelayResponse:
        source = SlowSource(pieces, 0.002) if kind == "sync" else AsyncSlowSource(pieces, 0.002)
        sources.append(source)
        streams.append(partialjson.stream(source))
        return RelayResponse(streams[-1], heartbeat=1.0)

    app = Starlette(routes=[Route("/answer", endpoint), client_route()])
    with serve(app) as url:
        events = read_events(url + "/answer", stop_after=10)
        assert [e.event for e in events[:2]] == ["started", "patch"]
        wait_for(lambda: streams[0].state is ResponseState.CANCELLED)
        wait_for(sources[0].closed.is_set if kind == "sync" else lambda: sources[0].closed.is_set())
        whole = read_events(url + "/answer")
        assert whole[-1].event == "completed"
        assert rebuild(whole).value == {"a": "x" * 400}
        assert json.loads(whole[-1].data)["value"] == {"a": "x" * 400}


def test_a_reader_that_fell_behind_the_store_gets_a_snapshot() -> None:
    from starlette.responses import JSONResponse

    from examples.live_form.app import RECORDING, TOOLS, Replay
    from examples.live_form.model import Ticket
    from partialjson.web.hub import RelayHub
    from partialjson.web.starlette import relay_routes
    from partialjson.web.store import AsyncMemoryStore

    hub = RelayHub(AsyncMemoryStore(maxlen=16), heartbeat=1.0, linger=5.0)

    async def start(request: Any) -> JSONResponse:
        stream = partialjson.stream(Replay(RECORDING, 0.001), Ticket, tools=TOOLS)
        return JSONResponse({"key": hub.start(stream)})

    app = Starlette(routes=[Route("/runs", start, methods=["POST"]), *relay_routes(hub, "/runs")])
    with serve(app) as url:
        key = start_run(url)
        first = read_events(f"{url}/runs/{key}", stop_after=5)
        time.sleep(1.0)  # the run goes on; the store keeps only the last 16 events
        rest = read_events(f"{url}/runs/{key}", last_event_id=first[-1].id)
        assert rest[0].event == "snapshot" and int(rest[0].id) > int(first[-1].id)
        ids = [int(e.id) for e in rest]
        assert ids == list(range(ids[0], ids[-1] + 1))  # after the snapshot, every event once
        state = rebuild(rest, rebuild(first))
        assert state.value == expected_ticket()
        assert rest[-1].event == "completed"


def test_an_unreachable_shared_store_answers_503_resume_unavailable() -> None:
    """A reconnect that lands on an instance whose Redis is down: not "unknown" (404), but
    "cannot resume from here" (503), so a client knows to retry rather than give up."""
    import redis.asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    from partialjson.web import AsyncRedisStore, RelayHub, StoreUnavailableError
    from partialjson.web.starlette import relay_routes

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = redis.asyncio.Redis(port=port, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    hub = RelayHub(AsyncRedisStore(client), heartbeat=None)
    with serve(Starlette(routes=relay_routes(hub, "/runs"))) as url:
        for response in (httpx.get(f"{url}/runs/r1"), httpx.post(f"{url}/runs/r1/cancel")):
            assert response.status_code == 503
            assert response.json() == {"error": "resume_unavailable"}
    assert issubclass(StoreUnavailableError, partialjson.web.UnknownStreamError)
