"""``haproxy-model to-json`` / ``from-json``: the configuration as plain data."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from haproxy_model.base.errors import ParseError
from haproxy_model.cli._common import (
    OK,
    USAGE,
    CliError,
    Failed,
    Style,
    display_name,
    emit,
    load,
    located,
    out,
    read,
    source_lines,
)
from haproxy_model.io.convert import from_dict, to_dict
from haproxy_model.syntax.render import dumps

SCHEMA = "(schema: see `python -c 'import haproxy_model.io.convert as c; help(c)'`)"


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "to-json",
        help="print a configuration as JSON (haproxy_model.to_dict)",
        description=f"Print FILE as JSON: sections, directives' words, `.if` blocks; "
        f"formatting and comments are dropped {SCHEMA}.",
    )
    p.add_argument("file", metavar="FILE", help="configuration file ('-': stdin)")
    p.add_argument("--indent", type=int, default=2, help="JSON indentation (default 2)")
    p.set_defaults(run=run_to_json)

    p = sub.add_parser(
        "from-json",
        help="print the configuration text of a JSON document (haproxy_model.from_dict)",
        description=f"Print the configuration text that to-json's JSON stands for, "
        f"conventionally formatted {SCHEMA}.",
    )
    p.add_argument("file", metavar="FILE", help="JSON file ('-': stdin)")
    p.set_defaults(run=run_from_json)


def run_to_json(args: argparse.Namespace) -> int:
    cfg, _ = load(args.file)
    indent = args.indent if args.indent > 0 else None
    out(json.dumps(to_dict(cfg), indent=indent) + "\n")
    return OK


def run_from_json(args: argparse.Namespace) -> int:
    text = read(args.file)
    name = display_name(args.file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = source_lines(text)
        source = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else None
        style = Style(sys.stderr)
        emit(
            sys.stderr,
            located(
                style,
                filename=name,
                line=exc.lineno,
                column=exc.colno,
                severity="error",
                message=f"invalid JSON: {exc.msg}",
                source_line=source,
            ),
        )
        raise Failed(USAGE) from None
    if not isinstance(data, dict):
        raise CliError(f"{name}: expected a JSON object, got {type(data).__name__}")
    try:
        cfg = from_dict(data)
    except ParseError as exc:
        raise CliError(f"{name}: {exc.message}") from None
    except (ValueError, TypeError) as exc:
        raise CliError(f"{name}: {exc}") from None
    out(dumps(cfg))
    return OK
