"""The proxy sections of one or more files, linked to their defaults as HAProxy links them.

Files are read in order as one configuration (``haproxy -f A -f B``): a proxy takes
the defaults section it names after ``from``, else the last ``defaults`` above it,
even in an earlier file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import attrs

from haproxy_model.base.chains import follow
from haproxy_model.model.config import Config
from haproxy_model.syntax.defaults_links import PROXY_SECTIONS
from haproxy_model.syntax.defaults_links import link as link_defaults
from haproxy_model.syntax.nodes import Directive, Marker, Message, iter_lines
from haproxy_model.syntax.nodes import Line as TextLine
from haproxy_model.syntax.positions import Positions
from haproxy_model.syntax.sections import Header, Section

__all__ = ["Line", "Proxy", "link"]

_UNNAMED = ("<string>", "<stdin>")


@attrs.frozen
class Line:
    """A directive of a proxy with where it is written."""

    node: Directive
    file: str
    number: int

    @property
    def values(self) -> list[str]:
        return self.node.values


@attrs.define(eq=False)
class Proxy:
    """A defaults/frontend/listen/backend section, its lines and its defaults."""

    section: Section
    file: str
    number: int
    lines: list[Line]
    #: where relative file names (map files) are looked up: the file's folder
    folder: Path
    defaults: Proxy | None = None

    @property
    def kind(self) -> str:
        return self.section.keyword

    @property
    def name(self) -> str:
        return self.section.name or ""

    @property
    def label(self) -> str:
        return " ".join(self.section.header.values)

    def keyword(self, *names: str) -> list[Line]:
        """Its lines whose first word is one of ``names``, in order."""
        return [line for line in self.lines if line.values[0] in names]

    def chain(self) -> Iterator[Proxy]:
        """This proxy, then the defaults it inherits from, nearest first."""
        return follow(self, lambda proxy: proxy.defaults)

    def setting(self, name: str) -> tuple[Line, Proxy] | None:
        """The last ``name`` line of this proxy, else of its nearest defaults that has one."""
        for proxy in self.chain():
            found = proxy.keyword(name)
            if found:
                return found[-1], proxy
        return None


def _placer(cfg: Config) -> Callable[[TextLine], tuple[str, int]]:
    """The file and line of a line of ``cfg``; for several files read as one
    (``hm.load_many``), its own file's name and line number."""
    positions = Positions(cfg)
    places = cfg.origins.places(cfg.body) if cfg.origins is not None else None

    def place(node: TextLine) -> tuple[str, int]:
        number = positions.line(node)
        if places is not None and 0 < number <= len(places):
            file, own = places[number - 1]
            return file.name, own
        return cfg.filename, number

    return place


def link(configs: Sequence[Config]) -> list[Proxy]:
    """Every proxy section of the files, in order, each linked to its defaults."""
    return link_defaults(_proxies(configs))


def _proxies(configs: Sequence[Config]) -> Iterator[tuple[Section, Proxy]]:
    for cfg in configs:
        place = _placer(cfg)
        for section in cfg.sections:
            if section.keyword not in PROXY_SECTIONS:
                continue
            lines = [
                Line(node, *place(node))
                for node in iter_lines(section.body)
                if isinstance(node, Directive)
                and not isinstance(node, (Marker, Message, Header))
                and node.values
            ]
            file, number = place(section.header)
            folder = Path(file).parent if file not in _UNNAMED else Path.cwd()
            yield section, Proxy(section, file, number, lines, folder)
