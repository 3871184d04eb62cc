"""The routing picture as a Mermaid flowchart (GitHub renders it in a ```mermaid block).

Node ids are generated (``f1``, ``b2s1``...), never taken from the configuration, and
every label is quoted with each character outside a small safe set written as a
Mermaid entity (``#35;``), so no name in a configuration can end a label, start a
comment or a directive, or be read as markup.
"""

from __future__ import annotations

import re

from haproxy_model.analysis.graph.nodes import Graph
from haproxy_model.analysis.graph.picture import Box, Edge, picture

__all__ = ["SHAPES", "escape", "render_mermaid"]

#: characters written as they are in a label; anything else becomes ``#<code>;``
_SAFE = re.compile(r"[A-Za-z0-9 _.,:/=+@-]")
#: each box shape's opening and closing brackets (around the quoted label)
SHAPES = {
    "frontend": ("([", "])"),
    "condition": ("{{", "}}"),
    "backend": ("[", "]"),
    "server": ("(", ")"),
    "dynamic": ("[/", "/]"),
    "missing": ("[", "]"),
    "acls": ("[", "]"),
}
_ARROWS = {"solid": "-->", "dotted": "-.->", "link": "-.-"}
_CLASSES = (
    "    classDef unused stroke:#d33,stroke-width:2px,stroke-dasharray:5 5,color:#a00\n"
    "    classDef missing fill:#fdd,stroke:#d33,color:#a00\n"
)


def _char(ch: str) -> str:
    if _SAFE.fullmatch(ch):
        return ch
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF or not ch.isprintable():
        return "#63;"  # "?" for a byte that was not UTF-8, a control character
    return f"#{code};"


def escape(text: str) -> str:
    """``text`` as a Mermaid label's content (to go between double quotes)."""
    return "".join(_char(ch) for ch in text)


def _label(lines: tuple[str, ...]) -> str:
    return '"' + "<br/>".join(escape(line) for line in lines) + '"'


def _box(box: Box) -> str:
    opening, closing = SHAPES[box.shape]
    return f"    {box.id}{opening}{_label(box.lines)}{closing}\n"


def _edge(edge: Edge) -> str:
    arrow = _ARROWS[edge.style]
    label = f'|"{escape(edge.label)}"|' if edge.label else ""
    return f"    {edge.source} {arrow}{label} {edge.target}\n"


def render_mermaid(graph: Graph) -> str:
    """A ``flowchart LR`` of the graph, unused backends and ACLs in dashed red."""
    drawn = picture(graph)
    parts = ["flowchart LR\n"]
    parts += [_box(box) for box in drawn.boxes]
    parts += [_edge(edge) for edge in drawn.edges]
    parts.append(_CLASSES)
    for style in ("unused", "missing"):
        ids = [box.id for box in drawn.boxes if box.style == style]
        if ids:
            parts.append(f"    class {','.join(ids)} {style}\n")
    return "".join(parts)
