"""The typed rows of ``show stat``, ``show info``, ``show servers state`` and ``show proc``."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping

import attrs

from haproxy_model.base.errors import InvalidValue
from haproxy_model.io.runtime.replies import _int_or_none

#: ``show stat`` ``type`` column values.
STAT_TYPES = {0: "frontend", 1: "backend", 2: "server", 3: "listener"}


@attrs.frozen(eq=True, hash=False)
class StatRow:
    """One ``show stat`` CSV row (management guide 9.1).

    The common columns are typed attributes (``None`` where HAProxy leaves the
    cell empty); ``fields`` maps every column name to its raw text.
    """

    pxname: str
    svname: str
    type: int | None
    status: str
    qcur: int | None
    qmax: int | None
    scur: int | None
    smax: int | None
    slim: int | None
    stot: int | None
    weight: int | None
    check_status: str
    addr: str
    fields: Mapping[str, str]

    @property
    def kind(self) -> str:
        """``frontend``, ``backend``, ``server``, ``listener`` (or ``""``)."""
        return STAT_TYPES.get(self.type, "") if self.type is not None else ""

    @property
    def is_frontend(self) -> bool:
        return self.type == 0

    @property
    def is_backend(self) -> bool:
        return self.type == 1

    @property
    def is_server(self) -> bool:
        return self.type == 2

    def __getitem__(self, column: str) -> str:
        return self.fields[column]

    def get_int(self, column: str) -> int | None:
        """A column as an integer (``None`` when empty, absent or not a number)."""
        return _int_or_none(self.fields.get(column))


def parse_stat(text: str) -> list[StatRow]:
    """Parse ``show stat`` CSV output."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0]
    if not header.startswith("#"):
        raise InvalidValue(f"'show stat' output has no '# pxname,...' header: {header[:80]!r}")
    names = next(csv.reader([header.lstrip("# ")]))
    rows: list[StatRow] = []
    for cells in csv.reader(lines[1:]):
        fields = {name: cell for name, cell in zip(names, cells, strict=False) if name}
        rows.append(
            StatRow(
                pxname=fields.get("pxname", ""),
                svname=fields.get("svname", ""),
                type=_int_or_none(fields.get("type")),
                status=fields.get("status", ""),
                qcur=_int_or_none(fields.get("qcur")),
                qmax=_int_or_none(fields.get("qmax")),
                scur=_int_or_none(fields.get("scur")),
                smax=_int_or_none(fields.get("smax")),
                slim=_int_or_none(fields.get("slim")),
                stot=_int_or_none(fields.get("stot")),
                weight=_int_or_none(fields.get("weight")),
                check_status=fields.get("check_status", ""),
                addr=fields.get("addr", ""),
                fields=fields,
            )
        )
    return rows


def parse_info(text: str) -> dict[str, str]:
    """Parse ``show info`` output (``Name: value`` lines)."""
    info: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            info[name.strip()] = value.strip()
    return info


# srv_admin_state bits (management guide, "show servers state").
_ADMF_MAINT = 0x01 | 0x02 | 0x04 | 0x20
_ADMF_DRAIN = 0x08 | 0x10


@attrs.frozen(eq=True, hash=False)
class ServerState:
    """One ``show servers state`` line (format version 1).

    ``op_state``: 0 stopped, 1 starting, 2 running, 3 stopping.  ``admin_state``
    is a bit mask (see :attr:`in_maintenance`, :attr:`draining`).  ``fields``
    maps every column name (``srv_fqdn``, ``srv_check_port``, ...) to its text.
    """

    backend_id: int
    backend: str
    server_id: int
    server: str
    addr: str
    op_state: int
    admin_state: int
    uweight: int
    iweight: int
    port: int | None
    fields: Mapping[str, str]

    @property
    def in_maintenance(self) -> bool:
        return bool(self.admin_state & _ADMF_MAINT)

    @property
    def draining(self) -> bool:
        return bool(self.admin_state & _ADMF_DRAIN)

    @property
    def is_up(self) -> bool:
        return self.op_state in (1, 2, 3) and not self.in_maintenance


def parse_servers_state(text: str) -> list[ServerState]:
    """Parse ``show servers state`` output."""
    names: list[str] = []
    states: list[ServerState] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            names = line[1:].split()
            continue
        cells = line.split()
        if not names:  # the format version line
            if len(cells) == 1 and cells[0] != "1":
                raise InvalidValue(f"unsupported 'show servers state' format {cells[0]!r}")
            continue
        fields = dict(zip(names, cells, strict=False))

        def num(key: str) -> int:
            return _int_or_none(fields.get(key)) or 0  # noqa: B023 - used at once

        states.append(
            ServerState(
                backend_id=num("be_id"),
                backend=fields.get("be_name", ""),
                server_id=num("srv_id"),
                server=fields.get("srv_name", ""),
                addr=fields.get("srv_addr", ""),
                op_state=num("srv_op_state"),
                admin_state=num("srv_admin_state"),
                uweight=num("srv_uweight"),
                iweight=num("srv_iweight"),
                port=_int_or_none(fields.get("srv_port")),
                fields=fields,
            )
        )
    return states


@attrs.frozen
class ProcessInfo:
    """One process of the master CLI's ``show proc``.

    ``kind`` is ``master``, ``worker``, ``old-worker`` or ``program``;
    ``failed_reloads`` is only known for the master.
    """

    pid: int
    kind: str
    type: str
    reloads: int
    uptime: str
    version: str
    failed_reloads: int | None = None


_PROC_RE = re.compile(
    r"(?P<pid>\d+)\s+(?P<type>\S+)\s+(?P<reloads>\d+)(?:\s*\[failed:\s*(?P<failed>\d+)\])?"
    r"\s+(?P<uptime>\S+)(?:\s+(?P<version>\S+))?\s*"
)
_PROC_SECTIONS = {"# workers": "worker", "# old workers": "old-worker", "# programs": "program"}


def parse_proc(text: str) -> list[ProcessInfo]:
    """Parse the master CLI's ``show proc`` output."""
    procs: list[ProcessInfo] = []
    section = "master"
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            section = _PROC_SECTIONS.get(stripped, section)
            continue
        m = _PROC_RE.fullmatch(stripped)
        if m is None:
            continue
        kind = "master" if m["type"] == "master" else section
        procs.append(
            ProcessInfo(
                pid=int(m["pid"]),
                kind=kind,
                type=m["type"],
                reloads=int(m["reloads"]),
                uptime=m["uptime"],
                version=m["version"] or "",
                failed_reloads=int(m["failed"]) if m["failed"] is not None else None,
            )
        )
    return procs


# -- the client -----------------------------------------------------------------------
