"""The proxies of one or more configuration files, as HAProxy links them for routing.

Files are read in order as one configuration; a proxy takes the defaults
section it names after ``from``, else the last ``defaults`` above it (even in
an earlier file).  Each proxy keeps its ACLs by name (lines of one name are
ORed; a rule sees them wherever they are in the section, as HAProxy's parser
adds them to the one ACL).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from haproxy_model.analysis.route.conditions import AclLine, parse_acl
from haproxy_model.analysis.route.fetches import Files
from haproxy_model.analysis.route.matching import Unknown
from haproxy_model.model.config import Config
from haproxy_model.syntax.defaults_links import PROXY_SECTIONS
from haproxy_model.syntax.defaults_links import link as link_defaults
from haproxy_model.syntax.nodes import Conditional, Directive, Marker, Message, Node
from haproxy_model.syntax.positions import Positions
from haproxy_model.syntax.sections import Header, Section

__all__ = ["Line", "Proxy", "link"]


@attrs.frozen
class Line:
    """A directive with where it is written."""

    node: Directive
    file: str
    number: int
    guarded: bool  # inside a `.if` block
    values: tuple[str, ...]

    @property
    def text(self) -> str:
        parts = self.node.parts()
        out = [parts.words[0]] if parts.words else []
        for sep, word in zip(parts.separators, parts.words[1:], strict=False):
            out += [sep, word]
        return "".join(out)


@attrs.define(eq=False)
class Proxy:
    kind: str
    name: str | None
    lines: list[Line]
    files: Files
    defaults: Proxy | None = None
    acls: dict[str, list[AclLine | str]] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        for line in self.lines:
            if line.values[0] != "acl" or len(line.values) < 2:
                continue
            where = f"{line.file}:{line.number}"
            entries = self.acls.setdefault(line.values[1], [])
            if line.guarded:
                entries.append(f"ACL line {where} is inside a .if block")
                continue
            try:
                entries.append(parse_acl(line.values[2:], where))
            except Unknown as exc:
                entries.append(f"{exc.reason} ({where})")

    def keyword(self, *names: str) -> list[Line]:
        return [line for line in self.lines if line.values[0] in names]

    def setting(self, name: str) -> Line | None:
        """The last ``name`` line of this proxy, else of its defaults (where HAProxy reads it)."""
        proxy: Proxy | None = self
        while proxy is not None:
            found = proxy.keyword(name)
            if found:
                return found[-1]
            proxy = proxy.defaults
        return None


def _lines(nodes: Sequence[Node], positions: Positions, file: str, guarded: bool) -> Iterator[Line]:
    for node in nodes:
        if isinstance(node, Conditional):
            for branch in node.branches:
                yield from _lines(branch.body, positions, file, True)
        elif (
            isinstance(node, Directive)
            and not isinstance(node, (Marker, Message, Header))
            and node.raw.strip()
        ):
            yield Line(node, file, positions.line(node), guarded, tuple(node.values))


def link(configs: Sequence[Config]) -> list[Proxy]:
    """Every defaults/frontend/listen/backend section of the files, in order, linked."""
    return link_defaults(_proxies(configs))


def _proxies(configs: Sequence[Config]) -> Iterator[tuple[Section, Proxy]]:
    for cfg in configs:
        positions = Positions(cfg)
        folder = Path(cfg.filename).parent if cfg.filename not in ("<string>", "<stdin>") else None
        files = Files(folder)
        for section in cfg.sections:
            if section.keyword in PROXY_SECTIONS:
                lines = list(_lines(section.body, positions, cfg.filename, False))
                yield section, Proxy(section.keyword, section.name, lines, files)
