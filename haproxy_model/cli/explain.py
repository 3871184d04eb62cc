"""``haproxy-model explain``: a proxy's effective settings and where each comes from
(see :mod:`haproxy_model.analysis.explain`)."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from haproxy_model.analysis.explain import explain, render_text
from haproxy_model.base.errors import Error
from haproxy_model.cli._common import OK, CliError, load, out
from haproxy_model.model import api
from haproxy_model.model.config import Config

DESCRIPTION = """\
Show the settings PROXY (a frontend, backend or listen section) runs with,
after its defaults section (the last one above it, or the one named after
`from`, and the one that one names), its own lines, `no option`, and
the `default-server` lines merged into each server; what nothing sets is
HAProxy's default, or "unset" where HAProxy warns.  Each setting names the
file, line and section it comes from.  When a frontend and a backend share a
name, write frontend/NAME or backend/NAME.

Exit status: 0 explained, 2 usage error, unknown proxy or server, or a file
that does not parse."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "explain",
        help="show a proxy's effective settings and where each comes from",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="configuration file(s) ('-': stdin)")
    p.add_argument("proxy", metavar="PROXY", help="the frontend, backend or listen section")
    p.add_argument("--server", metavar="NAME", help="show this server only")
    p.add_argument(
        "--version",
        dest="target_version",
        default="3.2",
        metavar="V",
        help="HAProxy version whose manual decides what is inherited (default: 3.2)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def load_config(paths: list[str]) -> Config:
    """One file, or several (or a directory) read as ``haproxy -f`` reads them
    (``hm.load_many``, where this version has it)."""
    load_many = getattr(api, "load_many", None)
    if len(paths) == 1 and (load_many is None or not os.path.isdir(paths[0])):
        return load(paths[0])[0]
    if load_many is None:  # hm.load_many is being added on another branch
        raise CliError("explain reads one FILE for now (several need hm.load_many)")
    try:
        cfg: Config = load_many(paths)
    except Error as exc:
        raise CliError(str(exc).split("\n", 1)[0]) from None
    except OSError as exc:
        raise CliError(str(exc)) from None
    return cfg


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.files)
    try:
        explanation = explain(cfg, args.proxy, version=args.target_version)
        if args.server is not None:
            explanation = explanation.only(args.server)
    except Error as exc:
        raise CliError(str(exc)) from None
    if args.json:
        out(json.dumps(explanation.to_dict(), indent=2) + "\n")
    else:
        out(render_text(explanation))
    return OK
