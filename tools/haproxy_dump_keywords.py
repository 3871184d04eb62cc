#!/usr/bin/env python3
"""Dump the configuration keywords an HAProxy binary registers, normalised.

Runs ``haproxy -dKcfg -q -c -f /dev/null`` (``-dK<class>`` exists since 2.6;
``haproxy -dKhelp`` lists the classes, ``-dKall`` dumps everything) and turns the
"List of registered configuration keywords" block into JSON::

    python tools/haproxy_dump_keywords.py [/path/to/haproxy]

Only keywords registered through keyword lists are dumped: the ones parsed by
hard-coded comparisons in HAProxy's own parsers ("balance", "mode", "maxconn",
"tcp-request connection accept", ...) never appear, so this is a subset check.

Normalised output (all lists sorted)::

    {"version": "2.8", "full_version": "2.8.25-...",
     "global": [...],          # first words of global keywords
     "proxy": [...],           # "listen" keywords, "option X" kept as two words
     "actions": {"http-request": ["set-header", "track-sc*", ...], ...},
     "bind": [...], "server": [...],
     "other": {"peers": [...], "userlist": [...], "crt-list": [...]}}

A trailing "*" marks a prefix keyword ("track-sc*" covers track-sc0..2).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from typing import Any

RULE_SETS = (
    "tcp-request connection",
    "tcp-request session",
    "tcp-request content",
    "tcp-response content",
    "http-request",
    "http-response",
    "http-after-response",
    "quic-initial",
)


def haproxy_version(binary: str) -> str:
    """Return the full version string printed by ``haproxy -v``."""
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"version (\S+)", out)
    if not m:
        raise RuntimeError(f"cannot read the version of {binary}: {out!r}")
    return m.group(1)


def raw_dump(binary: str) -> str:
    """Return the raw ``-dKcfg`` dump (the exit status is irrelevant: /dev/null
    is not a valid configuration, the dump happens before that is noticed)."""
    proc = subprocess.run(
        [binary, "-dKcfg", "-q", "-c", "-f", "/dev/null"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.stdout


def parse_dump(text: str) -> dict[str, Any]:
    """Normalise the configuration-keywords block of a ``-dK`` dump."""
    section = ""
    glob: set[str] = set()
    proxy: set[str] = set()
    bind: set[str] = set()
    server: set[str] = set()
    actions: dict[str, set[str]] = {}
    other: dict[str, set[str]] = {}
    active = False
    for line in text.splitlines():
        if line.startswith("#"):
            active = "configuration keywords" in line
            continue
        if not active or not line.strip():
            continue
        if not line.startswith("\t"):
            section = line.strip()
            continue
        # Drop "+1"-style argument counts and "[ FE BE HTTP ]" capability tags.
        words = [w for w in re.sub(r"\[[^\]]*\]", "", line).split() if not w.startswith("+")]
        if words[:2] == ["bind", "<addr>"]:
            # "bind <addr> ssl alpn": an option only valid with "ssl".
            bind.add(words[-1] if words[2] == "ssl" else words[2])
        elif words[:3] == ["server", "<name>", "<addr>"]:
            server.add(words[-1] if words[3] == "ssl" else words[3])
        elif section == "global":
            glob.add(words[0])
        elif section == "listen":
            text_words = " ".join(words)
            for rule_set in RULE_SETS:
                if text_words.startswith(rule_set + " "):
                    actions.setdefault(rule_set, set()).add(text_words[len(rule_set) + 1 :])
                    break
            else:
                proxy.add(" ".join(words[:2]) if words[0] == "option" else words[0])
        else:
            other.setdefault(section, set()).add(words[0])
    return {
        "global": sorted(glob),
        "proxy": sorted(proxy),
        "actions": {k: sorted(v) for k, v in sorted(actions.items())},
        "bind": sorted(bind),
        "server": sorted(server),
        "other": {k: sorted(v) for k, v in sorted(other.items())},
    }


def dump(binary: str) -> dict[str, Any]:
    """Run ``binary`` and return its normalised keyword dump."""
    full = haproxy_version(binary)
    m = re.match(r"(\d+\.\d+)", full)
    out = {"version": m.group(1) if m else full, "full_version": full}
    out.update(parse_dump(raw_dump(binary)))
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print the JSON dump of a binary."""
    args = sys.argv[1:] if argv is None else argv
    binary = args[0] if args else shutil.which("haproxy")
    if not binary:
        print("no haproxy binary found", file=sys.stderr)
        return 1
    json.dump(dump(binary), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
