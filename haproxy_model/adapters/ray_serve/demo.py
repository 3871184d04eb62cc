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

The helpers (:func:`ray_serve_session`, :func:`deploy`, :class:`Load`,
:func:`burst`, :class:`StatSampler`) are shared with the tests and the churn
benchmark. Only the loopback interface is used.

Scaling goes through Serve's declarative config (``deploy_apps`` of a
``ServeDeploySchema``, the API behind ``serve deploy``): changing
``num_replicas`` there is a light update that keeps the running replicas.
``serve.run`` would not do: it gives the deployment a new random code version
at every call (``ray/serve/_private/client.py``), so every replica is replaced.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import http.client
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import attrs
from ray import serve

from haproxy_model._net import free_port

from ._ray_private import TargetsLongPoll
from .policy import Policy, ServerMaxconn, Timeouts
from .snapshot import backend_name, server_name
from .sync import Syncer

APP = "demo"
DEPLOYMENT = "SlowEcho"
ROUTE_PREFIX = "/"
IMPORT_PATH = "haproxy_model.adapters.ray_serve.demo:app"
MAX_ONGOING = 2
DELAY_S = 0.5
BACKEND = backend_name(APP)

RAY_ENV = {
    "RAY_SERVE_ENABLE_DIRECT_INGRESS": "1",  # replicas get their own HTTP listener
    "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S": "0.5",  # default 30 s
    "RAY_USAGE_STATS_ENABLED": "0",
}


def haproxy_mode_env(folder: str | os.PathLike[str], *, metrics: bool = False) -> dict[str, str]:
    """:data:`RAY_ENV` plus Ray Serve's own HAProxy mode with every file it writes in
    ``folder`` and its stats, metrics and fallback-proxy ports on free ports, so a run
    collides with nothing (Ray's defaults are ``/tmp/haproxy-serve`` and fixed ports).
    ``metrics`` keeps Ray's per-request metrics log (off: one socket less)."""
    f = os.fspath(folder)
    env = dict(RAY_ENV)
    env.update({
        "RAY_SERVE_ENABLE_HA_PROXY": "1",
        "RAY_SERVE_HAPROXY_CONFIG_FILE_LOC": f"{f}/haproxy.cfg",
        "RAY_SERVE_HAPROXY_SOCKET_PATH": f"{f}/admin.sock",
        "RAY_SERVE_HAPROXY_SERVER_STATE_BASE": f,
        "RAY_SERVE_HAPROXY_SERVER_STATE_FILE": f"{f}/server-state",
        "RAY_SERVE_HAPROXY_METRICS_SOCKET_PATH": f"{f}/metrics.sock",
        "RAY_SERVE_HAPROXY_STATS_PORT": str(free_port()),
        "RAY_SERVE_HAPROXY_METRICS_PORT": str(free_port()),
        "RAY_SERVE_FALLBACK_PROXY_HTTP_PORT": str(free_port()),
    })  # fmt: skip
    if not metrics:
        env["RAY_SERVE_HAPROXY_METRICS_ENABLED"] = "0"
    return env


T = TypeVar("T")
S = TypeVar("S", bound="Sampler")
log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- the Serve app


@serve.deployment(
    name=DEPLOYMENT,
    num_replicas=2,
    max_ongoing_requests=MAX_ONGOING,
    ray_actor_options={"num_cpus": 0.25},
    graceful_shutdown_wait_loop_s=0.2,
    graceful_shutdown_timeout_s=5,
)
class SlowEcho:
    """Answers ``{"replica", "started", "ready_at"}`` after ``?delay=`` s (default 0.5)."""

    def __init__(self) -> None:
        self.replica = str(serve.get_replica_context().replica_id.unique_id)
        self.ready_at = time.time()

    async def __call__(self, request: Any) -> dict[str, Any]:
        started = time.time()
        delay = min(max(float(request.query_params.get("delay", DELAY_S)), 0.0), 10.0)
        await asyncio.sleep(delay)
        return {"replica": self.replica, "started": started, "ready_at": self.ready_at}


app: Any = cast(Any, SlowEcho).bind()  # what IMPORT_PATH names


def demo_policy() -> Policy:
    """``maxconn`` = ``max_ongoing_requests`` per server; requests wait in HAProxy's queue."""
    return Policy(
        timeouts=Timeouts(
            connect="2s",
            client="60s",
            server="60s",
            queue="30s",
            http_request="10s",
            http_keep_alive="10s",
        ),
        retries=3,
        retry_on=("conn-failure", "empty-response"),
        server_maxconn_rule=ServerMaxconn(ratio=1.0),
    )


# --------------------------------------------------------------------------- Ray helpers


@contextlib.contextmanager
def ray_serve_session(
    *,
    env: Mapping[str, str] | None = None,
    num_cpus: int = 2,
    http_host: str = "127.0.0.1",
    dashboard_port: int | None = None,
) -> Iterator[int]:
    """Start a local Ray and Serve (HTTP on ``http_host`` and a free port); yield that port.

    ``env`` (default :data:`RAY_ENV`) is set before ``ray.init`` so every Ray
    process inherits it, and restored afterwards. With ``dashboard_port`` Ray's
    dashboard (and its REST API) listens on that port of 127.0.0.1. Serve and
    Ray are shut down on exit, whatever happens.
    """
    import ray

    if ray.is_initialized():
        raise RuntimeError("Ray is already initialised in this process")
    values = dict(RAY_ENV if env is None else env)
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        ray.init(
            address="local",
            num_cpus=num_cpus,
            include_dashboard=dashboard_port is not None,
            dashboard_host="127.0.0.1",
            dashboard_port=dashboard_port,
            log_to_driver=False,
            configure_logging=False,
        )
        try:
            port = free_port()
            serve.start(http_options={"host": http_host, "port": port})
            yield port
        finally:
            try:
                serve.shutdown()  # type: ignore[no-untyped-call]
            finally:
                ray.shutdown()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def deploy(
    num_replicas: int,
    *,
    proxy_port: int,
    name: str = APP,
    route_prefix: str = ROUTE_PREFIX,
    http_host: str = "127.0.0.1",
) -> None:
    """Deploy (or rescale) the demo app through Serve's declarative config; returns at once.

    Uses the client behind ``serve deploy`` (a private accessor, demo only):
    only ``num_replicas`` changes between calls, so Serve keeps the running
    replicas and adds or stops the difference.
    """
    from ray.serve.context import _get_global_client
    from ray.serve.schema import ServeDeploySchema

    config = ServeDeploySchema.model_validate(
        {
            "http_options": {"host": http_host, "port": proxy_port},
            "applications": [
                {
                    "name": name,
                    "route_prefix": route_prefix,
                    "import_path": IMPORT_PATH,
                    "deployments": [{"name": DEPLOYMENT, "num_replicas": num_replicas}],
                }
            ],
        }
    )
    client = _get_global_client()
    if client is None:
        raise RuntimeError("Serve is not started; call serve.start() first")
    client.deploy_apps(config)


def running_replicas(name: str = APP) -> list[str]:
    """Ids of the RUNNING ingress replicas with a listener (via discovery)."""
    from .discovery import discover

    snap = discover(applications=[name])
    if not snap.applications:
        return []
    ingress = snap.application(name).ingress
    if ingress is None:
        return []
    return sorted(r.replica_id for r in ingress.running_replicas if r.port is not None)


def wait_for(predicate: Callable[[], T], timeout: float, what: str, *, poll: float = 0.1) -> T:
    """Poll ``predicate`` until it returns something truthy; ``TimeoutError`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = predicate()
        except Exception as exc:  # e.g. Serve still starting
            last = exc
        else:
            if last:
                return cast(T, last)
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")
        time.sleep(poll)


# --------------------------------------------------------------------------- load


@attrs.frozen
class Result:
    """One request: HTTP ``status`` (0: no answer), times and the replica that served it."""

    status: int
    started: float
    ended: float
    replica: str = ""
    handled_at: float = 0.0
    error: str = ""


def get(host: str, port: int, path: str = "/", *, timeout: float = 40.0) -> Result:
    """One ``GET`` on a new connection."""
    started = time.time()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    except Exception as exc:
        return Result(0, started, time.time(), error=f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
    replica, handled = "", 0.0
    if resp.status == 200:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            data = json.loads(body)
            replica, handled = str(data["replica"]), float(data["started"])
    error = "" if resp.status == 200 else body[:200].decode(errors="replace")
    return Result(resp.status, started, time.time(), replica, handled, error)


def burst(
    host: str,
    port: int,
    *,
    total: int,
    concurrency: int,
    path: str = "/",
    timeout: float = 40.0,
) -> list[Result]:
    """``total`` requests, ``concurrency`` at a time; each bounded by ``timeout`` seconds."""
    with ThreadPoolExecutor(concurrency, thread_name_prefix="burst") as pool:
        return list(pool.map(lambda _: get(host, port, path, timeout=timeout), range(total)))


class Load:
    """``concurrency`` clients sending requests back to back until :meth:`stop`.

    Bounded: at most ``max_requests`` in all and ``max_seconds`` of sending. Each
    client starts a request at most every ``min_interval`` seconds, so requests
    that fail at once (nothing listening) do not use up the count in an instant:
    a load meant to last a given time lasts it.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        concurrency: int,
        path: str = "/",
        max_requests: int = 2000,
        max_seconds: float = 90.0,
        timeout: float = 40.0,
        min_interval: float = 0.0,
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.min_interval = min_interval
        self.concurrency = concurrency
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.timeout = timeout
        self.results: list[Result] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sent = 0
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Load:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> Load:
        end = time.monotonic() + self.max_seconds
        for i in range(self.concurrency):
            t = threading.Thread(target=self._client, args=(end,), name=f"load-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _client(self, end: float) -> None:
        while not self._stop.is_set() and time.monotonic() < end:
            with self._lock:
                if self._sent >= self.max_requests:
                    return
                self._sent += 1
            began = time.monotonic()
            result = get(self.host, self.port, self.path, timeout=self.timeout)
            with self._lock:
                self.results.append(result)
            rest = self.min_interval - (time.monotonic() - began)
            if rest > 0:
                self._stop.wait(rest)

    def stop(self) -> list[Result]:
        """Stop sending, wait for the requests in flight, return every result."""
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)
        with self._lock:
            return list(self.results)


class Sampler:
    """A daemon thread that calls :meth:`sample` until its ``with`` block ends.

    Between samples it waits :meth:`pause` (``period`` s by default); errors of
    one sample are ignored (the next one tries again).
    """

    def __init__(self, *, period: float, name: str) -> None:
        self.period = period
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self: S) -> S:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def sample(self) -> None:
        """Take one sample."""
        raise NotImplementedError

    def pause(self) -> None:
        """Wait until the next sample is due."""
        self._stop.wait(self.period)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.sample()
                self.samples += 1
            self.pause()


class StatSampler(Sampler):
    """Samples ``show stat`` of one backend every ``period`` s.

    ``peak_scur[server]``, ``slim[server]`` and ``peak_qcur`` (the backend's
    queue) are the highest values seen.
    """

    def __init__(self, syncer: Syncer, backend: str, *, period: float = 0.05) -> None:
        super().__init__(period=period, name="stat-sampler")
        self.client = syncer.client(timeout=2.0)
        self.backend = backend
        self.peak_scur: dict[str, int] = collections.defaultdict(int)
        self.slim: dict[str, int | None] = {}
        self.peak_qcur = 0

    def sample(self) -> None:
        """One ``show stat``."""
        for row in self.client.show_stat(self.backend):
            if row.is_server:
                self.peak_scur[row.svname] = max(self.peak_scur[row.svname], row.scur or 0)
                self.slim[row.svname] = row.slim
            elif row.is_backend:
                self.peak_qcur = max(self.peak_qcur, row.qcur or 0)


class RunningWatcher(Sampler):
    """Records when each replica is first RUNNING with a listener.

    Waits on the controller's long poll for the deployments' replicas (the
    push Serve's own routers get) and reads the replica targets (what HAProxy
    mode routes to) the moment it fires, and every ``period`` s anyway:
    ``seen[replica id]`` is the wall-clock time the controller's notification
    arrived, within a few milliseconds of the replica becoming RUNNING.
    """

    def __init__(
        self, deployments: Iterable[tuple[str, str]] = ((APP, DEPLOYMENT),), *, period: float = 0.5
    ) -> None:
        super().__init__(period=period, name="running-watcher")
        self.deployments = frozenset(deployments)
        self.seen: dict[str, float] = {}
        self._woke = time.time()
        self._poll: TargetsLongPoll | None = None

    def sample(self) -> None:
        """Stamp the replicas listed now with the time the wait ended."""
        from . import _ray_private

        for target in _ray_private.replica_targets(5.0):
            self.seen.setdefault(target.actor_name.rsplit("#", 1)[-1], self._woke)

    def pause(self) -> None:
        """The long poll, at most ``period`` s."""
        try:
            if self._poll is None:
                self._poll = TargetsLongPoll()
            self._poll.wait(self.deployments, self.period)
        except Exception:
            self._poll = None
            self._stop.wait(self.period)
        self._woke = time.time()


def by_status(results: Sequence[Result]) -> dict[int, int]:
    """``{status: count}`` (0 = no HTTP answer)."""
    return dict(sorted(collections.Counter(r.status for r in results).items()))


def first_served(results: Sequence[Result]) -> dict[str, float]:
    """``{replica id: time its first request started in the replica}``."""
    out: dict[str, float] = {}
    for r in results:
        if r.replica and (r.replica not in out or r.handled_at < out[r.replica]):
            out[r.replica] = r.handled_at
    return out


# --------------------------------------------------------------------------- the demo


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else "")
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


if __name__ == "__main__":
    sys.exit(main())
