"""Sections of a configuration by kind and name: ``cfg.backends["app"]``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar, overload

from haproxy_model.base.errors import InvalidType, InvalidValue, NotFound
from haproxy_model.model import edit
from haproxy_model.model.typed_sections import Defaults
from haproxy_model.syntax.nodes import Blank, Node, iter_lines
from haproxy_model.syntax.sections import Section

if TYPE_CHECKING:
    from haproxy_model.syntax.document import Document as Config

S = TypeVar("S", bound=Section)


def _sections(cfg: Config, cls: type[S]) -> list[S]:
    return [s for s in cfg.sections if isinstance(s, cls)]


def add_section(cfg: Config, section: Section) -> None:
    """Add a section after the last section of its kind (else at the end).

    The new section is formatted like the file: its body takes the indentation
    of the section it follows and the file's line end, and it is separated
    from its neighbours by one blank line.
    """
    if not isinstance(section, Section):
        raise InvalidType(
            "a section is added here (hm.Backend(...), hm.Frontend(...), ...), "
            f"not {type(section).__name__}"
        )
    body = cfg.body
    newline = edit.newline_of(body)
    same = [i for i, n in enumerate(body) if isinstance(n, type(section))]
    index = same[-1] if same else len(body) - 1
    anchor = body[index] if index >= 0 else None
    _restyle(section, anchor, newline)
    if anchor is None:
        body.append(section)
        return
    last = edit.last_line(anchor)
    if last.newline == "":
        last.newline = newline
        edit.last_line(section).newline = ""
    ends_blank = (
        isinstance(anchor, Section) and bool(anchor.body) and isinstance(anchor.body[-1], Blank)
    )
    if ends_blank:
        # anchor already ends with a blank line: put one after the new section instead
        insert: list[Node] = [section]
        if index + 1 < len(body):
            insert.append(Blank("", newline=newline))
    else:
        insert = [Blank("", newline=newline), section]
    body[index + 1 : index + 1] = insert


def _restyle(section: Section, anchor: Node | None, newline: str) -> None:
    indent = edit.body_indent(anchor) if isinstance(anchor, Section) else None
    for line in iter_lines(section.body):
        if indent is not None and line.raw[:1] in (" ", "\t") and line.raw.strip():
            edit.reindent(line, indent)
    _set_newlines(section, newline)


def _set_newlines(section: Section, newline: str) -> None:
    if newline == "\n":
        return
    for line in [*section.leading, section.header, *iter_lines(section.body)]:
        line.newline = newline


def remove_section(cfg: Config, section: Section) -> None:
    """Remove a section (its leading comments go with it) and one gap of blank lines.

    The gap is the one after it (the blank lines ending its body, then any
    standing after it); when none follows it, because it is the last section of
    the file or of its `.if` branch or the next line follows it directly, the
    gap before it goes instead, so the text before it ends as the file did.
    In a configuration of several files, only the lines of the section's own
    file are looked at.
    """
    if cfg.origins is not None:
        from haproxy_model.syntax.document import Document

        start, end = cfg.origins.span(cfg.body, section)
        part = Document(body=cfg.body[start:end])
        remove_section(part, section)
        cfg.body[start:end] = part.body
        return
    found = edit.locate(cfg.body, section)
    if found is None:
        raise InvalidValue("that section is not in this configuration")
    container, index = found
    was_last = edit.last_line(section).newline == ""
    end = index + 1
    while end < len(container) and isinstance(container[end], Blank):
        end += 1
    gap_after = end > index + 1 or edit.last_meaningful_index(section.body) < len(section.body) - 1
    del container[index:end]
    if not gap_after or index == len(container):
        _drop_gap_before(container, index)
    if was_last and container:
        edit.last_line(container[-1]).newline = ""


def _drop_gap_before(container: list[Node], index: int) -> None:
    """Remove the blank lines just before ``container[index]`` (a section's trailing ones too)."""
    while index > 0 and isinstance(container[index - 1], Blank):
        index -= 1
        del container[index]
    before = container[index - 1] if index > 0 else None
    if isinstance(before, Section):
        del before.body[edit.last_meaningful_index(before.body) + 1 :]


class SectionMap(Mapping[str, S], Generic[S]):
    """The sections of one kind by name; ``add`` and ``del`` edit the file."""

    def __init__(self, cfg: Config, cls: type[S], label: str) -> None:
        self._cfg = cfg
        self._cls = cls
        self._label = label

    def _items(self) -> list[S]:
        return _sections(self._cfg, self._cls)

    def __getitem__(self, name: str) -> S:
        found = self._cfg.section_named(self._cls, name) if isinstance(name, str) else None
        if found is not None:
            return found
        names = ", ".join(repr(s.name) for s in self._items()) or "none"
        raise NotFound(f"no {self._label} named {name!r} (there are: {names})")

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._cfg.section_named(self._cls, name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter([s.name for s in self._items() if s.name is not None])

    def __len__(self) -> int:
        return len(self._items())

    def add(self, section: S) -> S:
        """Add a section of this kind (after the last one of its kind)."""
        if not isinstance(section, self._cls):
            raise InvalidType(f"expected a {self._cls.__name__}, got {type(section).__name__}")
        if section.name is not None and section.name in self:
            raise InvalidValue(f"a {self._label} named {section.name!r} already exists")
        add_section(self._cfg, section)
        return section

    def __setitem__(self, name: str, section: S) -> None:
        """Put ``section`` (named ``name``) in place of the section of that name, where it
        stands (it takes the old one's comment lines when it has none), else add it."""
        if not isinstance(section, self._cls):
            raise InvalidType(f"expected a {self._cls.__name__}, got {type(section).__name__}")
        if section.name != name:
            raise InvalidValue(
                f"the {self._label} is named {section.name!r}: give it as [{section.name!r}]"
            )
        old = self._cfg.section_named(self._cls, name) if isinstance(name, str) else None
        if old is None:
            self.add(section)
            return
        if old is section:
            return
        found = edit.locate(self._cfg.body, old)
        if found is None:  # pragma: no cover - found by name, so it is in the body
            raise InvalidValue(f"the {self._label} {name!r} is not in this configuration")
        container, index = found
        if not section.leading and old.leading:
            leading = list(old.leading)
            old.leading = []
            section.leading = leading
        _restyle(section, old, edit.newline_of(self._cfg.body))
        gap = old.body[edit.last_meaningful_index(old.body) + 1 :]
        if (
            gap
            and all(isinstance(n, Blank) for n in gap)
            and not (section.body and isinstance(section.body[-1], Blank))
        ):  # the blank lines that parted it from the next section part the new one
            del old.body[-len(gap) :]
            section.body.extend(gap)
        if edit.last_line(old).newline == "":
            edit.last_line(section).newline = ""
        origins = self._cfg.origins
        if origins is not None and container is self._cfg.body:  # it stays in its file
            origins.assign(section, origins.owners(container)[index])
        container[index] = section

    def __delitem__(self, name: str) -> None:
        remove_section(self._cfg, self[name])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)})"


class DefaultsList(Sequence[Defaults]):
    """The ``defaults`` sections in file order; also indexable by name."""

    def __init__(self, cfg: Config) -> None:
        self._cfg = cfg

    def _items(self) -> list[Defaults]:
        return _sections(self._cfg, Defaults)

    @overload
    def __getitem__(self, key: int | str) -> Defaults: ...
    @overload
    def __getitem__(self, key: slice) -> list[Defaults]: ...
    def __getitem__(self, key: int | str | slice) -> Defaults | list[Defaults]:
        items = self._items()
        if isinstance(key, str):
            for section in items:
                if section.name == key:
                    return section
            names = ", ".join(repr(s.name) for s in items if s.name) or "none"
            raise NotFound(f"no defaults section named {key!r} (named ones: {names})")
        if isinstance(key, slice):
            return items[key]
        if not isinstance(key, int) or isinstance(key, bool):
            raise InvalidType(f"defaults[...] takes a position or a name, not {type(key).__name__}")
        if not -len(items) <= key < len(items):
            raise NotFound(f"no defaults section at position {key} (there are {len(items)})")
        return items[key]

    def __len__(self) -> int:
        return len(self._items())

    def add(self, section: Defaults) -> Defaults:
        """Add a defaults section after the last one."""
        add_section(self._cfg, section)
        return section

    def __repr__(self) -> str:
        return f"DefaultsList({[s.name for s in self._items()]})"
