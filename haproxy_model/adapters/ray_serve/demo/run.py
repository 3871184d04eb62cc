"""End-to-end demo: a real Ray Serve app behind a :class:`~.sync.Syncer`-run HAProxy.

``python -m haproxy_model.adapters.ray_serve.demo`` (or ``bash scripts/demo.sh``):

1. starts a local Ray (2 CPUs, loopback, direct ingress on) and a Serve app
   ``demo`` whose replicas answer after ~0.5 s (``max_ongoing_requests=2``, 2
   replicas);
2. runs the syncer with a policy giving every replica ``server`` a ``maxconn``
   equal to ``max_ongoing_requests`` and ``timeout queue 30s``;
3. sends a bounded burst (40 requests, 20 at a time) while sampling ``show
   stat``: per server the highest ``scur`` against ``slim``, the backend's
   ``qcur`` peak, and the answers by status;
4. scales the app to 4 replicas while requests keep coming, waits for the
   syncer, and prints the servers HAProxy now has, the failed requests (0),
   the reloads (0) and, per new replica, the time from it being seen RUNNING to
   its first request;
5. stops everything it started. Exits 1 if any claim failed, 2 on an error.

Only the loopback interface is used. The helpers it runs on (:mod:`.serve_app`,
:mod:`.ray_session`, :mod:`.load`, :mod:`.samplers`) are shared with the tests and
the churn benchmark.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence

from haproxy_model._net import free_port

from ..snapshot import server_name
from ..sync import Syncer
from .load import Load, burst, by_status, first_served
from .ray_session import deploy, ray_serve_session, running_replicas, wait_for
from .samplers import RunningWatcher, StatSampler
from .serve_app import APP, BACKEND, DELAY_S, DEPLOYMENT, MAX_ONGOING, demo_policy

__all__ = ["main", "run_demo"]

log = logging.getLogger(__name__)


class Claims:
    """Checked statements, printed as PASS/FAIL."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, ok: bool, text: str) -> bool:
        print(f"  [{'PASS' if ok else 'FAIL'}] {text}", flush=True)
        if not ok:
            self.failed.append(text)
        return ok


def _servers_table(syncer: Syncer) -> list[tuple[str, str, str, int | None, int | None]]:
    rows = syncer.client().show_stat(BACKEND)
    return [(r.svname, r.addr, r.status, r.slim, r.stot) for r in rows if r.is_server]


def _scenario(sy: Syncer, port: int, proxy_port: int, args: argparse.Namespace,
              claims: Claims) -> None:  # fmt: skip
    """The burst, then the scale-up under load."""
    # -- 1. backpressure
    total, conc = args.requests, args.concurrency
    print(f"== burst: {total} requests, {conc} concurrent", flush=True)
    t0 = time.monotonic()
    with StatSampler(sy, BACKEND) as sampler:
        results = burst("127.0.0.1", port, total=total, concurrency=conc, timeout=40)
    print(f"   took {time.monotonic() - t0:.1f}s, {sampler.samples} stat samples", flush=True)
    final = {r.svname: r for r in sy.client().show_stat(BACKEND)}
    for name in sorted(sampler.slim):
        row = final.get(name)
        print(f"   {name:<40} scur max {sampler.peak_scur[name]} (HAProxy smax "
              f"{row.smax if row else '?'}) / slim {sampler.slim[name]}")  # fmt: skip
    qmax = final["BACKEND"].qmax if "BACKEND" in final else None
    print(f"   backend queue: qcur peak {sampler.peak_qcur} (HAProxy qmax {qmax})")
    print(f"   answers by status: {by_status(results)}", flush=True)
    claims.check(
        all(
            s is not None and sampler.peak_scur[n] <= s and (final[n].smax or 0) <= s
            for n, s in sampler.slim.items()
        ),
        "no server ever above its maxconn (scur <= slim)",
    )
    claims.check(sampler.peak_qcur > 0, "requests waited in HAProxy's backend queue")
    claims.check(
        len(results) == total and all(r.status == 200 for r in results),
        f"all {total} requests answered 200",
    )

    # -- 2. scale up under load, no reload
    before = set(running_replicas())
    reloads = sy.reloads
    print("== scaling to 4 replicas while 8 clients keep sending", flush=True)
    with (
        RunningWatcher() as watcher,
        Load("127.0.0.1", port, concurrency=8, max_seconds=90) as load,
    ):
        time.sleep(1.0)
        deploy(4, proxy_port=proxy_port)
        wait_for(lambda: len(sy.servers().get(BACKEND, {})) == 4, 90,
                 "HAProxy with 4 servers", poll=0.2)  # fmt: skip
        new = set(running_replicas()) - before
        wait_for(lambda: new <= set(first_served(load.results)), 15,
                 "a request on every new replica")  # fmt: skip
        time.sleep(1.0)
    scaled = load.stop()
    print("   servers in HAProxy now (show stat):")
    for name, addr, status, slim, stot in _servers_table(sy):
        print(f"   {name:<40} {addr:<16} {status:<8} slim {slim} stot {stot}")
    print(f"   {len(scaled)} requests during the scale-up: {by_status(scaled)}")
    print(f"   reloads: {sy.reloads - reloads}, runtime changes: {sy.runtime_changes}")
    firsts = first_served(scaled)
    print("   new replica: RUNNING (the controller's long-poll push) -> ready in HAProxy"
          " -> first request handled")  # fmt: skip
    ready: list[float] = []
    for rid in sorted(new):
        sname = server_name(APP, DEPLOYMENT, rid)
        running = watcher.seen.get(rid)
        routed = sy.replica_routed_at.get(sname)
        first = firsts.get(rid)
        if running is not None and routed is not None and first is not None:
            ready.append(routed - running)
            print(f"   {sname}: +{routed - running:.3f}s -> +{first - running:.3f}s")
    claims.check(len(_servers_table(sy)) == 4, "HAProxy lists 4 servers")
    claims.check(
        all(r.status == 200 for r in scaled) and len(scaled) > 0,
        f"0 failed requests out of {len(scaled)} during the scale-up",
    )
    claims.check(sy.reloads == reloads, "0 reloads for the scale-up")
    claims.check(len(new) == 2 and new <= set(firsts), "both new replicas served requests")
    claims.check(
        len(ready) == 2 and max(ready) <= 0.1,
        "new replicas routable within 100 ms of RUNNING",
    )


def run_demo(args: argparse.Namespace) -> int:
    """The demo itself; returns the exit status."""
    started = time.monotonic()
    claims = Claims()
    workdir = tempfile.mkdtemp(prefix="hm-demo-")
    stop = threading.Event()
    thread: threading.Thread | None = None
    syncer: Syncer | None = None
    try:
        print(
            "== starting Ray (2 CPUs, direct ingress) and Serve app 'demo' (2 replicas, "
            f"max_ongoing_requests={MAX_ONGOING}, {DELAY_S}s per request)",
            flush=True,
        )
        with ray_serve_session() as proxy_port:
            deploy(2, proxy_port=proxy_port)
            wait_for(lambda: len(running_replicas()) == 2, 90, "2 running replicas", poll=0.5)
            print(f"   ready after {time.monotonic() - started:.1f}s", flush=True)

            port = args.port or free_port()
            syncer = Syncer(
                demo_policy(),
                workdir=workdir,
                haproxy_binary=args.haproxy,
                bind=f"127.0.0.1:{port}",
                stats_port=free_port(),
                interval=0.2,
            )
            thread = threading.Thread(target=syncer.run, args=(stop,), name="syncer")
            thread.start()
            sy = syncer
            try:
                wait_for(lambda: len(sy.servers().get(BACKEND, {})) == 2, 30, "2 servers")
                print(
                    f"== HAProxy {sy.binary.version} (pid {sy.pid}, mode {sy.mode}) on "
                    f"http://127.0.0.1:{port}/, config {sy.config_path}",
                    flush=True,
                )
                _scenario(sy, port, proxy_port, args, claims)
            finally:  # before Ray goes away
                stop.set()
                thread.join(10)
                sy.close()
            print(f"== stopping Ray (ran {time.monotonic() - started:.1f}s)", flush=True)
    except Exception as exc:
        log.exception("demo failed")
        print(f"ERROR: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    finally:
        stop.set()
        if thread is not None:
            thread.join(10)
        if syncer is not None:
            syncer.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"== done in {time.monotonic() - started:.1f}s: "
        f"{'all claims hold' if not claims.failed else f'{len(claims.failed)} claim(s) FAILED'}"
    )
    return 1 if claims.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m haproxy_model.adapters.ray_serve.demo",
        description=__doc__.split("\n", 1)[0] if __doc__ else "",
    )
    parser.add_argument("--haproxy", help="HAProxy binary (default: $HAPROXY_BIN, PATH, ...)")
    parser.add_argument("--port", type=int, default=0, help="HAProxy port (default: free)")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--time-limit", type=int, default=170, help="seconds (default 170)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every syncer action")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("haproxy_model.adapters.ray_serve.sync").setLevel(logging.INFO)

    def on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGALRM, on_term)
    signal.alarm(args.time_limit)  # the whole demo, cleanup included, stays bounded
    try:
        return run_demo(args)
    finally:
        signal.alarm(0)
