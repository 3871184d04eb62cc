#!/usr/bin/env python3
"""Generate haproxy_model/keywords/table.json from HAProxy's own manual.

The single source of truth is HAProxy's ``doc/configuration.txt``, one copy per
version.  Nothing in here lists keywords by hand: the script only knows how the
manual is *laid out* (numbered chapters with dashed underlines, keyword entries
starting at column 0 and followed by an indented description, the section 4.1
keywords matrix, the 4.3 actions matrix) and which chapters document which kind
of keyword.

Usage::

    python tools/gen_keywords.py \\
        --doc 2.6=/usr/share/doc/haproxy/configuration.txt.gz \\
        --doc 2.8=/tmp/hadocs/2.8.txt --doc 3.0=/tmp/hadocs/3.0.txt \\
        [--out haproxy_model/keywords/table.json]

Each manual is parsed on its own; the per-version results are then merged.  The
output for a set of versions is therefore exactly the committed table restricted
to those versions (see :func:`restrict`), which is what the tests rely on.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haproxy_model.keywords.versions import version_key

SCHEMA = 1
REGENERATE = (
    "for v in 2.0 2.2 2.4 2.8 3.0 3.1 3.2 3.3 3.4; do git -C <haproxy.git> show "
    "v$v.0:doc/configuration.txt > /tmp/hadocs/$v.txt; done; python tools/gen_keywords.py "
    "--doc 2.0=/tmp/hadocs/2.0.txt --doc 2.2=/tmp/hadocs/2.2.txt --doc 2.4=/tmp/hadocs/2.4.txt "
    "--doc 2.6=/usr/share/doc/haproxy/configuration.txt.gz "
    "--doc 2.8=/tmp/hadocs/2.8.txt --doc 3.0=/tmp/hadocs/3.0.txt --doc 3.1=/tmp/hadocs/3.1.txt "
    "--doc 3.2=/tmp/hadocs/3.2.txt --doc 3.3=/tmp/hadocs/3.3.txt --doc 3.4=/tmp/hadocs/3.4.txt "
    "--out haproxy_model/keywords/table.json  "
    "(2.6 is the manual of Debian bookworm's haproxy 2.6.12 package; the tests check the "
    "recorded sha256s, see tests/test_keyword_table.py)"
)

# Which chapters document which kind of keyword.  Chapter *numbers* move between
# versions (e.g. "Userlists" is 3.4 in 2.6..3.1 and 12.2 in 3.2+), so chapters are
# recognised by their title.  For the chapters describing a configuration
# section of their own (userlist, peers, ...), the kind is NOT taken from this
# table but from the first keyword the chapter documents (e.g. "userlist
# <listname>"), so a renamed section keyword can't silently go wrong.
_GLOBAL_TITLES = re.compile(
    r"global (parameters|section)|process management and security|performance tuning"
    r"|debugging|httpclient tuning"
)
_OTHER_SECTION_TITLES = re.compile(
    r"userlists|peers|peers declaration|mailers|programs( \(deprecated\))?|http-errors"
    r"|rings|log forwarding|certificate storage|acme|traces|log profiles"
    r"|the resolvers section|cache section|fcgi-app section|healthchecks"
)
_FIXED_TITLES: dict[str, str] = {
    "proxy keywords matrix": "@matrix",
    "alphabetically sorted keywords reference": "proxy",
    "actions keywords matrix": "@actions-matrix",
    "alphabetically sorted actions reference": "@actions",
    "bind options": "bind",
    "server and default-server options": "server",
    # 3.0+: options of the crt-store "load" keyword (also usable in crt-lists).
    "load options": "load",
    # 6.2.2 (cache) and 10.1.2 (fcgi-app) document the proxy-side keywords.
    "proxy section": "proxy",
    "proxies": "@proxies",
}

PROXY_SECTIONS = ("defaults", "frontend", "listen", "backend")

# Kinds whose keywords are single words (options on a bind/server/load line):
# a second literal word there is a value ("expose-fd listeners").
_OPTION_KINDS = frozenset({"bind", "server", "load"})

_CHAPTER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(\S.*?)\s*$")
_UNDERLINE = re.compile(r"^-{3,}\s*$")
_LITERAL = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_FUNC = re.compile(r"^([a-z0-9][a-z0-9_.-]*)\(")
_DEPRECATED = re.compile(r"\(\s*deprecated\s*\)", re.IGNORECASE)
_EXPERIMENTAL = re.compile(r"[\[(]\s*experimental\s*[\])]", re.IGNORECASE)
_MATRIX_CELL = re.compile(r"^(X|-)$")


@dataclass
class Chapter:
    """One numbered chapter of the manual: ``number``, ``title`` and body lines."""

    number: str
    title: str
    lines: list[str]


@dataclass
class Entry:
    """A documented keyword entry: its heading lines (synopses)."""

    headings: list[str]
    body: list[str]


@dataclass
class Rec:
    """What one manual says about one keyword."""

    synopsis: list[str] = field(default_factory=list)
    negatable: bool = False
    deprecated: bool = False
    experimental: bool = False
    matrix: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form of the record (false flags are left out)."""
        out: dict[str, Any] = {}
        if self.synopsis:
            out["synopsis"] = self.synopsis
        if self.negatable:
            out["negatable"] = True
        if self.deprecated:
            out["deprecated"] = True
        if self.experimental:
            out["experimental"] = True
        if self.matrix is not None:
            out["sections"] = self.matrix
        return out


# ---------------------------------------------------------------------------
# Reading the manual


def read_manual(path: Path) -> bytes:
    """Return the raw bytes of a manual (plain or gzip-compressed)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def split_chapters(text: str) -> list[Chapter]:
    """Split the manual into numbered chapters (title line + dashed underline)."""
    lines = text.expandtabs(8).splitlines()
    starts: list[tuple[int, str, str]] = []
    for i in range(len(lines) - 1):
        m = _CHAPTER.match(lines[i])
        if m and _UNDERLINE.match(lines[i + 1]):
            starts.append((i, m.group(1), m.group(2)))
    chapters = []
    for n, (i, number, title) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        chapters.append(Chapter(number, title, lines[i + 2 : end]))
    return chapters


def _is_blank(line: str) -> bool:
    return not line.strip()


def _indented(line: str) -> bool:
    return bool(line) and line[0] == " " and bool(line.strip())


def _is_prose(line: str) -> bool:
    """A column-0 line ending a sentence ("...terminated." but not "args ...")."""
    text = line.rstrip()
    return text.endswith(".") and not text.endswith("...")


def _first_word_ok(line: str) -> bool:
    word = line.split()[0]
    return bool(_LITERAL.match(word) or _FUNC.match(word))


def iter_entries(lines: Sequence[str]) -> Iterator[Entry]:
    """Yield keyword entries of a chapter body.

    An entry is a group of headings: column-0 lines starting with a lower-case
    keyword-like word, that follow a blank line (or another heading), possibly
    wrapped on deeper-indented continuation lines, and whose description is
    indented.  Prose paragraphs never start at column 0 with a lower-case word
    right after a blank line, except for a few section-introduction lines such as
    "crt-store [<name>]" or "acme <name>" whose description is not indented;
    those are accepted when they are a single line followed by a blank line.
    """
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        prev_blank = i == 0 or _is_blank(lines[i - 1])
        if not (line[:1].strip() and prev_blank and _first_word_ok(line)):
            i += 1
            continue
        headings: list[str] = []
        j = i
        while j < n:
            cur = lines[j]
            if cur[:1].strip() and _first_word_ok(cur) and not _is_prose(cur):
                headings.append(cur.strip())
                j += 1
            elif (
                headings
                and _indented(cur)
                and len(cur) - len(cur.lstrip()) >= 4
                and (j + 1 >= n or _is_blank(lines[j + 1]) or lines[j + 1][:1].strip())
                and (j == i + 1 or not _is_blank(lines[j - 1]))
            ):
                # Wrapped synopsis, e.g. "table <name> type {...}\n      size <size>".
                headings[-1] = headings[-1] + " " + cur.strip()
                j += 1
            else:
                break
        if not headings or (j < n and lines[j][:1].strip()):
            # Followed by column-0 text: a prose paragraph, not a keyword.
            i = max(j, i + 1)
            continue
        k = j
        while k < n and _is_blank(lines[k]):
            k += 1
        if k < n and not _indented(lines[k]) and not (k > j and len(headings) == 1):
            i = max(j, i + 1)
            continue
        body_end = k
        while body_end < n and not (lines[body_end][:1].strip() and _is_blank(lines[body_end - 1])):
            body_end += 1
        yield Entry(headings, list(lines[j:body_end]))
        i = max(body_end, i + 1)


# ---------------------------------------------------------------------------
# Keyword names


# Misspelt headings in some manuals.  Only the heading is fixed, the typo would
# otherwise become a bogus keyword ("tcp-resposne content sc-set-gpt0" in the
# 2.6 and 2.8 manuals).
_HEADING_TYPOS = {"tcp-resposne ": "tcp-response "}


def _clean(heading: str) -> tuple[str, bool, bool, bool]:
    """Strip markers from a heading: (synopsis, negated, deprecated, experimental)."""
    for wrong, right in _HEADING_TYPOS.items():
        if heading.startswith(wrong):
            heading = right + heading[len(wrong) :]
    deprecated = bool(_DEPRECATED.search(heading))
    experimental = bool(_EXPERIMENTAL.search(heading))
    text = _EXPERIMENTAL.sub("", _DEPRECATED.sub("", heading))
    text = " ".join(text.split())
    negated = False
    if text.startswith("no "):
        negated, text = True, text[3:]
    return text, negated, deprecated, experimental


def literal_prefix(synopsis: str) -> list[str]:
    """The leading literal words of a synopsis ("timeout connect <timeout>" ->
    ["timeout", "connect"]); a word ending in "(" (``set-var(<name>)``) ends it."""
    words: list[str] = []
    for word in synopsis.split():
        if _LITERAL.match(word):
            words.append(word)
            continue
        m = _FUNC.match(word)
        if m:
            words.append(m.group(1))
        break
    return words


def _common_prefix(seqs: Sequence[Sequence[str]]) -> list[str]:
    out: list[str] = []
    for words in zip(*seqs, strict=False):
        if len(set(words)) != 1:
            break
        out.append(words[0])
    return out


def entry_names(entry: Entry, kind: str, known: Sequence[str] = ()) -> list[tuple[str, str, Rec]]:
    """Map each heading of an entry to (name, synopsis, partial record).

    ``known`` holds multi-word names (from a matrix) that take precedence: the
    longest one that is a word-prefix of the heading wins.  Otherwise headings
    of one entry that share a first word are one keyword, named by their common
    literal prefix ("log global" + "log <target>" -> "log"); a lone heading is
    named by all its literal words ("timeout mail <time>" -> "timeout mail").
    """
    cleaned = [_clean(h) for h in entry.headings]
    prefixes = [literal_prefix(c[0]) for c in cleaned]
    matched: list[list[str] | None] = []
    for words in prefixes:
        hits = [k.split() for k in known if words[: len(k.split())] == k.split()]
        matched.append(max(hits, key=len) if hits else None)
    out = []
    for (syn, negated, deprecated, experimental), words, hit in zip(
        cleaned, prefixes, matched, strict=True
    ):
        if not words:
            continue
        siblings = [i for i, p in enumerate(prefixes) if p and p[0] == words[0]]
        depths = [len(m) for i in siblings if (m := matched[i]) is not None]
        if kind in _OPTION_KINDS:
            name_words = words[:1]
        elif hit is not None:
            name_words = hit
        elif depths:
            # "http-check set-var(...)" + "http-check set-var-fmt(...)": the
            # matrix only lists the former; name the latter at the same depth.
            name_words = words[: max(depths)]
        elif len(siblings) > 1:
            name_words = _common_prefix([prefixes[i] for i in siblings])
        else:
            name_words = words
        # A few entries only say so in their first sentence ("stats bind-process").
        deprecated |= (
            next((ln for ln in entry.body if ln.strip()), "").strip().startswith("Deprecated.")
        )
        rec = Rec(negatable=negated, deprecated=deprecated, experimental=experimental)
        out.append((" ".join(name_words), syn, rec))
    return out


def _add(table: dict[str, Rec], name: str, synopsis: str | None, rec: Rec) -> None:
    cur = table.setdefault(name, Rec())
    if synopsis is not None and synopsis not in cur.synopsis:
        cur.synopsis.append(synopsis)
    cur.negatable |= rec.negatable
    cur.deprecated |= rec.deprecated
    cur.experimental |= rec.experimental
    if rec.matrix is not None:
        cur.matrix = rec.matrix


# ---------------------------------------------------------------------------
# Matrices


def _matrix_rows(lines: Iterable[str]) -> Iterator[tuple[list[str], list[str], list[str]]]:
    """Yield (name words, markers, cells) for each row of a keyword matrix."""
    for line in lines:
        if not line[:1].strip() or line.startswith("--") or "+" in line:
            continue
        tokens = re.findall(r"\([^)]*\)|\S+", line)
        cells: list[str] = []
        while tokens and (
            _MATRIX_CELL.match(tokens[-1]) or (tokens[-1] == "(!)" and len(tokens) > 1)
        ):
            tok = tokens.pop()
            if tok == "(!)":
                tok = tokens.pop() + " (!)"
            cells.insert(0, tok)
        if not cells:
            continue
        markers = [t for t in tokens if t.startswith("(")]
        words = [t for t in tokens if not t.startswith("(")]
        if words and all(_LITERAL.match(w) for w in words):
            yield words, markers, cells


def parse_proxy_matrix(lines: Sequence[str]) -> dict[str, Rec]:
    """Parse the 4.1 proxy keywords matrix (X / - / "X (!)", "(*)", "(deprecated)")."""
    out: dict[str, Rec] = {}
    for words, markers, cells in _matrix_rows(lines):
        if len(cells) != len(PROXY_SECTIONS):
            continue
        rec = Rec(
            negatable="(*)" in markers,
            deprecated="(deprecated)" in markers,
            matrix=dict(zip(PROXY_SECTIONS, cells, strict=True)),
        )
        out[" ".join(words)] = rec
    return out


def _actions_legend(lines: Sequence[str]) -> dict[str, str]:
    """Map 4.3's column abbreviations ("RqCon") to rule sets ("tcp-request connection")."""
    legend: dict[str, str] = {}
    for line in lines:
        m = re.match(r'^\s*-\s+(\w+)\s+(\w+)\s*:\s+the action is valid for "([^"]+)"', line)
        if m:
            legend[m.group(2)] = m.group(3)
    return legend


def parse_actions_matrix(lines: Sequence[str]) -> dict[str, dict[str, Rec]]:
    """Parse the 3.x 4.3 actions matrix: {rule set: {action: record}}.

    The column abbreviations ("TCP RqCon") are mapped to rule sets
    ("tcp-request connection") using the legend printed above the matrix.
    """
    legend = _actions_legend(lines)
    columns: list[str] = []
    for line in lines:
        if line.strip().startswith("keyword"):
            columns = [t for t in line.split()[1:] if not t.endswith(":")]
            break
    families = [legend[c] for c in columns]
    out: dict[str, dict[str, Rec]] = {f: {} for f in families}
    for words, markers, cells in _matrix_rows(lines):
        if len(cells) != len(families):
            continue
        # Action keywords are single words; "expect-proxy layer4" shows its
        # mandatory argument in the matrix.
        action = words[0]
        for family, cell in zip(families, cells, strict=True):
            if cell.startswith("X"):
                out[family][action] = Rec(deprecated="(deprecated)" in markers)
    return out


def _usable_in_rule_sets(body: Sequence[str], legend: dict[str, str]) -> list[str]:
    """Parse a 4.4 entry's "Usable in:  TCP RqCon| RqSes| ..." table into rule sets."""
    for i, line in enumerate(body[:-1]):
        if line.strip().startswith("Usable in:"):
            cols = [c.split()[-1] for c in line.split(":", 1)[1].split("|") if c.split()]
            vals = [v.strip() for v in body[i + 1].split("|")]
            if len(vals) == len(cols):
                return [
                    legend[c]
                    for c, v in zip(cols, vals, strict=True)
                    if v.startswith("X") and c in legend
                ]
    return []


def _usable_in(body: Sequence[str]) -> dict[str, str] | None:
    """Parse a 4.2 entry's "May be used in sections" yes/no table into matrix cells."""
    for i, line in enumerate(body[:-1]):
        if "May be used in sections" in line and "defaults" in line:
            cols = [c.strip() for c in line.split(":", 1)[1].split("|")]
            vals = [v.strip() for v in body[i + 1].split("|")]
            if cols != list(PROXY_SECTIONS) or len(vals) != len(cols):
                return None
            cells = {}
            for col, val in zip(cols, vals, strict=True):
                mark = "X" if val.startswith("yes") else "-"
                if "(!)" in val:
                    mark += " (!)"
                cells[col] = mark
            return cells
    return None


# ---------------------------------------------------------------------------
# One manual


@dataclass
class Manual:
    """Everything extracted from one manual: {kind: {name: record}}."""

    kinds: dict[str, dict[str, Rec]] = field(default_factory=dict)

    def kind(self, name: str) -> dict[str, Rec]:
        """The records of one kind, created on first use."""
        return self.kinds.setdefault(name, {})


def _chapter_kind(ch: Chapter) -> str | None:
    title = ch.title.lower()
    if title in _FIXED_TITLES:
        return _FIXED_TITLES[title]
    if _GLOBAL_TITLES.fullmatch(title):
        return "global"
    if _OTHER_SECTION_TITLES.fullmatch(title):
        return "@section"
    return None


def parse_manual(text: str) -> Manual:
    """Extract every documented keyword of one configuration manual."""
    chapters = split_chapters(text)
    man = Manual()
    sections = man.kind("section")
    matrix: dict[str, Rec] = {}
    for ch in chapters:
        if _chapter_kind(ch) == "@matrix":
            matrix.update(parse_proxy_matrix(ch.lines))
    known = sorted(matrix)
    proxy = man.kind("proxy")
    for name, rec in matrix.items():
        _add(proxy, name, None, rec)
    actions = man.kind("action")

    # Rule sets taking actions: 4.3's legend (3.x) and the proxy keywords whose
    # synopsis takes an "<action>" first ("http-request <action> [options...]").
    families: set[str] = set()
    legend: dict[str, str] = {}
    work: list[tuple[str, Chapter, list[Entry]]] = []
    for ch in chapters:
        kind = _chapter_kind(ch)
        if kind is None or kind == "@matrix":
            continue
        entries = list(iter_entries(ch.lines))
        work.append((kind, ch, entries))
        if kind == "@actions-matrix":
            legend = _actions_legend(ch.lines)
            for family, acts in parse_actions_matrix(ch.lines).items():
                families.add(family)
                for action, rec in acts.items():
                    _add(actions, f"{family} {action}", None, rec)
        elif kind == "proxy":
            for entry in entries:
                for name, syn, _ in entry_names(entry, kind, known):
                    if syn.split()[len(name.split()) :][:1] == ["<action>"]:
                        families.add(name)

    # 2.0-2.4 document the actions of the tcp-request/tcp-response rule sets only as
    # bullets ("    - accept :") of their "<action>" entry: used for a rule set whose
    # actions have no entries of their own (later manuals bullet the others too).
    bulleted: dict[str, list[str]] = {}
    for kind, ch, entries in work:
        if kind == "@proxies":
            _parse_proxies_intro(ch, sections)
            continue
        if kind == "@actions-matrix":
            continue
        if kind == "global" and ch.number.count(".") == 0:
            m = re.search(r'in the "(\w+)" section', " ".join(ch.lines[:10]))
            if m:
                _add(sections, m.group(1), m.group(1), Rec())
        if kind == "@section":
            kind, entries = _section_keyword(ch, entries, sections)
            if not kind:
                continue
        if kind == "@actions":
            _parse_actions_reference(entries, man, legend)
            continue
        target = man.kind(kind)
        for entry in entries:
            usable = _usable_in(entry.body) if kind == "proxy" else None
            for name, syn, rec in entry_names(entry, kind, known if kind == "proxy" else ()):
                if kind == "proxy" and name in families:
                    rest = literal_prefix(syn)[len(name.split()) :]
                    if not rest:
                        bulleted.setdefault(name, []).extend(_bulleted_actions(entry.body))
                    if rest:
                        # "tcp-request connection expect-proxy layer4 ...": the
                        # action is one word, what follows is its argument.
                        _add(actions, f"{name} {rest[0]}", syn, rec)
                        continue
                if kind == "proxy" and name not in matrix and usable is not None:
                    rec.matrix = usable
                _add(target, name, syn, rec)
    for family, names in bulleted.items():
        if not any(a.startswith(family + " ") for a in actions):
            for action in names:
                _add(actions, f"{family} {action}", None, Rec())
    return man


_BULLET = re.compile(r"^ {4}- (\S.*)$")
_BRACED = re.compile(r"\{([^}]*)\}")


def _bulleted_actions(body: Sequence[str]) -> list[str]:
    """The actions of an old manual's "<action>" entry: its "    - accept :" bullets.

    A bullet may name alternatives ("set-priority-class <expr> | set-priority-offset
    <expr>", "{ track-sc0 | track-sc1 | track-sc2 } <key>"), quote the action
    (\'"silent-drop" :\') or glue the colon to it ("do-resolve: ...").
    """
    out: list[str] = []
    for line in body:
        m = _BULLET.match(line)
        if not m:
            continue
        text = m.group(1).split(" : ", 1)[0].replace('"', "")
        braced = _BRACED.match(text)
        alternatives = braced.group(1).split("|") if braced else text.split(" | ")
        for alt in alternatives:
            words = alt.split()
            if not words:
                continue
            word = words[0].rstrip(":")
            m_func = _FUNC.match(word)
            name = m_func.group(1) if m_func else word
            if _LITERAL.match(name) and name not in out:
                out.append(name)
    return out


def _section_keyword(
    ch: Chapter, entries: list[Entry], sections: dict[str, Rec]
) -> tuple[str, list[Entry]]:
    """Find which section keyword a chapter documents; return it and its keywords.

    Normally the first entry is the section keyword itself ("userlist
    <listname>").  In 3.0/3.1 the "Certificate Storage" chapter has no such
    entry and only says 'a "crt-store" section' in its introduction, so when the
    introduction names a section that is not the first entry, that name wins.
    """
    if not entries:
        return "", entries
    first = entry_names(entries[0], "@section")
    intro = " ".join(
        ch.lines[: ch.lines.index(entries[0].headings[0])]
        if entries[0].headings[0] in ch.lines
        else []
    )
    named = set(re.findall(r'"([a-z][a-z0-9_-]*)"\s+sections?\b', intro))
    if first and (not named or first[0][0] in named):
        _add(sections, first[0][0], first[0][1], first[0][2])
        return first[0][0], entries[1:]
    if len(named) == 1:
        name = named.pop()
        _add(sections, name, None, Rec())
        return name, entries
    return "", entries


def _parse_proxies_intro(ch: Chapter, sections: dict[str, Rec]) -> None:
    """Chapter 4 lists the proxy section keywords as " - frontend <name> ..." bullets."""
    for line in ch.lines:
        m = re.match(r"^\s*-\s+([a-z]+)\b(.*)$", line)
        if m and (m.group(1) in PROXY_SECTIONS):
            _add(sections, m.group(1), " ".join(line.split()[1:]), Rec())


def _parse_actions_reference(entries: Sequence[Entry], man: Manual, legend: dict[str, str]) -> None:
    """3.x 4.4: "set-header <name> <fmt>" entries with a "Usable in:" table.

    The rule sets of an action are those of its "Usable in:" table plus those
    ticked in the 4.3 matrix (the 3.0 and 3.1 matrices forget "track-sc0").
    """
    actions = man.kind("action")
    by_action: dict[str, set[str]] = {}
    for name in actions:
        fam, _, act = name.rpartition(" ")
        by_action.setdefault(act, set()).add(fam)
    for entry in entries:
        usable = _usable_in_rule_sets(entry.body, legend)
        for name, syn, rec in entry_names(entry, "bind"):
            for fam in sorted(by_action.get(name, set()).union(usable)):
                _add(actions, f"{fam} {name}", syn, rec)


# ---------------------------------------------------------------------------
# Merging versions


def merge(manuals: dict[str, Manual]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Merge per-version records: {kind: {name: [variant, ...]}}.

    Each variant is one distinct record plus the versions documenting it, so a
    keyword whose description never changed has a single variant.
    """
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for version in sorted(manuals, key=version_key):
        for kind, names in manuals[version].kinds.items():
            for name, rec in names.items():
                variants = out.setdefault(kind, {}).setdefault(name, [])
                data = rec.to_json()
                for var in variants:
                    if {k: v for k, v in var.items() if k != "versions"} == data:
                        var["versions"].append(version)
                        break
                else:
                    variants.append({"versions": [version], **data})
    return {k: dict(sorted(v.items())) for k, v in sorted(out.items()) if v}


def restrict(table: dict[str, Any], versions: Iterable[str]) -> dict[str, Any]:
    """Restrict a table (as loaded from JSON) to some of its versions.

    ``restrict(gen(all), vs)`` equals ``gen(vs)`` up to the header's input list,
    because every manual is parsed independently.
    """
    keep = set(versions)
    kinds: dict[str, Any] = {}
    for kind, names in table["keywords"].items():
        new_names = {}
        for name, variants in names.items():
            new_vars = []
            for var in variants:
                vs = [v for v in var["versions"] if v in keep]
                if vs:
                    new_vars.append({**var, "versions": vs})
            if new_vars:
                new_names[name] = new_vars
        if new_names:
            kinds[kind] = new_names
    meta = dict(table["_meta"])
    meta["inputs"] = {v: i for v, i in meta["inputs"].items() if v in keep}
    return {"_meta": meta, "keywords": kinds}


def _title_block(text: str) -> dict[str, str]:
    """The manual's own "version X" and date lines, from its title block."""
    head = text.splitlines()[:20]
    out = {}
    for i, line in enumerate(head):
        m = re.fullmatch(r"\s*version (\S+)\s*", line)
        if m:
            out["doc_version"] = m.group(1)
            if i + 1 < len(head) and re.fullmatch(r"\s*\d{4}/\d\d/\d\d\s*", head[i + 1]):
                out["doc_date"] = head[i + 1].strip()
            break
    return out


def build(docs: Sequence[tuple[str, Path]]) -> dict[str, Any]:
    """Parse every (version label, manual path) and return the JSON table."""
    manuals: dict[str, Manual] = {}
    inputs: dict[str, dict[str, str]] = {}
    for version, path in docs:
        raw = read_manual(path)
        text = raw.decode("utf-8", errors="replace")
        manuals[version] = parse_manual(text)
        inputs[version] = {"sha256": hashlib.sha256(raw).hexdigest(), **_title_block(text)}
    return {
        "_meta": {
            "schema": SCHEMA,
            "generator": "tools/gen_keywords.py",
            "regenerate": REGENERATE,
            "source": "HAProxy doc/configuration.txt (sha256 of the uncompressed text)",
            "inputs": dict(sorted(inputs.items(), key=lambda kv: version_key(kv[0]))),
        },
        "keywords": merge(manuals),
    }


def dumps(table: dict[str, Any]) -> str:
    """Serialise deterministically: sorted keys, one variant per line."""
    parts = [
        "{",
        f'  "_meta": {json.dumps(table["_meta"], sort_keys=True, indent=2)}'.replace("\n", "\n  ")
        + ",",
        '  "keywords": {',
    ]
    kinds = list(table["keywords"].items())
    for ki, (kind, names) in enumerate(kinds):
        parts.append(f"    {json.dumps(kind)}: {{")
        items = list(names.items())
        for ni, (name, variants) in enumerate(items):
            body = ",\n".join(
                "        " + json.dumps(v, sort_keys=True, ensure_ascii=False) for v in variants
            )
            comma = "," if ni + 1 < len(items) else ""
            parts.append(f"      {json.dumps(name)}: [\n{body}\n      ]{comma}")
        parts.append("    }" + ("," if ki + 1 < len(kinds) else ""))
    parts.append("  }")
    parts.append("}")
    return "\n".join(parts) + "\n"


def _parse_doc_arg(value: str) -> tuple[str, Path]:
    version, sep, path = value.partition("=")
    if not sep or not re.fullmatch(r"\d+(\.\d+)*", version):
        raise argparse.ArgumentTypeError(f"expected VERSION=PATH, got {value!r}")
    return version, Path(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--doc",
        action="append",
        type=_parse_doc_arg,
        required=True,
        metavar="VERSION=PATH",
        help="a configuration.txt[.gz] per version",
    )
    parser.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")
    args = parser.parse_args(argv)
    labels = [v for v, _ in args.doc]
    if len(set(labels)) != len(labels):
        parser.error("duplicate version label")
    text = dumps(build(args.doc))
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
