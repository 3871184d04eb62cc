"""Ray-rendered configs of every Ray release with HAProxy mode (tests/fixtures/ray,
made by tools/render_ray_fixtures.py) and the files Ray writes beside them."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ray"
PLACEHOLDER = "/tmp/haproxy-serve"
"""Ray's own base folder, which the fixtures keep in their paths."""


def manifest() -> dict[str, dict[str, dict[str, object]]]:
    data: dict[str, dict[str, dict[str, object]]] = json.loads(
        (FIXTURES / "manifest.json").read_text()
    )
    return data


def rendered() -> list[tuple[str, str, Path]]:
    """``(ray version, scenario, file)`` for every rendered fixture."""
    out = []
    for version, scenarios in sorted(manifest().items()):
        for scenario, entry in scenarios.items():
            if entry.get("file"):
                out.append((version, scenario, FIXTURES / str(entry["file"])))
    out.append(("dev", "server-template", FIXTURES / "server-template" / "default.cfg"))
    return out


def materialise(text: str) -> Path:
    """``text`` written under a fresh short folder in place of Ray's, with the files
    Ray writes beside its config (error file, the router's Lua); returns the config.

    Short: HAProxy caps unix socket paths at 97 characters.
    """
    root = Path(tempfile.mkdtemp(prefix="rfx", dir="/tmp"))
    text = text.replace(PLACEHOLDER, str(root))
    for path in re.findall(r"^\s*errorfile \d+ (\S+)", text, re.M):
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
    actions = sorted(set(re.findall(r"\blua\.([A-Za-z0-9_]+)", text)))
    for path in re.findall(r"^\s*lua-load(?:-per-thread)? (\S+)", text, re.M):
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            "".join(
                f'core.register_action("{name}", {{"http-req"}}, function(txn) end, 0)\n'
                for name in actions
            )
        )
    for path in re.findall(r"^\s*(?:server-state-base) (\S+)", text, re.M):
        Path(path).mkdir(parents=True, exist_ok=True)
    cfg = root / "haproxy.cfg"
    cfg.write_text(text)
    return cfg
