"""Editing a section by the leading words of a directive: through the typed attribute
when there is one (``balance``, ``timeouts``, ``options``), else the lines themselves."""

from __future__ import annotations

from typing import Any

from haproxy_model.model.addresses import PathError, directives, section_label, starts_with
from haproxy_model.model.directives import DIRECTIVE_CLASSES, Server
from haproxy_model.model.edit_words import EditError, is_plain
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
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.sections import Section
from haproxy_model.syntax.words import value_of


def set_in_section(section: Section, key_raw: list[str], value_raw: list[str]) -> list[str]:
    """Set the directive ``key_raw`` to ``value_raw`` (raw words): the typed attribute, the one
    line that starts with ``key_raw``, or a new line after the last one like it.

    Returns the notes worth showing (none so far, unlike options: see ``set_option``).
    """
    key = [value_of(w) for w in key_raw]
    values = [value_of(w) for w in value_raw]
    first = key[0]
    if first in _grammar.section_keywords() or first.startswith((".", "[")):
        raise EditError(f"{first!r} cannot start a directive line (it opens a section or a block)")
    if is_plain(key_raw) and is_plain(value_raw) and _set_typed(section, key, values):
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
        lines[0].set_words(words)
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


def unset_in_section(section: Section, key: list[str]) -> None:
    """Remove the directive whose words start with ``key`` (values; PathError when none)."""
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
