"""The routing picture as a Mermaid flowchart (GitHub renders it in a ```mermaid block).

Node ids are generated (``f1``, ``b2s1``...), never taken from the configuration, and
every label is double-quoted. Mermaid reads a quoted label up to the next ``"``, then
shows it as HTML; before parsing, it turns ``#<word>;`` anywhere into an entity of
its own (which some versions then fail to show) and reads ``%%{...}%%`` anywhere as a
directive; it shows a backslash and ``n`` as a line break (a zero-width space goes
between them). So a label writes ``"``, ``&``, ``<``, ``>``, ``#``, ``%``, a backtick
(which opens a Markdown string), ``|`` and a backslash as HTML's named entities
(``&quot;``, ``&num;``, ``&percnt;``, ``&bsol;``...), none of which holds a ``#``: no
name in a configuration can end a label, open a directive, or be read as markup
(tests/test_graph.py checks the output with a grammar; each hostile name of its list
was also drawn by Mermaid 11 in a browser and read back as written).
"""

from __future__ import annotations

from haproxy_model.analysis.graph.nodes import Graph
from haproxy_model.analysis.graph.picture import Box, Edge, picture

__all__ = ["SHAPES", "escape", "render_mermaid"]

#: characters a label writes as an HTML named entity (no numeric one: they hold a "#")
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "#": "&num;",
    "%": "&percnt;",
    "`": "&grave;",
    "|": "&vert;",
    "\\": "&bsol;",
}
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
    if ch in _ENTITIES:
        return _ENTITIES[ch]
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF or not ch.isprintable():
        return "?"  # a byte that was not UTF-8, a control character
    return ch


def escape(text: str) -> str:
    """``text`` as a Mermaid label's content (to go between double quotes)."""
    # Mermaid shows a backslash before an "n" as a line break, entity or not: a
    # zero-width space between them keeps both as they are seen
    return "".join(_char(ch) for ch in text).replace("&bsol;n", "&bsol;&ZeroWidthSpace;n")


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
