"""``route``: where HAProxy sends a request, and the rules that decide it.

:func:`route` walks a frontend's ``tcp-request``, ``http-request``,
``redirect``, ``use_backend`` and ``default_backend`` lines in HAProxy's order
(see :mod:`haproxy_model.analysis.route.walk`), evaluating ACLs and anonymous
conditions for the fetches people route on.  Where the answer depends on
something it does not model (another fetch, a variable, a Lua action), the
:class:`Route` is ``undecided`` and names the line: it never guesses.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import attrs

from haproxy_model.analysis.route.outcome import Step, Undecided
from haproxy_model.analysis.route.request import Request, State, parse_header
from haproxy_model.analysis.route.sections import link
from haproxy_model.analysis.route.walk import Walk
from haproxy_model.base.errors import InvalidType, NotFound
from haproxy_model.model.config import Config

__all__ = ["Request", "Route", "Step", "Undecided", "parse_header", "route"]

#: Actions that answer the request without a backend.
ENDING_ACTIONS = ("deny", "tarpit", "return", "redirect", "auth", "reject", "silent-drop",
                  "monitor", "stats")  # fmt: skip


@attrs.frozen
class Route:
    """Where a request goes.

    ``action`` is ``use_backend``, ``default_backend`` or ``listen`` (the
    listen section serves it) with ``backend`` set; a rule's action (``deny``,
    ``redirect``, ``return``, ``tarpit``, ``auth``, ``reject``,
    ``silent-drop``; ``monitor`` for the monitor URI, ``stats`` for the statistics
    page) with ``backend`` None and ``status`` the HTTP status it
    answers (None where the connection is closed without one); ``no_backend``
    (HAProxy answers 503); or None when ``undecided``.
    """

    frontend: str
    backend: str | None
    action: str | None
    decided_by: tuple[Step, ...]
    undecided: Undecided | None = None
    status: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``frontend``, ``backend``, ``action``, ``decided_by`` and,
        when it cannot tell, ``undecided``."""
        out: dict[str, Any] = {
            "frontend": self.frontend,
            "backend": self.backend,
            "action": self.action,
            "decided_by": [attrs.asdict(step) for step in self.decided_by],
        }
        if self.undecided is not None:
            out["undecided"] = {
                "file": self.undecided.file,
                "line": self.undecided.line,
                "reason": self.undecided.reason,
            }
        return out


def _configs(cfg: object) -> list[Config]:
    if isinstance(cfg, Config):
        return [cfg]
    if isinstance(cfg, (list, tuple)) and cfg and all(isinstance(c, Config) for c in cfg):
        return list(cfg)
    raise InvalidType(f"route() takes a Config or a list of Configs, not {type(cfg).__name__}")


def route(cfg: Config | Sequence[Config], frontend: str, request: Request) -> Route:
    """Where ``request`` arriving on ``frontend`` (a frontend or listen section) goes.

    ``cfg`` may be a list of configurations, read in order as HAProxy reads
    several ``-f`` files.  Raises :class:`~haproxy_model.NotFound` for an
    unknown frontend (with the nearest names), :class:`~haproxy_model.InvalidType`
    for arguments of the wrong kind.
    """
    configs = _configs(cfg)
    if not isinstance(frontend, str):
        raise InvalidType(f"frontend: a section name, not {type(frontend).__name__}")
    if not isinstance(request, Request):
        raise InvalidType(f"request: a haproxy_model.Request, not {type(request).__name__}")
    proxies = link(configs)
    entries = [p for p in proxies if p.kind in ("frontend", "listen") and p.name]
    found = next((p for p in entries if p.name == frontend), None)
    if found is None:
        names = [p.name for p in entries if p.name]
        close = difflib.get_close_matches(frontend, names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        known = f"; frontends: {', '.join(names)}" if names and not close else ""
        raise NotFound(f"no frontend or listen section '{frontend}'{hint}{known}")
    outcome = Walk(proxies, found, State.of(request, frontend)).run()
    return Route(
        frontend=frontend,
        backend=outcome.backend,
        action=outcome.action,
        decided_by=tuple(outcome.steps),
        undecided=outcome.undecided,
        status=outcome.status,
    )
