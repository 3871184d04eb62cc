"""Configurations of several files, as ``haproxy -f a.cfg -f b.cfg -f conf.d/`` reads them.

:func:`config_files` lists the files HAProxy reads for its ``-f`` arguments, in
its order; :func:`write_back` writes each file whose text changed back to
where it came from, and only those.  ``hm.load_many`` (:mod:`.api`) reads them
into one :class:`~haproxy_model.Config`; :mod:`haproxy_model.syntax.origins`
keeps which file each node belongs to.

HAProxy's rules (``cfgfiles_expand_directories()`` in ``src/haproxy.c``, the
same from 1.7 to 3.x): the files are read in the order given; a directory
stands for its entries whose name ends in ``.cfg`` (the first ``.cfg`` in the
name must end it: ``a.cfg.cfg`` is skipped) and does not start with a dot,
that are regular files (a link to one counts; sub-folders are not entered), in
byte order of their names (``alphasort`` in the C locale).  A directory without
such files adds nothing; only when no file at all is left does HAProxy refuse
to start.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from haproxy_model.base.errors import FileError, InvalidType, InvalidValue, MissingFile, NotFound
from haproxy_model.base.file_state import sha256_hex
from haproxy_model.base.files import (
    FileChangedError,
    PathLike,
    encode,
    read_bytes,
)
from haproxy_model.model.config_views import add_section
from haproxy_model.syntax.document import Document
from haproxy_model.syntax.origins import SourceFile
from haproxy_model.syntax.sections import Section

__all__ = [
    "add_to_file",
    "config_files",
    "directory_files",
    "expand",
    "path_list",
    "write_back",
]

#: what a directory stands for, in messages
RULE = "HAProxy reads the regular files named *.cfg in it, not those starting with '.'"


def path_list(paths: PathLike | Sequence[PathLike]) -> list[str]:
    """``paths`` as a list of strings (one path alone is a list of one)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if isinstance(paths, (bytes, bytearray)) or not isinstance(paths, Sequence):
        raise InvalidType(f"give a path or a list of paths, not {type(paths).__name__}")
    out: list[str] = []
    for p in paths:
        if not isinstance(p, (str, os.PathLike)):
            raise InvalidType(f"a path is a str or a PathLike, not {type(p).__name__}")
        path = os.fspath(p)
        if not isinstance(path, str):
            raise InvalidType(f"a path is a str, not {type(path).__name__}")
        if "\x00" in path:
            raise FileError(f"{path!r}: a path cannot hold a NUL byte")
        out.append(path)
    if not out:
        raise InvalidValue("no configuration file given")
    return out


def _is_config_name(name: str) -> bool:
    """HAProxy's test: not hidden, and the first ``.cfg`` in the name ends it."""
    at = name.find(".cfg")
    return not name.startswith(".") and at >= 0 and at == len(name) - 4


def directory_files(folder: str) -> list[str]:
    """The files HAProxy reads for ``-f folder``, in its order (maybe none)."""
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise FileError(f"{folder}: cannot list this directory ({exc.strerror or exc})") from None
    out: list[str] = []
    for name in sorted((n for n in names if _is_config_name(n)), key=os.fsencode):
        path = os.path.join(folder, name)
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:  # a broken link: HAProxy refuses to start
            raise MissingFile(f"{path}: cannot be read ({exc.strerror or exc})") from None
        if stat.S_ISREG(mode):
            out.append(path)
    return out


def config_files(paths: PathLike | Sequence[PathLike]) -> list[str]:
    """The files HAProxy reads for ``-f`` arguments ``paths``, directories expanded, in order.

    Raises :class:`MissingFile` when no file is left (an empty directory, or
    one without ``*.cfg`` files) and :class:`InvalidValue` when one file would
    be read twice; a path that does not exist is left for the reader to report.
    """
    return expand(paths)[0]


def expand(paths: PathLike | Sequence[PathLike]) -> tuple[list[str], list[str]]:
    """:func:`config_files`, and the directories that gave no file (``-``: stays as it is)."""
    out: list[str] = []
    empty: list[str] = []
    for path in path_list(paths):
        if path == "-" or not os.path.isdir(path):
            out.append(path)
            continue
        found = directory_files(path)
        if not found:
            empty.append(path)
        out += found
    if not out:
        what = "directory" if len(empty) == 1 else "directories"
        raise MissingFile(f"{', '.join(empty)}: no configuration file in this {what} ({RULE})")
    seen: dict[str, str] = {}
    for path in out:
        key = path if path == "-" else os.path.realpath(path)
        if key in seen:
            also = "" if seen[key] == path else f" (also as {seen[key]})"
            raise InvalidValue(f"{path}: given twice{also}; HAProxy would read it twice")
        seen[key] = path
    return out, empty


def write_back(doc: Document, *, force: bool = False, backup: bool = False) -> list[str]:
    """Write each file of ``doc`` whose text changed back to its own path; return their names.

    Each file is replaced atomically (see :func:`haproxy_model.dump`).  Before
    any is written, every file to write is checked against what was loaded, so
    a change made on disk meanwhile raises :class:`FileChangedError` and
    writes nothing (unless ``force``), and so does a folder we may not write
    in (:class:`FileError`).  Files whose text did not change are not touched.
    The files are not replaced all at once: an error in the middle (a full
    disk) leaves the files before it written and the others as they were.
    """
    from haproxy_model.base.atomic_write import write_text_atomic  # writing's modules, on use

    origins = doc.origins
    if origins is None:
        raise InvalidValue("this configuration was not read from several files")
    changed: list[tuple[SourceFile, str]] = []
    for file, text in zip(origins.files, origins.texts(doc.body), strict=True):
        digest = sha256_hex(encode(text))
        if file.source is not None and digest == file.source.sha256:
            continue
        if file.path is None:
            raise InvalidValue(f"{file.name}: changed, but it came from no file to write back to")
        changed.append((file, text))
    for file, _ in changed:
        assert file.path is not None
        folder = os.path.dirname(file.path) or "."
        if not os.access(folder, os.W_OK | os.X_OK):
            raise FileError(
                f"{file.name}: cannot write in {folder} (no permission); nothing written"
            )
        if not force:
            _unchanged_on_disk(file)
    for file, text in changed:
        assert file.path is not None
        expected = None if force else file.source
        file.source = write_text_atomic(file.path, text, backup=backup, expected=expected)
    return [file.name for file, _ in changed]


def _unchanged_on_disk(file: SourceFile) -> None:
    """Raise :class:`FileChangedError` when ``file`` no longer holds what was loaded."""
    if file.source is None or file.path is None:
        return
    if not Path(file.path).exists():
        raise FileChangedError(f"{file.name}: removed since it was loaded; nothing written")
    data = read_bytes(file.path)
    if sha256_hex(data) != file.source.sha256:
        raise FileChangedError(
            f"{file.name}: changed on disk since it was loaded; nothing written (load it "
            "again, or write with force=True to overwrite that change)"
        )


def add_to_file(doc: Document, section: Section, file: str | SourceFile) -> None:
    """Add ``section`` to ``file``, after the last section of its kind there (else at its end)."""
    origins = doc.origins
    if origins is None:
        if isinstance(file, str) and file == doc.filename:
            add_section(doc, section)
            return
        raise NotFound(f"{file!r} is not a file of this configuration (it is {doc.filename!r})")
    index = origins.index(file)
    owners = origins.owners(doc.body)
    mine = [i for i, owner in enumerate(owners) if owner == index]
    if mine:
        start, end = mine[0], mine[-1] + 1
    else:
        start = end = max((i + 1 for i, owner in enumerate(owners) if owner < index), default=0)
    part = Document(body=doc.body[start:end])
    add_section(part, section)
    doc.body[start:end] = part.body
    for node in part.body:
        origins.assign(node, index)
