"""``haproxy-model graph``: the routing picture (see :mod:`haproxy_model.analysis.graph`)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from haproxy_model.analysis.graph import FORMATS, graph, render
from haproxy_model.base.errors import Error
from haproxy_model.cli._common import OK, USAGE, CliError, load, load_files, note, out

HELP = "draw the routing: frontends, use_backend conditions, backends, servers"

DESCRIPTION = """\
Draw how requests are routed: each frontend (and listen section) with its
binds, the condition of each use_backend line (the ACLs it names, with their
criteria and patterns, shortened), the backends with their balance and
effective maxconn (the sum of their active servers' maxconn), and the servers
with their address, maxconn and check (default-server lines applied).
default_backend edges are dotted; backends no route reaches and ACLs no
condition uses are dashed red.  A use_backend %[...] draws a node naming the
expression, and, when it ends in a map lookup whose file can be read, dotted
edges to the backends the map names.  Several FILEs (or a directory's *.cfg
files) are read in order as one configuration, as `haproxy -f A -f B`.

  --format mermaid   a Mermaid flowchart (GitHub renders a ```mermaid block)
  --format dot       Graphviz's dot language
  --format svg       SVG, drawn by Graphviz's `dot` program (must be installed)
  --format json      the graph as data (shape: haproxy_model.analysis.graph)

Exit status: 0 drawn, 2 usage error, unknown frontend, unreadable or
unparsable file, or no `dot` program for --format svg."""


#: Mermaid's default ``maxTextSize``: a longer diagram is not drawn
MERMAID_MAX = 50_000


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "graph",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="configuration file or directory ('-': stdin)"
    )
    p.add_argument(
        "--format",
        default="mermaid",
        metavar="|".join(FORMATS),
        help="output format (default: mermaid)",
    )
    p.add_argument("--frontend", metavar="NAME", help="only this frontend or listen section")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.format not in FORMATS:
        raise CliError(f"unknown format {args.format!r}; use one of: {', '.join(FORMATS)}", USAGE)
    if len(args.files) == 1 and not os.path.isdir(args.files[0]):
        cfg = load(args.files[0])[0]
    else:
        cfg = load_files(args.files)
    try:
        text = render(graph(cfg, args.frontend), args.format)
    except Error as exc:
        raise CliError(str(exc), USAGE) from None
    out(text)
    if args.format == "mermaid" and len(text) > MERMAID_MAX:
        note(
            f"the Mermaid text is {len(text):,} characters; Mermaid (and GitHub) draw at most "
            f"{MERMAID_MAX:,} by default: draw one --frontend, or use --format svg"
        )
    return OK
