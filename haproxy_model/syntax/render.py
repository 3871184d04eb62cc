"""Rendering the tree back to text: every line's own bytes, in order."""

from __future__ import annotations

from haproxy_model.base.errors import InvalidType
from haproxy_model.syntax.document import Document
from haproxy_model.syntax.nodes import iter_lines


def dumps(cfg: Document) -> str:
    """The configuration's text.  ``dumps(parse(text)) == text`` for any text that parses."""
    if not isinstance(cfg, Document):
        raise InvalidType(f"dumps() takes a Config, not {type(cfg).__name__}")
    return "".join([line.raw + line.newline for line in iter_lines(cfg.body)])
