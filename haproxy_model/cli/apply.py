"""``haproxy-model apply``: check, plan, write, apply live or reload once, verify, roll back
(see :mod:`haproxy_model.ops.apply`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from haproxy_model.base.errors import Error
from haproxy_model.cli._common import OK, PROBLEMS, CliError, load, note, out
from haproxy_model.ops.apply import ApplyError, apply

DESCRIPTION = """\
Take the HAProxy started as `haproxy -W -S SOCK -f FILE` from FILE to NEW:
(a) `haproxy -c` on NEW with the binary the master runs, (b) plan against
FILE, (c) write NEW over FILE atomically, keeping the last N versions as
FILE.1 .. FILE.N, (d) send the plan's runtime commands through the master
CLI, or reload once through it and wait for the new worker, (e) verify that
what runs agrees with NEW.  A failure after (c) restores FILE and takes the
running state back.  Each step is logged on stderr.

Exit status: 0 applied (or planned, with --dry-run), 1 a step failed (it is
named, with what runs now), 2 usage error, a missing or unparsable file, or
a socket that cannot be reached or is not a master CLI."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "apply",
        help="apply NEW to a running master-worker HAProxy: live or one reload, verified",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("new", metavar="NEW", help="the proposed configuration")
    p.add_argument("--config", required=True, metavar="FILE", help="the file HAProxy runs")
    p.add_argument("--master-socket", required=True, metavar="SOCK", help="haproxy -W -S SOCK")
    p.add_argument("--keep", type=int, default=3, metavar="N", help="backups kept (default 3)")
    p.add_argument("--dry-run", action="store_true", help="stop after the plan")
    p.add_argument("--timeout", type=float, default=15.0, metavar="S", help="per step")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    new, _ = load(args.new)
    quiet = args.json
    try:
        done = apply(
            new,
            args.config,
            master_socket=args.master_socket,
            keep=args.keep,
            dry_run=args.dry_run,
            timeout=args.timeout,
            log=None if quiet else (lambda step, detail: note(f"{step}: {detail}")),
        )
    except ApplyError as exc:
        if args.json:
            out(json.dumps(exc.to_dict(), indent=2) + "\n")
        else:
            note(str(exc))
        return PROBLEMS
    except Error as exc:
        raise CliError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    if args.json:
        out(json.dumps(done.to_dict(), indent=2) + "\n")
    else:
        out(str(done.plan) + "\n")
    return OK
