"""The public entry points: parse, load, dumps, dump."""

from __future__ import annotations

import gc
from pathlib import Path

from haproxy_model.base.errors import InvalidType
from haproxy_model.base.files import (
    FileState,
    PathLike,
    decode,
    read_bytes,
    write_text_atomic,
)
from haproxy_model.model.config import Config
from haproxy_model.model.directives import DIRECTIVE_CLASSES
from haproxy_model.model.typed_sections import SECTION_CLASSES, make_section
from haproxy_model.syntax.parser import parse_fast
from haproxy_model.syntax.render import dumps


def parse(text: str, *, filename: str = "<string>") -> Config:
    """Parse a configuration text.  Raises :class:`ParseError` on text HAProxy would refuse."""
    if not isinstance(text, str):
        raise InvalidType(f"parse() takes a str, not {type(text).__name__}")
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
    """Read and parse a configuration file (any bytes, kept exactly)."""
    data = read_bytes(path)
    cfg = parse(decode(data), filename=str(path))
    cfg.source = FileState.of(Path(path), data)
    return cfg


def dump(cfg: Config, path: PathLike, *, force: bool = False, backup: bool = False) -> None:
    """Write ``cfg`` to ``path`` atomically, keeping the file's mode and owner.

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
    once more (and swapped back if it changed), elsewhere the file is checked
    again just before ``os.replace``.  Limits: a program that still has the old
    file open writes into the displaced file after the swap, and that write is
    lost (kept in ``<path>.bak`` with ``backup`` and ``renameat2``); without
    ``renameat2`` a change landing between that last check and the rename is
    overwritten.
    """
    if not isinstance(cfg, Config):
        raise InvalidType(f"dump() takes a Config, not {type(cfg).__name__}")
    expected = None if force else cfg.source
    state = write_text_atomic(path, dumps(cfg), backup=backup, expected=expected)
    if cfg.source is None or cfg.source.path == state.path:
        cfg.source = state


__all__ = ["dump", "dumps", "load", "parse"]
