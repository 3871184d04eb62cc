"""Stub HTTP servers on loopback for tests that need real servers behind HAProxy."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[int, str], str]
"""``answer(own port, request path) -> body`` of a stub server."""


def port_only(port: int, path: str) -> str:
    """The default answer: the server's own port."""
    return str(port)


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # HAProxy's health checks hang up early


class _Handler(BaseHTTPRequestHandler):
    server: _StubServer
    server_version = "stub"

    def do_GET(self) -> None:
        body = self.server.answer(int(self.server.server_address[1]), self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def stub_servers(count: int, answer: Answer = port_only) -> Iterator[list[int]]:
    """``count`` HTTP servers answering every GET with 200 and ``answer(port, path)``;
    yields their ports and shuts them down afterwards."""
    servers = [_StubServer(answer) for _ in range(count)]
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield [int(s.server_address[1]) for s in servers]
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()
