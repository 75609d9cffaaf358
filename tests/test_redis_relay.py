"""Resumable relays across server instances on one Redis (a real redis-server): two relay
apps, each its own uvicorn server and :class:`AsyncRedisStore`, behind an imaginary load
balancer. A client reads from A, drops, and resumes on B with ``Last-Event-ID``; a second
viewer joins on B mid-stream; a cancel sent through B stops A's upstream call; the owner is
killed (a separate process, SIGKILL) and B's readers end ``failed``; random disconnect points.
Every time: the rebuilt value is the final answer, no event twice or missing, the upstream
called once. Finally, Redis unreachable: the connected client still gets the whole answer."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the web extra (starlette) is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the web extra (uvicorn) is not installed")
httpx = pytest.importorskip("httpx")

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

import partialjson  # noqa: E402
from examples.live_form.app import RECORDING, TOOLS, Replay, expected_ticket  # noqa: E402
from examples.live_form.model import Ticket  # noqa: E402
from partialjson.web.hub import RelayHub  # noqa: E402
from partialjson.web.redis_store import AsyncRedisStore  # noqa: E402
from partialjson.web.starlette import relay_routes  # noqa: E402
from partialjson.web.wire import RelayEvent  # noqa: E402

from .test_web import read_events, rebuild, serve, wait_for  # noqa: E402

PACE = 0.003  # seconds between upstream events: an answer takes about 1.5 s
LEASE = 2.0  # long enough for a loaded machine's event loop; the kill test waits for it


def create_app(store: Any, pace: float = PACE) -> Starlette:
    """One relay instance: ``POST /runs`` starts the bundled answer (counted in
    ``app.state.sources``); ``/runs/{key}`` and ``/runs/{key}/cancel`` serve any run in
    ``store``."""
    hub = RelayHub(store, linger=30.0, heartbeat=0.5, cancel_poll=0.05)
    sources: dict[str, Replay] = {}

    async def start(request: Request) -> Response:
        source = Replay(RECORDING, pace)
        key = hub.start(partialjson.stream(source, Ticket, tools=TOOLS))
        sources[key] = source
        return JSONResponse({"key": key})

    async def upstream(request: Request) -> Response:
        return JSONResponse({k: [s.sent, len(s.events), s.closed] for k, s in sources.items()})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await hub.aclose()
        await store.aclose()

    app = Starlette(
        routes=[
            Route("/runs", start, methods=["POST"]),
            Route("/upstream", upstream),
            *relay_routes(hub, "/runs"),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.sources = sources
    return app


@pytest.fixture
def instances(redis_url: str) -> Iterator[tuple[str, str, Starlette, Starlette]]:
    """Two relay instances A and B on one Redis: (url A, url B, app A, app B)."""
    a = create_app(AsyncRedisStore(redis_url, lease=LEASE))
    b = create_app(AsyncRedisStore(redis_url, lease=LEASE))
    with serve(a) as url_a, serve(b) as url_b:
        yield url_a, url_b, a, b


def start(url: str) -> str:
    key = httpx.post(url + "/runs").json()["key"]
    assert isinstance(key, str)
    return key


def assert_once_and_whole(events: list[RelayEvent]) -> None:
    """The events a client put together: ids 1, 2, 3, ... each once, ending with the answer."""
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].event == "completed"
    assert rebuild(events).value == expected_ticket()
    assert events[-1].json()["value"] == expected_ticket()


def assert_upstream_read_once(owner: Starlette, other: Starlette, key: str) -> None:
    source = owner.state.sources[key]
    assert key not in other.state.sources  # the other instance never called the model
    assert source.sent == len(source.events)  # the owner read the answer once, to the end
    assert len(owner.state.sources) == 1


def test_a_client_resumes_on_another_instance(
    instances: tuple[str, str, Starlette, Starlette],
) -> None:
    url_a, url_b, app_a, app_b = instances
    key = start(url_a)
    first = read_events(f"{url_a}/runs/{key}", stop_after=60)  # the connection drops
    rest = read_events(f"{url_b}/runs/{key}", last_event_id=first[-1].id)  # lands on B
    assert_once_and_whole(first + rest)
    assert_upstream_read_once(app_a, app_b, key)
    late = read_events(f"{url_b}/runs/{key}", last_event_id=rest[-1].id)  # after the end
    assert [e.event for e in late] == ["completed"]


def test_a_second_viewer_joins_mid_stream_on_another_instance(
    instances: tuple[str, str, Starlette, Starlette],
) -> None:
    url_a, url_b, app_a, app_b = instances
    key = start(url_a)
    results: dict[str, list[RelayEvent]] = {}
    first = threading.Thread(target=lambda: results.update(a=read_events(f"{url_a}/runs/{key}")))
    first.start()
    wait_for(lambda: app_a.state.sources[key].sent > 100)
    results["b"] = read_events(f"{url_b}/runs/{key}")  # from the start, while A streams
    first.join(30)
    assert_once_and_whole(results["a"])
    assert_once_and_whole(results["b"])
    assert_upstream_read_once(app_a, app_b, key)


def test_a_cancel_sent_through_b_stops_the_upstream_call_on_a(
    instances: tuple[str, str, Starlette, Starlette],
) -> None:
    url_a, url_b, app_a, app_b = instances
    key = start(url_a)
    first = read_events(f"{url_b}/runs/{key}", stop_after=10)
    response = httpx.post(f"{url_b}/runs/{key}/cancel")
    assert response.status_code == 202
    rest = read_events(f"{url_b}/runs/{key}", last_event_id=first[-1].id)
    events = first + rest
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].event == "cancelled"
    source = app_a.state.sources[key]
    wait_for(lambda: source.closed)
    assert source.sent < len(source.events)  # stopped mid-answer, not read to the end
    assert key not in app_b.state.sources


@pytest.mark.parametrize("seed", range(3))
def test_random_disconnect_points(
    instances: tuple[str, str, Starlette, Starlette], seed: int
) -> None:
    url_a, url_b, app_a, app_b = instances
    rng = random.Random(seed)
    owner_url, owner, other = rng.choice([(url_a, app_a, app_b), (url_b, app_b, app_a)])
    key = start(owner_url)
    clients: list[list[RelayEvent]] = [[] for _ in range(3)]

    def client(events: list[RelayEvent]) -> None:
        local = random.Random(rng.random())
        while not events or not events[-1].terminal:
            url = local.choice([url_a, url_b])
            after = events[-1].id if events else None
            events.extend(read_events(f"{url}/runs/{key}", after, stop_after=local.randint(1, 90)))

    threads = [threading.Thread(target=client, args=(events,)) for events in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for events in clients:
        assert_once_and_whole(events)
    assert_upstream_read_once(owner, other, key)


# -- the owner killed: A in a process of its own ---------------------------------------------


def _serve_instance() -> None:  # pragma: no cover - runs in the child process
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    app = create_app(AsyncRedisStore(args.redis, lease=LEASE), pace=0.02)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


@pytest.fixture
def instance_process(redis_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parent.parent
    code = "from tests.test_redis_relay import _serve_instance; _serve_instance()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--redis", redis_url, "--port", str(port)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(url) or process.poll() is not None, timeout=30)
        assert process.poll() is None, "the instance did not start"
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _up(url: str) -> bool:
    try:
        return httpx.get(url + "/upstream", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_owner_killed_mid_answer_readers_end_failed_never_hang(
    instance_process: tuple[str, subprocess.Popen[bytes]], redis_url: str
) -> None:
    url_a, process = instance_process
    b = create_app(AsyncRedisStore(redis_url, lease=LEASE))
    with serve(b) as url_b:
        key = start(url_a)
        first = read_events(f"{url_b}/runs/{key}", stop_after=20)  # B follows A's answer
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        began = time.monotonic()
        rest = read_events(f"{url_b}/runs/{key}", last_event_id=first[-1].id)
        assert time.monotonic() - began < 5 * LEASE  # the lease ran out, nobody waits forever
        events = first + rest
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert (events[-1].event, events[-1].json()) == ("failed", {"reason": "owner_lost"})
        again = read_events(f"{url_b}/runs/{key}")  # a second viewer sees the same end
        assert again[-1].event == "failed" and len(again) == len(events)
        assert key not in b.state.sources  # B did not call the model again


# -- Redis unreachable ----------------------------------------------------------------------


def test_with_redis_unreachable_the_connected_client_gets_the_whole_answer() -> None:
    import redis.asyncio

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def store() -> AsyncRedisStore:
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        client = redis.asyncio.Redis(
            port=port, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
        )
        return AsyncRedisStore(client, lease=LEASE)

    a, b = create_app(store()), create_app(store())
    with serve(a) as url_a, serve(b) as url_b:
        key = start(url_a)
        assert_once_and_whole(read_events(f"{url_a}/runs/{key}"))
        refused = httpx.get(f"{url_b}/runs/{key}")  # no resume on another instance, and
        assert refused.status_code == 503  # it says so: not "unknown" but "unavailable"
        assert refused.json() == {"error": "resume_unavailable"}


def test_the_store_works_from_a_url_with_the_hub_alone(redis_url: str) -> None:
    async def main() -> list[bytes]:
        store = AsyncRedisStore(redis_url)
        hub = RelayHub(store, heartbeat=None)
        key = hub.start(partialjson.stream(Replay(RECORDING, 0.0), Ticket, tools=TOOLS))
        chunks = [chunk async for chunk in hub.events(key)]
        await store.aclose()
        return chunks

    chunks = asyncio.run(main())
    assert b"event: completed" in chunks[-1]
