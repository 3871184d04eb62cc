"""``haproxy-model get`` / ``set`` / ``unset``: read and edit through a PATH."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from haproxy_model.base.errors import ParseError
from haproxy_model.cli._common import (
    OK,
    PROBLEMS,
    USAGE,
    CliError,
    Style,
    display_name,
    err,
    load,
    note,
    out,
    unified_diff,
    write,
)
from haproxy_model.model.api import parse
from haproxy_model.model.config import Config
from haproxy_model.model.paths import EditError, PathError, get_text, set_value, unset_value
from haproxy_model.syntax.render import dumps

PATH_HELP = """\
PATH names a section or a line of it:
  global                       the global section
  defaults                     the first defaults section; 'defaults base': the one named base
  'backend app'                a section by kind and name (a kind alone: its only section)
  'backend app/server s1'      the line of that section whose words start with 'server s1'
  'frontend web/bind :443'     the bind line whose address is :443
  'frontend web/bind[1]'       the second of several matching lines (0-based)
Words are compared by value (quoting does not matter); lines inside `.if`
blocks count.  A line PATH must match exactly one line for set and unset."""

GET_DESCRIPTION = f"""\
Print a section (as written, comments above it included) or the lines a PATH
matches.  With KEY: on a section, the lines starting with KEY; on a
server/bind line, the value of option KEY (its name for a flag).

{PATH_HELP}

Exit status: 0 found, 1 PATH or KEY matches nothing (or several lines where
one is needed), 2 usage or parse error."""

SET_DESCRIPTION = f"""\
Set KEY to VALUE in FILE, editing only the lines concerned.

On a section, KEY is the leading words of a directive: 'balance', 'maxconn',
'timeout queue', 'option httplog', 'stats uri'.  The typed model does the edit
where it has an attribute (balance, mode, maxconn, timeouts, options...);
otherwise the one line of the section starting with KEY gets the words
'KEY VALUE...', or a new line is added after the last one like it.  Without
VALUE the line is just KEY (a flag such as 'daemon' or 'option httplog').

On a server, default-server, server-template or bind line, KEY is an option:
'set FILE "backend app/server s1" maxconn 32' changes it in place or appends
it; without VALUE it is a flag ('check').

VALUE is HAProxy text: several words, quoted as in the file, are allowed
('set-header X-A "a b"'); words are written as given.

{PATH_HELP}

Exit status: 0 done (or nothing to change), 1 PATH or KEY matches nothing or
several lines, 2 usage or parse error or a bad VALUE."""

UNSET_DESCRIPTION = f"""\
Remove KEY: on a section, every top-level line starting with KEY ('timeout
queue', 'option httplog', 'server s1'); on a server/bind line, option KEY.
Without KEY, remove the line or the whole section PATH names (with the
comment lines right above it).

{PATH_HELP}

Exit status: 0 removed, 1 PATH or KEY matches nothing, 2 usage or parse error."""


def add_parsers(sub: Any) -> None:
    raw = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "get",
        help="print a section, a line or an option",
        description=GET_DESCRIPTION,
        formatter_class=raw,
    )
    p.add_argument("file", metavar="FILE", help="configuration file ('-': stdin)")
    p.add_argument("path", metavar="PATH")
    p.add_argument("key", metavar="KEY", nargs="?", help="an option (line) or keyword (section)")
    p.set_defaults(run=run_get)

    p = sub.add_parser(
        "set",
        help="set an option or a directive in place",
        description=SET_DESCRIPTION,
        formatter_class=raw,
    )
    p.add_argument("file", metavar="FILE", help="configuration file ('-': stdin to stdout)")
    p.add_argument("path", metavar="PATH")
    p.add_argument("key", metavar="KEY")
    p.add_argument("values", metavar="VALUE", nargs="*")
    _write_options(p)
    p.set_defaults(run=run_set)

    p = sub.add_parser(
        "unset",
        help="remove an option, a directive, a line or a section",
        description=UNSET_DESCRIPTION,
        formatter_class=raw,
    )
    p.add_argument("file", metavar="FILE", help="configuration file ('-': stdin to stdout)")
    p.add_argument("path", metavar="PATH")
    p.add_argument("key", metavar="KEY", nargs="?")
    _write_options(p)
    p.set_defaults(run=run_unset)


def _write_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dry-run", "-n", action="store_true", help="print the diff, write nothing")
    p.add_argument("--backup", action="store_true", help="keep the previous FILE as FILE.bak")


def _fail(exc: Exception) -> CliError:
    if isinstance(exc, PathError):
        return CliError(str(exc), USAGE if exc.usage else PROBLEMS)
    return CliError(str(exc), USAGE)


def run_get(args: argparse.Namespace) -> int:
    cfg, _ = load(args.file)
    try:
        out(get_text(cfg, args.path, args.key))
    except (PathError, EditError) as exc:
        raise _fail(exc) from None
    return OK


def run_set(args: argparse.Namespace) -> int:
    cfg, text = load(args.file)
    try:
        notes = set_value(cfg, args.path, args.key, args.values)
    except (PathError, EditError) as exc:
        raise _fail(exc) from None
    except (ValueError, TypeError) as exc:
        raise CliError(str(exc)) from None
    for message in notes:
        note(message)
    return _finish(args, cfg, text)


def run_unset(args: argparse.Namespace) -> int:
    cfg, text = load(args.file)
    try:
        unset_value(cfg, args.path, args.key)
    except (PathError, EditError) as exc:
        raise _fail(exc) from None
    return _finish(args, cfg, text)


def _finish(args: argparse.Namespace, cfg: Config, text: str) -> int:
    new = dumps(cfg)
    name = display_name(args.file)
    if args.file == "-" and not args.dry_run:
        out(new)  # a filter: stdin to stdout
        return OK
    if new == text:
        err("nothing to change\n")
        return OK
    try:
        parse(new, filename=cfg.filename)
    except ParseError as exc:  # pragma: no cover - a bug guard
        raise CliError(f"the edit would not parse ({exc.message}); nothing written") from None
    if args.dry_run:
        out(unified_diff(text, new, name, name, Style(sys.stdout)))
        return OK
    write(args.file, cfg, backup=args.backup)
    return OK
