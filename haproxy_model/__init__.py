"""haproxy-model: HAProxy configuration as code.

A lossless parser (``dumps(parse(text)) == text``, byte for byte) and a typed
object model of ``haproxy.cfg``.
"""

from haproxy_model.api import dump, dumps, load, parse
from haproxy_model.config import Config
from haproxy_model.errors import ParseError
from haproxy_model.nodes import (
    Blank,
    Branch,
    Comment,
    Conditional,
    Directive,
    Line,
    Marker,
    Message,
    ScopeLine,
    iter_lines,
)
from haproxy_model.sections import Header, Section, UnknownSection
from haproxy_model.words import Word, quote

__all__ = [
    "Blank",
    "Branch",
    "Comment",
    "Conditional",
    "Config",
    "Directive",
    "Header",
    "Line",
    "Marker",
    "Message",
    "ParseError",
    "ScopeLine",
    "Section",
    "UnknownSection",
    "Word",
    "dump",
    "dumps",
    "iter_lines",
    "load",
    "parse",
    "quote",
]
