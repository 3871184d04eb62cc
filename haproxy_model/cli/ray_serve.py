"""``haproxy-model ray-serve generate|sync|patch``: HAProxy for Ray Serve.

``generate`` and ``sync`` connect to a running Ray cluster (``--address``,
default ``auto``); ``patch`` works on a file alone.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any

from haproxy_model.cli._common import OK, USAGE, CliError, Style, out, read, unified_diff


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "ray-serve",
        help="HAProxy in front of Ray Serve: generate, sync, patch",
        description="Tune the HAProxy in front of Ray Serve with a policy file "
        "(YAML, TOML or JSON; see examples/ray-serve-policy.yaml).",
    )
    cmds = p.add_subparsers(dest="ray_command", metavar="ACTION", required=True)

    gen = cmds.add_parser(
        "generate",
        help="print a complete config for an HAProxy run beside Ray",
        description="Discover the running Serve applications and print a complete "
        "haproxy.cfg (one server per replica, maxconn from max_ongoing_requests).",
    )
    _common(gen)
    gen.add_argument("--bind", default="127.0.0.1:8000", help="routing frontend host:port")
    gen.add_argument("--stats-port", type=int, default=8404, help="stats and /metrics port")
    gen.add_argument("--spare-slots", type=int, default=0, help="disabled spare servers")
    gen.set_defaults(run=run_generate)

    syn = cmds.add_parser(
        "sync",
        help="run HAProxy beside Ray and follow replica changes",
        description="Start HAProxy (master-worker) with a generated config and keep it in "
        "step with the Serve replicas: membership changes go through the runtime API, "
        "anything else is a checked, hitless reload.  Stops on Ctrl-C or SIGTERM.",
    )
    _common(syn)
    syn.add_argument("--workdir", required=True, help="folder for haproxy.cfg and sockets")
    syn.add_argument("--bind", default="127.0.0.1:8000", help="routing frontend host:port")
    syn.add_argument("--stats-port", type=int, default=8404, help="stats and /metrics port")
    syn.add_argument("--haproxy", help="the haproxy binary (default: hm.haproxy.find())")
    syn.set_defaults(run=run_sync)

    pat = cmds.add_parser(
        "patch",
        help="apply a policy to the config Ray's HAProxy mode wrote",
        description="Apply the policy to FILE (a config rendered by Ray's HAProxy mode); "
        "only the lines the policy changes differ.  Prints the result, or the diff with "
        "--diff, or rewrites FILE atomically with --in-place.",
    )
    pat.add_argument("file", metavar="FILE")
    pat.add_argument("--policy", required=True, help="policy file (YAML, TOML or JSON)")
    pat.add_argument(
        "--max-ongoing-requests",
        help="max_ongoing_requests of the deployments: '64' or 'app/Dep=64,Other=8' "
        "(needed for ratio rules when Ray is not queried)",
    )
    mode = pat.add_mutually_exclusive_group()
    mode.add_argument("--in-place", action="store_true", help="rewrite FILE")
    mode.add_argument("--diff", action="store_true", help="print a unified diff")
    pat.set_defaults(run=run_patch)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True, help="policy file (YAML, TOML or JSON)")
    p.add_argument("--address", default="auto", help="Ray cluster address (default: auto)")
    p.add_argument("--app", action="append", help="only this application (repeatable)")


def _policy(path: str) -> Any:
    from haproxy_model.adapters.ray_serve.policy import Policy, PolicyError

    try:
        return Policy.from_file(path)
    except (PolicyError, OSError) as exc:
        raise CliError(str(exc), USAGE) from None


def _connect(address: str) -> None:
    import ray  # only here: the adapter is an optional extra

    if not ray.is_initialized():
        ray.init(address=address, namespace="serve", logging_level=logging.ERROR)


def run_generate(args: argparse.Namespace) -> int:
    from haproxy_model.adapters.ray_serve import build_config, discover
    from haproxy_model.render import dumps

    policy = _policy(args.policy)
    _connect(args.address)
    snapshot = discover(applications=args.app)
    cfg = build_config(
        snapshot,
        policy,
        bind=args.bind,
        stats_port=args.stats_port,
        spare_slots=args.spare_slots,
    )
    out(dumps(cfg))
    return OK


def run_sync(args: argparse.Namespace) -> int:
    from haproxy_model.adapters.ray_serve import Syncer

    policy = _policy(args.policy)
    _connect(args.address)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with Syncer(
        policy,
        workdir=args.workdir,
        haproxy_binary=args.haproxy,
        bind=args.bind,
        stats_port=args.stats_port,
        applications=args.app,
    ) as syncer:
        syncer.run(stop)
    return OK


def run_patch(args: argparse.Namespace) -> int:
    from haproxy_model.adapters.ray_serve.patch import PatchError, patch_ray_config
    from haproxy_model.adapters.ray_serve.wrapper import parse_max_ongoing
    from haproxy_model.files import write_text_atomic

    policy = _policy(args.policy)
    try:
        max_ongoing = parse_max_ongoing(args.max_ongoing_requests)
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from None
    text = read(args.file)
    try:
        patched = patch_ray_config(text, None, policy, max_ongoing_requests=max_ongoing)
    except PatchError as exc:
        raise CliError(str(exc), USAGE) from None
    if args.in_place:
        write_text_atomic(args.file, patched)
    elif args.diff:
        out(unified_diff(text, patched, args.file, args.file, Style(sys.stdout)))
    else:
        out(patched)
    return OK
