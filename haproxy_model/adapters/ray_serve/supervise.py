"""Supervising HAProxy: one master-worker process (``haproxy -W -S <workdir>/master.sock
-f <workdir>/haproxy.cfg``) started, reloaded through its master CLI and stopped, each
step waiting for a worker that answers on the admin socket."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from haproxy_model.base.errors import Error
from haproxy_model.io import haproxy as hx
from haproxy_model.io.runtime import HAProxyRuntimeError, RuntimeClient

from .journal import Journal

__all__ = ["RUNTIME_ERRORS", "HAProxyProcess", "SyncError"]

RUNTIME_ERRORS = (HAProxyRuntimeError, OSError, TimeoutError, ValueError)
"""What a runtime API exchange with HAProxy can raise."""


class SyncError(Error, RuntimeError):
    """A configuration HAProxy rejected, or an HAProxy that would not start or reload."""


class HAProxyProcess:
    """The HAProxy master run on ``config_path`` in ``workdir``, its output in ``log_path``.

    ``cli`` is the admin socket (the current worker's), ``master`` the master CLI; a
    start or reload waits up to ``ready_timeout`` seconds for the new worker.
    """

    def __init__(
        self,
        journal: Journal,
        *,
        binary: hx.Binary,
        workdir: Path,
        config_path: Path,
        master_socket: Path,
        log_path: Path,
        ready_timeout: float,
        cli: RuntimeClient,
        master: RuntimeClient,
    ) -> None:
        self._journal = journal
        self._binary = binary
        self._workdir = workdir
        self._config_path = config_path
        self._master_socket = master_socket
        self._log_path = log_path
        self._ready_timeout = ready_timeout
        self._cli = cli
        self._master = master
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """PID of the master process, if one is running."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def running(self) -> bool:
        """Whether the master process is running."""
        proc = self._proc
        return proc is not None and proc.poll() is None

    @property
    def exit_code(self) -> int | None:
        """The exit code of a master that exited on its own (``None``: running, stopped
        or never started)."""
        proc = self._proc
        return None if proc is None else proc.poll()

    def start(self) -> tuple[int, int]:
        """Start HAProxy on the config file; return the master's and the worker's PIDs.

        Raises :class:`SyncError` when the binary cannot run, or when no worker answers
        (the process is stopped again).
        """
        log = open(self._log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            argv = [self._binary.path, "-W", "-S", f"{self._master_socket},mode,600",
                    "-f", str(self._config_path)]  # fmt: skip
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._workdir,
                start_new_session=True,
            )
        except OSError as exc:
            raise SyncError(f"cannot run {self._binary.path}: {exc}") from exc
        finally:
            log.close()
        self._proc = proc
        try:
            return proc.pid, self._wait_worker(set(), proc)
        except SyncError:
            self.stop()
            raise

    def reload(self) -> int:
        """Reload hitlessly through the master CLI; return the new worker's PID.

        Raises :class:`SyncError` or one of :data:`RUNTIME_ERRORS`.
        """
        proc = self._proc
        assert proc is not None
        old = self._workers()
        try:
            reply = self._master.execute_master("reload", timeout=self._ready_timeout)
        except (ConnectionError, TimeoutError) as exc:
            reply = f"({type(exc).__name__})"  # 2.6 may drop the session: verify below
        if "Success=0" in reply:
            raise SyncError(f"the master refused the reload: {reply[:500]}")
        return self._wait_worker(old, proc)

    def stop(self) -> None:
        """Stop the master and its workers, if running."""
        proc = self._proc
        self._proc = None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # master-worker: the master stops its workers and exits
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # our own session (start_new_session)
            proc.wait(5)
        self._journal.emit("stop", detail=f"HAProxy master {proc.pid} exited ({proc.returncode})")

    def _workers(self) -> set[int]:
        return {p.pid for p in self._master.show_proc() if p.kind == "worker"}

    def _wait_worker(self, old: set[int], proc: subprocess.Popen[bytes]) -> int:
        """Wait for a current worker not in ``old`` that answers on the admin socket."""
        deadline = time.monotonic() + self._ready_timeout
        last = ""
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SyncError(f"HAProxy exited with code {proc.returncode}: {self._log_tail()}")
            try:
                workers = self._workers() - old
                if workers:
                    info = self._cli.show_info()
                    pid = int(info.get("Pid", "0"))
                    if pid in workers:
                        return pid
                    last = f"admin socket answered from pid {pid}"
            except (*RUNTIME_ERRORS, ConnectionError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.02)
        raise SyncError(f"no new HAProxy worker within {self._ready_timeout:g}s ({last})")

    def _log_tail(self, lines: int = 8) -> str:
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])
