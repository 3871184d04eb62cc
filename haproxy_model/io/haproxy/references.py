"""Files a configuration names (certificates, CA files, maps, ACL files, error files, Lua...).

HAProxy refuses to start when one is missing, but it reports only the first
few (it stops reading a file after some of these errors, and never reaches its
later checks).  :func:`references` lists every file a configuration names,
with the line and column that name it; :func:`report_missing` gives HAProxy's
messages about missing files their own code, ``haproxy-missing-file``, placed
on the line that names the file, and adds the missing files HAProxy did not
get to.

>>> import haproxy_model as hm
>>> cfg = hm.parse("frontend fe\\n    bind :443 ssl crt /etc/ssl/site.pem\\n")
>>> [(r.line, r.column, r.option, r.path) for r in references(cfg, cwd="/")]
[(2, 23, 'crt', '/etc/ssl/site.pem')]

Relative paths resolve as HAProxy resolves them: ``crt``/``crt-list`` from
``crt-base``, ``ca-file``/``crl-file``/``ca-verify-file`` from ``ca-base``,
then from ``default-path`` (``current``, ``config``, ``parent``, ``origin
<path>``) or the folder HAProxy runs in.  ``$VAR``/``${VAR}`` are put in from
the environment of the check; a path naming a variable that is not set is
left to HAProxy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence

import attrs

from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.io.haproxy.environment import expand
from haproxy_model.io.haproxy.places import Index
from haproxy_model.model.config import Config
from haproxy_model.syntax.nodes import Directive

#: The code of a diagnostic about a file the configuration names that does not exist.
MISSING_FILE = "haproxy-missing-file"

# keyword -> index of the word that is a file (in the global section)
_GLOBAL_FILES = {
    "lua-load": 1,
    "lua-load-per-thread": 1,
    "ssl-dh-param-file": 1,
    "h1-case-adjust-file": 1,
    "51degrees-data-file": 1,
    "wurfl-data-file": 1,
    "deviceatlas-json-file": 1,
}
# option -> the base folder keyword it is relative to (on bind and server lines)
_SSL_OPTIONS = {
    "crt": "crt-base",
    "crt-list": "crt-base",
    "ca-file": "ca-base",
    "crl-file": "ca-base",
    "ca-verify-file": "ca-base",
}
# the first option word of each line kind that takes _SSL_OPTIONS
_OPTIONS_FROM = {"bind": 2, "server": 3, "default-server": 1, "server-template": 4}
_RULES = ("http-request", "http-response", "http-after-response")
_RESPONSE_ACTIONS = ("return", "deny", "tarpit")
_RESPONSE_FILES = ("errorfile", "file", "lf-file")
# map(<file>), map_str(<file>), map_beg_int(<file>)...: not set-map(...) or del-map(...)
_MAP_RE = re.compile(r"(?<![\w.-])map(?:_\w+)?\((?P<file>[^,)]+)")
_NO_SUCH_FILE = "No such file or directory"


@attrs.frozen
class Reference:
    """A file named by a line of a configuration.

    ``option`` is what names it (``crt``, ``ca-file``, ``acl -f``, ``map()``,
    ``errorfile``, ``lua-load``...), ``written`` the path as written (variables
    put in), ``path`` where HAProxy looks for it.
    """

    filename: str
    line: int
    column: int
    section: str | None
    option: str
    written: str
    path: str

    @property
    def exists(self) -> bool:
        return os.path.exists(self.path)


def references(
    cfg: Config,
    *,
    cwd: str,
    env: Mapping[str, str] | None = None,
    folder: str | None = None,
) -> list[Reference]:
    """Every file ``cfg`` names, in line order.

    ``cwd`` is where HAProxy runs, ``env`` its environment (default: this
    process's), ``folder`` the folder of the configuration file (for
    ``default-path config``; default: ``cwd``).
    """
    environment = os.environ if env is None else env
    index = Index(cfg)
    root, bases = cwd, {"crt-base": "", "ca-base": ""}
    found: list[Reference] = []
    for number, node in enumerate(index.lines, 1):
        if not isinstance(node, Directive):
            continue
        values = node.values
        raws = node.parts().words
        keyword = values[0] if values else ""
        section = index.section_of.get(id(node))
        in_global = section is not None and section.keyword == "global"
        if in_global and keyword == "default-path":
            root = _default_path(values, cwd, folder or cwd)
            continue
        if in_global and keyword in bases and len(values) > 1:
            bases[keyword] = _expanded(values[1], raws[1], environment) or ""
            continue
        for word, option, base in _files_named(keyword, values, in_global):
            written = _expanded(values[word], raws[word], environment)
            if written is None or not written or written.startswith("@"):
                continue  # unset variable, or @system-ca
            path = _resolve(written, bases.get(base, ""), root)
            column = index.column(number, word)
            found.append(
                Reference(
                    cfg.filename, number, column, index.section(number), option, written, path
                )
            )
        for word, value in enumerate(values[1:], 1):
            for m in _MAP_RE.finditer(value):
                written = _expanded(m["file"], raws[word], environment)
                if written:
                    path = _resolve(written, "", root)
                    column = index.column(number, word) + _offset(raws[word], m.start("file"))
                    found.append(
                        Reference(
                            cfg.filename, number, column, index.section(number), "map()",
                            written, path,
                        )
                    )  # fmt: skip
    return found


def _files_named(
    keyword: str, values: list[str], in_global: bool
) -> Iterator[tuple[int, str, str]]:
    """``(word index, option, base keyword)`` of each word of a line that names a file."""
    if in_global and keyword in _GLOBAL_FILES and len(values) > _GLOBAL_FILES[keyword]:
        yield _GLOBAL_FILES[keyword], keyword, ""
    if keyword == "errorfile" and len(values) > 2:
        yield 2, keyword, ""
    if keyword in _OPTIONS_FROM:
        for i in range(_OPTIONS_FROM[keyword], len(values) - 1):
            if values[i] in _SSL_OPTIONS:
                yield i + 1, values[i], _SSL_OPTIONS[values[i]]
    if keyword == "acl":
        yield from _pattern_files(values, 3, len(values))
    opened = None
    for i, value in enumerate(values):
        if value == "{":
            opened = i + 1
        elif value == "}" and opened is not None:
            yield from _pattern_files(values, opened, i)
            opened = None
    action = values[1] if len(values) > 1 else ""
    if (keyword in _RULES and action in _RESPONSE_ACTIONS) or keyword == "http-error":
        for i in range(2, len(values) - 1):
            if values[i] in _RESPONSE_FILES:
                yield i + 1, f"{keyword} {values[i]}", ""
    if keyword == "filter" and action == "spoe":
        for i in range(2, len(values) - 1):
            if values[i] == "config":
                yield i + 1, "filter spoe config", ""


def _pattern_files(values: list[str], start: int, end: int) -> Iterator[tuple[int, str, str]]:
    """The ``-f <file>`` words of an ACL (flags end at ``--``)."""
    for i in range(start, min(end, len(values)) - 1):
        if values[i] == "--":
            return
        if values[i] == "-f":
            yield i + 1, "acl -f", ""


def _expanded(value: str, raw: str, env: Mapping[str, str]) -> str | None:
    """The value with its variables put in (none in 'single quotes'); None if one is unset."""
    if "$" not in value or "'" in raw:
        return value
    return expand(value, env)


def _resolve(path: str, base: str, root: str) -> str:
    if not os.path.isabs(path) and base:
        path = os.path.join(base, path)
    return os.path.abspath(os.path.join(root, path))


def _default_path(values: list[str], cwd: str, folder: str) -> str:
    """The folder relative paths resolve from after ``default-path <mode> [<path>]``."""
    mode = values[1] if len(values) > 1 else "current"
    if mode == "config":
        return folder
    if mode == "parent":
        return os.path.dirname(folder)
    if mode == "origin" and len(values) > 2:
        return os.path.join(cwd, values[2])
    return cwd


def _offset(raw: str, index: int) -> int:
    """Where character ``index`` of a word's value stands in its raw text (bare words: same)."""
    return index if '"' not in raw and "\\" not in raw else 0


def report_missing(
    diagnostics: Sequence[Diagnostic], refs: Sequence[Reference], *, failed: bool
) -> list[Diagnostic]:
    """HAProxy's ``diagnostics`` with each one about a missing file coded ``haproxy-missing-file``.

    A message is about a missing file when it quotes a missing reference's path
    (it is then placed on that reference's line, once: a second message on the
    same file is left out) or says "No such file or directory".  When HAProxy
    ``failed``, each missing reference it did not mention is added, on its own
    line; when HAProxy accepted the configuration, none is (it did not need
    them).
    """
    missing = [r for r in refs if not r.exists]
    told: set[Reference] = set()
    out: list[Diagnostic] = []
    for d in diagnostics:
        ref = _about(d, missing) if d.severity == "error" else None
        if ref is None:
            if d.severity == "error" and _NO_SUCH_FILE in d.message:
                d = attrs.evolve(d, code=MISSING_FILE)
            out.append(d)
            continue
        if ref in told:
            continue
        told.add(ref)
        out.append(
            attrs.evolve(
                d,
                code=MISSING_FILE,
                filename=ref.filename,
                line=ref.line,
                column=ref.column,
                section=ref.section,
            )
        )
    if failed:
        out.extend(_missing(r) for r in missing if r not in told)
    return out


def _about(d: Diagnostic, missing: Sequence[Reference]) -> Reference | None:
    """The missing reference a message is about: on its line first, else anywhere."""
    quoted = [r for r in missing if r.written in d.message or r.path in d.message]
    same_line = [r for r in quoted if (r.filename, r.line) == (d.filename, d.line)]
    if same_line:
        return same_line[0]
    if d.line == 0 and quoted:
        return quoted[0]
    return None


def _missing(ref: Reference) -> Diagnostic:
    where = "" if ref.path == ref.written else f" ({ref.path})"
    return Diagnostic(
        MISSING_FILE,
        "error",
        f"'{ref.written}'{where}, named by '{ref.option}', does not exist",
        ref.filename,
        ref.line,
        ref.column,
        ref.section,
    )


__all__ = ["MISSING_FILE", "Reference", "references", "report_missing"]
