"""``apply``: take a running master-worker HAProxy from its file to NEW, safely.

Steps, in order, each logged: (a) ``check``: ``haproxy -c`` on NEW with the binary the
master runs (``/proc/<master>/exe``, else one of the same version); (b) ``plan``
against FILE; (c) ``write``: NEW replaces FILE atomically, the last ``keep`` versions
kept as ``FILE.1`` (newest) .. ``FILE.<keep>``; (d) ``runtime``: the plan's commands
through the master CLI, or ``reload``: one reload through it, waiting for a new worker
(a failed reload leaves the old worker and counts in the master's ``failed``); (e)
``verify``: :func:`~haproxy_model.ops.drift.drift` finds nothing on what the plan
touched (after a reload: nothing at all).  On a failure after (c), FILE is restored
and the running state taken back (the reverse plan's commands, or a reload of the old
file); :class:`ApplyError` then says which step failed and what runs now.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from haproxy_model.base.atomic_write import write_text_atomic
from haproxy_model.base.errors import Error, InvalidType, InvalidValue, OperationFailed
from haproxy_model.io import haproxy as hx
from haproxy_model.io.runtime import HAProxyRuntimeError, ProcessInfo, RuntimeClient
from haproxy_model.model.api import dumps, load, parse
from haproxy_model.model.config import Config
from haproxy_model.ops.drift import RuntimeUnavailable, drift
from haproxy_model.ops.patterns import PatternFile, pattern_files, running_entries
from haproxy_model.ops.plan import Plan, plan_configs

Log = Callable[[str, str], None]

_RUNTIME_ERRORS = (HAProxyRuntimeError, OSError, TimeoutError)


@attrs.frozen
class Step:
    """One logged step: ``name`` (check, plan, write, runtime, reload, verify, rollback)."""

    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, "ok": self.ok, "detail": self.detail}


@attrs.frozen
class Applied:
    """What :func:`apply` did: the plan, the steps, whether it reloaded, the worker now."""

    plan: Plan
    steps: tuple[Step, ...]
    written: bool
    reloaded: bool
    worker: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "plan": self.plan.to_dict(),
            "steps": [s.to_dict() for s in self.steps],
            "written": self.written,
            "reloaded": self.reloaded,
            "worker": self.worker,
        }


class ApplyError(OperationFailed):
    """A step of :func:`apply` failed: ``step`` names it, ``state`` says what runs now."""

    def __init__(self, step: str, message: str, state: str, steps: tuple[Step, ...]) -> None:
        super().__init__(f"{step} failed: {message}; {state}")
        self.step = step
        self.message = message
        self.state = state
        self.steps = steps

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": False,
            "failed_step": self.step,
            "error": self.message,
            "state": self.state,
            "steps": [s.to_dict() for s in self.steps],
        }


def apply(
    new_cfg: Config | str,
    config_path: str | os.PathLike[str],
    *,
    master_socket: str | os.PathLike[str],
    keep: int = 3,
    dry_run: bool = False,
    timeout: float = 15.0,
    log: Log | None = None,
) -> Applied:
    """Apply ``new_cfg`` (a Config or its text) to the HAProxy started on ``config_path``
    with ``-W -S master_socket`` (see the module documentation).

    Raises :class:`ApplyError` when a step fails (after rolling back),
    :class:`RuntimeUnavailable` when the master CLI cannot be reached or is not one,
    and the usual errors for a missing or unparsable file.
    """
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 0:
        raise InvalidValue(f"keep must be a non-negative int, not {keep!r}")
    if not isinstance(config_path, (str, os.PathLike)):
        raise InvalidType(f"config_path must be a path, not {type(config_path).__name__}")
    run = _Run(Path(config_path), _master(master_socket, timeout), timeout, log)
    new = new_cfg if isinstance(new_cfg, Config) else _parse(new_cfg)
    return run.go(new, keep=keep, dry_run=dry_run)


def _parse(text: object) -> Config:
    if not isinstance(text, str):
        raise InvalidType(f"new_cfg must be a Config or its text, not {type(text).__name__}")
    return parse(text, filename="<new>")


def _master(address: str | os.PathLike[str], timeout: float) -> RuntimeClient:
    if not isinstance(address, (str, os.PathLike)):
        raise InvalidType(f"master_socket must be a path, not {type(address).__name__}")
    text = os.fspath(address)
    return RuntimeClient(text, master=not text.startswith("master@"), timeout=timeout)


class _Run:
    def __init__(self, path: Path, master: RuntimeClient, timeout: float, log: Log | None) -> None:
        self.path = path
        self.master = master
        self.timeout = timeout
        self.log = log
        self.steps: list[Step] = []
        self.new_text = ""
        self.old_text = ""
        self.new_files: dict[str, PatternFile] = {}
        self.before: dict[str, list[tuple[str, str]] | None] = {}
        self.after: dict[str, list[tuple[str, str]] | None] = {}

    def note(self, name: str, detail: str, *, ok: bool = True) -> None:
        self.steps.append(Step(name, ok, detail))
        if self.log is not None:
            self.log(name, detail if ok else f"FAILED: {detail}")

    def fail(self, step: str, message: str, state: str) -> ApplyError:
        self.note(step, message, ok=False)
        return ApplyError(step, message, state, tuple(self.steps))

    # -- the steps --

    def go(self, new: Config, *, keep: int, dry_run: bool) -> Applied:
        procs = self.processes()
        binary = self.binary(procs)
        new_text = self.new_text = dumps(new)
        self.check(new, binary)
        old = load(self.path)
        old_text = self.old_text = dumps(old)
        steps = self.plan(old, new, binary.version)
        what = "reload" if steps.needs_reload else f"{len(steps.commands)} runtime command(s)"
        self.note("plan", f"{len(steps.runtime) + len(steps.reload)} change(s): {what}")
        if dry_run:
            return Applied(steps, tuple(self.steps), False, False, _worker(procs))
        if new_text == old_text and steps.empty:
            return self.again(new, procs)
        if new_text != old_text:
            self.write(old, new_text, keep)
        else:
            self.note("write", "FILE already holds NEW; only map or ACL file entries differ")
        if steps.needs_reload:
            worker = self.reload(old_text, procs, "reload")
            self.verify(new, None, old_text, reloaded=True)
            return Applied(steps, tuple(self.steps), True, True, worker)
        self.runtime(steps, old_text)
        self.verify(new, steps, old_text, reloaded=False)
        now = _worker(self.processes())
        return Applied(steps, tuple(self.steps), new_text != old_text, False, now)

    def plan(self, old: Config, new: Config, version: str) -> Plan:
        """The plan, map and ACL files compared with what HAProxy has (``show map``)."""
        folder = str(self.path.parent.resolve())
        self.new_files = pattern_files(new, folder)
        shared = {n: f for n, f in pattern_files(old).items() if n in self.new_files}
        self.before = running_entries(self.master, shared)
        self.after = {n: f.read() for n, f in self.new_files.items()}
        return plan_configs(old, new, version=version, old_entries=self.before,
                            new_entries=self.after, new_folder=folder)  # fmt: skip

    def processes(self) -> list[ProcessInfo]:
        try:
            procs = self.show_proc()
        except HAProxyRuntimeError as exc:
            raise RuntimeUnavailable(
                f"{self.master.address} is not HAProxy's master CLI (haproxy -W -S SOCK): "
                f"'show proc' answered {exc.message.split(',')[0].strip()[:60]!r}"
            ) from None
        except (OSError, TimeoutError) as exc:
            if isinstance(exc, Error):
                raise
            what = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
            raise RuntimeUnavailable(f"{self.master.address}: {what}") from None
        if not any(p.kind == "master" for p in procs):
            raise RuntimeUnavailable(f"{self.master.address}: 'show proc' lists no master")
        return procs

    def show_proc(self) -> list[ProcessInfo]:
        """``show proc``, waiting up to 3 seconds while the socket refuses: a master
        re-executing for a reload (HAProxy 2.6 does) is briefly not listening."""
        deadline = time.monotonic() + min(self.timeout, 3.0)
        while True:
            try:
                return self.master.show_proc()
            except (ConnectionRefusedError, ConnectionResetError):
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)

    def binary(self, procs: list[ProcessInfo]) -> hx.Binary:
        master = next(p for p in procs if p.kind == "master")
        try:
            return hx.probe(os.readlink(f"/proc/{master.pid}/exe"))
        except (OSError, Error):
            pass
        for found in hx.find_all():
            if master.version.startswith(found.version):
                return found
        raise RuntimeUnavailable(
            f"cannot find the binary the master (pid {master.pid}, {master.version}) runs"
        )

    def check(self, new: Config, binary: hx.Binary) -> None:
        result = binary.run_check(new, cwd=self.path.parent, timeout=self.timeout * 4)
        errors = [d for d in result.diagnostics if d.severity == "error"]
        if not result.valid:
            text = "; ".join(str(d) for d in errors) or result.output.strip()[:500]
            raise self.fail("check", text, "nothing written, nothing reloaded")
        self.note("check", f"haproxy -c ({binary.path}, {binary.version}): valid")

    def write(self, old: Config, text: str, keep: int) -> None:
        try:
            _rotate(self.path, keep)
            if keep:
                write_text_atomic(_backup(self.path, 1), dumps(old))
            write_text_atomic(self.path, text, expected=old.source)
        except (OSError, Error) as exc:
            raise self.fail("write", str(exc), "FILE unchanged, nothing reloaded") from None
        self.note("write", f"{self.path} replaced" + (f", old as {_backup(self.path, 1)}"
                                                      if keep else ""))  # fmt: skip

    def again(self, new: Config, procs: list[ProcessInfo]) -> Applied:
        """FILE already holds NEW (a second apply, after one that was stopped): reload
        once unless HAProxy runs it already."""
        steps = Plan()
        deadline = time.monotonic() + self.timeout
        while True:  # a reload an earlier apply started may still be under way
            try:
                found = drift(new, self.master)
                break
            except (Error, *_RUNTIME_ERRORS) as exc:
                if time.monotonic() > deadline:
                    state = "FILE holds NEW, nothing reloaded"
                    raise self.fail("verify", str(exc), state) from None
            time.sleep(0.1)
        if not found:
            self.note("write", "FILE already holds NEW and HAProxy runs it: nothing to do")
            return Applied(steps, tuple(self.steps), False, False, _worker(procs))
        self.note("write", f"FILE already holds NEW; HAProxy differs ({found.items[0]}): reload")
        worker = self.reload(self.old_text, procs, "reload", restore=False)
        self.verify(new, None, self.old_text, reloaded=True)
        return Applied(steps, tuple(self.steps), False, True, worker)

    def runtime(self, steps: Plan, old_text: str) -> None:
        count = 0
        sent: set[str] = set()
        for step in steps.runtime:
            for command in step.commands:
                try:
                    self.send(command)
                except _RUNTIME_ERRORS as exc:
                    state = self.roll_back(old_text, sent=sent, reloaded=False)
                    raise self.fail("runtime", f"{command}: {exc}", state) from None
                sent.add(step.path)
                count += 1
        self.note("runtime", f"{count} command(s) sent, no reload")

    def send(self, command: str) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self.master.execute(command)
                return
            except HAProxyRuntimeError as exc:  # del server: connections still draining
                if "connections" not in exc.message or time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def reload(
        self, old_text: str, procs: list[ProcessInfo], step: str, *, restore: bool = True
    ) -> int:
        before = {p.pid for p in procs if p.kind == "worker"}
        failed = next((p.failed_reloads or 0 for p in procs if p.kind == "master"), 0)
        reply = ""
        # 2.6 closes the session while the master re-executes: show proc tells
        with contextlib.suppress(OSError, TimeoutError):
            reply = self.master.execute_master("reload", timeout=self.timeout)
        deadline = time.monotonic() + self.timeout
        problem = "no new worker in time"
        while time.monotonic() < deadline:
            time.sleep(0.05)
            try:
                now = self.master.show_proc()
            except _RUNTIME_ERRORS:
                continue
            master = next((p for p in now if p.kind == "master"), None)
            workers = {p.pid for p in now if p.kind == "worker"} - before
            if workers:
                worker = min(workers)
                self.note(step, f"new worker {worker}; old worker(s) drain and exit")
                return worker
            if "Success=0" in reply or (master is not None and (master.failed_reloads or 0) >
                                        failed):  # fmt: skip
                problem = _reload_message(reply)
                break
        if step == "rollback":
            raise OperationFailed(f"the reload of the old FILE failed too: {problem}")
        if not restore:
            raise self.fail("reload", problem, "FILE holds NEW; the old worker still serves")
        state = self.roll_back(old_text, sent=set(), reloaded=False)
        raise self.fail("reload", problem, state)

    def verify(self, new: Config, steps: Plan | None, old_text: str, *, reloaded: bool) -> None:
        try:
            found = drift(new, self.master)  # worker commands go to @1: the current worker
        except (Error, *_RUNTIME_ERRORS) as exc:
            problem = str(exc)
        else:
            items = [i for i in found.items if steps is None or _touched(steps, i.target)]
            problem = "; ".join([str(i) for i in items] + self.file_problems())
        if problem:
            sent = {step.path for step in steps.runtime} if steps else set()
            state = self.roll_back(old_text, sent=sent, reloaded=reloaded)
            raise self.fail("verify", f"running state differs from NEW: {problem}", state)
        self.note("verify", "show servers state, show stat and show info agree with NEW")

    def file_problems(self) -> list[str]:
        """The map and ACL files whose running entries differ from NEW's file."""
        running = running_entries(self.master, self.new_files)
        return [
            f"{pf.kind} file {name}: show {pf.kind} differs from the file"
            for name, pf in self.new_files.items()
            if self.after.get(name) is not None and running[name] != self.after[name]
        ]

    def roll_back(self, old_text: str, *, sent: set[str], reloaded: bool) -> str:
        """Restore FILE and the running state; return a sentence saying what runs now."""
        try:
            write_text_atomic(self.path, old_text)
        except (OSError, Error) as exc:
            return f"FILE could NOT be restored ({exc}); the running state is unknown"
        parts = ["FILE restored"]
        try:
            if reloaded:
                self.reload(old_text, self.show_proc(), "rollback")
                parts.append("the old FILE reloaded")
            elif sent:
                parts.append(self.revert(sent))
            else:
                parts.append("the old worker still serves the old FILE")
        except (Error, *_RUNTIME_ERRORS) as exc:
            parts.append(f"taking the running state back failed: {exc}")
        self.note("rollback", ", ".join(parts))
        return ", ".join(parts)

    def revert(self, sent: set[str]) -> str:
        """Take back the changes (PATHs) some command of which was sent: the reverse plan's
        commands for them (``set maxconn global 0`` restores the start value); a reload of
        the restored FILE when one of them only reloads.  Map and ACL files go from what
        HAProxy has now (some of their commands may not have been sent) to what it had."""
        folder = str(self.path.parent.resolve())
        now = running_entries(self.master, self.new_files)
        entries = {**self.after, **{n: e for n, e in now.items() if e is not None}}
        back = plan_configs(parse(self.new_text), parse(self.old_text), old_entries=entries,
                            new_entries=self.before, new_folder=folder)  # fmt: skip
        if any(s.path in sent and s.path != "global/maxconn" for s in back.reload):
            self.reload(self.old_text, self.show_proc(), "rollback")
            return "the old FILE reloaded"
        commands = [c for s in back.runtime if s.path in sent for c in s.commands]
        if any(s.path in sent for s in back.reload):
            commands.append("set maxconn global 0")
        refused = 0
        for command in commands:
            try:
                self.send(command)
            except _RUNTIME_ERRORS:
                refused += 1
        text = f"{len(commands) - refused} runtime command(s) reverted"
        return text + (f", {refused} refused" if refused else "")


def _touched(steps: Plan, target: str) -> bool:
    words = " ".join(steps.commands).split(" ")
    return target in words or (target == "global" and "global" in words)


def _reload_message(reply: str) -> str:
    alerts = [line.split(":", 1)[-1].strip() for line in reply.splitlines() if "[ALERT]" in line]
    if alerts:
        return "HAProxy refused to load NEW: " + "; ".join(alerts[:3])
    return "HAProxy refused to load NEW (the master counts a failed reload; see its log)"


def _worker(procs: list[ProcessInfo]) -> int | None:
    return next((p.pid for p in procs if p.kind == "worker"), None)


def _backup(path: Path, index: int) -> Path:
    return path.with_name(f"{path.name}.{index}")


def _rotate(path: Path, keep: int) -> None:
    """``FILE.<keep-1>`` -> ``FILE.<keep>`` ... ``FILE.1`` -> ``FILE.2``; the oldest goes."""
    if keep <= 0:
        return
    for index in range(keep - 1, 0, -1):
        older = _backup(path, index)
        if older.exists():
            os.replace(older, _backup(path, index + 1))
