"""The public entry points: parse, load, dumps, dump."""

from __future__ import annotations

import gc

from haproxy_model.config import Config
from haproxy_model.files import PathLike, read_text, write_text_atomic
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
    return parse(read_text(path), filename=str(path))


def dump(cfg: Config, path: PathLike) -> None:
    """Write ``cfg`` to ``path`` atomically, keeping the file's mode."""
    write_text_atomic(path, dumps(cfg))


__all__ = ["dump", "dumps", "load", "parse"]
