"""``haproxy-model ray-serve generate|sync|patch``: HAProxy for Ray Serve.

``generate`` and ``sync`` connect to a running Ray cluster (``--address``,
default ``auto``); ``patch`` works on a file, asking Ray's dashboard for
``max_ongoing_requests`` only when a ratio rule needs it.

Exit statuses: 0 done; 2 bad input (policy, file, flags, a layout that is not
Ray's, ``max_ongoing_requests`` needed and unknown); 3 Ray cannot be reached or
read (``generate``, ``sync``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any

from haproxy_model.cli._common import OK, USAGE, CliError, Style, out, read, unified_diff

UNAVAILABLE = 3
"""Exit status when Ray cannot be reached or read."""


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
    gen.add_argument(
        "--stats-socket",
        metavar="PATH",
        help="add an admin stats socket (runtime API) at PATH",
    )
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
        help="max_ongoing_requests of the deployments: '64' or 'app/Dep=64,Other=8'; "
        "wins over what Ray's dashboard says",
    )
    pat.add_argument(
        "--ray-dashboard",
        metavar="ADDRESS",
        help="Ray's dashboard, asked for max_ongoing_requests when a ratio rule needs it "
        "(default: $RAY_DASHBOARD_ADDRESS, else this node's cluster on port 8265)",
    )
    pat.add_argument("--no-ray", action="store_true", help="never ask Ray's dashboard")
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
    """Join the Ray cluster at ``address``; a clear error when there is none."""
    try:
        import ray  # only here: the adapter is an optional extra
    except ImportError:
        raise CliError("Ray is not installed: pip install 'haproxy-model[ray]'", USAGE) from None
    if ray.is_initialized():
        return
    _probe_gcs(address)
    try:
        ray.init(address=address, namespace="serve", logging_level=logging.ERROR)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CliError(
            f"cannot connect to Ray at {address!r}: {first} (start Ray with `ray start "
            "--head`, or give --address / RAY_ADDRESS)",
            UNAVAILABLE,
        ) from None


def _gcs_address(address: str) -> str | None:
    """The ``host:port`` that ``ray.init(address=...)`` will connect to, when plain."""
    import os

    if address == "auto":
        address = os.environ.get("RAY_ADDRESS", "")
        if not address:
            try:
                with open("/tmp/ray/ray_current_cluster", encoding="utf-8") as fh:
                    address = fh.read().strip()
            except OSError:
                return None  # ray.init says there is no running instance, at once
    if "://" in address or ":" not in address:
        return None
    return address


def _probe_gcs(address: str, timeout: float = 3.0) -> None:
    """Fail fast when nothing listens where Ray's GCS should be (``ray.init`` would
    retry for a minute or more)."""
    import socket

    target = _gcs_address(address)
    if target is None:
        return
    host, _, port = target.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except (OSError, ValueError) as exc:
        raise CliError(
            f"cannot connect to Ray at {target}: {getattr(exc, 'strerror', None) or exc} "
            "(is Ray running? `ray start --head`; or give --address / RAY_ADDRESS)",
            UNAVAILABLE,
        ) from None


def _discover(applications: list[str] | None) -> Any:
    from haproxy_model.adapters.ray_serve import discover

    try:
        return discover(applications=applications)
    except RuntimeError as exc:
        raise CliError(f"cannot read Ray Serve's state: {exc}", UNAVAILABLE) from None


def run_generate(args: argparse.Namespace) -> int:
    from haproxy_model.adapters.ray_serve import build_config
    from haproxy_model.syntax.render import dumps

    policy = _policy(args.policy)
    _connect(args.address)
    snapshot = _discover(args.app)
    try:
        cfg = build_config(
            snapshot,
            policy,
            bind=args.bind,
            stats_port=args.stats_port,
            spare_slots=args.spare_slots,
            admin_socket=args.stats_socket,
        )
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from None
    out(dumps(cfg))
    return OK


def run_sync(args: argparse.Namespace) -> int:
    from haproxy_model.adapters.ray_serve import Syncer

    policy = _policy(args.policy)
    _connect(args.address)
    _discover(args.app)  # fail now, with a message, if Serve cannot be read
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
    from haproxy_model.adapters.ray_serve.dashboard import max_ongoing_from_ray
    from haproxy_model.adapters.ray_serve.fd_limit import fd_shortfall
    from haproxy_model.adapters.ray_serve.patch import PatchError, patch_ray_config_report
    from haproxy_model.adapters.ray_serve.wrapper import parse_max_ongoing
    from haproxy_model.base.files import write_text_atomic
    from haproxy_model.model.api import parse

    policy = _policy(args.policy)
    try:
        explicit = parse_max_ongoing(args.max_ongoing_requests)
    except ValueError as exc:
        raise CliError(str(exc).replace("HAPROXY_MODEL_MAX_ONGOING_REQUESTS",
                                        "--max-ongoing-requests"), USAGE) from None  # fmt: skip
    text = read(args.file)
    try:
        result = patch_ray_config_report(
            text, None, policy, max_ongoing_requests=explicit, filename=args.file
        )
        asked = None
        if result.missing_max_ongoing_requests and not args.no_ray:
            merged, asked = max_ongoing_from_ray(
                result.missing_max_ongoing_requests,
                explicit,
                address=args.ray_dashboard,
                timeout=3.0,
            )
            if asked is None:
                result = patch_ray_config_report(
                    text, None, policy, max_ongoing_requests=merged, filename=args.file
                )
    except PatchError as exc:
        raise CliError(f"{args.file}: {exc}", USAGE) from None
    if result.missing_max_ongoing_requests:
        why = (
            "--no-ray was given" if args.no_ray else (asked or "Ray's dashboard does not list them")
        )
        raise CliError(
            f"{args.file}: max_ongoing_requests unknown for "
            f"{', '.join(result.missing_max_ongoing_requests)} ({why}), and "
            f"server.maxconn in {args.policy} is a ratio of it: give it with "
            "--max-ongoing-requests 'app/Deployment=64', let Ray's dashboard answer "
            "(--ray-dashboard ADDRESS), or use a fixed maxconn or overrides; nothing written",
            USAGE,
        )
    for warning in result.warnings:
        print(f"haproxy-model: warning: {warning}", file=sys.stderr)
    short = fd_shortfall(parse(result.text))
    if short:
        print(f"haproxy-model: warning: {short}", file=sys.stderr)
    if args.in_place:
        write_text_atomic(args.file, result.text)
    elif args.diff:
        out(unified_diff(text, result.text, args.file, args.file, Style(sys.stdout)))
    else:
        out(result.text)
    return OK
