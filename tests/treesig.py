"""A plain-data picture of a tree, to compare two parses node for node."""

from __future__ import annotations

from collections.abc import Sequence

import haproxy_model as hm
from haproxy_model.syntax.nodes import Node


def _nodes(nodes: Sequence[Node]) -> list[object]:
    out: list[object] = []
    for node in nodes:
        if isinstance(node, hm.Line):
            out.append((type(node).__name__, node.raw, node.newline))
        elif isinstance(node, hm.Section):
            out.append(
                (
                    "section",
                    type(node).__name__,
                    _nodes(node.leading),
                    _nodes([node.header]),
                    _nodes(node.body),
                )
            )
        else:
            assert isinstance(node, hm.Conditional)
            out.append(
                (
                    "if",
                    [(_nodes([b.line]), _nodes(b.body)) for b in node.branches],
                    _nodes([node.end]),
                )
            )
    return out


def signature(cfg: hm.Config) -> list[object]:
    """Every node's class, text and line end, nested as in the tree."""
    return _nodes(cfg.body)
