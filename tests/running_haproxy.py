"""A real master-worker HAProxy (``-W -S master.sock``) for the plan and drift tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import attrs

from haproxy_model._net import free_port
from haproxy_model.io import haproxy
from haproxy_model.io.runtime import HAProxyRuntimeError, RuntimeClient

BINARIES = haproxy.find_all()
BINARY_IDS = [f"haproxy-{b.version}" for b in BINARIES]


@attrs.frozen
class Running:
    binary: haproxy.Binary
    folder: Path
    fe_port: int

    @property
    def config(self) -> Path:
        return self.folder / "haproxy.cfg"

    @property
    def admin(self) -> str:
        return str(self.folder / "admin.sock")

    @property
    def master(self) -> str:
        return f"master@{self.folder / 'master.sock'}"

    def client(self) -> RuntimeClient:
        return RuntimeClient(self.admin, timeout=5.0)

    def master_client(self) -> RuntimeClient:
        return RuntimeClient(self.master, timeout=5.0)

    def worker_pids(self) -> list[int]:
        return [p.pid for p in self.master_client().show_proc() if p.kind == "worker"]


@contextlib.contextmanager
def running(
    binary: haproxy.Binary,
    template: str,
    files: Mapping[str, str] | None = None,
    **values: object,
) -> Iterator[Running]:
    """Start ``template`` (formatted with ``d`` the folder, ``fe`` a free port and
    ``values``) in master-worker mode, ``files`` (name: text) written beside it first;
    stop it and remove its folder afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="hm-ops-"))  # short: Unix socket paths are limited
    run = Running(binary, folder, free_port())
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    run.config.write_text(template.format(d=folder, fe=run.fe_port, **values))
    with master_worker(binary, folder, run.config) as (proc, log):
        _wait(run, proc, log)
        yield run


@contextlib.contextmanager
def master_worker(
    binary: haproxy.Binary, folder: Path, config: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """``haproxy -W -S folder/master.sock -db -f config`` in its own process group, its
    output in ``folder/haproxy.log``; stopped, and ``folder`` removed, afterwards."""
    log = folder / "haproxy.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [binary.path, "-W", "-S", str(folder / "master.sock"), "-db", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc, log
    finally:
        stop(proc)
        shutil.rmtree(folder, ignore_errors=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End the master and its workers (their own process group, started by us)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=5)
            # workers share the group: make sure none outlives the master
            os.killpg(proc.pid, signal.SIGKILL)
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return
        return


def _wait(run: Running, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{run.binary} exited {proc.returncode}:\n{log.read_text()}")
        try:
            RuntimeClient(run.admin, timeout=1).show_info()
            if run.worker_pids():
                with socket.create_connection(("127.0.0.1", run.fe_port), timeout=1):
                    return
        except (OSError, HAProxyRuntimeError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"{run.binary} did not come up:\n{log.read_text()}")
