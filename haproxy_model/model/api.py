"""The public entry points: parse, load, load_many, dumps, dump."""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from pathlib import Path

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.base.files import (
    FileState,
    PathLike,
    decode,
    read_bytes,
)
from haproxy_model.model.config import Config
from haproxy_model.model.directives import DIRECTIVE_CLASSES
from haproxy_model.model.many import config_files, path_list, write_back
from haproxy_model.model.typed_sections import SECTION_CLASSES, make_section
from haproxy_model.syntax.origins import Origins, SourceFile
from haproxy_model.syntax.parser import parse_fast
from haproxy_model.syntax.render import dumps


def parse(text: str, *, filename: str = "<string>") -> Config:
    """Parse a configuration text.  Raises :class:`ParseError` on text HAProxy would refuse."""
    if not isinstance(text, str):
        raise InvalidType(f"parse() takes a str, not {type(text).__name__}")
    if not isinstance(filename, str):
        raise InvalidType(f"parse(): filename is a str, not {type(filename).__name__}")
    # A parse allocates many small objects: the cyclic garbage collector would only
    # rescan them (a third of the time on large files).  (The tree's parent links
    # make cycles, so a dropped tree is freed by that collector, not at once.)
    collecting = gc.isenabled()
    gc.disable()
    try:
        cfg = parse_fast(
            text,
            filename=filename,
            make_section=make_section,
            section_classes=SECTION_CLASSES,
            directive_classes=DIRECTIVE_CLASSES,
            make_document=Config,
        )
        assert isinstance(cfg, Config)
        return cfg
    finally:
        if collecting:
            gc.enable()


def load(path: PathLike) -> Config:
    """Read and parse a configuration file (any bytes, kept exactly).

    A directory is read as ``haproxy -f DIR`` reads it: :func:`load_many`.
    """
    if isinstance(path, (str, os.PathLike)) and os.path.isdir(path):
        return load_many([path])
    data = read_bytes(path)
    cfg = parse(decode(data), filename=str(path))
    cfg.source = FileState.of(Path(path), data)
    return cfg


def load_many(paths: PathLike | Sequence[PathLike]) -> Config:
    """Read several files as one configuration, as ``haproxy -f a.cfg -f b.cfg -f conf.d/`` does.

    A directory stands for its ``*.cfg`` files in byte order of their names
    (HAProxy's rule, :mod:`haproxy_model.model.many`).  Each file is parsed on
    its own (a section never runs on into the next file); the result is one
    :class:`Config` holding them all in order, so references, defaults and
    validation span the files.  ``cfg.origins`` knows the file of every node
    (``cfg.file_of(node)``), diagnostics carry each line's own file and line
    number, and :func:`dump` ``(cfg)`` writes each changed file back to its
    own path, and only those.

    ``cfg.filename`` is the path given when there is one (a directory), else
    the first file's.  Raises :class:`MissingFile` for a path that does not
    exist or when no file is found, :class:`ParseError` naming the file that
    does not parse.
    """
    given = path_list(paths)
    parts: list[Config] = []
    for name in config_files(given):
        data = read_bytes(name)
        part = parse(decode(data), filename=name)
        part.source = FileState.of(Path(name), data)
        parts.append(part)
    return join(parts, filename=given[0])


def join(parts: Sequence[Config], *, filename: str | None = None) -> Config:
    """One configuration of several, in order, as HAProxy reads its ``-f`` files.

    The parts' nodes move into the result (the parts are used up); each part
    becomes one file of it, named by its ``filename`` and written back to the
    file it was loaded from (``source``).  ``filename`` defaults to the first
    part's.
    """
    if not parts or not all(isinstance(p, Config) and p.origins is None for p in parts):
        raise InvalidType("join() takes a non-empty list of Configs of one file each")
    if filename is not None and not isinstance(filename, str):
        raise InvalidType(f"join(): filename is a str, not {type(filename).__name__}")
    files = [SourceFile(p.filename, p.source.path if p.source else None, p.source) for p in parts]
    bodies = [p.body for p in parts]
    cfg = Config(
        body=[node for body in bodies for node in body], filename=filename or files[0].name
    )
    cfg.origins = Origins(files, bodies)
    return cfg


def dump(
    cfg: Config, path: PathLike | None = None, *, force: bool = False, backup: bool = False
) -> None:
    """Write ``cfg`` to ``path`` atomically, keeping the file's mode and owner.

    Without ``path``, ``cfg`` goes back to the file it was loaded from; a
    configuration of several files (:func:`load_many`) goes back to its files,
    each one whose text changed to its own path, atomically, and no other
    (see :func:`haproxy_model.model.many.write_back`).

    Readers see the old file or the new one, never a mix, even if the process
    dies mid-write.  When ``cfg`` was loaded from ``path`` and the file changed
    on disk since, :class:`FileChangedError` says what changed and nothing is
    written (unless ``force``).  With ``backup``, the previous file is kept as
    ``<path>.bak``.

    Writers using this library take turns (an exclusive ``flock`` on the file,
    held until the new file is in place), so two of them doing load, edit,
    dump never lose an update: the later one gets :class:`FileChangedError`.
    Other programs do not take that lock; on Linux the new file is swapped in
    with ``renameat2(RENAME_EXCHANGE)`` and the file it displaced is checked
    once more (and swapped back if it changed; on a local filesystem it is read
    again unless its status shows no write since it was locked, as Git decides
    an index entry is clean: a write that then sets the time back to the very
    nanosecond it was goes unseen there), elsewhere the file is checked
    again just before ``os.replace``.  Limits: a program that still has the old
    file open writes into the displaced file after the swap, and that write is
    lost (kept in ``<path>.bak`` with ``backup`` and ``renameat2``); without
    ``renameat2`` a change landing between that last check and the rename is
    overwritten.
    """
    if not isinstance(cfg, Config):
        raise InvalidType(f"dump() takes a Config, not {type(cfg).__name__}")
    if cfg.origins is not None:
        if path is not None:
            raise InvalidValue(
                f"this configuration is {len(cfg.origins.files)} files: dump(cfg) writes each "
                "back to its own path (dumps(cfg) gives their texts one after another)"
            )
        write_back(cfg, force=force, backup=backup)
        return
    if path is None:
        if cfg.source is None:
            raise InvalidValue("this configuration was not loaded from a file: give a path")
        path = cfg.source.path
    expected = None if force else cfg.source
    from haproxy_model.base.atomic_write import write_text_atomic  # writing's modules, on use

    state = write_text_atomic(path, dumps(cfg), backup=backup, expected=expected)
    if cfg.source is None or cfg.source.path == state.path:
        cfg.source = state


__all__ = ["dump", "dumps", "join", "load", "load_many", "parse"]
