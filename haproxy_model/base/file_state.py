"""What a file held when it was read, and the check that it still holds it before a write."""

from __future__ import annotations

import os
import time
from pathlib import Path

import attrs

from haproxy_model.base.errors import Error
from haproxy_model.base.filesystems import stamps_with_local_clock
from haproxy_model.base.reading import MAX_FILE_SIZE, PathLike


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex (hashlib, OpenSSL's, is imported on first use: a
    command that only reads files does not pay its few milliseconds of start-up)."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


class FileChangedError(Error, RuntimeError):
    """The file on disk changed since it was loaded; writing would lose that change."""


@attrs.frozen
class FileState:
    """What a file held when it was read: enough to notice a later change."""

    path: str
    sha256: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path, data: bytes) -> FileState:
        """The state of ``path`` whose content is ``data``."""
        st = path.stat()
        return cls(str(path.resolve()), sha256_hex(data), len(data), st.st_mtime_ns)


def check_unchanged(path: PathLike, state: FileState, data: bytes, mtime_ns: int) -> None:
    """Raise :class:`FileChangedError` unless ``data`` is what ``state`` recorded."""
    _compare(path, state, sha256_hex(data), len(data), mtime_ns)


def check_file_unchanged(path: PathLike, state: FileState, fd: int, mtime_ns: int) -> None:
    """:func:`check_unchanged` of the file open as ``fd`` (its content up to one byte past
    the size limit, as reading it would give), hashed a piece at a time: a copy of a large
    file in fresh memory costs more than hashing it."""
    import hashlib

    digest = hashlib.sha256()
    size = 0
    while size <= MAX_FILE_SIZE:
        piece = os.pread(fd, min(1 << 18, MAX_FILE_SIZE + 1 - size), size)
        if not piece:
            break
        digest.update(piece)
        size += len(piece)
    _compare(path, state, digest.hexdigest(), size, mtime_ns)


def _coarse_tick_ns() -> int:
    """How far the clock file times are taken from may lag the wall clock (Linux: the
    coarse real-time clock's tick; 10 ms where that cannot be asked)."""
    try:
        return max(1, int(time.clock_getres(_CLOCK_REALTIME_COARSE) * 1e9))
    except (AttributeError, OSError):
        return 10_000_000


_CLOCK_REALTIME_COARSE = 5  # Linux; not among the time module's names
_TICK_NS = _coarse_tick_ns()


def _grain_ns(mtime_ns: int) -> int:
    """How coarse this file's times may be: the largest power of ten up to a second that
    divides ``mtime_ns`` (a second on FAT or ext3, a few nanoseconds on ext4 or XFS)."""
    grain = 1
    while grain < 1_000_000_000 and mtime_ns % (grain * 10) == 0:
        grain *= 10
    return grain


def unchanged_since(before: os.stat_result, after: os.stat_result, seen_ns: int) -> bool:
    """Whether the file seen as ``before`` at ``seen_ns`` (wall clock) cannot have been
    written since, now that it is seen as ``after``: same file, size and modification time,
    and that time old enough when ``before`` was taken that any later write would have
    moved it (Git's rule for "racily clean" index entries).  False means: read it to know.

    A write sets the modification time to the clock's time at that moment, which lags the
    wall clock by at most a tick and is rounded to the filesystem's grain, so a time more
    than two ticks and two grains older than ``seen_ns`` cannot be given again by a later
    write.  Not seen: a program that writes in place and then sets the time back to the
    very nanosecond it was (``touch -r``), or writes through a shared memory map.
    Only on local filesystems (:mod:`.filesystems`): elsewhere the times come from
    another machine's clock, which ``seen_ns`` says nothing of.
    """
    if (before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns) != (
        after.st_dev,
        after.st_ino,
        after.st_size,
        after.st_mtime_ns,
    ):
        return False
    margin = 2 * _TICK_NS + 2 * _grain_ns(before.st_mtime_ns)
    if not (seen_ns > 0 and before.st_mtime_ns + margin < seen_ns):
        return False
    # a network filesystem's server stamps times by its own clock, not by ``seen_ns``'s
    return stamps_with_local_clock(before.st_dev)


def _compare(path: PathLike, state: FileState, sha256: str, length: int, mtime_ns: int) -> None:
    if sha256 == state.sha256:
        return
    size = f"{state.size} -> {length} bytes" if length != state.size else "same size"
    raise FileChangedError(
        f"{path}: changed on disk since it was loaded ({size}, other content, "
        f"modified {(mtime_ns - state.mtime_ns) / 1e9:.3f} s later); load it "
        "again, or write with force=True to overwrite that change"
    )
