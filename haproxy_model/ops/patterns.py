"""Map files and ACL pattern files in a plan: their entries change at runtime.

A configuration names pattern files in ``map(FILE)``/``map_beg(FILE)``... converters
(a map), ``acl NAME CRITERION -f FILE`` (an ACL file) and ``-M -f FILE`` (an ACL file
loaded as a map).  HAProxy knows each by the name written in the configuration, reads
it once at start (:func:`~haproxy_model.analysis.route.matching.read_map` and
:func:`~haproxy_model.analysis.route.matching.read_pattern_file` read it the same way)
and then changes its entries only through the runtime API:

- maps: ``set map FILE KEY VALUE`` (a key whose value changed), ``add map FILE KEY
  VALUE`` (a new key), ``del map FILE KEY`` (a key gone);
- ACL files: ``add acl FILE PATTERN`` then ``del acl FILE PATTERN``.

Each command is atomic; the management guide's atomic replacement of a whole map
(``prepare map``, ``add map @VER``, ``commit map @VER``) needs the version number
``prepare map`` answers, so a plan, which lists its exact commands in advance, uses
the per-entry commands: every key switches from its old value to its new one in one
step.  An entry HAProxy adds at runtime goes last, so when NEW reorders the entries
(or puts a new one before an old one) the order a first-match lookup sees cannot be
reached live: that, a name that differs between OLD and NEW, a key repeated in the
file among the changed ones (``set``/``del`` act on every entry of a key), an entry
with no value, or a file that cannot be read is a reload, with its reason.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from haproxy_model.analysis.route.matching import read_map, read_pattern_file
from haproxy_model.io.haproxy.places import Index
from haproxy_model.io.haproxy.references import references
from haproxy_model.io.runtime import HAProxyRuntimeError, RuntimeClient
from haproxy_model.model.config import Config
from haproxy_model.syntax.nodes import Directive

#: a pattern file's entries: ``(key, value)`` for a map, ``(pattern, "")`` for an ACL file
Entries = Sequence[tuple[str, str]]


@attrs.frozen
class PatternFile:
    """A pattern file a configuration names: ``name`` as written (HAProxy's name for it),
    ``path`` where it is read, ``kind`` ``"map"`` or ``"acl"``."""

    name: str
    path: str
    kind: str

    def read(self) -> list[tuple[str, str]] | None:
        """Its entries as HAProxy reads them at start; None when it cannot be read."""
        try:
            if self.kind == "map":
                return read_map(Path(self.path))
            return [(p, "") for p in read_pattern_file(Path(self.path))]
        except (OSError, ValueError):
            return None


@attrs.frozen
class FileStep:
    """One pattern file's change: ``commands``, or the ``reason`` it needs a reload."""

    change: str
    path: str
    commands: tuple[str, ...] = ()
    reason: str | None = None


def folder_of(cfg: Config) -> str:
    """Where a configuration's relative file names are read: the folder of its file,
    else (a configuration given as text) the current directory."""
    if os.path.isfile(cfg.filename):
        return os.path.dirname(os.path.abspath(cfg.filename))
    return os.getcwd()


def pattern_files(cfg: Config, folder: str | None = None) -> dict[str, PatternFile]:
    """The map and ACL files ``cfg`` names, by name; relative names from ``folder``
    (default :func:`folder_of`)."""
    where = folder_of(cfg) if folder is None else folder
    index = Index(cfg)
    found: dict[str, PatternFile] = {}
    for ref in references(cfg, cwd=where, folder=where):
        if ref.option == "map()":
            kind = "map"
        elif ref.option == "acl -f":
            kind = "map" if _as_map(index, ref.line, ref.written) else "acl"
        else:
            continue
        if found.get(ref.written, PatternFile("", "", "acl")).kind != "map":
            found[ref.written] = PatternFile(ref.written, ref.path, kind)
    return found


def _as_map(index: Index, line: int, written: str) -> bool:
    """Whether ``-M`` comes before the ``-f`` naming ``written`` (HAProxy loads it as a map)."""
    node = index.lines[line - 1]
    if not isinstance(node, Directive):
        return False
    values = node.values
    seen = False
    for i, value in enumerate(values[:-1]):
        if value == "-M":
            seen = True
        elif value == "-f" and values[i + 1] in (written, written.rstrip("/")):
            return seen
    return False


def file_steps(
    old: Mapping[str, PatternFile],
    new: Mapping[str, PatternFile],
    old_entries: Mapping[str, Entries | None],
    new_entries: Mapping[str, Entries | None],
) -> list[FileStep]:
    """The steps from OLD's pattern files to NEW's; ``*_entries`` give each name's entries
    (a name missing there is read from its file)."""
    steps: list[FileStep] = []
    for name in sorted(set(old) | set(new)):
        was, now = old.get(name), new.get(name)
        if was is None or now is None:
            one = now or was
            assert one is not None
            named = "now named" if was is None else "no longer named"
            reason = "a pattern file name differs between OLD and NEW: read only at start"
            steps.append(FileStep(f"{one.kind} file {name} {named}", f"file {name}", reason=reason))
            continue
        before = old_entries[name] if name in old_entries else was.read()
        after = new_entries[name] if name in new_entries else now.read()
        step = _one(was, now, before, after)
        if step is not None:
            steps.append(step)
    return steps


def _one(was: PatternFile, now: PatternFile, before: Entries | None,
         after: Entries | None) -> FileStep | None:  # fmt: skip
    label = f"{now.kind} file {now.name}"
    path = f"file {now.name}"
    if was.kind != now.kind:
        return FileStep(f"{label} used as a {now.kind} (was a {was.kind})", path,
                        reason="a file's use changes only at start")  # fmt: skip
    if before is None or after is None:
        side = "OLD" if before is None else "NEW"
        return FileStep(f"{label} changed", path, reason=f"{side}'s entries cannot be read")
    if list(before) == list(after):
        return None
    try:
        commands = _commands(now, list(before), list(after))
    except _Reload as exc:
        return FileStep(f"{label} entries changed", path, reason=str(exc))
    return FileStep(f"{label}: {_summary(now.kind, list(before), list(after))}", path,
                    tuple(commands))  # fmt: skip


def _summary(kind: str, before: list[tuple[str, str]], after: list[tuple[str, str]]) -> str:
    old_keys, new_keys = dict(before), dict(after)
    added = sum(k not in old_keys for k in new_keys)
    removed = sum(k not in new_keys for k in old_keys)
    parts = [f"{added} added", f"{removed} removed"]
    if kind == "map":
        changed = sum(k in old_keys and old_keys[k] != v for k, v in new_keys.items())
        parts.insert(1, f"{changed} changed")
    return ", ".join(parts)


def _commands(pf: PatternFile, before: list[tuple[str, str]],
              after: list[tuple[str, str]]) -> list[str]:  # fmt: skip
    if pf.name.startswith(("#", "@")):
        raise _Reload(f"a file name beginning with {pf.name[0]!r} is not a name at runtime")
    old_keys = [k for k, _ in before]
    new_keys = [k for k, _ in after]
    old_values, new_values = dict(before), dict(after)
    removed = [k for k in dict.fromkeys(old_keys) if k not in new_values]
    added = [k for k in new_keys if k not in old_values]
    changed = [k for k in dict.fromkeys(new_keys) if k in old_values
               and old_values[k] != new_values[k]]  # fmt: skip
    repeated = {k for keys in (old_keys, new_keys) for k, n in Counter(keys).items() if n > 1}
    touched = set(removed) | set(added) | set(changed)
    if any(k in touched for k in repeated):
        raise _Reload("a changed key repeats in the file: set/del act on every entry of a key")
    kept = [k for k in old_keys if k in new_values]
    if new_keys != kept + added:
        raise _Reload("entries reordered or inserted before old ones: runtime adds go last")
    words = [*touched, *(new_values[k] for k in touched if k in new_values)]
    if any(w != w.rstrip(" \t") for w in words):
        raise _Reload("an entry ending in a blank: the runtime API drops trailing blanks")
    if any(k.startswith("#0x") for k in touched):
        raise _Reload("a key beginning with '#0x' is read as an entry id at runtime")
    name = _escape(pf.name)
    if pf.kind == "acl":
        return [f"add acl {name} {_escape(k)}" for k in added] + [
            f"del acl {name} {_escape(k)}" for k in removed
        ]
    if any(not new_values[k] for k in (*added, *changed)):
        raise _Reload("a map entry with no value cannot be set at runtime")
    return (
        [f"set map {name} {_escape(k)} {_escape(new_values[k])}" for k in changed]
        + [f"add map {name} {_escape(k)} {_escape(new_values[k])}" for k in added]
        + [f"del map {name} {_escape(k)}" for k in removed]
    )


def _escape(word: str) -> str:
    """One runtime-API argument: backslash, blank and ``;`` escaped (src/cli.c)."""
    out = word.replace("\\", "\\\\")
    for ch in " \t;":
        out = out.replace(ch, "\\" + ch)
    return out


def parse_shown(kind: str, text: str) -> list[tuple[str, str]]:
    """``show map FILE`` / ``show acl FILE`` lines (``<id> <key> [<value>]``) as entries."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        _, _, rest = line.partition(" ")
        if kind == "map":
            key, _, value = rest.partition(" ")
            out.append((key, value))
        else:
            out.append((rest, ""))
    return out


def running_entries(
    client: RuntimeClient, files: Mapping[str, PatternFile]
) -> dict[str, list[tuple[str, str]] | None]:
    """What the running HAProxy has for each file (``show map``/``show acl``); None for a
    name it does not answer for."""
    out: dict[str, list[tuple[str, str]] | None] = {}
    for name, pf in files.items():
        try:
            out[name] = parse_shown(pf.kind, client.execute(f"show {pf.kind} {_escape(name)}"))
        except (HAProxyRuntimeError, OSError, TimeoutError):
            out[name] = None
    return out


class _Reload(Exception):
    """Why a pattern file's change needs a reload."""


__all__ = ["Entries", "FileStep", "PatternFile", "file_steps", "folder_of", "parse_shown",
           "pattern_files", "running_entries"]  # fmt: skip
