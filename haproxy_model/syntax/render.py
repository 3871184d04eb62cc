"""Rendering the tree back to text: every line's own bytes, in order.

A section, a `.if` block, a branch and the document keep the text they rendered
(``_text``) until something under them changes (see
:mod:`haproxy_model.syntax.nodes`: edits clear the caches on the way up), so
``dumps`` after one edit re-renders that one container and joins cached pieces.
"""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter, is_
from typing import Any

from haproxy_model.base.errors import InvalidType
from haproxy_model.syntax.document import Document
from haproxy_model.syntax.nodes import (
    Branch,
    Conditional,
    Line,
    NodeList,
    Section,
    adopt,
)

_setattr = object.__setattr__
_parent_of = attrgetter("_parent")


def dumps(cfg: Document) -> str:
    """The configuration's text.  ``dumps(parse(text)) == text`` for any text that parses."""
    if not isinstance(cfg, Document):
        raise InvalidType(f"dumps() takes a Config, not {type(cfg).__name__}")
    return render(cfg)


def _owns(items: object, owner: object) -> bool:
    return items.__class__ is NodeList and getattr(items, "_owner", None) is owner


def _cached(node: Any) -> str | None:
    """The container's cached text, if it is its own: a shallow copy shares the lists
    of the container it copies (and its cache), and renders afresh every time.

    A section the parser built may hold a span of the source text instead
    (``(source, start, end)``): its text is sliced when asked for."""
    text: Any = node._text
    if text is None:
        return None
    if text.__class__ is tuple:
        source, start, end = text
        text = source[start:end]
    if isinstance(node, Section):
        owned = _owns(node.body, node) and _owns(node.leading, node)
    elif isinstance(node, Conditional):
        owned = _owns(node.branches, node)
    else:
        owned = _owns(node.body, node)
    return text if owned else None


def render(node: Any) -> str:
    """The text of a container (document, section, `.if` block or branch), cached."""
    text = _cached(node)
    if text is not None:
        return text
    out: list[str] = []
    if isinstance(node, Section):
        cacheable = _owns(node.leading, node) and _owns(node.body, node)
        cacheable &= _lines(node.leading, node, out)
        header = node.header
        out.append(header._raw + header._newline)
        adopt(header, node)
        cacheable &= _lines(node.body, node, out)
    elif isinstance(node, Conditional):
        cacheable = _owns(node.branches, node)
        for branch in node.branches:
            out.append(render(branch))
            adopt(branch, node)
            cacheable &= _cached(branch) is not None
        end = node.end
        out.append(end._raw + end._newline)
        adopt(end, node)
    elif isinstance(node, Branch):
        line = node.line
        out.append(line._raw + line._newline)
        adopt(line, node)
        cacheable = _owns(node.body, node) and _lines(node.body, node, out)
    else:
        cacheable = _owns(node.body, node) and _lines(node.body, node, out)
    text = "".join(out)
    if cacheable:
        _setattr(node, "_text", text)
    return text


def _lines(nodes: Any, parent: object, out: list[str]) -> bool:
    """Render ``nodes`` into ``out``; False when a container among them is not cacheable."""
    try:
        # the common case: only lines (C-level loops; a container has no _raw)
        pieces = [node._raw + node._newline for node in nodes]
    except AttributeError:
        return _mixed(nodes, parent, out)
    if not all(map(is_, map(_parent_of, nodes), repeat(parent))):
        for node in nodes:
            adopt(node, parent)
    out += pieces
    return True


def _mixed(nodes: Any, parent: object, out: list[str]) -> bool:
    add = out.append
    cacheable = True
    for node in nodes:
        if isinstance(node, Line):
            add(node._raw + node._newline)
        elif isinstance(node, (Section, Conditional)):
            text = _cached(node)
            if text is None:
                text = render(node)
                cacheable = cacheable and _cached(node) is not None
            add(text)
        else:
            raise InvalidType(f"not a node of a configuration: {type(node).__name__}")
        if node._parent is not parent:
            adopt(node, parent)
    return cacheable
