"""The first word of every line against HAProxy's sources (``first_words.json``), in
the default mode: what HAProxy refuses is an error with its own message, checked with
Debian's ``haproxy -c`` 2.6 where it is installed."""

from __future__ import annotations

import pytest

import haproxy_model as hm
from haproxy_model.io import haproxy

from .validate_support import DEFAULTS

BACKEND = "backend app\n    server s 127.0.0.1:1\n"
FRONTEND = "frontend fe\n    bind 127.0.0.1:23995\n    default_backend app\n"

# (config, code, severity, message) validating for 2.6
REFUSED: dict[str, tuple[str, str, str, str]] = {
    "healthcheck in global (a 3.4 section)": (
        "global\n    external-check\n    healthcheck\n" + DEFAULTS + BACKEND,
        "keyword-version",
        "error",
        "unknown keyword 'healthcheck' in 'global' section "
        "(appeared in 3.4 as a section; validating for 2.6)",
    ),
    "healthcheck section (3.4)": (
        DEFAULTS + BACKEND + "healthcheck hc\n    type httpchk\n",
        "keyword-version",
        "error",
        "unknown keyword 'healthcheck' in 'backend' section "
        "(appeared in 3.4 as a section; validating for 2.6)",
    ),
    "force-be-switch in a frontend (3.4)": (
        DEFAULTS + FRONTEND + "    force-be-switch if TRUE\n" + BACKEND,
        "keyword-version",
        "error",
        "unknown keyword 'force-be-switch' in 'frontend' section "
        "(appeared in 3.4; validating for 2.6)",
    ),
    "a template leftover in a backend": (
        DEFAULTS + "backend app\n    ENDPOINT 10.0.0.1\n    server s 127.0.0.1:1\n",
        "unknown-keyword",
        "error",
        "unknown keyword 'ENDPOINT' in 'backend' section",
    ),
    "http-after-request in defaults": (
        DEFAULTS + "    http-after-request set-header X-A b\n" + BACKEND,
        "unknown-keyword",
        "error",
        "unknown keyword 'http-after-request' in 'defaults' section",
    ),
    "a slip in a peers section": (
        DEFAULTS + BACKEND + "peers pe\n    peer local 127.0.0.1:23996\n    tabel t type ip\n",
        "unknown-keyword",
        "error",
        "unknown keyword 'tabel' in 'peers' section; did you mean 'table'?",
    ),
    "a ring keyword of no version": (
        DEFAULTS + BACKEND + "ring r\n    size 32764\n    buffer 12\n",
        "unknown-keyword",
        "error",
        "unknown statement 'buffer'.",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_haproxy_refuses(name: str) -> None:
    text, code, severity, message = REFUSED[name]
    cfg = hm.parse(text)
    found = [d for d in hm.validate(cfg, version="2.6") if d.severity == "error"]
    assert [(d.code, d.severity, d.message) for d in found] == [(code, severity, message)]
    binary = _haproxy("2.6")
    if binary is not None:
        result = haproxy.run_check(cfg, binary=binary)
        assert result.returncode == 1, result.output
        assert message.split(" (")[0].split(";")[0] in result.output


def _haproxy(version: str) -> haproxy.Binary | None:
    for b in haproxy.find_all():
        if b.version.startswith(version + "."):
            return b
    return None


def test_words_of_later_versions_outside_proxies_are_warnings() -> None:
    # stable releases take such words back (2.6.12 has the ring's 2.7 "backing-file"):
    # the cache's 3.5-dev "early-hints" is only a warning for 2.6
    text = DEFAULTS + BACKEND + "cache c\n    total-max-size 4\n    early-hints on\n"
    found = hm.validate(hm.parse(text), version="2.6")
    assert [(d.code, d.severity) for d in found] == [("keyword-version", "warning")]
    assert found[0].message.startswith("unknown keyword 'early-hints' in 'cache' section")
    assert "releases after 2.6.0 may have taken it back" in found[0].message
    # the manual of 2.6 (Debian's 2.6.12) documents the ring's backing-file: accepted
    ring = DEFAULTS + BACKEND + "ring r\n    size 32764\n    backing-file /tmp/r\n"
    assert [d for d in hm.validate(hm.parse(ring), version="2.6") if d.severity != "info"] == []


def test_build_option_words_are_accepted_without_a_build() -> None:
    # QUIC (not in Debian's 2.6 build), WURFL and Lua words are registered only by
    # builds with those options: accepted, as the build is not known
    text = (
        "global\n    tune.quic.frontend.max-idle-timeout 30s\n    wurfl-data-file /x\n"
        "    lua-load /x.lua\n" + DEFAULTS + BACKEND
    )
    found = hm.validate(hm.parse(text), version="2.6")
    assert [d for d in found if d.severity == "error"] == []


def test_version_guarded_words_are_warnings() -> None:
    text = DEFAULTS + FRONTEND + ".if version_atleast(3.4)\n    force-be-switch if TRUE\n.endif\n"
    found = hm.validate(hm.parse(text + BACKEND), version="2.6")
    assert [(d.code, d.severity) for d in found] == [("keyword-version", "warning")]


def test_removed_keywords_keep_their_messages() -> None:
    text = "global\n    nbproc 2\n" + DEFAULTS + BACKEND
    found = hm.validate(hm.parse(text), version="2.6")
    assert [d.code for d in found] == ["removed-keyword"]
    assert found[0].message.startswith("nbproc is not supported any more since HAProxy 2.5")


def test_prefixes_and_words_known_at_run_time() -> None:
    text = (
        "global\n    no busy-polling\n    ${FIRST_WORD} 1\n"
        + DEFAULTS
        + "    no frobnicate\n"
        + BACKEND
    )
    found = hm.validate(hm.parse(text), version="2.6")
    assert [(d.code, d.line, d.column) for d in found] == [("unknown-keyword", 9, 8)]


def test_sections_taking_any_word_are_not_judged() -> None:
    text = "namespace_list\n    anything goes\n" + DEFAULTS + BACKEND
    assert hm.validate(hm.parse(text), version="2.6") == []


def test_words_the_sources_know_are_no_slips() -> None:
    # "resolution_pool_size" is a resolvers word no manual documents (HAProxy accepts
    # it, ignored): refused in a backend, no error nor guess in a resolvers section
    text = DEFAULTS + "backend app\n    resolution_pool_size 3\n    server s 127.0.0.1:1\n"
    found = hm.validate(hm.parse(text), version="2.6")
    assert [d.code for d in found if d.severity == "error"] == ["unknown-keyword"]
    text = "resolvers r\n    nameserver n 127.0.0.1:53\n    resolution_pool_size 3\n"
    assert hm.validate(hm.parse(DEFAULTS + BACKEND + text), version="2.6") == []
