"""Editing the options of a server, default-server, server-template or bind line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from haproxy_model.model import line_options
from haproxy_model.model.addresses import PathError
from haproxy_model.model.directives import FlagField, IntField, OptionField, OptionsLine
from haproxy_model.model.edit_words import EditError, is_plain
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.words import value_of


def _option_field(cls: type, option: str) -> tuple[str, OptionField[Any]] | None:
    for klass in cls.__mro__:
        for attr, value in vars(klass).items():
            if isinstance(value, OptionField) and value.option == option:
                return attr, value
    return None


def option_line(line: Directive, key: Sequence[str]) -> tuple[OptionsLine, str]:
    """The line as one with options, and the option ``key`` names (EditError when neither)."""
    if not isinstance(line, OptionsLine):
        raise EditError(
            f"{line.keyword!r} lines have no options (KEY names an option on server, "
            "default-server, server-template and bind lines); to change this line, "
            f"address its section and give KEY {line.keyword!r}"
        )
    if len(key) != 1:
        raise EditError(f"an option name is one word, not {' '.join(key)!r}")
    return line, key[0]


def set_option(directive: Directive, key_raw: list[str], value_raw: list[str]) -> list[str]:
    """Set the option ``key_raw`` to ``value_raw`` (raw text; none for a flag); return notes.

    Through the typed field when there is one, else in the words, the value's
    quoting kept as written.
    """
    line, name = option_line(directive, [value_of(w) for w in key_raw])
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
    if found is not None and is_plain(value_raw):
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


def unset_option(directive: Directive, key: Sequence[str]) -> None:
    """Remove the option ``key`` (its words' values) from the line (PathError when absent)."""
    line, name = option_line(directive, key)
    if line.get_option(name) is None:
        raise PathError(f"no option {name!r} on {line.raw.strip()!r}")
    found = _option_field(type(line), name)
    if found is not None:
        setattr(line, found[0], None)
    else:
        line.remove_option(name)
