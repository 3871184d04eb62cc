"""Reading and editing a configuration through a PATH: ``haproxy-model get``, ``set`` and
``unset``.  The PATH syntax, and how it resolves, is in :mod:`.addresses`."""

from __future__ import annotations

from collections.abc import Sequence

from haproxy_model.model.addresses import (
    Address,
    PathError,
    Target,
    directives,
    find_lines,
    find_section,
    parse_path,
    resolve,
    section_label,
    starts_with,
)
from haproxy_model.model.config import Config
from haproxy_model.model.edit_words import EditError, tokenize
from haproxy_model.model.option_edits import option_line, set_option, unset_option
from haproxy_model.model.section_edits import set_in_section, unset_in_section
from haproxy_model.model.views import remove_line
from haproxy_model.syntax.words import value_of

_BLANKS = " \t\x0b\x0c"


def get_text(cfg: Config, path: str | Address, key: str | None = None) -> str:
    """What ``haproxy-model get`` prints (PathError when nothing matches).

    A section: its lines as written (comments above the header included, the
    blank lines after it not).  Lines: each one without its indentation.  With
    ``key``: on a section, the lines whose words start with ``key``; on a
    server/bind line, the option's value (its name for a flag).
    """
    target = resolve(cfg, path)
    if key is None:
        if target.lines is None:
            lines = [*target.section.leading, target.section.header, *target.section.lines]
            while lines and not lines[-1].raw.strip(_BLANKS):
                lines.pop()
            return "".join(line.raw + (line.newline or "\n") for line in lines)
        return "".join(d.raw.lstrip(_BLANKS) + "\n" for d in target.lines)
    key_words = [value_of(w) for w in tokenize(key, "KEY")]
    if target.lines is None:
        found = [d for d in directives(target.section) if starts_with(d, key_words)]
        if not found:
            raise PathError(f"no line starting with {key!r} in {section_label(target.section)}")
        return "".join(d.raw.lstrip(_BLANKS) + "\n" for d in found)
    line, name = option_line(target.one_line(cfg), key_words)
    value = line.get_option(name)
    if value is None:
        raise PathError(f"no option {name!r} on {line.raw.strip()!r}")
    return (name if value is True else str(value)) + "\n"


def set_value(cfg: Config, path: str | Address, key: str, values: Sequence[str] = ()) -> list[str]:
    """Set ``key`` to ``values`` where ``path`` points; return notes worth showing.

    On a section, ``key`` is the leading words of a directive (``balance``,
    ``timeout queue``, ``option httplog``): the typed attribute does the edit
    when there is one (``Backend.balance``, ``timeouts``, ``options``), else the
    one top-level line starting with ``key`` gets ``key values`` as its words,
    or a new line is added after the last one like it.  On a server, bind or
    default-server line, ``key`` is an option: changed in place, or appended.
    ``values`` are HAProxy text (quoting as in the file); words are kept as
    written.
    """
    target = resolve(cfg, path)
    key_raw = tokenize(key, "KEY")
    if not key_raw:
        raise EditError("KEY is empty")
    value_raw = [w for text in values for w in tokenize(text, "VALUE")]
    if target.lines is None:
        return set_in_section(target.section, key_raw, value_raw)
    return set_option(target.one_line(cfg), key_raw, value_raw)


def unset_value(cfg: Config, path: str | Address, key: str | None = None) -> None:
    """Remove ``key`` where ``path`` points, or the section or line itself without ``key``."""
    target = resolve(cfg, path)
    if key is None:
        if target.lines is None:
            cfg.remove(target.section)
        else:
            remove_line(target.section, target.one_line(cfg))
        return
    key_words = [value_of(w) for w in tokenize(key, "KEY")]
    if not key_words:
        raise EditError("KEY is empty")
    if target.lines is None:
        unset_in_section(target.section, key_words)
        return
    unset_option(target.one_line(cfg), key_words)


__all__ = [
    "Address",
    "EditError",
    "PathError",
    "Target",
    "directives",
    "find_lines",
    "find_section",
    "get_text",
    "parse_path",
    "resolve",
    "section_label",
    "set_value",
    "starts_with",
    "tokenize",
    "unset_value",
]
