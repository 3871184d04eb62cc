"""The public entry points: parse, load, dumps, dump."""

from __future__ import annotations

import gc
from pathlib import Path

from haproxy_model.config import Config
from haproxy_model.files import (
    FileState,
    PathLike,
    check_unchanged,
    decode,
    read_bytes,
    write_text_atomic,
)
from haproxy_model.model.directives import DIRECTIVE_CLASSES
from haproxy_model.model.typed_sections import make_section
from haproxy_model.parser import parse_fast
from haproxy_model.render import dumps


def parse(text: str, *, filename: str = "<string>") -> Config:
    """Parse a configuration text.  Raises :class:`ParseError` on text HAProxy would refuse."""
    if not isinstance(text, str):
        raise TypeError(f"parse() takes a str, not {type(text).__name__}")
    # A parse allocates many small objects and no cycles: the cyclic garbage
    # collector would only rescan them (a third of the time on large files).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return parse_fast(
            text,
            filename=filename,
            make_section=make_section,
            directive_classes=DIRECTIVE_CLASSES,
        )
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

    When ``cfg`` was loaded from ``path`` and the file changed on disk since,
    :class:`FileChangedError` is raised instead of losing that change (unless
    ``force``).  With ``backup``, the previous file is kept as ``<path>.bak``.
    """
    if cfg.source is not None and not force:
        check_unchanged(path, cfg.source)
    state = write_text_atomic(path, dumps(cfg), backup=backup)
    if cfg.source is None or cfg.source.path == state.path:
        cfg.source = state


__all__ = ["dump", "dumps", "load", "parse"]
