"""What every check shares: the walk over the file, the proxies and the report list."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence

import attrs

from haproxy_model.analysis.validation.registry import code_of
from haproxy_model.base.chains import follow
from haproxy_model.base.diagnostics import Diagnostic, Severity
from haproxy_model.base.errors import InvalidValue
from haproxy_model.keywords import Keyword, KeywordTable, load_table
from haproxy_model.keywords.build import Build
from haproxy_model.keywords.versions import version_key
from haproxy_model.model.config import Config
from haproxy_model.model.directives import shape_of
from haproxy_model.syntax.defaults_links import PROXY_SECTIONS, link
from haproxy_model.syntax.nodes import (
    Branch,
    Conditional,
    Directive,
    Line,
    Marker,
    Message,
    Node,
)
from haproxy_model.syntax.positions import Positions, column_of_word
from haproxy_model.syntax.sections import Header, Section

#: The `.if` branches a line sits in: (id of the block, branch index), outermost first.
Path = tuple[tuple[int, int], ...]

#: Proxy sections (manual section 4).

# `.if` predicates that ask what the running binary supports (manual section
# 2.4): a keyword unknown to the version validated may be meant for another one.
_VERSION_GUARD = re.compile(
    r"\b(?:version_atleast|version_before|openssl_version_atleast|openssl_version_before"
    r"|ssllib_name_startswith|awslc_api_atleast|feature|enabled)\s*\("
)


@functools.cache
def _keyword_words(table: KeywordTable) -> frozenset[str]:
    """Every word of every keyword name (and the "no"/"default" prefixes)."""
    words = {w for names in table.kinds.values() for name in names for w in name.split()}
    return frozenset(words | {"no", "default"})


@functools.lru_cache(maxsize=8192)
def _resolve(
    table: KeywordTable, words: tuple[str, ...], section: str, version: str | None
) -> Keyword | None:
    return table.resolve(words, section, version)


def resolve(
    table: KeywordTable, values: Sequence[str], section: str, version: str | None = None
) -> Keyword | None:
    """``table.resolve`` with a cache keyed on the words a keyword could match."""
    known = _keyword_words(table)
    end = 1
    while end < len(values) and values[end].split("(", 1)[0] in known:
        end += 1
    return _resolve(table, tuple(values[:end]), section, version)


def is_dynamic(value: str) -> bool:
    """Values HAProxy only knows at run time: environment variables, ``%[...]`` formats."""
    return "$" in value or "%[" in value


@attrs.define(eq=False)
class Item:
    """A directive of a section with what the walk knows about it."""

    line: Directive
    guarded: bool
    path: Path = ()
    #: the line's word values, decoded once
    values: list[str] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.values = self.line.values

    @property
    def keyword(self) -> str:
        return self.values[0]


@attrs.define(eq=False)
class Proxy:
    """A defaults/frontend/listen/backend section and its directives."""

    section: Section
    items: list[Item]
    guarded: bool
    path: Path = ()
    defaults: Proxy | None = None  # the defaults section it takes its settings from

    kind: str = attrs.field(init=False)
    name: str | None = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.kind = self.section.keyword
        self.name = self.section.name

    def lines(self, *keywords: str) -> list[Item]:
        """Its directives whose first word is one of ``keywords``."""
        return [it for it in self.items if it.values[0] in keywords]

    def chain(self) -> Iterator[Proxy]:
        """This proxy, then the defaults sections it inherits from, nearest first."""
        return follow(self, lambda proxy: proxy.defaults)


@attrs.define(eq=False)
class Block:
    """A section with its directives in file order."""

    section: Section
    items: list[Item]
    guarded: bool
    path: Path = ()
    keyword: str = attrs.field(init=False)
    name: str | None = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.keyword = self.section.keyword
        self.name = self.section.name


def exclusive(a: Path, b: Path) -> bool:
    """Whether two places sit in different branches of one `.if` block."""
    branches = dict(a)
    return any(block in branches and branches[block] != index for block, index in b)


def repeats(items: Iterable[Item], keyword: str) -> Iterator[tuple[Item, Item]]:
    """Each ``keyword <name>`` line whose name an earlier line already took, with that line.

    Lines in different branches of one `.if` block do not clash.
    """
    seen: dict[str, list[Item]] = {}
    for item in items:
        if item.keyword != keyword or len(item.values) < 2 or is_dynamic(item.values[1]):
            continue
        name = item.values[1]
        earlier = [other for other in seen.get(name, []) if not exclusive(other.path, item.path)]
        seen.setdefault(name, []).append(item)
        if earlier:
            yield item, earlier[0]


class Context:
    """The configuration being validated and the diagnostics found so far."""

    def __init__(self, cfg: Config, version: str, strict: bool, build: Build | None = None) -> None:
        self.cfg = cfg
        #: the binary's build options (``haproxy -vv``); None: any build
        self.build = build
        self.table: KeywordTable = load_table()
        if version not in self.table.versions:
            raise InvalidValue(
                f"unknown version {version!r}; known: {', '.join(self.table.versions)}"
            )
        self.version = version
        self.strict = strict
        self.positions = Positions(cfg)
        self._proxies: list[Proxy] | None = None
        self._names: dict[tuple[str, ...], set[str]] = {}
        self.found: list[Diagnostic] = []
        self.blocks: list[Block] = [
            Block(section, list(_items(section.body, guarded, path)), guarded, path)
            for section, guarded, path in _sections(cfg.body, False, ())
        ]

    # -- reporting -----------------------------------------------------------
    def report(
        self,
        code: str,
        severity: Severity,
        message: str,
        section: Section | None,
        line: Line | None = None,
        word: int = 0,
        offset: int = 0,
    ) -> None:
        """Record a diagnostic about word ``word`` of ``line`` (the header when None),
        ``offset`` characters into it when the word is written as its value (unquoted)."""
        node = line if line is not None else (section.header if section else None)
        if offset and isinstance(node, Directive):
            words = node.parts().words
            if word >= len(words) or words[word] != node.values[word]:
                offset = 0
        self.found.append(
            Diagnostic(
                code=code,
                severity=severity,
                message=message,
                filename=self.cfg.filename,
                line=self.positions.line(node) if node is not None else 0,
                column=column_of_word(node, word) + offset if node is not None else 0,
                section=label(section) if section is not None else None,
                rule=code_of(code),
            )
        )

    def line_of(self, node: Directive) -> int:
        return self.positions.line(node)

    # -- lookups -------------------------------------------------------------
    @property
    def proxies(self) -> list[Proxy]:
        """The proxy sections in file order, linked to their defaults."""
        if self._proxies is None:
            self._proxies = link_proxies(self)
        return self._proxies

    def sections(self, keyword: str) -> list[Block]:
        return [b for b in self.blocks if b.keyword == keyword]

    def names(self, *keywords: str) -> set[str]:
        """Names of the sections with one of ``keywords``."""
        found = self._names.get(keywords)
        if found is None:
            found = {b.name for b in self.blocks if b.keyword in keywords and b.name}
            self._names[keywords] = found
        return found

    def at_least(self, version: str) -> bool:
        """Whether the version validated is ``version`` or later."""
        return version_key(self.version) >= version_key(version)


def label(section: Section) -> str:
    """The header's words: ``"backend app"``, ``"defaults base from x"``."""
    return " ".join(section.header.values)


def _guards(branches: Sequence[Branch], index: int) -> bool:
    """Whether branch ``index`` depends on a version/feature test (its own or an earlier one)."""
    return any(_VERSION_GUARD.search(b.condition) is not None for b in branches[: index + 1])


def _sections(
    nodes: Sequence[Node], guarded: bool, path: Path
) -> Iterator[tuple[Section, bool, Path]]:
    for node in nodes:
        if isinstance(node, Section):
            yield node, guarded, path
        elif isinstance(node, Conditional):
            for i, branch in enumerate(node.branches):
                inner = (*path, (id(node), i))
                yield from _sections(branch.body, guarded or _guards(node.branches, i), inner)


def _items(nodes: Sequence[Node], guarded: bool, path: Path) -> Iterator[Item]:
    for node in nodes:
        if isinstance(node, Conditional):
            for i, branch in enumerate(node.branches):
                inner = (*path, (id(node), i))
                yield from _items(branch.body, guarded or _guards(node.branches, i), inner)
        elif (
            isinstance(node, Directive)
            and not isinstance(node, (Marker, Message, Header))
            and node.raw.strip()
        ):
            yield Item(node, guarded, path)


def link_proxies(ctx: Context) -> list[Proxy]:
    """The proxy sections in file order, each linked to the defaults it inherits
    (:func:`haproxy_model.syntax.defaults_links.link`)."""
    return link(
        (block.section, Proxy(block.section, block.items, block.guarded, block.path))
        for block in ctx.blocks
        if block.keyword in PROXY_SECTIONS
    )


def options_start(keyword: str) -> int:
    """The index of the first option word of a ``server``/``default-server``/
    ``server-template`` line: after the words its typed class declares."""
    shape = shape_of(keyword)
    if shape is None:
        raise InvalidValue(f"'{keyword}' is not a server line")
    return 1 + shape.positional
