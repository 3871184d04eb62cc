"""Work run beside the caller: a thread whose result (or error) the caller takes later.

Hashing a large file releases the GIL (so does waiting for the disk), so a hash
started before an ``fsync`` costs the caller nothing on a machine with two cores.
The thread is started with ``_thread`` directly: ``threading.Thread.start`` waits
until the new thread has run, which, while another thread holds the GIL, can cost
the caller milliseconds.
"""

from __future__ import annotations

import _thread
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """``fn()`` running in a thread of its own from the moment this is made."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._value: T | None = None
        self._error: BaseException | None = None
        self._done = _thread.allocate_lock()
        self._done.acquire()
        _thread.start_new_thread(self._run, ())

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            self._done.release()

    def result(self) -> T:
        """Wait for ``fn`` to end; its value, or its exception raised here."""
        with self._done:
            pass
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._value  # type: ignore[return-value]
