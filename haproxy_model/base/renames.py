"""Putting a file in place: ``renameat2`` (exchange, no-replace) with its fallbacks, and
syncing the folder so that a rename survives a crash."""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

from haproxy_model.base.reading import PathLike

_AT_FDCWD = -100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
#: renameat2 errors meaning "not here" (old kernel or libc, filesystem, seccomp): fall back.
_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM})


@functools.cache
def _libc_renameat2() -> Callable[..., int] | None:
    """glibc's ``renameat2`` (2.28 and later), or None (ctypes is imported here, on the
    first write: commands that only read do not pay for it)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def renameat2(src: PathLike, dst: PathLike, flags: int) -> bool:
    """``renameat2(src, dst, flags)``; False when this system cannot (the caller falls back)."""
    fn = _libc_renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    import ctypes

    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err), str(src), None, str(dst))


def exchange(a: PathLike, b: PathLike) -> bool:
    """Swap the files at ``a`` and ``b`` atomically; False when this system cannot."""
    return renameat2(a, b, RENAME_EXCHANGE)


def place_new(tmp: str, target: Path) -> bool:
    """Rename ``tmp`` to ``target`` unless something is there by now (then False)."""
    try:
        if renameat2(tmp, target, RENAME_NOREPLACE):
            return True
        os.link(tmp, target)  # fails when the name is taken, like RENAME_NOREPLACE
        return True
    except FileExistsError:
        if not (target.is_symlink() and not target.exists()):
            return False
    except OSError:  # a filesystem without hard links
        pass
    os.replace(tmp, target)  # a dangling symlink is replaced, as os.replace always did
    return True


def folder_of(target: Path) -> Path:
    """The folder ``target`` is in (``.`` for a bare name)."""
    return target.parent if str(target.parent) else Path(".")


def fsync_folder(target: Path) -> None:
    """Sync the folder holding ``target``, so that a rename into it survives a crash."""
    try:
        dir_fd = os.open(folder_of(target), os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(dir_fd)
