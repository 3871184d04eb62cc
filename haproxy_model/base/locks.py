"""Writers take turns: an exclusive ``flock`` on the file they are about to replace."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import attrs

from haproxy_model.base.errors import FileError, IsADirectory
from haproxy_model.base.file_state import FileChangedError

if sys.platform != "win32":
    import fcntl

#: How many times a writer starts again when the file it waited for was replaced meanwhile.
LOCK_RETRIES = 100


@attrs.frozen
class Held:
    """The target, open and locked (``fd`` None: unreadable to us, so neither); ``st`` its
    status once locked, taken at ``seen_ns`` (wall clock, 0 when not taken locked)."""

    fd: int | None
    st: os.stat_result
    seen_ns: int = 0


@contextlib.contextmanager
def locked(target: Path) -> Iterator[Held | None]:
    """The file at ``target``, exclusively locked (None when there is none)."""
    for _ in range(LOCK_RETRIES):
        opened = _open(target)
        if opened is None or opened.fd is None:
            yield opened
            return
        try:
            held = _lock(target, opened.fd)
            if held is not None:
                yield held
                return
        finally:
            os.close(opened.fd)
    raise FileChangedError(f"{target}: replaced by others {LOCK_RETRIES} times while waiting")


def _open(target: Path) -> Held | None:
    """``target`` opened for reading, not locked yet; None when there is no such file."""
    try:
        # O_NONBLOCK: a named pipe put there meanwhile must not keep us waiting
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except PermissionError:  # we may replace it but not read it: no lock, no check
        return Held(None, os.stat(target))
    return Held(fd, os.fstat(fd))


def _lock(target: Path, fd: int) -> Held | None:
    """Lock ``fd``; None when, once locked, it is no longer the file at ``target``."""
    mode = os.fstat(fd).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectory(f"{target}: is a directory, not a configuration file")
    if not stat.S_ISREG(mode):
        raise FileError(f"{target}: is not a regular file: not replaced")
    flock(fd)
    try:
        now = os.stat(target)
    except FileNotFoundError:
        return None
    seen_ns = time.time_ns()
    st = os.fstat(fd)
    return Held(fd, st, seen_ns) if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino) else None


def flock(fd: int) -> None:
    """Wait for an exclusive lock on ``fd`` (none where the system or filesystem has none)."""
    if sys.platform == "win32":
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as exc:
        if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL):
            raise


def try_flock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False when another holds it.

    Also False where there are no locks (Windows, or an error from the filesystem).
    """
    if sys.platform == "win32":
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
