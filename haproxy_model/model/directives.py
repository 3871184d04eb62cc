"""Typed directives: the lines people edit, each a view over its own words.

Every class here is a :class:`~haproxy_model.nodes.Directive`: it keeps the
line's exact text and reads and writes through its words, so an edit changes
that one line and keeps its comment, its spacing and the order of the other
options.  Building one from keyword arguments gives a conventionally
formatted line (four-space indent).
"""

from __future__ import annotations

from collections.abc import Iterator

from haproxy_model.model.addresses import address_parts, join_address, split_address
from haproxy_model.model.binds import Bind
from haproxy_model.model.option_fields import (
    FlagField,
    IntField,
    OptionField,
    StrField,
    TimeField,
    int_or_text,
    time_or_text,
)
from haproxy_model.model.options_line import OptionsLine, option_name
from haproxy_model.model.proxy_directives import (
    Errorfile,
    HttpCheck,
    Log,
    Option,
    Stats,
    StickTable,
    Timeout,
    timeout_word,
)
from haproxy_model.model.rules import Acl, Rule, Stick, UseBackend
from haproxy_model.model.servers import DefaultServer, Server, ServerTemplate
from haproxy_model.nodes import Directive
from haproxy_model.values import Size


def iter_options(line: OptionsLine) -> Iterator[tuple[str, str | bool]]:
    """Each option of a line with its value (True for a flag)."""
    yield from line.options.items()


#: first word of a line -> typed class the parser builds for it
DIRECTIVE_CLASSES: dict[str, type[Directive]] = {
    "server": Server,
    "default-server": DefaultServer,
    "server-template": ServerTemplate,
    "bind": Bind,
    "acl": Acl,
    "http-request": Rule,
    "http-response": Rule,
    "http-after-response": Rule,
    "tcp-request": Rule,
    "tcp-response": Rule,
    "use_backend": UseBackend,
    "use-server": UseBackend,
    "timeout": Timeout,
    "option": Option,
    "no": Option,
    "default": Option,
    "log": Log,
    "http-check": HttpCheck,
    "stick-table": StickTable,
    "stick": Stick,
    "errorfile": Errorfile,
    "stats": Stats,
}


__all__ = [
    "DIRECTIVE_CLASSES",
    "Acl",
    "Bind",
    "DefaultServer",
    "Errorfile",
    "FlagField",
    "HttpCheck",
    "IntField",
    "Log",
    "Option",
    "OptionField",
    "OptionsLine",
    "Rule",
    "Server",
    "ServerTemplate",
    "Size",
    "Stats",
    "Stick",
    "StickTable",
    "StrField",
    "TimeField",
    "Timeout",
    "UseBackend",
    "address_parts",
    "int_or_text",
    "iter_options",
    "join_address",
    "option_name",
    "split_address",
    "time_or_text",
    "timeout_word",
]
