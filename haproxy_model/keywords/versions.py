"""HAProxy version labels as numbers, the one reading every table and check uses."""

from __future__ import annotations

import re


def version_key(version: str) -> tuple[int, ...]:
    """``"3.10"`` -> ``(3, 10)``; ``"3.5-dev"`` -> ``(3, 5)``; ``"2.8.25"`` -> ``(2, 8, 25)``."""
    return tuple(int(p) for p in re.findall(r"\d+", version.split("-")[0]))


def branch(version: str) -> str:
    """``"2.8.25"`` -> ``"2.8"``; ``"3.5-dev"`` -> ``"3.5"``."""
    return ".".join(version.split("-")[0].split(".")[:2])


__all__ = ["branch", "version_key"]
