"""Replica churn: Ray Serve's own HAProxy mode against the haproxy_model Syncer, side by side.

One local Ray (2 CPUs, loopback) in HAProxy mode (``RAY_SERVE_ENABLE_HA_PROXY=1``,
every HAProxy file and port moved to a private temp dir / free ports, minimum
draining period 0.5 s) serves the demo app (``haproxy_model.adapters.ray_serve.demo``:
~0.5 s per request, ``max_ongoing_requests=2``). Two proxies route to the same
replicas: Ray's HAProxy (on Serve's HTTP port) and a :class:`Syncer`-run HAProxy
(its own port, ``maxconn`` = ``max_ongoing_requests``, ``timeout queue 30s``).

For each proxy in turn, with the load going through that proxy only:

* **churn** 2 -> 4 -> 2 replicas under a bounded load (6 clients): requests,
  failures, reloads per membership step (Ray: distinct HAProxy processes
  running its config, found by scanning ``/proc`` every 50 ms; ours: the
  syncer's reload count, and new worker PIDs the same way), and, per new
  replica, the time from RUNNING (the controller's long-poll push of the
  deployment's replicas, the moment Serve's own routers learn of it) to the
  first request it handled;
* **backlog**: 1 replica, 20 requests of 1 s sent at once, then scale 1 -> 2:
  time until the last one is answered (one replica alone needs 10 s). Ray's
  mode runs three ways, switched through the haproxy-model wrapper (installed
  as Ray's HAProxy binary and rewritten between runs; each takes effect at
  Ray's next reload): ``ray`` as Ray renders it (no per-server ``maxconn``:
  every request goes straight into the replica), ``ray+maxconn`` (the policy:
  ``maxconn`` = ``max_ongoing_requests``, so the backlog waits in the old
  HAProxy process, bound to the old server set) and ``ray+maxconn+handover``
  (the wrapper also hands the new replica to the old process before Ray's
  reload, :mod:`haproxy_model.adapters.ray_serve.handover`).

Then **node kill**: two Ray nodes on one machine (one replica each, both nodes'
HAProxies patched by the wrapper), the standalone HAProxy beside the head under a
bounded load (4 clients), and the worker node killed: requests before, between the
kill and HAProxy marking its server down, and after; failures (in flight at the kill
or later) and reloads (:mod:`haproxy_model.adapters.ray_serve.two_nodes`).

Not a test: it prints a table (and ``--json`` writes the numbers). About 4
minutes on 2 cores. ``python benchmarks/bench_ray_churn.py``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from haproxy_model.adapters.ray_serve import demo, install_wrapper, server_name
from haproxy_model.adapters.ray_serve.sync import Syncer
from haproxy_model.io.runtime import RuntimeClient

log = logging.getLogger("bench_ray_churn")


def scan_pids(needle: str) -> set[int]:
    """PIDs of processes whose command line contains ``needle``."""
    out: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if needle in cmd and "haproxy" in cmd:
            out.add(int(entry))
    return out


class Watcher(demo.RunningWatcher):
    """:class:`demo.RunningWatcher` (when each replica was first RUNNING, from the
    controller's long-poll push) that also records every HAProxy PID running
    Ray's config or ours."""

    def __init__(self, ray_cfg_dir: str, our_cfg: str, ray_admin: str) -> None:
        super().__init__(period=0.05)
        self.ray_cfg_dir = ray_cfg_dir
        self.our_cfg = our_cfg
        self.ray_admin = ray_admin
        self.ray_pids: set[int] = set()
        self.our_pids: set[int] = set()
        self.ray_routable: dict[str, float] = {}  # server -> first seen UP in Ray's HAProxy

    def sample(self) -> None:
        """Replica targets, then the HAProxy processes and Ray's HAProxy's servers."""
        try:
            super().sample()
        finally:
            self.ray_pids |= scan_pids(self.ray_cfg_dir)
            self.our_pids |= scan_pids(self.our_cfg)
            with contextlib.suppress(Exception):
                now = time.time()
                for row in RuntimeClient(self.ray_admin, timeout=1).show_stat(demo.BACKEND):
                    if row.is_server and row.status.startswith("UP"):
                        self.ray_routable.setdefault(row.svname, now)


class Proxy:
    """One proxy under test: where to send load, how many replica servers it routes to."""

    def __init__(self, name: str, port: int, count: Callable[[], int]) -> None:
        self.name, self.port, self.count = name, port, count


def ray_haproxy_servers(admin: str) -> int:
    """UP replica servers (not the ``backup`` fallback proxy) in Ray's HAProxy."""
    rows = RuntimeClient(admin, timeout=2).show_stat(demo.BACKEND)
    return sum(
        1 for r in rows if r.is_server and r.fields.get("bck") != "1" and r.status.startswith("UP")
    )


def churn(proxy: Proxy, watcher: Watcher, proxy_port: int, pids: Callable[[], set[int]],
          reloads: Callable[[], int], routable: Mapping[str, float]) -> dict[str, Any]:  # fmt: skip
    """2 -> 4 -> 2 replicas under load through ``proxy``."""
    demo.wait_for(lambda: proxy.count() == 2, 60, f"{proxy.name}: 2 servers", poll=0.2)
    before_ids = set(demo.running_replicas())
    pids0, reloads0 = set(pids()), reloads()
    t0 = time.monotonic()
    with demo.Load("127.0.0.1", proxy.port, concurrency=6, max_seconds=90) as load:
        time.sleep(1.0)
        demo.deploy(4, proxy_port=proxy_port)
        demo.wait_for(lambda: proxy.count() == 4, 60, f"{proxy.name}: 4 servers", poll=0.1)
        new = set(demo.running_replicas()) - before_ids
        demo.wait_for(lambda: new <= set(demo.first_served(load.results)), 20,
                      "a request on each new replica")  # fmt: skip
        time.sleep(1.0)
        demo.deploy(2, proxy_port=proxy_port)
        demo.wait_for(lambda: proxy.count() == 2 and len(demo.running_replicas()) == 2, 60,
                      f"{proxy.name}: back to 2 servers", poll=0.1)  # fmt: skip
        time.sleep(2.0)
    results = load.stop()
    firsts = demo.first_served(results)
    latency = {rid: firsts[rid] - watcher.seen[rid] for rid in new if rid in firsts
               and rid in watcher.seen}  # fmt: skip
    names = {rid: server_name(demo.APP, demo.DEPLOYMENT, rid) for rid in new}
    ready = {rid: routable[names[rid]] - watcher.seen[rid] for rid in new
             if names[rid] in routable and rid in watcher.seen}  # fmt: skip
    new_pids = set(pids()) - pids0
    failures = [r for r in results if r.status != 200]
    return {
        "requests": len(results),
        "failures": len(failures),
        "failure_samples": sorted({f"{r.status} {r.error[:80]}" for r in failures})[:5],
        "membership_steps": 2,
        "replica_changes": 4,
        "new_haproxy_pids": len(new_pids),
        "reloads": reloads() - reloads0,
        "running_to_routable_s": sorted(round(v, 3) for v in ready.values()),
        "running_to_first_request_s": sorted(round(v, 3) for v in latency.values()),
        "seconds": round(time.monotonic() - t0, 1),
    }


def backlog(proxy: Proxy, proxy_port: int, n: int = 20, delay: float = 1.0) -> dict[str, Any]:
    """1 replica, ``n`` requests of ``delay`` s at once, scale 1 -> 2: time to clear."""
    demo.deploy(1, proxy_port=proxy_port)
    demo.wait_for(lambda: proxy.count() == 1 and len(demo.running_replicas()) == 1, 60,
                  f"{proxy.name}: 1 server", poll=0.2)  # fmt: skip
    time.sleep(1.0)
    t0 = time.time()
    out: list[demo.Result] = []

    def send() -> None:
        path = f"/?delay={delay}"
        out.extend(demo.burst("127.0.0.1", proxy.port, total=n, concurrency=n, path=path))

    sender = threading.Thread(target=send)
    with demo.RunningWatcher() as watcher:
        before = set(watcher.seen) | set(demo.running_replicas())
        sender.start()
        time.sleep(0.2)  # all queued
        demo.deploy(2, proxy_port=proxy_port)
        sender.join(90)
    done = max((r.ended for r in out), default=t0) - t0
    started = [at for rid, at in watcher.seen.items() if rid not in before]
    running = min(started) - t0 if started else None
    # one shared queue: the first replica busy all along, both from `running` on
    ideal = n * delay / (2 * demo.MAX_ONGOING) + running / 2 if running is not None else None
    served = demo.first_served(out)
    by_replica: dict[str, int] = {}
    for r in out:
        by_replica[r.replica] = by_replica.get(r.replica, 0) + 1
    return {
        "requests": len(out),
        "failures": sum(1 for r in out if r.status != 200),
        "clear_s": round(done, 2),
        "new_replica_running_s": None if running is None else round(running, 2),
        "one_shared_queue_s": None if ideal is None else round(ideal, 2),
        "one_replica_alone_s": n * delay / demo.MAX_ONGOING,
        "requests_per_replica": sorted(by_replica.values(), reverse=True),
        "replicas_used": len(served),
    }


RAY_VARIANTS = ("ray", "ray+maxconn", "ray+maxconn+handover")


def use_variant(tmp: Path, variant: str) -> None:
    """(Re)write the wrapper Ray runs as its HAProxy for one of :data:`RAY_VARIANTS`."""
    policy = tmp / "policy.json"
    policy.write_text('{"timeouts": {"queue": "30s"}, "server": {"maxconn": {"ratio": 1.0}}}\n')
    install_wrapper(
        tmp / "haproxy-wrapper",
        policy=None if variant == "ray" else policy,
        max_ongoing_requests=str(demo.MAX_ONGOING),
        handover=variant.endswith("handover"),
    )


@contextlib.contextmanager
def ray_haproxy_mode(tmp: Path) -> Iterator[int]:
    use_variant(tmp, "ray")
    env = demo.haproxy_mode_env(tmp)
    env["RAY_SERVE_HAPROXY_BINARY_PATH"] = str(tmp / "haproxy-wrapper")
    with demo.ray_serve_session(env=env) as port:
        yield port


def measure(tmp: Path, proxy_port: int, haproxy: str | None) -> dict[str, Any]:
    """Both proxies, churn then backlog; the syncer is stopped before Ray is."""
    results: dict[str, Any] = {}
    demo.deploy(2, proxy_port=proxy_port)
    demo.wait_for(lambda: len(demo.running_replicas()) == 2, 120, "2 replicas", poll=0.5)
    admin = demo.wait_for(lambda: sorted((tmp / "ray").glob("*/admin.sock")), 30,
                          "Ray's admin socket")[0]  # fmt: skip
    our_port = demo.free_port()
    sy = Syncer(demo.demo_policy(), workdir=tmp / "ours", haproxy_binary=haproxy,
                bind=f"127.0.0.1:{our_port}", stats_port=demo.free_port())  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=sy.run, args=(stop,), daemon=True)
    thread.start()
    try:
        ours = Proxy("ours", our_port, lambda: len(sy.servers().get(demo.BACKEND, {})))
        ray_proxy = Proxy("ray", proxy_port, lambda: ray_haproxy_servers(str(admin)))
        print(f"Ray's HAProxy on :{proxy_port}, ours (HAProxy {sy.binary.version}, "
              f"{sy.mode} servers) on :{our_port}", flush=True)  # fmt: skip
        with Watcher(str(tmp / "ray"), str(sy.config_path), str(admin)) as watcher:
            for proxy, pids, reloads, routable in (
                (ray_proxy, lambda: watcher.ray_pids, lambda: len(watcher.ray_pids),
                 watcher.ray_routable),
                (ours, lambda: watcher.our_pids, lambda: sy.reloads + sy.restarts,
                 sy.replica_routed_at),
            ):  # fmt: skip
                print(f"-- {proxy.name}: churn 2 -> 4 -> 2", flush=True)
                res = churn(proxy, watcher, proxy_port, pids, reloads, routable)
                results[f"{proxy.name}_churn"] = res
                print(f"   {res}", flush=True)
            runs = [(v, ray_proxy) for v in RAY_VARIANTS] + [("ours", ours)]
            for variant, proxy in runs:
                if variant in RAY_VARIANTS:
                    use_variant(tmp / "ray", variant)
                print(f"-- {variant}: backlog, 20 x 1 s on 1 replica, scale 1 -> 2", flush=True)
                res = backlog(proxy, proxy_port)
                results[f"{variant}_backlog"] = res
                print(f"   {res}", flush=True)
    finally:
        stop.set()
        thread.join(10)
        sy.close()
    return results


def node_kill() -> dict[str, Any]:
    """The worker node of a two-node cluster killed under load (see the module doc)."""
    from haproxy_model.adapters.ray_serve.two_nodes import kill_node_under_load, two_nodes

    folder = Path(tempfile.mkdtemp(prefix="rmn-", dir="/tmp"))  # short: unix socket paths
    try:
        (folder / "policy.yaml").write_text("server:\n  maxconn: {ratio: 0.5}\n")
        with two_nodes(folder, folder / "policy.yaml") as nodes:
            kill = kill_node_under_load(nodes, folder / "ours")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "before": kill.before,
        "kill_to_down": kill.during,
        "after": kill.after,
        "down_after_s": round(kill.down_after_s, 2),
        "failed_in_flight": kill.failed_in_flight,
        "failed_later": kill.failed_later,
        "reloads": kill.reloads,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--haproxy", help="HAProxy binary for the syncer (default: PATH)")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    tmp = Path(tempfile.mkdtemp(prefix="hm-bench-"))
    t_start = time.monotonic()
    try:
        (tmp / "ray").mkdir()
        with ray_haproxy_mode(tmp / "ray") as proxy_port:
            print(f"Ray and Serve up after {time.monotonic() - t_start:.0f}s", flush=True)
            results = measure(tmp, proxy_port, args.haproxy)
        print("-- node kill: two nodes, the worker killed under load", flush=True)
        results["node_kill"] = node_kill()
        print(f"   {results['node_kill']}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["total_s"] = round(time.monotonic() - t_start, 1)
    _table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def _table(r: dict[str, Any]) -> None:
    def med(xs: list[float]) -> str:
        return f"{statistics.median(xs):.3f}s" if xs else "-"

    print("\n                              Ray HAProxy mode    haproxy_model Syncer")
    rows = [
        ("churn requests", "requests"),
        ("churn failures", "failures"),
        ("reloads (2 steps, 4 replicas)", "reloads"),
        ("new HAProxy pids", "new_haproxy_pids"),
    ]
    for label, key in rows:
        print(f"{label:<30}{r['ray_churn'][key]!s:<20}{r['ours_churn'][key]!s}")
    for label, lat in (("RUNNING -> routable (med)", "running_to_routable_s"),
                       ("RUNNING -> 1st request (med)", "running_to_first_request_s")):  # fmt: skip
        print(f"{label:<30}{med(r['ray_churn'][lat]):<20}{med(r['ours_churn'][lat])}")
    print(f"\nbacklog 20 x 1 s on 1 replica, scale 1 -> 2 (1 replica alone: "
          f"{r['ours_backlog']['one_replica_alone_s']}s)")  # fmt: skip
    print(f"{'':<24}{'clear s':<9}{'new RUNNING':<13}{'1 queue s':<11}{'per replica':<14}failures")
    for variant in (*RAY_VARIANTS, "ours"):
        b = r[f"{variant}_backlog"]
        cells = (b["clear_s"], b["new_replica_running_s"], b["one_shared_queue_s"])
        print(f"{variant:<24}{cells[0]!s:<9}{cells[1]!s:<13}{cells[2]!s:<11}"
              f"{b['requests_per_replica']!s:<14}{b['failures']}")  # fmt: skip
    k = r["node_kill"]
    print("\nworker node killed under load (two nodes, standalone HAProxy beside the head)")
    print(f"requests before {k['before']}, kill -> server down ({k['down_after_s']}s) "
          f"{k['kill_to_down']}, after {k['after']}")  # fmt: skip
    print(f"failed: {k['failed_in_flight']} in flight at the kill, {k['failed_later']} later; "
          f"reloads {k['reloads']}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
