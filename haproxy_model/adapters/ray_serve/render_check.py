"""Rendering and checking the HAProxy file: build it for a snapshot and a policy, key its
structure (what only a reload can change), run ``haproxy -c``, write it atomically."""

from __future__ import annotations

import logging
from pathlib import Path

import attrs

import haproxy_model as hm
from haproxy_model.base.files import write_text_atomic
from haproxy_model.io import haproxy as hx

from .build import build_config
from .desired import routed
from .journal import Journal
from .policy import Policy
from .snapshot import ServeSnapshot

__all__ = ["ConfigFile"]


def _skeleton(snapshot: ServeSnapshot) -> ServeSnapshot:
    """``snapshot`` without replicas, statuses or replica counts."""
    apps = []
    for app in snapshot.applications:
        deps = tuple(
            attrs.evolve(d, status="", target_num_replicas=0, replicas=()) for d in app.deployments
        )
        apps.append(attrs.evolve(app, status="", deployments=deps))
    return ServeSnapshot(applications=tuple(apps), ray_version="")


class ConfigFile:
    """The syncer's ``haproxy.cfg``: built by :func:`~.build.build_config`, checked with
    ``binary`` (in ``workdir``) before every start and reload, written atomically."""

    def __init__(
        self,
        journal: Journal,
        *,
        binary: hx.Binary,
        workdir: Path,
        path: Path,
        admin_socket: Path,
        bind: str,
        stats_port: int | None,
        prometheus: bool,
    ) -> None:
        self._journal = journal
        self._binary = binary
        self._workdir = workdir
        self.path = path
        self._admin_socket = admin_socket
        self._bind = bind
        self._stats_port = stats_port
        self._prometheus = prometheus
        self._key_cache: tuple[ServeSnapshot, Policy, str] | None = None
        self.last_written = ""
        """The text last written to :attr:`path`."""

    def build(self, snapshot: ServeSnapshot, policy: Policy, spare: int) -> hm.Config:
        """The config for ``snapshot`` under ``policy``, ``spare`` slots per backend."""
        cfg = build_config(
            snapshot,
            policy,
            stats_port=self._stats_port,
            prometheus=self._prometheus,
            admin_socket=str(self._admin_socket),
            bind=self._bind,
            spare_slots=spare,
        )
        cfg.filename = str(self.path)
        return cfg

    def structure_key(self, snapshot: ServeSnapshot, policy: Policy, mode: str) -> str:
        """Everything in the file but the replica servers; a change needs a reload."""
        skeleton = _skeleton(snapshot)
        cached = self._key_cache
        if cached is not None and cached[0] == skeleton and cached[1] == policy:
            return cached[2]
        lines = [hm.dumps(self.build(skeleton, policy, 0)), f"# mode {mode}"]
        for app in routed(skeleton):
            ingress = app.ingress
            maxconn = policy.server_maxconn(ingress) if ingress is not None else None
            lines.append(f"# {app.backend_name} maxconn={maxconn} maxqueue={policy.maxqueue}")
        key = "\n".join(lines)
        self._key_cache = (skeleton, policy, key)
        return key

    def prepare(self, snapshot: ServeSnapshot, policy: Policy, spare: int, what: str) -> bool:
        """Build, check and write the file for a start or reload (``what``, for the log);
        ``False``, nothing written, when ``haproxy -c`` rejects it."""
        cfg = self.build(snapshot, policy, spare)
        if not self._check(cfg, what):
            return False
        self._write(hm.dumps(cfg))
        return True

    def refresh(self, snapshot: ServeSnapshot, policy: Policy, spare: int) -> None:
        """Rewrite the file to hold the current replicas (after runtime changes), so that
        a manual reload comes up right.

        Not re-checked (haproxy -c takes ~0.15 s): only server lines, from the builder
        whose output was checked at the last start or reload, differ. A restart or
        reload builds and checks afresh.
        """
        text = hm.dumps(self.build(snapshot, policy, spare))
        if text != self.last_written:
            self._write(text)

    def _check(self, cfg: hm.Config, what: str) -> bool:
        result = hx.run_check(cfg, binary=self._binary, cwd=self._workdir)
        if result.valid:
            return True
        self._journal.check_failures += 1
        errors = "; ".join(d.message for d in result.diagnostics if d.severity == "error")
        self._journal.emit("check-failed", detail=f"{what}: haproxy -c rejected the config: "
                           f"{errors or result.output.strip()[:500]}",
                           level=logging.ERROR)  # fmt: skip
        return False

    def _write(self, text: str) -> None:
        write_text_atomic(self.path, text)
        self.last_written = text
