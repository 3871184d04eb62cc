"""Typed directives: the lines people edit, each a view over its own words.

Every class here is a :class:`~haproxy_model.syntax.nodes.Directive`: it keeps the
line's exact text and reads and writes through its words, so an edit changes
that one line and keeps its comment, its spacing and the order of the other
options.  Building one from keyword arguments gives a conventionally
formatted line (four-space indent).
"""

from __future__ import annotations

from collections.abc import Iterator

from haproxy_model.base.values import Size
from haproxy_model.model.binds import Bind
from haproxy_model.model.fields import (
    Field,
    IntArg,
    NameArg,
    TimeArg,
    WordArg,
    WordsArg,
    fields_of,
    int_or_text,
    time_or_text,
    timeout_word,
)
from haproxy_model.model.host_port import address_parts, join_address, split_address
from haproxy_model.model.option_fields import FlagField, IntField, OptionField, StrField, TimeField
from haproxy_model.model.options_line import OptionsLine, option_name
from haproxy_model.model.proxy_directives import (
    Errorfile,
    HttpCheck,
    Log,
    Option,
    Stats,
    StickTable,
    Timeout,
)
from haproxy_model.model.rules import Acl, Rule, Stick, UseBackend
from haproxy_model.model.servers import DefaultServer, Server, ServerTemplate
from haproxy_model.model.typed_directive import (
    DIRECTIVE_CLASSES,
    Shape,
    TypedDirective,
    directive_class,
    shape_of,
)


def iter_options(line: OptionsLine) -> Iterator[tuple[str, str | bool]]:
    """Each option of a line with its value (True for a flag)."""
    yield from line.options.items()


__all__ = [
    "DIRECTIVE_CLASSES",
    "Acl",
    "Bind",
    "DefaultServer",
    "Errorfile",
    "Field",
    "FlagField",
    "HttpCheck",
    "IntArg",
    "IntField",
    "Log",
    "NameArg",
    "Option",
    "OptionField",
    "OptionsLine",
    "Rule",
    "Server",
    "ServerTemplate",
    "Shape",
    "Size",
    "Stats",
    "Stick",
    "StickTable",
    "StrField",
    "TimeArg",
    "TimeField",
    "Timeout",
    "TypedDirective",
    "UseBackend",
    "WordArg",
    "WordsArg",
    "address_parts",
    "directive_class",
    "fields_of",
    "int_or_text",
    "iter_options",
    "join_address",
    "option_name",
    "shape_of",
    "split_address",
    "time_or_text",
    "timeout_word",
]
