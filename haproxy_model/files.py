"""Reading and writing configuration files, byte for byte and atomically.

HAProxy does not care about encoding, so neither do we: files are decoded as
UTF-8 with ``surrogateescape``, which maps every byte that is not UTF-8 to a
character of its own and back, so no byte is ever lost.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

ENCODING = "utf-8"
ERRORS = "surrogateescape"

PathLike = str | os.PathLike[str]


def read_text(path: PathLike) -> str:
    """Read a configuration file; raise ``OSError``/``ValueError`` with a clear message."""
    p = Path(path)
    if p.is_dir():
        raise IsADirectoryError(f"{p}: is a directory, not a configuration file")
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{p}: no such file") from None
    except PermissionError:
        raise PermissionError(f"{p}: permission denied") from None
    return data.decode(ENCODING, ERRORS)


def write_text_atomic(path: PathLike, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never a mix.

    The text goes to a temporary file in the same folder, which is flushed to
    disk and renamed over the target; the target's mode (and, where allowed,
    owner) is kept, and the folder is synced so the rename survives a crash.
    """
    target = Path(path)
    data = text.encode(ENCODING, ERRORS)
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
