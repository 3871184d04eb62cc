"""``haproxy-model check``: our diagnostics and, with ``--haproxy``, HAProxy's own."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.base.errors import ParseError
from haproxy_model.cli._common import (
    OK,
    PROBLEMS,
    USAGE,
    CliError,
    Style,
    display_name,
    emit,
    err,
    located,
    note,
    out,
    plural,
    read,
    source_lines,
)
from haproxy_model.model.api import parse
from haproxy_model.model.config import Config

HELP = "check configuration files (exit 0: no error, 1: problems, 2: usage or parse error)"

DESCRIPTION = """\
Check each FILE: it must parse, then haproxy-model's own validation runs
(keywords, where they may appear, which HAProxy version knows them...), and
with --haproxy the real `haproxy -c` too (HAPROXY_BIN, else haproxy on PATH).

Exit status: 0 when no file has an error (warnings and notes are shown but do
not fail the check, unless --strict); 1 when some file has an error, or a
warning under --strict; 2 on a usage error, an unreadable file or a file that
does not parse."""

Validator = Callable[..., list[Diagnostic]]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="configuration file ('-': stdin)")
    p.add_argument(
        "--version",
        dest="target_version",
        metavar="V",
        help="HAProxy version to validate for (default: the validator's, 2.8)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="undocumented keywords are errors, and warnings fail the check",
    )
    p.add_argument(
        "--haproxy", action="store_true", help="also run the real `haproxy -c` on each file"
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


def run(args: argparse.Namespace) -> int:
    if args.list_checks:
        from haproxy_model.analysis.validation.registry import catalogue

        out(catalogue())
        return OK
    if not args.files:
        raise CliError("check needs at least one FILE ('-': standard input)", USAGE)
    select, ignore = _codes(args.select), _codes(args.ignore)
    validate = _validator()
    if validate is None:
        note("haproxy-model's own validation is not available in this installation")
    style = Style(sys.stdout)
    status = OK
    report: list[dict[str, object]] = []
    counts = {"error": 0, "warning": 0, "info": 0}
    files_with_problems = 0
    for path in args.files:
        name = display_name(path)
        try:
            text = read(path)
        except CliError as exc:
            if args.format == "json":
                report.append(
                    _as_json(Diagnostic("unreadable", "error", exc.message, filename=name), "cli")
                )
            else:
                emit(
                    sys.stdout,
                    located(
                        style,
                        filename=name,
                        line=0,
                        column=0,
                        severity="error",
                        message=exc.message,
                    ),
                )
            counts["error"] += 1
            files_with_problems += 1
            status = max(status, USAGE)
            continue
        found: list[tuple[Diagnostic, str]] = []
        cfg: Config | None
        try:
            cfg = parse(text, filename=name)
        except ParseError as exc:
            cfg = None
            found.append((_parse_diagnostic(exc), "parse"))
            status = max(status, USAGE)
        if cfg is not None and validate is not None:
            kwargs: dict[str, object] = {"strict": args.strict, "select": select,
                                         "ignore": ignore}  # fmt: skip
            if args.target_version:
                kwargs["version"] = args.target_version
            try:
                found += [(d, "haproxy-model") for d in validate(cfg, **kwargs)]
            except ValueError as exc:  # an unknown version, say
                raise CliError(f"validation: {exc}") from None
        if args.haproxy:
            found += [(d, "haproxy") for d in _haproxy(path, cfg, text)]
        found.sort(key=lambda item: (item[0].line, item[0].column))
        failing = 0
        for d, _ in found:
            counts[d.severity] = counts.get(d.severity, 0) + 1
            if d.severity == "error" or (args.strict and d.severity == "warning"):
                failing += 1
        if failing:
            status = max(status, PROBLEMS)
        if found:
            files_with_problems += 1
        if args.format == "json":
            report += [_as_json(d, origin) for d, origin in found]
            continue
        lines = source_lines(text)
        for d, _ in found:
            ours = d.filename == name and 0 < d.line <= len(lines)
            source = lines[d.line - 1] if ours else None
            out(
                located(
                    style,
                    filename=d.filename,
                    line=d.line,
                    column=d.column,
                    severity=d.severity,
                    message=d.message,
                    source_line=source,
                    code=f"{d.rule} {d.code}" if d.rule else d.code,
                )
            )
    if args.format == "json":
        out(json.dumps(report, indent=2) + "\n")
        return status
    total = len(args.files)
    if any(counts.values()):
        parts = [plural(counts["error"], "error"), plural(counts["warning"], "warning")]
        if counts.get("info"):
            parts.append(plural(counts["info"], "note"))
        err(f"{', '.join(parts)} in {files_with_problems} of {plural(total, 'file')}\n")
    else:
        err(f"no problems in {plural(total, 'file')}\n")
    return status


def _haproxy(path: str, cfg: Config | None, text: str) -> list[Diagnostic]:
    from haproxy_model.io import haproxy

    try:
        if path == "-":
            target: Config | str = cfg if cfg is not None else parse(text, filename="<stdin>")
        else:
            target = path
        return haproxy.check(target)
    except FileNotFoundError as exc:
        raise CliError(f"--haproxy: {exc}") from None
    except TimeoutError as exc:
        raise CliError(f"--haproxy: {exc}") from None
    except ParseError:
        raise CliError("--haproxy: cannot check standard input that does not parse") from None
