"""Diagnostics: what validation and ``haproxy -c`` report, with the place it concerns."""

from __future__ import annotations

from typing import Literal

import attrs

Severity = Literal["error", "warning", "info"]


@attrs.frozen
class Diagnostic:
    """One finding about a configuration.

    ``line`` and ``column`` are 1-based (0 when the finding concerns the whole
    file); ``section`` is the header text of the section it concerns
    (``"backend app"``), or None. ``code`` names the check (``unknown-keyword``);
    :attr:`rule` is its stable code (``HM102``, see
    :mod:`haproxy_model.analysis.validation.registry`; ``""`` for HAProxy's own messages).
    """

    code: str
    severity: Severity
    message: str
    filename: str = "<string>"
    line: int = 0
    column: int = 0
    section: str | None = None
    rule: str = ""

    def __str__(self) -> str:
        where = f"{self.filename}:{self.line}:{self.column}" if self.line else self.filename
        return f"{where}: {self.severity}: {self.message} [{self.code}]"
