"""What a file held when it was read, and the check that it still holds it before a write."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import attrs

from haproxy_model.base.errors import Error
from haproxy_model.base.reading import MAX_FILE_SIZE, PathLike


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
        return cls(str(path.resolve()), hashlib.sha256(data).hexdigest(), len(data), st.st_mtime_ns)


def check_unchanged(path: PathLike, state: FileState, data: bytes, mtime_ns: int) -> None:
    """Raise :class:`FileChangedError` unless ``data`` is what ``state`` recorded."""
    _compare(path, state, hashlib.sha256(data).hexdigest(), len(data), mtime_ns)


def check_file_unchanged(path: PathLike, state: FileState, fd: int, mtime_ns: int) -> None:
    """:func:`check_unchanged` of the file open as ``fd`` (its content up to one byte past
    the size limit, as reading it would give), hashed a piece at a time: a copy of a large
    file in fresh memory costs more than hashing it."""
    digest = hashlib.sha256()
    size = 0
    while size <= MAX_FILE_SIZE:
        piece = os.pread(fd, min(1 << 18, MAX_FILE_SIZE + 1 - size), size)
        if not piece:
            break
        digest.update(piece)
        size += len(piece)
    _compare(path, state, digest.hexdigest(), size, mtime_ns)


def _compare(path: PathLike, state: FileState, sha256: str, length: int, mtime_ns: int) -> None:
    if sha256 == state.sha256:
        return
    size = f"{state.size} -> {length} bytes" if length != state.size else "same size"
    raise FileChangedError(
        f"{path}: changed on disk since it was loaded ({size}, other content, "
        f"modified {(mtime_ns - state.mtime_ns) / 1e9:.3f} s later); load it "
        "again, or write with force=True to overwrite that change"
    )
