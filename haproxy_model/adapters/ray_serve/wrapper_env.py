"""The wrapper's settings and its log line.

Each setting is an environment variable where Ray's raylet starts (the
``HAProxyManager`` actor inherits it); a value baked in by
:func:`~.wrapper_install.install_wrapper` is used when the variable is unset.

Ray shows the tail of HAProxy's *stderr* when HAProxy fails to start, so the
wrapper writes its own lines (``[haproxy-model wrapper] INFO|WARNING|ERROR: ...``)
to *stdout* (:func:`log`): HAProxy's ALERT lines are then what Ray shows first.
``$HAPROXY_MODEL_LOG`` names a file the lines are also appended to.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping

from haproxy_model.base.errors import InvalidType, InvalidValue

__all__ = [
    "ENV_CHECK",
    "ENV_HANDOVER",
    "ENV_LOG",
    "ENV_MAX_ONGOING",
    "ENV_POLICY",
    "ENV_REAL_BINARY",
    "LOG_PREFIX",
    "log",
    "parse_max_ongoing",
]

ENV_POLICY = "HAPROXY_MODEL_POLICY"
ENV_REAL_BINARY = "HAPROXY_MODEL_REAL_BINARY"
ENV_MAX_ONGOING = "HAPROXY_MODEL_MAX_ONGOING_REQUESTS"
ENV_HANDOVER = "HAPROXY_MODEL_HANDOVER"
ENV_LOG = "HAPROXY_MODEL_LOG"
ENV_CHECK = "HAPROXY_MODEL_CHECK"
LOG_PREFIX = "[haproxy-model wrapper]"
_DIGITS = re.compile(r"[0-9]+")


def log(message: str, level: str = "INFO", env: Mapping[str, str] | None = None) -> None:
    """One wrapper line on stdout (Ray shows HAProxy's stderr first), and in $HAPROXY_MODEL_LOG."""
    line = f"{LOG_PREFIX} {level}: {message}"
    print(line, flush=True)
    target = (os.environ if env is None else env).get(ENV_LOG)
    if target:
        with contextlib.suppress(OSError), open(target, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def parse_max_ongoing(text: str | None) -> int | dict[str, int] | None:
    """``"64"`` -> 64; ``"app/Dep=64, Other=8"`` -> a mapping; empty -> None."""
    if text is not None and not isinstance(text, str):
        raise InvalidType(f"{ENV_MAX_ONGOING}: expected a string, got {type(text).__name__}")
    if text is None or not text.strip():
        return None
    text = text.strip()
    if _DIGITS.fullmatch(text):
        return int(text)
    out: dict[str, int] = {}
    for item in text.split(","):
        key, sep, value = item.strip().rpartition("=")
        if not sep or not key.strip() or not _DIGITS.fullmatch(value.strip()):
            raise InvalidValue(f"{ENV_MAX_ONGOING}: expected 'key=int', got {item.strip()!r}")
        out[key.strip()] = int(value)
    return out
