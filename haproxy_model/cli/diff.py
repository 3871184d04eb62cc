"""``haproxy-model diff``: differences by meaning (see :mod:`haproxy_model.analysis.semdiff`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import attrs

from haproxy_model.analysis.semdiff import Change, diff
from haproxy_model.cli._common import OK, PROBLEMS, Style, display_name, load, out

DESCRIPTION = """\
Compare two configurations by meaning: sections added, removed or changed,
servers added or removed, options and words changed.  Formatting (blank
lines, comments, blanks between words, quoting) does not count.  Each change
names a PATH usable with get/set/unset.

  + added   - removed   ~ changed

Exit status: 0 same meaning, 1 different, 2 usage or parse error."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "diff",
        help="compare two configurations by meaning",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("a", metavar="A", help="the old configuration")
    p.add_argument("b", metavar="B", help="the new configuration")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    a, _ = load(args.a)
    b, _ = load(args.b)
    changes = diff(a, b)
    if args.format == "json":
        out(json.dumps([attrs.asdict(c) for c in changes], indent=2) + "\n")
    elif changes:
        out(render(changes, display_name(args.a), display_name(args.b), Style(sys.stdout)))
    return PROBLEMS if changes else OK


def render(changes: list[Change], name_a: str, name_b: str, style: Style) -> str:
    """Changes grouped by section, each section's own change first."""
    colors = {"added": "green", "removed": "red", "changed": "yellow"}
    lines = [style(f"--- {name_a}", "bold"), style(f"+++ {name_b}", "bold")]
    for change in changes:
        lines.append(style(str(change), colors[change.op]))
    return "\n".join(lines) + "\n"
