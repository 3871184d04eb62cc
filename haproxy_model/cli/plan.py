"""``haproxy-model plan``: which changes apply live and which need a reload
(see :mod:`haproxy_model.ops.plan`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from haproxy_model.base.errors import Error
from haproxy_model.cli._common import OK, CliError, load, out
from haproxy_model.ops.plan import plan

DESCRIPTION = """\
Classify every change from OLD (what HAProxy runs) to NEW by how it applies:
"runtime", with the runtime-API commands that apply it live (server address,
port, weight, maxconn, maintenance; servers added or deleted in backends with
a dynamic algorithm; frontend and global maxconn), or "reload", with the
reason (a new backend, a changed balance or bind...).  A plan with a reload
step applies nothing by hand: one reload takes NEW as a whole.

Exit status: 0 planned, 2 usage error or a file that does not parse."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "plan",
        help="which changes apply live (runtime API) and which need a reload",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("old", metavar="OLD", help="the configuration HAProxy runs")
    p.add_argument("new", metavar="NEW", help="the proposed configuration")
    p.add_argument(
        "--version",
        dest="target_version",
        default=None,
        metavar="V",
        help="the running HAProxy's version (default: 2.6 or later)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    old, _ = load(args.old)
    new, _ = load(args.new)
    try:
        result = plan(old, new, version=args.target_version)
    except Error as exc:
        raise CliError(str(exc)) from None
    if args.json:
        out(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        out(str(result) + "\n")
    return OK
