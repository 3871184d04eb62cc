"""Client load on an HTTP port: single requests, bounded bursts, a steady
:class:`Load` in the background, and summaries of their :class:`Result` s."""

from __future__ import annotations

import collections
import contextlib
import http.client
import json
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import attrs

__all__ = ["Load", "Result", "burst", "by_status", "first_served", "get"]


@attrs.frozen
class Result:
    """One request: HTTP ``status`` (0: no answer), times and the replica that served it."""

    status: int
    started: float
    ended: float
    replica: str = ""
    handled_at: float = 0.0
    error: str = ""


def get(host: str, port: int, path: str = "/", *, timeout: float = 40.0) -> Result:
    """One ``GET`` on a new connection."""
    started = time.time()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    except Exception as exc:
        return Result(0, started, time.time(), error=f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
    replica, handled = "", 0.0
    if resp.status == 200:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            data = json.loads(body)
            replica, handled = str(data["replica"]), float(data["started"])
    error = "" if resp.status == 200 else body[:200].decode(errors="replace")
    return Result(resp.status, started, time.time(), replica, handled, error)


def burst(
    host: str,
    port: int,
    *,
    total: int,
    concurrency: int,
    path: str = "/",
    timeout: float = 40.0,
) -> list[Result]:
    """``total`` requests, ``concurrency`` at a time; each bounded by ``timeout`` seconds."""
    with ThreadPoolExecutor(concurrency, thread_name_prefix="burst") as pool:
        return list(pool.map(lambda _: get(host, port, path, timeout=timeout), range(total)))


class Load:
    """``concurrency`` clients sending requests back to back until :meth:`stop`.

    Bounded: at most ``max_requests`` in all and ``max_seconds`` of sending. Each
    client starts a request at most every ``min_interval`` seconds, so requests
    that fail at once (nothing listening) do not use up the count in an instant:
    a load meant to last a given time lasts it.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        concurrency: int,
        path: str = "/",
        max_requests: int = 2000,
        max_seconds: float = 90.0,
        timeout: float = 40.0,
        min_interval: float = 0.0,
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.min_interval = min_interval
        self.concurrency = concurrency
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.timeout = timeout
        self.results: list[Result] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sent = 0
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Load:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> Load:
        end = time.monotonic() + self.max_seconds
        for i in range(self.concurrency):
            t = threading.Thread(target=self._client, args=(end,), name=f"load-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _client(self, end: float) -> None:
        while not self._stop.is_set() and time.monotonic() < end:
            with self._lock:
                if self._sent >= self.max_requests:
                    return
                self._sent += 1
            began = time.monotonic()
            result = get(self.host, self.port, self.path, timeout=self.timeout)
            with self._lock:
                self.results.append(result)
            rest = self.min_interval - (time.monotonic() - began)
            if rest > 0:
                self._stop.wait(rest)

    def stop(self) -> list[Result]:
        """Stop sending, wait for the requests in flight, return every result."""
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)
        with self._lock:
            return list(self.results)


def by_status(results: Sequence[Result]) -> dict[int, int]:
    """``{status: count}`` (0 = no HTTP answer)."""
    return dict(sorted(collections.Counter(r.status for r in results).items()))


def first_served(results: Sequence[Result]) -> dict[str, float]:
    """``{replica id: time its first request started in the replica}``."""
    out: dict[str, float] = {}
    for r in results:
        if r.replica and (r.replica not in out or r.handled_at < out[r.replica]):
            out[r.replica] = r.handled_at
    return out
