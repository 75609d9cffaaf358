"""A local HTTP server on 127.0.0.1 that streams recorded provider responses, for the
end-to-end tests that point the official SDK clients at it with ``base_url``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

from .streams import body


class Script:
    """What the server answers next: a recorded body, sent in chunks with pauses, and
    optionally a stall (for cancelling while a read waits)."""

    def __init__(
        self,
        name: str = "",
        chunk: int = 64,
        pause: float = 0.0,
        stall_after: Optional[int] = None,
        raw: Optional[bytes] = None,
    ):
        self.body = raw if raw is not None else body(name)
        self.chunk = chunk
        self.pause = pause
        self.stall_after = stall_after  # bytes sent before the server stops sending
        self.closed_by_client = threading.Event()
        self.paths: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        script = self.server.script
        assert script is not None
        self.rfile.read(int(self.headers.get("content-length", 0)))
        script.paths.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        sent = 0
        try:
            while sent < len(script.body):
                if script.stall_after is not None and sent >= script.stall_after:
                    self._stall(script)
                    return
                piece = script.body[sent : sent + script.chunk]
                self.wfile.write(piece)
                self.wfile.flush()
                sent += len(piece)
                time.sleep(script.pause)
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            script.closed_by_client.set()

    def _stall(self, script: Script) -> None:
        """Send nothing more; notice when the client hangs up (a read returns EOF)."""
        self.connection.settimeout(0.05)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.connection.recv(1) == b"":
                    script.closed_by_client.set()
                    return
            except socket.timeout:  # TimeoutError from 3.10 on
                continue
            except OSError:
                script.closed_by_client.set()
                return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    script: Optional[Script] = None


@contextmanager
def serving(script: Script) -> Iterator[str]:
    """Serve ``script`` on a free loopback port; yields the base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.script = script
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
