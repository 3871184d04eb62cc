"""What a file held when it was read, and the check that it still holds it before a write."""

from __future__ import annotations

import hashlib
from pathlib import Path

import attrs

from haproxy_model.base.errors import Error
from haproxy_model.base.reading import PathLike


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
    if hashlib.sha256(data).hexdigest() == state.sha256:
        return
    size = f"{state.size} -> {len(data)} bytes" if len(data) != state.size else "same size"
    raise FileChangedError(
        f"{path}: changed on disk since it was loaded ({size}, other content, "
        f"modified {(mtime_ns - state.mtime_ns) / 1e9:.3f} s later); load it "
        "again, or write with force=True to overwrite that change"
    )
