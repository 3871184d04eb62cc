"""Reading and writing configuration files, byte for byte and atomically: the names the
rest of the package uses, gathered from the modules that do each job.

- :mod:`.reading`: reading a file's bytes, bytes to text and back (no byte lost);
- :mod:`.file_state`: what a file held when read, and the check that it still does;
- :mod:`.atomic_write`: replacing a file atomically, writers taking turns (:mod:`.locks`),
  through a temporary file (:mod:`.temp_files`) put in place by :mod:`.renames`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from haproxy_model.base.atomic_write import write_text_atomic
    from haproxy_model.base.temp_files import remove_stale_temps

#: Writing's names, imported when first asked for: a command that only reads
#: does not load the locks, renames and temporary files.
_WRITING = {
    "write_text_atomic": "haproxy_model.base.atomic_write",
    "remove_stale_temps": "haproxy_model.base.temp_files",
}


def __getattr__(name: str) -> Any:
    module = _WRITING.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
