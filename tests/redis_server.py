"""A real ``redis-server`` for the tests: started on a free loopback port, in a temporary
directory, with no persistence, and stopped after the session.

``tests/conftest.py`` imports the fixtures, so any test can ask for them. ``redis_url``
gives each test an empty database. Tests are skipped, with the reason shown by ``pytest -ra``,
only when no ``redis-server`` binary can be found (``.ci/run`` installs Debian's) or it does
not start. ``PARTIALJSON_REDIS_URL`` points the tests at a server you run instead (its
database is flushed before every test that uses it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Optional

import pytest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One ``redis-server`` process; :attr:`url` is where to reach it."""

    def __init__(self, binary: str, directory: str) -> None:
        self.binary = binary
        self.directory = directory
        self.port = 0
        self.process: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _options(self) -> list[str]:
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": self.directory,
            "save": "",  # no snapshots, no append-only file: nothing is written to disk
            "appendonly": "no",
            "daemonize": "no",
            "databases": "1",
            "maxclients": "10000",
        }
        return [arg for name, value in options.items() for arg in ("--" + name, value)]

    def start(self, attempts: int = 5) -> None:
        for _ in range(attempts):  # another process may take the free port before we bind it
            self.port = _free_port()
            log = open(os.path.join(self.directory, "redis.log"), "ab")  # noqa: SIM115
            self.process = subprocess.Popen(
                [self.binary, *self._options()],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            log.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                if _ping(self.port):
                    return
                time.sleep(0.02)
            self.stop()
        raise RuntimeError(f"redis-server did not start; see {self.directory}/redis.log")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """The URL of a Redis server for this test session (started here, stopped after)."""
    external = os.environ.get("PARTIALJSON_REDIS_URL")
    if external:
        yield external
        return
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        pytest.skip("no redis-server on PATH (Debian: apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="partialjson-redis-") as directory:
        server = RedisServer(binary, directory)
        try:
            server.start()
        except RuntimeError as exc:
            pytest.skip(str(exc))
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture
def redis_url(redis_server_url: str) -> Iterator[str]:
    """The session's Redis server, emptied before the test."""
    import redis

    client = redis.Redis.from_url(redis_server_url)
    try:
        client.flushdb()
    finally:
        client.close()
    yield redis_server_url
