"""The routing picture in Graphviz's dot language, and as SVG through the ``dot`` program.

Node ids are generated and quoted; every label is a double-quoted string with ``\\``
and ``"`` escaped (so a name cannot end it or start one of dot's ``\\N``-style
escapes) and control characters replaced, lines joined with ``\\n``.
"""

from __future__ import annotations

import shutil
import subprocess

from haproxy_model.analysis.graph.nodes import Graph
from haproxy_model.analysis.graph.picture import Box, Edge, picture
from haproxy_model.base.errors import MissingFile, OperationFailed

__all__ = ["NO_DOT", "escape", "render_dot", "render_svg"]

NO_DOT = (
    "SVG output needs Graphviz's `dot` program, which is not installed "
    "(Debian: apt-get install graphviz); --format dot or mermaid work without it"
)
_SHAPES: dict[str, dict[str, str]] = {
    "frontend": {"shape": "box", "style": "rounded,filled", "fillcolor": "#e8f0fe"},
    "condition": {"shape": "hexagon", "style": "filled", "fillcolor": "#fff8e1"},
    "backend": {"shape": "box", "style": "filled", "fillcolor": "#e6f4ea"},
    "server": {"shape": "box", "style": "rounded"},
    "dynamic": {"shape": "parallelogram", "style": "filled", "fillcolor": "#f3e8fd"},
    "missing": {"shape": "box", "style": "filled", "fillcolor": "#ffdddd", "color": "#dd3333"},
    "acls": {"shape": "note", "style": "solid"},
}
_UNUSED = {"color": "#dd3333", "fontcolor": "#aa0000", "penwidth": "2"}
_EDGES = {"solid": "", "dotted": "style=dotted", "link": "style=dotted, arrowhead=none"}


def _char(ch: str) -> str:
    if ch in '\\"':
        return "\\" + ch
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF or not ch.isprintable():
        return "?"
    return ch


def escape(text: str) -> str:
    """``text`` as the content of a dot double-quoted string."""
    return "".join(_char(ch) for ch in text)


def _box(box: Box) -> str:
    attrs = dict(_SHAPES[box.shape])
    if box.style == "unused":
        attrs |= _UNUSED
        attrs["style"] += ",dashed"
    attrs["label"] = "\\n".join(escape(line) for line in box.lines)
    spec = ", ".join(f'{key}="{value}"' for key, value in attrs.items())
    return f'  "{box.id}" [{spec}];\n'


def _edge(edge: Edge) -> str:
    attrs = [a for a in (_EDGES[edge.style],) if a]
    if edge.label:
        attrs.append(f'label="{escape(edge.label)}"')
    spec = f" [{', '.join(attrs)}]" if attrs else ""
    return f'  "{edge.source}" -> "{edge.target}"{spec};\n'


def render_dot(graph: Graph) -> str:
    """A ``digraph`` left to right; unused backends and ACLs dashed red."""
    drawn = picture(graph)
    parts = [
        "digraph haproxy {\n",
        "  rankdir=LR;\n",
        '  node [fontname="Helvetica", fontsize=11];\n',
        '  edge [fontname="Helvetica", fontsize=10];\n',
    ]
    parts += [_box(box) for box in drawn.boxes]
    parts += [_edge(edge) for edge in drawn.edges]
    parts.append("}\n")
    return "".join(parts)


def render_svg(graph: Graph, timeout: float = 60.0) -> str:
    """The dot drawing as SVG, by Graphviz's ``dot -Tsvg`` (:class:`MissingFile` without it)."""
    program = shutil.which("dot")
    if program is None:
        raise MissingFile(NO_DOT)
    try:
        done = subprocess.run(
            [program, "-Tsvg"],
            input=render_dot(graph).encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OperationFailed(f"dot -Tsvg failed: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise OperationFailed(f"dot -Tsvg failed: {message[0] if message else done.returncode}")
    return done.stdout.decode(errors="replace")
