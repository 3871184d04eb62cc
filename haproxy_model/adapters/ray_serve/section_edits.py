"""Line edits to a section of the lossless model, each recorded as one line of text.

A changed value keeps the line's spacing and comment; a new line is indented like
its neighbours and placed after its kin (the last line whose keyword is given in
``after``, else where the model would put it).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

import haproxy_model as hm
from haproxy_model.model.typed_sections import TypedSection
from haproxy_model.model.views import add_line, insertion_point, top_directives
from haproxy_model.syntax.nodes import Directive

from .build import parse_line, typed_line

__all__ = ["SectionEdits", "label", "place"]


def place(section: TypedSection, line: Directive, after: Sequence[str]) -> None:
    """Insert ``line`` after the last top-level line whose keyword is in ``after``."""
    body = section.body
    index = -1
    for keyword in after:
        found = [i for i, n in enumerate(body) if isinstance(n, Directive) and n.keyword == keyword]
        if found:
            index = found[-1]
            break
    if index < 0:
        index = insertion_point(section, line.keyword, avoid=(hm.Server,))
    like = body[index] if index >= 0 else None
    add_line(section, line, index, like=like if isinstance(like, Directive) else None)


def label(section: hm.Section) -> str:
    """``keyword name`` (or the keyword of an unnamed section), to head a change line."""
    return section.keyword if section.name is None else f"{section.keyword} {section.name}"


@attrs.frozen
class SectionEdits:
    """Set, remove and add top-level lines; each edit appends a line to ``changes``."""

    changes: list[str]

    def set_line(
        self, section: TypedSection, keyword: str, args: Sequence[str], after: Sequence[str] = ()
    ) -> None:
        """Make the (last) ``keyword`` line read ``keyword args``; add it if missing."""
        lines = section.find(keyword)
        if lines:
            line = lines[-1]
            if line.args == list(args):
                return
            old = " ".join(line.values)
            line.set_values([keyword, *args])
            self.changes.append(f"{label(section)}: {old!r} -> {' '.join(line.values)!r}")
            return
        new = typed_line([keyword, *args])
        place(section, new, after)
        self.changes.append(f"{label(section)}: added {' '.join(new.values)!r}")

    def remove(self, section: TypedSection, lines: Sequence[Directive]) -> None:
        for line in lines:
            section.remove(line)
            self.changes.append(f"{label(section)}: removed {' '.join(line.values)!r}")

    def set_or_remove(
        self,
        section: TypedSection,
        keyword: str,
        args: Sequence[str] | None,
        after: Sequence[str] = (),
    ) -> None:
        """:meth:`set_line`, or remove every ``keyword`` line when ``args`` is None."""
        if args is None:
            self.remove(section, section.find(keyword))
        else:
            self.set_line(section, keyword, args, after)

    def extra(self, section: TypedSection, lines: Sequence[str]) -> None:
        """Add each raw line of ``lines`` the section does not already hold."""
        for text in lines:
            new = parse_line(text)
            if any(d.values == new.values for d in top_directives(section)):
                continue
            section.add_directive(new)
            self.changes.append(f"{label(section)}: added {text!r}")
