"""Addressing a section or a line of a configuration with a short text PATH.

Syntax (words are read the way HAProxy reads a line, so a quoted word may
hold blanks, and are compared by value, so quoting in the file does not
matter)::

    SECTION            the section whose header starts with these words
    SECTION/LINE       a directive of that section whose words start with LINE's words
    ...[N]             the N-th (0-based) of several matches

- ``global`` and ``defaults`` alone name the first such section;
  ``defaults base`` names the defaults section called ``base``.
- Any other kind alone (``backend``) names its only section, and is an error
  when there are several.
- ``backend app/server s1`` is the ``server s1 ...`` line of backend ``app``;
  ``frontend web/bind`` is its ``bind`` line, ``frontend web/bind :443`` the
  one whose address is ``:443``, ``frontend web/bind[1]`` the second one.
  Lines inside `.if` blocks count.  A LINE that matches several lines is an
  error where one line is needed (``set``, ``unset``); ``get`` shows them all.

Section names never hold a ``/`` (HAProxy refuses one), so the first ``/``
ends the section part; the line part may hold more (``bind unix@/run/x``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

import attrs

from haproxy_model.base.errors import Error
from haproxy_model.model.config import Config
from haproxy_model.model.edit_words import EditError, tokenize
from haproxy_model.syntax import _grammar
from haproxy_model.syntax.nodes import Directive, Marker, iter_lines
from haproxy_model.syntax.positions import Positions
from haproxy_model.syntax.sections import Section
from haproxy_model.syntax.words import value_of

_INDEX = re.compile(r"^(?P<words>.*?)\s*\[(?P<index>\d+)\]\s*$", re.S)

#: Section kinds that a bare keyword names even when there are several (the first one).
FIRST_BY_DEFAULT = frozenset(("global", "defaults"))

_T = TypeVar("_T")


class PathError(Error, ValueError):
    """A PATH that is malformed (``usage`` True) or names nothing / several things."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


@attrs.frozen
class Address:
    """A parsed PATH."""

    section: tuple[str, ...]
    section_index: int | None = None
    line: tuple[str, ...] | None = None
    line_index: int | None = None

    def __str__(self) -> str:
        text = " ".join(self.section)
        if self.section_index is not None:
            text += f"[{self.section_index}]"
        if self.line is not None:
            text += "/" + " ".join(self.line)
            if self.line_index is not None:
                text += f"[{self.line_index}]"
        return text


@attrs.define
class Target:
    """What a PATH resolves to: a section, and for a line PATH the matching lines."""

    address: Address
    section: Section
    lines: list[Directive] | None = None

    @property
    def is_section(self) -> bool:
        """True for a PATH without a line part."""
        return self.lines is None

    def one_line(self, cfg: Config) -> Directive:
        """The single line the PATH names; PathError when it names several."""
        assert self.lines is not None
        if len(self.lines) != 1:
            raise PathError(ambiguity(cfg, self.address, self.lines))
        return self.lines[0]


def _split_index(text: str, what: str) -> tuple[tuple[str, ...], int | None]:
    index: int | None = None
    m = _INDEX.match(text)
    if m is not None:
        text, index = m["words"], int(m["index"])
    try:
        # words as HAProxy reads them, so a quoted word may hold blanks
        words = tuple(value_of(w) for w in tokenize(text, what.upper()))
    except EditError:
        words = tuple(text.split())
    if not words:
        raise PathError(f"empty {what} in PATH", usage=True)
    return words, index


def parse_path(text: str) -> Address:
    """Cut a PATH into its section and line parts (PathError when malformed)."""
    section_text, slash, line_text = text.partition("/")
    section, section_index = _split_index(section_text, "section")
    if not slash:
        return Address(section, section_index)
    line, line_index = _split_index(line_text, "line")
    return Address(section, section_index, line, line_index)


def section_label(section: Section) -> str:
    """``backend app``, ``global``, ``defaults`` (anonymous): the header's first words."""
    return section.keyword if section.name is None else f"{section.keyword} {section.name}"


def find_section(cfg: Config, address: Address) -> Section:
    """The section an address names (PathError when none or several)."""
    words = list(address.section)
    kind = words[0]
    sections = cfg.sections
    same_kind = [s for s in sections if s.keyword == kind]
    if not same_kind:
        known = _grammar.section_keywords()
        present = ", ".join(dict.fromkeys(s.keyword for s in sections)) or "none"
        if kind not in known:
            raise PathError(
                f"unknown section kind {kind!r} (sections in this file: {present})", usage=True
            )
        raise PathError(f"no {kind} section in this file (sections: {present})")
    found = [s for s in same_kind if s.header.values[: len(words)] == words]
    if not found:
        names = ", ".join(repr(section_label(s)) for s in same_kind)
        raise PathError(f"no section {' '.join(words)!r} (there are: {names})")
    if address.section_index is not None:
        return _nth(found, address.section_index, words, "section(s)")
    if len(found) == 1 or (len(words) == 1 and kind in FIRST_BY_DEFAULT):
        return found[0]
    positions = Positions(cfg)
    choices = "; ".join(
        f"{_section_path(words, i)} (line {positions.line(s.header)}: {s.header.raw.strip()})"
        for i, s in enumerate(found)
    )
    raise PathError(f"{' '.join(words)!r} matches {len(found)} sections: {choices}")


def _nth(found: list[_T], index: int, words: Sequence[str], what: str) -> _T:
    """``found[index]``; PathError naming how many ``what`` the words match when out of range."""
    if index >= len(found):
        raise PathError(
            f"{' '.join(words)!r} matches {len(found)} {what}; index [{index}] is out of range"
        )
    return found[index]


def _section_path(words: Sequence[str], index: int) -> str:
    return f"{' '.join(words)}[{index}]"


def directives(section: Section) -> list[Directive]:
    """The section's directives in file order (inside `.if` blocks too, markers excluded)."""
    return [
        line
        for line in iter_lines(section.body)
        if isinstance(line, Directive) and not isinstance(line, Marker)
    ]


def starts_with(line: Directive, words: Sequence[str]) -> bool:
    """Whether the line's first word values are ``words``."""
    return line.values[: len(words)] == list(words)


def find_lines(cfg: Config, section: Section, address: Address) -> list[Directive]:
    """The section's lines a line address names (PathError when none)."""
    assert address.line is not None
    words = address.line
    found = [d for d in directives(section) if starts_with(d, words)]
    where = section_label(section)
    if not found:
        same = [d for d in directives(section) if d.keyword == words[0]]
        if same:
            shown = "; ".join(d.raw.strip() for d in same[:8])
            more = f" (and {len(same) - 8} more)" if len(same) > 8 else ""
            raise PathError(
                f"no line starting with {' '.join(words)!r} in {where}; "
                f"its {words[0]!r} lines: {shown}{more}"
            )
        raise PathError(f"no line starting with {' '.join(words)!r} in {where}")
    if address.line_index is not None:
        return [_nth(found, address.line_index, words, f"line(s) in {where}")]
    return found


def ambiguity(cfg: Config, address: Address, lines: Sequence[Directive]) -> str:
    """The message for a line PATH that matches several lines."""
    assert address.line is not None
    positions = Positions(cfg)
    section_part = " ".join(address.section)
    if address.section_index is not None:
        section_part += f"[{address.section_index}]"
    line_part = " ".join(address.line)
    choices = "; ".join(
        f"'{section_part}/{line_part}[{i}]' (line {positions.line(d)}: {d.raw.strip()})"
        for i, d in enumerate(lines)
    )
    return (
        f"{str(address)!r} matches {len(lines)} lines; add words to tell them apart "
        f"or pick one by index: {choices}"
    )


def resolve(cfg: Config, path: str | Address) -> Target:
    """Resolve a PATH in ``cfg`` (PathError when it names nothing)."""
    address = parse_path(path) if isinstance(path, str) else path
    section = find_section(cfg, address)
    if address.line is None:
        return Target(address, section)
    return Target(address, section, find_lines(cfg, section, address))
