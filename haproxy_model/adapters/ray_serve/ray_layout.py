"""What Ray Serve's HAProxy mode writes (ray 2.55-2.60 templates), read from its file.

Ray names each application's backend ``<protocol>-<app>`` (``http-<app>``,
``grpc-<app>``, and ``http-<app>-via-ingress-request-router`` for the ingress
request router), its frontends ``http_frontend`` and ``grpc_frontend``, and each
replica server ``SERVE_REPLICA_<app>-<deployment>-<id>`` (sanitised by
:func:`~.snapshot.safe_name`); its fallback server is a ``backup``.
:func:`names_from_frontends` reads which application and deployment each backend
serves from the frontends' rules.

A file whose layout is not Ray's (no ``global``/``defaults``, no Ray frontend,
replica servers outside Ray's application backends) fails :func:`check_layout`
with a :class:`PatchError` naming the Ray version installed: never a guessed patch.
"""

from __future__ import annotations

import haproxy_model as hm
from haproxy_model.base.errors import Error
from haproxy_model.model.typed_sections import Backend

from .snapshot import REPLICA_ACTOR_PREFIX, safe_name

__all__ = [
    "APP_BACKEND_PREFIXES",
    "GRPC_PREFIX",
    "HTTP_PREFIX",
    "RAY_FRONTENDS",
    "ROUTER_SUFFIX",
    "SERVER_PREFIX",
    "PatchError",
    "check_layout",
    "is_app_backend",
    "is_replica",
    "names_from_frontends",
    "ray_version",
    "server_lines",
]

HTTP_PREFIX = "http-"
GRPC_PREFIX = "grpc-"
APP_BACKEND_PREFIXES = (HTTP_PREFIX, GRPC_PREFIX)
"""Ray names each application's backend ``<protocol>-<app>``."""
RAY_FRONTENDS = ("http_frontend", "grpc_frontend")
ROUTER_SUFFIX = "-via-ingress-request-router"
SERVER_PREFIX = safe_name(REPLICA_ACTOR_PREFIX)  # "SERVE_REPLICA_"


class PatchError(Error, ValueError):
    """Ray's file does not have a layout the patch knows (no ``defaults`` ...)."""


def ray_version() -> str | None:
    """The version of Ray installed here, or None."""
    import importlib.metadata

    try:
        return importlib.metadata.version("ray")
    except importlib.metadata.PackageNotFoundError:
        return None


def _layout_error(what: str) -> PatchError:
    version = ray_version()
    known = f"Ray {version} is installed here" if version else "Ray is not installed here"
    return PatchError(
        f"{what}: not a layout Ray Serve's HAProxy mode renders (the adapter knows "
        f"Ray 2.55-2.60; {known}); nothing was patched"
    )


def is_app_backend(name: str) -> bool:
    return name.startswith(APP_BACKEND_PREFIXES)


def server_lines(section: Backend | hm.Listen) -> list[hm.Server]:
    """The ``server`` and ``server-template`` lines of a proxy, in file order."""
    return [
        line
        for line in hm.iter_lines(section.body)
        if isinstance(line, hm.Server) and not isinstance(line, hm.DefaultServer)
    ]


def is_replica(server: hm.Server) -> bool:
    return server.name.startswith(SERVER_PREFIX) and not server.backup


def check_layout(cfg: hm.Config) -> tuple[hm.Global, hm.Defaults, list[Backend]]:
    """The ``global`` section, the first ``defaults`` and the application backends of
    Ray's file; :class:`PatchError` when its layout is not Ray's."""
    glob = cfg.global_
    if glob is None:
        raise _layout_error("no global section")
    if not len(cfg.defaults):
        raise _layout_error("no defaults section")
    if not any(name in cfg.frontends for name in RAY_FRONTENDS):
        raise _layout_error(f"no frontend {' or '.join(RAY_FRONTENDS)}")
    for section in cfg.sections:
        if not isinstance(section, (hm.Backend, hm.Listen)):
            continue
        name = section.name or ""
        if is_app_backend(name):
            continue
        stray = [s.name for s in server_lines(section) if is_replica(s)]
        if stray:
            raise _layout_error(
                f"{section.keyword} {name}: replica servers ({', '.join(stray)}) outside "
                "an http-<app> or grpc-<app> backend"
            )
    backends = [b for b in cfg.backends.values() if is_app_backend(b.name or "")]
    return glob, cfg.defaults[0], backends


def _unescape_fmt(value: str) -> str:
    """Undo Ray's ``haproxy_fmt`` escaping left after word decoding (``%%`` -> ``%``)."""
    return value.replace("%%", "%")


def names_from_frontends(cfg: hm.Config) -> dict[str, dict[str, str]]:
    """``{backend: {"app": ..., "deployment": ...}}`` from Ray's frontends: the
    metric var rules (HTTP) and the ``application`` header ACLs (gRPC)."""
    out: dict[str, dict[str, str]] = {}
    for fe in cfg.frontends.values():
        for rule in fe.http_request:
            if rule.action not in ("set-var-fmt(txn.serve_app)",
                                   "set-var-fmt(txn.serve_deployment)"):  # fmt: skip
                continue
            cond = rule.condition
            if cond is None or not rule.arguments:
                continue
            key = "app" if rule.action.endswith("serve_app)") else "deployment"
            for word in cond[1]:
                if word.startswith("is_"):
                    out.setdefault(word[3:], {}).setdefault(key, _unescape_fmt(rule.arguments[0]))
                    break
        for acl in fe.acls:
            words = acl.args
            if (acl.name or "").startswith("is_" + GRPC_PREFIX) and words[1:4] == [
                "req.hdr(application)", "-m", "str"] and len(words) == 5:  # fmt: skip
                out.setdefault(words[0][3:], {}).setdefault("app", words[4])
    return out
