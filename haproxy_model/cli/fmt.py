"""``haproxy-model fmt``: the conventional layout (see :mod:`haproxy_model.io.fmt`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from haproxy_model.base.errors import ParseError
from haproxy_model.cli._common import (
    OK,
    PROBLEMS,
    CliError,
    Failed,
    Style,
    display_name,
    err,
    load,
    out,
    unified_diff,
    write,
)
from haproxy_model.io.fmt import format_config
from haproxy_model.model.api import parse
from haproxy_model.model.config import Config

HELP = "lay a configuration out conventionally (indentation, spacing, blank lines)"

DESCRIPTION = """\
Print FILE in the conventional layout: section headers (and `.if` lines
between sections) at column 0, section lines indented by 4 spaces and 4 more
per `.if` level, one space between words and before a trailing comment,
comments indented like the line below them, runs of blank lines collapsed to
one, exactly one blank line between sections.  Words keep their quoting,
comments and order are kept, and so is the meaning.  Line endings are kept
(CRLF stays CRLF).

  --check      print the unified diff and exit 1 when FILE is not formatted
  --in-place   rewrite FILE (atomically) when it is not formatted

Exit status: 0 formatted (or printed), 1 --check found changes, 2 usage or
parse error."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "fmt",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="configuration file ('-': stdin)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="exit 1 and print the diff if FILE would change"
    )
    mode.add_argument("--in-place", "-i", action="store_true", help="rewrite FILE")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if len(args.files) > 1 and not (args.check or args.in_place):
        raise CliError("fmt prints one FILE; give --check or --in-place for several")
    status = OK
    for path in args.files:
        try:
            cfg, text = load(path)
        except Failed as exc:
            status = max(status, exc.status)
            continue
        formatted = format_config(cfg)
        if not _same_meaning(formatted, cfg):  # pragma: no cover - a bug guard
            raise CliError(
                f"{display_name(path)}: formatting would change the meaning "
                "(a bug of haproxy-model: the file is left as it is)"
            )
        if args.check:
            if formatted != text:
                name = display_name(path)
                out(unified_diff(text, formatted, name, name + " (formatted)", Style(sys.stdout)))
                status = max(status, PROBLEMS)
        elif args.in_place:
            if formatted != text:
                write(path, parse(formatted, filename=cfg.filename))
                err(f"formatted {display_name(path)}\n")
        else:
            out(formatted)
    return status


def _same_meaning(formatted: str, cfg: Config) -> bool:
    """Whether the formatted text parses to what ``cfg`` means (never raises)."""
    try:
        return parse(formatted, filename=cfg.filename) == cfg
    except ParseError:
        return False
