"""``haproxy-model check``: our diagnostics and, with ``--haproxy``, HAProxy's own."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

import attrs

from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.base.errors import Error, InvalidValue, ParseError
from haproxy_model.cli._common import (
    OK,
    PROBLEMS,
    USAGE,
    CliError,
    Style,
    display_name,
    err,
    located,
    note,
    out,
    plural,
    read,
    source_lines,
)
from haproxy_model.keywords.build import Build
from haproxy_model.model.api import parse
from haproxy_model.model.config import Config

HELP = "check configuration files (exit 0: no error, 1: problems, 2: usage or parse error)"

DESCRIPTION = """\
Check the FILEs: each must parse, then haproxy-model's own validation runs
(keywords, where they may appear, which HAProxy version knows them...), and
with --haproxy the real `haproxy -c` too (HAPROXY_BIN, else haproxy on PATH,
else Ray's bundled one).

Several FILEs are one configuration, as `haproxy -f A -f B` reads them: a
backend in one file satisfies a use_backend in another, defaults reach the
files after theirs, and each finding is placed on its own file and line.  A
directory stands for its *.cfg files (regular files, not starting with '.')
in byte order of their names, as `haproxy -f DIR` reads it.

--haproxy checks the files together, as one configuration (haproxy -c -f A
-f B ...), offline: with -dr, so a host name that does not resolve disables
its server (a note) instead of failing the check (--resolve-hosts: fail
instead); --env KEY=VALUE and --env-file FILE (KEY=VALUE lines, # comments)
give HAProxy the variables the service would get (bind :${PORT}).  A file the
configuration names (crt, ca-file, crl-file, crt-list, map, acl -f,
errorfile, lua-load...) that does not exist is reported as a missing file
[haproxy-missing-file] on the line that names it, each one, and counted apart
from the errors.  HAProxy's messages are placed on the file and line they
are about.

Exit status: 0 when no file has an error (warnings and notes are shown but do
not fail the check, unless --strict); 1 when some file has an error (a
missing file included), or a warning under --strict; 2 on a usage error, an
unreadable file, a file that does not parse, a bad --env/--env-file or no
haproxy binary."""

Validator = Callable[..., list[Diagnostic]]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "files", nargs="*", metavar="FILE", help="configuration file or directory ('-': stdin)"
    )
    p.add_argument(
        "--version",
        dest="target_version",
        metavar="V",
        help="HAProxy version to validate for (default: the validator's, 2.8)",
    )
    p.add_argument(
        "--build",
        metavar="FILE",
        help="the output of the binary's `haproxy -vv`: keywords, fetches and converters "
        "needing a build option it lacks (+WURFL, +LUA...) are errors; its version is the "
        "default --version",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="undocumented keywords are errors, and warnings fail the check",
    )
    p.add_argument(
        "--haproxy",
        action="store_true",
        help="also run the real `haproxy -c -dr -f FILE...` on the files together",
    )
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --haproxy: a variable of HAProxy's environment (repeatable; wins over "
        "--env-file)",
    )
    p.add_argument(
        "--env-file",
        action="append",
        default=[],
        metavar="FILE",
        help="with --haproxy: variables from FILE, one KEY=VALUE a line, # comments (repeatable)",
    )
    p.add_argument(
        "--resolve-hosts",
        action="store_true",
        help="with --haproxy: a server host name that does not resolve fails the check "
        "(default: haproxy -dr disables the server, a note)",
    )
    p.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these checks: codes or names, comma-separated (HM102,rule-order); repeatable",
    )
    p.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="leave these checks out (codes or names, comma-separated); repeatable. On one "
        "line: a '# haproxy-model: ignore[HM102]' comment",
    )
    p.add_argument(
        "--list-checks", action="store_true", help="print every check with its code and exit"
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(run=run)


def _codes(values: list[str] | None) -> list[str] | None:
    """``--select``/``--ignore`` values as checked codes (a usage error names a bad one)."""
    if values is None:
        return None
    from haproxy_model.analysis.validation.registry import rule

    keys = [k.strip() for v in values for k in v.split(",") if k.strip()]
    try:
        return [rule(k).code for k in keys]
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from None


def _validator() -> Validator | None:
    """The validation entry point (``hm.validate``), or None when this installation has none."""
    try:
        from haproxy_model import validate as _v  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        try:
            from haproxy_model.analysis.validation import (  # type: ignore[import-not-found,unused-ignore]
                validate as _v,
            )
        except ImportError:
            return None
    fn = _v if callable(_v) else getattr(_v, "validate", None)
    return fn if callable(fn) else None


def _parse_diagnostic(exc: ParseError) -> Diagnostic:
    return Diagnostic(
        code="parse-error",
        severity="error",
        message=exc.message,
        filename=exc.filename,
        line=exc.line,
        column=exc.column,
        rule="HM001",
    )


def _as_json(d: Diagnostic, origin: str) -> dict[str, object]:
    return {
        "file": d.filename,
        "line": d.line,
        "column": d.column,
        "severity": d.severity,
        "code": d.code,
        "rule": d.rule,
        "message": d.message,
        "section": d.section,
        "origin": origin,
    }


@attrs.define
class _File:
    """One FILE of the command line: its text (None: unreadable), Config and findings."""

    path: str
    name: str
    text: str | None
    cfg: Config | None = None
    found: list[tuple[Diagnostic, str]] = attrs.field(factory=list)


def run(args: argparse.Namespace) -> int:
    if args.list_checks:
        from haproxy_model.analysis.validation.registry import catalogue

        out(catalogue())
        return OK
    if not args.files:
        raise CliError("check needs at least one FILE ('-': standard input)", USAGE)
    select, ignore = _codes(args.select), _codes(args.ignore)
    env = _environment(args)
    validate = _validator()
    if validate is None:
        note("haproxy-model's own validation is not available in this installation")
    status = OK
    files: list[_File] = []
    for path in _expand(args.files):
        name = display_name(path)
        try:
            item = _File(path, name, read(path))
        except CliError as exc:
            item = _File(path, name, None)
            item.found.append(
                (Diagnostic("unreadable", "error", exc.message, filename=name), "cli")
            )
            status = max(status, USAGE)
            files.append(item)
            continue
        files.append(item)
        try:
            item.cfg = parse(item.text or "", filename=name)
        except ParseError as exc:
            item.found.append((_parse_diagnostic(exc), "parse"))
            status = max(status, USAGE)
    if validate is not None and status == OK:
        kwargs: dict[str, object] = {"strict": args.strict, "select": select, "ignore": ignore}
        build = _build_profile(args.build)
        if build is not None:
            kwargs["build"] = build
        if args.target_version:
            kwargs["version"] = args.target_version
        elif build is not None and build.branch in _table_versions():
            kwargs["version"] = build.branch
        _validate(files, validate, kwargs)
    if args.haproxy:
        _haproxy(files, env, ignore_dns=not args.resolve_hosts)
    return max(status, _report(args, files))


def _build_profile(path: str | None) -> Build | None:
    """The build profile of ``--build FILE`` (a usage error for anything but
    ``haproxy -vv`` output)."""
    if path is None:
        return None
    text = read(path)
    try:
        return Build.from_vv(text)
    except InvalidValue as exc:
        raise CliError(f"--build {display_name(path)}: {exc}", USAGE) from None


def _table_versions() -> tuple[str, ...]:
    from haproxy_model.keywords import load_table

    return load_table().versions


def _expand(paths: list[str]) -> list[str]:
    """The files HAProxy reads for ``-f PATH...``: a directory stands for its ``*.cfg`` files."""
    from haproxy_model.model.many import RULE, expand

    try:
        found, empty = expand(paths)
    except Error as exc:
        raise CliError(str(exc), USAGE) from None
    for path in empty:
        note(f"{path}: no configuration file in this directory ({RULE})")
    return found


def _validate(files: list[_File], validate: Validator, kwargs: dict[str, object]) -> None:
    """Validate the files as one configuration, each finding to the file it is in."""
    from haproxy_model.model.api import join

    parts = [item.cfg for item in files if item.cfg is not None]
    cfg = parts[0] if len(parts) == 1 else join(parts)
    try:
        found = validate(cfg, **kwargs)
    except ValueError as exc:  # an unknown version, say
        raise CliError(f"validation: {exc}") from None
    by_name = {item.name: item for item in files}
    for d in found:
        by_name.get(d.filename, files[0]).found.append((d, "haproxy-model"))


def _report(args: argparse.Namespace, files: list[_File]) -> int:
    """Show every file's findings and the summary; the status they give."""
    missing_file = _missing_file_code() if args.haproxy else None
    style = Style(sys.stdout)
    status = OK
    report: list[dict[str, object]] = []
    counts = {"error": 0, "warning": 0, "info": 0, "missing": 0}
    files_with_problems = 0
    for item in files:
        found = sorted(item.found, key=lambda pair: (pair[0].line, pair[0].column))
        failing = 0
        for d, _ in found:
            counts["missing" if d.code == missing_file else d.severity] += 1
            if d.severity == "error" or (args.strict and d.severity == "warning"):
                failing += 1
        if failing:
            status = max(status, PROBLEMS)
        if found:
            files_with_problems += 1
        if args.format == "json":
            report += [_as_json(d, origin) for d, origin in found]
            continue
        lines = source_lines(item.text or "")
        for d, origin in found:
            ours = item.text is not None and d.filename == item.name and 0 < d.line <= len(lines)
            out(
                located(
                    style,
                    filename=d.filename,
                    line=d.line,
                    column=d.column,
                    severity=d.severity,
                    message=d.message,
                    source_line=lines[d.line - 1] if ours else None,
                    code=None if origin == "cli" else f"{d.rule} {d.code}" if d.rule else d.code,
                )
            )
    if args.format == "json":
        out(json.dumps(report, indent=2) + "\n")
        return status
    total = len(files)
    if any(counts.values()):
        parts = [plural(counts["error"], "error"), plural(counts["warning"], "warning")]
        if counts["missing"]:
            parts.append(plural(counts["missing"], "missing file"))
        if counts["info"]:
            parts.append(plural(counts["info"], "note"))
        err(f"{', '.join(parts)} in {files_with_problems} of {plural(total, 'file')}\n")
    else:
        err(f"no problems in {plural(total, 'file')}\n")
    return status


def _missing_file_code() -> str:
    """The code of HAProxy's missing-file findings (only ``--haproxy`` loads that package)."""
    from haproxy_model.io.haproxy import MISSING_FILE

    return MISSING_FILE


def _environment(args: argparse.Namespace) -> dict[str, str]:
    """The variables --env-file and --env give HAProxy (a usage error names a bad one)."""
    if not args.haproxy:
        given = [flag for flag, used in (("--env", args.env), ("--env-file", args.env_file),
                 ("--resolve-hosts", args.resolve_hosts)) if used]  # fmt: skip
        if given:
            verb = "needs" if len(given) == 1 else "need"
            raise CliError(f"{' and '.join(given)} {verb} --haproxy", USAGE)
        return {}
    from haproxy_model.io.haproxy import merge_env

    try:
        return merge_env(args.env_file, args.env)
    except (OSError, ValueError) as exc:
        raise CliError(_one_line(str(exc)), USAGE) from None


def _haproxy(files: list[_File], env: dict[str, str], *, ignore_dns: bool) -> None:
    """``haproxy -c -f A -f B ...`` on the readable files; each finding to the file it is about."""
    from haproxy_model.io import haproxy

    readable = [item for item in files if item.text is not None]
    if not readable:
        return
    targets: list[Config | str] = []
    for item in readable:
        if item.path != "-":
            targets.append(item.path)
        elif item.cfg is not None:
            targets.append(item.cfg)
        else:
            raise CliError("--haproxy: cannot check standard input that does not parse")
    try:
        found = haproxy.check(targets, env=env, ignore_dns=ignore_dns)
    except (OSError, ValueError, Error) as exc:  # no binary, a timeout, an unreadable file
        raise CliError(f"--haproxy: {_one_line(str(exc))}") from None
    by_name = {item.name: item for item in readable}
    for d in found:
        by_name.get(d.filename, readable[0]).found.append((d, "haproxy"))


def _one_line(text: str) -> str:
    """A message of several lines (``...; tried:`` and ``  - a`` lines) as one line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return text
    first, *rest = lines
    items = [line.removeprefix("- ") for line in rest]
    return f"{first} {'; '.join(items)}" if items else first
