"""Line numbers of nodes, computed by walking the tree (never stored).

Positions go stale after an edit, so they are computed when asked: one walk
over the file gives the line of every line node.
"""

from __future__ import annotations

from haproxy_model.syntax.document import Document
from haproxy_model.syntax.nodes import Line


class Positions:
    """The 1-based line number of every line of a configuration, as it is now."""

    def __init__(self, cfg: Document) -> None:
        self._lines: dict[int, int] = {id(line): n for n, line in enumerate(cfg.lines(), 1)}

    def line(self, node: Line) -> int:
        """The line number of ``node`` (0 if it is not in the configuration)."""
        return self._lines.get(id(node), 0)


def column_of_word(line: Line, index: int) -> int:
    """The 1-based column where word ``index`` of a directive line starts."""
    from haproxy_model.syntax.nodes import Directive

    if not isinstance(line, Directive):
        return 1
    parts = line.parts()
    col = len(parts.indent)
    for i, word in enumerate(parts.words[:index]):
        col += len(word) + len(parts.separators[i])
    return col + 1
