"""Reading and writing configuration files, byte for byte and atomically: the names the
rest of the package uses, gathered from the modules that do each job.

- :mod:`.reading`: reading a file's bytes, bytes to text and back (no byte lost);
- :mod:`.file_state`: what a file held when read, and the check that it still does;
- :mod:`.atomic_write`: replacing a file atomically, writers taking turns (:mod:`.locks`),
  through a temporary file (:mod:`.temp_files`) put in place by :mod:`.renames`.
"""

from __future__ import annotations

from haproxy_model.base.atomic_write import write_text_atomic
from haproxy_model.base.file_state import FileChangedError, FileState
from haproxy_model.base.reading import (
    ENCODING,
    ERRORS,
    MAX_FILE_SIZE,
    PathLike,
    decode,
    encode,
    read_bytes,
    read_text,
)
from haproxy_model.base.temp_files import remove_stale_temps

__all__ = [
    "ENCODING",
    "ERRORS",
    "MAX_FILE_SIZE",
    "FileChangedError",
    "FileState",
    "PathLike",
    "decode",
    "encode",
    "read_bytes",
    "read_text",
    "remove_stale_temps",
    "write_text_atomic",
]
