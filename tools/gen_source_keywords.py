#!/usr/bin/env python3
"""Generate haproxy_model/keywords/source_keywords.json from HAProxy's own sources.

For every minor version (the ``vX.Y.0`` tags of a clone of ``haproxy/haproxy``, and
its ``HEAD`` as the development version), list the first words each configuration
section's parser accepts, that is every word that does not end in HAProxy's
"unknown keyword 'X' in 'Y' section":

* the sections are those registered with ``REGISTER_CONFIG_SECTION("name", parser,
  ...)`` or ``cfg_register_section("name", parser, ...)``;
* a section's words are the literals its parser compares ``args[0]`` with
  (``strcmp(args[0], "daemon")``), and the keywords registered with ``cfg_kw_list``
  for the ``CFG_*`` class the parser looks up (``{ CFG_GLOBAL, "tune.ssl.cachesize",
  ... }``): a parser falling back on ``kwl->kw[index].section != CFG_GLOBAL`` takes
  the CFG_GLOBAL keywords of every compiled file.

Nothing lists keywords by hand: the script only knows these source patterns.

Build options: a keyword registered in a file only compiled with an option
(``addons/<name>/``, or a ``src/*.o`` the tag's Makefile adds under ``ifneq
($(USE_X),)``), or inside a preprocessor conditional (``#ifdef USE_OPENSSL``,
``#if defined(SSL_OP_NO_...)``), carries those conditions: ``["USE_QUIC"]``,
``["USE_OPENSSL", "HAVE_SSL_KEYLOG"]``. A keyword registered in several places
keeps the least demanding one (none at all when any is unconditional).

Usage::

    python tools/gen_source_keywords.py [--git-dir DIR] [--out FILE]

``--git-dir`` defaults to ``$HAPROXY_GIT_DIR`` or the local mirror
``/work/.mirror/haproxy+haproxy/repo`` (a bare clone will do). The output for a
given clone is deterministic; ``tests/test_source_keywords.py`` regenerates it and
compares when a clone is at hand.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haproxy_sources import MakeTest, git, makefile_lines, read_blobs, strip_comments, version_key

SCHEMA = 1
DEFAULT_GIT_DIR = "/work/.mirror/haproxy+haproxy/repo"
#: The minor versions read, each from its ``v<version>.0`` tag; the development
#: version (``HEAD``) is named after its VERSION-less ``git describe`` (``3.5-dev``).
RELEASES = (
    "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9",
    "3.0", "3.1", "3.2", "3.3", "3.4",
)  # fmt: skip

#: addons/<dir> -> the build option compiling it (the tag's Makefile says
#: ``ifneq ($(USE_OT),)`` ... ``include addons/ot/Makefile``).
ADDON_OPTIONS = {
    "51degrees": "USE_51DEGREES",
    "deviceatlas": "USE_DEVICEATLAS",
    "ot": "USE_OT",
    "promex": "USE_PROMEX",
    "wurfl": "USE_WURFL",
}

# ---------------------------------------------------------------------------
# Reading the clone


# ---------------------------------------------------------------------------
# C text


_DIRECTIVE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$")


def line_conditions(text: str) -> list[tuple[str, ...]]:
    """For each line of (comment-free) ``text``, the preprocessor conditions it sits in.

    ``#ifdef X`` gives ``"X"``, ``#ifndef X`` ``"!X"``, ``#if E`` ``"E"``; an
    ``#else``/``#elif`` branch gives the negations of the earlier branches
    (``"!(E)"``) and its own condition. ``"0"`` marks code never compiled.
    """
    stack: list[list[str]] = []  # per open #if: the conditions of the current branch
    tried: list[list[str]] = []  # per open #if: the conditions of the earlier branches
    out: list[tuple[str, ...]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        full = line
        while full.endswith("\\") and i + 1 < len(lines):
            i += 1
            out.append(tuple(c for frame in stack for c in frame))
            full = full[:-1] + " " + lines[i]
        m = _DIRECTIVE.match(full)
        if m:
            kind, rest = m.group(1), " ".join(m.group(2).split())
            if kind == "ifdef":
                stack.append([rest])
                tried.append([rest])
            elif kind == "ifndef":
                stack.append([f"!{rest}"])
                tried.append([f"!{rest}"])
            elif kind == "if":
                stack.append([rest])
                tried.append([rest])
            elif kind in ("elif", "else") and stack:
                negated = [_negate(c) for c in tried[-1]]
                own = [rest] if kind == "elif" else []
                stack[-1] = negated + own
                tried[-1] = tried[-1] + own
            elif kind == "endif" and stack:
                stack.pop()
                tried.pop()
        out.append(tuple(c for frame in stack for c in frame))
        i += 1
    return out


def _negate(cond: str) -> str:
    if cond.startswith("!") and re.fullmatch(r"![A-Za-z0-9_]+", cond):
        return cond[1:]
    if re.fullmatch(r"[A-Za-z0-9_]+", cond):
        return f"!{cond}"
    return f"!({cond})"


def simplify(conds: Iterable[str]) -> tuple[str, ...]:
    """Conditions in a canonical form: ``defined(USE_X)`` and ``defined USE_X`` as
    ``USE_X``, duplicates dropped, order kept."""
    out: list[str] = []
    for cond in conds:
        cond = re.sub(r"\bdefined\s*\(\s*(\w+)\s*\)", r"\1", cond)
        cond = re.sub(r"\bdefined\s+(\w+)", r"\1", cond)
        cond = re.sub(r"^\((\w+)\)$", r"\1", cond)
        # "USE_ENGINE && !OPENSSL_NO_ENGINE": each part its own condition
        parts = cond.split("&&") if "(" not in cond and "||" not in cond else [cond]
        for part in parts:
            part = part.strip()
            if part not in out:
                out.append(part)
    return tuple(out)


def never_compiled(conds: Sequence[str]) -> bool:
    """``#if 0`` blocks."""
    return any(c.strip() == "0" for c in conds)


def function_body(text: str, name: str) -> tuple[int, str] | None:
    """Offset and text (braces included) of the definition of C function ``name``."""
    pattern = re.compile(
        r"^(?:[A-Za-z_][\w \t\*]*?[\s\*])?" + re.escape(name) + r"\s*\([^;{}]*\)\s*\{",
        re.MULTILINE,
    )
    m = pattern.search(text)
    if m is None:
        return None
    start = m.end() - 1
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return start, text[start : i + 1]
        i += 1
    return None


# ---------------------------------------------------------------------------
# Makefile


_MK_OPTION = re.compile(r"\$\((USE_\w+?)(?::0=)?\)")


def makefile_options(text: str) -> dict[str, tuple[str, ...]]:
    """``{"src/ssl_sock.c": ("USE_OPENSSL",), ...}``: the build options a Makefile
    compiles each object under (only objects added under a ``USE_*`` test)."""
    out: dict[str, tuple[str, ...]] = {}
    for line, tests in makefile_lines(text):
        if re.match(r"^\s*(OPTIONS_OBJS|OBJS|EXTRA_OBJS)\s*[+:]?=", line):
            conds = tuple(c for c in map(_condition_of, tests) if c is not None)
            for obj in re.findall(r"\b((?:src|addons)/[\w./-]+)\.o\b", line):
                out.setdefault(obj + ".c", conds)
    return out


def _condition_of(test: MakeTest) -> str | None:
    """``ifneq ($(USE_X),)`` -> ``USE_X``, ``ifeq ($(USE_X),)`` -> ``!USE_X`` (the other
    way round in the ``else`` branch); a test of anything else, None."""
    options = _MK_OPTION.findall(test.text)
    if not (options and len(set(options)) == 1 and re.search(r",\s*\)\s*$", test.text)):
        return None
    positive = (test.kind == "ifneq") != test.in_else
    return str(options[0]) if positive else f"!{options[0]}"


# ---------------------------------------------------------------------------
# Extraction


_SECTION = re.compile(
    r"\b(?:REGISTER_CONFIG_SECTION|cfg_register_section)\s*\(\s*"
    r"(\"[^\"]+\"|[A-Z_][A-Z0-9_]*)\s*,\s*(\w+)\s*,"
)
_DEFINE_STR = re.compile(r"^\s*#\s*define\s+([A-Z_][A-Z0-9_]*)\s+\"([^\"]+)\"", re.MULTILINE)
_KW_ENTRY = re.compile(r"\{\s*(CFG_[A-Z]+)\s*,\s*\"([^\"]+)\"\s*,")
_ARGS0 = r"args\s*\[\s*0\s*\]"
# how a parser looks up cfg_kw_list keywords: "kwl->kw[index].section != CFG_GLOBAL"
# (exact class) or "(kwl->kw[index].section & CFG_USERLIST)" (any class sharing a bit)
_KW_LOOKUP = re.compile(r"kw\s*\[\s*\w+\s*\]\s*\.\s*section\s*(!=|==|&)\s*(CFG_[A-Z]+)")
_CFG_CLASS = re.compile(r"^\s*#\s*define\s+(CFG_[A-Z]+)\s+(\d+)", re.MULTILINE)


@dataclass
class Source:
    """A compiled C file: its comment-free text and the build options compiling it."""

    path: str
    text: str
    options: tuple[str, ...]
    _conds: list[tuple[str, ...]] | None = None
    _starts: list[int] | None = None

    def conditions_at(self, offset: int) -> tuple[str, ...]:
        """The build options and preprocessor conditions of the code at ``offset``."""
        if self._conds is None or self._starts is None:
            self._conds = line_conditions(self.text)
            self._starts = [0] + [m.end() for m in re.finditer(r"\n", self.text)]
        line = bisect.bisect_right(self._starts, offset) - 1
        return simplify((*self.options, *self._conds[line]))


@dataclass
class Found:
    """Where a version's sources accept one first word of one section."""

    places: set[tuple[str, ...]] = field(default_factory=set)

    def best(self) -> tuple[str, ...]:
        """The least demanding set of conditions (the shortest, then the first)."""
        return min(self.places, key=lambda c: (len(c), c))


def compiled_options(path: str, makefile: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The build options compiling ``path``: its addon's, or the Makefile's."""
    parts = path.split("/")
    if parts[0] == "addons" and len(parts) > 1:
        option = ADDON_OPTIONS.get(parts[1], "USE_" + parts[1].upper())
        return (option,)
    return makefile.get(path, ())


def load_sources(git_dir: str, ref: str) -> tuple[list[Source], dict[str, str]]:
    """The C files of ``ref`` under src/ and addons/, and the string macros of its headers."""
    names = git(git_dir, "ls-tree", "-r", "--name-only", ref, "--", "src", "addons", "include")
    paths = [p for p in names.split("\n") if p.endswith((".c", ".h"))]
    blobs = read_blobs(git_dir, ref, [*paths, "Makefile"])
    makefile = makefile_options(blobs.get("Makefile", ""))
    macros: dict[str, str] = {}
    sources = []
    for path in paths:
        text = blobs.get(path, "")
        for name, value in _DEFINE_STR.findall(text):
            macros.setdefault(name, value)
        if path.endswith(".c") and not path.startswith("include/"):
            text = strip_comments(text)
            sources.append(Source(path, text, compiled_options(path, makefile)))
    return sources, macros


def cfg_classes(sources: Sequence[Source], git_dir: str, ref: str) -> dict[str, int]:
    """The values of the CFG_* section classes (``CFG_GLOBAL`` = 1...)."""
    for header in ("include/haproxy/cfgparse.h", "include/common/cfgparse.h"):
        blobs = read_blobs(git_dir, ref, [header])
        if header in blobs:
            return {k: int(v) for k, v in _CFG_CLASS.findall(blobs[header])}
    return {}


def _add(found: dict[str, Found], word: str, conds: tuple[str, ...]) -> None:
    found.setdefault(word, Found()).places.add(conds)


def extract(git_dir: str, ref: str) -> dict[str, Any]:
    """``{"sections": {section: {word: conditions}}, "parsers": {section: parser}}``."""
    sources, macros = load_sources(git_dir, ref)
    classes = cfg_classes(sources, git_dir, ref)
    # cfg_kw_list keywords by class
    registered: dict[str, dict[str, Found]] = {}
    for src in sources:
        if "CFG_" not in src.text:
            continue
        for m in _KW_ENTRY.finditer(src.text):
            conds = src.conditions_at(m.start())
            if never_compiled(conds):
                continue
            _add(registered.setdefault(m.group(1), {}), m.group(2), conds)
    sections: dict[str, dict[str, Found]] = {}
    parsers: dict[str, str] = {}
    messages: dict[str, str] = {}
    for src in sources:
        if "REGISTER_CONFIG_SECTION" not in src.text and "cfg_register_section" not in src.text:
            continue
        for m in _SECTION.finditer(src.text):
            name = m.group(1)
            name = name.strip('"') if name.startswith('"') else macros.get(name, "")
            if not name:
                continue
            section_conds = src.conditions_at(m.start())
            parser = m.group(2)
            words = sections.setdefault(name, {})
            parsers[name] = parser
            found = parser_words(sources, parser, registered, classes)
            for word, conds in found.words:
                _add(words, word, simplify((*section_conds, *conds)))
            if found.message and found.words:
                messages[name] = found.message
    return {
        "sections": {
            s: {w: list(f.best()) for w, f in sorted(words.items())}
            for s, words in sorted(sections.items())
        },
        "parsers": dict(sorted(parsers.items())),
        "messages": dict(sorted(messages.items())),
    }


@dataclass
class Parser:
    """What one section parser function accepts and says of the rest."""

    words: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: its "unknown keyword" message, "{word}"/"{section}" for what it prints
    message: str | None = None


def _split_args(text: str) -> list[str]:
    out, depth, current = [], 0, []
    for c in text:
        if c == "," and depth == 0:
            out.append("".join(current).strip())
            current = []
            continue
        depth += c in "(["
        depth -= c in ")]"
        current.append(c)
    out.append("".join(current).strip())
    return out


_ALERT = re.compile(r"\bha_alert\s*\(\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+),([^;]*)\)\s*;")


def unknown_message(body: str, names: Sequence[str]) -> str | None:
    """The parser's message for a first word it does not know: the last alert printing
    the word as unknown (the form without "did you mean"), with ``{word}`` and
    ``{section}`` in place of what it prints."""
    found = None
    for m in _ALERT.finditer(body):
        fmt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        if "unknown" not in fmt.lower() or "%s" not in fmt:
            continue
        args = _split_args(m.group(2))
        if args[:2] != ["file", "linenum"] and args[:2] != ["file", "line"]:
            continue
        args = args[2:]
        fmt = re.sub(r"^[Pp]arsing \[%s:%d\]\s*:?\s*", "", fmt)
        pieces = fmt.split("%s")
        if len(pieces) - 1 != len(args) or not args or args[0] not in names:
            continue
        if "did you mean" in fmt.lower():
            continue
        out = pieces[0]
        for arg, piece in zip(args, pieces[1:], strict=True):
            if arg in names:
                out += "{word}"
            elif arg == "cursection":
                out += "{section}"
            elif arg.startswith('"'):
                out += arg.strip('"')
            else:
                out = ""
                break
            out += piece
        if out:
            found = out.replace("\\n", "").strip()
    return found


_SHIFT = re.compile(r"\bargs\s*(?:\+=|\+\+|=(?!=))|\+\+\s*args\b|\blshift_args\s*\(")


def _shifted(body: str) -> Callable[[int], bool]:
    """Whether code at an offset of a function ``body`` follows, in the same branch of
    the function's outer ``if``/``else`` chain, a statement moving ``args`` on
    (``args += 3``): its ``args[0]`` is no longer the line's first word."""
    block = []  # for each offset: index of the outermost nested block, -1 outside any
    depth = 0
    count = 0
    for c in body:
        if c == "{":
            depth += 1
            if depth == 2:
                count += 1
        block.append(count if depth >= 2 else -1)
        if c == "}":
            depth -= 1
    shifts: dict[int, int] = {}
    for m in _SHIFT.finditer(body):
        index = block[m.start()]
        if index >= 0:
            shifts.setdefault(index, m.start())
    return lambda offset: block[offset] >= 0 and shifts.get(block[offset], offset) < offset


def parser_words(
    sources: Sequence[Source],
    parser: str,
    registered: dict[str, dict[str, Found]],
    classes: dict[str, int],
) -> Parser:
    """The first words parser function ``parser`` accepts, with their conditions."""
    out = Parser()
    for src in sources:
        found = function_body(src.text, parser) if parser in src.text else None
        if found is None:
            continue
        offset, body = found
        # "const char *item = args[0];" and comparisons of "item"
        names = ["args[0]", *re.findall(r"\b(\w+)\s*=\s*" + _ARGS0 + r"\s*;", body)]
        out.message = unknown_message(body, names)
        for name in names:
            target = _ARGS0 if name == "args[0]" else re.escape(name)
            cmp = re.compile(
                r"\bstr(?:case)?cmp\s*\(\s*" + target + r"\s*,\s*\"([^\"]*)\"\s*\)"
                r"|\bstr(?:case)?cmp\s*\(\s*\"([^\"]*)\"\s*,\s*" + target + r"\s*\)"
            )
            shifted = _shifted(body)
            for m in cmp.finditer(body):
                word = m.group(1) if m.group(1) is not None else m.group(2)
                conds = src.conditions_at(offset + m.start())
                if word and not never_compiled(conds) and not shifted(m.start()):
                    out.words.append((word, conds))
        for m in _KW_LOOKUP.finditer(body):
            op, cls = m.groups()
            lookup_conds = src.conditions_at(offset + m.start())
            for other, words in registered.items():
                if other == cls or (op == "&" and classes.get(other, 0) & classes.get(cls, 0)):
                    for word, f in words.items():
                        for conds in f.places:
                            out.words.append((word, simplify((*lookup_conds, *conds))))
        return out
    return out


# ---------------------------------------------------------------------------
# Output


def dev_version(git_dir: str, ref: str) -> str:
    """``3.5-dev`` for a HEAD described as ``v3.5-dev5-2-g...``."""
    described = git(git_dir, "describe", "--tags", ref).strip()
    m = re.match(r"v(\d+\.\d+)", described)
    if m is None:
        raise RuntimeError(f"cannot tell the version of {ref}: {described!r}")
    return f"{m.group(1)}-dev"


def default_refs(git_dir: str, head: bool = True) -> list[tuple[str, str, str]]:
    """``(version, ref, commit)`` of every ``vX.Y.0`` tag of :data:`RELEASES`, and of
    ``HEAD`` as the development version when it is newer than them."""
    refs = [(v, f"v{v}.0") for v in RELEASES]
    if head:
        dev = dev_version(git_dir, "HEAD")
        if dev.split("-")[0] not in RELEASES:
            refs.append((dev, "HEAD"))
    return [(v, ref, git(git_dir, "rev-parse", f"{ref}^{{commit}}").strip()) for v, ref in refs]


def build(git_dir: str, refs: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """The whole data set for ``refs``, ``(version, ref name, commit)`` of the clone in
    ``git_dir`` (the commit is what is read; the ref name is recorded with it)."""
    per_version: dict[str, dict[str, Any]] = {}
    inputs: dict[str, dict[str, str]] = {}
    for version, ref, commit in refs:
        inputs[version] = {"ref": ref, "commit": commit}
        per_version[version] = extract(git_dir, commit)
    return merge(per_version, inputs)


def merge(per_version: dict[str, dict[str, Any]], inputs: dict[str, Any]) -> dict[str, Any]:
    """One table for every version, each value folded into runs of versions.

    ``sections[section][word]`` is a list of ``[first, last, conditions]`` runs over
    the ordered versions: the versions from ``first`` to ``last`` accept ``word`` as
    the first word of a line of ``section`` when the build meets ``conditions`` (an
    empty list: whatever the build). ``_meta.parsers`` and ``_meta.messages`` give,
    the same way, the parser function of each section and the message it prints
    for a word it does not know (a section without message accepts any word).
    """
    versions = sorted(per_version, key=version_key)
    all_sections = sorted({s for v in versions for s in per_version[v]["parsers"]})

    def runs(section: str, key: str, word: str | None = None) -> list[list[Any]]:
        values = []
        for v in versions:
            value = per_version[v][key].get(section)
            if word is not None:
                value = None if value is None else value.get(word)
            values.append(value)
        return _runs(versions, values)

    table = {
        section: {
            word: runs(section, "sections", word)
            for word in sorted(
                {w for v in versions for w in per_version[v]["sections"].get(section, {})}
            )
        }
        for section in all_sections
    }
    return {
        "_meta": {
            "schema": SCHEMA,
            "generator": "tools/gen_source_keywords.py",
            "versions": versions,
            "inputs": inputs,
            "parsers": {section: runs(section, "parsers") for section in all_sections},
            "messages": {section: runs(section, "messages") for section in all_sections},
        },
        "sections": table,
    }


def _runs(versions: Sequence[str], values: Sequence[Any]) -> list[list[Any]]:
    """``[[first, last, value], ...]``: the runs of equal values over consecutive versions
    (``None``: none)."""
    out: list[list[Any]] = []
    for index, (version, value) in enumerate(zip(versions, values, strict=True)):
        if value is None:
            continue
        if out and out[-1][2] == value and values[index - 1] == value:
            out[-1][1] = version
        else:
            out.append([version, version, value])
    return out


def _block(name: str, mapping: dict[str, Any], indent: str) -> list[str]:
    """``"name": {`` then one ``"key": value`` line per entry."""
    lines = [f"{indent}{json.dumps(name)}: {{"]
    items = list(mapping.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{indent} {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append(indent + "}")
    return lines


def dumps(data: dict[str, Any]) -> str:
    """The JSON text: one line per word (and per version, section...), so that a change
    shows as a changed line."""
    meta = data["_meta"]
    lines = ["{", ' "_meta": {']
    for key in ("schema", "generator", "versions"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(meta[key])},")
    for key in ("inputs", "parsers", "messages"):
        lines.extend(_block(key, meta[key], "  "))
        lines[-1] += "," if key != "messages" else ""
    lines.extend([" },", ' "sections": {'])
    sections = list(data["sections"].items())
    for i, (section, words) in enumerate(sections):
        lines.extend(_block(section, words, "  "))
        lines[-1] += "," if i < len(sections) - 1 else ""
    lines.extend([" }", "}"])
    return "\n".join(lines) + "\n"


def cli(
    argv: Sequence[str] | None,
    doc: str,
    build_table: Callable[[str, Sequence[tuple[str, str, str]]], dict[str, Any]],
    dump: Callable[[dict[str, Any]], str],
) -> int:
    """The command line of a table generator: read the clone, write the table."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--git-dir",
        default=os.environ.get("HAPROXY_GIT_DIR", DEFAULT_GIT_DIR),
        help="a clone of github.com/haproxy/haproxy (bare is fine)",
    )
    parser.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")
    parser.add_argument("--no-head", action="store_true", help="leave the development version out")
    args = parser.parse_args(argv)
    text = dump(build_table(args.git_dir, default_refs(args.git_dir, head=not args.no_head)))
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
        return 0
    sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return cli(argv, __doc__, build, dumps)


if __name__ == "__main__":
    sys.exit(main())
