"""``haproxy-model drift``: the running HAProxy against its file
(see :mod:`haproxy_model.ops.drift`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from haproxy_model.base.errors import Error
from haproxy_model.cli._common import OK, PROBLEMS, CliError, load, note, out, write
from haproxy_model.io.runtime import RuntimeClient
from haproxy_model.model.api import dumps
from haproxy_model.ops.drift import drift
from haproxy_model.ops.fold import fold

DESCRIPTION = """\
Compare FILE with what the HAProxy behind SOCK runs: servers added or
deleted at runtime, a server's address, weight, maxconn and state (ready,
drain, maint), frontend and global maxconn.  SOCK is a stats socket
(`stats socket ... level admin`, a path or host:port) or the master CLI
(master@PATH of `haproxy -W -S PATH`).  With --write, what runs is written
into FILE, each changed line only, atomically.

Exit status: 0 no drift (or all of it written), 1 drift found (or some of
it could not be written), 2 usage error, a file that does not parse, or a
socket that cannot be reached."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "drift",
        help="what a running HAProxy runs that its file does not say",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="the configuration HAProxy was started with")
    p.add_argument("--socket", required=True, metavar="SOCK", help="the runtime API socket")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S", help="per command")
    p.add_argument("--write", action="store_true", help="write what runs into FILE")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cfg, text = load(args.file)
    try:
        client = RuntimeClient(args.socket, timeout=args.timeout)
        found = drift(cfg, client)
    except Error as exc:
        raise CliError(str(exc).splitlines()[0]) from None
    if args.json:
        out(json.dumps(found.to_dict(), indent=2) + "\n")
    else:
        out(str(found) + "\n")
    if not found:
        return OK
    if not args.write:
        return PROBLEMS
    notes = fold(cfg, found)
    if dumps(cfg) != text:
        write(args.file, cfg)
    for text in notes:
        note(text)
    return PROBLEMS if notes else OK
