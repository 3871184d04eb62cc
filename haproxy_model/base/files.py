"""Reading and writing configuration files, byte for byte and atomically.

HAProxy does not care about encoding, so neither do we: files are decoded as
UTF-8 with ``surrogateescape``, which maps every byte that is not UTF-8 to a
character of its own and back, so no byte is ever lost.

Writing (:func:`write_text_atomic`) takes an exclusive ``flock`` on the target,
so cooperating writers take turns, and on Linux swaps the new file in with
``renameat2(RENAME_EXCHANGE)``, so the file it displaced can be checked once
more after the swap (and swapped back if someone else changed it meanwhile).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import hashlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from haproxy_model.base.errors import (
    Error,
    FileError,
    InvalidType,
    InvalidValue,
    IsADirectory,
    MissingFile,
)

if sys.platform != "win32":
    import fcntl

ENCODING = "utf-8"
ERRORS = "surrogateescape"

PathLike = str | os.PathLike[str]

#: Larger files are refused before reading: real configurations are a few
#: megabytes at most, and parsing costs about 0.5 KB of memory per byte.
MAX_FILE_SIZE = 256 * 1024 * 1024


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


def read_bytes(path: PathLike) -> bytes:
    """Read a file's bytes with clear errors (directory, missing, unreadable, too large)."""
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidType(f"a path is a str or a PathLike, not {type(path).__name__}")
    p = Path(path)
    if "\x00" in str(p):
        raise FileError(f"{str(p)!r}: a path cannot hold a NUL byte")
    if p.is_dir():
        raise IsADirectory(f"{p}: is a directory, not a configuration file")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_SIZE:
            raise InvalidValue(
                f"{p}: {size} bytes is larger than the {MAX_FILE_SIZE} bytes a configuration "
                "may have"
            )
        with p.open("rb") as fh:
            data = fh.read(MAX_FILE_SIZE + 1)
    except FileNotFoundError:
        raise MissingFile(f"{p}: no such file") from None
    except OSError as exc:
        raise FileError(f"{p}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_SIZE:
        raise InvalidValue(f"{p}: larger than the {MAX_FILE_SIZE} bytes a configuration may have")
    return data


def decode(data: bytes) -> str:
    """Bytes to text, every byte kept (see the module's docstring)."""
    return data.decode(ENCODING, ERRORS)


def encode(text: str) -> bytes:
    """Text to bytes, the inverse of :func:`decode`."""
    try:
        return text.encode(ENCODING, ERRORS)
    except UnicodeEncodeError as exc:
        raise InvalidValue(
            f"character {text[exc.start]!r} at index {exc.start} cannot be written to a file"
        ) from None


def read_text(path: PathLike) -> str:
    """Read a configuration file; raise ``OSError``/``ValueError`` with a clear message."""
    return decode(read_bytes(path))


def _check(path: PathLike, state: FileState, data: bytes, mtime_ns: int) -> None:
    """Raise :class:`FileChangedError` unless ``data`` is what ``state`` recorded."""
    if hashlib.sha256(data).hexdigest() == state.sha256:
        return
    size = f"{state.size} -> {len(data)} bytes" if len(data) != state.size else "same size"
    raise FileChangedError(
        f"{path}: changed on disk since it was loaded ({size}, other content, "
        f"modified {(mtime_ns - state.mtime_ns) / 1e9:.3f} s later); load it "
        "again, or write with force=True to overwrite that change"
    )


# -- writing ---------------------------------------------------------------------

#: How many times a writer starts again when the file it waited for was replaced meanwhile.
LOCK_RETRIES = 100

_AT_FDCWD = -100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
#: renameat2 errors meaning "not here" (old kernel or libc, filesystem, seccomp): fall back.
_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM})


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
    ends up as ``<name>.bak``.  Returns the state of the written file.
    """
    target = Path(path)
    data = encode(text)
    if expected is not None and str(target.resolve()) != expected.path:
        expected = None  # written elsewhere than it was read from: nothing to compare
    for _ in range(LOCK_RETRIES):
        with _locked(target) as held:
            if held is None:
                state = _create(target, data)
            else:
                state = _replace(target, data, held, expected=expected, backup=backup)
        if state is not None:
            _fsync_dir(_folder(target))
            return state
    raise FileChangedError(f"{target}: kept being created and removed by others; not written")


@attrs.frozen
class _Held:
    """The target, open and locked (``fd`` None: unreadable to us, so neither)."""

    fd: int | None
    st: os.stat_result


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[_Held | None]:
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


def _open(target: Path) -> _Held | None:
    """``target`` opened for reading, not locked yet; None when there is no such file."""
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except PermissionError:  # we may replace it but not read it: no lock, no check
        return _Held(None, os.stat(target))
    return _Held(fd, os.fstat(fd))


def _lock(target: Path, fd: int) -> _Held | None:
    """Lock ``fd``; None when, once locked, it is no longer the file at ``target``."""
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        raise IsADirectoryError(f"{target}: is a directory, not a configuration file")
    _flock(fd)
    try:
        now = os.stat(target)
    except FileNotFoundError:
        return None
    st = os.fstat(fd)
    return _Held(fd, st) if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino) else None


def _flock(fd: int) -> None:
    """Wait for an exclusive lock on ``fd`` (none where the system or filesystem has none)."""
    if sys.platform == "win32":
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as exc:
        if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL):
            raise


def _replace(
    target: Path, data: bytes, held: _Held, *, expected: FileState | None, backup: bool
) -> FileState | None:
    """Replace the locked file; None when it vanished meanwhile (then start again)."""
    old = _read_held(target, held) if expected is not None or backup else None
    if expected is not None:
        assert old is not None
        _check(target, expected, old, held.st.st_mtime_ns)
    fd, tmp = _write_temp(target, data, held.st)
    try:
        try:
            swapped = not target.is_symlink() and _renameat2(tmp, target, RENAME_EXCHANGE)
        except FileNotFoundError:
            return None
        if swapped:
            _settle_swap(target, tmp, expected=expected, backup=backup)
        else:
            _replace_fallback(target, tmp, old if backup else None, held.st, expected=expected)
        return _state_of(target, data, fd)
    finally:
        _remove_if_ours(tmp, fd)
        os.close(fd)


def _settle_swap(target: Path, tmp: str, *, expected: FileState | None, backup: bool) -> None:
    """After the swap ``tmp`` holds the displaced file: check it, then drop it or keep it as .bak.

    When it is not what was loaded, someone changed the file between our check
    and the swap: swap back, so their version is at ``target`` again, and raise.
    """
    try:
        if expected is not None:
            data, mtime_ns = _read_file(tmp)
            _check(target, expected, data, mtime_ns)
        if backup:
            os.replace(tmp, _backup_path(target))
        else:
            os.unlink(tmp)
    except BaseException:
        # ``tmp`` gets back what is at ``target`` now: normally our file, which the
        # caller removes; a third writer's file renamed in meanwhile is left there.
        with contextlib.suppress(FileNotFoundError):
            _renameat2(tmp, target, RENAME_EXCHANGE)
        raise


def _replace_fallback(
    target: Path, tmp: str, old: bytes | None, old_st: os.stat_result, *, expected: FileState | None
) -> None:
    """``os.replace``, right after checking once more that the file holds what was loaded.

    ``old`` (when given) is the previous content, kept as ``<name>.bak``.
    """
    bak_tmp = None
    if old is not None:
        bak_fd, bak_tmp = _write_temp(_backup_path(target), old, old_st)
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
    _check(target, expected, data, mtime_ns)


def _create(target: Path, data: bytes) -> FileState | None:
    """Write a file where there is none; None when one appeared meanwhile (then start again)."""
    fd, tmp = _write_temp(target, data, None)
    try:
        if not _place_new(tmp, target):
            return None
        return _state_of(target, data, fd)
    finally:
        _remove_if_ours(tmp, fd)
        os.close(fd)


def _place_new(tmp: str, target: Path) -> bool:
    """Rename ``tmp`` to ``target`` unless something is there by now (then False)."""
    try:
        if _renameat2(tmp, target, RENAME_NOREPLACE):
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


_TEMP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def _temp_pattern(target: Path) -> re.Pattern[str]:
    """The names of this module's temporaries beside ``target``: ``.<name>.XXXXXXXX.tmp``."""
    return re.compile(rf"\.{re.escape(target.name)}\.[{_TEMP_CHARS}]{{8}}\.tmp")


def _write_temp(target: Path, data: bytes, like: os.stat_result | None) -> tuple[int, str]:
    """A temporary file beside ``target`` holding ``data``, synced and locked: (fd, name).

    It gets ``like``'s mode and owner (where allowed), or the default mode of a
    new file.  The lock makes a writer that opens it once renamed in wait until
    we are done with it, and tells :func:`remove_stale_temps` it is alive.  Where
    the filesystem has ``O_TMPFILE`` the file is written unnamed and given its
    name only once complete, so a writer killed while writing leaves nothing.
    """
    folder = _folder(target)
    remove_stale_temps(target)
    fd = _open_unnamed(folder)
    if fd is None:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    else:
        tmp = ""
    try:
        _flock(fd)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
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

    folder = _folder(target)
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
    if sys.platform == "win32":
        return removed
    try:
        entries = list(os.scandir(_folder(target)))
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
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # a live writer holds it (or there are no locks here): leave it
            continue
        try:
            _remove_if_ours(entry.path, fd)
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


@functools.cache
def _libc_renameat2() -> Callable[..., int] | None:
    """glibc's ``renameat2`` (2.28 and later), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _renameat2(src: PathLike, dst: PathLike, flags: int) -> bool:
    """``renameat2(src, dst, flags)``; False when this system cannot (the caller falls back)."""
    fn = _libc_renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err), str(src), None, str(dst))


def _read_held(target: Path, held: _Held) -> bytes:
    """The locked file's content (read by name when we could not open it: raises then)."""
    if held.fd is None:
        return _read_file(target)[0]
    with open(held.fd, "rb", closefd=False) as fh:
        fh.seek(0)
        return fh.read(MAX_FILE_SIZE + 1)


def _read_file(path: PathLike) -> tuple[bytes, int]:
    """A file's content (up to one byte past the limit) and modification time."""
    with open(path, "rb") as fh:
        return fh.read(MAX_FILE_SIZE + 1), os.fstat(fh.fileno()).st_mtime_ns


def _remove_if_ours(name: str, fd: int) -> None:
    """Remove ``name`` if it is still the file open as ``fd`` (never someone else's file)."""
    try:
        st = os.lstat(name)
    except FileNotFoundError:
        return
    ours = os.fstat(fd)
    if (st.st_dev, st.st_ino) == (ours.st_dev, ours.st_ino):
        os.unlink(name)


def _state_of(target: Path, data: bytes, fd: int) -> FileState:
    """The state of ``target``, just written with ``data`` through ``fd``."""
    sha = hashlib.sha256(data).hexdigest()
    return FileState(str(target.resolve()), sha, len(data), os.fstat(fd).st_mtime_ns)


def _backup_path(target: Path) -> Path:
    return target.with_name(target.name + ".bak")


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


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
