#!/usr/bin/env python3
"""Generate haproxy_model/keywords/samples.json from HAProxy's sources.

The sample fetches, converters and ACL keywords a version of HAProxy knows are the
names its C sources register in keyword lists::

    static struct sample_fetch_kw_list smp_kws = {ILH, {
        { "src", smp_fetch_src, 0, NULL, SMP_T_ADDR, SMP_USE_L4CLI },
        ...
    static struct sample_conv_kw_list sample_conv_kws = {ILH, {
        { "lower", sample_conv_str2lower, 0, NULL, SMP_T_STR, SMP_T_STR },
        ...
    static struct acl_kw_list acl_kws = {ILH, {
        { "path_beg", "path", PAT_MATCH_BEG },

This script reads those lists at every release tag of a clone of haproxy/haproxy
(``src/`` and ``addons/``), with the preprocessor conditions around each entry, and
the Makefile of the tag to learn which files are compiled only with a build option
(``USE_OPENSSL``, ``USE_LUA``, ``USE_QUIC``, the 51Degrees/WURFL/DeviceAtlas addons...).
Names registered at run time (Lua's ``core.register_fetches()`` makes ``lua.<name>``)
are found as the ``"<prefix>.%s"`` formats of the files that register lists they
build themselves. Nothing here lists a keyword by hand.

A release tag is a ``.0`` release; a fetch added later to a stable branch (HAProxy
backports a few) is only known from a binary of that branch: ``--dump`` reads the
keyword dumps of real binaries (``haproxy -dKsmp``, ``-dKcnv``, ``-dKacl``, kept under
``tools/haproxy-dumps/<version>/``) and records the names they add as backports.

Usage::

    python tools/gen_samples.py --git /work/.mirror/haproxy+haproxy/repo \\
        [--out haproxy_model/keywords/samples.json]

The output depends only on the tags of :data:`RELEASES` and the committed dumps.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haproxy_sources import Git, MakeTest, makefile_lines, strip_comments, version_key

SCHEMA = 1
ROOT = Path(__file__).resolve().parent.parent
DUMPS = ROOT / "tools" / "haproxy-dumps"

#: Version label -> git tag read. "3.5-dev" is the development branch at that tag.
RELEASES: dict[str, str] = {
    **{f"2.{minor}": f"v2.{minor}.0" for minor in range(10)},
    **{f"3.{minor}": f"v3.{minor}.0" for minor in range(5)},
    "3.5-dev": "v3.5-dev5",
}
REGENERATE = (
    "python tools/gen_samples.py --git <clone of github.com/haproxy/haproxy> "
    "--out haproxy_model/keywords/samples.json  (tags: "
    + ", ".join(RELEASES.values())
    + "; binary dumps: tools/haproxy-dumps/<version>/{smp,cnv,acl}.txt, written by "
    "`python tools/gen_samples.py --write-dump <haproxy binary>`)"
)

#: The three kinds of keyword list, by the C struct that holds them.
KINDS = {
    "sample_fetch_kw_list": "fetches",
    "sample_conv_kw_list": "converters",
    "acl_kw_list": "acl",
}
_LIST = re.compile(
    r"\bstruct\s+(sample_fetch_kw_list|sample_conv_kw_list|acl_kw_list)\s+\w+\s*=\s*\{"
)
_USE = re.compile(r"\bUSE_([A-Z0-9_]+)")
_PREFIX_FORMAT = re.compile(r'"([a-z0-9_]+\.)%s"')
_DYNAMIC_REGISTER = re.compile(r"^(?!.*INITCALL).*\bsample_register_(fetches|convs)\s*\(", re.M)
_DUMP_FILES = {"fetches": "smp.txt", "converters": "cnv.txt", "acl": "acl.txt"}
_DUMP_NAME = {
    "fetches": re.compile(r"^\[[ Y.]*\]\s+([^\s(:]+)"),
    "converters": re.compile(r"^([^\s(:#]+)[(:]"),
    "acl": re.compile(r"^([^\s=#]+) = "),
}


@dataclass
class Found:
    """One registration: the name, the file, the build options it needs and (fetches
    and converters) its argument mask."""

    name: str
    path: str
    build: frozenset[str]
    mask: str | None = None


@dataclass
class Release:
    """What one tag registers: ``{kind: {name: [Found, ...]}}`` and run-time prefixes."""

    names: dict[str, dict[str, list[Found]]] = field(default_factory=dict)
    prefixes: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Reading the sources


def _condition_options(condition: str) -> frozenset[str]:
    """The ``USE_*`` options a positive ``#if``/``#ifdef`` condition requires."""
    if "!" in condition or condition.startswith("ifndef"):
        return frozenset()
    return frozenset(_USE.findall(condition))


def _line_states(lines: Sequence[str]) -> list[tuple[bool, frozenset[str]]]:
    """For each line, whether an ``#if 0`` hides it and the ``USE_*`` options of the
    positive ``#if``/``#ifdef`` conditions around it."""
    stack: list[tuple[str, bool]] = []  # (condition, dead)
    state: tuple[bool, frozenset[str]] = (False, frozenset())
    out = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            directive = stripped[1:].strip()
            word = directive.split(None, 1)[0] if directive else ""
            if word in ("if", "ifdef", "ifndef"):
                stack.append((directive, re.fullmatch(r"if\s+0", directive) is not None))
            elif word in ("elif", "else") and stack:
                stack[-1] = (directive if word == "elif" else "", False)
            elif word == "endif" and stack:
                stack.pop()
            options: frozenset[str] = frozenset()
            for cond, _ in stack:
                options |= _condition_options(cond)
            state = (any(dead for _, dead in stack), options)
        out.append(state)
    return out


def _fields(entry: str) -> list[str]:
    """The comma-separated fields of an entry's text (commas inside parentheses kept)."""
    fields: list[str] = []
    current: list[str] = []
    depth = 0
    for c in entry:
        if c == "," and depth == 0:
            fields.append("".join(current).strip())
            current = []
            continue
        depth += (c == "(") - (c == ")")
        current.append(c)
    fields.append("".join(current).strip())
    return fields


def _mask(field: str) -> str | None:
    """An entry's argument mask, spaces removed (``ARG2(1,SINT,SINT)``, ``0``), or None
    when it is not written as an ``ARGn(...)`` macro or ``0``."""
    mask = re.sub(r"\s+", "", field)
    return mask if mask == "0" or re.fullmatch(r"ARG\d+\(\d+(,\w+)*\)", mask) else None


def registrations(text: str, path: str, file_build: frozenset[str]) -> Iterator[tuple[str, Found]]:
    """``(kind, Found)`` for every named entry of the keyword lists of a C file.

    An entry is a brace group inside the list's array whose first field is a string
    (``{ "src", smp_fetch_src, 0, NULL, SMP_T_ADDR, SMP_USE_L4CLI }``); the third field
    of a fetch or converter is its argument mask. Entries inside ``#if 0`` are never
    compiled and are skipped; the ``USE_*`` options of the positive ``#if``/``#ifdef``
    around an entry join the file's own.
    """
    code = strip_comments(text)
    states: list[tuple[bool, frozenset[str]]] | None = None
    token_re = re.compile(r'[{}]|"(?:\\.|[^"\\\n])*"')
    for m in _LIST.finditer(code):
        kind = KINDS[m.group(1)]
        if states is None:
            states = _line_states(code.splitlines())
        depth = 1
        start = 0
        for token in token_re.finditer(code, m.end()):
            t = token.group(0)
            if t == "{":
                depth += 1
                start = token.end()
            elif t == "}":
                depth -= 1
                if depth == 0:
                    break
                if depth == 2:
                    fields = _fields(code[start : token.start()])
                    name = re.fullmatch(r'"((?:\\.|[^"\\])*)"', fields[0])
                    dead, options = states[code.count("\n", 0, start)]
                    if name and not dead:
                        mask = _mask(fields[2]) if kind != "acl" and len(fields) > 2 else None
                        yield kind, Found(name.group(1), path, file_build | options, mask)


def makefile_options(makefile: str) -> dict[str, frozenset[str]]:
    """``{"src/ssl_sock.c": {"OPENSSL"}, ...}``: files compiled only with a ``USE_*``
    option, from the ``ifneq ($(USE_X),)`` blocks that add them to ``OPTIONS_OBJS``."""
    out: dict[str, set[str]] = {}
    for raw, tests in makefile_lines(makefile):
        line = raw.strip()
        active = {opt for opt in map(_option_of, tests) if opt}
        if re.match(r"\w*OBJS\s*[+:]?=", line):
            if active:
                for obj in re.findall(r"\b((?:src|addons)/[\w./-]+)\.o\b", line):
                    out.setdefault(obj + ".c", set()).update(active)
        elif line.split(None, 1)[:1] == ["include"] and "addons/" in line:
            for folder in re.findall(r"addons/([\w-]+)", line):
                out.setdefault(f"addons/{folder}/", set()).update(active)
    return {k: frozenset(v) for k, v in out.items()}


def _option_of(test: MakeTest) -> str | None:
    """``ifneq ($(USE_X),)`` -> ``X``; other tests, and their ``else`` branches, none."""
    uses = _USE.findall(test.text)
    if test.kind == "ifneq" and uses and re.search(r",\s*\)\s*$", test.text) and not test.in_else:
        return str(uses[0])
    return None


def file_build(path: str, options: dict[str, frozenset[str]]) -> frozenset[str]:
    """The build options a source file needs: from the Makefile; an addon needs its own."""
    if path in options:
        return options[path]
    if path.startswith("addons/"):
        folder = path.split("/")[1]
        return options.get(f"addons/{folder}/", frozenset({folder.upper()}))
    return frozenset()


_INTERESTING = re.compile(
    r"struct\s+(?:sample_fetch_kw_list|sample_conv_kw_list|acl_kw_list)\s+\w+\s*="
    r"|sample_register_(?:fetches|convs)\s*\("
)


def read_release(git: Git, tag: str) -> Release:
    """Everything ``tag`` registers."""
    options = makefile_options(git.show(tag, "Makefile"))
    release = Release(names={kind: {} for kind in KINDS.values()})
    tree = {p: b for p, b in git.tree(tag, "src", "addons").items() if p.endswith(".c")}
    texts = git.blobs(tree.values())
    for path in sorted(tree):
        text = texts[tree[path]]
        if not _INTERESTING.search(text):
            continue
        build = file_build(path, options)
        for kind, found in registrations(text, path, build):
            release.names[kind].setdefault(found.name, []).append(found)
        if _DYNAMIC_REGISTER.search(strip_comments(text)):
            for kind in ("fetches", "converters"):
                for prefix in _PREFIX_FORMAT.findall(text):
                    release.prefixes.setdefault(kind, {})[prefix] = build
    return release


# ---------------------------------------------------------------------------
# Binary dumps


def read_dump(folder: Path) -> dict[str, set[str]]:
    """``{kind: names}`` of a binary's ``-dKsmp``/``-dKcnv``/``-dKacl`` dumps."""
    out: dict[str, set[str]] = {}
    for kind, filename in _DUMP_FILES.items():
        names: set[str] = set()
        for line in (folder / filename).read_text(encoding="utf-8").splitlines():
            m = _DUMP_NAME[kind].match(line)
            if m:
                names.add(m.group(1))
        out[kind] = names
    return out


def dump_version(folder: Path) -> str:
    """The full version a dump folder is named after (``2.6.12``)."""
    return folder.name


def write_dump(binary: str) -> Path:
    """Dump the sample keywords of ``binary`` under :data:`DUMPS`/<its version>."""
    head = subprocess.run([binary, "-v"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"version (\d+\.\d+\.\d+)", head)
    if m is None:
        raise SystemExit(f"cannot read the version of {binary}")
    folder = DUMPS / m.group(1)
    folder.mkdir(parents=True, exist_ok=True)
    for kind, filename in _DUMP_FILES.items():
        flag = {"fetches": "-dKsmp", "converters": "-dKcnv", "acl": "-dKacl"}[kind]
        proc = subprocess.run(
            [binary, flag, "-q", "-c", "-f", "/dev/null"], capture_output=True, text=True
        )
        (folder / filename).write_text(proc.stdout, encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------
# Merging


def _ranges(present: Sequence[str], order: Sequence[str]) -> list[list[str]]:
    """Runs of consecutive versions of ``order`` found in ``present``: [[first, last], ...]."""
    out: list[list[str]] = []
    previous = None
    for version in order:
        if version in present:
            if out and previous in present:
                out[-1][1] = version
            else:
                out.append([version, version])
        previous = version
    return out


def _one_mask(found: Sequence[Found]) -> str | None:
    """The argument mask of a name in a release; None when registrations disagree."""
    masks = {f.mask for f in found}
    return masks.pop() if len(masks) == 1 else None


def _runs(values: Mapping[str, str | None], order: Sequence[str]) -> list[list[str]]:
    """``[[first, last, value], ...]``: runs of consecutive releases with the same value
    (a release whose value is None or "" is in none)."""
    out: list[list[str]] = []
    previous: str | None = None
    for version in order:
        value = values.get(version)
        if not value:
            previous = None
            continue
        if out and previous == value:
            out[-1][1] = version
        else:
            out.append([version, version, value])
        previous = value
    return out


def _build(options: Iterable[frozenset[str]]) -> str:
    """The build options a name needs in a release, ``+``-joined: those of the
    registration needing fewest ("" when one needs none)."""
    fewest: list[str] = min((sorted(o) for o in options), key=lambda o: (len(o), o))
    return "+".join(fewest)


def merge(releases: dict[str, Release], dumps: dict[str, dict[str, set[str]]]) -> dict[str, Any]:
    """The JSON body: per kind, per name, the version ranges, build options, backports."""
    order = sorted(releases, key=version_key)
    body: dict[str, Any] = {}
    for kind in KINDS.values():
        names: dict[str, Any] = {}
        every = sorted({n for r in releases.values() for n in r.names[kind]})
        for name in every:
            present = [v for v in order if name in releases[v].names[kind]]
            entry: dict[str, Any] = {"versions": _ranges(present, order)}
            builds = {v: _build(f.build for f in releases[v].names[kind][name]) for v in present}
            build = _runs(builds, order)
            if build:
                entry["build"] = build
            if kind != "acl":
                masks = {v: _one_mask(releases[v].names[kind][name]) for v in present}
                entry["args"] = _runs(masks, order)
            names[name] = entry
        for full, dump in sorted(dumps.items(), key=lambda kv: version_key(kv[0])):
            branch = ".".join(full.split(".")[:2])
            for name in sorted(dump.get(kind, ())):
                entry = names.setdefault(name, {"versions": []})
                if branch in releases and name in releases[branch].names[kind]:
                    continue
                entry.setdefault("backports", []).append(full)
        body[kind] = dict(sorted(names.items()))
    prefixes: dict[str, Any] = {}
    for kind in ("fetches", "converters"):
        found: dict[str, list[str]] = {}
        for version in order:
            for prefix in releases[version].prefixes.get(kind, {}):
                found.setdefault(prefix, []).append(version)
        prefixes[kind] = {
            p: {
                "versions": _ranges(vs, order),
                "build": _runs({v: _build([releases[v].prefixes[kind][p]]) for v in vs}, order),
            }
            for p, vs in sorted(found.items())
        }
    body["prefixes"] = prefixes
    return body


def build(git: Git, releases: dict[str, str], dump_dirs: Iterable[Path]) -> dict[str, Any]:
    """The whole table for ``{label: tag}``, with the binary dumps of ``dump_dirs``."""
    read = {label: read_release(git, tag) for label, tag in releases.items()}
    dumps = {dump_version(d): read_dump(d) for d in dump_dirs}
    return {
        "_meta": {
            "schema": SCHEMA,
            "generator": "tools/gen_samples.py",
            "regenerate": REGENERATE,
            "source": "struct sample_fetch_kw_list / sample_conv_kw_list / acl_kw_list "
            "entries of src/ and addons/ at each tag; Makefile for build options",
            "versions": releases,
            "dumps": sorted((dump_version(d) for d in dump_dirs), key=version_key),
        },
        **merge(read, dumps),
    }


def dumps_json(table: dict[str, Any]) -> str:
    """Serialise deterministically: one keyword per line."""
    parts = ["{", f'  "_meta": {json.dumps(table["_meta"], indent=2)}'.replace("\n", "\n  ") + ","]
    kinds = [k for k in table if k != "_meta"]
    for ki, kind in enumerate(kinds):
        parts.append(f"  {json.dumps(kind)}: {{")
        items = list(table[kind].items())
        for ni, (name, entry) in enumerate(items):
            comma = "," if ni + 1 < len(items) else ""
            parts.append(f"    {json.dumps(name)}: {json.dumps(entry, sort_keys=True)}{comma}")
        parts.append("  }" + ("," if ki + 1 < len(kinds) else ""))
    parts.append("}")
    return "\n".join(parts) + "\n"


def dump_dirs(folder: Path = DUMPS) -> list[Path]:
    """The committed binary dumps, oldest version first."""
    if not folder.is_dir():
        return []
    return sorted((d for d in folder.iterdir() if d.is_dir()), key=lambda d: version_key(d.name))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--git", type=Path, help="a clone of github.com/haproxy/haproxy")
    parser.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")
    parser.add_argument(
        "--write-dump", metavar="HAPROXY", help="dump a binary's keywords under tools/haproxy-dumps"
    )
    args = parser.parse_args(argv)
    if args.write_dump:
        print(write_dump(args.write_dump))
        return 0
    if args.git is None:
        parser.error("--git is required")
    text = dumps_json(build(Git(args.git), RELEASES, dump_dirs()))
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
