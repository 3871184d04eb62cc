"""Differences by meaning between two configurations: ``haproxy-model diff``.

Formatting does not count (blank lines, comments, blanks between words,
quoting), only what HAProxy reads.  :func:`diff` returns :class:`Change`
objects, each with the PATH (see :mod:`haproxy_model.model.paths`) of what changed:

- sections added or removed, matched by kind and name (``backend app``;
  the n-th anonymous ``defaults`` with the n-th), and a changed header
  (``backend app from base`` -> ``from other``) or `.if` condition around it;
- in a section, lines matched by what identifies them: a server by its name
  (``server s1``), a ``bind`` by its address, ``timeout`` by its kind,
  ``option`` by its name, ``default-server``, and any keyword that appears
  once on each side (``balance``, ``mode``, ``maxconn``...).  A changed
  server/bind line lists its changed options (``maxconn: 32 -> 64``,
  ``+check``, ``-backup``);
- the other lines (rules, ACLs, ``use_backend``...) are compared in order,
  since their order is part of their meaning: lines added, removed, or
  changed in place.

A line's `.if` conditions are part of it: the same server inside a `.if`
block and outside it are two different lines.  The order of sections and of
identified lines is not compared.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Literal

import attrs

from haproxy_model.model.config import Config
from haproxy_model.model.directives import (
    Bind,
    DefaultServer,
    Option,
    OptionsLine,
    Server,
    ServerTemplate,
    Timeout,
)
from haproxy_model.syntax.nodes import Conditional, Directive, Line, Marker, Node, ScopeLine
from haproxy_model.syntax.sections import Section

Op = Literal["added", "removed", "changed"]

_SYMBOL = {"added": "+", "removed": "-", "changed": "~"}


@attrs.frozen
class Change:
    """One difference.

    ``path`` names the section or line (``"backend app"``,
    ``"backend app/server s1"``); ``section`` is the section's part of it
    (``""`` for lines outside any section).  ``old``/``new`` are the line or
    header text with single spaces (None on the side where it is absent);
    ``details`` says what changed inside a line (``"maxconn: 32 -> 64"``).
    """

    op: Op
    path: str
    section: str
    old: str | None = None
    new: str | None = None
    details: tuple[str, ...] = ()

    @property
    def is_section(self) -> bool:
        """True when the change concerns a whole section (or its header)."""
        return self.path == self.section

    def __str__(self) -> str:
        symbol = _SYMBOL[self.op]
        if self.op == "changed":
            if self.details:
                return f"{symbol} {self.path}: {'; '.join(self.details)}"
            return f"{symbol} {self.path}: {self.old} -> {self.new}"
        text = self.new if self.op == "added" else self.old
        return f"{symbol} {self.path}" if text == self.path else f"{symbol} {self.path}: {text}"


def diff(a: Config, b: Config) -> list[Change]:
    """The differences by meaning from ``a`` to ``b`` (empty when they mean the same)."""
    changes: list[Change] = []
    left = _sections(a)
    right = _sections(b)
    changes += _compare_lines("", _loose_lines(a.body), _loose_lines(b.body))
    for key, fa in left.items():
        path = fa.path
        fb = right.get(key)
        if fb is None:
            changes.append(Change("removed", path, path, old=_text(fa.section.header)))
            continue
        ha, hb = fa.section.header, fb.section.header
        if ha.values != hb.values:
            changes.append(Change("changed", path, path, old=_text(ha), new=_text(hb)))
        if fa.ctx != fb.ctx:
            was, now = _context_text(fa.ctx), _context_text(fb.ctx)
            changes.append(
                Change(
                    "changed", path, path, old=was, new=now, details=(f"under .if: {was} -> {now}",)
                )
            )
        changes += _compare_lines(path, _section_lines(fa.section), _section_lines(fb.section))
    for key, fb in right.items():
        if key not in left:
            changes.append(Change("added", fb.path, fb.path, new=_text(fb.section.header)))
    return changes


# -- sections --------------------------------------------------------------------

_SectionKey = tuple[str, str | None, int]
_Context = tuple[str, ...]


@attrs.frozen
class _Found:
    section: Section
    ctx: _Context
    path: str


def _sections(cfg: Config) -> dict[_SectionKey, _Found]:
    """Sections by (keyword, name, n-th of that keyword and name), with their PATH."""
    out: dict[_SectionKey, _Found] = {}
    seen: Counter[tuple[str, str | None]] = Counter()
    of_kind: Counter[str] = Counter()
    for section, ctx in _walk_sections(cfg.body, ()):
        base = (section.keyword, section.name)
        if section.name is None:
            # PATH "defaults" matches every defaults section: index among all of them
            index = of_kind[section.keyword]
            path = section.keyword + (f"[{index}]" if index else "")
        else:
            index = seen[base]
            path = f"{section.keyword} {section.name}" + (f"[{index}]" if index else "")
        out[(base[0], base[1], seen[base])] = _Found(section, ctx, path)
        seen[base] += 1
        of_kind[section.keyword] += 1
    return out


def _walk_sections(nodes: Sequence[Node], ctx: _Context) -> Iterator[tuple[Section, _Context]]:
    for node in nodes:
        if isinstance(node, Section):
            yield node, ctx
        elif isinstance(node, Conditional):
            for i, branch in enumerate(node.branches):
                yield from _walk_sections(branch.body, (*ctx, *_branch_context(node, i)))


def _branch_context(cond: Conditional, index: int) -> _Context:
    """The conditions a branch stands under: its own and the negation of those before."""
    out = [f"!({_args(b.line)})" for b in cond.branches[:index]]
    if cond.branches[index].kind != ".else":
        out.append(_args(cond.branches[index].line))
    return tuple(out)


def _context_text(ctx: _Context) -> str:
    return " && ".join(ctx) if ctx else "(none)"


# -- lines -----------------------------------------------------------------------


@attrs.frozen
class _Entry:
    line: Line  # a directive or a [scope] line
    ctx: _Context

    @property
    def values(self) -> tuple[str, ...]:
        if isinstance(self.line, Directive):
            return tuple(self.line.values)
        return (self.line.raw.strip(" \t\x0b\x0c"),)

    @property
    def meaning(self) -> tuple[_Context, tuple[str, ...]]:
        return (self.ctx, self.values)


def _section_lines(section: Section) -> list[_Entry]:
    return list(_walk_lines(section.body, ()))


def _loose_lines(nodes: Sequence[Node]) -> list[_Entry]:
    """Lines that stand outside every section (messages and the like at the top)."""
    out: list[_Entry] = []
    for node in nodes:
        if _counts(node):
            assert isinstance(node, Line)
            out.append(_Entry(node, ()))
        elif isinstance(node, Conditional):
            for i, branch in enumerate(node.branches):
                ctx = _branch_context(node, i)
                out += [_Entry(e.line, (*ctx, *e.ctx)) for e in _loose_lines(branch.body)]
    return out


def _walk_lines(nodes: Sequence[Node], ctx: _Context) -> Iterator[_Entry]:
    for node in nodes:
        if isinstance(node, Conditional):
            for i, branch in enumerate(node.branches):
                yield from _walk_lines(branch.body, (*ctx, *_branch_context(node, i)))
        elif _counts(node):
            assert isinstance(node, Line)
            yield _Entry(node, ctx)


def _counts(node: Node) -> bool:
    """Whether a node is a line that means something (a directive or a [scope] line)."""
    return (isinstance(node, Directive) and not isinstance(node, Marker)) or isinstance(
        node, ScopeLine
    )


def _keyword(line: Line) -> str:
    return line.keyword if isinstance(line, Directive) else line.raw.strip(" \t\x0b\x0c")


def _identity(line: Line) -> tuple[str, ...] | None:
    """The words that identify a line among its section's, or None for ordered lines."""
    if not isinstance(line, Directive):
        return None
    values = line.values
    if isinstance(line, DefaultServer):
        return ("default-server",)
    if isinstance(line, (Server, ServerTemplate)) and len(values) > 1:
        return (line.keyword, values[1])
    if isinstance(line, Bind) and len(values) > 1:
        return ("bind", values[1])
    if isinstance(line, Timeout) and len(values) > 1:
        return ("timeout", values[1])
    if isinstance(line, Option) and line.name is not None:
        return ("option", line.name)
    return None


def _keys(entries: Sequence[_Entry]) -> list[tuple[str, ...] | None]:
    return [_identity(e.line) for e in entries]


def _compare_lines(section: str, left: list[_Entry], right: list[_Entry]) -> list[Change]:
    changes: list[Change] = []
    keys_a = _keys(left)
    keys_b = _keys(right)
    # A keyword that appears once on each side (and is not otherwise
    # identified) is matched by the keyword alone: balance, mode, maxconn...
    count_a = Counter(_keyword(e.line) for e, k in zip(left, keys_a, strict=True) if k is None)
    count_b = Counter(_keyword(e.line) for e, k in zip(right, keys_b, strict=True) if k is None)
    single = {kw for kw in count_a if count_a[kw] == 1 and count_b.get(kw) == 1}
    for entries, keys in ((left, keys_a), (right, keys_b)):
        for i, e in enumerate(entries):
            if keys[i] is None and _keyword(e.line) in single:
                keys[i] = (_keyword(e.line),)

    keyed_a = _keyed(left, keys_a)
    keyed_b = _keyed(right, keys_b)
    for key, ea in keyed_a.items():
        path = _keyed_path(section, key)
        eb = keyed_b.get(key)
        if eb is None:
            changes.append(Change("removed", path, section, old=_text(ea.line)))
        elif ea.meaning != eb.meaning:
            changes.append(
                Change(
                    "changed",
                    path,
                    section,
                    old=_text(ea.line),
                    new=_text(eb.line),
                    details=_line_details(ea, eb),
                )
            )
    for key, eb in keyed_b.items():
        if key not in keyed_a:
            changes.append(Change("added", _keyed_path(section, key), section, new=_text(eb.line)))

    ordered_a = [e for e, k in zip(left, keys_a, strict=True) if k is None]
    ordered_b = [e for e, k in zip(right, keys_b, strict=True) if k is None]
    changes += _compare_ordered(section, ordered_a, ordered_b)
    return changes


_Key = tuple[tuple[str, ...], _Context, int]


def _keyed(entries: Sequence[_Entry], keys: Sequence[tuple[str, ...] | None]) -> dict[_Key, _Entry]:
    out: dict[_Key, _Entry] = {}
    seen: Counter[tuple[tuple[str, ...], _Context]] = Counter()
    for e, k in zip(entries, keys, strict=True):
        if k is None:
            continue
        base = (k, e.ctx)
        out[(k, e.ctx, seen[base])] = e
        seen[base] += 1
    return out


def _keyed_path(section: str, key: _Key) -> str:
    words, ctx, index = key
    return _join(section, " ".join(words) + (f"[{index}]" if index else ""), ctx)


def _join(section: str, text: str, ctx: _Context) -> str:
    if ctx:
        text += f" (under .if {_context_text(ctx)})"
    return f"{section}/{text}" if section else text


def _compare_ordered(section: str, left: list[_Entry], right: list[_Entry]) -> list[Change]:
    changes: list[Change] = []
    a = [e.meaning for e in left]
    b = [e.meaning for e in right]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        olds = left[i1:i2]
        news = right[j1:j2]
        if tag == "replace" and len(olds) == len(news):
            for ea, eb in zip(olds, news, strict=True):
                if _keyword(ea.line) == _keyword(eb.line):
                    path = _ordered_path(section, ea)
                    changes.append(
                        Change("changed", path, section, old=_text(ea.line), new=_text(eb.line))
                    )
                else:
                    changes.append(_ordered_change("removed", section, ea))
                    changes.append(_ordered_change("added", section, eb))
            continue
        changes += [_ordered_change("removed", section, e) for e in olds]
        changes += [_ordered_change("added", section, e) for e in news]
    return changes


def _ordered_path(section: str, entry: _Entry) -> str:
    return _join(section, _keyword(entry.line), entry.ctx)


def _ordered_change(op: Op, section: str, entry: _Entry) -> Change:
    path = _ordered_path(section, entry)
    if op == "added":
        return Change(op, path, section, new=_text(entry.line))
    return Change(op, path, section, old=_text(entry.line))


def _line_details(a: _Entry, b: _Entry) -> tuple[str, ...]:
    out: list[str] = []
    if a.ctx != b.ctx:
        out.append(f"conditions: {_context_text(a.ctx)} -> {_context_text(b.ctx)}")
    la, lb = a.line, b.line
    if (
        isinstance(la, OptionsLine)
        and isinstance(lb, OptionsLine)
        and type(la) is type(lb)
        and la.keyword == lb.keyword
    ):
        positional = 1 + la.POSITIONAL
        va, vb = la.values[:positional], lb.values[:positional]
        for i in range(1, max(len(va), len(vb))):
            x = va[i] if i < len(va) else None
            y = vb[i] if i < len(vb) else None
            if x != y:
                out.append(f"{_positional_name(la, i)}: {x} -> {y}")
        oa, ob = la.options, lb.options
        for name, value in oa.items():
            if name not in ob:
                out.append(f"-{name}" if value is True else f"-{name} {value}")
            elif ob[name] != value:
                out.append(f"{name}: {_opt(value)} -> {_opt(ob[name])}")
        for name, value in ob.items():
            if name not in oa:
                out.append(f"+{name}" if value is True else f"+{name} {value}")
        if not out and la.values != lb.values:
            out.append("options reordered")
        return tuple(out)
    if a.values != b.values:
        out.append(f"{_text(la)} -> {_text(lb)}")
    return tuple(out)


def _positional_name(line: OptionsLine, index: int) -> str:
    if isinstance(line, ServerTemplate):
        return ("prefix", "count", "address")[index - 1]
    if isinstance(line, Server):
        return ("name", "address")[index - 1]
    return "address"


def _opt(value: str | bool) -> str:
    return "(flag)" if value is True else str(value)


def _text(line: Line) -> str:
    """A line's words with single spaces (no comment, no indentation)."""
    if isinstance(line, Directive):
        return " ".join(w.raw for w in line.words)
    return line.raw.strip()


def _args(line: Directive) -> str:
    return " ".join(w.raw for w in line.words[1:])


__all__ = ["Change", "diff"]
