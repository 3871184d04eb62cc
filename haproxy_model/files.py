"""Reading and writing configuration files, byte for byte and atomically.

HAProxy does not care about encoding, so neither do we: files are decoded as
UTF-8 with ``surrogateescape``, which maps every byte that is not UTF-8 to a
character of its own and back, so no byte is ever lost.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from pathlib import Path

import attrs

ENCODING = "utf-8"
ERRORS = "surrogateescape"

PathLike = str | os.PathLike[str]

#: Larger files are refused before reading: real configurations are a few
#: megabytes at most, and parsing costs about 0.5 KB of memory per byte.
MAX_FILE_SIZE = 256 * 1024 * 1024


class FileChangedError(RuntimeError):
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


def read_bytes(path: PathLike) -> bytes:
    """Read a file's bytes with clear errors (directory, missing, unreadable, too large)."""
    p = Path(path)
    if p.is_dir():
        raise IsADirectoryError(f"{p}: is a directory, not a configuration file")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_SIZE:
            raise ValueError(
                f"{p}: {size} bytes is larger than the {MAX_FILE_SIZE} bytes a configuration "
                "may have"
            )
        with p.open("rb") as fh:
            data = fh.read(MAX_FILE_SIZE + 1)
    except FileNotFoundError:
        raise FileNotFoundError(f"{p}: no such file") from None
    except PermissionError:
        raise PermissionError(f"{p}: permission denied") from None
    if len(data) > MAX_FILE_SIZE:
        raise ValueError(f"{p}: larger than the {MAX_FILE_SIZE} bytes a configuration may have")
    return data


def decode(data: bytes) -> str:
    """Bytes to text, every byte kept (see the module's docstring)."""
    return data.decode(ENCODING, ERRORS)


def encode(text: str) -> bytes:
    """Text to bytes, the inverse of :func:`decode`."""
    try:
        return text.encode(ENCODING, ERRORS)
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"character {text[exc.start]!r} at index {exc.start} cannot be written to a file"
        ) from None


def read_text(path: PathLike) -> str:
    """Read a configuration file; raise ``OSError``/``ValueError`` with a clear message."""
    return decode(read_bytes(path))


def check_unchanged(path: PathLike, state: FileState) -> None:
    """Raise :class:`FileChangedError` if ``path`` no longer holds what ``state`` recorded."""
    p = Path(path)
    if str(p.resolve()) != state.path or not p.exists():
        return
    data = p.read_bytes()
    if hashlib.sha256(data).hexdigest() == state.sha256:
        return
    raise FileChangedError(
        f"{p}: changed on disk since it was loaded ({state.size} -> {len(data)} bytes, "
        f"modified {(p.stat().st_mtime_ns - state.mtime_ns) / 1e9:.3f} s later); load it "
        "again, or write with force=True to overwrite that change"
    )


def write_text_atomic(path: PathLike, text: str, *, backup: bool = False) -> FileState:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never a mix.

    The text goes to a temporary file in the same folder, which is flushed to
    disk and renamed over the target; the target's mode (and, where allowed,
    owner) is kept, and the folder is synced so the rename survives a crash.
    With ``backup``, the old file is first copied (atomically too) to
    ``<name>.bak``.  Returns the state of the written file.
    """
    target = Path(path)
    data = encode(text)
    if backup and target.exists():
        write_text_atomic(target.with_name(target.name + ".bak"), decode(target.read_bytes()))
    folder = target.parent if str(target.parent) else Path(".")
    try:
        st: os.stat_result | None = target.stat()
    except FileNotFoundError:
        st = None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if st is not None:
            os.chmod(tmp_name, stat.S_IMODE(st.st_mode))
            if hasattr(os, "chown"):
                with contextlib.suppress(PermissionError):
                    os.chown(tmp_name, st.st_uid, st.st_gid)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(folder)
    return FileState.of(target, data)


def _fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(dir_fd)
