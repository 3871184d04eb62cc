"""``haproxy-model route``: where a request goes (see :mod:`haproxy_model.analysis.route`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from haproxy_model.analysis.route import Request, Route, parse_header, route
from haproxy_model.base.errors import Error
from haproxy_model.cli._common import OK, PROBLEMS, CliError, Style, load, out

HELP = "predict where HAProxy sends a request, and the rules that decide it"

DESCRIPTION = """\
Walk FRONTEND's tcp-request, http-request, redirect, use_backend and
default_backend lines in HAProxy's order for one request, evaluating ACLs and
anonymous conditions, and print the backend (or the rule that answers the
request itself: deny, redirect, return, tarpit...) with the chain of rules
that decided it.  Several FILEs are read in order, as `haproxy -f A -f B`.

Where the answer depends on something not modelled (another fetch, a
variable set outside the request, a Lua action), the answer is "undecided"
and names the line.

  --path     the request target as sent, query string included (/search?q=1)
  --host     the Host header
  --header   another header, "Name: value" (repeatable)
  --src      the client's address (rules reading src are undecided without it)
  --ssl      the request came over TLS (SNI: the host)

Exit status: 0 decided, 1 undecided, 2 usage or parse error."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "route",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="configuration file ('-': stdin)")
    p.add_argument("--frontend", required=True, metavar="NAME", help="frontend or listen")
    p.add_argument("--method", default="GET", metavar="M", help="request method (GET)")
    p.add_argument("--host", metavar="H", help="Host header")
    p.add_argument("--path", default="/", metavar="P", help="request target (/)")
    p.add_argument("--header", action="append", default=[], metavar='"K: V"', help="a header")
    p.add_argument("--src", metavar="IP", help="client address")
    p.add_argument("--ssl", action="store_true", help="the request came over TLS")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        headers = tuple(parse_header(h) for h in args.header)
        request = Request(
            method=args.method,
            path=args.path,
            host=args.host,
            headers=headers,
            src=args.src,
            ssl=args.ssl,
        )
    except Error as exc:
        raise CliError(str(exc)) from None
    configs = [load(path)[0] for path in args.files]
    try:
        result = route(configs, args.frontend, request)
    except Error as exc:
        raise CliError(str(exc)) from None
    if args.json:
        out(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        out(render(result, Style(sys.stdout)))
    return PROBLEMS if result.undecided is not None else OK


def render(result: Route, style: Style) -> str:
    """``frontend fe -> backend be (use_backend)`` and the deciding lines."""
    head = style(f"frontend {result.frontend}", "bold")
    if result.undecided is not None:
        u = result.undecided
        lines = [f"{head}: {style('undecided', 'bold', 'yellow')} at {u.file}:{u.line}: {u.reason}"]
    elif result.backend is not None:
        lines = [f"{head} -> {style('backend ' + result.backend, 'bold', 'green')} "
                 f"({result.action})"]  # fmt: skip
    else:
        status = f" {result.status}" if result.status is not None else ""
        lines = [f"{head} -> {style(f'{result.action}{status}', 'bold', 'red')}"]
    width = max((len(f"{s.file}:{s.line}") for s in result.decided_by), default=0)
    for step in result.decided_by:
        where = f"{step.file}:{step.line}".ljust(width)
        lines.append(f"  {style(where, 'dim')}  {step.text}")
    return "\n".join(lines) + "\n"
