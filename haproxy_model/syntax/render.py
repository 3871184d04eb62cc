"""Rendering the tree back to text: every line's own bytes, in order.

A section, a `.if` block, a branch and the document keep the text they rendered
(``_text``) until something under them changes (see
:mod:`haproxy_model.syntax.nodes`: edits clear the caches on the way up), so
``dumps`` after one edit re-renders that one container and joins cached pieces.
"""

from __future__ import annotations

from itertools import compress, count, repeat
from operator import attrgetter, is_, is_not, not_
from typing import Any

from haproxy_model.base.errors import InvalidType
from haproxy_model.syntax.document import Document
from haproxy_model.syntax.nodes import Branch, Conditional, Line, Section
from haproxy_model.syntax.tracking import NodeList, adopt

_setattr = object.__setattr__
#: the last text, its top-level nodes, where each one's text ends, and each one's cache
Layout = tuple[str, list[Any], list[int], list[Any]]
_parent_of = attrgetter("_parent")
_text_of = attrgetter("_text")


def dumps(cfg: Document) -> str:
    """The configuration's text.  ``dumps(parse(text)) == text`` for any text that parses."""
    if not isinstance(cfg, Document):
        raise InvalidType(f"dumps() takes a Config, not {type(cfg).__name__}")
    return render(cfg)


def _owns(items: object, owner: object) -> bool:
    return items.__class__ is NodeList and getattr(items, "_owner", None) is owner


class _Parsed:
    """The cache mark of a top-level node as the parser built it: unchanged, its text
    is the part of the document's last text that the layout gives (no copy)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "PARSED"

    def __reduce__(self) -> str:
        return "PARSED"  # copies and pickles are the one mark, not a new object


PARSED = _Parsed()


def _cached(node: Any) -> str | None:
    """The container's cached text, if it is its own: a shallow copy shares the lists
    of the container it copies (and its cache), and renders afresh every time."""
    text: Any = node._text
    if text is None or text is PARSED:
        return None
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
    if isinstance(node, Document):
        return _document(node)
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


def _document(doc: Document) -> str:
    """The document's text: where its top-level nodes are the ones it last rendered,
    the old text with the changed nodes' pieces replaced (a slice per run of unchanged
    ones); else a full render.

    The nodes to look at are found with C-level passes over the top-level nodes: those
    whose cache mark is not the one of the last render, and those that had none (lines,
    and containers that cannot cache); only they are visited in Python.  A container
    that is the same object as at the last render kept its lists (a new list goes
    through ``__setattr__``, which clears its cache), so its cache, when it has one, is
    its own."""
    body: Any = doc.body
    layout = doc._layout
    if layout is None or not _owns(body, doc) or len(layout[1]) != len(body):
        return _full_document(doc)
    old, nodes, ends, marks = layout
    if not all(map(is_, body, nodes)):
        return _full_document(doc)
    # containers had a mark (lines and uncacheable containers None): read only theirs,
    # so that no line raises an AttributeError for a cache it does not have
    marked = list(map(is_not, marks, repeat(None)))
    now = map(_text_of, compress(body, marked))
    moved = compress(compress(count(), marked), map(is_not, now, compress(marks, marked)))
    unmarked = compress(count(), map(not_, marked))
    pieces: list[str] = []
    run = 0  # where the current run of unchanged text starts in ``old``
    new_ends = ends
    new_marks = marks
    cacheable = True
    for i in sorted({*moved, *unmarked}):
        node = body[i]
        start = ends[i - 1] if i else 0
        if isinstance(node, Line):
            piece = node._raw + node._newline
            if old[start : ends[i]] == piece:
                continue
        else:
            # unchanged since this document rendered it: the same cache object
            mark = node._text
            if mark is not None and mark is marks[i]:
                continue
            piece = render(node)
            cacheable = cacheable and _cached(node) is not None
        if node._parent is not doc:
            adopt(node, doc)
        pieces.append(old[run:start])
        pieces.append(piece)
        run = ends[i]
        delta = len(piece) - (ends[i] - start)
        if delta:
            if new_ends is ends:
                new_ends = list(ends)
            new_ends[i:] = [e + delta for e in new_ends[i:]]
        if not isinstance(node, Line):
            if new_marks is marks:
                new_marks = list(marks)
            new_marks[i] = node._text
    pieces.append(old[run:])
    text = "".join(pieces)
    _setattr(doc, "_layout", (text, nodes, new_ends, new_marks))
    if cacheable:
        _setattr(doc, "_text", text)
    return text


def _full_document(doc: Document) -> str:
    """Render every top-level node, taking the text of those unchanged since the last
    render from the last text (found by identity)."""
    body: Any = doc.body
    pieces: list[str] = []
    cacheable = _owns(body, doc)
    ends: list[int] = []
    end = 0
    layout = doc._layout
    where: dict[int, int] = {}
    if layout is not None:
        where = {id(node): i for i, node in enumerate(layout[1])}
    for node in body:
        i = where.get(id(node))
        if i is not None and not isinstance(node, Line):
            assert layout is not None
            old, _, old_ends, marks = layout
            mark = node._text
            if mark is not None and mark is marks[i]:
                piece = old[old_ends[i - 1] if i else 0 : old_ends[i]]
                pieces.append(piece)
                end += len(piece)
                ends.append(end)
                if node._parent is not doc:
                    adopt(node, doc)
                continue
        before = len(pieces)
        cacheable &= _mixed([node], doc, pieces)
        end += sum(map(len, pieces[before:]))
        ends.append(end)
    text = "".join(pieces)
    if cacheable:
        _setattr(doc, "_text", text)
    _setattr(doc, "_layout", layout_of(text, body, ends) if _owns(body, doc) else None)
    return text


def layout_of(text: str, body: list[Any], ends: list[int]) -> Layout:
    """What :func:`_document` needs to render the document again after a few changes."""
    return (text, list(body), ends, [getattr(node, "_text", None) for node in body])


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
