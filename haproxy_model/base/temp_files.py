"""The temporary file a write goes through: written unnamed where the filesystem allows
(``O_TMPFILE``), locked while alive, and removed by the next write when its writer died."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from haproxy_model.base.locks import flock, try_flock
from haproxy_model.base.reading import PathLike
from haproxy_model.base.renames import folder_of

_TEMP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def _temp_pattern(target: Path) -> re.Pattern[str]:
    """The names of this module's temporaries beside ``target``: ``.<name>.XXXXXXXX.tmp``."""
    return re.compile(rf"\.{re.escape(target.name)}\.[{_TEMP_CHARS}]{{8}}\.tmp")


def write_temp(
    target: Path,
    data: bytes,
    like: os.stat_result | None,
    *,
    before_sync: Callable[[], object] | None = None,
) -> tuple[int, str]:
    """A temporary file beside ``target`` holding ``data``, synced and locked: (fd, name).

    It gets ``like``'s mode and owner (where allowed), or the default mode of a
    new file.  The lock makes a writer that opens it once renamed in wait until
    we are done with it, and tells :func:`remove_stale_temps` it is alive.  Where
    the filesystem has ``O_TMPFILE`` the file is written unnamed and given its
    name only once complete, so a writer killed while writing leaves nothing.
    """
    folder = folder_of(target)
    remove_stale_temps(target)
    fd = _open_unnamed(folder)
    if fd is None:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    else:
        tmp = ""
    try:
        flock(fd)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if before_sync is not None:  # work to do while the disk is busy
            before_sync()
        os.fsync(fd)
        _copy_mode(fd, like)
        if not tmp:
            tmp = _link_unnamed(fd, target)
    except BaseException:
        os.close(fd)
        if tmp:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    return fd, tmp


def _open_unnamed(folder: Path) -> int | None:
    """An unnamed file in ``folder`` (``O_TMPFILE``), or None where there is none."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o600)
    except OSError:  # EOPNOTSUPP, EISDIR on old kernels, EINVAL...: name it from the start
        return None


def _link_unnamed(fd: int, target: Path) -> str:
    """Give the unnamed file ``fd`` a temporary name beside ``target`` and return it."""
    import secrets

    folder = folder_of(target)
    # a directory fd makes Python call linkat(..., AT_SYMLINK_FOLLOW): link() itself
    # would link the /proc magic link, not the file it stands for
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(100):
            base = f".{target.name}.{''.join(secrets.choice(_TEMP_CHARS) for _ in range(8))}.tmp"
            try:
                os.link(f"/proc/self/fd/{fd}", base, dst_dir_fd=dir_fd, follow_symlinks=True)
                return str(folder / base)
            except FileExistsError:
                continue
    finally:
        os.close(dir_fd)
    raise FileExistsError(f"no free temporary name beside {target}")


def remove_stale_temps(target: PathLike) -> list[str]:
    """Remove the temporaries a killed writer left beside ``target``; return their names.

    Only files of this module's own naming pattern, and only those no live writer
    holds: every writer keeps its temporary locked until it is gone, so a file
    whose lock can be taken has no writer left.
    """
    target = Path(target)
    pattern = _temp_pattern(target)
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder_of(target)))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if try_flock(fd):  # else a live writer holds it (or there are no locks here)
                remove_if_ours(entry.path, fd)
                removed.append(entry.path)
        finally:
            os.close(fd)
    return removed


def _copy_mode(fd: int, like: os.stat_result | None) -> None:
    """Give the file ``fd`` the mode and owner of ``like``, or the default mode of a new file."""
    if like is None:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        return
    os.fchmod(fd, stat.S_IMODE(like.st_mode))
    if hasattr(os, "fchown"):
        with contextlib.suppress(PermissionError):
            os.fchown(fd, like.st_uid, like.st_gid)


def remove_if_ours(name: str, fd: int) -> None:
    """Remove ``name`` if it is still the file open as ``fd`` (never someone else's file)."""
    try:
        st = os.lstat(name)
    except FileNotFoundError:
        return
    ours = os.fstat(fd)
    if (st.st_dev, st.st_ino) == (ours.st_dev, ours.st_ino):
        os.unlink(name)
