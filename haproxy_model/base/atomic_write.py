"""Replacing a configuration file atomically, without overwriting a change made meanwhile.

Writers take turns through an exclusive ``flock`` on the target (:mod:`.locks`);
on Linux the new file is swapped in with ``renameat2(RENAME_EXCHANGE)``
(:mod:`.renames`), so the file it displaced can be checked once more after
the swap, and swapped back if someone else changed it meanwhile.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from haproxy_model.base.background import Background
from haproxy_model.base.file_state import (
    FileChangedError,
    FileState,
    check_file_unchanged,
    check_unchanged,
    sha256_hex,
    unchanged_since,
)
from haproxy_model.base.locks import LOCK_RETRIES, Held, locked
from haproxy_model.base.reading import PathLike, encode, read_limited, system_errors
from haproxy_model.base.renames import exchange, fsync_folder, place_new
from haproxy_model.base.temp_files import remove_if_ours, write_temp
from haproxy_model.base.write_targets import write_target


def write_text_atomic(
    path: PathLike, text: str, *, backup: bool = False, expected: FileState | None = None
) -> FileState:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never a mix.

    The text goes to a temporary file in the same folder, which is flushed to
    disk and renamed over the target; the target's mode (and, where allowed,
    owner) is kept, and the folder is synced so the rename survives a crash.
    Writers take turns through an exclusive ``flock`` on the target, held
    until the new file is in place.  With ``expected`` (the state the file was
    read in), :class:`FileChangedError` is raised instead of replacing a file
    that no longer holds that content: checked under the lock and, on Linux,
    once more on the file the atomic swap displaced (swapped back if it
    changed), elsewhere just before the rename.  With ``backup``, the old file
    ends up as ``<name>.bak``.  Returns the state of the written file.  A symbolic
    link is written through (its file is replaced, the link kept); a directory,
    device, pipe or socket is refused (:func:`.write_targets.write_target`), and
    the system's errors are raised as :class:`FileError` and its kinds.
    """
    target = write_target(path)
    data = encode(text)
    with system_errors(os.fsdecode(os.fspath(path))):
        return _write(target, data, backup=backup, expected=expected)


def _write(target: Path, data: bytes, *, backup: bool, expected: FileState | None) -> FileState:
    digest = _Digest(data)
    if expected is not None and str(target.resolve()) != expected.path:
        expected = None  # written elsewhere than it was read from: nothing to compare
    for _ in range(LOCK_RETRIES):
        with locked(target) as held:
            if held is None:
                written = _create(target, data, digest)
            else:
                written = _replace(target, data, digest, held, expected=expected, backup=backup)
        if written is not None:
            fsync_folder(target)
            return FileState(str(target.resolve()), digest.result(), len(data), written)
    raise FileChangedError(f"{target}: kept being created and removed by others; not written")


class _Digest:
    """The new file's SHA-256, worked out beside the caller from when the file is synced
    (the check of the old file, when there is one, runs beside the write before it)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._task: Background[str] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = Background(lambda: sha256_hex(self._data))

    def result(self) -> str:
        self.start()
        assert self._task is not None
        return self._task.result()


def _replace(
    target: Path,
    data: bytes,
    digest: _Digest,
    held: Held,
    *,
    expected: FileState | None,
    backup: bool,
) -> int | None:
    """Replace the locked file and return the new file's modification time; None when
    the file vanished meanwhile (then start again).

    The locked file is checked against ``expected`` while the new one is written
    and synced (the check reads and hashes, the write mostly waits for the disk);
    nothing is swapped in before the check has passed.
    """
    old = _read_held(target, held) if backup else None
    check = _check_beside(target, held, expected) if expected is not None else None
    fd, tmp = write_temp(target, data, held.st, before_sync=digest.start)
    try:
        if check is not None:
            check.result()
        try:
            swapped = not target.is_symlink() and exchange(tmp, target)
        except FileNotFoundError:
            return None
        if swapped:
            _settle_swap(target, tmp, held, expected=expected, backup=backup)
        else:
            _replace_fallback(target, tmp, old if backup else None, held.st, expected=expected)
        return os.fstat(fd).st_mtime_ns
    finally:
        remove_if_ours(tmp, fd)
        os.close(fd)


def _check_beside(target: Path, held: Held, expected: FileState) -> Background[None]:
    """:func:`_check_held` in a thread of its own, reading its own descriptor of the
    locked file (closed when it ends): however the caller leaves, even by Ctrl-C while
    waiting for it, the thread never reads a descriptor the caller has closed."""
    fd = None if held.fd is None else os.dup(held.fd)

    def check() -> None:
        try:
            _check_held(target, Held(fd, held.st, held.seen_ns), expected)
        finally:
            if fd is not None:
                os.close(fd)

    return Background(check)


def _check_held(target: Path, held: Held, expected: FileState) -> None:
    """Raise :class:`FileChangedError` unless the locked file holds what ``expected`` says."""
    if held.fd is None:  # not readable to us: by name, which raises as reading it does
        check_unchanged(target, expected, _read_file(target)[0], held.st.st_mtime_ns)
    else:
        check_file_unchanged(target, expected, held.fd, held.st.st_mtime_ns)


def _settle_swap(
    target: Path, tmp: str, held: Held, *, expected: FileState | None, backup: bool
) -> None:
    """After the swap ``tmp`` holds the displaced file: check it, then drop it or keep it as .bak.

    When it is not what was loaded, someone changed the file between our check
    and the swap: swap back, so their version is at ``target`` again, and raise.
    The displaced file is read again unless its status shows it is the locked file,
    not written since it was locked (:func:`unchanged_since`), the check having read
    it after that.
    """
    try:
        if expected is not None:
            fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            try:
                st = os.fstat(fd)
                if held.fd is None or not unchanged_since(held.st, st, held.seen_ns):
                    check_file_unchanged(target, expected, fd, st.st_mtime_ns)
            finally:
                os.close(fd)
        if backup:
            os.replace(tmp, _backup_path(target))
        else:
            os.unlink(tmp)
    except BaseException:
        # ``tmp`` gets back what is at ``target`` now: normally our file, which the
        # caller removes; a third writer's file renamed in meanwhile is left there.
        with contextlib.suppress(FileNotFoundError):
            exchange(tmp, target)
        raise


def _replace_fallback(
    target: Path, tmp: str, old: bytes | None, old_st: os.stat_result, *, expected: FileState | None
) -> None:
    """``os.replace``, right after checking once more that the file holds what was loaded.

    ``old`` (when given) is the previous content, kept as ``<name>.bak``.
    """
    bak_tmp = None
    if old is not None:
        bak_fd, bak_tmp = write_temp(_backup_path(target), old, old_st)
        os.close(bak_fd)
    try:
        if expected is not None:
            _recheck(target, expected)
        if bak_tmp is not None:
            os.replace(bak_tmp, _backup_path(target))
        os.replace(tmp, target)
    finally:
        if bak_tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(bak_tmp)


def _recheck(target: Path, expected: FileState) -> None:
    """Raise :class:`FileChangedError` if ``target`` (when there) no longer holds ``expected``."""
    try:
        data, mtime_ns = _read_file(target)
    except FileNotFoundError:
        return
    check_unchanged(target, expected, data, mtime_ns)


def _create(target: Path, data: bytes, digest: _Digest) -> int | None:
    """Write a file where there is none and return its modification time; None when one
    appeared meanwhile (then start again)."""
    fd, tmp = write_temp(target, data, None, before_sync=digest.start)
    try:
        if not place_new(tmp, target):
            return None
        return os.fstat(fd).st_mtime_ns
    finally:
        remove_if_ours(tmp, fd)
        os.close(fd)


def _read_held(target: Path, held: Held) -> bytes:
    """The locked file's content (read by name when we could not open it: raises then)."""
    if held.fd is None:
        return _read_file(target)[0]
    with open(held.fd, "rb", closefd=False) as fh:
        fh.seek(0)
        return read_limited(fh)


def _read_file(path: PathLike) -> tuple[bytes, int]:
    """A file's content (up to one byte past the limit) and modification time."""
    with open(path, "rb") as fh:
        return read_limited(fh), os.fstat(fh.fileno()).st_mtime_ns


def _backup_path(target: Path) -> Path:
    return target.with_name(target.name + ".bak")
