"""Reading configuration files byte for byte, and the bytes-to-text mapping both ways.

HAProxy does not care about encoding, so neither do we: files are decoded as
UTF-8 with ``surrogateescape``, which maps every byte that is not UTF-8 to a
character of its own and back, so no byte is ever lost.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from haproxy_model.base.errors import (
    Error,
    FileError,
    InvalidType,
    InvalidValue,
    IsADirectory,
    MissingFile,
)

ENCODING = "utf-8"
ERRORS = "surrogateescape"

PathLike = str | os.PathLike[str]

#: Larger files are refused before reading: real configurations are a few
#: megabytes at most, and parsing costs about 0.5 KB of memory per byte.
MAX_FILE_SIZE = 256 * 1024 * 1024


def read_bytes(path: PathLike) -> bytes:
    """Read a file's bytes with clear errors (directory, missing, unreadable, too large)."""
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidType(f"a path is a str or a PathLike, not {type(path).__name__}")
    p = Path(path)
    if "\x00" in str(p):
        raise FileError(f"{str(p)!r}: a path cannot hold a NUL byte")
    with system_errors(str(p)):
        if p.is_dir():
            raise IsADirectory(f"{p}: is a directory, not a configuration file")
        size = p.stat().st_size
        if size > MAX_FILE_SIZE:
            raise InvalidValue(
                f"{p}: {size} bytes is larger than the {MAX_FILE_SIZE} bytes a configuration "
                "may have"
            )
        with p.open("rb") as fh:
            data = read_limited(fh)
    if len(data) > MAX_FILE_SIZE:
        raise InvalidValue(f"{p}: larger than the {MAX_FILE_SIZE} bytes a configuration may have")
    return data


@contextlib.contextmanager
def system_errors(path: str) -> Iterator[None]:
    """Raise the system's errors inside as the package's, naming ``path`` (the package's
    own errors pass unchanged): reading and writing a file report alike."""
    try:
        yield
    except Error:
        raise
    except FileNotFoundError:
        raise MissingFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise IsADirectory(f"{path}: is a directory, not a configuration file") from None
    except OSError as exc:
        raise FileError(f"{path}: {exc.strerror or exc}") from None


def read_limited(fh: BinaryIO, limit: int = MAX_FILE_SIZE) -> bytes:
    """The rest of ``fh``, but at most ``limit + 1`` bytes (one more tells it is too large).

    ``fh.read(limit + 1)`` would do, but it has Python set aside ``limit`` bytes
    first: for a 4 MB file it takes 40 times as long as reading the size the file
    has (then more, if it grew meanwhile).
    """
    try:
        size = os.fstat(fh.fileno()).st_size - fh.tell()
    except (OSError, ValueError):  # not a file: no size to go by
        size = 0
    chunks: list[bytes] = []
    total = 0
    want = min(max(size, 0), limit) + 1
    while total <= limit:
        chunk = fh.read(min(want, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = 1 << 20  # it was larger than it said: go on a MiB at a time
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


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
