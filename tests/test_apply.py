"""hm.apply / haproxy-model apply against a real master-worker HAProxy: live changes with
the same worker, one reload for the rest, under a bounded load with no failed request;
a NEW that `haproxy -c` rejects writes nothing; one that fails at start is rolled back."""

from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.cli import main
from haproxy_model.io import haproxy
from haproxy_model.ops.apply import ApplyError, apply
from tests.running_haproxy import BINARIES, BINARY_IDS, Running, running
from tests.test_plan import RUNNING, assert_runs, edit
from tests.test_runtime import http_get, web  # noqa: F401 - a fixture

pytestmark = pytest.mark.slow


@pytest.fixture(params=BINARIES, ids=BINARY_IDS)
def run(request: pytest.FixtureRequest, web: dict[str, int]) -> Iterator[Running]:  # noqa: F811
    """A fresh master-worker HAProxy running ``RUNNING``."""
    with running(request.param, RUNNING, **web) as started:
        yield started


@contextmanager
def load(port: int) -> Iterator[list[str]]:
    """One client sending requests back to back (bounded: one at a time, loopback);
    yields the list of failures, filled in when the block ends."""
    failures: list[str] = []
    done = threading.Event()
    count = [0]

    def loop() -> None:
        while not done.is_set():
            try:
                answer = http_get(port)
                if answer.startswith("HTTP "):
                    failures.append(answer)
            except OSError as exc:
                failures.append(repr(exc))
            count[0] += 1

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield failures
    finally:
        time.sleep(0.2)
        done.set()
        thread.join(10)
        assert count[0] > 5, count


def proposed(run: Running, folder: Path, *pairs: tuple[str, str]) -> Path:
    """NEW: the running file with ``pairs`` replaced, in ``folder``."""
    path = folder / "new.cfg"
    path.write_text(edit(run.config.read_text(), *pairs))
    return path


def backups(run: Running) -> list[str]:
    return sorted(p.name for p in run.folder.iterdir() if p.name.startswith("haproxy.cfg."))


def test_runtime_change_same_worker(
    run: Running,
) -> None:
    old = run.config.read_text()
    new = edit(old, ("weight 10", "weight 50 maxconn 20"), ("maxconn 200", "maxconn 300"))
    workers = run.worker_pids()
    logged: list[str] = []
    with load(run.fe_port) as failures:
        done = apply(new, run.config, master_socket=run.master, log=lambda s, d: logged.append(s))
    assert failures == []
    assert not done.reloaded and done.written
    assert run.worker_pids() == workers
    assert logged == ["check", "plan", "write", "runtime", "verify"]
    assert run.config.read_text() == new
    assert (run.folder / "haproxy.cfg.1").read_text() == old
    assert_runs(run, hm.parse(new))
    # again, twice: the backups rotate, --keep 2 keeps two
    newer = edit(new, ("weight 50", "weight 60"))
    apply(newer, run.config, master_socket=run.master, keep=2)
    apply(edit(newer, ("weight 60", "weight 70")), run.config, master_socket=run.master,
          keep=2)  # fmt: skip
    assert backups(run) == ["haproxy.cfg.1", "haproxy.cfg.2"]
    assert (run.folder / "haproxy.cfg.2").read_text() == new
    assert run.worker_pids() == workers


def test_new_backend_one_reload(
    run: Running,
    web: dict[str, int],  # noqa: F811
) -> None:
    new = run.config.read_text() + f"\nbackend extra\n    server e 127.0.0.1:{web['C']}\n"
    (old_worker,) = run.worker_pids()
    with load(run.fe_port) as failures:
        done = apply(new, run.config, master_socket=run.master)
    assert failures == []
    assert done.reloaded and done.worker != old_worker
    assert run.config.read_text() == new
    assert not hm.drift(hm.parse(new), run.client())
    deadline = time.monotonic() + 10  # the old worker exits once drained
    while old_worker in {p.pid for p in run.master_client().show_proc()}:
        assert time.monotonic() < deadline, "the old worker did not exit"
        time.sleep(0.1)


def test_rejected_by_check_changes_nothing(
    run: Running,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = run.config.read_text()
    new_file = proposed(
        run, tmp_path, ("balance roundrobin", "balance roundrobin\n    frobnicate 1")
    )
    workers = run.worker_pids()
    with pytest.raises(ApplyError) as err:
        apply(hm.load(new_file), run.config, master_socket=run.master)
    assert err.value.step == "check"
    assert f"{new_file}:19:5" in err.value.message and "frobnicate" in err.value.message
    assert "nothing written" in err.value.state
    code = main(["apply", str(new_file), "--config", str(run.config),
                 "--master-socket", run.master, "--json"])  # fmt: skip
    assert code == 1
    assert json.loads(capsys.readouterr().out)["failed_step"] == "check"
    assert run.config.read_text() == old and backups(run) == []
    assert run.worker_pids() == workers


def test_start_failure_rolls_back(run: Running) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        old = run.config.read_text()
        new = old + f"\nfrontend other\n    bind 127.0.0.1:{port}\n    default_backend be\n"
        workers = run.worker_pids()
        with pytest.raises(ApplyError) as err:
            apply(new, run.config, master_socket=run.master)
        assert err.value.step == "reload", err.value
        assert "FILE restored" in err.value.state and "old worker still serves" in err.value.state
        assert run.config.read_text() == old  # byte for byte
        assert run.worker_pids() == workers
        assert http_get(run.fe_port) in {"A", "B", "C"}
        leftovers = [p.name for p in run.folder.iterdir() if p.name.startswith(".")]
        assert leftovers == []


def test_dry_run_and_bad_input(
    run: Running,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = run.config.read_text()
    new_file = proposed(run, tmp_path, ("weight 10", "weight 50"))
    args = ["apply", str(new_file), "--config", str(run.config)]
    assert main([*args, "--master-socket", run.master, "--dry-run", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["plan"]["runtime"][0]["commands"] == ["set server be/s1 weight 50"]
    assert shown["written"] is False and run.config.read_text() == old
    # a stats socket is not the master CLI; a missing socket or file: one line, exit 2
    for sock in (run.admin, str(tmp_path / "none.sock")):
        assert main([*args, "--master-socket", sock]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err
    assert main(["apply", str(tmp_path / "missing.cfg"), "--config", str(run.config),
                 "--master-socket", run.master]) == 2  # fmt: skip
    assert run.config.read_text() == old


def test_runtime_failure_reverts_what_was_sent(run: Running) -> None:
    # a server added by hand at runtime: NEW's "add server" for the same name is refused
    cli = run.client()
    cli.add_server("be", "dyn", "127.0.0.1", 9, enable=False)
    old = run.config.read_text()
    new = edit(old, ("weight 10", "weight 50")) + "    server dyn 127.0.0.1:9\n"
    workers = run.worker_pids()
    with pytest.raises(ApplyError) as err:
        apply(new, run.config, master_socket=run.master)
    assert err.value.step == "runtime" and "add server be/dyn" in err.value.message
    assert "FILE restored" in err.value.state and "1 runtime command(s) reverted" in err.value.state
    assert run.config.read_text() == old
    states = {s.server: s for s in cli.show_servers_state("be")}
    assert states["s1"].uweight == 10  # the weight sent first is taken back
    assert "dyn" in states  # the server added by hand is left alone
    assert run.worker_pids() == workers


@pytest.mark.parametrize("binary", BINARIES[:1], ids=BINARY_IDS[:1])
def test_sigkill_at_random_moments(
    binary: haproxy.Binary,
    web: dict[str, int],  # noqa: F811
    tmp_path: Path,
) -> None:
    """20 kills of `haproxy-model apply` across its steps: FILE is always the old or the new
    text byte for byte, no temporary file is left, and a second apply completes."""
    rng = random.Random(14)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with running(binary, RUNNING, **web) as run:
        for i in range(20):
            old = run.config.read_text()
            if i % 2:
                new = re.sub(r"weight \d+", f"weight {i + 1}", old)
            else:
                new = old + f"\nbackend extra{i}\n    server e 127.0.0.1:{web['C']}\n"
            new_file = tmp_path / "new.cfg"
            new_file.write_text(new)
            proc = subprocess.Popen(
                [sys.executable, "-m", "haproxy_model", "apply", str(new_file),
                 "--config", str(run.config), "--master-socket", run.master],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(rng.uniform(0.5, 1.3))  # the import takes ~0.6s, the steps ~0.5s
            proc.kill()
            proc.wait()
            assert run.config.read_text() in (old, new), i
            assert [p.name for p in run.folder.iterdir() if p.name.endswith(".tmp")] == []
            apply(new, run.config, master_socket=run.master)
            assert run.config.read_text() == new
            assert not hm.drift(hm.parse(new), run.client()), i
