"""``haproxy-model get`` / ``set`` / ``unset``: read and edit through a PATH."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from haproxy_model.base.errors import ParseError
from haproxy_model.cli._common import (
    OK,
    PROBLEMS,
    STDIN,
    USAGE,
    CliError,
    Style,
    display_name,
    err,
    load,
    load_files,
    note,
    out,
    unified_diff,
    write,
    write_files,
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
blocks count.  A line PATH must match exactly one line for set and unset.

FILE may be a directory, read as `haproxy -f DIR` reads it (its *.cfg files
in name order), and `-f FILE` (repeatable, instead of FILE) names the files
of one configuration in HAProxy's order: `get -f a.cfg -f b.cfg PATH`.  The
files are one configuration; an edit is written to the file holding the line
it changes, and only that file (a new line goes with its section, a new
section to the file of the last section of its kind)."""

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
    _file_arguments(p, "configuration file or directory ('-': stdin)")
    p.add_argument("path", metavar="PATH", nargs="?")
    p.add_argument("key", metavar="KEY", nargs="?", help="an option (line) or keyword (section)")
    p.usage = "%(prog)s [-h] [-f FILE] [FILE] PATH [KEY]"
    p.set_defaults(run=run_get)

    p = sub.add_parser(
        "set",
        help="set an option or a directive in place",
        description=SET_DESCRIPTION,
        formatter_class=raw,
    )
    _file_arguments(p, "configuration file or directory ('-': stdin to stdout)")
    p.add_argument("path", metavar="PATH", nargs="?")
    p.add_argument("key", metavar="KEY", nargs="?")
    p.add_argument("values", metavar="VALUE", nargs="*")
    _write_options(p)
    p.usage = "%(prog)s [-h] [-f FILE] [--dry-run] [--backup] [FILE] PATH KEY [VALUE ...]"
    p.set_defaults(run=run_set)

    p = sub.add_parser(
        "unset",
        help="remove an option, a directive, a line or a section",
        description=UNSET_DESCRIPTION,
        formatter_class=raw,
    )
    _file_arguments(p, "configuration file or directory ('-': stdin to stdout)")
    p.add_argument("path", metavar="PATH", nargs="?")
    p.add_argument("key", metavar="KEY", nargs="?")
    _write_options(p)
    p.usage = "%(prog)s [-h] [-f FILE] [--dry-run] [--backup] [FILE] PATH [KEY]"
    p.set_defaults(run=run_unset)


def _file_arguments(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("file", metavar="FILE", nargs="?", help=help_text)
    p.add_argument(
        "-f",
        dest="files",
        action="append",
        metavar="FILE",
        help="a file or directory of the configuration, in HAProxy's -f order (repeatable; "
        "instead of FILE)",
    )


def _shift(args: argparse.Namespace) -> None:
    """With ``-f``, the words are PATH KEY VALUE...: argparse took the first for FILE."""
    if args.files is not None and args.file is not None:
        words = [args.file, args.path, args.key, *getattr(args, "values", [])]
        words = [w for w in words if w is not None]
        args.file, args.path = None, words[0]
        args.key = words[1] if len(words) > 1 else None
        if hasattr(args, "values"):
            args.values = words[2:]
        elif len(words) > 2:
            raise CliError(f"unexpected argument {words[2]!r}")
    needed = "PATH KEY" if args.command == "set" else "PATH"
    if (
        (args.files is None and args.file is None)
        or args.path is None
        or (args.command == "set" and args.key is None)
    ):
        raise CliError(f"{args.command} needs FILE {needed} (or -f FILE ... {needed})")


def _load(args: argparse.Namespace) -> tuple[Config, dict[str, str]]:
    """The configuration the command names, and each file's text as read."""
    _shift(args)
    if args.files is None and (args.file == STDIN or not os.path.isdir(args.file)):
        cfg, text = load(args.file)
        return cfg, {cfg.filename: text}
    cfg = load_files(args.files or [args.file])
    return cfg, cfg.files()


def _write_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dry-run", "-n", action="store_true", help="print the diff, write nothing")
    p.add_argument("--backup", action="store_true", help="keep the previous FILE as FILE.bak")


def _fail(exc: Exception) -> CliError:
    if isinstance(exc, PathError):
        return CliError(str(exc), USAGE if exc.usage else PROBLEMS)
    return CliError(str(exc), USAGE)


def run_get(args: argparse.Namespace) -> int:
    cfg, _ = _load(args)
    try:
        out(get_text(cfg, args.path, args.key))
    except (PathError, EditError) as exc:
        raise _fail(exc) from None
    return OK


def run_set(args: argparse.Namespace) -> int:
    cfg, texts = _load(args)
    try:
        notes = set_value(cfg, args.path, args.key, args.values)
    except (PathError, EditError) as exc:
        raise _fail(exc) from None
    except (ValueError, TypeError) as exc:
        raise CliError(str(exc)) from None
    for message in notes:
        note(message)
    return _finish(args, cfg, texts)


def run_unset(args: argparse.Namespace) -> int:
    cfg, texts = _load(args)
    try:
        unset_value(cfg, args.path, args.key)
    except (PathError, EditError) as exc:
        raise _fail(exc) from None
    return _finish(args, cfg, texts)


def _finish(args: argparse.Namespace, cfg: Config, texts: dict[str, str]) -> int:
    if cfg.origins is None:
        return _finish_one(args, cfg, texts[cfg.filename])
    new = cfg.files()
    changed = [name for name in new if new[name] != texts[name]]
    if not changed:
        err("nothing to change\n")
        return OK
    for name in changed:
        try:
            parse(new[name], filename=name)
        except ParseError as exc:  # pragma: no cover - a bug guard
            raise CliError(f"the edit would not parse ({exc}); nothing written") from None
    if args.dry_run:
        style = Style(sys.stdout)
        out("".join(unified_diff(texts[n], new[n], n, n, style) for n in changed))
        return OK
    write_files(cfg, backup=args.backup)
    return OK


def _finish_one(args: argparse.Namespace, cfg: Config, text: str) -> int:
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
