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

import difflib
import re
from collections.abc import Sequence
from typing import Any

import attrs

from haproxy_model.base.errors import Error
from haproxy_model.model import line_options
from haproxy_model.model.config import Config
from haproxy_model.model.directives import (
    DIRECTIVE_CLASSES,
    FlagField,
    IntField,
    OptionField,
    OptionsLine,
    Server,
)
from haproxy_model.model.settings import (
    FlagSetting,
    IntSetting,
    Setting,
    StrSetting,
    TimeSetting,
    WordsSetting,
)
from haproxy_model.model.views import (
    OptionMap,
    TimeoutMap,
    add_line,
    insertion_point,
    remove_line,
    top_directives,
)
from haproxy_model.syntax import _grammar
from haproxy_model.syntax.lexer import diagnose, patterns, split_parts
from haproxy_model.syntax.nodes import Directive, Marker, iter_lines
from haproxy_model.syntax.positions import Positions
from haproxy_model.syntax.sections import Section
from haproxy_model.syntax.words import quote, value_of

_BLANKS = " \t\x0b\x0c"

_INDEX = re.compile(r"^(?P<words>.*?)\s*\[(?P<index>\d+)\]\s*$", re.S)

#: Section kinds that a bare keyword names even when there are several (the first one).
FIRST_BY_DEFAULT = frozenset(("global", "defaults"))


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
        if address.section_index >= len(found):
            raise PathError(
                f"{' '.join(words)!r} matches {len(found)} section(s); "
                f"index [{address.section_index}] is out of range"
            )
        return found[address.section_index]
    if len(found) == 1 or (len(words) == 1 and kind in FIRST_BY_DEFAULT):
        return found[0]
    positions = Positions(cfg)
    choices = "; ".join(
        f"{_section_path(words, i)} (line {positions.line(s.header)}: {s.header.raw.strip()})"
        for i, s in enumerate(found)
    )
    raise PathError(f"{' '.join(words)!r} matches {len(found)} sections: {choices}")


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
        if address.line_index >= len(found):
            raise PathError(
                f"{' '.join(words)!r} matches {len(found)} line(s) in {where}; "
                f"index [{address.line_index}] is out of range"
            )
        return [found[address.line_index]]
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


# -- reading and editing through a PATH ------------------------------------------


class EditError(Error, ValueError):
    """A KEY or VALUE that cannot be applied (a bad value, a flag given a value...)."""


def tokenize(text: str, what: str) -> list[str]:
    """Cut ``text`` into words the way HAProxy reads a line; the words' raw text."""
    if "\n" in text or "\r" in text:
        raise EditError(f"{what}: a line break cannot be part of a configuration line")
    if patterns().line.fullmatch(text) is None:
        err = diagnose(text)
        raise EditError(f"{what} {text!r}: {err.message} (at column {err.column + 1})")
    parts = split_parts(text)
    if parts.comment:
        raise EditError(f"{what} {text!r}: '#' starts a comment; quote it or write '\\#'")
    return parts.words


def _simple(raws: Sequence[str]) -> bool:
    """Whether every word is written the way :func:`quote` would write its value."""
    try:
        return all(quote(value_of(w)) == w for w in raws)
    except ValueError:
        return False


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
    line, name = _option_name(target.one_line(cfg), key_words)
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
        return _set_in_section(target.section, key_raw, value_raw)
    return _set_option(target.one_line(cfg), key_raw, value_raw)


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
        _unset_in_section(target.section, key_words)
        return
    line, name = _option_name(target.one_line(cfg), key_words)
    if line.get_option(name) is None:
        raise PathError(f"no option {name!r} on {line.raw.strip()!r}")
    found = _option_field(type(line), name)
    if found is not None:
        setattr(line, found[0], None)
    else:
        line.remove_option(name)


def _set_in_section(section: Section, key_raw: list[str], value_raw: list[str]) -> list[str]:
    key = [value_of(w) for w in key_raw]
    values = [value_of(w) for w in value_raw]
    first = key[0]
    if first in _grammar.section_keywords() or first.startswith((".", "[")):
        raise EditError(f"{first!r} cannot start a directive line (it opens a section or a block)")
    if _simple(key_raw) and _simple(value_raw) and _set_typed(section, key, values):
        return []
    lines = [d for d in top_directives(section) if starts_with(d, key)]
    if len(lines) > 1:
        shown = "; ".join(d.raw.strip() for d in lines)
        raise PathError(
            f"{len(lines)} lines of {section_label(section)} start with {' '.join(key)!r} "
            f"({shown}): give more words in KEY, address one as "
            f"'{section_label(section)}/{' '.join(key)}[N]', or unset them first"
        )
    words = [*key_raw, *value_raw]
    if lines:
        replace_words(lines[0], words)
    else:
        cls = DIRECTIVE_CLASSES.get(first, Directive)
        add_line(section, cls(" ".join(words)), insertion_point(section, first, avoid=(Server,)))
    return []


def _set_typed(section: Section, key: list[str], values: list[str]) -> bool:
    """Edit through the typed model when it has an attribute for ``key``; False if not."""
    timeouts = getattr(section, "timeouts", None)
    options = getattr(section, "options", None)
    if key[0] == "timeout" and len(key) == 2 and isinstance(timeouts, TimeoutMap):
        if len(values) != 1:
            raise EditError(f"'timeout {key[1]}' takes one value (a time such as 5s)")
        try:
            timeouts[key[1]] = values[0]
        except ValueError as exc:
            raise EditError(f"timeout {key[1]}: {exc}") from None
        return True
    if key[0] == "option" and len(key) == 2 and isinstance(options, OptionMap):
        options[key[1]] = list(values) if values else True
        return True
    if key[:2] == ["no", "option"] and len(key) == 3 and isinstance(options, OptionMap):
        if values:
            raise EditError(f"'no option {key[2]}' takes no value")
        options[key[2]] = False
        return True
    if len(key) != 1:
        return False
    found = _setting(type(section), key[0])
    if found is None:
        return False
    attr, setting = found
    if isinstance(setting, FlagSetting):
        if values:
            raise EditError(f"{key[0]!r} is a flag: it takes no value")
        setattr(section, attr, True)
    elif isinstance(setting, IntSetting):
        if len(values) != 1 or not values[0].lstrip("-").isdigit():
            if any("$" in v for v in values):
                return False
            raise EditError(f"{key[0]!r} takes one integer, not {' '.join(values)!r}")
        setattr(section, attr, int(values[0]))
    elif isinstance(setting, StrSetting):
        if len(values) != 1:
            return False
        setattr(section, attr, values[0])
    elif isinstance(setting, WordsSetting):
        if not values:
            raise EditError(f"{key[0]!r} needs a value")
        setattr(section, attr, list(values))
    elif isinstance(setting, TimeSetting):
        if len(values) != 1:
            raise EditError(f"{key[0]!r} takes one time value")
        try:
            setattr(section, attr, values[0])
        except ValueError as exc:
            raise EditError(f"{key[0]}: {exc}") from None
    else:
        return False
    return True


def _setting(cls: type, keyword: str) -> tuple[str, Setting[Any]] | None:
    for klass in cls.__mro__:
        for attr, value in vars(klass).items():
            if isinstance(value, Setting) and value.keyword == keyword:
                return attr, value
    return None


def _option_field(cls: type, option: str) -> tuple[str, OptionField[Any]] | None:
    for klass in cls.__mro__:
        for attr, value in vars(klass).items():
            if isinstance(value, OptionField) and value.option == option:
                return attr, value
    return None


def _option_name(line: Directive, key: Sequence[str]) -> tuple[OptionsLine, str]:
    if not isinstance(line, OptionsLine):
        raise EditError(
            f"{line.keyword!r} lines have no options (KEY names an option on server, "
            "default-server, server-template and bind lines); to change this line, "
            f"address its section and give KEY {line.keyword!r}"
        )
    if len(key) != 1:
        raise EditError(f"an option name is one word, not {' '.join(key)!r}")
    return line, key[0]


def _set_option(directive: Directive, key_raw: list[str], value_raw: list[str]) -> list[str]:
    line, name = _option_name(directive, [value_of(w) for w in key_raw])
    if len(value_raw) > 1:
        raise EditError(
            f"option {name!r} takes at most one word, not {' '.join(value_raw)!r} "
            "(quote a value that has blanks)"
        )
    value = value_of(value_raw[0]) if value_raw else None
    notes: list[str] = []
    found = _option_field(type(line), name)
    takes = line_options.takes_value(line.OPTION_KIND, name)
    if isinstance(found and found[1], FlagField) or (found is None and takes is False):
        if value is not None:
            raise EditError(f"{name!r} is a flag: it takes no value")
    elif (found is not None or takes is True) and value is None:
        raise EditError(f"option {name!r} needs a value")
    if found is None and takes is None:
        notes.append(f"{name!r} is not a documented {line.OPTION_KIND} option")
    if found is not None and _simple(value_raw):
        attr, field = found
        typed: object = True if value is None else value
        if isinstance(field, IntField):
            assert value is not None
            if not value.lstrip("-").isdigit():
                raise EditError(f"option {name!r} takes an integer, not {value!r}")
            typed = int(value)
        try:
            setattr(line, attr, typed)
        except ValueError as exc:
            raise EditError(f"option {name!r}: {exc}") from None
        return notes
    line.set_option(name, True if value is None else value)
    if value_raw:
        # keep the value's quoting as written
        values = line.values
        spans = line_options.scan(line.OPTION_KIND, values, 1 + line.POSITIONAL)
        span = [s for s in spans if s.name == name][-1]
        if span.value_index is not None:
            parts = line.parts()
            if parts.words[span.value_index] != value_raw[0]:
                parts.words[span.value_index] = value_raw[0]
                line.raw = parts.render()
    return notes


def _unset_in_section(section: Section, key: list[str]) -> None:
    where = section_label(section)
    timeouts = getattr(section, "timeouts", None)
    options = getattr(section, "options", None)
    try:
        if key[0] == "timeout" and len(key) == 2 and isinstance(timeouts, TimeoutMap):
            del timeouts[key[1]]
            return
        if key[0] == "option" and len(key) == 2 and isinstance(options, OptionMap):
            del options[key[1]]
            return
    except KeyError:
        raise PathError(f"no {' '.join(key)!r} in {where}") from None
    found = _setting(type(section), key[0]) if len(key) == 1 else None
    lines = [d for d in top_directives(section) if starts_with(d, key)]
    if not lines:
        nested = [d for d in directives(section) if starts_with(d, key)]
        hint = (
            f" outside `.if` blocks (address one inside as '{where}/{' '.join(key)}')"
            if nested
            else ""
        )
        raise PathError(f"no line starting with {' '.join(key)!r} in {where}{hint}")
    if found is not None:
        setattr(section, found[0], None)
        return
    for line in lines:
        remove_line(section, line)


def replace_words(line: Directive, raws: Sequence[str]) -> None:
    """Give ``line`` the words ``raws`` (raw text); words that stay keep their spelling
    and the blanks before them, and a word replaced in place keeps the blanks before it."""
    parts = line.parts()
    old_values = [value_of(w) for w in parts.words]
    new_values = [value_of(w) for w in raws]
    old = list(zip(["", *parts.separators], parts.words, strict=True))
    new: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old_values, b=new_values, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            new.extend(old[i1:i2])
        elif tag != "delete":
            for k, j in enumerate(range(j1, j2)):
                sep = old[i1 + k][0] if tag == "replace" and i1 + k < i2 else " "
                new.append((sep, raws[j]))
    parts.words = [w for _, w in new]
    parts.separators = [sep or " " for sep, _ in new[1:]]
    rendered = parts.render()
    if rendered != line.raw:
        line.raw = rendered


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
    "replace_words",
    "resolve",
    "section_label",
    "set_value",
    "starts_with",
    "tokenize",
    "unset_value",
]
