"""Where a write goes, told before anything is written: a regular file (written through a
symbolic link to it), or a new file in an existing folder; and the errors of the
system, raised as the package's own (:func:`.reading.system_errors`) naming the path."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from haproxy_model.base.errors import FileError, InvalidType, IsADirectory, MissingFile
from haproxy_model.base.reading import system_errors

_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def write_target(path: object) -> Path:
    """The file a write to ``path`` replaces or creates.

    A symbolic link is followed to the file it names, so the link stays and its
    file is replaced (``sed -i`` would replace the link by a file).  Refused, with
    the package's errors: a path that is not a str or PathLike, holds a NUL byte or
    ends with a slash, a directory, a device, pipe or socket (never replaced by a
    regular file), a missing folder.
    """
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidType(f"a path is a str or a PathLike, not {type(path).__name__}")
    raw = os.fsdecode(os.fspath(path))
    if "\x00" in raw:
        raise FileError(f"{raw!r}: a path cannot hold a NUL byte")
    if raw in ("", ".", "..") or raw.endswith(("/", os.sep)):
        raise IsADirectory(f"{raw!r}: names a folder, not a configuration file")
    target = Path(raw)
    with system_errors(raw):
        if target.is_symlink():
            target = Path(os.path.realpath(target))
        try:
            st = os.stat(target)
        except FileNotFoundError:
            folder = target.parent if str(target.parent) else Path(".")
            if not folder.is_dir():
                raise MissingFile(f"{raw}: no such folder {str(folder)!r}") from None
            return target
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectory(f"{raw}: is a directory, not a configuration file")
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise FileError(f"{raw}: is {kind}, not a configuration file: not replaced")
    return target
