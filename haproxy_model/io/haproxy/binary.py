"""An HAProxy executable and its version, and what one ``haproxy -c`` run gave."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import attrs

from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.base.errors import InvalidValue
from haproxy_model.base.files import PathLike
from haproxy_model.io.haproxy import checking
from haproxy_model.io.haproxy.checking import Targets
from haproxy_model.keywords.versions import version_key

_VERSION_RE = re.compile(r"HA-?Proxy version (?P<full>\S+)")
_NUMERIC_RE = re.compile(r"\d+(?:\.\d+)*")


@attrs.frozen
class Binary:
    """An HAProxy executable and its version.

    ``version`` is the numeric release (``"2.6.12"``, ``"3.1"`` for
    ``3.1-dev5``); ``full_version`` is what ``haproxy -v`` prints
    (``"2.6.12-1+deb12u4"``).
    """

    path: str
    version: str
    full_version: str = ""

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """The version as numbers: ``(2, 6, 12)``."""
        return version_key(self.version)

    def check(
        self,
        cfg_or_path: Targets,
        *,
        timeout: float = 60.0,
        cwd: PathLike | None = None,
        env: Mapping[str, str] | None = None,
        ignore_dns: bool = False,
    ) -> list[Diagnostic]:
        """:func:`~haproxy_model.io.haproxy.check` with this binary."""
        return self.run_check(
            cfg_or_path, timeout=timeout, cwd=cwd, env=env, ignore_dns=ignore_dns
        ).diagnostics

    def run_check(
        self,
        cfg_or_path: Targets,
        *,
        timeout: float = 60.0,
        cwd: PathLike | None = None,
        env: Mapping[str, str] | None = None,
        ignore_dns: bool = False,
    ) -> CheckResult:
        """:func:`~haproxy_model.io.haproxy.run_check` with this binary."""
        diagnostics, returncode, output = checking.run(
            self.path, cfg_or_path, timeout=timeout, cwd=cwd, env=env, ignore_dns=ignore_dns
        )
        return CheckResult(
            diagnostics=diagnostics, returncode=returncode, output=output, binary=self
        )

    def __str__(self) -> str:
        return f"HAProxy {self.version} ({self.path})"


def parse_version(text: str) -> tuple[str, str]:
    """``(version, full_version)`` from ``haproxy -v`` output; ValueError if absent."""
    m = _VERSION_RE.search(text)
    if m is None:
        raise InvalidValue("no 'HAProxy version ...' line")
    full = m["full"]
    numeric = _NUMERIC_RE.match(full)
    if numeric is None:
        raise InvalidValue(f"version {full!r} does not start with a number")
    return numeric.group(), full


@attrs.frozen
class CheckResult:
    """What one ``haproxy -c`` run gave.

    ``returncode`` is HAProxy's exit status: 0 valid, 1 errors, 2 valid but
    HAProxy would not start (no listener, reported as an info diagnostic).
    ``output`` is HAProxy's stderr and stdout, with the temporary file's name
    replaced by the user's.
    """

    diagnostics: list[Diagnostic]
    returncode: int
    output: str
    binary: Binary

    @property
    def valid(self) -> bool:
        """True when no diagnostic is an error."""
        return is_valid(self.diagnostics)


def is_valid(diagnostics: Sequence[Diagnostic]) -> bool:
    """True when none of ``diagnostics`` is an error (warnings and notices are fine)."""
    return not any(d.severity == "error" for d in diagnostics)


__all__ = ["Binary", "CheckResult", "is_valid", "parse_version"]
