"""Each deployment's ``max_ongoing_requests``, asked of Ray's dashboard REST API.

The wrapper and ``haproxy-model ray-serve patch`` run without a Ray client
connection (the wrapper must start HAProxy within Ray's readiness window at
every reload), so they ask the dashboard: ``GET /api/serve/applications/``,
which answers ``applications.<app>.deployments.<deployment>.deployment_config.
max_ongoing_requests``. The query has a short timeout; :class:`MaxOngoingCache`
keeps the last answer on disk so a reload never waits on a slow dashboard twice.

Where the dashboard is: ``$RAY_DASHBOARD_ADDRESS`` (``http://host:port`` or
``host:port``, the variable Ray's own job CLI reads), else the host of the
cluster this node belongs to (``/tmp/ray/ray_current_cluster``, written by
``ray start``) on port 8265, else ``127.0.0.1:8265``.

Ray (2.60 on) protects the dashboard with a token by default; the query sends
``Authorization: Bearer <token>`` with the token Ray itself reads:
``$RAY_AUTH_TOKEN``, else the file ``$RAY_AUTH_TOKEN_PATH``, else
``~/.ray/auth_token``.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .replica_owners import MaxOngoing

from haproxy_model.base.errors import Error

__all__ = [
    "DEFAULT_DASHBOARD_PORT",
    "ENV_DASHBOARD",
    "DashboardError",
    "MaxOngoingCache",
    "dashboard_address",
    "fetch_max_ongoing_requests",
    "max_ongoing_from_ray",
]

ENV_DASHBOARD = "RAY_DASHBOARD_ADDRESS"
DEFAULT_DASHBOARD_PORT = 8265
CURRENT_CLUSTER_FILE = "/tmp/ray/ray_current_cluster"
ENDPOINT = "/api/serve/applications/"


class DashboardError(Error, RuntimeError):
    """Ray's dashboard could not be asked, or gave no usable answer."""


def dashboard_address(
    env: Mapping[str, str] | None = None, *, cluster_file: str = CURRENT_CLUSTER_FILE
) -> str:
    """The dashboard's base URL (``http://host:port``), found as the module doc says."""
    env = os.environ if env is None else env
    explicit = (env.get(ENV_DASHBOARD) or "").strip()
    if explicit:
        return explicit.rstrip("/") if "://" in explicit else f"http://{explicit.rstrip('/')}"
    host = "127.0.0.1"
    with contextlib.suppress(OSError, ValueError):
        gcs = Path(cluster_file).read_text(encoding="utf-8").strip()
        found = gcs.rsplit(":", 1)[0].strip("[]") if gcs else ""
        if found:
            host = found
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"http://{host}:{DEFAULT_DASHBOARD_PORT}"


def auth_token(env: Mapping[str, str] | None = None) -> str | None:
    """Ray's authentication token, looked up as Ray does (see the module doc)."""
    env = os.environ if env is None else env
    token = (env.get("RAY_AUTH_TOKEN") or "").strip()
    if token:
        return token
    paths = [env.get("RAY_AUTH_TOKEN_PATH") or "", str(Path.home() / ".ray" / "auth_token")]
    for path in paths:
        if path:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                token = Path(path).read_text(encoding="utf-8").strip()
                if token:
                    return token
    return None


def parse_applications(payload: Any) -> dict[str, int]:
    """``{"app/deployment": max_ongoing_requests}`` from the endpoint's JSON."""
    if not isinstance(payload, Mapping):
        raise DashboardError("the dashboard's answer is not a JSON object")
    apps = payload.get("applications")
    if apps is None:
        return {}
    if not isinstance(apps, Mapping):
        raise DashboardError("the dashboard's answer has no 'applications' object")
    out: dict[str, int] = {}
    for app_name, app in apps.items():
        deployments = app.get("deployments") if isinstance(app, Mapping) else None
        if not isinstance(deployments, Mapping):
            continue
        for dep_name, dep in deployments.items():
            config = dep.get("deployment_config") if isinstance(dep, Mapping) else None
            value = config.get("max_ongoing_requests") if isinstance(config, Mapping) else None
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                out[f"{app_name}/{dep_name}"] = value
    return out


def fetch_max_ongoing_requests(
    address: str | None = None, *, timeout: float = 2.0, token: str | None = None
) -> dict[str, int]:
    """Ask the dashboard at ``address`` (default :func:`dashboard_address`).

    Returns ``{"app/deployment": max_ongoing_requests}`` (empty when Serve runs
    no application). ``token`` defaults to :func:`auth_token`. Raises
    :class:`DashboardError` with the address and the reason when it cannot be
    reached in ``timeout`` seconds or answers badly.
    """
    base = address or dashboard_address()
    if "://" not in base:
        base = f"http://{base}"
    url = base.rstrip("/") + ENDPOINT
    headers = {"Accept": "application/json"}
    token = token or auth_token()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        message = f"Ray's dashboard at {base} answered {exc.code} {exc.reason}"
        if exc.code in (401, 403):
            message += (
                " (Ray's token authentication: give the cluster's token in $RAY_AUTH_TOKEN "
                "or $RAY_AUTH_TOKEN_PATH, or in ~/.ray/auth_token)"
            )
        raise DashboardError(message) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DashboardError(f"Ray's dashboard at {base} could not be reached: {reason}") from None
    try:
        payload = json.loads(body)
    except ValueError:
        raise DashboardError(f"Ray's dashboard at {base} did not answer JSON") from None
    return parse_applications(payload)


@attrs.frozen
class CachedAnswer:
    """What the cache holds: the values and when (``time.time()``) they were fetched."""

    values: dict[str, int]
    fetched_at: float
    address: str


@attrs.define
class MaxOngoingCache:
    """The last dashboard answer, kept in a small JSON file written atomically."""

    path: Path

    def load(self) -> CachedAnswer | None:
        """The cached answer, or None when there is none or it is unreadable."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            values = {str(k): int(v) for k, v in data["values"].items()}
            return CachedAnswer(values, float(data["fetched_at"]), str(data["address"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def store(self, values: Mapping[str, int], address: str, now: float) -> None:
        """Replace the cached answer (best effort: a read-only folder is not an error)."""
        from haproxy_model.base.files import write_text_atomic

        text = json.dumps({"values": dict(values), "fetched_at": now, "address": address})
        with contextlib.suppress(OSError):
            write_text_atomic(self.path, text + "\n")

    def get(
        self,
        *,
        address: str | None = None,
        timeout: float = 1.5,
        fresh_s: float = 5.0,
        now: float | None = None,
        covers: Callable[[Mapping[str, int]], bool] | None = None,
    ) -> tuple[dict[str, int], str]:
        """``(values, where)``: a cached answer younger than ``fresh_s`` seconds that
        ``covers`` (what the caller needs; default: any), else a new query (stored),
        else an older cached answer; ``where`` says which.

        Raises :class:`DashboardError` when the dashboard cannot answer and
        nothing is cached.
        """
        now = time.time() if now is None else now
        base = address or dashboard_address()
        cached = self.load()
        fresh = cached is not None and cached.address == base and now - cached.fetched_at < fresh_s
        if cached is not None and fresh and (covers is None or covers(cached.values)):
            return cached.values, f"cached answer of Ray's dashboard at {base}"
        try:
            values = fetch_max_ongoing_requests(base, timeout=timeout)
        except DashboardError as exc:
            if cached is None:
                raise
            age = max(0.0, now - cached.fetched_at)
            return cached.values, f"cached answer of {cached.address}, {age:.0f} s old ({exc})"
        self.store(values, base, now)
        return values, f"Ray's dashboard at {base}"


def max_ongoing_from_ray(
    missing: Sequence[str],
    explicit: MaxOngoing,
    *,
    address: str | None = None,
    timeout: float = 2.0,
    cache: MaxOngoingCache | None = None,
) -> tuple[MaxOngoing, str | None]:
    """``(max_ongoing_requests, problem)``: ``explicit`` merged over what Ray's dashboard
    says, when a patch found ``missing`` deployments (``"app/deployment"``) and
    ``explicit`` is not one number for all. Through ``cache`` when given (a fresh answer
    that covers ``missing`` is used without asking). ``problem`` says why Ray could not
    help, ``None`` when it answered (or was not needed).
    """
    from .replica_owners import lookup, merge_max_ongoing

    if not missing or isinstance(explicit, int):
        return explicit, None
    base = address or dashboard_address()

    def covers(values: Mapping[str, int]) -> bool:
        pairs = [label.split("/", 1) for label in missing if "/" in label]
        return all(lookup(values, app, dep, False) is not None for app, dep in pairs)

    try:
        if cache is None:
            found = fetch_max_ongoing_requests(base, timeout=timeout)
        else:
            found, _where = cache.get(address=base, timeout=timeout, covers=covers)
    except DashboardError as exc:
        return explicit, str(exc)
    return merge_max_ongoing(explicit, found), None
